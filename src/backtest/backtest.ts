/**
 * One backtest: a strategy from the registry over the sessions from..to of one symbol,
 * streamed day by day from a DaySource, then the report (trades, equity, levels, stats).
 */
import { formatNyIso, sessionsBetween } from '../calendar/index.js';
import { InputError } from '../core/errors.js';
import { MINUTE_MS } from '../core/types.js';
import { strategyFactory, type Published, type PublishedLevels, type PublishedSetup, type RawParams } from '../strategies/index.js';
import type { DaySource } from './minutes.js';
import { BacktestRunner, type Decision, type SkippedEntry, type TradeRecord } from './runner.js';
import { computeStats, type BacktestStats } from './stats.js';

export interface BacktestRequest {
  strategy: string;
  symbol: string;
  from: string;
  to: string;
  params?: RawParams;
  /** Starting equity in cents (default $100,000). */
  startEquityCents?: number;
  /** Bootstrap seed (default 1). */
  seed?: number;
  recordDecisions?: boolean;
  /** Called after each session: done, total. */
  onProgress?: (done: number, total: number) => void;
}

export interface ReportTrade {
  entryTime: string;
  exitTime: string;
  side: 'long' | 'short';
  entryPrice: number;
  exitPrice: number;
  stop: number;
  target: number | null;
  qty: number;
  fees: number;
  pnl: number;
  r: number;
  reasonIn: string;
  reasonOut: string;
  mae: number;
  mfe: number;
}

export interface BacktestReport {
  strategy: string;
  symbol: string;
  from: string;
  to: string;
  mode: 'underlying';
  params: Record<string, unknown>;
  sessions: number;
  bars: number;
  startEquity: number;
  trades: ReportTrade[];
  stats: BacktestStats;
  levels: Array<{ date: string; name: string; from: string; to: string; high: number; low: number }>;
  setups: Array<{ time: string; name: string; side: string; level: number }>;
  equity: Array<{ time: string; equity: number }>;
  skippedEntries: Array<{ at: string; reason: string; why: string }>;
  /** Raw results for callers that want epoch ms and cents (not serialised). */
  raw: { trades: TradeRecord[]; decisions: Decision[]; skipped: SkippedEntry[]; published: Published[]; dailyPnlCents: number[] };
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

export function runBacktest(source: DaySource, req: BacktestRequest): BacktestReport {
  const factory = strategyFactory(req.strategy);
  const { strategy, qty, params } = factory.create(req.params);
  const sessions = sessionsBetween(req.from, req.to);
  if (sessions.length === 0) throw new InputError('--from', `no NYSE session between ${req.from} and ${req.to}`);
  const runner = new BacktestRunner(strategy, { qty, recordDecisions: req.recordDecisions });
  const startEquityCents = req.startEquityCents ?? 10_000_000;
  const dailyPnlCents: number[] = [];
  let sessionMinutes = 0;
  let done = 0;
  let tradesBefore = 0;
  const total = sessions.length;
  // Progress counts every session of the range, traded or not (days without bars are skipped by the source).
  let next = 0;
  source.forEachDay(req.symbol, sessions, (day) => {
    while (sessions[next] !== day.session) {
      next++;
      done++;
    }
    next++;
    runner.runDay(day);
    sessionMinutes += (day.session.close - day.session.open) / MINUTE_MS;
    let pnl = 0;
    for (let k = tradesBefore; k < runner.trades.length; k++) pnl += runner.trades[k]!.pnlCents;
    tradesBefore = runner.trades.length;
    dailyPnlCents.push(pnl);
    done++;
    req.onProgress?.(done, total);
  });
  if (done < total) req.onProgress?.(total, total);

  const trades = runner.trades;
  const stats = computeStats({ trades, dailyPnlCents, startEquityCents, minutesInMarket: runner.minutesInMarket, sessionMinutes, seed: req.seed });
  let eq = startEquityCents;
  const equity = [{ time: formatNyIso(sessions[0]!.open), equity: eq / 100 }];
  for (const t of trades) {
    eq += t.pnlCents;
    equity.push({ time: formatNyIso(t.exitTime), equity: eq / 100 });
  }
  const levels = runner.published.filter((p): p is PublishedLevels => p.kind === 'levels');
  const setups = runner.published.filter((p): p is PublishedSetup => p.kind === 'setup');
  return {
    strategy: req.strategy, symbol: req.symbol, from: req.from, to: req.to, mode: 'underlying', params,
    sessions: dailyPnlCents.length, bars: runner.barsSeen, startEquity: startEquityCents / 100,
    trades: trades.map((t) => ({
      entryTime: formatNyIso(t.entryTime), exitTime: formatNyIso(t.exitTime), side: t.side, entryPrice: t.entryPrice, exitPrice: t.exitPrice,
      stop: t.stop, target: t.target, qty: t.qty, fees: t.feesCents / 100, pnl: t.pnlCents / 100, r: r4(t.r), reasonIn: t.reasonIn, reasonOut: t.reasonOut,
      mae: r4(t.mae), mfe: r4(t.mfe),
    })),
    stats,
    levels: levels.map((l) => ({ date: l.date, name: l.name, from: formatNyIso(l.from), to: formatNyIso(l.to), high: l.high, low: l.low })),
    setups: setups.map((s) => ({ time: formatNyIso(s.time), name: s.name, side: s.side, level: s.level })),
    equity,
    skippedEntries: runner.skipped.map((s) => ({ at: formatNyIso(s.at), reason: s.reason, why: s.why })),
    raw: { trades, decisions: runner.decisions, skipped: runner.skipped, published: runner.published, dailyPnlCents },
  };
}
