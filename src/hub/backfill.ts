/**
 * Backfill: loading a symbol's minute (and vendor daily) history into the BarEngine, so a
 * chart's snapshot has the past before live deltas extend it. Single-flight per symbol
 * (the request in flight is kept on its SymbolEntry), incremental after the first time
 * (from `loadedThrough` minus an overlap for late re-sent minutes), and dropped when a
 * replay reset made the timeline it was asked for void.
 */
import { type DailyAggregate, MINUTE_MS } from '../core/types.js';
import type { BarEngine } from '../bars/index.js';
import { previousSession, nyDate } from '../calendar/index.js';
import type { MarketDataFeed } from '../feeds/types.js';
import type { SymbolEntry } from './symbol-state.js';

/** Extra history requested before `loadedThrough`, because providers re-send late minutes (~15 min). */
export const BACKFILL_OVERLAP_MS = 15 * MINUTE_MS;

/**
 * A feed that serves the vendor's daily bars for the 1D/1W charts (replay: the flat files;
 * Massive: REST `/range/1/day`), of the sessions closed before `beforeMs`.
 */
export interface DailyHistorySource {
  fetchDailyHistory(symbol: string, beforeMs?: number): Promise<DailyAggregate[]>;
}

export function dailyHistoryOf(feed: MarketDataFeed): DailyHistorySource | undefined {
  return typeof (feed as Partial<DailyHistorySource>).fetchDailyHistory === 'function' ? (feed as MarketDataFeed & DailyHistorySource) : undefined;
}

/** A live feed loads the pre-market of the `sessions`-th session before today onward. */
export function liveHistoryStart(wallNow: number, sessions: number): number {
  let session = previousSession(nyDate(wallNow));
  for (let i = 1; i < sessions; i++) session = previousSession(session.date);
  return session.preOpen;
}

export interface BackfillRequest {
  feed: MarketDataFeed;
  /** The engine the history goes into (the hub's current one). */
  engine: BarEngine;
  /** The hub's replay generation when asked, and a reader of the current one. */
  generation: number;
  currentGeneration: () => number;
  /** Feed time up to which to load (exclusive). */
  to: number;
  /** Earliest history the hub keeps (replay: the window's start; live: liveHistoryStart). */
  historyStart: number;
}

/**
 * Starts loading `symbol`'s history into `s` (the caller checked that nothing is in
 * flight and the symbol is not already streaming with history); sets and returns
 * `s.backfill`, which is cleared when done.
 */
export function startBackfill(symbol: string, s: SymbolEntry, req: BackfillRequest): Promise<void> {
  const { feed, engine, generation, to } = req;
  const asOfVersion = engine.version; // live input after this point wins over the response
  const streaming = s.refs > 0;
  const streamEpoch = s.streamEpoch;
  const from = Math.max(req.historyStart, s.loadedThrough - BACKFILL_OVERLAP_MS);
  const needDaily = !Number.isFinite(s.loadedThrough);
  s.backfill = (async () => {
    try {
      const [minutes, daily] = await Promise.all([
        feed.fetchMinuteHistory(symbol, from, to),
        needDaily ? dailyHistoryOf(feed)?.fetchDailyHistory(symbol, to) ?? Promise.resolve([]) : Promise.resolve([]),
      ]);
      if (generation !== req.currentGeneration()) return; // a replay reset made this history void
      for (const d of daily) engine.applyVendorDaily(d);
      for (const m of minutes) engine.applyMinute(m, 'history', asOfVersion);
      s.loadedThrough = to;
      s.error = undefined;
      // Only a request made while the current stream already ran covers up to it; otherwise
      // the minutes between `to` and the stream's start are missing (loadThenFlush re-asks).
      if (streaming && s.refs > 0 && s.streamEpoch === streamEpoch) s.liveLoaded = true;
    } catch (err) {
      if (generation === req.currentGeneration()) s.error = `History for ${symbol} failed: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      if (generation === req.currentGeneration()) s.backfill = undefined;
    }
  })();
  return s.backfill;
}
