/**
 * The dashboard's client half of the hub protocol (web/src/chart/SeriesFeed), without a
 * browser: a fake socket, a model of the server (rooms, snapshot + seq'd deltas) and a
 * lossy, duplicating network. The sink plays lightweight-charts and throws on what the
 * real chart would reject (#592 "Cannot update oldest data").
 *
 * Property: whatever the interleaving of switches, live updates, corrections, dropped,
 * duplicated and late messages, once the network is drained the chart shows exactly the
 * server's bars of the series the user is looking at — never another series' bars.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from '../helpers/fast-check.js';
import { FakeSocket } from '../helpers/fake-socket.js';
import { SeriesFeed, type FeedSink } from '../../web/src/chart/seriesFeed.js';
import type { HubSocket } from '../../web/src/socket.js';
import type { SeriesHealth, SeriesKey, WireBar } from '../../src/wire/protocol.js';

const SERIES: SeriesKey[] = [
  { symbol: 'SPY', tf: '1m', extended: false, badPrints: 'hide' },
  { symbol: 'SPY', tf: '5m', extended: false, badPrints: 'hide' },
  { symbol: 'AIG', tf: '1m', extended: false, badPrints: 'hide' },
  { symbol: 'SPY', tf: '1m', extended: true, badPrints: 'hide' },
  // Same bars as the first but with bad prints shown: a different series to the chart.
  { symbol: 'SPY', tf: '1m', extended: false, badPrints: 'show' },
];
const id = (k: { symbol: string; tf: string; extended?: boolean; badPrints?: string }) => `${k.symbol}|${k.tf}|${k.extended ?? false}|${k.badPrints ?? 'hide'}`;
const HEALTH: SeriesHealth = { state: 'REPLAY', lastUpdateAgeMs: 0, gaps: 0, source: 'test' };


/** What lightweight-charts allows: setData, update() of the last bar or a newer one, historical update of an existing bar. */
class ChartSink implements FeedSink {
  drawn: WireBar[] = [];
  shownKey: SeriesKey | null = null;
  constructor(private readonly feed: () => SeriesFeed) {}
  reset(key: SeriesKey, bars: readonly WireBar[]) {
    this.assertCurrent(key);
    this.shownKey = key;
    this.drawn = bars.map((b) => ({ ...b }));
  }
  apply(key: SeriesKey, bar: WireBar, index: number, historical: boolean) {
    this.assertCurrent(key);
    assert.equal(id(key), id(this.shownKey!), 'a delta for a series whose snapshot is not on screen');
    const last = this.drawn[this.drawn.length - 1];
    if (historical) {
      assert.equal(this.drawn[index]?.start, bar.start, 'historical update of a bar that is not there');
      this.drawn[index] = { ...bar };
    } else if (!last || bar.start > last.start) {
      this.drawn.push({ ...bar });
    } else if (bar.start === last.start) {
      this.drawn[this.drawn.length - 1] = { ...bar };
    } else {
      throw new Error('Cannot update oldest data'); // lightweight-charts #592
    }
  }
  health(key: SeriesKey) {
    this.assertCurrent(key);
  }
  loading(key: SeriesKey) {
    this.assertCurrent(key);
  }
  private assertCurrent(key: SeriesKey) {
    assert.equal(id(key), id(this.feed().current()!), 'the sink was given data of a series the user left');
  }
}

interface ServerSeries {
  bars: Map<number, WireBar>;
  seq: number;
}

type Op =
  | { kind: 'switch'; series: number }
  | { kind: 'tick'; series: number; action: 'forming' | 'append' | 'correct'; drop: boolean; duplicate: boolean }
  | { kind: 'deliver'; count: number }
  | { kind: 'reconnect' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('switch' as const), series: fc.nat(SERIES.length - 1) }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('tick' as const),
      series: fc.nat(SERIES.length - 1),
      action: fc.constantFrom('forming' as const, 'append' as const, 'correct' as const),
      drop: fc.integer({ min: 0, max: 9 }).map((n) => n === 0), // ~10% of deltas lost
      duplicate: fc.boolean(),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('deliver' as const), count: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reconnect' as const }) },
);

function run(ops: Op[]) {
  const socket = new FakeSocket();
  let feed!: SeriesFeed;
  const sink = new ChartSink(() => feed);
  feed = new SeriesFeed(socket as unknown as HubSocket, sink);

  const server = new Map<string, ServerSeries>(SERIES.map((k, i) => {
    const bars = new Map<number, WireBar>();
    for (let t = 0; t < 5; t++) bars.set(t * 60, { start: t * 60, open: 10 + i, high: 11 + i, low: 9 + i, close: 10 + i, volume: 100, closed: true });
    return [id(k), { bars, seq: 7 }];
  }));
  const rooms = new Set<string>();
  const network: [string, unknown][] = [];
  let handled = 0;
  let tickNo = 0;

  /** The server's side of every subscribe/unsubscribe the client emitted since last time. */
  const serve = () => {
    for (; handled < socket.emitted.length; handled++) {
      const [event, payload] = socket.emitted[handled]!;
      const key = payload as SeriesKey;
      if (event === 'unsubscribe') rooms.delete(id(key));
      if (event === 'subscribe') {
        const s = server.get(id(key))!;
        rooms.add(id(key));
        network.push(['snapshot', { ...key, seq: s.seq, bars: [...s.bars.values()].sort((a, b) => a.start - b.start), health: HEALTH }]);
      }
    }
  };
  const deliver = (n: number) => {
    for (let i = 0; i < n && network.length; i++) {
      const [event, payload] = network.shift()!;
      socket.deliver(event, payload);
      serve();
    }
  };

  feed.switchTo(SERIES[0]!);
  serve();
  // A lost delta is noticed when the next one arrives (Socket.IO itself does not lose
  // messages within a connection; loss means a reconnect or a bug). So the run ends with
  // one more update of the series on screen, as a live market would provide.
  const current = () => SERIES.findIndex((k) => id(k) === id(feed.current()!));
  const finalTick: Op = { kind: 'tick', series: -1, action: 'forming', drop: false, duplicate: false };
  for (const op of [...ops, { kind: 'deliver', count: 1_000 } as Op, finalTick]) {
    if (op === finalTick) finalTick.series = current();
    if (op.kind === 'switch') {
      feed.switchTo(SERIES[op.series]!);
      serve();
    } else if (op.kind === 'deliver') {
      deliver(op.count);
    } else if (op.kind === 'reconnect') {
      // The server forgot our rooms; whatever was in flight is lost; socket.io fires 'connect' again.
      rooms.clear();
      network.length = 0;
      socket.deliver('connect', undefined);
      serve();
    } else {
      const key = SERIES[op.series]!;
      const s = server.get(id(key))!;
      const starts = [...s.bars.keys()].sort((a, b) => a - b);
      const lastStart = starts[starts.length - 1]!;
      const start = op.action === 'append' ? lastStart + 60 : op.action === 'forming' ? lastStart : starts[Math.max(0, starts.length - 3)]!;
      const prev = s.bars.get(start);
      const price = 10 + (++tickNo % 17) / 10;
      const bar: WireBar = {
        start, open: prev?.open ?? price, high: Math.max(prev?.high ?? price, price), low: Math.min(prev?.low ?? price, price),
        close: price, volume: (prev?.volume ?? 0) + 5, closed: false,
      };
      s.bars.set(start, bar);
      s.seq++;
      if (rooms.has(id(key))) {
        const message = { ...key, seq: s.seq, bar };
        if (!op.drop) network.push(['bar', message]);
        if (op.duplicate) network.push(['bar', message]);
      }
    }
  }
  // Drain: deliver everything, including the snapshots that gap recoveries ask for.
  for (let guard = 0; network.length && guard < 10_000; guard++) deliver(1);
  return { feed, sink, server };
}

test('the chart converges to the server\'s bars of the current series under loss, duplicates, late messages and switches', () => {
  fc.assert(
    fc.property(fc.array(opArb, { minLength: 1, maxLength: 120 }), (ops) => {
      const { feed, sink, server } = run(ops);
      const key = feed.current()!;
      const truth = [...server.get(id(key))!.bars.values()].sort((a, b) => a.start - b.start);
      assert.equal(id(sink.shownKey!), id(key));
      assert.deepEqual(sink.drawn, truth);
      assert.deepEqual([...feed.currentBars()], truth);
    }),
    { numRuns: 300 },
  );
});

test('a late snapshot of a series the user left is never drawn', () => {
  const socket = new FakeSocket();
  let feed!: SeriesFeed;
  const sink = new ChartSink(() => feed);
  feed = new SeriesFeed(socket as unknown as HubSocket, sink);
  feed.switchTo(SERIES[0]!);
  feed.switchTo(SERIES[2]!);
  const bar: WireBar = { start: 60, open: 1, high: 1, low: 1, close: 1, volume: 1, closed: true };
  socket.deliver('snapshot', { ...SERIES[0]!, seq: 1, bars: [bar], health: HEALTH });
  assert.equal(sink.shownKey, null, 'the SPY snapshot arrived after switching to AIG: ignored');
  socket.deliver('snapshot', { ...SERIES[2]!, seq: 4, bars: [bar], health: HEALTH });
  assert.equal(id(sink.shownKey!), id(SERIES[2]!));
  // A gap (seq 6 after 4) makes the feed ask for a fresh snapshot instead of drawing.
  const before = socket.emitted.length;
  socket.deliver('bar', { ...SERIES[2]!, seq: 6, bar: { ...bar, start: 120 } });
  assert.deepEqual(socket.emitted.slice(before), [['subscribe', SERIES[2]]]);
  assert.equal(sink.drawn.length, 1);
  assert.equal(feed.resyncs, 1);
});
