/**
 * Data warnings for a report: bad ticks (src/bars/integrity, the same rule `optdesk check`
 * uses) in the minutes a trade was open, so a fill on a bad print (SPY 2013-10-08 15:03 and
 * 15:36) is pointed out instead of silently counted. Only the days with trades are re-read.
 */
import { findMinuteBadTicks } from '../bars/integrity.js';
import { formatNyIso, sessionOn } from '../calendar/index.js';
import type { MinuteAggregate } from '../core/types.js';
import type { DaySource } from './minutes.js';
import type { TradeRecord } from './runner.js';

export interface DataWarning {
  /** The minute, ISO-8601 New York. */
  time: string;
  detail: string;
  /** Entry time of the trade that was open. */
  trade: string;
}

export function tradeDataWarnings(source: DaySource, symbol: string, trades: readonly TradeRecord[]): DataWarning[] {
  const byDate = new Map<string, TradeRecord[]>();
  for (const t of trades) {
    const date = formatNyIso(t.entryTime).slice(0, 10);
    byDate.set(date, [...(byDate.get(date) ?? []), t]);
  }
  const sessions = [...byDate.keys()].map((d) => sessionOn(d)!).filter(Boolean);
  const out: DataWarning[] = [];
  source.forEachDay(symbol, sessions, (day) => {
    const minutes: MinuteAggregate[] = [];
    for (let i = 0; i < day.n; i++) minutes.push({ symbol, start: day.start[i]!, open: day.open[i]!, high: day.high[i]!, low: day.low[i]!, close: day.close[i]!, volume: day.volume[i]! });
    const ticks = findMinuteBadTicks(minutes);
    if (!ticks.length) return;
    // A tick names its minute by New York wall time (HH:MM); map it back to the minute's start.
    const startAt = new Map(minutes.map((m) => [formatNyIso(m.start).slice(11, 16), m.start]));
    for (const tick of ticks) {
      const at = startAt.get(tick.time ?? '');
      if (at === undefined) continue;
      const open = byDate.get(day.session.date)!.find((t) => at >= t.entryTime && at <= t.exitTime);
      if (open) out.push({ time: formatNyIso(at), detail: `bad tick (${tick.kind}): ${tick.detail}`, trade: formatNyIso(open.entryTime) });
    }
  });
  return out;
}
