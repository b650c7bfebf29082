/**
 * From closed trades (journal round trips, or any list with entry/exit times) to the
 * statistics' input: P&L per New York session (the day a trade closed), time in market as
 * the union of the trades' open intervals over the regular minutes of the sessions traded,
 * and the starting equity when it is known.
 */
import { nyDate, sessionOn } from '../calendar/index.js';
import { computeStats, type TradeStats } from './stats.js';

export interface ClosedTrade {
  pnlCents: number;
  r: number | null;
  entryTime: number;
  exitTime: number;
}

export interface TradeStatsOptions {
  /** Equity before the first of these trades; null when unknown (no drawdown %, no Sharpe). */
  startEquityCents: number | null;
  seed?: number;
  resamples?: number;
}

export function statsOfTrades(trades: readonly ClosedTrade[], opts: TradeStatsOptions): TradeStats {
  const sorted = [...trades].sort((a, b) => a.exitTime - b.exitTime || a.entryTime - b.entryTime);
  const daily = new Map<string, number>();
  const days = new Set<string>();
  for (const t of sorted) {
    const d = nyDate(t.exitTime);
    daily.set(d, (daily.get(d) ?? 0) + t.pnlCents);
    days.add(d).add(nyDate(t.entryTime));
  }
  let sessionMinutes = 0;
  for (const d of days) {
    const s = sessionOn(d);
    if (s) sessionMinutes += (s.close - s.open) / 60_000;
  }
  return computeStats({
    trades: sorted.map((t) => ({ pnlCents: t.pnlCents, r: t.r })),
    dailyPnlCents: [...daily.keys()].sort().map((d) => daily.get(d)!),
    startEquityCents: opts.startEquityCents,
    minutesInMarket: Math.min(sessionMinutes, unionMinutes(sorted)),
    sessionMinutes,
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(opts.resamples !== undefined ? { resamples: opts.resamples } : {}),
  });
}

/** Minutes covered by at least one trade (overlapping trades count once). */
export function unionMinutes(trades: readonly { entryTime: number; exitTime: number }[]): number {
  const spans = trades.map((t) => [t.entryTime, Math.max(t.entryTime, t.exitTime)] as const).sort((a, b) => a[0] - b[0]);
  let total = 0;
  let start = -Infinity;
  let end = -Infinity;
  for (const [a, b] of spans) {
    if (a > end) {
      if (end > start) total += end - start;
      start = a;
      end = b;
    } else end = Math.max(end, b);
  }
  if (end > start) total += end - start;
  return total / 60_000;
}
