/**
 * Hub fan-out benchmark (issue: server, ChartHub, replay feed).
 *
 * N Socket.IO clients (N = 100, 500, 1000; cap with FANOUT_MAX_CLIENTS for a quick run)
 * spread over 20 series (SPY/AIG/BAC × 1m…4h) while the replay plays 2013-10-10 at the
 * maximum speed (600×, 100 ms ticks). Then, in the same run, the same replay window is
 * broadcast to N bare `ws` clients (one JSON.stringify per delta, one send per client):
 * the floor any WebSocket fan-out can reach. Reported per phase:
 * - delivery latency p50/p99: from the start of the replay tick that produced a delta to
 *   its arrival at a client (server and clients in different processes, same machine,
 *   compared on performance.timeOrigin + now());
 * - server CPU (process.cpuUsage of the server process) during the playing window.
 *
 * The server runs in a child process (this file, forked with --fanout-server) so client
 * work does not count as server CPU. Loopback only; every phase is time-bounded
 * (FANOUT_SECONDS of replay, default 3).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { io as ioClient, type Socket } from 'socket.io-client';
import WebSocket, { WebSocketServer } from 'ws';
import { isMain, percentile } from './util.js';

const SYMBOLS = ['SPY', 'AIG', 'BAC'];
const TFS = ['1m', '3m', '5m', '15m', '30m', '1h', '4h'];
const SERIES = SYMBOLS.flatMap((symbol) => TFS.map((tf) => ({ symbol, tf, extended: false }))).slice(0, 20);
const TICK_MS = 100;
const SPEED = 600;

const now = (): number => performance.timeOrigin + performance.now();
const keyOf = (m: { symbol: string; tf: string; extended: boolean; seq: number }): string => `${m.symbol}|${m.tf}|${m.extended ? 1 : 0}|${m.seq}`;

type Phase = 'socketio' | 'ws';
type ToServer = { cmd: 'prepare'; phase: Phase } | { cmd: 'run'; seconds: number } | { cmd: 'quit' };
type FromServer =
  | { ready: { url: string; wsUrl: string } }
  | { prepared: true }
  | { ran: { cpuUserMs: number; cpuSystemMs: number; emitted: Array<[string, number]>; wallMs: number } };

// ───────────────────────────── server process ─────────────────────────────

async function serverProcess(): Promise<void> {
  const { createServer } = await import('../src/server/app.js');
  const { ManualTicker } = await import('../src/feeds/replay/index.js');
  const { seriesId } = await import('../src/wire/protocol.js');
  const ticker = new ManualTicker();
  const server = createServer({ port: 0, ticker, replay: { session: '2013-10-10', time: '09:30', speed: SPEED, state: 'pause' } });
  const { url } = await server.listen();

  // The bare-ws baseline: rooms as Sets, one serialisation per delta.
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const rooms = new Map<string, Set<WebSocket>>();
  wss.on('connection', (ws) => {
    ws.on('message', (raw) => {
      const id = String(raw);
      let room = rooms.get(id);
      if (!room) rooms.set(id, (room = new Set()));
      room.add(ws);
      ws.send('{"ok":true}');
    });
    ws.on('close', () => {
      for (const room of rooms.values()) room.delete(ws);
    });
  });

  let phase: Phase = 'socketio';
  let tickStart = 0;
  const emitted = new Map<string, number>();
  let unlisten: (() => void) | undefined;
  const send = (m: FromServer): void => void process.send!(m);

  process.on('message', async (msg: ToServer) => {
    if (msg.cmd === 'prepare') {
      phase = msg.phase;
      unlisten?.();
      // A jump back to 09:30 rebuilds the engine: both phases replay the identical window.
      await server.replay!.control({ session: '2013-10-10', time: '09:30', state: 'pause', speed: SPEED });
      await server.replay!.control({ time: '09:31' });
      await server.replay!.control({ time: '09:30' });
      const engine = server.hub.engine;
      if (phase === 'ws') server.replay!.subscribe(SYMBOLS); // no hub subscribers in this phase
      unlisten = engine.onDelta((d) => {
        const id = seriesId(d);
        if (phase === 'ws') {
          const room = rooms.get(id);
          if (!room || room.size === 0) return;
          const payload = JSON.stringify({ symbol: d.symbol, tf: d.tf, extended: d.extended, seq: d.seq, bar: { start: d.bar.start, open: d.bar.open, high: d.bar.high, low: d.bar.low, close: d.bar.close, volume: d.bar.volume, closed: d.bar.closed } });
          for (const ws of room) ws.send(payload);
        }
        emitted.set(keyOf(d), tickStart);
      });
      emitted.clear();
      send({ prepared: true });
    } else if (msg.cmd === 'run') {
      emitted.clear();
      const cpu0 = process.cpuUsage();
      const wall0 = performance.now();
      await server.replay!.control({ state: 'play' });
      const ticks = Math.round((msg.seconds * 1000) / TICK_MS);
      for (let i = 0; i < ticks; i++) {
        await new Promise((r) => setTimeout(r, TICK_MS));
        tickStart = now();
        ticker.tick(TICK_MS);
      }
      await server.replay!.control({ state: 'pause' });
      const cpu = process.cpuUsage(cpu0);
      if (phase === 'ws') server.replay!.unsubscribe(SYMBOLS);
      send({ ran: { cpuUserMs: cpu.user / 1000, cpuSystemMs: cpu.system / 1000, emitted: [...emitted], wallMs: performance.now() - wall0 } });
    } else if (msg.cmd === 'quit') {
      unlisten?.();
      for (const c of wss.clients) c.terminate();
      wss.close();
      await server.close();
      process.exit(0);
    }
  });
  send({ ready: { url, wsUrl: `ws://127.0.0.1:${(wss.address() as { port: number }).port}` } });
}

// ───────────────────────────── bench (clients) ─────────────────────────────

function request<T extends FromServer>(child: ChildProcess, msg: ToServer, pick: (m: FromServer) => m is T): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: FromServer): void => {
      if (!pick(m)) return;
      child.off('message', on);
      resolve(m);
    };
    child.on('message', on);
    child.send(msg);
  });
}

interface Receipt {
  key: string;
  at: number;
}

async function socketIoClients(url: string, n: number, receipts: Receipt[]): Promise<Socket[]> {
  const clients: Socket[] = [];
  const ready: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const s = ioClient(url, { transports: ['websocket'], forceNew: true, reconnection: false });
    const series = SERIES[i % SERIES.length]!;
    ready.push(
      new Promise<void>((resolve) => {
        s.once('snapshot', () => resolve());
        s.once('connect', () => s.emit('subscribe', series));
      }),
    );
    s.on('bar', (m: { symbol: string; tf: string; extended: boolean; seq: number }) => receipts.push({ key: keyOf(m), at: now() }));
    clients.push(s);
    if (i % 50 === 49) await Promise.all(ready.slice(-50)); // connect in waves: no SYN storm
  }
  await Promise.all(ready);
  return clients;
}

async function wsClients(url: string, n: number, receipts: Receipt[]): Promise<WebSocket[]> {
  const clients: WebSocket[] = [];
  const ready: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const ws = new WebSocket(url);
    const s = SERIES[i % SERIES.length]!;
    ready.push(
      new Promise<void>((resolve) => {
        ws.once('open', () => ws.send(`${s.symbol}|${s.tf}|rth`));
        ws.once('message', () => {
          ws.on('message', (raw) => {
            const m = JSON.parse(String(raw)) as { symbol: string; tf: string; extended: boolean; seq: number };
            receipts.push({ key: keyOf(m), at: now() });
          });
          resolve();
        });
      }),
    );
    clients.push(ws);
    if (i % 50 === 49) await Promise.all(ready.slice(-50));
  }
  await Promise.all(ready);
  return clients;
}

/** Waits until no client received anything for 300 ms (bounded at 10 s). */
async function quiet(receipts: Receipt[]): Promise<void> {
  const deadline = performance.now() + 10_000;
  let last = -1;
  while (performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 300));
    if (receipts.length === last) return;
    last = receipts.length;
  }
}

async function runPhase(child: ChildProcess, urls: { url: string; wsUrl: string }, phase: Phase, n: number, seconds: number) {
  await request(child, { cmd: 'prepare', phase }, (m): m is { prepared: true } => 'prepared' in m);
  const receipts: Receipt[] = [];
  const clients = phase === 'socketio' ? await socketIoClients(urls.url, n, receipts) : await wsClients(urls.wsUrl, n, receipts);
  receipts.length = 0;
  const { ran } = await request(child, { cmd: 'run', seconds }, (m): m is Extract<FromServer, { ran: unknown }> => 'ran' in m);
  await quiet(receipts);
  const emittedAt = new Map(ran.emitted);
  const latencies: number[] = [];
  for (const r of receipts) {
    const t = emittedAt.get(r.key);
    if (t !== undefined && t > 0) latencies.push(r.at - t);
  }
  for (const c of clients) (c as { close(): void }).close();
  await new Promise((r) => setTimeout(r, 300));
  const cpuMs = ran.cpuUserMs + ran.cpuSystemMs;
  return {
    clients: n,
    /** Distinct deltas of the 20 watched series (identical in both phases: same replay window). */
    deltas: new Set(receipts.map((r) => r.key)).size,
    delivered: receipts.length,
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    serverCpuMs: round(cpuMs),
    serverCpuPct: round((cpuMs / ran.wallMs) * 100),
    cpuUsPerDelivery: round((cpuMs * 1000) / Math.max(1, receipts.length)),
  };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

export async function runFanoutBench(): Promise<Record<string, unknown>> {
  const cap = Number(process.env.FANOUT_MAX_CLIENTS ?? Infinity);
  const seconds = Number(process.env.FANOUT_SECONDS ?? 3);
  const sizes = [100, 500, 1000].filter((n) => n <= cap);
  if (sizes.length === 0) sizes.push(Math.max(1, Math.floor(cap)));
  const child = fork(fileURLToPath(import.meta.url), ['--fanout-server'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const { ready } = await new Promise<{ ready: { url: string; wsUrl: string } }>((resolve, reject) => {
      child.once('message', (m: FromServer) => ('ready' in m ? resolve(m) : reject(new Error('unexpected message'))));
      child.once('exit', (code) => reject(new Error(`fan-out server exited with ${code}`)));
    });
    const results: Record<string, unknown>[] = [];
    console.log(`\n== Fan-out: ${SERIES.length} series, replay at ${SPEED}×, ${seconds} s per phase; Socket.IO vs bare ws (ratio > 1: Socket.IO costs more)`);
    for (const n of sizes) {
      const socketio = await runPhase(child, ready, 'socketio', n, seconds);
      const ws = await runPhase(child, ready, 'ws', n, seconds);
      const row = {
        clients: n,
        socketio,
        ws,
        // > 1: Socket.IO costs that many times what bare ws does.
        ratio: { p50: round(socketio.p50Ms / ws.p50Ms), p99: round(socketio.p99Ms / ws.p99Ms), cpu: round(socketio.serverCpuMs / ws.serverCpuMs) },
      };
      console.log(
        `${String(n).padStart(5)} clients: Socket.IO p50 ${socketio.p50Ms} / p99 ${socketio.p99Ms} ms, CPU ${socketio.serverCpuMs} ms | ` +
          `ws p50 ${ws.p50Ms} / p99 ${ws.p99Ms} ms, CPU ${ws.serverCpuMs} ms | ratio p50 ${row.ratio.p50}, p99 ${row.ratio.p99}, CPU ${row.ratio.cpu}`,
      );
      results.push(row);
    }
    return { series: SERIES.length, speed: `${SPEED}x`, tickMs: TICK_MS, replaySecondsPerPhase: seconds, results };
  } finally {
    child.send({ cmd: 'quit' } satisfies ToServer);
    await new Promise((r) => child.once('exit', r));
  }
}

if (process.argv.includes('--fanout-server')) {
  void serverProcess();
} else if (isMain(import.meta.url)) {
  await runFanoutBench();
}
