/**
 * The backtester's statistics are the shared module's (src/stats): this file keeps the
 * names other code imports from here (`computeStats`, `BacktestStats`, `TRADERS_BAR`, …).
 */
import { computeStats as computeShared, type BacktestStats, type StatsInput } from '../stats/stats.js';

export { bootstrapCi, seededRandom, TRADERS_BAR } from '../stats/stats.js';
export type { BacktestStats, Interval, StatsInput, StatsTrade, TradeStats } from '../stats/stats.js';

/** A backtest always starts from a known equity, so its drawdown % is a number. */
export function computeStats(input: StatsInput & { startEquityCents: number }): BacktestStats {
  return computeShared(input) as BacktestStats;
}
