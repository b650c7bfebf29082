/** Screen and rank covered calls on one expiration of a chain (see index.ts). */
import { z } from 'zod';
import { InputError } from '../core/errors.js';
import type { IsoDate } from '../core/types.js';
import { normCdf } from '../options/bsm.js';

/** The chain fields the screen needs (a ChainRow or a WireOptionRow both fit). */
export interface ScreenerChainRow {
  ticker: string;
  expiration: IsoDate;
  strike: number;
  right: 'call' | 'put';
  bid: number | null;
  ask: number | null;
  mid: number | null;
  delta: number | null;
  iv: number | null;
  openInterest: number | null;
}

export interface ScreenInput {
  underlying: string;
  /** The instant screened, epoch ms. */
  at: number;
  spot: number;
  expiration: IsoDate;
  /** Calendar days from `at`'s date to the expiration (0 = 0-DTE). */
  dte: number;
  /** Years (365-day) from `at` to the expiration session's close. */
  years: number;
  rate: number;
  dividendYield: number;
  rows: readonly ScreenerChainRow[];
}

export const RANK_KEYS = ['premium_yield', 'max_profit', 'pop'] as const;
export type RankKey = (typeof RANK_KEYS)[number];

const fraction = (lo: number, hi: number) => z.number({ error: 'must be a number' }).refine((v) => Number.isFinite(v) && v >= lo && v <= hi, `must be between ${lo} and ${hi}`);

/** Filter bounds; the defaults are the traders' script's. Every bound is inclusive. */
export const CoveredCallParamsSchema = z
  .object({
    /** Strike ≥ spot × (1 + minOtm). */
    minOtm: fraction(-1, 10).default(0),
    /** Strike ≤ spot × (1 + maxOtm). */
    maxOtm: fraction(-1, 10).default(0.03),
    minBid: fraction(0, 1e6).default(0.05),
    /** (ask − bid) ÷ mid ≤ this. */
    maxSpreadToMid: fraction(0, 100).default(0.75),
    deltaLo: fraction(0, 1).default(0.15),
    deltaHi: fraction(0, 1).default(0.35),
    minOpenInterest: fraction(0, 1e9).default(1),
    rank: z.enum(RANK_KEYS, { error: `must be one of ${RANK_KEYS.join(', ')}` }).default('premium_yield'),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.minOtm > p.maxOtm) ctx.addIssue({ code: 'custom', path: ['maxOtm'], message: `must be ≥ the minimum OTM (${p.minOtm})` });
    if (p.deltaLo > p.deltaHi) ctx.addIssue({ code: 'custom', path: ['deltaHi'], message: `must be ≥ the low delta bound (${p.deltaLo})` });
  });
export type CoveredCallParams = z.output<typeof CoveredCallParamsSchema>;

/** Validated params with defaults filled; throws an InputError naming the first bad field. */
export function coveredCallParams(input: unknown = {}, fieldName: (key: string) => string = (k) => k): CoveredCallParams {
  const r = CoveredCallParamsSchema.safeParse(input ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const key = issue.code === 'unrecognized_keys' ? (issue as { keys: string[] }).keys[0]! : String(issue.path[0] ?? 'params');
  throw new InputError(fieldName(key), issue.code === 'unrecognized_keys' ? 'is not a screener setting' : issue.message);
}

export interface CoveredCallRow {
  ticker: string;
  expiration: IsoDate;
  strike: number;
  bid: number;
  ask: number;
  mid: number;
  delta: number;
  iv: number;
  openInterest: number | null;
  /** mid ÷ spot. */
  premiumYield: number;
  /** premiumYield × 365 ÷ max(DTE, 1): a 0-DTE sale counts as one day of holding. */
  annualizedYield: number;
  /** spot − mid: where the covered position starts losing. */
  breakeven: number;
  /** (strike − spot) + mid, per share, when called away. */
  maxProfit: number;
  /** N(d2) at the break-even: the risk-neutral chance the close is above it. */
  pop: number;
}

export type Rejection =
  | 'strike_below_min_otm'
  | 'strike_above_max_otm'
  | 'no_bid'
  | 'no_ask'
  | 'bid_below_min'
  | 'spread_above_max'
  | 'no_delta'
  | 'delta_below_lo'
  | 'delta_above_hi'
  | 'open_interest_below_min';

export interface ScreenResult {
  input: Omit<ScreenInput, 'rows'>;
  params: CoveredCallParams;
  /** Passing calls, best first by `params.rank`. */
  rows: CoveredCallRow[];
  /** Calls of the expiration that failed, with every filter they failed. */
  rejected: Array<{ ticker: string; strike: number; reasons: Rejection[] }>;
}

/** Relative slack for "just at the bound" comparisons (spot × (1 + x) is not exact in binary). */
const EPS = 1e-12;
const atLeast = (v: number, bound: number) => v >= bound - EPS * Math.max(1, Math.abs(bound));
const atMost = (v: number, bound: number) => v <= bound + EPS * Math.max(1, Math.abs(bound));

/** Probability that the price at expiry is above `level` under BSM (risk-neutral N(d2)). */
export function probabilityAbove(spot: number, level: number, vol: number, years: number, rate: number, dividendYield: number): number {
  if (!(level > 0)) return 1;
  if (!(years > 0) || !(vol > 0)) return spot > level ? 1 : 0;
  const d2 = (Math.log(spot / level) + (rate - dividendYield - (vol * vol) / 2) * years) / (vol * Math.sqrt(years));
  return normCdf(d2);
}

export function screenCoveredCalls(input: ScreenInput, params: CoveredCallParams): ScreenResult {
  if (!(input.spot > 0)) throw new InputError('spot', `${input.spot} must be a positive price`);
  const { rows: chainRows, ...meta } = input;
  const lowStrike = input.spot * (1 + params.minOtm);
  const highStrike = input.spot * (1 + params.maxOtm);
  const rows: CoveredCallRow[] = [];
  const rejected: ScreenResult['rejected'] = [];
  for (const r of chainRows) {
    if (r.right !== 'call' || r.expiration !== input.expiration) continue;
    const reasons: Rejection[] = [];
    if (!atLeast(r.strike, lowStrike)) reasons.push('strike_below_min_otm');
    if (!atMost(r.strike, highStrike)) reasons.push('strike_above_max_otm');
    if (r.bid === null) reasons.push('no_bid');
    if (r.ask === null) reasons.push('no_ask');
    if (r.bid !== null && !atLeast(r.bid, params.minBid)) reasons.push('bid_below_min');
    const mid = r.bid !== null && r.ask !== null ? (r.mid ?? (r.bid + r.ask) / 2) : null;
    if (mid !== null && (!(mid > 0) || !atMost((r.ask! - r.bid!) / mid, params.maxSpreadToMid))) reasons.push('spread_above_max');
    if (r.delta === null || r.iv === null) reasons.push('no_delta');
    else if (!atLeast(Math.abs(r.delta), params.deltaLo)) reasons.push('delta_below_lo');
    else if (!atMost(Math.abs(r.delta), params.deltaHi)) reasons.push('delta_above_hi');
    if (params.minOpenInterest > 0 && (r.openInterest === null || !atLeast(r.openInterest, params.minOpenInterest))) reasons.push('open_interest_below_min');
    if (reasons.length > 0) {
      rejected.push({ ticker: r.ticker, strike: r.strike, reasons });
      continue;
    }
    const premiumYield = mid! / input.spot;
    const breakeven = input.spot - mid!;
    rows.push({
      ticker: r.ticker,
      expiration: r.expiration,
      strike: r.strike,
      bid: r.bid!,
      ask: r.ask!,
      mid: mid!,
      delta: r.delta!,
      iv: r.iv!,
      openInterest: r.openInterest,
      premiumYield,
      annualizedYield: (premiumYield * 365) / Math.max(input.dte, 1),
      breakeven,
      maxProfit: r.strike - input.spot + mid!,
      pop: probabilityAbove(input.spot, breakeven, r.iv!, input.years, input.rate, input.dividendYield),
    });
  }
  rows.sort(rankComparator(params.rank));
  return { input: meta, params, rows, rejected };
}

const RANK_FIELD: Record<RankKey, keyof CoveredCallRow> = { premium_yield: 'premiumYield', max_profit: 'maxProfit', pop: 'pop' };

/** Best first by the rank key; ties by the lower strike (less stock upside given away… and more premium). */
export function rankComparator(rank: RankKey): (a: CoveredCallRow, b: CoveredCallRow) => number {
  const field = RANK_FIELD[rank];
  return (a, b) => (b[field] as number) - (a[field] as number) || a.strike - b.strike;
}

export const COVERED_CALL_COLUMNS = ['ticker', 'strike', 'bid', 'ask', 'mid', 'delta', 'iv', 'open_interest', 'premium_yield', 'annualized_yield', 'breakeven', 'max_profit', 'pop'] as const;

const r6 = (v: number) => Number(v.toFixed(6));
const r4 = (v: number) => Number(v.toFixed(4));

/** One CSV line in COVERED_CALL_COLUMNS order. */
export function coveredCallCsv(r: CoveredCallRow): string {
  return [r.ticker, r.strike, r.bid, r.ask, r4(r.mid), r6(r.delta), r6(r.iv), r.openInterest ?? '', r6(r.premiumYield), r6(r.annualizedYield), r4(r.breakeven), r4(r.maxProfit), r6(r.pop)].join(',');
}
