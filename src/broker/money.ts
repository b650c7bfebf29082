/**
 * Exact money. Prices are integer 1/10,000 dollars (`Price`), amounts integer cents
 * (`Cents`), so sums of fills, fees and P&L never accumulate float error. Conversions
 * from decimal input refuse anything that is not exactly representable rather than
 * silently rounding a trader's limit price.
 */
import type { AssetClass, Cents, Price } from './types.js';
import { OPTION_MULTIPLIER } from './types.js';
import { parseOccTicker } from '../core/occ.js';

/** Price units per dollar. */
export const PRICE_SCALE = 10_000;
/** Price units per cent. */
export const PRICE_PER_CENT = PRICE_SCALE / 100;

/**
 * A decimal dollar price → Price, or null when it has more than 4 decimals or is not a
 * finite number. `2.1` → 21_000. Tolerates the binary noise of decimal literals (2.1 is
 * really 2.100000000000000088…), nothing more.
 */
export function toPrice(dollars: number): Price | null {
  if (!Number.isFinite(dollars)) return null;
  const scaled = dollars * PRICE_SCALE;
  const rounded = Math.round(scaled);
  if (Math.abs(scaled - rounded) > 1e-6 * Math.max(1, Math.abs(scaled)) ) return null;
  return Number.isSafeInteger(rounded) ? rounded : null;
}

/** Like toPrice for values that come from a data feed: rounds to the nearest unit. */
export function quotePrice(dollars: number): Price {
  return Math.round(dollars * PRICE_SCALE);
}

export function priceToDollars(p: Price): number {
  return p / PRICE_SCALE;
}

export function centsToDollars(c: Cents): number {
  return c / 100;
}

export function multiplier(assetClass: AssetClass): number {
  return assetClass === 'option' ? OPTION_MULTIPLIER : 1;
}

/**
 * price × qty × multiplier in cents. Exact whenever price × multiplier is a whole number
 * of cents (every option price on its tick, every stock price on the penny); a sub-penny
 * stock notional rounds half away from zero, once, here.
 */
export function notional(price: Price, qty: number, assetClass: AssetClass): Cents {
  const units = price * qty * multiplier(assetClass);
  return roundHalfAway(units / PRICE_PER_CENT);
}

export function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** Integer division rounding up (for fees: brokers round each fee up to the cent). */
export function ceilDiv(a: number, b: number): number {
  return Math.floor((a + b - 1) / b);
}

/** '$1,234.56' / '-$0.05'. */
export function formatCents(c: Cents): string {
  const sign = c < 0 ? '-' : '';
  const abs = Math.abs(c);
  const dollars = Math.floor(abs / 100).toLocaleString('en-US');
  return `${sign}$${dollars}.${String(abs % 100).padStart(2, '0')}`;
}

/** '2.10' (at least 2 decimals, up to 4). */
export function formatPrice(p: Price): string {
  const s = (p / PRICE_SCALE).toFixed(4);
  return s.replace(/(\.\d\d\d?)0+$/, '$1').replace(/(\.\d\d)0$/, '$1');
}

/**
 * Option classes quoted in pennies at every price (the Penny Interval Program's
 * all-penny names). Other penny-program classes: $0.01 below $3, $0.05 from $3.
 */
export const PENNY_AT_ALL_PRICES: ReadonlySet<string> = new Set(['SPY', 'QQQ', 'IWM']);

/** Whether an option ticker's class trades in pennies at every price (`O:SPY…`). */
export function pennyEverywhere(symbol: string): boolean {
  const root = parseOccTicker(symbol)?.underlying;
  return root !== undefined && PENNY_AT_ALL_PRICES.has(root);
}

/**
 * The minimum price increment at `price` (Alpaca's rules): options $0.01 below $3 and
 * $0.05 from $3 (penny-program classes trade in pennies throughout, pass `pennyProgram`);
 * stocks $0.01 from $1, $0.0001 below.
 */
export function tickSize(assetClass: AssetClass, price: Price, pennyProgram = false): Price {
  if (assetClass === 'option') return pennyProgram || price < 3 * PRICE_SCALE ? PRICE_PER_CENT : 5 * PRICE_PER_CENT;
  return price >= PRICE_SCALE ? PRICE_PER_CENT : 1;
}

export function onTick(assetClass: AssetClass, price: Price, pennyProgram = false): boolean {
  return price % tickSize(assetClass, price, pennyProgram) === 0;
}

/** Rounds `price` onto its tick: `up` for prices that must not be lower (a sell's take-profit), `down` otherwise. */
export function roundToTick(assetClass: AssetClass, price: Price, direction: 'up' | 'down', pennyProgram = false): Price {
  const tick = tickSize(assetClass, price, pennyProgram);
  const rounded = direction === 'up' ? Math.ceil(price / tick) * tick : Math.floor(price / tick) * tick;
  // Crossing $3 can change the tick (options): round again on the new side's tick.
  const tick2 = tickSize(assetClass, rounded, pennyProgram);
  return tick2 === tick ? rounded : direction === 'up' ? Math.ceil(rounded / tick2) * tick2 : Math.floor(rounded / tick2) * tick2;
}
