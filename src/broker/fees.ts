/**
 * What a fill costs beyond its price, in the broker's units (Price = 1/10,000 $, Cents).
 * The rates and the rounding rules are the one fee table in src/core/fees.ts (Alpaca's
 * pass-through fees: ORF, OCC with its $55 cap, TAF, SEC; commission 0), shared with the
 * covered-call screener and the backtester; this module only maps a fill onto it and adds
 * the commission a non-Alpaca table may carry. Alpaca's paper accounts ignore fees, so
 * optdesk models them itself (DESIGN.md "Known facts").
 */
import { ALPACA_FEES as ALPACA_SCHEDULE, type FeeSchedule, optionOrderFees, secFeeCents, stockTafCents } from '../core/fees.js';
import type { AssetClass, FeeBreakdown, Price, Side } from './types.js';
import { ceilDiv, notional } from './money.js';

export interface FeeTable extends FeeSchedule {
  /** Commission per contract / per share in micro-dollars (0 at Alpaca). */
  commissionPerContract: number;
  commissionPerShare: number;
}

export const ALPACA_FEES: Readonly<FeeTable> = Object.freeze({ ...ALPACA_SCHEDULE, commissionPerContract: 0, commissionPerShare: 0 });

export const NO_FEES: Readonly<FeeBreakdown> = Object.freeze({ orf: 0, occ: 0, taf: 0, sec: 0, commission: 0, total: 0 });

/** The fees of one fill of `qty` at `price`. */
export function feesFor(table: FeeTable, assetClass: AssetClass, side: Side, qty: number, price: Price): FeeBreakdown {
  if (qty === 0) return { ...NO_FEES };
  if (assetClass === 'option') {
    // One contract is 100 shares, so a price in 1/10,000 $ per share is exactly cents per contract.
    const f = optionOrderFees(side, qty, price, table);
    const commission = ceilDiv(table.commissionPerContract * qty, 10_000);
    return { orf: f.orfCents, occ: f.occCents, taf: f.tafCents, sec: f.secCents, commission, total: f.totalCents + commission };
  }
  // Stock prices may be sub-penny, so the SEC fee is taken on the fill's exact notional.
  const taf = side === 'sell' ? stockTafCents(qty, table) : 0;
  const sec = side === 'sell' ? secFeeCents(notional(price, qty, assetClass), table) : 0;
  const commission = ceilDiv(table.commissionPerShare * qty, 10_000);
  return { orf: 0, occ: 0, taf, sec, commission, total: taf + sec + commission };
}

/** Component-wise sum of two breakdowns (cents). */
export function addFees(a: FeeBreakdown, b: FeeBreakdown): FeeBreakdown {
  return {
    orf: a.orf + b.orf,
    occ: a.occ + b.occ,
    taf: a.taf + b.taf,
    sec: a.sec + b.sec,
    commission: a.commission + b.commission,
    total: a.total + b.total,
  };
}
