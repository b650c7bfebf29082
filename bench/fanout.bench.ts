/**
 * Hub fan-out benchmark: the ChartHub's batched fan-out (one `bars` message per socket per
 * tick, encoded once per set of series) against the per-series emit it replaced (one
 * `bar` message per delta to a room per series), measured in the same run.
 *
 * Setup: two server processes (one per mode, `--fanout-server`) play the same replay
 * (2013-10-10 from 09:30, 600×: one replay minute per 100 ms tick, ticked by hand). Clients
 * run in FANOUT_CLIENT_PROCS separate processes (`--fanout-clients`, default 4), each
 * opening many socket.io-client connections; every client watches a dashboard of
 * FANOUT_SERIES_PER_CLIENT series (default 4) drawn from 6 layouts over SPY/AIG/BAC, so
 * sockets share sets of series as real dashboards do. Each client connects to both
 * servers; only one server ticks at a time, rounds alternate between the modes.
 *
 * Measured per round and mode, in the server process (process.cpuUsage):
 * - idle: FANOUT_TICKS (default 20) empty 100 ms tick slots with every client connected;
 * - run: the same slots, each ticking the replay one minute; the first FANOUT_WARMUP_TICKS
 *   (default 10, before the first round) are a discarded warm-up;
 * - net CPU = run − idle (what fanning the ticks out costs, not keeping sockets alive).
 * Clients check every delta's seq (gaps must be 0) and report the bar messages they got;
 * a sample of clients reports delivery latency from the start of the tick to arrival.
 * Medians over FANOUT_ROUNDS (default 3). Client counts: FANOUT_CLIENTS (default 100,300,1000).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { io as ioClient, type Socket } from 'socket.io-client';
import { isMain, median, percentile } from './util.js';

type Mode = 'batched' | 'per-series';
const MODES: Mode[] = ['batched', 'per-series'];
const SYMBOLS = ['SPY', 'AIG', 'BAC'];
const TFS = ['1m', '3m', '5m', '15m', '30m', '1h', '4h'];
const ALL_SERIES = SYMBOLS.flatMap((symbol) => TFS.map((tf) => ({ symbol, tf, extended: false })));
const LAYOUTS = 6;
const TICK_MS = 100;
const SPEED = 600;
/** Clients per worker process whose per-delta arrival times are kept for latency. */
const LATENCY_SAMPLE_PER_PROC = 5;

const env = (name: string, fallback: number): number => (process.env[name] ? Number(process.env[name]) : fallback);
const now = (): number => performance.timeOrigin + performance.now();
const deltaKey = (m: { symbol: string; tf: string; extended: boolean; seq: number }): string => `${m.symbol}|${m.tf}|${m.extended ? 1 : 0}|${m.seq}`;

/** Layout j: `perClient` series spread over the 21 (symbol, tf) pairs, 6 distinct sets in all. */
function layout(j: number, perClient: number): typeof ALL_SERIES {
  return Array.from({ length: perClient }, (_, m) => ALL_SERIES[(j + m * 5) % ALL_SERIES.length]!);
}

// ───────────────────────────── server process ─────────────────────────────

type ToServer = { cmd: 'warmup'; ticks: number } | { cmd: 'run'; ticks: number; idle: boolean } | { cmd: 'rewind' } | { cmd: 'quit' };
interface RunResult {
  cpuMs: number;
  wallMs: number;
  counters: { deltasSent: number; barMessages: number; barEncodes: number };
  /** Delta key → start of the tick that made it (only for ticking runs). */
  emitted: Array<[string, number]>;
}
type FromServer = { ready: { url: string } } | { done: true } | { ran: RunResult };

async function serverProcess(mode: Mode): Promise<void> {
  const { createServer } = await import('../src/server/app.js');
  const { ManualTicker } = await import('../src/feeds/replay/index.js');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'optdesk-fanout-'));
  const ticker = new ManualTicker();
  const server = createServer({ port: 0, dbPath: path.join(dir, 'optdesk.db'), ticker, replay: { session: '2013-10-10', time: '09:30', speed: SPEED, state: 'pause' }, hub: { fanOut: mode } });
  const { url } = await server.listen();
  const send = (m: FromServer): void => void process.send!(m);
  let tickStart = 0;
  const emitted = new Map<string, number>();
  let unlisten: (() => void) | undefined;
  const listen = (): void => {
    unlisten?.();
    unlisten = server.hub.engine.onDelta((d) => void emitted.set(deltaKey(d), tickStart));
  };
  listen();
  /** `ticks` slots of TICK_MS; in each the replay moves one minute unless idle. */
  const slots = async (ticks: number, idle: boolean): Promise<void> => {
    if (!idle) await server.replay!.control({ state: 'play' });
    for (let i = 0; i < ticks; i++) {
      await new Promise((r) => setTimeout(r, TICK_MS));
      if (idle) continue;
      tickStart = now();
      ticker.tick(TICK_MS);
    }
    if (!idle) await server.replay!.control({ state: 'pause' });
    await new Promise((r) => setImmediate(r)); // the last batch is out
  };
  process.on('message', async (msg: ToServer) => {
    if (msg.cmd === 'warmup') {
      await slots(msg.ticks, false);
      send({ done: true });
    } else if (msg.cmd === 'run') {
      emitted.clear();
      const c0 = { ...server.hub.counters };
      const cpu0 = process.cpuUsage();
      const wall0 = performance.now();
      await slots(msg.ticks, msg.idle);
      const cpu = process.cpuUsage(cpu0);
      const c = server.hub.counters;
      send({
        ran: {
          cpuMs: (cpu.user + cpu.system) / 1000,
          wallMs: performance.now() - wall0,
          counters: { deltasSent: c.deltasSent - c0.deltasSent, barMessages: c.barMessages - c0.barMessages, barEncodes: c.barEncodes - c0.barEncodes },
          emitted: msg.idle ? [] : [...emitted],
        },
      });
    } else if (msg.cmd === 'rewind') {
      // Back to 09:30 with no clients connected: the next client count replays the same window.
      await server.replay!.control({ session: '2013-10-10', time: '09:31', state: 'pause' });
      await server.replay!.control({ time: '09:30' });
      listen(); // the jump rebuilt the engine
      send({ done: true });
    } else if (msg.cmd === 'quit') {
      unlisten?.();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    }
  });
  send({ ready: { url } });
}

// ───────────────────────────── client process ─────────────────────────────

type ToClients = { cmd: 'connect'; urls: Record<Mode, string>; count: number; first: number; perClient: number } | { cmd: 'reset' } | { cmd: 'report' } | { cmd: 'quit' };
interface ClientReport {
  deltas: Record<Mode, number>;
  messages: Record<Mode, number>;
  gaps: number;
  receipts: Record<Mode, Array<[string, number]>>;
}
type FromClients = { connected: true } | { reset: true } | { report: ClientReport };

function clientProcess(): void {
  const sockets: Socket[] = [];
  const fresh = (): ClientReport => ({ deltas: { batched: 0, 'per-series': 0 }, messages: { batched: 0, 'per-series': 0 }, gaps: 0, receipts: { batched: [], 'per-series': [] } });
  let report = fresh();
  const send = (m: FromClients): void => void process.send!(m);

  async function open(url: string, mode: Mode, series: typeof ALL_SERIES, sampled: boolean): Promise<void> {
    const s = ioClient(url, { transports: ['websocket'], forceNew: true, reconnection: false });
    sockets.push(s);
    const seqs = new Map<string, number>();
    const onDelta = (m: { symbol: string; tf: string; extended: boolean; seq: number }, at: number): void => {
      const id = `${m.symbol}|${m.tf}|${m.extended}`;
      const last = seqs.get(id);
      if (last !== undefined && m.seq !== last + 1 && m.seq > last) report.gaps++;
      if (last === undefined || m.seq > last) seqs.set(id, m.seq);
      report.deltas[mode]++;
      if (sampled) report.receipts[mode].push([deltaKey(m), at]);
    };
    s.on('snapshot', (m: { symbol: string; tf: string; extended: boolean; seq: number }) => void seqs.set(`${m.symbol}|${m.tf}|${m.extended}`, m.seq));
    s.on('bar', (m: { symbol: string; tf: string; extended: boolean; seq: number }) => {
      report.messages[mode]++;
      onDelta(m, now());
    });
    s.on('bars', (m: { bars: Array<{ symbol: string; tf: string; extended: boolean; seq: number }> }) => {
      report.messages[mode]++;
      const at = now();
      for (const d of m.bars) onDelta(d, at);
    });
    await new Promise<void>((resolve, reject) => {
      let snapshots = 0;
      s.on('snapshot', () => {
        if (++snapshots === series.length) resolve();
      });
      s.once('connect', () => {
        for (const k of series) s.emit('subscribe', k);
      });
      s.once('connect_error', reject);
    });
  }

  process.on('message', async (msg: ToClients) => {
    if (msg.cmd === 'connect') {
      // Waves of 25: no SYN storm, and the server's snapshot budget per socket is not the limit.
      for (let i = 0; i < msg.count; i += 25) {
        const wave: Promise<void>[] = [];
        for (let k = i; k < Math.min(msg.count, i + 25); k++) {
          const series = layout((msg.first + k) % LAYOUTS, msg.perClient);
          for (const mode of MODES) wave.push(open(msg.urls[mode], mode, series, k < LATENCY_SAMPLE_PER_PROC));
        }
        await Promise.all(wave);
      }
      send({ connected: true });
    } else if (msg.cmd === 'reset') {
      report = fresh();
      send({ reset: true });
    } else if (msg.cmd === 'report') {
      send({ report });
      report = fresh();
    } else if (msg.cmd === 'quit') {
      for (const s of sockets) s.close();
      process.exit(0);
    }
  });
}

// ───────────────────────────── bench (parent) ─────────────────────────────

function request<T extends object>(child: ChildProcess, msg: object, key: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const on = (m: Record<string, unknown>): void => {
      if (!(key in m)) return;
      child.off('message', on);
      child.off('exit', onExit);
      resolve(m as T);
    };
    const onExit = (code: number | null): void => reject(new Error(`fan-out ${key}: child exited with ${code}`));
    child.on('message', on);
    child.once('exit', onExit);
    child.send(msg);
  });
}

function spawn(args: string[]): ChildProcess {
  return fork(fileURLToPath(import.meta.url), args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

interface ModeFigures {
  netCpuMs: number;
  runCpuMs: number;
  idleCpuMs: number;
  /** Net server CPU per replay tick and per delta delivered, medians over rounds. */
  netCpuMsPerTick: number;
  netCpuUsPerDelivery: number;
  deltasDelivered: number;
  messagesPerClientPerTick: number;
  encodesPerTick: number;
  p50Ms: number;
  p99Ms: number;
}

export async function runFanoutBench(): Promise<Record<string, unknown>> {
  const counts = (process.env.FANOUT_CLIENTS ?? '100,300,1000').split(',').map(Number).filter((n) => n > 0);
  const procs = env('FANOUT_CLIENT_PROCS', 4);
  const perClient = env('FANOUT_SERIES_PER_CLIENT', 4);
  const ticks = env('FANOUT_TICKS', 20);
  const warmupTicks = env('FANOUT_WARMUP_TICKS', 10);
  const rounds = env('FANOUT_ROUNDS', 3);
  const servers = Object.fromEntries(MODES.map((m) => [m, spawn(['--fanout-server', m])])) as Record<Mode, ChildProcess>;
  try {
    const urls = {} as Record<Mode, string>;
    for (const m of MODES) {
      urls[m] = await new Promise<string>((resolve, reject) => {
        servers[m].once('message', (msg: FromServer) => ('ready' in msg ? resolve(msg.ready.url) : reject(new Error('unexpected message'))));
        servers[m].once('exit', (code) => reject(new Error(`fan-out server (${m}) exited with ${code}`)));
      });
    }
    console.log(
      `\n== Fan-out: ${perClient} series per client (6 layouts over SPY/AIG/BAC), replay at ${SPEED}× (1 minute per ${TICK_MS} ms tick), ` +
        `${ticks} ticks × ${rounds} rounds per mode after ${warmupTicks} warm-up ticks; clients in ${procs} processes; ` +
        `server CPU net of idle. Ratios "optdesk ÷ baseline" (batched ÷ per-series): < 1 = batched costs less`,
    );
    const results: Record<string, unknown>[] = [];
    for (const n of counts) {
      const workers = Array.from({ length: procs }, () => spawn(['--fanout-clients']));
      try {
        const share = (i: number): number => Math.floor(n / procs) + (i < n % procs ? 1 : 0);
        let first = 0;
        await Promise.all(
          workers.map((w, i) => {
            const count = share(i);
            const msg = { cmd: 'connect', urls, count, first, perClient } satisfies ToClients;
            first += count;
            return request(w, msg, 'connected');
          }),
        );
        for (const m of MODES) await request(servers[m], { cmd: 'warmup', ticks: warmupTicks } satisfies ToServer, 'done');
        await Promise.all(workers.map((w) => request(w, { cmd: 'reset' } satisfies ToClients, 'reset')));
        const per: Record<Mode, { idle: number[]; run: number[]; net: number[]; deliveries: number[]; messages: number[]; encodes: number[]; latencies: number[]; gaps: number }> = {
          batched: { idle: [], run: [], net: [], deliveries: [], messages: [], encodes: [], latencies: [], gaps: 0 },
          'per-series': { idle: [], run: [], net: [], deliveries: [], messages: [], encodes: [], latencies: [], gaps: 0 },
        };
        for (let r = 0; r < rounds; r++) {
          // Alternate which mode goes first, so neither always follows the other's backlog.
          for (const m of r % 2 === 0 ? MODES : [...MODES].reverse()) {
            const { ran: idle } = await request<{ ran: RunResult }>(servers[m], { cmd: 'run', ticks, idle: true } satisfies ToServer, 'ran');
            const { ran } = await request<{ ran: RunResult }>(servers[m], { cmd: 'run', ticks, idle: false } satisfies ToServer, 'ran');
            const reports = await Promise.all(workers.map((w) => request<{ report: ClientReport }>(w, { cmd: 'report' } satisfies ToClients, 'report')));
            const p = per[m];
            p.idle.push(idle.cpuMs);
            p.run.push(ran.cpuMs);
            p.net.push(ran.cpuMs - idle.cpuMs);
            const delivered = reports.reduce((s, x) => s + x.report.deltas[m], 0);
            p.deliveries.push(delivered);
            p.messages.push(reports.reduce((s, x) => s + x.report.messages[m], 0));
            p.encodes.push(ran.counters.barEncodes);
            p.gaps += reports.reduce((s, x) => s + x.report.gaps, 0);
            if (delivered !== ran.counters.deltasSent) console.log(`  (${m}: clients got ${delivered} deltas, the server sent ${ran.counters.deltasSent})`);
            const tickOf = new Map(ran.emitted);
            for (const x of reports) for (const [key, at] of x.report.receipts[m]) {
              const t = tickOf.get(key);
              if (t !== undefined) p.latencies.push(at - t);
            }
          }
        }
        const figures = (m: Mode): ModeFigures => {
          const p = per[m];
          const net = median(p.net);
          const deliveries = median(p.deliveries);
          return {
            netCpuMs: round2(net),
            runCpuMs: round2(median(p.run)),
            idleCpuMs: round2(median(p.idle)),
            netCpuMsPerTick: round2(net / ticks),
            netCpuUsPerDelivery: round2((net * 1000) / Math.max(1, deliveries)),
            deltasDelivered: deliveries,
            messagesPerClientPerTick: round2(median(p.messages) / n / ticks),
            encodesPerTick: round2(median(p.encodes) / ticks),
            p50Ms: round2(percentile(p.latencies, 50)),
            p99Ms: round2(percentile(p.latencies, 99)),
          };
        };
        const batched = figures('batched');
        const baseline = figures('per-series');
        const gaps = per.batched.gaps + per['per-series'].gaps;
        const ratio = {
          netCpu: round2(batched.netCpuMs / baseline.netCpuMs),
          messages: round2(batched.messagesPerClientPerTick / baseline.messagesPerClientPerTick),
          p50: round2(batched.p50Ms / baseline.p50Ms),
          p99: round2(batched.p99Ms / baseline.p99Ms),
        };
        console.log(
          `${String(n).padStart(5)} clients: server CPU net of idle per tick — batched ${batched.netCpuMsPerTick} ms, per-series ${baseline.netCpuMsPerTick} ms ` +
            `(optdesk ÷ baseline ${ratio.netCpu}, < 1 = batched cheaper; idle ${batched.idleCpuMs}/${baseline.idleCpuMs} ms per ${ticks} slots) | ` +
            `messages per client per tick ${batched.messagesPerClientPerTick} vs ${baseline.messagesPerClientPerTick} (${ratio.messages}) | ` +
            `encodes per tick ${batched.encodesPerTick} vs ${baseline.encodesPerTick} | ` +
            `latency p50 ${batched.p50Ms} vs ${baseline.p50Ms} ms (${ratio.p50}), p99 ${batched.p99Ms} vs ${baseline.p99Ms} ms (${ratio.p99}) | ` +
            `${batched.deltasDelivered} deltas delivered per round each, seq gaps ${gaps}`,
        );
        results.push({ clients: n, batched, perSeries: baseline, ratio, seqGaps: gaps });
      } finally {
        for (const w of workers) w.send({ cmd: 'quit' } satisfies ToClients);
        await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode !== null ? r(null) : w.once('exit', r)))));
      }
      for (const m of MODES) await request(servers[m], { cmd: 'rewind' } satisfies ToServer, 'done');
    }
    return { seriesPerClient: perClient, layouts: LAYOUTS, speed: `${SPEED}x`, tickMs: TICK_MS, ticks, warmupTicks, rounds, clientProcesses: procs, results };
  } finally {
    for (const m of MODES) servers[m].send({ cmd: 'quit' } satisfies ToServer);
    await Promise.all(MODES.map((m) => new Promise((r) => (servers[m].exitCode !== null ? r(null) : servers[m].once('exit', r)))));
  }
}

if (process.argv.includes('--fanout-server')) {
  void serverProcess(process.argv[process.argv.indexOf('--fanout-server') + 1] as Mode);
} else if (process.argv.includes('--fanout-clients')) {
  clientProcess();
} else if (isMain(import.meta.url)) {
  await runFanoutBench();
}
