/**
 * options/ — the options domain core, pure and I/O-free except for the flat-file reader:
 *
 * - bsm: Black-Scholes-Merton price and greeks (theta/day, vega/vol point, rho/1% rate).
 * - iv: implied volatility that returns a reason (below_intrinsic, above_upper_bound, …) instead of NaN.
 * - metrics: time to expiry (to the expiration session's close, via src/calendar), break-even,
 *   intrinsic/extrinsic, mid, spread.
 * - chain: an index over recorded quotes answering "the chain at instant t" with IV and greeks.
 * - flatfile-quotes: small streaming readers for Massive option quote, aggregate and open-interest files.
 * - model-quotes: theoretical quotes (flagged `model: true`) for sessions without recorded quotes.
 * - picker: the contract a directional signal buys (expiration rule, delta range, spread, open
 *   interest, premium budget), with its reason and break-even, or "no contract: <why>".
 *
 * Listed US equity options are American; BSM is used as the market-standard quoting model,
 * so deep ITM puts can show inflated IV or `below_intrinsic`.
 */
export * from './bsm.js';
export * from './iv.js';
export * from './metrics.js';
export * from './chain.js';
export * from './flatfile-quotes.js';
export * from './model-quotes.js';
export * from './picker.js';
export { defaultRiskFreeRate } from './rates.js';
