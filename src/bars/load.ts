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
  /** The same minutes as columns (the store's bulk read); used instead of `minuteBars` when present. */
  minuteColumns?(symbol: string, fromMs: number, toMs: number): MinuteColumns;
}

/** Minutes as parallel arrays, ascending (vwap/trades NaN when unknown) — the shape src/store/minute-columns.ts reads. */
export interface MinuteColumns {
  length: number;
  start: ArrayLike<number>;
  open: ArrayLike<number>;
  high: ArrayLike<number>;
  low: ArrayLike<number>;
  close: ArrayLike<number>;
  volume: ArrayLike<number>;
  vwap: ArrayLike<number>;
  trades: ArrayLike<number>;
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
  if (source.minuteColumns) {
    // No object per row: one scratch aggregate (the engine copies what it keeps into its own columns).
    const c = source.minuteColumns(req.symbol, fromMs, toMs);
    const m: MinuteAggregate = { symbol: req.symbol, start: 0, open: 0, high: 0, low: 0, close: 0, volume: 0 };
    for (let i = 0; i < c.length; i++) {
      m.start = c.start[i]!;
      m.open = c.open[i]!;
      m.high = c.high[i]!;
      m.low = c.low[i]!;
      m.close = c.close[i]!;
      m.volume = c.volume[i]!;
      const vwap = c.vwap[i]!;
      const trades = c.trades[i]!;
      m.vwap = vwap === vwap ? vwap : undefined;
      m.trades = trades === trades ? trades : undefined;
      engine.applyMinute(m, 'history');
    }
  } else {
    for (const minute of source.minuteBars(req.symbol, fromMs, toMs)) engine.applyMinute(minute, 'history');
  }
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
