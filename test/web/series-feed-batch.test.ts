/**
 * SeriesFeed (web/src/chart/seriesFeed.ts) fed the hub's `bars` batches: one message per
 * tick holding the deltas of every series the socket watches. Each delta is checked on its
 * own, in order: the chart's series is drawn exactly as with single `bar` messages, other
 * series' deltas in the same batch are ignored, and a gap inside a batch re-subscribes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from '../helpers/fast-check.js';
import { FakeSocket } from '../helpers/fake-socket.js';
import { SeriesFeed, type FeedSink } from '../../web/src/chart/seriesFeed.js';
import type { HubSocket } from '../../web/src/socket.js';
import type { BarMessage, SeriesHealth, SeriesKey, WireBar } from '../../src/wire/protocol.js';

const SHOWN: SeriesKey = { symbol: 'SPY', tf: '1m', extended: false, badPrints: 'hide' };
const OTHER: SeriesKey = { symbol: 'SPY', tf: '5m', extended: false, badPrints: 'hide' };
const HEALTH: SeriesHealth = { state: 'REPLAY', lastUpdateAgeMs: 0, gaps: 0, source: 'test' };


/** Plays lightweight-charts: setData, update() of the last bar or a newer one, historical update of an existing bar. */
class Sink implements FeedSink {
  drawn: WireBar[] = [];
  applied = 0;
  reset(_key: SeriesKey, bars: readonly WireBar[]) {
    this.drawn = bars.map((b) => ({ ...b }));
  }
  apply(key: SeriesKey, bar: WireBar, index: number, historical: boolean) {
    assert.deepEqual(key, SHOWN, 'only the shown series is drawn');
    this.applied++;
    const last = this.drawn.at(-1);
    if (historical) {
      assert.equal(this.drawn[index]?.start, bar.start);
      this.drawn[index] = { ...bar };
    } else if (!last || bar.start > last.start) this.drawn.push({ ...bar });
    else if (bar.start === last.start) this.drawn[this.drawn.length - 1] = { ...bar };
    else throw new Error('Cannot update oldest data'); // lightweight-charts #592
  }
  health() {}
  loading() {}
}

const bar = (start: number, close: number): WireBar => ({ start, open: 10, high: Math.max(10, close), low: Math.min(10, close), close, volume: start, closed: false });
const delta = (key: SeriesKey, seq: number, b: WireBar): BarMessage => ({ ...key, seq, bar: b });

function shown(): { socket: FakeSocket; feed: SeriesFeed; sink: Sink } {
  const socket = new FakeSocket();
  const sink = new Sink();
  const feed = new SeriesFeed(socket as unknown as HubSocket, sink);
  feed.switchTo(SHOWN);
  socket.deliver('snapshot', { ...SHOWN, seq: 10, bars: [bar(0, 10), bar(60, 11)], health: HEALTH });
  return { socket, feed, sink };
}

test('a batch draws the shown series\' deltas in order and ignores the other series in it', () => {
  const { socket, feed, sink } = shown();
  socket.deliver('bars', {
    bars: [delta(OTHER, 3, bar(0, 99)), delta(SHOWN, 11, bar(60, 12)), delta(OTHER, 4, bar(0, 98)), delta(SHOWN, 12, bar(120, 13)), delta(SHOWN, 13, bar(120, 14))],
  });
  assert.deepEqual(sink.drawn, [bar(0, 10), bar(60, 12), bar(120, 14)]);
  assert.equal(sink.applied, 3);
  assert.equal(feed.resyncs, 0);
  assert.equal(socket.subscribes(), 1, 'only the first subscribe');
});

test('a gap inside a batch re-subscribes once; the rest of the batch waits for the fresh snapshot', () => {
  const { socket, feed, sink } = shown();
  socket.deliver('bars', { bars: [delta(SHOWN, 11, bar(60, 12)), delta(SHOWN, 13, bar(120, 13)), delta(SHOWN, 14, bar(120, 14)), delta(OTHER, 1, bar(0, 1))] });
  assert.equal(feed.resyncs, 1);
  assert.deepEqual(socket.emitted.at(-1), ['subscribe', SHOWN]);
  assert.equal(socket.subscribes(), 2);
  assert.deepEqual(sink.drawn, [bar(0, 10), bar(60, 12)], 'nothing after the gap is drawn');
  socket.deliver('snapshot', { ...SHOWN, seq: 14, bars: [bar(0, 10), bar(60, 12), bar(120, 14)], health: HEALTH });
  socket.deliver('bars', { bars: [delta(SHOWN, 14, bar(120, 14)), delta(SHOWN, 15, bar(180, 15))] });
  assert.deepEqual(sink.drawn, [bar(0, 10), bar(60, 12), bar(120, 14), bar(180, 15)], 'after the snapshot, the next batch applies (its stale first delta dropped)');
  assert.equal(feed.resyncs, 1);
});

test('however the deltas are cut into batches, the chart ends equal to the server; without loss it never re-subscribes', () => {
  const step = fc.record({
    shown: fc.boolean(),
    action: fc.constantFrom('forming' as const, 'append' as const, 'correct' as const),
    cut: fc.boolean(), // the batch ends after this delta
    drop: fc.integer({ min: 0, max: 14 }).map((n) => n === 0),
  });
  fc.assert(
    fc.property(fc.array(step, { minLength: 1, maxLength: 80 }), fc.boolean(), (steps, lossy) => {
      const { socket, feed, sink } = shown();
      const server = new Map<string, { seq: number; bars: Map<number, WireBar> }>([
        [SHOWN.tf, { seq: 10, bars: new Map([[0, bar(0, 10)], [60, bar(60, 11)]]) }],
        [OTHER.tf, { seq: 3, bars: new Map([[0, bar(0, 10)]]) }],
      ]);
      let batch: BarMessage[] = [];
      let dropped = false;
      const send = () => {
        if (batch.length) socket.deliver('bars', { bars: batch });
        batch = [];
        // The client's re-subscribe is answered with a snapshot, as the hub does.
        for (const [event] of socket.emitted.splice(1)) {
          if (event !== 'subscribe') continue;
          const s = server.get(SHOWN.tf)!;
          socket.deliver('snapshot', { ...SHOWN, seq: s.seq, bars: [...s.bars.values()].sort((a, b) => a.start - b.start), health: HEALTH });
        }
      };
      let n = 0;
      // A last forming update of the shown series, so a lost delta at the end is noticed.
      for (const st of [...steps, { shown: true, action: 'forming' as const, cut: true, drop: false }]) {
        const key = st.shown ? SHOWN : OTHER;
        const s = server.get(key.tf)!;
        const starts = [...s.bars.keys()].sort((a, b) => a - b);
        const last = starts.at(-1)!;
        const start = st.action === 'append' ? last + 60 : st.action === 'forming' ? last : starts[Math.max(0, starts.length - 2)]!;
        const b = bar(start, 10 + (++n % 7));
        s.bars.set(start, b);
        s.seq++;
        if (lossy && st.drop) dropped = true;
        else batch.push(delta(key, s.seq, b));
        if (st.cut) send();
      }
      send();
      const truth = [...server.get(SHOWN.tf)!.bars.values()].sort((a, b) => a.start - b.start);
      assert.deepEqual(sink.drawn, truth);
      assert.deepEqual([...feed.currentBars()], truth);
      if (!dropped) assert.equal(feed.resyncs, 0, 'no loss, no re-subscribe');
    }),
    { numRuns: 300 },
  );
});
