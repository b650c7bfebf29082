/**
 * The options part of the hub protocol, shared by the server (src/services/options, src/hub,
 * src/server) and the dashboard (web/). Same rules as the bar protocol: one snapshot, then
 * deltas whose `seq` increases by exactly one per stream; a client that sees a gap
 * re-subscribes. Every inbound message is validated with these schemas.
 *
 * Two streams:
 * - a **chain** stream per (underlying, expiration): the rows of the chain panel;
 * - a **matrix** stream per socket: the contracts the trader selected or holds.
 *
 * Quote sources are labelled on every payload: `recorded` (flat-file quotes played by the
 * replay clock), `massive` (vendor snapshot + WebSocket quotes) or `model` (priced from the
 * underlying with realized volatility — never to be mistaken for a market quote).
 */
import { z } from 'zod';
import { SymbolSchema } from './protocol.js';
import { OPTION_TICKER_SHAPE, isOptionTicker } from '../core/occ.js';

import type { QuoteSource } from '../options/sources/types.js';
export type { QuoteSource };

const IsoDateSchema = z.string({ error: 'is required (a date like 2015-12-24)' }).regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2015-12-24');
export const OptionTickerSchema = z
  .string({ error: 'is required (an option ticker like O:GOOG151224C00750000)' })
  .trim()
  .toUpperCase()
  .regex(OPTION_TICKER_SHAPE, 'must be an option ticker like O:GOOG151224C00750000')
  // The pattern alone accepts 151331; the OCC parser also checks the expiration is a real date.
  .refine((t) => !OPTION_TICKER_SHAPE.test(t) || isOptionTicker(t), 'has an expiration that is not a calendar date (YYMMDD before C/P)');

/** GET /api/options/expirations?underlying= */
export const ExpirationsQuerySchema = z.object({ underlying: SymbolSchema });
/** GET /api/options/chain?underlying=&expiration= */
export const ChainQuerySchema = z.object({ underlying: SymbolSchema, expiration: IsoDateSchema });

export interface WireExpiration {
  expiration: string;
  /** Calendar days from the current (replay) New York date; 0 = expires today. */
  dte: number;
  contracts: number;
  atmStrike: number;
}

export interface ExpirationsResponse {
  underlying: string;
  /** The (replay) instant the chain describes, epoch ms. */
  at: number;
  underlyingPrice: number;
  source: QuoteSource;
  expirations: WireExpiration[];
}

/** One contract as the chain panel and the matrix show it. Missing sides are null, never 0. */
export interface WireOptionRow {
  ticker: string;
  expiration: string;
  strike: number;
  right: 'call' | 'put';
  bid: number | null;
  ask: number | null;
  bidSize: number | null;
  askSize: number | null;
  mid: number | null;
  last: number | null;
  volume: number | null;
  openInterest: number | null;
  iv: number | null;
  /** Why there is no IV: no_bid, no_ask, no_quote, crossed, below_intrinsic, above_upper_bound, expired … */
  ivReason: string | null;
  delta: number | null;
  gamma: number | null;
  theta: number | null;
  vega: number | null;
  breakEven: number | null;
  spreadPct: number | null;
  /** Age of the quote at `at`, ms; null without a quote. */
  quoteAgeMs: number | null;
  /**
   * Epoch ms of the quote, null without one. Deltas carry a row only when its numbers
   * change, not when it merely ages: compute the age as the latest message's `at` − quoteTs.
   */
  quoteTs?: number | null;
  crossed: boolean;
  locked: boolean;
  model: boolean;
}

export interface ChainResponse {
  underlying: string;
  expiration: string;
  dte: number;
  at: number;
  underlyingPrice: number;
  atmStrike: number | null;
  source: QuoteSource;
  /** A sentence to show above the chain, e.g. how model quotes were priced. */
  note?: string;
  /** Sorted by strike, call before put. */
  rows: WireOptionRow[];
}

// ── socket: chain stream ──
/**
 * (added `strikesAroundAtm`) How many strikes each side of the ATM strike the panel shows;
 * with the Massive feed only those contracts stream live quotes (1,000 contracts per
 * connection), the rest refresh from the REST snapshot. Default 20.
 */
export const ChainSubscribeSchema = ChainQuerySchema.extend({
  strikesAroundAtm: z.number({ error: 'must be a whole number of strikes' }).int('must be a whole number of strikes').min(1, 'must be at least 1').max(200, 'must be at most 200').optional(),
});
export const ChainUnsubscribeSchema = ChainQuerySchema;
export interface ChainSnapshotMessage extends ChainResponse {
  seq: number;
}
/** Rows whose numbers changed since the previous message of this stream (plus the new underlying price). */
export interface ChainDeltaMessage {
  underlying: string;
  expiration: string;
  seq: number;
  at: number;
  underlyingPrice: number;
  rows: WireOptionRow[];
}

// ── socket: matrix stream (one per socket) ──
/** A contract in the matrix; `entryPrice`/`quantity`/`takeProfit` make it "held" (until positions exist, entered by hand). */
export const MatrixEntrySchema = z.object({
  ticker: OptionTickerSchema,
  entryPrice: z.number({ error: 'must be a price' }).positive('must be above 0').optional(),
  quantity: z.number({ error: 'must be a whole number of contracts' }).int('must be a whole number of contracts').min(1, 'must be at least 1').optional(),
  takeProfit: z.number({ error: 'must be a price' }).positive('must be above 0').optional(),
});
export type MatrixEntry = z.output<typeof MatrixEntrySchema>;
export const MatrixSetSchema = z.object({ entries: z.array(MatrixEntrySchema).max(200, 'at most 200 contracts') });

export interface WireMatrixRow extends WireOptionRow {
  underlying: string;
  underlyingPrice: number | null;
  /** Mark = mid when both sides exist, else the last trade, else null. */
  mark: number | null;
  /** Mark change since the session's first quote of this contract. */
  change: number | null;
  entryPrice: number | null;
  quantity: number | null;
  takeProfit: number | null;
  /** (mark − entry) × 100 × quantity, in dollars; null unless held. */
  pnl: number | null;
  /** takeProfit − bid (what the exit would need), null unless a take-profit is set. */
  toTakeProfit: number | null;
  source: QuoteSource;
  /** The contract has expired: `mark` is its settlement value. */
  expired?: boolean;
  /** Value at expiration: intrinsic against the underlying's close that day (0 out of the money); null until known. */
  settlement?: number | null;
}

export interface MatrixSnapshotMessage {
  seq: number;
  at: number;
  rows: WireMatrixRow[];
}
export interface MatrixDeltaMessage {
  seq: number;
  at: number;
  rows: WireMatrixRow[];
}

export const OPTION_EVENTS = {
  chainSubscribe: 'options:subscribe',
  chainUnsubscribe: 'options:unsubscribe',
  chainSnapshot: 'options:snapshot',
  chainDelta: 'options:delta',
  matrixSet: 'matrix:set',
  matrixSnapshot: 'matrix:snapshot',
  matrixDelta: 'matrix:delta',
} as const;
