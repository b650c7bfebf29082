/**
 * scanner/ — narrows a universe down to the top N by rules, fast and cached (no AI call
 * per ticker).
 *
 * - fields.ts: the scannable fields (snake_case names used by filters, sort and CSV), read
 *   from the per-symbol state in src/indicators/symbol-state.ts, plus option liquidity;
 * - filter.ts: `all`/`any` groups of conditions (like thinkorswim's scan), validated so an
 *   unknown field or a bad condition is an error naming it;
 * - presets.ts: Gappers, ORB candidates, High relative volume, Stocks in play;
 * - universes.ts: named symbol lists (watchlist, big caps, small caps, all);
 * - scanner.ts: the Scanner — keeps one SymbolState per symbol and feeds it only the new
 *   minutes on each refresh (a new session or a replay jump rebuilds it), then filters,
 *   sorts and cuts to the top N;
 * - options.ts: option liquidity (ATM IV, spread, open interest) from the checklist's contract lookup;
 * - massive-snapshot.ts: the live full-market source (Massive's snapshot endpoint through
 *   the official client).
 */
export * from './fields.js';
export * from './filter.js';
export * from './presets.js';
export * from './universes.js';
export * from './scanner.js';
export * from './massive-snapshot.js';
export * from './options.js';
