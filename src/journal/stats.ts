/**
 * The statistics the journal shows per group (account, strategy, setup, tag, weekday,
 * hour): trades, win rate, profit factor, expectancy in $ and R, average win/loss, max
 * drawdown of the group's equity curve.
 *
 * TEMPORARY: the backtester is writing its own stats module (src/backtest) with bootstrap
 * confidence intervals; the issue asks for ONE module for both. This file keeps the
 * journal's needs behind `summarize(outcomes)` so it can be swapped for the backtester's
 * when the branches meet. Until then there are no confidence intervals here, only the
 * too-few-trades warning.
 */
import type { Cents } from '../broker/types.js';

/** One closed trade, as statistics see it. */
export interface Outcome {
  pnl: Cents;
  /** R-multiple when the trade had a planned stop. */
  r: number | null;
  exitTime: number;
}

export interface Summary {
  trades: number;
  wins: number;
  losses: number;
  /** 0–1; null without trades. */
  winRate: number | null;
  /** Gross profit ÷ gross loss; null when there is no loss. */
  profitFactor: number | null;
  totalPnl: Cents;
  /** Mean P&L per trade, cents (rounded). */
  expectancy: Cents | null;
  /** Mean R of the trades that have one. */
  expectancyR: number | null;
  avgWin: Cents | null;
  avgLoss: Cents | null;
  /** Largest peak-to-trough fall of the cumulative P&L in exit order, cents (≥ 0). */
  maxDrawdown: Cents;
  /** A sentence when there are too few trades to read much into the figures. */
  warning: string | null;
}

/** Below this many trades a summary carries a warning. */
export const MIN_TRADES = 30;

export function summarize(outcomes: readonly Outcome[]): Summary {
  const sorted = [...outcomes].sort((a, b) => a.exitTime - b.exitTime);
  const wins = sorted.filter((o) => o.pnl > 0);
  const losses = sorted.filter((o) => o.pnl < 0);
  const grossWin = wins.reduce((s, o) => s + o.pnl, 0);
  const grossLoss = -losses.reduce((s, o) => s + o.pnl, 0);
  const total = sorted.reduce((s, o) => s + o.pnl, 0);
  const rs = sorted.flatMap((o) => (o.r === null ? [] : [o.r]));
  let peak = 0;
  let equity = 0;
  let maxDrawdown = 0;
  for (const o of sorted) {
    equity += o.pnl;
    peak = Math.max(peak, equity);
    maxDrawdown = Math.max(maxDrawdown, peak - equity);
  }
  const n = sorted.length;
  return {
    trades: n,
    wins: wins.length,
    losses: losses.length,
    winRate: n ? wins.length / n : null,
    profitFactor: grossLoss > 0 ? round(grossWin / grossLoss, 4) : null,
    totalPnl: total,
    expectancy: n ? Math.round(total / n) : null,
    expectancyR: rs.length ? round(rs.reduce((s, r) => s + r, 0) / rs.length, 4) : null,
    avgWin: wins.length ? Math.round(grossWin / wins.length) : null,
    avgLoss: losses.length ? -Math.round(grossLoss / losses.length) : null,
    maxDrawdown,
    warning: n < MIN_TRADES ? `only ${n} trade${n === 1 ? '' : 's'}: fewer than ${MIN_TRADES}, too few to tell an edge from luck` : null,
  };
}

function round(x: number, places: number): number {
  const f = 10 ** places;
  return Math.round(x * f) / f;
}
