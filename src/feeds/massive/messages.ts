/**
 * Wire shapes of Massive's WebSocket and REST messages, as zod schemas.
 *
 * Everything that arrives from the network is validated here before it touches a
 * listener: a vendor hiccup (a missing field, a string where a number belongs) must be
 * counted and dropped, never turned into a NaN candle on a trader's chart.
 * Schemas strip unknown keys on purpose — Massive adds fields over time (e.g. `otc`)
 * and that must not break us.
 */
import { z } from 'zod';

// ---------------------------------------------------------------------------------
// WebSocket (wss://socket.massive.com/{stocks,options}, or delayed.massive.com)
// ---------------------------------------------------------------------------------

/** `{"ev":"status","status":"auth_success","message":"authenticated"}` and friends. */
export const StatusEvent = z.object({
  ev: z.literal('status'),
  status: z.string(),
  message: z.string().optional(),
});
export type StatusEvent = z.infer<typeof StatusEvent>;

/**
 * `AM` (per-minute) and `A` (per-second) aggregates share one shape.
 * v = volume of this bar, av = accumulated day volume, op = official day open,
 * vw = this bar's VWAP, a = day VWAP, z = average trade size, s/e = bar start/end (epoch ms).
 */
export const AggregateEvent = z.object({
  ev: z.enum(['AM', 'A']),
  sym: z.string().min(1),
  v: z.number().nonnegative(),
  av: z.number().optional(),
  op: z.number().optional(),
  vw: z.number().optional(),
  o: z.number().positive(),
  c: z.number().positive(),
  h: z.number().positive(),
  l: z.number().positive(),
  a: z.number().optional(),
  z: z.number().optional(),
  s: z.number().int().nonnegative(),
  e: z.number().int().nonnegative(),
  otc: z.boolean().optional(),
});
export type AggregateEvent = z.infer<typeof AggregateEvent>;

/**
 * Options NBBO quote `Q`. A side can be absent (no bid on a far OTM contract), so every
 * price/size is optional here; the adapter maps absent/zero sides to `null`.
 */
export const OptionQuoteEvent = z.object({
  ev: z.literal('Q'),
  sym: z.string().startsWith('O:'),
  bx: z.number().optional(),
  ax: z.number().optional(),
  bp: z.number().nonnegative().optional(),
  ap: z.number().nonnegative().optional(),
  bs: z.number().nonnegative().optional(),
  as: z.number().nonnegative().optional(),
  t: z.number().int().nonnegative(),
  q: z.number().int().optional(),
});
export type OptionQuoteEvent = z.infer<typeof OptionQuoteEvent>;

/** Just enough to route an element of a WebSocket frame by its `ev`. */
export const AnyEvent = z.object({ ev: z.string() });

// ---------------------------------------------------------------------------------
// REST (https://api.massive.com)
// ---------------------------------------------------------------------------------

/** One bar of `/v2/aggs/ticker/{t}/range/{m}/{span}/{from}/{to}`. `t` is the bar start (ms). */
export const RestAggregate = z.object({
  t: z.number().int(),
  o: z.number(),
  h: z.number(),
  l: z.number(),
  c: z.number(),
  v: z.number(),
  vw: z.number().optional(),
  n: z.number().optional(),
});

export const AggregatesResponse = z.object({
  status: z.string(),
  ticker: z.string().optional(),
  resultsCount: z.number().optional(),
  results: z.array(RestAggregate).optional(),
  next_url: z.string().optional(),
});
export type AggregatesResponse = z.infer<typeof AggregatesResponse>;

export const ContractDetails = z.object({
  ticker: z.string(),
  underlying_ticker: z.string().optional(),
  contract_type: z.string().optional(),
  exercise_style: z.string().optional(),
  expiration_date: z.string().optional(),
  shares_per_contract: z.number().optional(),
  strike_price: z.number().optional(),
  primary_exchange: z.string().optional(),
});

export const ContractsResponse = z.object({
  status: z.string().optional(),
  results: z.array(ContractDetails).optional(),
  next_url: z.string().optional(),
});
export type ContractsResponse = z.infer<typeof ContractsResponse>;

const nonNegativeOptional = z.number().nonnegative().optional();

export const ChainSnapshotEntry = z.object({
  details: z.object({
    ticker: z.string(),
    contract_type: z.string(),
    exercise_style: z.string().optional(),
    expiration_date: z.string(),
    shares_per_contract: z.number().optional(),
    strike_price: z.number(),
  }),
  last_quote: z
    .object({
      bid: nonNegativeOptional,
      bid_size: nonNegativeOptional,
      ask: nonNegativeOptional,
      ask_size: nonNegativeOptional,
      midpoint: z.number().optional(),
      /** Nanoseconds, like every SIP timestamp in Massive's v3 APIs. */
      last_updated: z.number().optional(),
    })
    .optional(),
  greeks: z
    .object({
      delta: z.number().optional(),
      gamma: z.number().optional(),
      theta: z.number().optional(),
      vega: z.number().optional(),
    })
    .optional(),
  implied_volatility: z.number().optional(),
  open_interest: z.number().optional(),
  break_even_price: z.number().optional(),
  underlying_asset: z.object({ ticker: z.string().optional(), price: z.number().optional() }).optional(),
});

export const ChainSnapshotResponse = z.object({
  status: z.string(),
  results: z.array(ChainSnapshotEntry).optional(),
  next_url: z.string().optional(),
});
export type ChainSnapshotResponse = z.infer<typeof ChainSnapshotResponse>;
