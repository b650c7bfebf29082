/**
 * The fee table: what a fill costs beyond its price. Alpaca charges no commission on
 * options but passes the regulators' and the clearing house's fees through; Alpaca's
 * paper accounts ignore them, so optdesk models them itself (DESIGN.md "Known facts").
 *
 * Rates are integer micro-dollars (1e-6 $) so the table is exact; each component of a
 * fill is rounded UP to the cent, as brokers bill them. (A future src/core/fees.ts from the
 * screener work may replace this table; the coordinator unifies the two.)
 */
import type { AssetClass, Cents, FeeBreakdown, Price, Side } from './types.js';
import { ceilDiv, notional } from './money.js';

export interface FeeTable {
  /** Options Regulatory Fee per contract, buys and sells. */
  orfPerContract: number;
  /** OCC clearing fee per contract … */
  occPerContract: number;
  /** … capped per trade (one fill). */
  occCapPerTrade: number;
  /** FINRA TAF per option contract sold. */
  tafPerContract: number;
  /** FINRA TAF per share sold … */
  tafPerShare: number;
  /** … capped per trade. */
  tafCapPerTrade: number;
  /** SEC Section 31 fee on sells, in cents per million dollars of principal (2780 = $27.80). */
  secCentsPerMillion: number;
  /** Commission per contract / per share (0 at Alpaca). */
  commissionPerContract: number;
  commissionPerShare: number;
}

/** Alpaca's published pass-through fees (all but SEC in micro-dollars). */
export const ALPACA_FEES: Readonly<FeeTable> = Object.freeze({
  orfPerContract: 26_850, // $0.02685
  occPerContract: 20_000, // $0.02
  occCapPerTrade: 55_000_000, // $55
  tafPerContract: 2_790, // $0.00279
  tafPerShare: 166, // $0.000166
  tafCapPerTrade: 8_300_000, // $8.30
  // The SEC sets this rate each fiscal year (it was $27.80 per million from May 2024);
  // configure the current one with the fee table.
  secCentsPerMillion: 2_780,
  commissionPerContract: 0,
  commissionPerShare: 0,
});

export const NO_FEES: Readonly<FeeBreakdown> = Object.freeze({ orf: 0, occ: 0, taf: 0, sec: 0, commission: 0, total: 0 });

/** Micro-dollars → cents, rounded up. */
function microToCents(micro: number): Cents {
  return ceilDiv(micro, 10_000);
}

/** The fees of one fill of `qty` at `price`. */
export function feesFor(table: FeeTable, assetClass: AssetClass, side: Side, qty: number, price: Price): FeeBreakdown {
  const sell = side === 'sell';
  let orf = 0;
  let occ = 0;
  let taf = 0;
  let commission = 0;
  if (assetClass === 'option') {
    orf = microToCents(table.orfPerContract * qty);
    occ = microToCents(Math.min(table.occPerContract * qty, table.occCapPerTrade));
    if (sell) taf = microToCents(table.tafPerContract * qty);
    commission = microToCents(table.commissionPerContract * qty);
  } else {
    if (sell) taf = microToCents(Math.min(table.tafPerShare * qty, table.tafCapPerTrade));
    commission = microToCents(table.commissionPerShare * qty);
  }
  // principal cents × (cents per $1M) / 1e6 cents → micro-dollars = principal × rate / 100 … in cents: / 1e8.
  const sec = sell ? ceilDiv(notional(price, qty, assetClass) * table.secCentsPerMillion, 100_000_000) : 0;
  return { orf, occ, taf, sec, commission, total: orf + occ + taf + sec + commission };
}

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
