/**
 * Day blocks of stored 1-minute bars for the backtester: one session's regular minutes at a
 * time in reused typed arrays, so a ten-year run holds one day of bars, never years of objects.
 *
 * Read path: the store's per-day packed minute blocks (src/store/minute-columns.ts), viewed
 * in place; constructed sessions in tests use ArrayDaySource over plain bars.
 */
import { existsSync } from 'node:fs';
import type { Session } from '../calendar/index.js';
import { InputError } from '../core/errors.js';
import type { MinuteAggregate, OhlcvColumns } from '../core/types.js';
import { openStore, type SqliteMarketStore } from '../store/index.js';
import type { RecordedOptionData } from '../options/sources/recorded.js';

export interface DaySource {
  /** Calls `fn` for each session (ascending) that has at least one regular minute of `symbol`. */
  forEachDay(symbol: string, sessions: readonly Session[], fn: (day: DayColumns) => void): void;
  /** Recorded option quotes for options mode (none: MODEL quotes). */
  optionData?(): RecordedOptionData | null;
  close(): void;
}

/** One session's regular-hours minutes (`n` of them, ascending) as columns. Valid during the callback only: copy what you keep. */
export interface DayColumns extends OhlcvColumns {
  session: Session;
  n: number;
}

/** A day's columns from bars (constructed sessions in tests, in-memory copies). */
export function dayColumns(session: Session, bars: readonly Pick<MinuteAggregate, 'start' | 'open' | 'high' | 'low' | 'close' | 'volume'>[]): DayColumns {
  const col = (f: 'start' | 'open' | 'high' | 'low' | 'close' | 'volume') => Float64Array.from(bars, (b) => b[f]);
  return { session, n: bars.length, start: col('start'), open: col('open'), high: col('high'), low: col('low'), close: col('close'), volume: col('volume') };
}

/** A copy of a day that outlives its callback. */
export function copyDay(d: DayColumns): DayColumns {
  return {
    session: d.session, n: d.n,
    start: d.start.slice(0, d.n), open: d.open.slice(0, d.n), high: d.high.slice(0, d.n),
    low: d.low.slice(0, d.n), close: d.close.slice(0, d.n), volume: d.volume.slice(0, d.n),
  };
}

/**
 * Day blocks from the store's packed per-day minute columns (src/store/minute-columns.ts:
 * one BLOB per symbol-day, copied with memcpy), one regular session at a time. The first read
 * of a freshly imported day packs its block and writes it back, so later runs only copy.
 */
export class SqliteDaySource implements DaySource {
  private readonly store: SqliteMarketStore;

  constructor(path: string) {
    if (!existsSync(path)) throw new InputError('--db', `cannot open ${path}: no such file (import data with optdesk import)`);
    try {
      this.store = openStore(path);
    } catch (e) {
      throw new InputError('--db', `${path} is not an optdesk database (${(e as Error).message}); import data with optdesk import`);
    }
  }

  forEachDay(symbol: string, sessions: readonly Session[], fn: (day: DayColumns) => void): void {
    for (const s of sessions) {
      this.store.forEachMinuteDay(symbol, s.open, s.close, (d) => {
        if (d.length > 0) fn({ session: s, n: d.length, start: d.start, open: d.open, high: d.high, low: d.low, close: d.close, volume: d.volume });
      });
    }
  }

  optionData(): RecordedOptionData {
    return this.store;
  }

  /** The bare read loop the benchmark compares against: the same day blocks, nothing done with them. */
  countRows(symbol: string, sessions: readonly Session[]): number {
    let n = 0;
    this.forEachDay(symbol, sessions, (d) => {
      n += d.n;
    });
    return n;
  }

  close(): void {
    this.store.close();
  }
}

/** Day blocks from bars in memory (tests, constructed sessions). Bars outside regular hours are left out. */
export class ArrayDaySource implements DaySource {
  constructor(private readonly bars: readonly MinuteAggregate[]) {}

  forEachDay(symbol: string, sessions: readonly Session[], fn: (day: DayColumns) => void): void {
    const mine = this.bars.filter((b) => b.symbol === symbol).sort((a, b) => a.start - b.start);
    for (const s of sessions) {
      const day = mine.filter((m) => m.start >= s.open && m.start < s.close);
      if (day.length > 0) fn(dayColumns(s, day));
    }
  }

  close(): void {}
}
