/**
 * Day blocks of stored 1-minute bars for the backtester: one session's regular minutes at a
 * time in reused typed arrays, so a ten-year run holds one day of bars, never years of objects.
 *
 * Read path: better-sqlite3 `.raw()` rows of one range query per session (`.all()`: measured
 * ~30% faster than `.iterate()` here, and a day is at most 390 small arrays) copied into
 * preallocated Float64Arrays (our own read-only connection to the store's file). The
 * engine branch's bulk column reads (src/store/minute-columns.ts, per-day packed blocks)
 * are faster; when they land, `SqliteDaySource` becomes an adapter over them.
 */
import Database from 'better-sqlite3';
import type { Session } from '../calendar/index.js';
import { InputError } from '../core/errors.js';
import type { MinuteAggregate } from '../core/types.js';

export interface DaySource {
  /** Calls `fn` for each session (ascending) that has at least one regular minute of `symbol`. */
  forEachDay(symbol: string, sessions: readonly Session[], fn: (day: DayColumns) => void): void;
  close(): void;
}

const FIELDS = ['start', 'open', 'high', 'low', 'close', 'volume'] as const;

/** One session's regular-hours minutes (`n` of them, ascending) as columns. Reused: valid during the callback only. */
export type DayColumns = Pick<DayBuffer, 'session' | 'n' | (typeof FIELDS)[number]>;

/** A reusable day buffer; grows (rarely: a regular session has at most 390 minute starts). */
export class DayBuffer {
  session!: Session;
  n = 0;
  start: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;

  constructor(private capacity = 512) {
    this.start = new Float64Array(capacity);
    this.open = new Float64Array(capacity);
    this.high = new Float64Array(capacity);
    this.low = new Float64Array(capacity);
    this.close = new Float64Array(capacity);
    this.volume = new Float64Array(capacity);
  }

  reset(session: Session): void {
    this.session = session;
    this.n = 0;
  }

  push(start: number, open: number, high: number, low: number, close: number, volume: number): void {
    if (this.n === this.capacity) this.grow();
    const i = this.n++;
    this.start[i] = start;
    this.open[i] = open;
    this.high[i] = high;
    this.low[i] = low;
    this.close[i] = close;
    this.volume[i] = volume;
  }

  private grow(): void {
    this.capacity *= 2;
    for (const f of FIELDS) {
      const next = new Float64Array(this.capacity);
      next.set(this[f]);
      this[f] = next;
    }
  }
}

/** Reads day blocks from the SQLite store file (read-only connection). */
export class SqliteDaySource implements DaySource {
  private readonly db: Database.Database;
  private readonly range: Database.Statement;
  private readonly buffer = new DayBuffer();

  constructor(path: string) {
    try {
      this.db = new Database(path, { readonly: true, fileMustExist: true });
    } catch (e) {
      throw new InputError('--db', `cannot open ${path}: ${(e as Error).message}`);
    }
    try {
      this.range = this.db
        .prepare('SELECT start, open, high, low, close, volume FROM minute_bars WHERE symbol = ? AND start >= ? AND start < ? ORDER BY start')
        .raw();
    } catch (e) {
      this.db.close();
      throw new InputError('--db', `${path} is not an optdesk database (${(e as Error).message}); import data with optdesk import`);
    }
  }

  forEachDay(symbol: string, sessions: readonly Session[], fn: (day: DayColumns) => void): void {
    const b = this.buffer;
    for (const s of sessions) {
      b.reset(s);
      for (const r of this.range.all(symbol, s.open, s.close) as number[][]) b.push(r[0]!, r[1]!, r[2]!, r[3]!, r[4]!, r[5]!);
      if (b.n > 0) fn(b);
    }
  }

  /** The bare read loop the benchmark compares against: the same rows, nothing done with them. */
  countRows(symbol: string, sessions: readonly Session[]): number {
    let n = 0;
    this.forEachDay(symbol, sessions, (d) => {
      n += d.n;
    });
    return n;
  }

  close(): void {
    this.db.close();
  }
}

/** Day blocks from bars in memory (tests, constructed sessions). Bars outside regular hours are left out. */
export class ArrayDaySource implements DaySource {
  private readonly buffer = new DayBuffer();
  constructor(private readonly bars: readonly MinuteAggregate[]) {}

  forEachDay(symbol: string, sessions: readonly Session[], fn: (day: DayColumns) => void): void {
    const mine = this.bars.filter((b) => b.symbol === symbol).sort((a, b) => a.start - b.start);
    const b = this.buffer;
    let k = 0;
    for (const s of sessions) {
      b.reset(s);
      while (k < mine.length && mine[k]!.start < s.open) k++;
      while (k < mine.length && mine[k]!.start < s.close) {
        const m = mine[k++]!;
        b.push(m.start, m.open, m.high, m.low, m.close, m.volume);
      }
      if (b.n > 0) fn(b);
    }
  }

  close(): void {}
}
