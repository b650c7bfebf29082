/**
 * Per-contract numbers a chain shows next to the quote: time to expiry, intrinsic and
 * extrinsic value, break-even, mid and spread. Prices are per share (× 100 per contract).
 */
import { nyDate, previousSession, sessionOn } from '../calendar/index.js';
import { InputError } from '../core/errors.js';
import { ISO_DATE_RE, type IsoDate } from '../core/types.js';
import type { OptionRight } from '../core/occ.js';

export const MS_PER_DAY = 86_400_000;
/** Calendar-time convention: σ and r are annual over 365 calendar days. */
export const MS_PER_YEAR = 365 * MS_PER_DAY;

const closeCache = new Map<IsoDate, number>();

/**
 * When a contract stops trading: the close of its expiration session (16:00 New York,
 * 13:00 on early-close days). Older monthly contracts carry the Saturday after the third
 * Friday as their OCC date and an expiration can fall on a holiday (Good Friday), so a
 * non-trading date resolves to the last session before it.
 */
export function expirationCloseMs(expiration: IsoDate): number {
  const cached = closeCache.get(expiration);
  if (cached !== undefined) return cached;
  if (!ISO_DATE_RE.test(expiration)) throw new InputError('expiration', `"${expiration}" must be a date like 2015-12-24`);
  const close = (sessionOn(expiration) ?? previousSession(expiration)).close;
  closeCache.set(expiration, close);
  return close;
}

/** Calendar time from `now` to the expiration close, in years (365 days). ≤ 0 once expired. */
export function yearsToExpiry(now: number, expiration: IsoDate): number {
  return (expirationCloseMs(expiration) - now) / MS_PER_YEAR;
}

/** Whole calendar days from `now`'s New York date to the expiration date: 0 on expiration day (0-DTE). */
export function daysToExpiry(now: number, expiration: IsoDate): number {
  const today = nyDate(now);
  return Math.round((Date.parse(`${expiration}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / MS_PER_DAY);
}

export function intrinsicValue(right: OptionRight, spot: number, strike: number): number {
  return right === 'call' ? Math.max(spot - strike, 0) : Math.max(strike - spot, 0);
}

/** Time value: premium above intrinsic. Negative when a quote trades below parity (stale or deep ITM). */
export function extrinsicValue(right: OptionRight, premium: number, spot: number, strike: number): number {
  return premium - intrinsicValue(right, spot, strike);
}

/** Underlying price at expiry where a long position breaks even: call K + premium, put K − premium. */
export function breakEven(right: OptionRight, strike: number, premium: number): number {
  return right === 'call' ? strike + premium : strike - premium;
}

/** Mid of a two-sided quote; null when a side is missing (a one-sided quote has no fair mid). */
export function midPrice(bid: number | null, ask: number | null): number | null {
  return bid === null || ask === null ? null : (bid + ask) / 2;
}

/**
 * The mark of a quote: the mid of a two-sided, uncrossed quote; null when a side is
 * missing or bid > ask (neither has a fair price). The chain's `mid` is this, and so is a
 * contract's opening mark, the reference of the quote matrix's "change": see openingMark.
 */
export function quoteMark(bid: number | null, ask: number | null): number | null {
  return bid !== null && ask !== null && bid > ask ? null : midPrice(bid, ask);
}

/**
 * A contract's opening mark: the quoteMark of its first quote (in time order) at or before
 * `at` that has one. Recorded sessions read it from the day's quotes; a live stream, which
 * sees one quote at a time, keeps the first non-null quoteMark of the day, the same rule.
 */
export function openingMark(quotes: Iterable<{ ts: number; bid: number | null; ask: number | null }>, at = Infinity): number | null {
  for (const q of quotes) {
    if (q.ts > at) break;
    const mark = quoteMark(q.bid, q.ask);
    if (mark !== null) return mark;
  }
  return null;
}

/** Bid-ask spread as a fraction of the mid (0.05 = 5%); null without both sides or a positive mid. */
export function spreadPct(bid: number | null, ask: number | null): number | null {
  const mid = midPrice(bid, ask);
  return mid === null || mid <= 0 ? null : (ask! - bid!) / mid;
}

/**
 * No-arbitrage band for C − P of American options with the same strike and expiry
 * (Hull): S·e^{−qT} − K ≤ C − P ≤ S − K·e^{−rT}. European options sit exactly on
 * S·e^{−qT} − K·e^{−rT}, inside the band.
 */
export function putCallParityBand(spot: number, strike: number, years: number, rate: number, dividendYield = 0): { lower: number; upper: number } {
  const t = Math.max(years, 0);
  return { lower: spot * Math.exp(-dividendYield * t) - strike, upper: spot - strike * Math.exp(-rate * t) };
}
