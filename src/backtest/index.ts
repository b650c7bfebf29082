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
 * - options-mode.ts (+ options-params.ts): `mode: 'options'`: the underlying's fills drive option
 *   trades through the runner's hooks: contract picker (src/options/picker.ts), RECORDED quotes
 *   when stored, else MODEL quotes labelled as such; ask in, bid out; option fees.
 */
export * from './minutes.js';
export * from './runner.js';
export * from './stats.js';
export * from './backtest.js';

export * from './report.js';
export * from './sweep.js';
export * from './data-check.js';
export * from './options-mode.js';
export * from './options-params.js';
