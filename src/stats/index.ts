/**
 * stats/ — the one statistics module of optdesk: the backtester's report (src/backtest) and
 * the journal's statistics per group (src/journal) both call `computeStats`, so a win rate,
 * profit factor, expectancy ($ and R), drawdown, Sharpe/Sortino, the seeded bootstrap 95%
 * confidence intervals, the too-few-trades warning and the traders' bar (≥ 100 trades,
 * win rate > 55 %, profit factor > 1.5, max drawdown < 15 %) mean the same on both pages.
 *
 * - stats.ts: the definitions and their computation over integer cents;
 * - trades.ts: how a list of closed journal trades becomes the module's input (days,
 *   time in market, starting equity).
 */
export * from './stats.js';
export * from './trades.js';
