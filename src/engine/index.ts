/**
 * engine/ — runs strategies (src/strategies) on a market clock, live or on the replay.
 *
 * Owns:
 * - strategy-engine.ts: one strategy instance — closed bars from the BarEngine (via the hub)
 *   → the strategy (the backtester's StrategyContext) → intents → orders through the trading
 *   desk (risk engine → broker; bar-rule fills, src/broker/bar-fills.ts, shared with the
 *   backtester) → fills → position state back to the strategy; signals with their rationale;
 * - automation.ts: the stored instances (src/store/strategies.ts), each bound to one account
 *   with its switch `off | signal | auto`, run side by side; their reports and stats.
 * The HTTP API is src/server/strategy-routes.ts; socket events go out on the trading stream.
 */
export * from './strategy-engine.js';
export * from './automation.js';
