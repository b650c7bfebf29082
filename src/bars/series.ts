/**
 * One bar series (symbol, timeframe, extended?) as subscribers see it: bars by start,
 * read in ascending order, and a sequence number that increases by one per change.
 *
 * Appends (the live case) are O(1). An insert before the last bar (history arriving
 * after live) only marks the order dirty; the next read sorts once, so a backfill of
 * n bars costs O(n log n) instead of O(n²) splices. Bars are shared with subscribers:
 * treat them as immutable. The one exception is a bar nobody has seen (`isUnseen`: stored
 * with `put(bar, false)`, not sent to a listener, not returned by a read since): the engine
 * updates that one in place rather than allocate a daily and a weekly bar per minute.
 */
import { type Bar, MINUTE_MS } from '../core/types.js';
// Module-local copies of hot-path imports: tsx's transpiled ESM reads imported bindings through
// getters, which showed up in the bar-engine profile.
const MINUTE = MINUTE_MS;

export class BarSeries {
  private readonly byStart = new Map<number, Bar>();
  private ordered: Bar[] = [];
  private orderDirty = false;
  private seqNo = 0;
  /** The last bar stored with `seen` false, until a read hands bars out. */
  private unseen: Bar | undefined;

  get seq(): number {
    return this.seqNo;
  }

  get size(): number {
    return this.byStart.size;
  }

  get(start: number): Bar | undefined {
    return this.byStart.get(start / MINUTE);
  }

  /**
   * Stores `bar` and returns the new seq. Caller guarantees the bar actually changed.
   * `seen` false: nobody outside the engine got this object (no listener), so until a read
   * returns it the engine may update it in place (see `isUnseen`).
   */
  put(bar: Bar, seen = true): number {
    this.unseen = seen ? undefined : bar;
    // Keyed by minute number: small integers hash far faster than epoch-ms doubles.
    const k = bar.start / MINUTE;
    const existed = this.byStart.has(k);
    this.byStart.set(k, bar);
    if (!existed) {
      const last = this.ordered[this.ordered.length - 1];
      if (!this.orderDirty && (!last || bar.start > last.start)) this.ordered.push(bar);
      else this.orderDirty = true;
    } else if (!this.orderDirty) {
      // Replace in place: the forming bar is almost always the last one; a late re-send of an
      // earlier bar (AM re-sends come up to ~15 minutes later) is found by binary search
      // rather than re-sorting the whole series on the next read.
      const lastIndex = this.ordered.length - 1;
      if (this.ordered[lastIndex]?.start === bar.start) this.ordered[lastIndex] = bar;
      else this.ordered[this.indexOf(bar.start)] = bar;
    }
    return ++this.seqNo;
  }

  /** Index of the bar starting at `start` in `ordered` (which must be clean and hold it). */
  private indexOf(start: number): number {
    let lo = 0;
    let hi = this.ordered.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ordered[mid]!.start < start) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** True when `bar` is stored and has not been handed out since (`put(bar, false)`): safe to update in place. */
  isUnseen(bar: Bar): boolean {
    return this.unseen === bar;
  }

  /** Bars ascending by start (a fresh array the caller may keep). */
  bars(fromMs = -Infinity, toMs = Infinity): Bar[] {
    this.unseen = undefined;
    if (this.orderDirty) {
      this.ordered = [...this.byStart.values()].sort((a, b) => a.start - b.start);
      this.orderDirty = false;
    }
    if (fromMs === -Infinity && toMs === Infinity) return this.ordered.slice();
    return this.ordered.filter((b) => b.start >= fromMs && b.start < toMs);
  }

  last(): Bar | undefined {
    this.unseen = undefined;
    if (this.orderDirty) this.bars();
    return this.ordered[this.ordered.length - 1];
  }
}
