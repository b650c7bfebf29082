/**
 * Sanity checks on an incoming aggregate. A bad one is rejected with a reason (counted
 * and reported by the engine), never thrown out of a feed handler and never stored.
 */
import type { MinuteAggregate } from '../core/types.js';
import { CALENDAR_FIRST_YEAR, CALENDAR_LAST_YEAR, nyMidnight } from '../calendar/index.js';

/** The calendar's range: outside it `sessionAt` throws, so such input must be refused here, not thrown from a feed handler. */
const FIRST_MS = nyMidnight(`${CALENDAR_FIRST_YEAR}-01-01`);
const END_MS = nyMidnight(`${CALENDAR_LAST_YEAR + 1}-01-01`);

/** Returns why `a` is unusable, or null when it is a valid bar. */
export function invalidAggregateReason(a: MinuteAggregate): string | null {
  if (typeof a.symbol !== 'string' || a.symbol.length === 0) return 'symbol is missing';
  if (typeof a.start !== 'number' || !Number.isFinite(a.start)) return 'start is not a finite timestamp';
  if (a.start < FIRST_MS || a.start >= END_MS) {
    return `start ${a.start} is outside the calendar's range ${CALENDAR_FIRST_YEAR}–${CALENDAR_LAST_YEAR}`;
  }
  // Unrolled: this runs for every input, and a loop over field names allocated on the hot path.
  if (!isPositive(a.open)) return `open must be a positive number (got ${String(a.open)})`;
  if (!isPositive(a.high)) return `high must be a positive number (got ${String(a.high)})`;
  if (!isPositive(a.low)) return `low must be a positive number (got ${String(a.low)})`;
  if (!isPositive(a.close)) return `close must be a positive number (got ${String(a.close)})`;
  if (typeof a.volume !== 'number' || !Number.isFinite(a.volume) || a.volume < 0) {
    return `volume must be a non-negative number (got ${String(a.volume)})`;
  }
  // vwap and trades are optional, but a NaN would poison every bucket above the minute and make
  // an identical re-send look like a change (NaN !== NaN), breaking idempotence.
  if (a.vwap !== undefined && (typeof a.vwap !== 'number' || !Number.isFinite(a.vwap) || a.vwap < 0)) {
    return `vwap must be a non-negative number when present (got ${String(a.vwap)})`;
  }
  if (a.trades !== undefined && (typeof a.trades !== 'number' || !Number.isInteger(a.trades) || a.trades < 0)) {
    return `trades must be a non-negative whole number when present (got ${String(a.trades)})`;
  }
  if (a.high < a.low) return `high ${a.high} is below low ${a.low}`;
  // Real feeds occasionally print open/close a hair outside high/low after rounding;
  // anything beyond a part in a million is a broken bar.
  const tolerance = a.high * 1e-6;
  if (a.open > a.high + tolerance || a.open < a.low - tolerance) return `open ${a.open} is outside low–high ${a.low}–${a.high}`;
  if (a.close > a.high + tolerance || a.close < a.low - tolerance) return `close ${a.close} is outside low–high ${a.low}–${a.high}`;
  return null;
}

function isPositive(v: unknown): boolean {
  return typeof v === 'number' && Number.isFinite(v) && v > 0;
}
