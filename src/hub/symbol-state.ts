/**
 * Per-symbol state of the ChartHub: the provider subscription count, how far history is
 * loaded (backfill.ts) and what the health badge reads from the input (health.ts). One
 * entry per symbol however many series and sockets watch it.
 */
export interface SymbolEntry {
  /** (socket, series) subscriptions on this symbol; the provider is subscribed while > 0. */
  refs: number;
  /** The provider stream covers everything after the last completed backfill. */
  liveLoaded: boolean;
  /** Bumped whenever the provider stream (re)starts: a backfill requested before that does not cover the gap. */
  streamEpoch: number;
  /** Feed time up to which history has been loaded (for incremental backfills). */
  loadedThrough: number;
  backfill?: Promise<void>;
  lastInputAt?: number;
  lastRegularMinute?: number;
  gaps: number;
  /** Gap count last announced in a `health` event. */
  reportedGaps: number;
  error?: string;
}

export function newSymbolEntry(): SymbolEntry {
  return { refs: 0, liveLoaded: false, streamEpoch: 0, loadedThrough: -Infinity, gaps: 0, reportedGaps: 0 };
}

/** A replay reset: everything loaded or counted belongs to the old timeline (refs stay). */
export function resetSymbolEntry(s: SymbolEntry): void {
  s.liveLoaded = false;
  s.loadedThrough = -Infinity;
  s.backfill = undefined;
  s.lastInputAt = undefined;
  s.lastRegularMinute = undefined;
  s.gaps = 0;
  s.reportedGaps = 0;
  s.error = undefined;
}
