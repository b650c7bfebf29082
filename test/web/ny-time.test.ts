/**
 * web/src/nyTime.ts feeds lightweight-charts New York wall-clock times. The offset is taken
 * per bar, so a range that crosses a DST switch keeps every session at 09:30 on its own date.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatChartClock, formatChartDate, nyDate, toChartTime } from '../../web/src/nyTime.js';

const shown = (iso: string) => {
  const t = toChartTime(Date.parse(iso));
  return `${formatChartDate(t)} ${formatChartClock(t)}`;
};

test('1h bars across the November 2013 fall-back stay at 09:30 / 15:30 New York', () => {
  assert.equal(shown('2013-11-01T13:30:00Z'), "Fri 1 Nov '13 09:30"); // EDT
  assert.equal(shown('2013-11-01T19:30:00Z'), "Fri 1 Nov '13 15:30");
  assert.equal(shown('2013-11-04T14:30:00Z'), "Mon 4 Nov '13 09:30"); // EST
  assert.equal(shown('2013-11-04T20:30:00Z'), "Mon 4 Nov '13 15:30");
});

test('bars across the March 2014 spring-forward, extended hours included', () => {
  assert.equal(shown('2014-03-07T09:00:00Z'), "Fri 7 Mar '14 04:00"); // EST pre-market
  assert.equal(shown('2014-03-10T08:00:00Z'), "Mon 10 Mar '14 04:00"); // EDT pre-market
  assert.equal(shown('2014-03-10T13:30:00Z'), "Mon 10 Mar '14 09:30");
  assert.equal(shown('2014-03-10T23:59:00Z'), "Mon 10 Mar '14 19:59");
});

test('daily bars (start = New York midnight) keep their date on both sides of a switch', () => {
  for (const [iso, date] of [
    ['2013-11-01T04:00:00Z', '2013-11-01'],
    ['2013-11-04T05:00:00Z', '2013-11-04'],
    ['2014-03-07T05:00:00Z', '2014-03-07'],
    ['2014-03-10T04:00:00Z', '2014-03-10'],
  ] as const) {
    const ms = Date.parse(iso);
    assert.equal(nyDate(ms), date);
    assert.equal(formatChartClock(toChartTime(ms)), '00:00');
  }
});

test('chart times are strictly increasing across both switches (setData needs ascending times)', () => {
  let prev = -Infinity;
  for (let ms = Date.parse('2013-11-01T04:00:00Z'); ms < Date.parse('2013-11-05T04:00:00Z'); ms += 60_000) {
    const d = new Date(ms + 0);
    // Skip the repeated 01:00–02:00 hour of the fall-back night: never inside a session.
    if (nyDate(ms) === '2013-11-03') continue;
    const t = toChartTime(ms);
    assert.ok(t > prev, `${d.toISOString()} → ${t} after ${prev}`);
    prev = t;
  }
});
