/**
 * Benchmark input: the real SPY/AIG/BAC minutes of 2013-10-04..11 (04:00–20:00), and the
 * same six sessions replayed onto the following trading sessions for larger inputs.
 */
import type { MinuteAggregate } from '../src/core/types.js';
import { nyDate, sessionOn, sessionsBetween } from '../src/calendar/index.js';
import { readAggregates, stockMinuteFile, SPY_OCT_2013 } from '../test/helpers/data.js';

export function realMinutes(): MinuteAggregate[] {
  return SPY_OCT_2013.flatMap((d) => readAggregates(stockMinuteFile(d))).sort((a, b) => a.start - b.start || (a.symbol < b.symbol ? -1 : 1));
}

/**
 * The real sessions replayed `times` times onto consecutive trading sessions, each minute
 * moved by the difference of the session opens so every bar stays session-aligned (minutes
 * that land past an early close's 17:00 fall outside the session).
 */
export function scaled(real: MinuteAggregate[], times: number): MinuteAggregate[] {
  if (times === 1) return real;
  const sources = SPY_OCT_2013.map((d) => sessionOn(d)!);
  const targets = sessionsBetween('2013-10-04', '2035-12-31').slice(0, sources.length * times);
  const byDay = new Map<string, MinuteAggregate[]>();
  for (const m of real) {
    const d = nyDate(m.start);
    if (!byDay.has(d)) byDay.set(d, []);
    byDay.get(d)!.push(m);
  }
  const out: MinuteAggregate[] = [];
  targets.forEach((target, n) => {
    const source = sources[n % sources.length]!;
    const shift = target.open - source.open;
    for (const m of byDay.get(source.date) ?? []) out.push({ ...m, start: m.start + shift });
  });
  return out;
}
