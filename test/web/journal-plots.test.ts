/** The Statistics page's plot data: equity in exit order, calendar layout, R histogram, excursions. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from '../helpers/fast-check.js';
import { calendarCells, equityPoints, excursionPoints, histogram } from '../../web/src/journal/plots.js';
import type { WireJournalTrade } from '../../web/src/journal/journalApi.js';

const trade = (id: string, exitTime: string | null, pnl: number, extra: Partial<WireJournalTrade> = {}): WireJournalTrade =>
  ({ id, exitTime, pnl, status: exitTime ? 'closed' : 'open', mae: null, mfe: null, r: null, ...extra }) as unknown as WireJournalTrade;

test('equity curve: cumulative P&L in exit order, open trades left out, one point per exit second', () => {
  const pts = equityPoints([
    trade('b', '2015-12-24T11:00:00-05:00', -20.5),
    trade('a', '2015-12-23T10:00:00-05:00', 100.1),
    trade('o', null, 999),
    trade('c', '2015-12-24T11:00:00.400-05:00', 0.2),
  ]);
  assert.deepEqual(pts, [
    { time: Date.parse('2015-12-23T10:00:00-05:00'), value: 100.1 },
    { time: Date.parse('2015-12-24T11:00:00-05:00'), value: 79.8 },
  ]);
});

test('calendar: P&L per exit day on weeks × weekdays (Monday 0 … Friday 4)', () => {
  const cells = calendarCells([
    trade('a', '2015-12-24T11:00:00-05:00', 50), // Thursday
    trade('b', '2015-12-24T15:00:00-05:00', -20),
    trade('c', '2015-12-28T10:00:00-05:00', 10), // next Monday
    trade('d', '2015-12-21T10:00:00-05:00', -5), // Monday of the first week
  ]);
  assert.deepEqual(cells.map((c) => [c.date, c.pnl, c.trades, c.week, c.weekday]), [
    ['2015-12-21', -5, 1, 0, 0],
    ['2015-12-24', 30, 2, 0, 3],
    ['2015-12-28', 10, 1, 1, 0],
  ]);
});

test('histogram: every value in exactly one bin, bins contiguous and of the given width', () => {
  fc.assert(fc.property(fc.array(fc.integer({ min: -40, max: 40 }).map((x) => x / 10), { minLength: 1, maxLength: 60 }), fc.constantFrom(0.25, 0.5, 1), (values, width) => {
    const bins = histogram(values, width);
    assert.equal(bins.reduce((s, b) => s + b.count, 0), values.length);
    for (let i = 1; i < bins.length; i++) assert.ok(Math.abs(bins[i]!.lo - bins[i - 1]!.hi) < 1e-9);
    for (const v of values) {
      const holding = bins.filter((b) => v >= b.lo - 1e-9 && v < b.hi - 1e-9);
      assert.equal(holding.length, 1, `${v} in ${JSON.stringify(bins)}`);
    }
  }));
  assert.deepEqual(histogram([1, 1.5, -0.2], 0.5).map((b) => [b.lo, b.count]), [[-0.5, 1], [0, 0], [0.5, 0], [1, 1], [1.5, 1]]);
});

test('excursion points: closed trades with both MAE and MFE', () => {
  assert.deepEqual(excursionPoints([
    trade('a', '2015-12-24T11:00:00-05:00', 5, { mae: -10, mfe: 20 }),
    trade('b', '2015-12-24T12:00:00-05:00', 5, { mae: null, mfe: 20 }),
    trade('c', null, 0, { mae: -1, mfe: 1 }),
  ]), [{ id: 'a', mae: -10, mfe: 20, pnl: 5 }]);
});
