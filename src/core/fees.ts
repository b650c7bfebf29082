/**
 * Regulatory and clearing fees on US option (and stock) orders, as Alpaca charges them
 * (commission $0; paper accounts charge nothing, so optdesk models them). Exact money:
 * inputs and outputs are integer cents, rates are integers in millionths of a dollar, and
 * each fee is rounded up to the cent per order, as brokers do.
 *
 * Options (per contract): ORF $0.02685 on buys and sells; OCC clearing $0.02, at most $55
 * per order; FINRA TAF $0.00279 on sells; SEC fee on sells, a rate on the sale's proceeds
 * that the SEC resets each fiscal year (hence a parameter).
 * Stocks (sells only): FINRA TAF $0.000166 per share, at most $8.30 per order; SEC fee.
 */
import { InputError } from './errors.js';

export interface FeeSchedule {
  /** Options Regulatory Fee, micro-dollars per contract (buys and sells). */
  orfMicrosPerContract: number;
  /** OCC clearing fee, micro-dollars per contract, and its cap per order in cents. */
  occMicrosPerContract: number;
  occCapCents: number;
  /** FINRA Trading Activity Fee on option sells, micro-dollars per contract. */
  tafMicrosPerContract: number;
  /** FINRA TAF on stock sells, micro-dollars per share, capped per order (cents). */
  tafMicrosPerShare: number;
  tafShareCapCents: number;
  /** SEC Section 31 fee on sells: cents per $1,000,000 of proceeds (2780 = $27.80 per million). */
  secCentsPerMillion: number;
}

export const ALPACA_FEES: Readonly<FeeSchedule> = Object.freeze({
  orfMicrosPerContract: 26_850,
  occMicrosPerContract: 20_000,
  occCapCents: 5_500,
  tafMicrosPerContract: 2_790,
  tafMicrosPerShare: 166,
  tafShareCapCents: 830,
  secCentsPerMillion: 2_780,
});

export interface FeeBreakdown {
  orfCents: number;
  occCents: number;
  tafCents: number;
  secCents: number;
  totalCents: number;
}

export type Side = 'buy' | 'sell';

/** Micro-dollars → cents, rounded up (a fee of $0.0001 still costs a cent). */
function microsToCentsUp(micros: bigint): number {
  return Number((micros + 9_999n) / 10_000n);
}

/** SEC fee in cents on `proceedsCents` of sales, rounded up to the cent. */
export function secFeeCents(proceedsCents: number, schedule: FeeSchedule = ALPACA_FEES): number {
  checkCents('proceedsCents', proceedsCents);
  const denom = 100_000_000n; // cents per million dollars
  const num = BigInt(proceedsCents) * BigInt(schedule.secCentsPerMillion);
  return Number((num + denom - 1n) / denom);
}

/**
 * Fees of one option order of `contracts` at `premiumCentsPerContract` (the per-share price
 * × 100 shares, in cents: $1.235 → 12350).
 */
export function optionOrderFees(side: Side, contracts: number, premiumCentsPerContract: number, schedule: FeeSchedule = ALPACA_FEES): FeeBreakdown {
  if (!Number.isSafeInteger(contracts) || contracts < 1) throw new InputError('contracts', `must be a whole number of contracts ≥ 1, got ${String(contracts)}`);
  checkCents('premiumCentsPerContract', premiumCentsPerContract);
  const n = BigInt(contracts);
  const orfCents = microsToCentsUp(n * BigInt(schedule.orfMicrosPerContract));
  const occCents = Math.min(microsToCentsUp(n * BigInt(schedule.occMicrosPerContract)), schedule.occCapCents);
  const tafCents = side === 'sell' ? microsToCentsUp(n * BigInt(schedule.tafMicrosPerContract)) : 0;
  const secCents = side === 'sell' ? secFeeCents(contracts * premiumCentsPerContract, schedule) : 0;
  return { orfCents, occCents, tafCents, secCents, totalCents: orfCents + occCents + tafCents + secCents };
}

/** Fees of one stock order (only sells pay: FINRA TAF and the SEC fee). `priceCents` per share. */
export function stockOrderFees(side: Side, shares: number, priceCents: number, schedule: FeeSchedule = ALPACA_FEES): FeeBreakdown {
  if (!Number.isSafeInteger(shares) || shares < 1) throw new InputError('shares', `must be a whole number of shares ≥ 1, got ${String(shares)}`);
  checkCents('priceCents', priceCents);
  if (side === 'buy') return { orfCents: 0, occCents: 0, tafCents: 0, secCents: 0, totalCents: 0 };
  const tafCents = stockTafCents(shares, schedule);
  const secCents = secFeeCents(shares * priceCents, schedule);
  return { orfCents: 0, occCents: 0, tafCents, secCents, totalCents: tafCents + secCents };
}

/** FINRA TAF on a stock sale of `shares`, rounded up to the cent and capped per order. */
export function stockTafCents(shares: number, schedule: FeeSchedule = ALPACA_FEES): number {
  if (!Number.isSafeInteger(shares) || shares < 0) throw new InputError('shares', `must be a whole number of shares, got ${String(shares)}`);
  return Math.min(microsToCentsUp(BigInt(shares) * BigInt(schedule.tafMicrosPerShare)), schedule.tafShareCapCents);
}

/** A dollar price → integer cents per 100 shares (one contract), exact for prices with up to 4 decimals. */
export function contractCents(pricePerShare: number): number {
  if (!Number.isFinite(pricePerShare)) throw new InputError('price', `must be a number, got ${String(pricePerShare)}`);
  return Math.round(pricePerShare * 10_000);
}

/** A dollar amount → integer cents, exact for amounts with up to 2 decimals. */
export function toCents(dollars: number): number {
  if (!Number.isFinite(dollars)) throw new InputError('amount', `must be a number, got ${String(dollars)}`);
  return Math.round(dollars * 100);
}

function checkCents(field: string, cents: number): void {
  if (!Number.isSafeInteger(cents) || cents < 0) throw new InputError(field, `must be a whole, non-negative number of cents, got ${String(cents)}`);
}
