/**
 * The engine's storage: one symbol's 1-minute bars as parallel typed arrays, ascending by
 * start, plus `Tally`, the running totals of one bucket (a 5m, 1h … bar) over those minutes.
 *
 * Why columns: a minute costs 73 bytes here (nine Float64 columns and a flag byte) instead
 * of the ~1.6 kB of objects and map entries per minute the object engine kept, and scans
 * (a derived series, a bucket recompute) read contiguous memory. Derived intraday bars are
 * not stored at all: they are computed from these minutes when read, and the engine keeps
 * only the forming bucket's totals per timeframe (its `Tally` cursor).
 *
 * Missing values: `vwap` and `trades` hold NaN when the input had none (quiet minutes are
 * simply absent, never zero-filled).
 */
import type { Bar, OhlcvColumns } from '../core/types.js';

/** Flag bits of a minute. */
export const FROM_HISTORY = 1; // origin 'history' (else 'live')
export const PARTIAL = 2; // built from trades / second aggregates, not a complete aggregate
export const SEGMENT_SHIFT = 2; // bits 2–3: 0 pre-market, 1 regular, 2 after-hours
export const SEG_PRE = 0;
export const SEG_REGULAR = 1;
export const SEG_POST = 2;

/** Fixed-point scale of the vwap notional: 1/10 000 dollar, finer than any quoted vwap. */
export const VWAP_SCALE = 10_000;

const INITIAL_CAPACITY = 256;

export class MinuteColumns implements OhlcvColumns {
  length = 0;
  start: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  /** NaN: no vwap. */
  vwap: Float64Array;
  /** NaN: no trade count. */
  trades: Float64Array;
  /** Engine version of the last live change (0: none), for the history-vs-live race. */
  version: Float64Array;
  flags: Uint8Array;

  constructor(capacity = INITIAL_CAPACITY) {
    this.start = new Float64Array(capacity);
    this.open = new Float64Array(capacity);
    this.high = new Float64Array(capacity);
    this.low = new Float64Array(capacity);
    this.close = new Float64Array(capacity);
    this.volume = new Float64Array(capacity);
    this.vwap = new Float64Array(capacity);
    this.trades = new Float64Array(capacity);
    this.version = new Float64Array(capacity);
    this.flags = new Uint8Array(capacity);
  }

  get capacity(): number {
    return this.start.length;
  }

  /** Bytes held by the arrays (capacity, not just length). */
  get bytes(): number {
    return this.capacity * (9 * 8 + 1);
  }

  lastStart(): number {
    return this.length > 0 ? this.start[this.length - 1]! : -Infinity;
  }

  /** First index whose start is ≥ `t` (length when none). */
  lowerBound(t: number): number {
    const s = this.start;
    let lo = 0;
    let hi = this.length;
    // The live case asks about the newest minutes: check the tail before bisecting.
    if (hi > 0 && s[hi - 1]! < t) return hi;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the minute starting at `t`, or -1. */
  indexOf(t: number): number {
    const n = this.length;
    if (n > 0 && this.start[n - 1] === t) return n - 1;
    const i = this.lowerBound(t);
    return i < n && this.start[i] === t ? i : -1;
  }

  /** Opens a slot at `i` (shifting later minutes up) and returns it; the caller fills every column. */
  insertAt(i: number): number {
    if (this.length === this.capacity) this.grow();
    const n = this.length;
    if (i < n) {
      for (const col of this.columns()) col.copyWithin(i + 1, i, n);
    }
    this.length = n + 1;
    return i;
  }

  set(i: number, start: number, open: number, high: number, low: number, close: number, volume: number, vwap: number, trades: number, version: number, flags: number): void {
    this.start[i] = start;
    this.open[i] = open;
    this.high[i] = high;
    this.low[i] = low;
    this.close[i] = close;
    this.volume[i] = volume;
    this.vwap[i] = vwap;
    this.trades[i] = trades;
    this.version[i] = version;
    this.flags[i] = flags;
  }

  /** Forgets the first `n` minutes (the engine's window moved past them). */
  dropFront(n: number): void {
    if (n <= 0) return;
    const len = this.length;
    for (const col of this.columns()) col.copyWithin(0, n, len);
    this.length = Math.max(0, len - n);
  }

  private columns(): (Float64Array | Uint8Array)[] {
    return [this.start, this.open, this.high, this.low, this.close, this.volume, this.vwap, this.trades, this.version, this.flags];
  }

  /** Grows by half: a long history wastes at most a third of its arrays, not half. */
  private grow(): void {
    const cap = Math.max(INITIAL_CAPACITY, Math.ceil(this.capacity * 1.5));
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(cap);
      b.set(a.subarray(0, this.length));
      return b;
    };
    this.start = f64(this.start);
    this.open = f64(this.open);
    this.high = f64(this.high);
    this.low = f64(this.low);
    this.close = f64(this.close);
    this.volume = f64(this.volume);
    this.vwap = f64(this.vwap);
    this.trades = f64(this.trades);
    this.version = f64(this.version);
    const flags = new Uint8Array(cap);
    flags.set(this.flags.subarray(0, this.length));
    this.flags = flags;
  }
}

/** The vwap notional a minute contributes, in whole 1/VWAP_SCALE dollars (exact sums in any order). */
function notionalOf(vwap: number, volume: number): number {
  return Math.round(vwap * volume * VWAP_SCALE);
}

/**
 * Running totals of one bucket (a forming intraday bar, a session's daily bar, a week of
 * daily bars). Whole-number notional and counts add and subtract exactly, so the totals do
 * not depend on the order members arrived in, nor drift as re-sends replace them: the vwap
 * is Σ round(vwap·volume·VWAP_SCALE) / VWAP_SCALE / Σ volume, reported only when every
 * member has one (below 2^53 units ≈ $900 billion per bar).
 */
export class Tally {
  start = 0;
  /** Exclusive end: the bar is final once the clock reaches it. */
  end = 0;
  count = 0;
  open = 0;
  high = -Infinity;
  low = Infinity;
  close = 0;
  volume = 0;
  notional = 0;
  noVwap = 0;
  trades = 0;
  noTrades = 0;
  firstStart = Infinity;
  lastStart = -Infinity;

  reset(start: number, end: number): void {
    this.start = start;
    this.end = end;
    this.count = 0;
    this.open = 0;
    this.high = -Infinity;
    this.low = Infinity;
    this.close = 0;
    this.volume = 0;
    this.notional = 0;
    this.noVwap = 0;
    this.trades = 0;
    this.noTrades = 0;
    this.firstStart = Infinity;
    this.lastStart = -Infinity;
  }

  copyFrom(o: Tally): void {
    this.start = o.start;
    this.end = o.end;
    this.count = o.count;
    this.open = o.open;
    this.high = o.high;
    this.low = o.low;
    this.close = o.close;
    this.volume = o.volume;
    this.notional = o.notional;
    this.noVwap = o.noVwap;
    this.trades = o.trades;
    this.noTrades = o.noTrades;
    this.firstStart = o.firstStart;
    this.lastStart = o.lastStart;
  }

  /** Adds minute `i` of `c`. */
  add(c: MinuteColumns, i: number): void {
    this.addValues(c.start[i]!, c.open[i]!, c.high[i]!, c.low[i]!, c.close[i]!, c.volume[i]!, c.vwap[i]!, c.trades[i]!);
  }

  addValues(start: number, open: number, high: number, low: number, close: number, volume: number, vwap: number, trades: number): void {
    this.count++;
    this.volume += volume;
    if (vwap === vwap) this.notional += notionalOf(vwap, volume);
    else this.noVwap++;
    if (trades === trades) this.trades += trades;
    else this.noTrades++;
    if (high > this.high) this.high = high;
    if (low < this.low) this.low = low;
    if (start <= this.firstStart) {
      this.firstStart = start;
      this.open = open;
    }
    if (start >= this.lastStart) {
      this.lastStart = start;
      this.close = close;
    }
  }

  /**
   * Replaces a member's values in O(1) when that is exact: the new minute only widens the
   * range (high not lower, low not higher) and carries vwap/trades the same way. Returns
   * false when the caller must recompute from the members (a correction that shrank).
   */
  replaceValues(start: number, old: MinuteSnapshot, open: number, high: number, low: number, close: number, volume: number, vwap: number, trades: number): boolean {
    if (!(high >= old.high && low <= old.low)) return false;
    if ((vwap === vwap) !== (old.vwap === old.vwap) || (trades === trades) !== (old.trades === old.trades)) return false;
    this.volume += volume - old.volume;
    if (vwap === vwap) this.notional += notionalOf(vwap, volume) - notionalOf(old.vwap, old.volume);
    if (trades === trades) this.trades += trades - old.trades;
    if (high > this.high) this.high = high;
    if (low < this.low) this.low = low;
    if (start === this.firstStart) this.open = open;
    if (start === this.lastStart) this.close = close;
    return true;
  }

  /** Totals of the minutes of `c` in [from, to), scanning from index `i0` (a lower bound of `from`). */
  fill(c: MinuteColumns, from: number, to: number, start: number, end: number, i0 = c.lowerBound(from)): void {
    this.reset(start, end);
    const s = c.start;
    for (let i = i0; i < c.length && s[i]! < to; i++) this.add(c, i);
  }

  vwapOut(): number | undefined {
    return this.noVwap === 0 && this.volume > 0 ? this.notional / VWAP_SCALE / this.volume : undefined;
  }

  /** Same published bar (given the same closed flag and source)? */
  sameAs(o: Tally): boolean {
    return this.count > 0 && o.count > 0 && this.open === o.open && this.high === o.high && this.low === o.low &&
      this.close === o.close && this.volume === o.volume && this.vwapOut() === o.vwapOut() &&
      (this.noTrades === 0 ? this.trades : -1) === (o.noTrades === 0 ? o.trades : -1);
  }

  /** Would `toBar(closed, 'derived')` equal `bar` (sameBar's fields)? Answers without building the bar. */
  matchesBar(bar: Bar, closed: boolean): boolean {
    return this.open === bar.open && this.high === bar.high && this.low === bar.low && this.close === bar.close &&
      this.volume === bar.volume && bar.closed === closed && bar.source === 'derived' && this.vwapOut() === bar.vwap &&
      (this.noTrades === 0 ? this.trades : undefined) === bar.trades;
  }

  /**
   * Writes `toBar(closed, 'derived')` into `bar` (a derived bar nobody outside the engine has
   * seen) when it has the same optional fields, so the object keeps its shape; false when it
   * does not, and the caller builds a new bar.
   */
  writeInto(bar: Bar, closed: boolean): boolean {
    const vwap = this.vwapOut();
    if ((vwap === undefined) !== (bar.vwap === undefined) || (this.noTrades === 0) !== (bar.trades !== undefined) || bar.source !== 'derived') return false;
    bar.open = this.open;
    bar.high = this.high;
    bar.low = this.low;
    bar.close = this.close;
    bar.volume = this.volume;
    bar.closed = closed;
    if (vwap !== undefined) bar.vwap = vwap;
    if (this.noTrades === 0) bar.trades = this.trades;
    return true;
  }

  toBar(closed: boolean, source: Bar['source']): Bar {
    const bar: Bar = {
      start: this.start,
      open: this.open,
      high: this.high,
      low: this.low,
      close: this.close,
      volume: this.volume,
      closed,
      source,
    };
    const vwap = this.vwapOut();
    if (vwap !== undefined) bar.vwap = vwap;
    if (this.noTrades === 0) bar.trades = this.trades;
    return bar;
  }
}

/** A minute's values copied out before they are overwritten. */
export class MinuteSnapshot {
  start = 0;
  open = 0;
  high = 0;
  low = 0;
  close = 0;
  volume = 0;
  vwap = NaN;
  trades = NaN;
  flags = 0;

  /** A published bar's values, as the member of a week it is. */
  fromBar(bar: Bar): this {
    this.start = bar.start;
    this.open = bar.open;
    this.high = bar.high;
    this.low = bar.low;
    this.close = bar.close;
    this.volume = bar.volume;
    this.vwap = bar.vwap ?? NaN;
    this.trades = bar.trades ?? NaN;
    this.flags = 0;
    return this;
  }

  load(c: MinuteColumns, i: number): this {
    this.start = c.start[i]!;
    this.open = c.open[i]!;
    this.high = c.high[i]!;
    this.low = c.low[i]!;
    this.close = c.close[i]!;
    this.volume = c.volume[i]!;
    this.vwap = c.vwap[i]!;
    this.trades = c.trades[i]!;
    this.flags = c.flags[i]!;
    return this;
  }
}
