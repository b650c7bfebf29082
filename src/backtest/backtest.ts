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
import { MODEL_NOTICE, OptionsMode, type OptionTradeRecord, type QuoteSourceLabel } from './options-mode.js';
import { describeOptionsModeParams, optionsModeParams, splitOptionParams } from './options-params.js';
import { computeStats, type BacktestStats } from './stats.js';

export interface BacktestRequest {
  strategy: string;
  symbol: string;
  from: string;
  to: string;
  params?: RawParams;
  /** `underlying` (shares, default) or `options` (options-mode.ts; its parameters ride in `params`). */
  mode?: 'underlying' | 'options';
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
  /** Options mode: the contract and its fills (entryPrice/exitPrice are then its ask/bid, qty contracts). */
  contract?: string;
  quoteSource?: QuoteSourceLabel;
  optionEntryTime?: string;
  optionExitTime?: string;
  entryAsk?: number;
  exitBid?: number;
  breakEven?: number;
  underlyingEntry?: number;
  underlyingExit?: number;
  pick?: string;
  exitNote?: string | null;
}

export interface BacktestReport {
  strategy: string;
  symbol: string;
  from: string;
  to: string;
  mode: 'underlying' | 'options';
  params: Record<string, unknown>;
  /** Options mode: the picker/exit parameters and how many trades used which quotes. */
  options?: { params: Record<string, unknown>; quoteSources: Record<QuoteSourceLabel, number>; exits: string; notice: string | null };
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

/** Checks every parameter of a run (the strategy's, and options mode's in that mode) before any work. */
export function backtestSetup(req: Pick<BacktestRequest, 'strategy' | 'symbol' | 'mode' | 'params'>) {
  const factory = strategyFactory(req.strategy);
  const split = req.mode === 'options' ? splitOptionParams(req.params) : { strategy: req.params, options: null };
  const optionParams = split.options ? optionsModeParams(split.options) : null;
  return { ...factory.create(split.strategy), optionParams };
}

export function runBacktest(source: DaySource, req: BacktestRequest): BacktestReport {
  const { strategy, qty, params, optionParams } = backtestSetup(req);
  const sessions = sessionsBetween(req.from, req.to);
  if (sessions.length === 0) throw new InputError('--from', `no NYSE session between ${req.from} and ${req.to}`);
  const options = optionParams ? new OptionsMode(req.symbol, optionParams, source.optionData?.() ?? null) : null;
  const runner = new BacktestRunner(strategy, { qty, recordDecisions: req.recordDecisions, hooks: options?.hooks, levelExits: !options?.exitsOnOptionBid });
  const trades: TradeRecord[] = options ? options.trades : runner.trades;
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
    for (let k = tradesBefore; k < trades.length; k++) pnl += trades[k]!.pnlCents;
    tradesBefore = trades.length;
    dailyPnlCents.push(pnl);
    done++;
    req.onProgress?.(done, total);
  });
  if (done < total) req.onProgress?.(total, total);

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
    strategy: req.strategy, symbol: req.symbol, from: req.from, to: req.to, mode: options ? 'options' : 'underlying', params,
    ...(options && optionParams ? {
      options: {
        params: describeOptionsModeParams(optionParams), quoteSources: { ...options.quoteSources },
        exits: options.exitsOnOptionBid ? 'on the option\'s bid (optionStopPct/optionTargetPct), flat time still applies' : 'on the underlying\'s stop, target and flat time',
        notice: options.quoteSources.MODEL > 0 ? `${MODEL_NOTICE}: ${options.quoteSources.MODEL} of ${trades.length} trades were priced with Black-Scholes at the underlying's realized volatility because no option quotes are recorded for ${req.symbol} on their sessions.` : null,
      },
    } : {}),
    sessions: dailyPnlCents.length, bars: runner.barsSeen, startEquity: startEquityCents / 100,
    trades: trades.map((t) => ({
      entryTime: formatNyIso(t.entryTime), exitTime: formatNyIso(t.exitTime), side: t.side, entryPrice: t.entryPrice, exitPrice: t.exitPrice,
      stop: t.stop, target: t.target, qty: t.qty, fees: t.feesCents / 100, pnl: t.pnlCents / 100, r: r4(t.r), reasonIn: t.reasonIn, reasonOut: t.reasonOut,
      mae: r4(t.mae), mfe: r4(t.mfe), ...optionFields(t),
    })),
    stats,
    levels: levels.map((l) => ({ date: l.date, name: l.name, from: formatNyIso(l.from), to: formatNyIso(l.to), high: l.high, low: l.low })),
    setups: setups.map((s) => ({ time: formatNyIso(s.time), name: s.name, side: s.side, level: s.level })),
    equity,
    skippedEntries: runner.skipped.map((s) => ({ at: formatNyIso(s.at), reason: s.reason, why: s.why })),
    raw: { trades, decisions: runner.decisions, skipped: runner.skipped, published: runner.published, dailyPnlCents },
  };
}

function optionFields(t: TradeRecord): Partial<ReportTrade> {
  const o = (t as Partial<OptionTradeRecord>).option;
  if (!o) return {};
  return {
    contract: o.contract, quoteSource: o.quoteSource, optionEntryTime: formatNyIso(o.entryQuoteTime), optionExitTime: formatNyIso(o.exitQuoteTime),
    entryAsk: o.entryAsk, exitBid: o.exitBid, breakEven: o.breakEven, underlyingEntry: o.underlyingEntry, underlyingExit: o.underlyingExit, pick: o.pick, exitNote: o.exitNote,
  };
}
