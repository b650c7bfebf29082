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
import type { MinuteAggregate } from '../core/types.js';
import { openStore, type SqliteMarketStore } from '../store/index.js';

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
