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
 * - nothing is ever deleted (except minutes the window has moved past, see `maxMinutes`);
 *   identical re-sends are no-ops (idempotent), and input in any order converges to the
 *   same series.
 *
 * Every change is published as a `BarDelta` with a per-series `seq` that increases by one.
 *
 * Storage (columns.ts): each symbol's minutes are typed-array columns, ascending. Intraday
 * bars above 1m are not stored: a series read computes them from the minutes, and the
 * engine keeps only each timeframe's forming bucket (a cursor) so the live path — a minute
 * appended after the last one, or the last one replaced — costs O(timeframes) with no
 * allocation when nobody listens. Anything else (a minute inserted before the last one, a
 * correction that shrinks a bar) recomputes the touched buckets from their minutes, which
 * is bounded by the bucket (≤ 240 minutes for 4h). Daily and weekly bars (one per session)
 * are kept as objects, as before. Closing uses, per timeframe, the end of the first open
 * bucket: the clock only does work when it passes one.
 */
import {
  type AggregateOrigin,
  type Bar,
  type Ohlcv,
  type IntradayTimeframe,
  type MinuteAggregate,
  type Timeframe,
  type Trade,
  INTRADAY_TIMEFRAMES,
  MINUTE_MS,
  timeframeMinutes,
} from '../core/types.js';
import type { Session } from '../calendar/index.js';
import { addDays, nyDate, nyMidnight, sessionAt, weekStartDate } from '../calendar/index.js';
import { type MinutePlace, WeekBuckets, placeMinute } from './buckets.js';
import { BarSeries } from './series.js';
import { invalidAggregateReason } from './validate.js';
import {
  FROM_HISTORY, MinuteColumns, MinuteSnapshot, PARTIAL, SEG_POST, SEG_PRE, SEG_REGULAR, SEGMENT_SHIFT, Tally, VWAP_SCALE,
} from './columns.js';
// Module-local copies of hot-path imports: tsx's transpiled ESM reads imported bindings through
// getters, which showed up in the bar-engine profile.
const MINUTE = MINUTE_MS;

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
  /**
   * The window: at most this many minutes per symbol stay in memory (default 4,000,000 ≈
   * 16 years of 04:00–20:00 minutes, ~360 MB). Past it the oldest whole weeks of minutes are
   * dropped: their intraday bars are no longer served (the store still has the minutes), input
   * older than the window is refused (`stats().beforeWindow`), and daily/weekly bars, one
   * per session, are kept.
   */
  maxMinutes?: number;
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
  /** Minutes older than the window (`maxMinutes`), refused. */
  beforeWindow: number;
  /** Minutes dropped from memory as the window moved on. */
  evicted: number;
}

/** One minute's values (a deferred history response keeps them until the minute closes). */
interface MinuteValues extends Ohlcv {
  start: number;
}

/** Per-minute state the columns do not hold: only partial (trade-built) minutes and deferred history have one. */
interface MinuteExtra {
  firstPartialTs: number;
  lastPartialTs: number;
  /** Set when a history snapshot seeded this forming minute: pieces stamped before it are already counted. */
  coveredUntil?: number;
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
  tf: '1D' | '1W';
  start: number;
  end: number;
}

const N_INTRADAY = INTRADAY_TIMEFRAMES.length;
const TF_WIDTH: number[] = INTRADAY_TIMEFRAMES.map((tf) => timeframeMinutes(tf) * MINUTE);
const TF_INDEX = new Map<Timeframe, number>(INTRADAY_TIMEFRAMES.map((tf, i) => [tf, i]));
const SEGMENT_CODE = { pre: SEG_PRE, regular: SEG_REGULAR, post: SEG_POST } as const;
const DEFAULT_MAX_MINUTES = 4_000_000;
const WEEK = 7 * 86_400_000;

/** Maps are keyed by minute number (start / 60 000): small integers hash faster than epoch-ms doubles. */
const key = (start: number): number => start / MINUTE;

class SymbolBook {
  readonly cols = new MinuteColumns();
  /** Keyed by minute number; rare (see MinuteExtra). */
  readonly extras = new Map<number, MinuteExtra>();
  latestMinuteStart = -Infinity;
  /** Minutes before this were dropped by the window. */
  horizon = -Infinity;
  /** The bucket holding the latest minute, per intraday timeframe (index as INTRADAY_TIMEFRAMES). */
  readonly cursors: Tally[] = INTRADAY_TIMEFRAMES.map(() => new Tally());
  /** Seq per intraday series: [tf * 2] regular, [tf * 2 + 1] extended. */
  readonly seqs = new Float64Array(N_INTRADAY * 2);
  /** Start and end of the first bucket still open (not yet final), per intraday timeframe. */
  readonly openFrom = new Float64Array(N_INTRADAY).fill(Infinity);
  readonly nextClose = new Float64Array(N_INTRADAY).fill(Infinity);
  /** Smallest `nextClose`: the clock does nothing for this symbol before it. */
  nextIntradayClose = Infinity;
  /** Last segment looked up (minutes arrive clustered: one calendar lookup per segment, not per minute). */
  place: MinutePlace | null = null;
  /** Running totals per session (1D, regular minutes only) and per week (of the published daily bars). */
  readonly daily = new Map<number, Tally>();
  readonly weekly = new Map<number, Tally>();
  readonly vendorDaily = new Map<number, Bar>();
  /** The published 1D and 1W series (also as fields: the per-minute path skips the map). */
  readonly regular = new Map<Timeframe, BarSeries>();
  dailySeries: BarSeries | undefined;
  weeklySeries: BarSeries | undefined;
  constructor(readonly symbol: string) {}

  placeOf(start: number): MinutePlace | null {
    const p = this.place;
    if (p !== null && start >= p.segmentStart && start < p.segmentEnd) return p;
    const found = placeMinute(start);
    if (found) this.place = found;
    return found;
  }
}

const REJECT_REASONS_KEPT = 20;

export class BarEngine {
  private readonly books = new Map<string, SymbolBook>();
  private readonly listeners = new Set<(delta: BarDelta) => void>();
  /** Indexes (into INTRADAY_TIMEFRAMES) of the derived intraday timeframes kept. */
  private readonly derived: readonly number[];
  private readonly keepDaily: boolean;
  private readonly keepWeekly: boolean;
  private readonly keepExtended: boolean;
  private readonly maxMinutes: number;
  private readonly weeks = new WeekBuckets();
  /** Daily and weekly buckets still open (one per session or week, so a list is fine). */
  private dailyCloses: PendingClose[] = [];
  private nextDailyClose = Infinity;
  private clockMs: number;
  private versionNo = 0;
  private readonly counters: BarEngineStats = {
    applied: 0, duplicates: 0, outOfOrder: 0, rejected: 0, deferredHistory: 0, staleHistory: 0, outsideSession: 0,
    beforeWindow: 0, evicted: 0,
  };
  private readonly rejectLog: string[] = [];
  // Scratch state reused by the hot path (the engine is synchronous, so one set suffices).
  private readonly oldMinute = new MinuteSnapshot();
  private readonly prev = new Tally();
  private readonly scratch = new Tally();
  private readonly oldDaily = new MinuteSnapshot();
  /** True while the clock closes minutes (a deferred history aggregate may land then). */
  private closing = false;
  /** Derived buckets such a landing already published final: the closing pass skips them. */
  private closedDuringPass: Set<string> | null = null;
  // Result of `locate` (fields, not an object: the hot path allocates nothing).
  private locStart = 0;
  private locPlace: MinutePlace | null = null;
  private locBook: SymbolBook | null = null;
  private locIndex = -1;

  constructor(options: BarEngineOptions = {}) {
    const wanted = new Set<Timeframe>(options.timeframes ?? ['1m', ...INTRADAY_TIMEFRAMES, '1D', '1W']);
    this.derived = INTRADAY_TIMEFRAMES.map((tf, i) => (tf !== '1m' && wanted.has(tf) ? i : -1)).filter((i) => i > 0);
    this.keepWeekly = wanted.has('1W');
    // Weekly bars are built from daily bars, so asking for 1W keeps 1D too.
    this.keepDaily = wanted.has('1D') || this.keepWeekly;
    this.keepExtended = options.extended ?? true;
    this.clockMs = options.clock ?? 0;
    this.maxMinutes = Math.max(options.maxMinutes ?? DEFAULT_MAX_MINUTES, 10_000);
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

  /** Bars ascending, starts in [fromMs, toMs). Daily and weekly bars always cover the regular session, whatever `extended` says. */
  series(symbol: string, tf: Timeframe, extended = false, fromMs = -Infinity, toMs = Infinity): Bar[] {
    const book = this.books.get(symbol);
    if (!book) return [];
    const t = TF_INDEX.get(tf);
    if (t === undefined) return book.regular.get(tf)?.bars(fromMs, toMs) ?? [];
    if (!this.keeps(t, extended)) return [];
    return t === 0 ? this.minuteSeries(book, extended, fromMs, toMs) : this.derivedSeries(book, t, extended, fromMs, toMs);
  }

  seq(symbol: string, tf: Timeframe, extended = false): number {
    const book = this.books.get(symbol);
    if (!book) return 0;
    const t = TF_INDEX.get(tf);
    if (t === undefined) return book.regular.get(tf)?.seq ?? 0;
    return this.keeps(t, extended) ? book.seqs[t * 2 + (extended ? 1 : 0)]! : 0;
  }

  lastBar(symbol: string, tf: Timeframe, extended = false): Bar | undefined {
    const book = this.books.get(symbol);
    if (!book) return undefined;
    const t = TF_INDEX.get(tf);
    if (t === undefined) return book.regular.get(tf)?.last();
    if (!this.keeps(t, extended)) return undefined;
    const c = book.cols;
    let j = c.length - 1;
    if (!extended) while (j >= 0 && segmentAt(c, j) !== SEG_REGULAR) j--;
    if (j < 0) return undefined;
    if (t === 0) return this.minuteBar(c, j);
    const place = book.placeOf(c.start[j]!)!;
    const [start, end] = bucketOf(c.start[j]!, place, t);
    this.scratch.fill(c, start, end, start, end);
    return this.scratch.toBar(this.clockMs >= end, 'derived');
  }

  /** The daily bar derived from this session's regular-session minutes (for vendor reconciliation). */
  derivedDaily(symbol: string, session: Session): Bar | undefined {
    const agg = this.books.get(symbol)?.daily.get(key(session.midnight));
    return agg ? agg.toBar(this.clockMs >= agg.end, 'derived') : undefined;
  }

  /** How many 1-minute inputs are held for `symbol` (extended hours included). */
  minuteCount(symbol: string): number {
    return this.books.get(symbol)?.cols.length ?? 0;
  }

  /** Bytes of typed arrays holding `symbol`'s minutes (capacity included): the bulk of its memory. */
  minuteBytes(symbol: string): number {
    return this.books.get(symbol)?.cols.bytes ?? 0;
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
    if (!this.locate(agg)) return false;
    const start = this.locStart;
    const place = this.locPlace!;
    const book = this.locBook!;
    const i = this.locIndex;
    const c = book.cols;
    const vwap = agg.vwap ?? NaN;
    const trades = agg.trades ?? NaN;
    let extra: MinuteExtra | undefined;

    if (i >= 0) {
      const existingLive = (c.flags[i]! & FROM_HISTORY) === 0;
      const existingPartial = (c.flags[i]! & PARTIAL) !== 0;
      extra = existingPartial || book.extras.size > 0 ? book.extras.get(key(start)) : undefined;
      const same = c.open[i] === agg.open && c.high[i] === agg.high && c.low[i] === agg.low && c.close[i] === agg.close &&
        c.volume[i] === agg.volume && sameNumber(c.vwap[i]!, vwap) && sameNumber(c.trades[i]!, trades);
      if (origin === 'history' && existingLive) {
        if (asOfVersion !== undefined && c.version[i]! > asOfVersion) {
          this.counters.staleHistory++; // the live update is newer than this response
          return false;
        }
        if (!this.isClosed(start + MINUTE)) {
          // Live owns the forming minute; the response is judged again when the minute closes
          // (identical numbers too, so the bar ends up 'history' whichever arrived first).
          if (!extra) book.extras.set(key(start), (extra = { firstPartialTs: start, lastPartialTs: start }));
          extra.pendingHistory = { values: toMinuteValues(agg, start), asOfVersion };
          this.counters.deferredHistory++;
          return false;
        }
        if (same && !existingPartial) {
          // Same numbers, now confirmed final: the stored bar's source must say so too, or the
          // final store would depend on whether live or history arrived first.
          c.flags[i] = c.flags[i]! | FROM_HISTORY;
          this.counters.duplicates++;
          this.publishMinute(book, i);
          return false;
        }
      } else if (same && !existingPartial) {
        this.counters.duplicates++;
        return false;
      }
    }

    // History for a minute that is still forming (a backfill reaching "now") is the provider's
    // picture as of about the clock: keep it open to live pieces stamped after that, or the
    // candle would freeze until the minute's complete aggregate arrives.
    const seedsFormingMinute = origin === 'history' && !this.isClosed(start + MINUTE);
    // A live re-send does not cancel a deferred history response; the close judges it by its asOfVersion.
    const pendingHistory = origin === 'live' ? extra?.pendingHistory : undefined;
    let nextExtra: MinuteExtra | undefined;
    if (seedsFormingMinute) {
      const covered = Math.max(start, this.clockMs);
      nextExtra = { firstPartialTs: start, lastPartialTs: covered, coveredUntil: covered };
    }
    if (pendingHistory) (nextExtra ??= { firstPartialTs: start, lastPartialTs: start }).pendingHistory = pendingHistory;
    const version = origin === 'live' ? ++this.versionNo : i >= 0 ? c.version[i]! : 0;
    const flags = (origin === 'history' ? FROM_HISTORY : 0) | (seedsFormingMinute ? PARTIAL : 0) |
      (SEGMENT_CODE[place.segment] << SEGMENT_SHIFT);
    this.counters.applied++;
    this.write(book, place, i, start, agg.open, agg.high, agg.low, agg.close, agg.volume, vwap, trades, version, flags, nextExtra);
    return true;
  }

  /** A partial aggregate covering part of a minute (per-second `A`), merged into the forming minute. */
  applyPartial(agg: MinuteAggregate): boolean {
    if (!this.locate(agg)) return false;
    const start = this.locStart;
    const place = this.locPlace!;
    const book = this.locBook!;
    const i = this.locIndex;
    const c = book.cols;

    let open = agg.open;
    let high = agg.high;
    let low = agg.low;
    let close = agg.close;
    let volume = agg.volume;
    let vwap = agg.vwap ?? NaN;
    let trades = agg.trades ?? NaN;
    let first = agg.start;
    let last = agg.start;
    let extra: MinuteExtra | undefined;
    if (i >= 0) {
      extra = book.extras.get(key(start));
      const partial = (c.flags[i]! & PARTIAL) !== 0;
      if (!partial || (extra?.coveredUntil !== undefined && agg.start < extra.coveredUntil)) {
        // A complete aggregate (or a history snapshot up to `coveredUntil`) already covers
        // this piece; adding it would double count.
        this.counters.duplicates++;
        return false;
      }
      const firstTs = extra?.firstPartialTs ?? start;
      const lastTs = extra?.lastPartialTs ?? start;
      first = Math.min(firstTs, agg.start);
      last = Math.max(lastTs, agg.start);
      const curVolume = c.volume[i]!;
      const curVwap = c.vwap[i]!;
      open = agg.start < firstTs ? agg.open : c.open[i]!;
      high = Math.max(c.high[i]!, agg.high);
      low = Math.min(c.low[i]!, agg.low);
      close = agg.start >= lastTs ? agg.close : c.close[i]!;
      volume = curVolume + agg.volume;
      vwap = curVwap === curVwap && vwap === vwap
        ? (volume > 0 ? (curVwap * curVolume + vwap * agg.volume) / volume : vwap)
        : NaN;
      trades = c.trades[i]! + trades; // NaN when either is missing
    }
    const nextExtra: MinuteExtra = { firstPartialTs: first, lastPartialTs: last };
    if (extra?.pendingHistory) nextExtra.pendingHistory = extra.pendingHistory;
    if (extra?.coveredUntil !== undefined) nextExtra.coveredUntil = extra.coveredUntil;
    const flags = PARTIAL | (SEGMENT_CODE[place.segment] << SEGMENT_SHIFT);
    this.counters.applied++;
    this.write(book, place, i, start, open, high, low, close, volume, vwap, trades, ++this.versionNo, flags, nextExtra);
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
    const hasDerived = book.daily.has(key(session.midnight));
    if (this.keepDaily && !hasDerived && !this.isClosed(session.close)) {
      // No minutes yet for this session: still swap the vendor bar in when it closes.
      this.addDailyClose({ book, tf: '1D', start: session.midnight, end: session.close });
    }
    if (this.keepDaily) this.publishDaily(book, session);
    return true;
  }

  /** Moves the clock forward; bars whose bucket has ended become final (and emit a delta). */
  advanceClock(ms: number): void {
    if (!(ms > this.clockMs)) return;
    this.clockMs = ms;
    for (const book of this.books.values()) {
      if (ms >= book.nextIntradayClose) this.closeIntraday(book, ms);
    }
    if (ms >= this.nextDailyClose) this.closeDaily(ms);
  }

  // ───────────────────────────── internals ─────────────────────────────

  private keeps(t: number, extended: boolean): boolean {
    return (t === 0 || this.derived.includes(t)) && (!extended || this.keepExtended);
  }

  private accept(agg: MinuteAggregate): boolean {
    const reason = invalidAggregateReason(agg);
    if (!reason) return true;
    this.counters.rejected++;
    this.rejectLog.push(`${agg.symbol ?? '?'} @ ${String(agg.start)}: ${reason}`);
    if (this.rejectLog.length > REJECT_REASONS_KEPT) this.rejectLog.shift();
    return false;
  }

  /** Validates an input and finds its minute: where it sits in the session and its index in the columns (-1: new). */
  private locate(agg: MinuteAggregate): boolean {
    if (!this.accept(agg)) return false;
    const start = agg.start - (agg.start % MINUTE);
    const known = this.books.get(agg.symbol);
    const place = known ? known.placeOf(start) : placeMinute(start);
    if (!place) {
      this.counters.outsideSession++;
      return false;
    }
    const book = known ?? this.book(agg.symbol);
    if (start < book.horizon) {
      this.counters.beforeWindow++;
      return false;
    }
    const index = book.cols.indexOf(start);
    if (start > book.latestMinuteStart) book.latestMinuteStart = start;
    else if (index < 0) this.counters.outOfOrder++;
    this.locStart = start;
    this.locPlace = place;
    this.locBook = book;
    this.locIndex = index;
    return true;
  }

  private book(symbol: string): SymbolBook {
    let book = this.books.get(symbol);
    if (!book) {
      book = new SymbolBook(symbol);
      this.books.set(symbol, book);
    }
    return book;
  }

  private isClosed(end: number): boolean {
    return this.clockMs >= end;
  }

  /**
   * Stores a minute (new when `i` is -1) and updates every series above it. Returns whether
   * the 1m bar itself was published (it is not when only internal state changed).
   */
  private write(
    book: SymbolBook, place: MinutePlace, i: number, start: number,
    open: number, high: number, low: number, close: number, volume: number, vwap: number, trades: number,
    version: number, flags: number, extra: MinuteExtra | undefined,
  ): boolean {
    const c = book.cols;
    const old = i >= 0 ? this.oldMinute.load(c, i) : null;
    // 0: appended after the last minute; 1: the last minute replaced; 2: anywhere else.
    const mode = i < 0 ? (start > c.lastStart() ? 0 : 2) : i === c.length - 1 ? 1 : 2;
    const regular = place.segment === 'regular';

    // The slow path compares each touched bucket before and after: take "before" now.
    let before: Tally[] | null = null;
    if (mode === 2) {
      before = [];
      for (const t of this.derived) {
        const [bStart, bEnd] = bucketOf(start, place, t);
        const tally = new Tally();
        tally.fill(c, bStart, bEnd, bStart, bEnd);
        before.push(tally);
      }
    }
    if (i < 0) {
      i = c.insertAt(mode === 0 ? c.length : c.lowerBound(start));
      if (c.length > this.maxMinutes) this.pendingEviction.add(book);
    }
    c.set(i, start, open, high, low, close, volume, vwap, trades, version, flags);
    if (extra) book.extras.set(key(start), extra);
    else if (book.extras.size > 0) book.extras.delete(key(start));

    // 1m
    const closed1m = this.clockMs >= start + MINUTE;
    let published1m = false;
    if (!old || !sameMinuteOutput(old, c, i)) {
      published1m = true;
      this.deliver(book, 0, regular, this.listeners.size > 0 ? this.minuteBar(c, i) : undefined);
    }
    if (!closed1m) this.noteOpen(book, 0, start, start + MINUTE);

    // Derived intraday timeframes.
    const derived = this.derived;
    for (let k = 0; k < derived.length; k++) {
      const t = derived[k]!;
      const width = TF_WIDTH[t]!;
      const bStart = place.segmentStart + Math.floor((start - place.segmentStart) / width) * width;
      const bEnd = Math.min(bStart + width, place.segmentEnd);
      const cursor = book.cursors[t]!;
      const prev = this.prev;
      let changed: boolean;
      if (mode === 2) {
        const after = this.scratch;
        after.fill(c, bStart, bEnd, bStart, bEnd);
        changed = !after.sameAs(before![k]!);
        if (cursor.count > 0 && cursor.start === bStart) cursor.copyFrom(after);
        if (changed) this.deliverTally(book, t, regular, after, bEnd);
      } else {
        if (cursor.count > 0 && cursor.start === bStart && mode === 0) {
          // Appended to the forming bucket: the bar changed unless the minute moved none of
          // high, low, close, volume (vwap follows volume and the vwap-less count), trades.
          const { high: h0, low: l0, close: c0, volume: v0, noVwap: nv0, trades: t0, noTrades: nt0 } = cursor;
          cursor.addValues(start, open, high, low, close, volume, vwap, trades);
          changed = cursor.high !== h0 || cursor.low !== l0 || cursor.close !== c0 || cursor.volume !== v0 ||
            cursor.noVwap !== nv0 || cursor.noTrades !== nt0 || cursor.trades !== t0;
        } else if (cursor.count > 0 && cursor.start === bStart) {
          prev.copyFrom(cursor);
          if (!cursor.replaceValues(start, old!, open, high, low, close, volume, vwap, trades)) cursor.fill(c, bStart, bEnd, bStart, bEnd);
          changed = !cursor.sameAs(prev);
        } else if (mode === 0) {
          // A new bucket after the last one: this minute is its only member.
          cursor.reset(bStart, bEnd);
          cursor.addValues(start, open, high, low, close, volume, vwap, trades);
          changed = true;
        } else {
          cursor.fill(c, bStart, bEnd, bStart, bEnd);
          changed = true;
        }
        if (changed) this.deliverTally(book, t, regular, cursor, bEnd);
      }
      if (bEnd > this.clockMs) this.noteOpen(book, t, bStart, bEnd);
      else if (changed && this.closing) (this.closedDuringPass ??= new Set()).add(`${t}:${bStart}`);
    }

    if (regular && this.keepDaily) {
      // The daily bucket spans midnight–close (its start is the bar's identity) but its members
      // are the regular-session minutes only: a recompute must not pick up pre-market minutes.
      const session = place.session;
      const dayStart = session.midnight; // dailyBucket(session), without an object per minute
      const dayEnd = session.close;
      let agg = book.daily.get(key(dayStart));
      if (!agg) {
        agg = new Tally();
        agg.reset(dayStart, dayEnd);
        book.daily.set(key(dayStart), agg);
        if (!this.isClosed(dayEnd)) this.addDailyClose({ book, tf: '1D', start: dayStart, end: dayEnd });
      }
      if (!old) agg.addValues(start, open, high, low, close, volume, vwap, trades);
      else if (!agg.replaceValues(start, old, open, high, low, close, volume, vwap, trades)) agg.fill(c, session.open, dayEnd, dayStart, dayEnd);
      this.publishDaily(book, session);
    }
    if (this.pendingEviction.size > 0 && !this.closing) this.evict();
    return published1m;
  }

  private readonly pendingEviction = new Set<SymbolBook>();

  /** Drops the oldest whole weeks of minutes of books over the window (none still open). */
  private evict(): void {
    for (const book of this.pendingEviction) {
      const c = book.cols;
      const excess = c.length - Math.floor(this.maxMinutes * 0.9);
      if (excess <= 0) continue;
      // Cut at a Monday 00:00 New York so a week's minutes go together: the Monday before the
      // minute that brings the book to 90%, or the one after if that leaves it over the limit.
      // Never past an open bucket.
      const monday = weekStartDate(nyDate(c.start[excess]!));
      let horizon = nyMidnight(monday);
      if (c.length - c.lowerBound(horizon) > this.maxMinutes) horizon = nyMidnight(addDays(monday, 7));
      for (const from of book.openFrom) horizon = Math.min(horizon, from - WEEK);
      const n = c.lowerBound(horizon);
      if (n <= 0) continue;
      for (const k of book.extras.keys()) if (k * MINUTE < horizon) book.extras.delete(k);
      c.dropFront(n);
      book.horizon = Math.max(book.horizon, horizon);
      this.counters.evicted += n;
    }
    this.pendingEviction.clear();
  }

  /** Records that bucket [start, end) of timeframe `t` is open, so the clock closes it. */
  private noteOpen(book: SymbolBook, t: number, start: number, end: number): void {
    if (start < book.openFrom[t]!) {
      book.openFrom[t] = start;
      book.nextClose[t] = end;
      if (end < book.nextIntradayClose) book.nextIntradayClose = end;
    }
  }

  /** Counts a change of an intraday series and hands `bar` (made only when someone listens) to the listeners. */
  private deliver(book: SymbolBook, t: number, regular: boolean, bar: Bar | undefined): void {
    const tf = INTRADAY_TIMEFRAMES[t]!;
    if (regular) {
      const seq = ++book.seqs[t * 2]!;
      if (bar) this.send({ symbol: book.symbol, tf, extended: false, seq, bar });
    }
    if (this.keepExtended) {
      const seq = ++book.seqs[t * 2 + 1]!;
      if (bar) this.send({ symbol: book.symbol, tf, extended: true, seq, bar });
    }
  }

  private deliverTally(book: SymbolBook, t: number, regular: boolean, tally: Tally, end: number): void {
    this.deliver(book, t, regular, this.listeners.size > 0 ? tally.toBar(this.clockMs >= end, 'derived') : undefined);
  }

  private send(delta: BarDelta): void {
    for (const listener of this.listeners) listener(delta);
  }

  /** Re-emits a stored 1m bar whose values did not change (it closed, or its source changed). */
  private publishMinute(book: SymbolBook, i: number): void {
    const c = book.cols;
    this.deliver(book, 0, segmentAt(c, i) === SEG_REGULAR, this.listeners.size > 0 ? this.minuteBar(c, i) : undefined);
  }

  private minuteBar(c: MinuteColumns, i: number): Bar {
    const start = c.start[i]!;
    const volume = c.volume[i]!;
    const bar: Bar = {
      start,
      open: c.open[i]!,
      high: c.high[i]!,
      low: c.low[i]!,
      close: c.close[i]!,
      volume,
      closed: this.clockMs >= start + MINUTE,
      source: (c.flags[i]! & FROM_HISTORY) !== 0 ? 'history' : 'live',
    };
    const vwap = minuteVwap(c.vwap[i]!, volume);
    if (vwap !== undefined) bar.vwap = vwap;
    const trades = c.trades[i]!;
    if (trades === trades) bar.trades = trades;
    return bar;
  }

  private minuteSeries(book: SymbolBook, extended: boolean, fromMs: number, toMs: number): Bar[] {
    const c = book.cols;
    const out: Bar[] = [];
    for (let i = c.lowerBound(fromMs); i < c.length && c.start[i]! < toMs; i++) {
      if (extended || segmentAt(c, i) === SEG_REGULAR) out.push(this.minuteBar(c, i));
    }
    return out;
  }

  /** A derived intraday series, computed from the minutes: one pass, one bar per non-empty bucket. */
  private derivedSeries(book: SymbolBook, t: number, extended: boolean, fromMs: number, toMs: number): Bar[] {
    const c = book.cols;
    const out: Bar[] = [];
    const tally = new Tally();
    let i = c.lowerBound(fromMs);
    while (i < c.length) {
      if (!extended && segmentAt(c, i) !== SEG_REGULAR) {
        i++;
        continue; // a bucket never crosses a segment edge: skipping minutes skips whole buckets
      }
      const [bStart, bEnd] = bucketOf(c.start[i]!, book.placeOf(c.start[i]!)!, t);
      if (bStart >= toMs) break;
      tally.reset(bStart, bEnd);
      for (; i < c.length && c.start[i]! < bEnd; i++) tally.add(c, i);
      if (bStart >= fromMs) out.push(tally.toBar(this.clockMs >= bEnd, 'derived'));
    }
    return out;
  }

  /** The clock passed `ms`: every intraday bucket of `book` that ended since becomes final. */
  private closeIntraday(book: SymbolBook, ms: number): void {
    let next = Infinity;
    // Minutes first: a deferred history aggregate lands before the buckets above it close.
    this.closedDuringPass = null;
    if (ms >= book.nextClose[0]!) {
      this.closing = true;
      try {
        this.closeMinutes(book, ms);
      } finally {
        this.closing = false;
      }
    }
    for (const t of this.derived) {
      if (ms >= book.nextClose[t]!) this.closeBuckets(book, t, ms);
    }
    this.closedDuringPass = null;
    for (let t = 0; t < N_INTRADAY; t++) next = Math.min(next, book.nextClose[t]!);
    book.nextIntradayClose = next;
    if (this.pendingEviction.size > 0) this.evict();
  }

  private closeMinutes(book: SymbolBook, ms: number): void {
    const c = book.cols;
    let i = c.lowerBound(book.openFrom[0]!);
    book.openFrom[0] = Infinity;
    book.nextClose[0] = Infinity;
    for (; i < c.length; i++) {
      const start = c.start[i]!;
      if (start + MINUTE > ms) {
        this.noteOpen(book, 0, start, start + MINUTE);
        return;
      }
      this.closeMinute(book, i);
    }
  }

  private closeMinute(book: SymbolBook, i: number): void {
    const c = book.cols;
    const start = c.start[i]!;
    const extra = book.extras.size > 0 ? book.extras.get(key(start)) : undefined;
    const pendingHistory = extra?.pendingHistory;
    if (extra && pendingHistory) {
      extra.pendingHistory = undefined;
      if ((c.flags[i]! & PARTIAL) === 0) book.extras.delete(key(start));
      if (pendingHistory.asOfVersion !== undefined && c.version[i]! > pendingHistory.asOfVersion) {
        this.counters.staleHistory++; // live changed the minute after this response was requested
      } else {
        const p = pendingHistory.values;
        const partial = (c.flags[i]! & PARTIAL) !== 0;
        const same = c.open[i] === p.open && c.high[i] === p.high && c.low[i] === p.low && c.close[i] === p.close &&
          c.volume[i] === p.volume && sameNumber(c.vwap[i]!, p.vwap ?? NaN) && sameNumber(c.trades[i]!, p.trades ?? NaN);
        if (!same || partial) {
          const place = book.placeOf(start)!;
          const flags = FROM_HISTORY | (c.flags[i]! & (3 << SEGMENT_SHIFT));
          const published = this.write(book, place, i, start, p.open, p.high, p.low, p.close, p.volume, p.vwap ?? NaN,
            p.trades ?? NaN, c.version[i]!, flags, undefined);
          if (!published) this.publishMinute(book, i); // same numbers: still final now
          return;
        }
        c.flags[i] = c.flags[i]! | FROM_HISTORY;
      }
    }
    this.publishMinute(book, i);
  }

  /** Publishes, final, every bucket of timeframe `t` that ended by `ms`. */
  private closeBuckets(book: SymbolBook, t: number, ms: number): void {
    const c = book.cols;
    let i = c.lowerBound(book.openFrom[t]!);
    book.openFrom[t] = Infinity;
    book.nextClose[t] = Infinity;
    const cursor = book.cursors[t]!;
    const width = TF_WIDTH[t]!;
    while (i < c.length) {
      const start = c.start[i]!;
      const place = book.placeOf(start)!;
      const bStart = place.segmentStart + Math.floor((start - place.segmentStart) / width) * width;
      const bEnd = Math.min(bStart + width, place.segmentEnd);
      if (bEnd > ms) {
        this.noteOpen(book, t, bStart, bEnd);
        return;
      }
      const regular = place.segment === 'regular';
      let tally: Tally;
      if (cursor.count > 0 && cursor.start === bStart) {
        // The forming bucket (the live case): its totals are at hand, and no minute follows it.
        tally = cursor;
        i = c.length;
      } else {
        tally = this.scratch;
        tally.reset(bStart, bEnd);
        for (; i < c.length && c.start[i]! < bEnd; i++) tally.add(c, i);
      }
      if (!this.closedDuringPass?.has(`${t}:${bStart}`)) this.deliverTally(book, t, regular, tally, bEnd);
    }
  }

  private addDailyClose(p: PendingClose): void {
    this.dailyCloses.push(p);
    if (p.end < this.nextDailyClose) this.nextDailyClose = p.end;
  }

  private closeDaily(ms: number): void {
    const stillOpen: PendingClose[] = [];
    const due: PendingClose[] = [];
    let next = Infinity;
    for (const p of this.dailyCloses) {
      if (p.end <= ms) due.push(p);
      else {
        stillOpen.push(p);
        next = Math.min(next, p.end);
      }
    }
    this.dailyCloses = stillOpen;
    this.nextDailyClose = next;
    due.sort((a, b) => (a.tf === b.tf ? 0 : a.tf === '1D' ? -1 : 1) || a.start - b.start);
    for (const p of due) {
      if (p.tf === '1D') {
        const session = sessionAt(p.start);
        if (session) this.publishDaily(p.book, session);
      } else {
        const agg = p.book.weekly.get(key(p.start));
        if (agg) {
          const weekly = (p.book.weeklySeries ??= this.seriesFor(p.book, '1W'));
          this.publishTally(p.book, '1W', weekly, weekly.get(p.start), agg, true);
        }
      }
    }
  }

  /** Emits the session's daily bar: the vendor's once the session is closed, else the derived one. Then its week. */
  private publishDaily(book: SymbolBook, session: Session): void {
    const closed = this.isClosed(session.close);
    const vendor = closed ? book.vendorDaily.get(key(session.midnight)) : undefined;
    const derived = book.daily.get(key(session.midnight));
    if (!vendor && !derived) return;
    const series = (book.dailySeries ??= this.seriesFor(book, '1D'));
    const before = series.get(session.midnight);
    // The week needs the daily bar's old values: copy them before an in-place update overwrites them.
    const old = before ? this.oldDaily.fromBar(before) : null;
    const bar = vendor ? (this.publishSeries(book, '1D', series, before, vendor) ? vendor : null) : this.publishTally(book, '1D', series, before, derived!, closed);
    if (bar && this.keepWeekly) this.publishWeek(book, session, bar, old);
  }

  private publishWeek(book: SymbolBook, session: Session, daily: Bar, before: MinuteSnapshot | null): void {
    const span = this.weeks.forSession(session);
    let agg = book.weekly.get(key(span.start));
    if (!agg) {
      agg = new Tally();
      agg.reset(span.start, span.end);
      book.weekly.set(key(span.start), agg);
      if (!this.isClosed(span.end)) this.addDailyClose({ book, tf: '1W', start: span.start, end: span.end });
    }
    const dailySeries = book.dailySeries;
    const replaced = before !== null &&
      agg.replaceValues(daily.start, before, daily.open, daily.high, daily.low, daily.close, daily.volume, daily.vwap ?? NaN, daily.trades ?? NaN);
    if (!before) addBar(agg, daily);
    else if (!replaced) {
      // A daily bar shrank (a correction, or the vendor's bar replacing the derived one): the
      // week's totals are rebuilt from its sessions' published daily bars.
      agg.reset(span.start, span.end);
      for (const date of span.sessionDates) {
        const bar = dailySeries?.get(nyMidnight(date));
        if (bar) addBar(agg, bar);
      }
    }
    const weekly = (book.weeklySeries ??= this.seriesFor(book, '1W'));
    this.publishTally(book, '1W', weekly, weekly.get(span.start), agg, this.isClosed(span.end));
  }

  /**
   * Publishes `tally` as the derived bar of its bucket in `series` (where `old` is the stored
   * bar) unless nothing changed; returns the stored bar, or null when unchanged. A stored bar
   * nobody has seen yet is updated in place: the live path then allocates no 1D/1W bar per
   * minute while nobody listens or reads.
   */
  private publishTally(book: SymbolBook, tf: '1D' | '1W', series: BarSeries, old: Bar | undefined, tally: Tally, closed: boolean): Bar | null {
    if (old && tally.matchesBar(old, closed)) return null;
    const bar = old && series.isUnseen(old) && tally.writeInto(old, closed) ? old : tally.toBar(closed, 'derived');
    const listened = this.listeners.size > 0;
    const seq = series.put(bar, listened);
    if (listened) this.send({ symbol: book.symbol, tf, extended: false, seq, bar });
    return bar;
  }

  private seriesFor(book: SymbolBook, tf: '1D' | '1W'): BarSeries {
    let series = book.regular.get(tf);
    if (!series) {
      series = new BarSeries();
      book.regular.set(tf, series);
    }
    return series;
  }

  /** Stores a 1D/1W bar in `series` (where `old` is its current bar) unless nothing changed; returns whether it changed. */
  private publishSeries(book: SymbolBook, tf: '1D' | '1W', series: BarSeries, old: Bar | undefined, bar: Bar): boolean {
    if (old && sameBar(old, bar)) return false;
    const seq = series.put(bar);
    if (this.listeners.size > 0) this.send({ symbol: book.symbol, tf, extended: false, seq, bar });
    return true;
  }
}

/** The bucket [start, end) of intraday timeframe `t` holding the minute at `start` (never crosses a segment edge). */
function bucketOf(start: number, place: MinutePlace, t: number): [number, number] {
  const width = TF_WIDTH[t]!;
  const bStart = place.segmentStart + Math.floor((start - place.segmentStart) / width) * width;
  return [bStart, Math.min(bStart + width, place.segmentEnd)];
}

function segmentAt(c: MinuteColumns, i: number): number {
  return (c.flags[i]! >> SEGMENT_SHIFT) & 3;
}

/** A 1m bar's vwap as the bucket arithmetic reports it (whole 1/VWAP_SCALE notional), so 1m and 5m agree. */
function minuteVwap(vwap: number, volume: number): number | undefined {
  return vwap === vwap && volume > 0 ? Math.round(vwap * volume * VWAP_SCALE) / VWAP_SCALE / volume : undefined;
}

/** Would the 1m bar published for `old` equal the one for minute `i` now? */
function sameMinuteOutput(old: MinuteSnapshot, c: MinuteColumns, i: number): boolean {
  return old.open === c.open[i] && old.high === c.high[i] && old.low === c.low[i] && old.close === c.close[i] &&
    old.volume === c.volume[i] && sameNumber(old.trades, c.trades[i]!) &&
    minuteVwap(old.vwap, old.volume) === minuteVwap(c.vwap[i]!, c.volume[i]!) &&
    (old.flags & FROM_HISTORY) === (c.flags[i]! & FROM_HISTORY);
}

/** Equal, with NaN (missing) equal to NaN. */
function sameNumber(a: number, b: number): boolean {
  return a === b || (a !== a && b !== b);
}

function addBar(tally: Tally, bar: Bar): void {
  tally.addValues(bar.start, bar.open, bar.high, bar.low, bar.close, bar.volume, bar.vwap ?? NaN, bar.trades ?? NaN);
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

function sameBar(a: Bar, b: Bar): boolean {
  return a.open === b.open && a.high === b.high && a.low === b.low && a.close === b.close && a.volume === b.volume &&
    a.closed === b.closed && a.source === b.source && a.vwap === b.vwap && a.trades === b.trades;
}

export type { IntradayTimeframe };
