/**
 * The recorded data a replay can play, read from the store (src/store) — the one place
 * `optdesk import` and the server's first-run import write to, so whatever was imported
 * is what the replay plays.
 *
 * Nothing is cached here: every question is an indexed range read of the store (a
 * session of one symbol is ~1k rows), and an import running in another process shows up
 * on the next question instead of after a restart.
 */
import type { DailyAggregate, IsoDate, MinuteAggregate } from '../../core/types.js';
import { addDays, nyDate, nyMidnight } from '../../calendar/index.js';
import type { MarketStore } from '../../store/types.js';

export interface RecordedSession {
  date: IsoDate;
  /** Stock/ETF symbols with at least one minute bar that day, ascending. */
  symbols: string[];
}

/** `O:GOOG151224C00750000`: an option contract, whose minutes live in the option tables. */
export function isOptionTicker(symbol: string): boolean {
  return symbol.startsWith('O:');
}

export class ReplayCatalog {
  constructor(readonly store: MarketStore) {}

  /** Sessions with stock minute bars in the store, ascending by date. */
  sessions(): RecordedSession[] {
    return this.store.minuteSessions();
  }

  /** `symbol`'s minute bars (stock or `O:` option contract) in [fromMs, toMs), ascending. */
  minuteRange(symbol: string, fromMs: number, toMs: number): MinuteAggregate[] {
    return isOptionTicker(symbol) ? this.store.optionMinuteBars(symbol, fromMs, toMs) : this.store.minuteBars(symbol, fromMs, toMs);
  }

  /** Every minute bar `symbol` has on New York date `date` (pre-market to after-hours), ascending. */
  minutes(symbol: string, date: IsoDate): MinuteAggregate[] {
    return this.minuteRange(symbol, nyMidnight(date), nyMidnight(addDays(date, 1)));
  }

  /** The dates in [from, to] (inclusive) on which `symbol` has minute bars. */
  datesWithMinutes(symbol: string, from: IsoDate, to: IsoDate): Set<IsoDate> {
    if (!isOptionTicker(symbol)) return new Set(this.store.minuteDates(symbol, from, to));
    return new Set(this.minuteRange(symbol, nyMidnight(from), nyMidnight(addDays(to, 1))).map((m) => nyDate(m.start)));
  }

  /** Dates on which `symbol` has minute bars, ascending. */
  sessionsOf(symbol: string): IsoDate[] {
    if (!isOptionTicker(symbol)) return this.sessions().filter((s) => s.symbols.includes(symbol)).map((s) => s.date);
    return [...new Set(this.store.optionMinuteBars(symbol, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER).map((m) => nyDate(m.start)))];
  }

  /** Vendor daily bars of `symbol` in [fromMs, toMs), ascending. */
  daily(symbol: string, fromMs: number, toMs: number): DailyAggregate[] {
    return this.store.dailyBars(symbol, fromMs, toMs);
  }
}
