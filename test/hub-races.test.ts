/**
 * ChartHub races between a symbol's history backfill and its provider stream: the history
 * must cover everything up to the moment the stream (re)started, or the chart misses the
 * minutes in between. The backfill is held open by a gate so the interleaving is exact.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'socket.io-client';
import { ManualTicker } from '../src/feeds/replay/index.js';
import { nyTimeToMs } from '../src/calendar/index.js';
import type { SnapshotMessage } from '../src/wire/protocol.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { barrier, connect, next } from './helpers/socket.js';
import { readAggregates, stockMinuteFile } from './helpers/data.js';
import { until } from './helpers/wait.js';

const SESSION = '2013-10-10';
let srv: TestServer;
let ticker: ManualTicker;
const sockets: Socket[] = [];
/** While set, every history request waits for it before answering. */
let gate: Promise<void> | undefined;

before(async () => {
  ticker = new ManualTicker();
  srv = await startTestServer({ session: SESSION, time: '10:30', speed: 60, state: 'pause', ticker });
  const replay = srv.server.replay!;
  const original = replay.fetchMinuteHistory.bind(replay);
  replay.fetchMinuteHistory = async (symbol, from, to) => {
    const answer = original(symbol, from, to); // clipped to the clock now, as in production
    if (gate) {
      heldRequests++;
      await gate;
    }
    return answer;
  };
});
after(async () => {
  for (const s of sockets) s.close();
  await srv.close();
});

async function client(): Promise<Socket> {
  const s = await connect(srv.url);
  sockets.push(s);
  return s;
}

async function control(body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${srv.url}/api/replay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200, await res.text());
}

async function play(replayMinutes: number): Promise<void> {
  await control({ state: 'play' });
  for (let i = 0; i < replayMinutes * 4; i++) ticker.tick(250); // 15 replay s per tick at 60×
  await control({ state: 'pause' });
}

/** History requests that have reached the gate (so a test can wait for one instead of sleeping). */
let heldRequests = 0;

function holdHistory(): () => void {
  let release!: () => void;
  gate = new Promise<void>((r) => (release = r));
  return () => {
    gate = undefined;
    release();
  };
}

/** Starts of the recorded regular-session minutes of `symbol` today that have ended by the replay clock. */
function recordedStarts(symbol: string): number[] {
  const clock = srv.server.hub.feedNow();
  const open = nyTimeToMs(SESSION, '09:30');
  return readAggregates(stockMinuteFile(SESSION), symbol)
    .filter((m) => m.start >= open && m.start + 60_000 <= clock)
    .map((m) => m.start)
    .sort((a, b) => a - b);
}

function todaysStarts(snapshot: SnapshotMessage): number[] {
  const open = nyTimeToMs(SESSION, '09:30');
  const clock = srv.server.hub.feedNow();
  return snapshot.bars.filter((b) => b.start >= open && b.start + 60_000 <= clock).map((b) => b.start);
}

test('a chart subscribed while a REST/watchlist backfill of its symbol is in flight misses no minute', async () => {
  const replay = srv.server.replay!;
  const release = holdHistory();
  const requests = replay.counters.historyRequests;
  const rest = fetch(`${srv.url}/api/bars?symbol=AIG&tf=1m`); // what the watchlist poll does for every symbol
  await until('the REST backfill asked for history', () => replay.counters.historyRequests > requests);
  await play(5); // the clock moves on while that history request is out

  const s = await client();
  const snap = next<SnapshotMessage>(s, 'snapshot', (m) => m.symbol === 'AIG' && m.tf === '1m');
  s.emit('subscribe', { symbol: 'AIG', tf: '1m' });
  await barrier(s); // the subscribe is in: the feed streams AIG from now on
  release();
  assert.equal((await rest).status, 200);

  const snapshot = await snap;
  assert.deepEqual(todaysStarts(snapshot), recordedStarts('AIG'), 'every minute up to the clock is in the snapshot');
  s.emit('unsubscribe', { symbol: 'AIG', tf: '1m' });
});

test('a symbol re-subscribed while its first backfill is in flight (tf switch) misses no minute', async () => {
  const s = await client();
  const release = holdHistory();
  s.emit('subscribe', { symbol: 'BAC', tf: '1m' });
  await barrier(s);
  await play(2);
  // The chart switches timeframe: unsubscribe (the provider stream stops), time passes, subscribe.
  s.emit('unsubscribe', { symbol: 'BAC', tf: '1m' });
  await barrier(s);
  await play(3);
  const snap = next<SnapshotMessage>(s, 'snapshot', (m) => m.symbol === 'BAC' && m.tf === '1m');
  s.emit('subscribe', { symbol: 'BAC', tf: '1m' });
  await barrier(s);
  release();

  const snapshot = await snap;
  assert.deepEqual(todaysStarts(snapshot), recordedStarts('BAC'), 'every minute up to the clock is in the snapshot');
  s.emit('unsubscribe', { symbol: 'BAC', tf: '1m' });
});

test('GET /api/bars waiting on a backfill when the replay jumps answers with the new timeline, not an empty series', async () => {
  await control({ session: SESSION, time: '11:00', state: 'pause' });
  const release = holdHistory();
  const held = heldRequests;
  const pending = fetch(`${srv.url}/api/bars?symbol=BAC&tf=5m`).then((r) => r.json() as Promise<{ bars: { start: number }[] }>);
  await until('the request waits on the held history', () => heldRequests > held);
  await control({ time: '10:45' }); // a jump backwards: fresh engine
  release();
  const answered = await pending;
  const fresh = (await (await fetch(`${srv.url}/api/bars?symbol=BAC&tf=5m`)).json()) as { bars: { start: number }[] };
  assert.ok(fresh.bars.length > 0);
  assert.deepEqual(answered.bars, fresh.bars);
  assert.ok(answered.bars.every((b) => b.start < nyTimeToMs(SESSION, '10:45')), 'nothing after the new replay time');
});
