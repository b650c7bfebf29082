/**
 * Sanity checks on an incoming aggregate. A bad one is rejected with a reason (counted
 * and reported by the engine), never thrown out of a feed handler and never stored.
 */
import type { MinuteAggregate } from '../core/types.js';

/** Returns why `a` is unusable, or null when it is a valid bar. */
export function invalidAggregateReason(a: MinuteAggregate): string | null {
  if (typeof a.symbol !== 'string' || a.symbol.length === 0) return 'symbol is missing';
  if (!Number.isFinite(a.start)) return 'start is not a finite timestamp';
  for (const field of ['open', 'high', 'low', 'close'] as const) {
    const v = a[field];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) return `${field} must be a positive number (got ${String(v)})`;
  }
  if (typeof a.volume !== 'number' || !Number.isFinite(a.volume) || a.volume < 0) {
    return `volume must be a non-negative number (got ${String(a.volume)})`;
  }
  if (a.high < a.low) return `high ${a.high} is below low ${a.low}`;
  // Real feeds occasionally print open/close a hair outside high/low after rounding;
  // anything beyond a part in a million is a broken bar.
  const tolerance = a.high * 1e-6;
  if (a.open > a.high + tolerance || a.open < a.low - tolerance) return `open ${a.open} is outside low–high ${a.low}–${a.high}`;
  if (a.close > a.high + tolerance || a.close < a.low - tolerance) return `close ${a.close} is outside low–high ${a.low}–${a.high}`;
  return null;
}
