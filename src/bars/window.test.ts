/**
 * The engine's window (`maxMinutes`): memory stays bounded on long histories, and what it
 * drops follows the documented contract — whole weeks of the oldest minutes go, their
 * intraday bars are no longer served, older input is refused and counted, daily and weekly
 * bars stay, and everything inside the window is exactly what a fresh engine builds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BarEngine } from './index.js';
import type { MinuteAggregate } from '../core/types.js';
import { nyDate, nyMidnight, sessionOn, sessionsBetween, weekStartDate } from '../calendar/index.js';
import { readAggregates, stockMinuteFile, SPY_OCT_2013 } from '../../test/helpers/data.js';

/** The six real SPY sessions replayed onto the trading sessions from 2013-10-04 on, `times` times. */
function spyWeeks(times: number): MinuteAggregate[] {
  const sources = SPY_OCT_2013.map((d) => sessionOn(d)!);
  const byDay = new Map(SPY_OCT_2013.map((d) => [d, readAggregates(stockMinuteFile(d), 'SPY')]));
  return sessionsBetween('2013-10-04', '2014-12-31').slice(0, 6 * times).flatMap((target, n) => {
    const source = sources[n % 6]!;
    return byDay.get(source.date)!.map((m) => ({ ...m, start: m.start + target.open - source.open }));
  });
}

test('a long history keeps at most maxMinutes per symbol, dropping whole old weeks by the stated contract', () => {
  const minutes = spyWeeks(4); // ~23k minutes
  const engine = new BarEngine({ clock: Date.UTC(2030, 0, 1), maxMinutes: 10_000 });
  for (const m of minutes) engine.applyMinute(m, 'history');

  const count = engine.minuteCount('SPY');
  assert.ok(count <= 10_000, `kept ${count}`);
  assert.equal(engine.stats().evicted, minutes.length - count);
  const ones = engine.series('SPY', '1m', true);
  assert.equal(ones.length, count);
  const horizon = ones[0]!.start;
  const firstKept = nyMidnight(weekStartDate(nyDate(horizon)));
  assert.ok(minutes.every((m) => m.start >= firstKept || m.start < horizon), 'the cut is at a Monday 00:00: no minute of the first kept week was dropped');
  assert.ok(minutes.some((m) => m.start < horizon));

  // Inside the window: exactly what a fresh engine builds from the same minutes.
  const fresh = new BarEngine({ clock: Date.UTC(2030, 0, 1) });
  for (const m of minutes) if (m.start >= horizon) fresh.applyMinute(m, 'history');
  for (const tf of ['1m', '5m', '1h', '4h'] as const) {
    for (const extended of [false, true]) assert.deepEqual(engine.series('SPY', tf, extended), fresh.series('SPY', tf, extended), `${tf} ${extended}`);
  }
  // Daily and weekly bars of the dropped weeks stay (one per session: cheap).
  const dailies = engine.series('SPY', '1D');
  assert.equal(dailies.length, new Set(minutes.map((m) => nyDate(m.start))).size);
  assert.ok(dailies[0]!.start < horizon);
  assert.ok(engine.series('SPY', '1W')[0]!.start < horizon);

  // Older input is refused and counted, never half-applied.
  const old = minutes[0]!;
  assert.equal(engine.applyMinute({ ...old, volume: old.volume + 1 }, 'live'), false);
  assert.equal(engine.stats().beforeWindow, 1);
  assert.equal(engine.minuteCount('SPY'), count);
});
