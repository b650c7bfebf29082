/**
 * web/src/chart/fillMarkers.ts: which fills go on which chart, on which bar, and that the
 * fill markers merge with the bad-print markers into one time-ordered list (one markers
 * primitive per series). Bars are the real GOOG 2015-12-24 minutes aggregated to 5m.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fillMarkers, fillsForChart, fillsOf, mergeMarkers, placeFills, type ChartFill } from '../../web/src/chart/fillMarkers.js';
import { readAggregates, stockMinuteFile } from '../helpers/data.js';
import type { WireOrder } from '../../src/broker/wire.js';

const minutes = readAggregates(stockMinuteFile('2015-12-24'), 'GOOG');
const fiveMin = [...new Map(minutes.map((m) => [Math.floor(m.start / 300_000) * 300_000, m])).keys()].map((start) => ({ start }));

const fill = (over: Partial<ChartFill>): ChartFill => ({ id: 'f1', symbol: 'O:GOOG151224C00750000', side: 'buy', qty: 1, price: 0.8, time: fiveMin[10]!.start + 61_000, role: 'entry', ...over });

test('an option fill goes on its own chart and its underlying\'s, not on another symbol\'s', () => {
  const fills = [fill({ id: 'opt' }), fill({ id: 'stock', symbol: 'GOOG' }), fill({ id: 'spy', symbol: 'SPY' }), fill({ id: 'googl', symbol: 'O:GOOGL151224C00750000' })];
  assert.deepEqual(fillsForChart(fills, 'GOOG').map((f) => f.id), ['opt', 'stock']);
  assert.deepEqual(fillsForChart(fills, 'O:GOOG151224C00750000').map((f) => f.id), ['opt']);
  assert.deepEqual(fillsForChart(fills, 'GOOGL').map((f) => f.id), ['googl'], 'a GOOGL option belongs to GOOGL, not to GOOG (GOOG is not its underlying)');
});

test('every fill lands on the last bar starting at or before it, within that bar, or is not drawn', () => {
  const first = fiveMin[0]!.start;
  const last = fiveMin.at(-1)!.start;
  fc.assert(
    fc.property(fc.integer({ min: first - 3_600_000, max: last + 3_600_000 }), (time) => {
      const placed = placeFills([fill({ time })], fiveMin, '5m');
      const bar = [...fiveMin].reverse().find((b) => b.start <= time);
      if (!bar || time - bar.start > 300_000) return placed.length === 0;
      return placed.length === 1 && placed[0]!.barStart === bar.start;
    }),
  );
});

test('fills from the trading stream become buy arrows under and sell arrows over the bar, merged in time order with bad prints', () => {
  const order = (id: string, side: 'buy' | 'sell', role: WireOrder['role'], time: string, price: number) =>
    ({ id, symbol: 'O:GOOG151224C00750000', side, role, fills: [{ id: `${id}-f`, time, price, qty: 1, side }] }) as unknown as WireOrder;
  const fills = fillsOf([order('tp', 'sell', 'take_profit', '2015-12-24T11:49:59.999-05:00', 0.88), order('e', 'buy', 'entry', '2015-12-24T11:45:00.000-05:00', 0.8)]);
  assert.deepEqual(fills.map((f) => f.id), ['e-f', 'tp-f'], 'oldest first');
  const marks = fillMarkers(placeFills(fills, fiveMin, '5m'));
  // The 11:45 ET bar as a chart time (New York wall clock as UTC seconds).
  const t1145 = Date.parse('2015-12-24T11:45:00Z') / 1000;
  assert.deepEqual(marks.map((m) => [m.id, m.time, m.position, m.shape, m.text]), [
    ['fill:e-f', t1145, 'belowBar', 'arrowUp', 'B 0.80'],
    ['fill:tp-f', t1145, 'aboveBar', 'arrowDown', 'S 0.88'],
  ]);
  const bad = [{ time: t1145 + 300, position: 'aboveBar' as const, shape: 'circle' as const, color: '#d29922', text: '⚠' }];
  const merged = mergeMarkers(bad as never, marks);
  assert.equal(merged.length, 3);
  assert.deepEqual(merged.map((m) => m.time), [t1145, t1145, t1145 + 300]);
});
