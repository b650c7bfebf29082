/**
 * backtest/ — drives a strategy (src/strategies) over stored 1-minute bars session by
 * session and reports every trade, the equity curve, published levels and the statistics.
 *
 * - minutes.ts: day blocks of minutes in reused typed arrays (SQLite store or in memory);
 * - runner.ts: the clock, timeframe bars, timers and the `underlying` fills (entry at the next
 *   open, stop first, open-beyond-level fills, flat time: src/broker/bar-fills.ts, the rules the
 *   paper broker also fills a strategy's orders by) with the share fee model;
 * - stats.ts: the one statistics module (win rate … Sharpe/Sortino, bootstrap CIs, the traders' bar);
 * - backtest.ts: one run → report; sweep.ts: a parameter grid on worker threads;
 * - report.ts: CSV and the self-contained HTML report; data-check.ts: bad ticks while a trade was open.
 * Options mode (contract picker, recorded/MODEL quotes) is not built yet.
 */
export * from './minutes.js';
export * from './runner.js';
export * from './stats.js';
export * from './backtest.js';

export * from './report.js';
export * from './sweep.js';
export * from './data-check.js';
