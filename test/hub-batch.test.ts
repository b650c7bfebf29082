/**
 * The ChartHub's batched fan-out (src/hub/fan-out.ts) over a real server and real
 * Socket.IO clients, the replay clock driven by hand: one `bars` message per socket per
 * tick holding every delta of every series it watches (exactly the engine's, in order),
 * one encode per set of series shared by sockets, and a client that loses a delta inside
 * a batch still re-subscribes that series and converges while its other series go on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'socket.io-client';
import { ManualTicker } from '../src/feeds/replay/index.js';
import type { BarBatchMessage, BarMessage, ReplayStatus, SeriesKey, SnapshotMessage, WireBar } from '../src/wire/protocol.js';
import { seriesId } from '../src/wire/protocol.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { useReplayServer } from './helpers/replay-server.js';
import { barrier, connect, next } from './helpers/socket.js';
import { replayControl } from './helpers/replay.js';

let srv: TestServer;
let ticker: ManualTicker;
const fixture = useReplayServer((server, t) => {
  srv = server;
  ticker = t;
});
const client = (): Promise<Socket> => fixture.client();
const control = (body: Record<string, unknown>): Promise<ReplayStatus> => replayControl(srv.url, body);

async function restBars(key: SeriesKey): Promise<WireBar[]> {
  const res = await fetch(`${srv.url}/api/bars?symbol=${key.symbol}&tf=${key.tf}${key.extended ? '&extended=true' : ''}`);
  assert.equal(res.status, 200);
  return ((await res.json()) as { bars: WireBar[] }).bars;
}

const key = (symbol: string, tf: SeriesKey['tf'], extended = false): SeriesKey => ({ symbol, tf, extended, badPrints: 'hide' });
const WATCHED: SeriesKey[] = [key('SPY', '1m'), key('SPY', '5m'), key('SPY', '15m'), key('SPY', '1m', true), key('AIG', '1m'), key('BAC', '5m')];
const deltaId = (m: { symbol: string; tf: string; extended: boolean; seq: number }): string => `${m.symbol}|${m.tf}|${m.extended}|${m.seq}`;

async function subscribeAll(s: Socket, keys: SeriesKey[]): Promise<SnapshotMessage[]> {
  const snaps = Promise.all(keys.map((k) => next<SnapshotMessage>(s, 'snapshot', (m) => seriesId(m) === seriesId(k))));
  for (const k of keys) s.emit('subscribe', k);
  return snaps;
}

test('one client watching six series gets one `bars` message per tick holding exactly the engine deltas of those series, in order', async () => {
  await control({ session: '2013-10-10', time: '10:30', state: 'pause' });
  const s = await client();
  const batches: BarBatchMessage[] = [];
  s.on('bars', (m: BarBatchMessage) => batches.push(m));
  const snaps = await subscribeAll(s, WATCHED);
  await barrier(s);
  const watched = new Set(WATCHED.map((k) => seriesId(k)));
  const expected: string[] = [];
  const unlisten = srv.server.hub.engine.onDelta((d) => {
    if (watched.has(seriesId(d))) expected.push(deltaId(d));
  });
  const lastSeq = new Map(snaps.map((m) => [seriesId(m), m.seq]));
  const hub = srv.server.hub.counters;
  try {
    await control({ state: 'play' });
    await barrier(s);
    let ticksWithDeltas = 0;
    for (let tick = 0; tick < 8; tick++) {
      expected.length = 0;
      batches.length = 0;
      const messagesBefore = hub.barMessages;
      ticker.tick(1_000); // one replay minute at 60×: every watched series moves
      await barrier(s); // everything the server sent for this tick has arrived
      if (expected.length === 0) continue;
      ticksWithDeltas++;
      assert.equal(batches.length, 1, `tick ${tick}: one message for all ${expected.length} deltas`);
      assert.equal(hub.barMessages - messagesBefore, 1, 'the server sent this socket one bar message');
      assert.deepEqual(batches[0]!.bars.map(deltaId), expected, 'the batch is the engine deltas of the watched series, in order');
      const seriesInBatch = new Set(batches[0]!.bars.map((m) => seriesId(m)));
      assert.ok(seriesInBatch.size >= 4, `the batch spans the series (${seriesInBatch.size})`);
      for (const m of batches[0]!.bars) {
        assert.equal(m.seq, lastSeq.get(seriesId(m))! + 1, `${seriesId(m)}: seq rises by one through the batch`);
        lastSeq.set(seriesId(m), m.seq);
      }
    }
    assert.ok(ticksWithDeltas >= 6, `most ticks carried deltas (${ticksWithDeltas})`);
  } finally {
    unlisten();
    await control({ state: 'pause' });
  }
  s.close();
});

test('sockets watching the same set share one encoded batch; a different set gets its own', async () => {
  await control({ session: '2013-10-10', time: '10:30', state: 'pause' });
  const a = await client();
  const b = await client();
  const c = await client();
  const got = new Map<Socket, BarBatchMessage[]>([[a, []], [b, []], [c, []]]);
  for (const [s, list] of got) s.on('bars', (m: BarBatchMessage) => list.push(m));
  const same = [key('SPY', '1m'), key('AIG', '5m')];
  await Promise.all([subscribeAll(a, same), subscribeAll(b, [...same].reverse()), subscribeAll(c, [key('SPY', '1m')])]);
  for (const s of [a, b, c]) await barrier(s);
  const hub = srv.server.hub.counters;
  await control({ state: 'play' });
  for (const s of [a, b, c]) await barrier(s);
  for (const list of got.values()) list.length = 0;
  const encodes = hub.barEncodes;
  const messages = hub.barMessages;
  ticker.tick(1_000);
  for (const s of [a, b, c]) await barrier(s);
  await control({ state: 'pause' });
  assert.deepEqual([got.get(a)!.length, got.get(b)!.length, got.get(c)!.length], [1, 1, 1], 'one message each');
  assert.deepEqual(got.get(a)![0], got.get(b)![0], 'a and b watch the same set: the same batch');
  assert.ok(got.get(a)![0]!.bars.some((m) => m.symbol === 'AIG'));
  assert.ok(got.get(c)![0]!.bars.every((m) => m.symbol === 'SPY' && m.tf === '1m'), 'c gets only its series');
  assert.equal(hub.barEncodes - encodes, 2, 'two sets, two encodes');
  assert.equal(hub.barMessages - messages, 3, 'three sockets, three messages');
  for (const s of [a, b, c]) s.close();
});

test('a delta lost inside a batch makes the client re-subscribe that series only; both series then equal /api/bars', async () => {
  await control({ session: '2013-10-10', time: '10:30', state: 'pause' });
  const s = await client();
  const keys = [key('SPY', '1m'), key('AIG', '1m')];
  const snaps = await subscribeAll(s, keys);
  // What SeriesFeed does per series, fed from the raw batches.
  const charts = new Map(snaps.map((m) => [seriesId(m), { seq: m.seq, bars: new Map(m.bars.map((b) => [b.start, b])), gaps: 0, snapshots: 0 }]));
  const dropSeq = snaps[0]!.seq + 2; // SPY 1m: lost in transit
  s.on('snapshot', (m: SnapshotMessage) => {
    const chart = charts.get(seriesId(m))!;
    chart.snapshots++;
    chart.seq = m.seq;
    chart.bars = new Map(m.bars.map((b) => [b.start, b]));
  });
  s.on('bars', (batch: BarBatchMessage) => {
    for (const m of batch.bars as BarMessage[]) {
      const chart = charts.get(seriesId(m))!;
      if (chart.seq < 0) continue; // waiting for the fresh snapshot
      if (m.symbol === 'SPY' && m.seq === dropSeq) continue;
      if (m.seq !== chart.seq + 1) {
        chart.gaps++;
        chart.seq = -1;
        s.emit('subscribe', { symbol: m.symbol, tf: m.tf });
        continue;
      }
      chart.seq = m.seq;
      chart.bars.set(m.bar.start, m.bar);
    }
  });
  await control({ state: 'play' });
  for (let i = 0; i < 12; i++) ticker.tick(250);
  await control({ state: 'pause' });
  await barrier(s);
  await barrier(s); // the re-subscribe's snapshot is answered in order too
  const spy = charts.get(seriesId(keys[0]!))!;
  const aig = charts.get(seriesId(keys[1]!))!;
  assert.deepEqual([spy.gaps, spy.snapshots], [1, 1], 'SPY noticed the gap and got a fresh snapshot');
  assert.deepEqual([aig.gaps, aig.snapshots], [0, 0], 'AIG, in the same batches, went on without one');
  const sorted = (m: Map<number, WireBar>) => [...m.values()].sort((x, y) => x.start - y.start);
  assert.deepEqual(sorted(spy.bars), await restBars(keys[0]!));
  assert.deepEqual(sorted(aig.bars), await restBars(keys[1]!));
  s.close();
});

test('the per-series mode (the bench baseline) sends each delta alone as `bar`', async () => {
  const perSeriesTicker = new ManualTicker();
  const perSeries = await startTestServer({ session: '2013-10-10', time: '10:30', speed: 60, state: 'pause', ticker: perSeriesTicker, hub: { fanOut: 'per-series' } });
  try {
    const s = await connect(perSeries.url);
    const events: string[] = [];
    s.on('bars', () => events.push('bars'));
    s.on('bar', (m: BarMessage) => events.push(`bar ${m.tf}`));
    const snaps = Promise.all([
      next<SnapshotMessage>(s, 'snapshot', (m) => m.tf === '1m'),
      next<SnapshotMessage>(s, 'snapshot', (m) => m.tf === '5m'),
    ]);
    s.emit('subscribe', { symbol: 'SPY', tf: '1m' });
    s.emit('subscribe', { symbol: 'SPY', tf: '5m' });
    await snaps;
    await replayControl(perSeries.url, { state: 'play' });
    const before = perSeries.server.hub.counters.barMessages;
    perSeriesTicker.tick(1_000);
    await barrier(s);
    assert.ok(events.length >= 2, `deltas arrived (${events.length})`);
    assert.ok(events.every((e) => e.startsWith('bar ')), 'no batches');
    assert.equal(perSeries.server.hub.counters.barMessages - before, events.length, 'one message per delta');
    s.close();
  } finally {
    await perSeries.close();
  }
});
