/**
 * The quotes stream (src/hub/quotes-hub.ts) over a real server and Socket.IO clients, with
 * the replay clock driven by hand: snapshot + seq'd deltas that always equal the chart's
 * own 1-minute bars, one provider subscription per watched symbol (and none for symbols on
 * nobody's watchlist or chart), gap recovery, replay resets, bad input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'socket.io-client';
import { ManualTicker } from '../src/feeds/replay/index.js';
import type { ErrorMessage, QuotesDeltaMessage, QuotesSnapshotMessage, WatchlistRow, WireBar } from '../src/wire/protocol.js';
import type { TestServer } from './helpers/server.js';
import { useReplayServer } from './helpers/replay-server.js';
import { barrier, connect, next } from './helpers/socket.js';
import { until } from './helpers/wait.js';
import { replayControl } from './helpers/replay.js';

let srv: TestServer;
let ticker: ManualTicker;
const fixture = useReplayServer((server, t) => {
  srv = server;
  ticker = t;
});
const client = (): Promise<Socket> => fixture.client();

const control = (body: Record<string, unknown>) => replayControl(srv.url, body);

async function lastMinute(symbol: string): Promise<WireBar | undefined> {
  const res = await fetch(`${srv.url}/api/bars?symbol=${symbol}&tf=1m&extended=true`);
  assert.equal(res.status, 200);
  return ((await res.json()) as { bars: WireBar[] }).bars.at(-1);
}

/** What the dashboard does with the stream: keep the snapshot, apply deltas in seq order. */
class QuotesModel {
  rows = new Map<string, WatchlistRow>();
  seq = -1;
  gaps = 0;
  constructor(readonly socket: Socket, opts: { dropSeq?: number } = {}) {
    socket.on('quotes:snapshot', (m: QuotesSnapshotMessage) => {
      this.rows = new Map(m.rows.map((r) => [r.symbol, r]));
      this.seq = m.seq;
    });
    socket.on('quotes:delta', (m: QuotesDeltaMessage) => {
      if (this.seq < 0) return;
      if (m.seq === opts.dropSeq) return; // a lost delta
      if (m.seq !== this.seq + 1) {
        this.gaps++;
        this.seq = -1;
        socket.emit('quotes:set', { symbols: [...this.rows.keys()] });
        return;
      }
      this.seq = m.seq;
      for (const r of m.rows) this.rows.set(r.symbol, r);
    });
  }
}

test('a snapshot, then deltas that keep every row equal to the last 1-minute close the charts have', async () => {
  const s = await client();
  const model = new QuotesModel(s);
  const snap = next<QuotesSnapshotMessage>(s, 'quotes:snapshot');
  s.emit('quotes:set', { symbols: ['SPY', 'aig'] });
  const first = await snap;
  assert.equal(first.seq, 0);
  assert.deepEqual(first.rows.map((r) => r.symbol), ['SPY', 'AIG']);
  // History lands after the snapshot: the rows fill in by deltas.
  await until('SPY and AIG prices', () => model.rows.get('SPY')?.last != null && model.rows.get('AIG')?.last != null, 15_000);
  assert.equal(model.rows.get('SPY')!.last, (await lastMinute('SPY'))!.close);

  await control({ state: 'play' });
  for (let i = 0; i < 20; i++) ticker.tick(250); // 5 replay minutes at 60×
  await control({ state: 'pause' });
  const expected = (await lastMinute('SPY'))!.close;
  await until('the SPY row to reach the last minute', () => model.rows.get('SPY')?.last === expected);
  assert.equal(model.gaps, 0);
  assert.ok(model.seq > 0, 'deltas were sent');
  // The change is against the previous session's close (the 1D bar before the session).
  const daily = (await (await fetch(`${srv.url}/api/bars?symbol=SPY&tf=1D&to=2013-10-09`)).json()) as { bars: WireBar[] };
  const prevClose = daily.bars.at(-1)!.close;
  assert.equal(model.rows.get('SPY')!.change, Math.round((expected - prevClose) * 1e4) / 1e4);
  s.emit('quotes:set', { symbols: [] });
  await barrier(s);
});

test('a lost delta is noticed and a fresh snapshot restores the rows', async () => {
  const s = await client();
  const model = new QuotesModel(s, { dropSeq: 2 });
  s.emit('quotes:set', { symbols: ['SPY'] });
  await until('SPY price', () => model.rows.get('SPY')?.last != null);
  await control({ state: 'play' });
  for (let i = 0; i < 8; i++) {
    ticker.tick(1_000); // one replay minute at 60×
    // Yield so the stream flushes this minute as its own delta (changes of one turn are batched).
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
  }
  await control({ state: 'pause' });
  const expected = (await lastMinute('SPY'))!.close;
  await until('recovery to the last minute', () => model.seq >= 0 && model.rows.get('SPY')?.last === expected);
  assert.ok(model.gaps >= 1, 'the dropped delta was detected');
  s.emit('quotes:set', { symbols: [] });
  await barrier(s);
});

test('one provider subscription per watched symbol; none for symbols on nobody\'s watchlist or chart', async () => {
  const replay = srv.server.replay!;
  const a = await client();
  const b = await client();
  await until('earlier streams released', () => replay.subscribed().length === 0);
  const before = replay.counters.subscribeCalls;
  a.emit('quotes:set', { symbols: ['SPY', 'AIG'] });
  b.emit('quotes:set', { symbols: ['SPY'] });
  await barrier(a);
  await barrier(b);
  assert.deepEqual(replay.subscribed().sort(), ['AIG', 'SPY']);
  assert.equal(replay.counters.subscribeCalls - before, 2, 'SPY is subscribed once for two watchers');
  assert.ok(!replay.subscribed().includes('BAC'), 'BAC is on nobody\'s list');

  a.emit('quotes:set', { symbols: ['SPY'] });
  await barrier(a);
  assert.deepEqual(replay.subscribed(), ['SPY'], 'AIG left a\'s list');
  a.close();
  b.emit('quotes:set', { symbols: [] });
  await barrier(b);
  await until('no provider subscription left', () => replay.subscribed().length === 0);
  assert.deepEqual(srv.server.hub.providerSymbols(), []);
});

test('a replay jump re-snapshots the stream with the new timeline\'s price', async () => {
  const s = await client();
  const model = new QuotesModel(s);
  s.emit('quotes:set', { symbols: ['BAC'] });
  await until('BAC price', () => model.rows.get('BAC')?.last != null);
  const snap = next<QuotesSnapshotMessage>(s, 'quotes:snapshot');
  await control({ time: '10:00' });
  await snap;
  const expected = (await lastMinute('BAC'))!.close;
  await until('BAC at 10:00', () => model.rows.get('BAC')?.last === expected);
  assert.ok((await lastMinute('BAC'))!.start < Date.parse('2013-10-10T10:00:00-04:00'));
  s.emit('quotes:set', { symbols: [] });
  await barrier(s);
});

test('a malformed quotes:set gets an error_message naming the field; the connection stays up', async () => {
  const s = await client();
  const err = next<ErrorMessage>(s, 'error_message', (m) => m.event === 'quotes:set');
  s.emit('quotes:set', { symbols: ['SPY', 'not a ticker'] });
  const e = await err;
  assert.match(e.message, /^symbols\.1: must be a ticker/);
  assert.deepEqual([e.code, e.field], ['INVALID_FIELD', 'symbols.1']);
  const snap = next<QuotesSnapshotMessage>(s, 'quotes:snapshot');
  s.emit('quotes:set', { symbols: ['SPY'] });
  assert.equal((await snap).rows[0]!.symbol, 'SPY');
  s.emit('quotes:set', { symbols: [] });
  await barrier(s);
});
