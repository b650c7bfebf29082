/**
 * The one place trade statistics are computed, for the backtester and the journal alike.
 * Inputs are integer cents; ratios are plain numbers. Definitions (also in the README
 * "Backtests" and "Journal" sections):
 * - win = a trade with net P&L > 0; win rate = wins ÷ trades;
 * - profit factor = Σ winning P&L ÷ |Σ losing P&L| (null without losses);
 * - expectancy = mean net P&L per trade ($) and mean R (over the trades that have an R);
 * - max drawdown = largest fall of the equity curve (after each trade) from its running peak,
 *   in $ and as a fraction of that peak;
 * - Sharpe / Sortino = mean daily return ÷ stdev (sample) / downside deviation (root mean
 *   square of the negative returns over all days), × √252; daily return = the session's
 *   P&L ÷ equity at its start;
 * - exposure = minutes with a position ÷ regular minutes of the sessions run;
 * - 95% CIs of win rate and expectancy: percentile bootstrap over trades (resampled with
 *   replacement, `resamples` times) from a seeded PRNG, so the same seed gives the same CI.
 */

export interface StatsTrade {
  pnlCents: number;
  /** R-multiple; null when the trade had no planned risk (journal trades without a stop). */
  r: number | null;
}

export interface StatsInput {
  trades: readonly StatsTrade[];
  /** Net P&L of every session run, in order (0 for days without trades). */
  dailyPnlCents: readonly number[];
  /**
   * Equity before the first trade. Null when unknown (journal trades imported for an account
   * optdesk does not hold): the drawdown is then reported in $ only and daily returns use
   * no denominator, so Sharpe/Sortino are null.
   */
  startEquityCents: number | null;
  minutesInMarket: number;
  sessionMinutes: number;
  seed?: number;
  resamples?: number;
}

export interface Interval { low: number; high: number }

/** The statistics of a list of trades (the backtest report's `stats` JSON, and the journal's per group). */
export interface TradeStats {
  trades: number;
  wins: number;
  losses: number;
  winRate: number | null;
  profitFactor: number | null;
  netPnl: number;
  expectancy: number | null;
  expectancyR: number | null;
  avgWin: number | null;
  avgLoss: number | null;
  maxDrawdown: number;
  /** Null when the starting equity is unknown. */
  maxDrawdownPct: number | null;
  sharpe: number | null;
  sortino: number | null;
  exposure: number;
  ci95: { winRate: Interval | null; expectancy: Interval | null; seed: number; resamples: number };
  /** The traders' bar before automating, each with whether this run meets it. */
  bar: { trades: boolean; winRate: boolean; profitFactor: boolean; maxDrawdown: boolean };
  warnings: string[];
}

/** The backtester always knows its starting equity, so its drawdown % is always a number. */
export type BacktestStats = Omit<TradeStats, 'maxDrawdownPct'> & { maxDrawdownPct: number };

/** The traders' own bar before automating a strategy. */
export const TRADERS_BAR = { minTrades: 100, minWinRate: 0.55, minProfitFactor: 1.5, maxDrawdownPct: 0.15 } as const;

/** mulberry32: small, fast, good enough for resampling; the seed makes CIs reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

function meanOrNull(xs: readonly number[]): number | null {
  return xs.length ? mean(xs) : null;
}

function percentile(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Percentile-bootstrap 95% intervals of the win rate and the mean P&L ($) per trade. */
export function bootstrapCi(pnlCents: readonly number[], seed: number, resamples: number): { winRate: Interval; expectancy: Interval } | null {
  const n = pnlCents.length;
  if (n === 0) return null;
  const rnd = seededRandom(seed);
  const rates = new Float64Array(resamples);
  const means = new Float64Array(resamples);
  for (let k = 0; k < resamples; k++) {
    let wins = 0;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const x = pnlCents[Math.floor(rnd() * n)]!;
      if (x > 0) wins++;
      sum += x;
    }
    rates[k] = wins / n;
    means[k] = sum / n / 100;
  }
  rates.sort();
  means.sort();
  return {
    winRate: { low: percentile(rates, 0.025), high: percentile(rates, 0.975) },
    expectancy: { low: percentile(means, 0.025), high: percentile(means, 0.975) },
  };
}

export function computeStats(input: StatsInput): TradeStats {
  const seed = input.seed ?? 1;
  const resamples = input.resamples ?? 2000;
  const pnl = input.trades.map((t) => t.pnlCents);
  const n = pnl.length;
  const winsList = pnl.filter((x) => x > 0);
  const lossList = pnl.filter((x) => x < 0);
  const grossWin = winsList.reduce((a, b) => a + b, 0);
  const grossLoss = lossList.reduce((a, b) => a + b, 0);
  const net = grossWin + grossLoss;

  // Drawdown on the equity after each trade.
  const knownEquity = input.startEquityCents !== null;
  let equity = input.startEquityCents ?? 0;
  let peak = equity;
  let maxDd = 0;
  let maxDdPct = 0;
  for (const x of pnl) {
    equity += x;
    if (equity > peak) peak = equity;
    const dd = peak - equity;
    if (dd > maxDd) maxDd = dd;
    if (peak > 0 && dd / peak > maxDdPct) maxDdPct = dd / peak;
  }

  // Daily returns on the equity at each session's start.
  const returns: number[] = [];
  let eq = input.startEquityCents ?? 0;
  for (const d of input.dailyPnlCents) {
    returns.push(eq > 0 ? d / eq : 0);
    eq += d;
  }
  let sharpe: number | null = null;
  let sortino: number | null = null;
  if (knownEquity && returns.length >= 2) {
    const m = mean(returns);
    const variance = returns.reduce((a, r) => a + (r - m) ** 2, 0) / (returns.length - 1);
    const sd = Math.sqrt(variance);
    const downside = Math.sqrt(returns.reduce((a, r) => a + (r < 0 ? r * r : 0), 0) / returns.length);
    sharpe = sd > 0 ? (m / sd) * Math.sqrt(252) : null;
    sortino = downside > 0 ? (m / downside) * Math.sqrt(252) : null;
  }

  const winRate = n ? winsList.length / n : null;
  const profitFactor = grossLoss < 0 ? grossWin / -grossLoss : null;
  const ci = bootstrapCi(pnl, seed, resamples);
  const bar = {
    trades: n >= TRADERS_BAR.minTrades,
    winRate: winRate !== null && winRate > TRADERS_BAR.minWinRate,
    profitFactor: profitFactor !== null && profitFactor > TRADERS_BAR.minProfitFactor,
    maxDrawdown: knownEquity && maxDdPct < TRADERS_BAR.maxDrawdownPct,
  };
  const warnings: string[] = [];
  if (!bar.trades) warnings.push(`Too few trades to judge: ${n} (the bar before automating is at least ${TRADERS_BAR.minTrades}). Treat every figure here as anecdote, not evidence.`);
  if (!bar.winRate) warnings.push(`Win rate ${winRate === null ? 'n/a' : (winRate * 100).toFixed(1) + '%'} is not above ${Math.round(TRADERS_BAR.minWinRate * 100)}%.`);
  if (!bar.profitFactor) warnings.push(`Profit factor ${profitFactor === null ? 'n/a (no losing trades)' : profitFactor.toFixed(2)} is not above ${TRADERS_BAR.minProfitFactor}.`);
  if (!knownEquity) warnings.push('Max drawdown % unknown: no starting equity for these trades (the $ figure stands).');
  else if (!bar.maxDrawdown) warnings.push(`Max drawdown ${(maxDdPct * 100).toFixed(1)}% is not below ${Math.round(TRADERS_BAR.maxDrawdownPct * 100)}%.`);

  return {
    trades: n,
    wins: winsList.length,
    losses: lossList.length,
    winRate,
    profitFactor,
    netPnl: net / 100,
    expectancy: n ? net / n / 100 : null,
    expectancyR: meanOrNull(input.trades.flatMap((t) => (t.r === null ? [] : [t.r]))),
    avgWin: winsList.length ? grossWin / winsList.length / 100 : null,
    avgLoss: lossList.length ? grossLoss / lossList.length / 100 : null,
    maxDrawdown: maxDd / 100,
    maxDrawdownPct: knownEquity ? maxDdPct : null,
    sharpe,
    sortino,
    exposure: input.sessionMinutes > 0 ? input.minutesInMarket / input.sessionMinutes : 0,
    ci95: { winRate: ci?.winRate ?? null, expectancy: ci?.expectancy ?? null, seed, resamples },
    bar,
    warnings,
  };
}
