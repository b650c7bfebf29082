/**
 * ChartHub over a real server and real Socket.IO clients, with the replay clock driven
 * by hand (ManualTicker): snapshots, seq'd deltas, gap recovery, shared provider
 * subscriptions, single-flight backfill, replay resets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'socket.io-client';
import { ManualTicker } from '../src/feeds/replay/index.js';
import type { BarMessage, SnapshotMessage, WireBar, ErrorMessage, HealthMessage, ReplayStatus } from '../src/wire/protocol.js';
import type { TestServer } from './helpers/server.js';
import { useReplayServer } from './helpers/replay-server.js';
import { barrier, connect, next } from './helpers/socket.js';
import { until } from './helpers/wait.js';

let srv: TestServer;
let ticker: ManualTicker;
const fixture = useReplayServer((server, t) => {
  srv = server;
  ticker = t;
});
const client = (): Promise<Socket> => fixture.client();

async function control(body: Record<string, unknown>): Promise<ReplayStatus> {
  const res = await fetch(`${srv.url}/api/replay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as ReplayStatus;
}

async function restBars(symbol: string, tf: string, extended = false): Promise<WireBar[]> {
  const res = await fetch(`${srv.url}/api/bars?symbol=${symbol}&tf=${tf}${extended ? '&extended=true' : ''}`);
  assert.equal(res.status, 200);
  return ((await res.json()) as { bars: WireBar[] }).bars;
}

/**
 * Puts the replay where a test's expectations assume it (2013-10-10 10:30, paused), so no
 * test depends on what the tests before it did to the shared server — each also runs alone.
 */
async function atStartPosition(): Promise<void> {
  const st = await control({ session: '2013-10-10', time: '10:30', state: 'pause' });
  assert.deepEqual([st.session, st.time, st.state], ['2013-10-10', '10:30', 'pause']);
}

/** What a chart does: keep the snapshot, upsert each delta by start, check seq continuity. */
class ChartModel {
  bars = new Map<number, WireBar>();
  seq = -1;
  gaps = 0;
  snapshots = 0;
  constructor(readonly socket: Socket, readonly symbol: string, readonly tf: string, opts: { dropSeq?: number } = {}) {
    socket.on('snapshot', (m: SnapshotMessage) => {
      if (m.symbol !== symbol || m.tf !== tf) return;
      this.snapshots++;
      this.bars = new Map(m.bars.map((b) => [b.start, b]));
      this.seq = m.seq;
    });
    socket.on('bar', (m: BarMessage) => {
      if (m.symbol !== symbol || m.tf !== tf || this.seq < 0) return;
      if (m.seq === opts.dropSeq) return; // simulate a lost delta
      if (m.seq !== this.seq + 1) {
        this.gaps++;
        this.seq = -1; // stop applying until a fresh snapshot arrives
        socket.emit('subscribe', { symbol, tf });
        return;
      }
      this.seq = m.seq;
      this.bars.set(m.bar.start, m.bar);
    });
  }
  sorted(): WireBar[] {
    return [...this.bars.values()].sort((a, b) => a.start - b.start);
  }
}

test('subscribe → snapshot, then deltas with seq + 1 while the replay plays; the result equals /api/bars', async () => {
  await atStartPosition();
  const s = await client();
  const model = new ChartModel(s, 'SPY', '1m');
  const seqs: number[] = [];
  s.on('bar', (m: BarMessage) => {
    if (m.tf === '1m' && m.symbol === 'SPY') seqs.push(m.seq);
  });
  const snap = next<SnapshotMessage>(s, 'snapshot', (m) => m.symbol === 'SPY' && m.tf === '1m');
  s.emit('subscribe', { symbol: 'SPY', tf: '1m' });
  const first = await snap;
  assert.equal(first.bars.length, 4 * 390 + 60, 'four prior regular sessions plus 09:30–10:30');
  assert.equal(first.health.state, 'REPLAY');
  assert.ok(first.bars.every((b) => b.start + 60_000 <= srv.server.hub.feedNow()), 'nothing from the future');

  await control({ state: 'play' });
  for (let i = 0; i < 40; i++) ticker.tick(250); // 10 replay minutes at 60×, in 15 s steps
  await control({ state: 'pause' });
  await barrier(s);

  assert.ok(seqs.length >= 20, `deltas arrived (${seqs.length})`);
  assert.equal(seqs[0], first.seq + 1);
  seqs.forEach((q, i) => assert.equal(q, first.seq + 1 + i, 'seq increases by exactly one'));
  assert.equal(model.gaps, 0);
  assert.deepEqual(model.sorted(), await restBars('SPY', '1m'));
  s.emit('unsubscribe', { symbol: 'SPY', tf: '1m' });
});

test('a client that misses a delta re-subscribes and converges to the server series', async () => {
  const s = await client();
  const snap = next<SnapshotMessage>(s, 'snapshot', (m) => m.tf === '5m');
  s.emit('subscribe', { symbol: 'SPY', tf: '5m' });
  const first = await snap;
  const model = new ChartModel(s, 'SPY', '5m', { dropSeq: first.seq + 2 });
  model.seq = first.seq;
  model.bars = new Map(first.bars.map((b) => [b.start, b]));

  await control({ state: 'play' });
  for (let i = 0; i < 20; i++) ticker.tick(250);
  await control({ state: 'pause' });
  await barrier(s);
  await barrier(s); // the re-subscribe's snapshot is answered in order too

  assert.equal(model.gaps, 1, 'the dropped delta was noticed');
  assert.equal(model.snapshots, 1, 'and a fresh snapshot arrived');
  assert.deepEqual(model.sorted(), await restBars('SPY', '5m'));
  s.emit('unsubscribe', { symbol: 'SPY', tf: '5m' });
});

// Symbols on a dashboard's watchlist hold a provider subscription too (the quotes stream);
// test/quotes-stream.test.ts checks that nobody's symbols hold none.
test('two clients on one series share one provider subscription; none is left after both leave', async () => {
  const replay = srv.server.replay!;
  for (const s of fixture.sockets.filter((x) => x.connected)) await barrier(s); // earlier tests' unsubscribes have landed
  await until('no provider subscription is left from earlier tests', () => replay.subscribed().length === 0);
  const before = replay.counters.subscribeCalls;
  const a = await client();
  const b = await client();
  const snaps = Promise.all([
    next<SnapshotMessage>(a, 'snapshot', (m) => m.symbol === 'BAC'),
    next<SnapshotMessage>(b, 'snapshot', (m) => m.symbol === 'BAC'),
  ]);
  a.emit('subscribe', { symbol: 'BAC', tf: '1m' });
  b.emit('subscribe', { symbol: 'bac', tf: '1m' });
  const [sa, sb] = await snaps;
  assert.equal(sa.seq, sb.seq);
  assert.deepEqual(sa.bars, sb.bars);
  assert.deepEqual(replay.subscribed(), ['BAC']);
  assert.equal(replay.counters.subscribeCalls - before, 1);
  assert.deepEqual(srv.server.hub.providerSymbols(), ['BAC']);

  a.emit('unsubscribe', { symbol: 'BAC', tf: '1m' });
  await barrier(a);
  assert.deepEqual(replay.subscribed(), ['BAC'], 'still watched by b');
  b.close(); // a disconnect counts as leaving
  await until('the disconnect releases the provider subscription', () => replay.subscribed().length === 0);
  assert.deepEqual(replay.subscribed(), []);
  assert.deepEqual(srv.server.hub.providerSymbols(), []);
});

test('concurrent subscribers of a cold symbol share one history request (single-flight)', async () => {
  await atStartPosition(); // a fresh timeline: AIG is cold whatever ran before
  const replay = srv.server.replay!;
  const before = replay.counters.historyRequests;
  const a = await client();
  const b = await client();
  const healthStates: string[] = [];
  a.on('health', (m: HealthMessage) => healthStates.push(m.health.state));
  a.on('snapshot', () => healthStates.push('snapshot'));
  const snaps = Promise.all([
    next<SnapshotMessage>(a, 'snapshot', (m) => m.symbol === 'AIG' && m.tf === '15m'),
    next<SnapshotMessage>(b, 'snapshot', (m) => m.symbol === 'AIG' && m.tf === '1h'),
  ]);
  a.emit('subscribe', { symbol: 'AIG', tf: '15m' });
  b.emit('subscribe', { symbol: 'AIG', tf: '1h' });
  const [s15, s1h] = await snaps;
  assert.equal(replay.counters.historyRequests - before, 1);
  assert.ok(s15.bars.length > 0 && s1h.bars.length > 0);
  assert.equal(s15.health.state, 'REPLAY');
  assert.deepEqual(healthStates.slice(0, 2), ['BACKFILLING', 'snapshot'], 'waiting subscribers are told the symbol is backfilling');
  // Every timeframe derives from the same minutes, and both snapshots were taken in the same
  // step: every 1h bar is exactly its 15m bars (open, high, low, close, volume), forming one included.
  let compared = 0;
  for (const h of s1h.bars) {
    const quarters = s15.bars.filter((x) => x.start >= h.start && x.start < h.start + 3_600_000);
    assert.ok(quarters.length > 0, `the 1h bar at ${new Date(h.start).toISOString()} has 15m bars`);
    assert.equal(quarters[0]!.start, h.start, 'session-aligned: the hour starts with a quarter');
    assert.equal(h.open, quarters[0]!.open);
    assert.equal(h.high, Math.max(...quarters.map((x) => x.high)));
    assert.equal(h.low, Math.min(...quarters.map((x) => x.low)));
    assert.equal(h.close, quarters.at(-1)!.close);
    assert.ok(Math.abs(h.volume - quarters.reduce((sum, x) => sum + x.volume, 0)) < 1e-6);
    compared++;
  }
  assert.equal(compared, s1h.bars.length);
  assert.ok(compared >= 5, `the check covered ${compared} hours`);
  assert.equal(s15.bars.length, s15.bars.filter((q) => s1h.bars.some((h) => q.start >= h.start && q.start < h.start + 3_600_000)).length, 'no 15m bar outside the hours');
  a.close();
  b.close();
});

test('a symbol without data on the session says so in its health', async () => {
  await atStartPosition();
  const s = await client();
  const snap = next<SnapshotMessage>(s, 'snapshot', (m) => m.symbol === 'GOOG');
  s.emit('subscribe', { symbol: 'GOOG', tf: '5m' });
  const m = await snap;
  assert.equal(m.bars.length, 0);
  assert.match(m.health.message ?? '', /^No data for GOOG on 2013-10-10/);
  s.close();
});

test('malformed socket messages get error_message naming the field; the connection keeps working', async () => {
  const s = await client();
  const errors: ErrorMessage[] = [];
  s.on('error_message', (e: ErrorMessage) => errors.push(e));
  s.emit('subscribe', { symbol: 'SPY', tf: '7m' });
  s.emit('subscribe', { symbol: 'S P Y', tf: '1m' });
  s.emit('subscribe', 'SPY');
  s.emit('unsubscribe', null);
  s.emit('subscribe', { symbol: 'SPY', tf: '1m', extended: 'yes' });
  const snap = next<SnapshotMessage>(s, 'snapshot', (m) => m.tf === '30m');
  s.emit('subscribe', { symbol: 'SPY', tf: '30m' });
  await snap;
  assert.deepEqual(errors.map((e) => e.message.split(':')[0]), ['tf', 'symbol', 'message', 'message', 'extended']);
  assert.deepEqual(errors.map((e) => e.field), ['tf', 'symbol', 'message', 'message', 'extended'], 'the field is also given on its own');
  assert.ok(errors.every((e) => e.code === 'INVALID_FIELD'), JSON.stringify(errors));
  assert.match(errors[0]!.message, /tf: must be one of 1m/);
  assert.equal(errors[2]!.event, 'subscribe');
  assert.equal(errors[3]!.event, 'unsubscribe');
  s.close();
});

test('jumping backwards sends every subscriber a fresh snapshot equal to /api/bars', async () => {
  const a = await client();
  const b = await client();
  const first = Promise.all([
    next<SnapshotMessage>(a, 'snapshot', (m) => m.symbol === 'SPY' && m.tf === '5m'),
    next<SnapshotMessage>(b, 'snapshot', (m) => m.symbol === 'SPY' && m.tf === '1m' && m.extended),
  ]);
  a.emit('subscribe', { symbol: 'SPY', tf: '5m' });
  b.emit('subscribe', { symbol: 'SPY', tf: '1m', extended: true });
  await first;
  const clockBefore = srv.server.hub.feedNow();

  const fresh = Promise.all([
    next<SnapshotMessage>(a, 'snapshot', (m) => m.symbol === 'SPY' && m.tf === '5m'),
    next<SnapshotMessage>(b, 'snapshot', (m) => m.symbol === 'SPY' && m.tf === '1m'),
  ]);
  const replayEvent = next<ReplayStatus>(a, 'replay', (m) => m.time === '10:00');
  const status = await control({ time: '10:00' });
  assert.equal(status.time, '10:00');
  assert.ok(status.clock < clockBefore);
  const [sa, sb] = await fresh;
  await replayEvent;
  assert.deepEqual(sa.bars, await restBars('SPY', '5m'));
  assert.deepEqual(sb.bars, await restBars('SPY', '1m', true));
  assert.ok(sb.bars.every((x) => x.start + 60_000 <= status.clock), 'the new timeline ends at 10:00');
  assert.equal(sb.bars.at(-1)!.start, status.clock - 60_000);

  // Deltas continue from the new snapshot's seq.
  const delta = next<BarMessage>(a, 'bar', (m) => m.tf === '5m');
  await control({ state: 'play' });
  ticker.tick(1_000);
  await control({ state: 'pause' });
  assert.equal((await delta).seq, sa.seq + 1);

  // A different session: new snapshots again, from that session's data.
  const other = next<SnapshotMessage>(a, 'snapshot', (m) => m.tf === '5m');
  const health = next<HealthMessage>(a, 'health', (m) => m.tf === '5m').catch(() => undefined);
  await control({ session: '2015-12-24', time: '10:00' });
  const so = await other;
  assert.match(so.health.message ?? '', /^No data for SPY on 2015-12-24/);
  void health;
  a.close();
  b.close();
  await control({ session: '2013-10-10', time: '10:30' });
});
