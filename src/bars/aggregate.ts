/**
 * Incremental aggregation of 1-minute bars into one bucket (a 5m, 1h, 1D … bar).
 *
 * The fast path is O(1): a new minute, or a minute replaced by one that only grows (higher
 * high, lower low, more volume — the forming bar), updates the running totals directly.
 * Only when a replacement *shrinks* an extreme (a provider correction of a bad print) do we
 * recompute, visiting the bucket's own minutes — bounded by the bucket size (≤ 390 for a
 * day), never the series. The bucket does not keep its minutes: the caller owns them and
 * supplies a visitor, so memory stays one set of minutes per symbol, not one per timeframe.
 */
import type { Bar, Ohlcv } from '../core/types.js';

/** Fixed-point scale of the vwap notional: 1/10 000 dollar, finer than any quoted vwap. */
const VWAP_SCALE = 10_000;

/** One member of a bucket: a 1-minute bar (or a daily bar inside a week). */
export interface MinuteValues extends Ohlcv {
  start: number;
}

/** Calls `visit` for every minute currently inside the bucket. */
export type BucketMembers = (visit: (m: MinuteValues) => void) => void;

export class BucketAggregate {
  open = 0;
  high = -Infinity;
  low = Infinity;
  close = 0;
  volume = 0;
  /**
   * Σ vwap·volume over minutes that carry a vwap, in whole units of 1/VWAP_SCALE dollar; vwap is
   * reported only when all do. Whole numbers add exactly (below 2^53 units ≈ $900 billion per bar),
   * so the vwap does not depend on the order minutes arrived in, nor drift as re-sends replace them.
   */
  private vwapNotional = 0;
  private minutesWithoutVwap = 0;
  private tradeCount = 0;
  private minutesWithoutTrades = 0;
  private firstStart = Infinity;
  private lastStart = -Infinity;

  constructor(readonly start: number, readonly end: number) {}

  /**
   * `m` is new in the bucket (`old` undefined) or replaces `old` (same start). Returns true
   * when the replacement shrank an extreme and the caller must `recompute` from the
   * bucket's members (kept out of this call so the fast path allocates nothing).
   */
  upsert(m: MinuteValues, old: MinuteValues | undefined): boolean {
    if (!old) {
      this.addToTotals(m, 1);
      this.extendExtremes(m);
      return false;
    }
    if (m.high >= old.high && m.low <= old.low) {
      this.addToTotals(old, -1);
      this.addToTotals(m, 1);
      this.extendExtremes(m);
      return false;
    }
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
    if (this.minutesWithoutVwap === 0 && this.volume > 0) bar.vwap = this.vwapNotional / VWAP_SCALE / this.volume;
    if (this.minutesWithoutTrades === 0) bar.trades = this.tradeCount;
    return bar;
  }

  private addToTotals(m: MinuteValues, sign: 1 | -1): void {
    this.volume += sign * m.volume;
    if (m.vwap === undefined) this.minutesWithoutVwap += sign;
    else this.vwapNotional += sign * Math.round(m.vwap * m.volume * VWAP_SCALE);
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

  /** Rebuilds the totals from `members`, which must already reflect the latest upsert. */
  recompute(members: BucketMembers): void {
    this.high = -Infinity;
    this.low = Infinity;
    this.volume = 0;
    this.vwapNotional = 0;
    this.minutesWithoutVwap = 0;
    this.tradeCount = 0;
    this.minutesWithoutTrades = 0;
    this.firstStart = Infinity;
    this.lastStart = -Infinity;
    members((m) => {
      this.addToTotals(m, 1);
      this.extendExtremes(m);
    });
  }
}
