/**
 * Builds bar series from stored history: the path behind `optdesk bars`, `optdesk check`
 * and any other reader that wants closed history rather than a live feed. It goes through
 * the same BarEngine as live data, so what the CLI prints is what the chart shows.
 */
import type { DailyAggregate, IsoDate, MinuteAggregate, Timeframe } from '../core/types.js';
import { type Session, sessionsBetween, weekStartDate, addDays, nyMidnight } from '../calendar/index.js';
import { BarEngine } from './engine.js';

/** The part of the store this needs (explicit, so tests can pass anything with these methods). */
export interface HistorySource {
  minuteBars(symbol: string, fromMs: number, toMs: number): MinuteAggregate[];
  dailyBars(symbol: string, fromMs: number, toMs: number): DailyAggregate[];
}

export interface HistoryRequest {
  symbol: string;
  tf: Timeframe;
  from: IsoDate;
  to: IsoDate;
  extended?: boolean;
  /** "Now": sessions ending after it are still forming. Default: the wall clock. */
  now?: number;
}

export interface LoadedHistory {
  engine: BarEngine;
  sessions: Session[];
  /** Half-open range of bar starts that belong to the request. */
  fromMs: number;
  toMs: number;
}

/** Loads minutes and vendor dailies covering the request into a fresh engine. */
export function loadHistory(source: HistorySource, req: HistoryRequest): LoadedHistory {
  // Weekly bars need their whole week, whatever day the range starts or ends on.
  const loadFrom = req.tf === '1W' ? weekStartDate(req.from) : req.from;
  const loadTo = req.tf === '1W' ? addDays(weekStartDate(req.to), 6) : req.to;
  const fromMs = nyMidnight(loadFrom);
  const toMs = nyMidnight(addDays(loadTo, 1));
  const engine = new BarEngine({
    timeframes: [req.tf],
    extended: req.extended ?? false,
    clock: req.now ?? Date.now(),
  });
  for (const daily of source.dailyBars(req.symbol, fromMs, toMs)) engine.applyVendorDaily(daily);
  for (const minute of source.minuteBars(req.symbol, fromMs, toMs)) engine.applyMinute(minute, 'history');
  return { engine, sessions: sessionsBetween(loadFrom, loadTo), fromMs: nyMidnight(req.from), toMs: nyMidnight(addDays(req.to, 1)) };
}

/** The bars of one series for a date range, ascending. */
export function historyBars(source: HistorySource, req: HistoryRequest) {
  const { engine, fromMs, toMs } = loadHistory(source, req);
  const bars = engine.series(req.symbol, req.tf, req.extended ?? false);
  if (req.tf === '1W') {
    // A week is in range when any of its days is.
    return bars.filter((b) => b.start < toMs && b.start + 7 * 86_400_000 > fromMs);
  }
  return bars.filter((b) => b.start >= fromMs && b.start < toMs);
}
