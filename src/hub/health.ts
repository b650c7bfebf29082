/**
 * Series health as the chart badge shows it (DESIGN.md "Hub protocol": LIVE | REPLAY |
 * DELAYED | BACKFILLING | STALE | DEGRADED, last update age, gaps, source), and the input
 * bookkeeping it is computed from (last input time, missing regular-session minutes).
 */
import { MINUTE_MS } from '../core/types.js';
import { placeMinute } from '../bars/index.js';
import { sessionAt } from '../calendar/index.js';
import type { FeedStatus } from '../feeds/types.js';
import type { SeriesHealth } from '../wire/protocol.js';
import type { SymbolEntry } from './symbol-state.js';

export interface HealthInputs {
  symbol: string;
  state: SymbolEntry;
  /** Feed time (replay clock or wall clock). */
  now: number;
  feedKind: string;
  feedState: FeedStatus;
  /** Replay: why the symbol has nothing to show this session. */
  noData?: string;
  staleAfterMs: number;
}

export function seriesHealth({ symbol, state: s, now, feedKind, feedState, noData, staleAfterMs }: HealthInputs): SeriesHealth {
  const age = s.lastInputAt === undefined ? null : Math.max(0, now - s.lastInputAt);
  const base = { lastUpdateAgeMs: age, gaps: s.gaps, source: feedKind };
  if (s.backfill) return { state: 'BACKFILLING', ...base, message: `Loading history for ${symbol}…` };
  if (s.error) return { state: 'DEGRADED', ...base, message: s.error };
  switch (feedState.state) {
    case 'degraded':
    case 'down':
      return { state: 'DEGRADED', ...base, message: feedState.message ?? `The ${feedKind} feed is ${feedState.state}` };
    case 'connecting':
      return { state: 'BACKFILLING', ...base, message: feedState.message ?? 'Connecting to the feed…' };
    case 'replay':
      return { state: 'REPLAY', ...base, ...(noData ? { message: noData } : feedState.message ? { message: feedState.message } : {}) };
    case 'delayed':
    case 'live': {
      // A delayed stream flows continuously too (15 minutes late): silence is STALE in both.
      const inSession = placeMinute(now - (now % MINUTE_MS)) !== null;
      if (inSession && s.refs > 0 && (age === null || age > staleAfterMs)) {
        return { state: 'STALE', ...base, message: `No update for ${symbol} in ${age === null ? 'this session' : `${Math.round(age / 1000)} s`}` };
      }
      const note = feedState.message ? { message: feedState.message } : {};
      return { state: feedState.state === 'delayed' ? 'DELAYED' : 'LIVE', ...base, ...note };
    }
  }
}

/**
 * Records an input for the symbol at feed time `now`; a complete regular-session minute
 * after a skipped one counts a gap. True when the gap count changed since last announced
 * (the caller then emits `health`).
 */
export function noteInput(s: SymbolEntry, start: number, completeMinute: boolean, now: number): boolean {
  s.lastInputAt = now;
  if (!completeMinute) return false;
  const minute = start - (start % MINUTE_MS);
  const place = placeMinute(minute);
  if (place?.segment !== 'regular') return false;
  const last = s.lastRegularMinute;
  if (last !== undefined && minute > last + MINUTE_MS && sessionAt(last)?.date === place.session.date) {
    s.gaps++;
  }
  if (last === undefined || minute > last) s.lastRegularMinute = minute;
  if (s.gaps === s.reportedGaps) return false;
  s.reportedGaps = s.gaps;
  return true;
}

/** What changes the badge: `health` is emitted only when this differs from the last one sent. */
export function healthFingerprint(h: SeriesHealth): string {
  return `${h.state}|${h.gaps}|${h.message ?? ''}`;
}
