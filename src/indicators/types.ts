/** The streaming contract every indicator keeps (see index.ts). */
import { InputError } from '../core/errors.js';
import type { Ohlcv } from '../core/types.js';

/** Any bar with a start: a 1-minute aggregate, a chart bar, a vendor daily bar. */
export interface IndicatorBar extends Ohlcv {
  /** Bucket start, epoch ms. */
  start: number;
}

export interface StreamingIndicator<T> {
  /** Feeds one bar (a repeated `start` revises the last one) and returns the value after it; null while warming up. */
  update(bar: IndicatorBar): T | null;
  /** The value after the last bar, null while warming up. */
  value(): T | null;
}

/** Runs a fresh indicator over `bars` and returns its value after each one (same length). */
export function batch<T>(make: () => StreamingIndicator<T>, bars: readonly IndicatorBar[]): Array<T | null> {
  const ind = make();
  return bars.map((b) => ind.update(b));
}

/** The final value of a fresh indicator over `bars` (null when still warming up). */
export function lastValue<T>(make: () => StreamingIndicator<T>, bars: readonly IndicatorBar[]): T | null {
  const ind = make();
  let v: T | null = null;
  for (const b of bars) v = ind.update(b);
  return v;
}

/**
 * Orders updates: tells a new bar from a revision of the last one, and refuses going back
 * in time (a stream that does that is broken; silently accepting it would corrupt values).
 */
export class BarOrder {
  private last = -Infinity;

  /** True when `start` revises the previous bar. */
  isRevision(start: number): boolean {
    if (!Number.isFinite(start)) throw new InputError('bar.start', `must be epoch milliseconds, got ${String(start)}`);
    if (start < this.last) throw new InputError('bar.start', `${start} is older than the last bar (${this.last}); indicators only move forward`);
    const revision = start === this.last;
    this.last = start;
    return revision;
  }
}

export function checkPeriod(name: string, period: number): void {
  if (!Number.isInteger(period) || period < 1 || period > 10_000) throw new InputError(name, `must be a whole number of bars from 1 to 10000, got ${String(period)}`);
}
