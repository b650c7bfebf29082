import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gapMarks, gapSentence } from '../../web/src/chart/gaps.js';
import { toChartTime } from '../../web/src/nyTime.js';
import { nyTimeToMs } from '../../src/calendar/index.js';
import type { SeriesCoverage, WireBar } from '../../src/wire/protocol.js';

const bar = (date: string, time = '09:30'): WireBar => {
  const start = nyTimeToMs(date, time);
  return { start, open: 1, high: 1, low: 1, close: 1, volume: 1, closed: true };
};

test('a gap is marked at the first bar after it; a gap at the end (no bar after) only in the sentence', () => {
  const coverage: SeriesCoverage = {
    from: '2013-10-03',
    to: '2013-10-10',
    missing: [
      { from: '2013-10-03', to: '2013-10-03', sessions: 1 },
      { from: '2013-10-08', to: '2013-10-09', sessions: 2 },
      { from: '2013-10-10', to: '2013-10-10', sessions: 1 },
    ],
  };
  const bars = [bar('2013-10-04'), bar('2013-10-04', '09:31'), bar('2013-10-07'), bar('2013-10-07', '15:59')];
  bars.push({ ...bar('2013-10-07'), start: bars[3]!.start + 60_000 });
  assert.deepEqual(gapMarks(bars, coverage), [{ time: toChartTime(bars[0]!.start), label: 'gap: 1 session' }]);
  const later = [...bars, bar('2013-10-10', '10:00')];
  coverage.missing.pop();
  assert.deepEqual(gapMarks(later, coverage).map((m) => m.time), [toChartTime(bars[0]!.start), toChartTime(later.at(-1)!.start)]);
  assert.equal(gapSentence(coverage), 'No recorded data for 2013-10-03 (1 session), 2013-10-08 – 2013-10-09 (2 sessions)');
  const many = { ...coverage, missing: ['03', '05', '07', '09', '11'].map((d) => ({ from: `2014-01-${d}`, to: `2014-01-${d}`, sessions: 2 })) };
  assert.match(gapSentence(many)!, /, 2014-01-07 \(2 sessions\) and 4 sessions more$/);
  assert.equal(gapSentence({ from: 'a', to: 'b', missing: [] }), null);
  assert.deepEqual(gapMarks(bars, undefined), []);
});
