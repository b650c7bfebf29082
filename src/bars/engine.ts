/**
 * BarEngine — the single writer of every bar series (DESIGN.md principles 1 and 2).
 *
 * Input is 1-minute data: complete minute aggregates (live `AM` or history), partial
 * aggregates (per-second `A`) and trades. Every other timeframe is derived from the
 * 1-minute bars, so all timeframes agree by construction. The daily bar of a closed
 * session is the vendor's official daily aggregate when one was supplied.
 *
 * Merge policy (DESIGN.md "Merge policy"):
 * - upsert by bar identity, O(1) per update on the fast path;
 * - live input owns a forming minute: history for that minute waits until it closes;
 * - a history response never overrides a live update received after the request was
 *   made (`asOfVersion`), so a slow backfill cannot roll a bar back (the prototype's race);
 * - nothing is ever deleted; identical re-sends are no-ops (idempotent), and input in any
 *   order converges to the same series.
 *
 * Every change is published as a `BarDelta` with a per-series `seq` that increases by one.
 */
import {
  type Bar,
  type IntradayTimeframe,
  type MinuteAggregate,
  type Timeframe,
  type Trade,
  INTRADAY_TIMEFRAMES,
  MINUTE_MS,
  isIntraday,
} from '../core/types.js';
import type { Session } from '../calendar/index.js';
import { sessionAt, nyMidnight } from '../calendar/index.js';
import { BucketAggregate, type BucketMembers, type MinuteValues } from './aggregate.js';
import { type MinutePlace, WeekBuckets, dailyBucket, intradayBucket, placeMinute } from './buckets.js';
import { BarSeries } from './series.js';
import { invalidAggregateReason } from './validate.js';
// Module-local copies of hot-path imports: tsx's transpiled ESM reads imported bindings through
// getters, which showed up in the bar-engine profile.
const MINUTE = MINUTE_MS;
const isIntradayTf = isIntraday;

export type AggregateOrigin = 'live' | 'history';

export interface BarDelta {
  symbol: string;
  tf: Timeframe;
  extended: boolean;
  seq: number;
  bar: Bar;
}

export interface BarEngineOptions {
  /** Timeframes to maintain (1m is always kept: it is the base). Default: all. */
  timeframes?: readonly Timeframe[];
  /** Also maintain extended-hours (04:00–20:00) intraday series. Default true. */
  extended?: boolean;
  /** Initial clock, epoch ms: bars whose bucket ended before it are final. Default 0. */
  clock?: number;
}

export interface BarEngineStats {
  /** Aggregates and trades accepted and applied. */
  applied: number;
  /** Inputs identical to what was already stored (re-sends, replays). */
  duplicates: number;
  /** Minutes that arrived after a later minute of the same symbol. */
  outOfOrder: number;
  /** Inputs refused as invalid; `rejectReasons` keeps the latest few. */
  rejected: number;
  /** History for a minute that live input still owned; applied when the minute closes. */
  deferredHistory: number;
  /** History older than a live update of the same minute, ignored so nothing rolls back. */
  staleHistory: number;
  /** Minutes outside every session segment (weekends, holidays, 20:00–04:00). */
  outsideSession: number;
}

interface MinuteState {
  values: MinuteValues;
  origin: AggregateOrigin;
  /** True while the minute is built from trades / second aggregates rather than a full aggregate. */
  partial: boolean;
  firstPartialTs: number;
  lastPartialTs: number;
  /** Set when a history snapshot seeded this forming minute: pieces stamped before it are already counted. */
  coveredUntil?: number;
  /** Engine version of the last live change, for the history-vs-live race. */
  liveVersion: number;
  /** History that arrived while live owned the forming minute; judged when the minute closes. */
  pendingHistory?: PendingHistory;
}

interface PendingHistory {
  values: MinuteValues;
  /** The response's `asOfVersion`: live changes after it still win when the minute closes. */
  asOfVersion: number | undefined;
}

interface PendingClose {
  book: SymbolBook;
  tf: Timeframe;
  start: number;
  end: number;
}

/**
 * Maps are keyed by minute number (start / 60 000) rather than epoch ms: those fit V8's
 * small integers, which hash and compare much faster than heap-allocated doubles.
 */
const key = (start: number): number => start / MINUTE;

class SymbolBook {
  readonly minutes = new Map<number, MinuteState>();
  latestMinuteStart = -Infinity;
  /** Bucket aggregates per timeframe; buckets never cross segment edges, so regular and extended series share them. */
  readonly buckets = new Map<Timeframe, Map<number, BucketAggregate>>();
  readonly vendorDaily = new Map<number, Bar>();
  readonly regular = new Map<Timeframe, BarSeries>();
  readonly extended = new Map<Timeframe, BarSeries>();
  constructor(readonly symbol: string) {}
}

const REJECT_REASONS_KEPT = 20;

export class BarEngine {
  private readonly books = new Map<string, SymbolBook>();
  private readonly listeners = new Set<(delta: BarDelta) => void>();
  private readonly derivedIntraday: readonly IntradayTimeframe[];
  private readonly keepDaily: boolean;
  private readonly keepWeekly: boolean;
  private readonly keepExtended: boolean;
  private readonly weeks = new WeekBuckets();
  private pendingCloses: PendingClose[] = [];
  private clockMs: number;
  private versionNo = 0;
  private readonly counters: BarEngineStats = {
    applied: 0, duplicates: 0, outOfOrder: 0, rejected: 0, deferredHistory: 0, staleHistory: 0, outsideSession: 0,
  };
  private readonly rejectLog: string[] = [];

  constructor(options: BarEngineOptions = {}) {
    const wanted = new Set<Timeframe>(options.timeframes ?? ['1m', ...INTRADAY_TIMEFRAMES, '1D', '1W']);
    this.derivedIntraday = INTRADAY_TIMEFRAMES.filter((tf) => tf !== '1m' && wanted.has(tf));
    this.keepWeekly = wanted.has('1W');
    // Weekly bars are built from daily bars, so asking for 1W keeps 1D too.
    this.keepDaily = wanted.has('1D') || this.keepWeekly;
    this.keepExtended = options.extended ?? true;
    this.clockMs = options.clock ?? 0;
  }

  // ───────────────────────────── reading ─────────────────────────────

  /** The engine's clock: bars whose bucket ended at or before it are final. */
  get clock(): number {
    return this.clockMs;
  }

  /** Logical version, increases with every live change. Pass it as `asOfVersion` with the history response of a request made now. */
  get version(): number {
    return this.versionNo;
  }

  stats(): BarEngineStats & { rejectReasons: string[] } {
    return { ...this.counters, rejectReasons: this.rejectLog.slice() };
  }

  symbols(): string[] {
    return [...this.books.keys()];
  }

  /** Bars ascending. Daily and weekly bars always cover the regular session, whatever `extended` says. */
  series(symbol: string, tf: Timeframe, extended = false, fromMs?: number, toMs?: number): Bar[] {
    return this.seriesOf(symbol, tf, extended)?.bars(fromMs, toMs) ?? [];
  }

  seq(symbol: string, tf: Timeframe, extended = false): number {
    return this.seriesOf(symbol, tf, extended)?.seq ?? 0;
  }

  lastBar(symbol: string, tf: Timeframe, extended = false): Bar | undefined {
    return this.seriesOf(symbol, tf, extended)?.last();
  }

  /** The daily bar derived from this session's regular-session minutes (for vendor reconciliation). */
  derivedDaily(symbol: string, session: Session): Bar | undefined {
    const agg = this.books.get(symbol)?.buckets.get('1D')?.get(key(session.midnight));
    return agg ? agg.toBar(this.clockMs >= agg.end, 'derived') : undefined;
  }

  /** The 1-minute inputs currently held for `symbol`, ascending (extended hours included). */
  minuteCount(symbol: string): number {
    return this.books.get(symbol)?.minutes.size ?? 0;
  }

  onDelta(listener: (delta: BarDelta) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ───────────────────────────── writing ─────────────────────────────

  /**
   * A complete 1-minute aggregate. `asOfVersion` (history only): the engine version when
   * the history request was made; live changes after it win over this response.
   * Returns false when the input was rejected or changed nothing.
   */
  applyMinute(agg: MinuteAggregate, origin: AggregateOrigin, asOfVersion?: number): boolean {
    const target = this.locate(agg);
    if (!target) return false;
    const { start, place, book, existing } = target;
    const values = toMinuteValues(agg, start);

    if (existing) {
      if (origin === 'history' && existing.origin === 'live') {
        if (asOfVersion !== undefined && existing.liveVersion > asOfVersion) {
          this.counters.staleHistory++; // the live update is newer than this response
          return false;
        }
        if (!this.isClosed(start + MINUTE)) {
          // Live owns the forming minute; the response is judged again when the minute closes
          // (identical numbers too, so the bar ends up 'history' whichever arrived first).
          existing.pendingHistory = { values, asOfVersion };
          this.counters.deferredHistory++;
          return false;
        }
        if (sameValues(existing.values, values) && !existing.partial) {
          // Same numbers, now confirmed final: the stored bar's source must say so too, or the
          // final store would depend on whether live or history arrived first.
          existing.origin = 'history';
          this.counters.duplicates++;
          this.publishMinute(book, start, place, 'history');
          return false;
        }
      } else if (sameValues(existing.values, values) && !existing.partial) {
        this.counters.duplicates++;
        return false;
      }
    }

    // History for a minute that is still forming (a backfill reaching "now") is the provider's
    // picture as of about the clock: keep it open to live pieces stamped after that, or the
    // candle would freeze until the minute's complete aggregate arrives.
    const seedsFormingMinute = origin === 'history' && !this.isClosed(start + MINUTE);
    const state: MinuteState = {
      values,
      origin,
      partial: seedsFormingMinute,
      firstPartialTs: start,
      lastPartialTs: seedsFormingMinute ? Math.max(start, this.clockMs) : start,
      ...(seedsFormingMinute ? { coveredUntil: Math.max(start, this.clockMs) } : {}),
      liveVersion: origin === 'live' ? ++this.versionNo : existing?.liveVersion ?? 0,
      // A live re-send does not cancel a deferred history response; the close judges it by its asOfVersion.
      pendingHistory: origin === 'live' ? existing?.pendingHistory : undefined,
    };
    book.minutes.set(key(start), state);
    this.counters.applied++;
    this.propagate(book, state, place, existing?.values);
    return true;
  }

  /** A partial aggregate covering part of a minute (per-second `A`), merged into the forming minute. */
  applyPartial(agg: MinuteAggregate): boolean {
    const target = this.locate(agg);
    if (!target) return false;
    const { start, place, book, existing } = target;

    let values: MinuteValues;
    let first = agg.start;
    let last = agg.start;
    if (!existing) {
      values = toMinuteValues(agg, start);
    } else if (!existing.partial || (existing.coveredUntil !== undefined && agg.start < existing.coveredUntil)) {
      // A complete aggregate (or a history snapshot up to `coveredUntil`) already covers
      // this piece; adding it would double count.
      this.counters.duplicates++;
      return false;
    } else {
      const cur = existing.values;
      first = Math.min(existing.firstPartialTs, agg.start);
      last = Math.max(existing.lastPartialTs, agg.start);
      values = {
        start,
        open: agg.start < existing.firstPartialTs ? agg.open : cur.open,
        high: Math.max(cur.high, agg.high),
        low: Math.min(cur.low, agg.low),
        close: agg.start >= existing.lastPartialTs ? agg.close : cur.close,
        volume: cur.volume + agg.volume,
        vwap: mergeVwap(cur, agg),
        trades: cur.trades !== undefined && agg.trades !== undefined ? cur.trades + agg.trades : undefined,
      };
    }
    const state: MinuteState = {
      values,
      origin: 'live',
      partial: true,
      firstPartialTs: first,
      lastPartialTs: last,
      liveVersion: ++this.versionNo,
      pendingHistory: existing?.pendingHistory,
      ...(existing?.coveredUntil !== undefined ? { coveredUntil: existing.coveredUntil } : {}),
    };
    book.minutes.set(key(start), state);
    this.counters.applied++;
    this.propagate(book, state, place, existing?.values);
    return true;
  }

  /** One trade print: a partial aggregate of a single trade. */
  applyTrade(trade: Trade): boolean {
    return this.applyPartial({
      symbol: trade.symbol,
      start: trade.ts,
      open: trade.price,
      high: trade.price,
      low: trade.price,
      close: trade.price,
      volume: trade.size,
      vwap: trade.price,
      trades: 1,
    });
  }

  /**
   * The vendor's official daily bar (`start` = 00:00 New York of the session). It replaces
   * the minute-derived daily bar once that session is closed; the derived one stays
   * available through `derivedDaily` for the integrity report.
   */
  applyVendorDaily(agg: MinuteAggregate): boolean {
    if (!this.accept(agg)) return false;
    const session = sessionAt(agg.start);
    if (!session) {
      this.counters.outsideSession++;
      return false;
    }
    const book = this.book(agg.symbol);
    const bar: Bar = ({
      start: session.midnight,
      open: agg.open,
      high: agg.high,
      low: agg.low,
      close: agg.close,
      volume: agg.volume,
      ...(agg.vwap !== undefined ? { vwap: agg.vwap } : {}),
      ...(agg.trades !== undefined ? { trades: agg.trades } : {}),
      closed: true,
      source: 'vendor' as const,
    });
    const old = book.vendorDaily.get(key(session.midnight));
    if (old && sameBar(old, bar)) {
      this.counters.duplicates++;
      return false;
    }
    book.vendorDaily.set(key(session.midnight), bar);
    this.counters.applied++;
    const hasDerived = book.buckets.get('1D')?.has(key(session.midnight)) ?? false;
    if (this.keepDaily && !hasDerived && !this.isClosed(session.close)) {
      // No minutes yet for this session: still swap the vendor bar in when it closes.
      this.pendingCloses.push({ book, tf: '1D', start: session.midnight, end: session.close });
    }
    if (this.keepDaily) this.publishDaily(book, session);
    return true;
  }

  /** Moves the clock forward; bars whose bucket has ended become final (and emit a delta). */
  advanceClock(ms: number): void {
    if (!(ms > this.clockMs)) return;
    this.clockMs = ms;
    if (this.pendingCloses.length === 0) return;
    const stillOpen: PendingClose[] = [];
    const due: PendingClose[] = [];
    for (const p of this.pendingCloses) (p.end <= ms ? due : stillOpen).push(p);
    this.pendingCloses = stillOpen;
    // Minutes first: a deferred history aggregate lands before the buckets above it close.
    due.sort((a, b) => tfRank(a.tf) - tfRank(b.tf) || a.start - b.start);
    for (const p of due) this.closeBucket(p);
  }

  // ───────────────────────────── internals ─────────────────────────────

  private accept(agg: MinuteAggregate): boolean {
    const reason = invalidAggregateReason(agg);
    if (!reason) return true;
    this.counters.rejected++;
    this.rejectLog.push(`${agg.symbol ?? '?'} @ ${String(agg.start)}: ${reason}`);
    if (this.rejectLog.length > REJECT_REASONS_KEPT) this.rejectLog.shift();
    return false;
  }

  /** Validates an input and finds its minute: where it sits in the session and what is stored there. */
  private locate(agg: MinuteAggregate) {
    if (!this.accept(agg)) return null;
    const start = agg.start - (agg.start % MINUTE);
    const place = placeMinute(start);
    if (!place) {
      this.counters.outsideSession++;
      return null;
    }
    const book = this.book(agg.symbol);
    const existing = book.minutes.get(key(start));
    this.noteOrder(book, start, existing);
    return { start, place, book, existing };
  }

  private noteOrder(book: SymbolBook, start: number, existing: MinuteState | undefined): void {
    if (start > book.latestMinuteStart) book.latestMinuteStart = start;
    else if (!existing) this.counters.outOfOrder++;
  }

  private book(symbol: string): SymbolBook {
    let book = this.books.get(symbol);
    if (!book) {
      book = new SymbolBook(symbol);
      this.books.set(symbol, book);
    }
    return book;
  }

  private seriesOf(symbol: string, tf: Timeframe, extended: boolean): BarSeries | undefined {
    const book = this.books.get(symbol);
    if (!book) return undefined;
    return (extended && isIntradayTf(tf) ? book.extended : book.regular).get(tf);
  }

  private isClosed(end: number): boolean {
    return this.clockMs >= end;
  }

  /** Updates the 1m bar and every bucket above it after the minute in `state` changed. */
  private propagate(book: SymbolBook, state: MinuteState, place: MinutePlace, old: MinuteValues | undefined): void {
    const m = state.values;
    const regular = place.segment === 'regular';
    this.upsertBucket(book, '1m', { start: m.start, end: m.start + MINUTE }, m, old, regular, state.origin);
    for (const tf of this.derivedIntraday) {
      this.upsertBucket(book, tf, intradayBucket(m.start, place, tf), m, old, regular, 'derived');
    }
    if (regular && this.keepDaily) {
      // The daily bucket spans midnight–close (its start is the bar's identity) but its members
      // are the regular-session minutes only: a recompute must not pick up pre-market minutes.
      this.upsertBucket(book, '1D', dailyBucket(place.session), m, old, true, 'derived', false, place.session.open);
      this.publishDaily(book, place.session);
    }
  }

  /** Visits the stored minutes inside [start, end): the bucket's members for a recompute. */
  private minuteMembers(book: SymbolBook, start: number, end: number): BucketMembers {
    return (visit) => {
      for (let k = key(start); k < key(end); k++) {
        const state = book.minutes.get(k);
        if (state) visit(state.values);
      }
    };
  }

  private upsertBucket(
    book: SymbolBook,
    tf: Timeframe,
    span: { start: number; end: number },
    m: MinuteValues,
    old: MinuteValues | undefined,
    regular: boolean,
    source: Bar['source'],
    publish = true,
    membersFrom = span.start,
  ): void {
    let byStart = book.buckets.get(tf);
    if (!byStart) {
      byStart = new Map();
      book.buckets.set(tf, byStart);
    }
    let agg = byStart.get(key(span.start));
    if (!agg) {
      agg = new BucketAggregate(span.start, span.end);
      byStart.set(key(span.start), agg);
      if (!this.isClosed(span.end)) this.pendingCloses.push({ book, tf, start: span.start, end: span.end });
    }
    if (agg.upsert(m, old)) agg.recompute(this.minuteMembers(book, membersFrom, span.end));
    if (publish) this.publish(book, tf, regular, agg.toBar(this.isClosed(span.end), source));
  }

  /** Emits the session's daily bar: the vendor's once the session is closed, else the derived one. Then its week. */
  private publishDaily(book: SymbolBook, session: Session): void {
    const closed = this.isClosed(session.close);
    const vendor = closed ? book.vendorDaily.get(key(session.midnight)) : undefined;
    const derived = book.buckets.get('1D')?.get(key(session.midnight));
    const bar = vendor ?? derived?.toBar(closed, 'derived');
    if (!bar) return;
    const before = book.regular.get('1D')?.get(session.midnight);
    const changed = this.publish(book, '1D', true, bar);
    if (changed && this.keepWeekly) this.publishWeek(book, session, bar, before);
  }

  private publishWeek(book: SymbolBook, session: Session, daily: Bar, before: Bar | undefined): void {
    const span = this.weeks.forSession(session);
    let byStart = book.buckets.get('1W');
    if (!byStart) {
      byStart = new Map();
      book.buckets.set('1W', byStart);
    }
    let agg = byStart.get(key(span.start));
    if (!agg) {
      agg = new BucketAggregate(span.start, span.end);
      byStart.set(key(span.start), agg);
      if (!this.isClosed(span.end)) this.pendingCloses.push({ book, tf: '1W', start: span.start, end: span.end });
    }
    const dailySeries = book.regular.get('1D');
    if (agg.upsert(daily, before)) {
      agg.recompute((visit) => {
        for (const date of span.sessionDates) {
          const bar = dailySeries?.get(nyMidnight(date));
          if (bar) visit(bar);
        }
      });
    }
    this.publish(book, '1W', true, agg.toBar(this.isClosed(span.end), 'derived'));
  }

  private closeBucket(p: PendingClose): void {
    const { book, tf, start } = p;
    if (tf === '1m') {
      const state = book.minutes.get(key(start));
      if (!state) return;
      const place = placeMinute(start);
      if (!place) return;
      const pendingHistory = state.pendingHistory;
      state.pendingHistory = undefined;
      if (pendingHistory && pendingHistory.asOfVersion !== undefined && state.liveVersion > pendingHistory.asOfVersion) {
        this.counters.staleHistory++; // live changed the minute after this response was requested
      } else if (pendingHistory) {
        const pending = pendingHistory.values;
        if (!sameValues(pending, state.values) || state.partial) {
          const replaced: MinuteState = { ...state, values: pending, origin: 'history', partial: false };
          book.minutes.set(key(start), replaced);
          this.propagate(book, replaced, place, state.values);
          return;
        }
        state.origin = 'history';
      }
      this.publishMinute(book, start, place, state.origin);
      return;
    }
    if (tf === '1D') {
      const session = sessionAt(start);
      if (session) this.publishDaily(book, session);
      return;
    }
    const agg = book.buckets.get(tf)?.get(key(start));
    if (!agg) return;
    const place = placeMinute(start);
    this.publish(book, tf, tf === '1W' || place?.segment === 'regular', agg.toBar(true, 'derived'));
  }

  /** Re-emits a stored 1m bar whose values did not change (it closed, or its source changed). */
  private publishMinute(book: SymbolBook, start: number, place: MinutePlace, source: Bar['source']): void {
    const agg = book.buckets.get('1m')?.get(key(start));
    if (agg) this.publish(book, '1m', place.segment === 'regular', agg.toBar(this.isClosed(start + MINUTE), source));
  }

  /** Stores `bar` in the regular and/or extended series unless nothing changed; returns whether it changed. */
  private publish(book: SymbolBook, tf: Timeframe, regular: boolean, bar: Bar): boolean {
    let changed = false;
    if (regular) changed = this.putInto(book, book.regular, tf, false, bar) || changed;
    if (this.keepExtended && isIntradayTf(tf)) changed = this.putInto(book, book.extended, tf, true, bar) || changed;
    return changed;
  }

  private putInto(book: SymbolBook, family: Map<Timeframe, BarSeries>, tf: Timeframe, extended: boolean, bar: Bar): boolean {
    let series = family.get(tf);
    if (!series) {
      series = new BarSeries();
      family.set(tf, series);
    }
    const old = series.get(bar.start);
    if (old && sameBar(old, bar)) return false;
    const seq = series.put(bar);
    if (this.listeners.size > 0) {
      const delta: BarDelta = { symbol: book.symbol, tf, extended, seq, bar };
      for (const listener of this.listeners) listener(delta);
    }
    return true;
  }
}

function toMinuteValues(agg: MinuteAggregate, start: number): MinuteValues {
  return {
    start,
    open: agg.open,
    high: agg.high,
    low: agg.low,
    close: agg.close,
    volume: agg.volume,
    vwap: agg.vwap,
    trades: agg.trades,
  };
}

function mergeVwap(cur: MinuteValues, add: MinuteAggregate): number | undefined {
  if (cur.vwap === undefined || add.vwap === undefined) return undefined;
  const volume = cur.volume + add.volume;
  return volume > 0 ? (cur.vwap * cur.volume + add.vwap * add.volume) / volume : add.vwap;
}

function sameValues(a: MinuteValues, b: MinuteValues): boolean {
  return a.open === b.open && a.high === b.high && a.low === b.low && a.close === b.close && a.volume === b.volume &&
    a.vwap === b.vwap && a.trades === b.trades;
}

function sameBar(a: Bar, b: Bar): boolean {
  return a.open === b.open && a.high === b.high && a.low === b.low && a.close === b.close && a.volume === b.volume &&
    a.closed === b.closed && a.source === b.source && a.vwap === b.vwap && a.trades === b.trades;
}

const TF_RANK: Record<Timeframe, number> = {
  '1m': 0, '2m': 1, '3m': 2, '5m': 3, '10m': 4, '15m': 5, '30m': 6, '1h': 7, '2h': 8, '4h': 9, '1D': 10, '1W': 11,
};
function tfRank(tf: Timeframe): number {
  return TF_RANK[tf];
}
