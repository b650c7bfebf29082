/**
 * Incremental aggregation of 1-minute bars into one bucket (a 5m, 1h, 1D … bar).
 *
 * The fast path is O(1): a new minute, or a forming minute that only grows (higher high,
 * lower low, more volume), updates the running aggregate directly. Only when a minute is
 * *replaced* by one that shrinks an extreme (a provider correction) do we recompute from
 * the bucket's own minutes — bounded by the bucket size (≤ 390 for a day), never the series.
 */
import type { Bar } from '../core/types.js';

export interface MinuteValues {
  start: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  vwap?: number;
  trades?: number;
}

export class BucketAggregate {
  open = 0;
  high = -Infinity;
  low = Infinity;
  close = 0;
  volume = 0;
  /** Σ vwap·volume over minutes that carry a vwap; vwap is reported only when all do. */
  private vwapNotional = 0;
  private minutesWithoutVwap = 0;
  private tradeCount = 0;
  private minutesWithoutTrades = 0;
  private firstStart = Infinity;
  private lastStart = -Infinity;
  /** The bucket's minutes by start, for the rare recompute after a shrinking correction. */
  private readonly minutes = new Map<number, MinuteValues>();

  constructor(readonly start: number, readonly end: number) {}

  get size(): number {
    return this.minutes.size;
  }

  /** Insert or replace the minute at `m.start`. */
  upsert(m: MinuteValues): void {
    const old = this.minutes.get(m.start);
    this.minutes.set(m.start, m);
    if (!old) {
      this.addToTotals(m, 1);
      this.extendExtremes(m);
      return;
    }
    if (m.high >= old.high && m.low <= old.low) {
      this.addToTotals(old, -1);
      this.addToTotals(m, 1);
      this.extendExtremes(m);
      return;
    }
    this.recompute();
  }

  remove(start: number): void {
    if (this.minutes.delete(start)) this.recompute();
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
    if (this.minutesWithoutVwap === 0 && this.volume > 0) bar.vwap = this.vwapNotional / this.volume;
    if (this.minutesWithoutTrades === 0) bar.trades = this.tradeCount;
    return Object.freeze(bar);
  }

  private addToTotals(m: MinuteValues, sign: 1 | -1): void {
    this.volume += sign * m.volume;
    if (m.vwap === undefined) this.minutesWithoutVwap += sign;
    else this.vwapNotional += sign * m.vwap * m.volume;
    if (m.trades === undefined) this.minutesWithoutTrades += sign;
    else this.tradeCount += sign * m.trades;
  }

  /** Applies `m`'s extremes and, if it is the first/last minute, its open/close. */
  private extendExtremes(m: MinuteValues): void {
    if (m.high > this.high) this.high = m.high;
    if (m.low < this.low) this.low = m.low;
    if (m.start <= this.firstStart) {
      this.firstStart = m.start;
      this.open = m.open;
    }
    if (m.start >= this.lastStart) {
      this.lastStart = m.start;
      this.close = m.close;
    }
  }

  private recompute(): void {
    this.high = -Infinity;
    this.low = Infinity;
    this.volume = 0;
    this.vwapNotional = 0;
    this.minutesWithoutVwap = 0;
    this.tradeCount = 0;
    this.minutesWithoutTrades = 0;
    this.firstStart = Infinity;
    this.lastStart = -Infinity;
    for (const m of this.minutes.values()) {
      this.addToTotals(m, 1);
      this.extendExtremes(m);
    }
  }
}
