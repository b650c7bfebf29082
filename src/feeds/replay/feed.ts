/**
 * ReplayFeed — plays a recorded session from the store as if it were live, like
 * TradingView's Bar Replay.
 *
 * The replay clock runs in New York session time: `speed` replay milliseconds per wall
 * millisecond while playing. A minute bar becomes visible when the clock passes its end
 * (start + 60 s), exactly as a live `AM` would arrive. Inside the minute the candle is
 * shown building: at 1/3 and 2/3 of the minute a partial piece is emitted (prefix OHLC
 * that stays inside the final bar: open → first extreme → second extreme), then the
 * complete minute replaces it.
 *
 * History is the NYSE calendar's previous sessions, never "the previous recorded days":
 * a session without data stays empty and `coverage()` lists it, so a chart cannot splice
 * 2013 minutes in front of a 2023 session. Never the future either: history requests are
 * clipped to minutes that have ended on the replay clock at the time of the request, and
 * vendor daily bars are served only for the window's sessions before the replay session.
 *
 * Jumping forward replays the skipped minutes as complete bars. Jumping backwards or
 * changing session cannot be expressed as bar updates (bars never roll back — merge
 * policy), so the feed calls the listener's `onReset` and the hub rebuilds its engine.
 */
import type { DailyAggregate, IsoDate, MinuteAggregate, Timeframe } from '../../core/types.js';
import { MINUTE_MS } from '../../core/types.js';
import { InputError } from '../../core/errors.js';
import { type Session, nyDate, nyTimeToMs, nyWallClock, previousSession, sessionOn } from '../../calendar/index.js';
import type { FeedListener, FeedStatus, MarketDataFeed } from '../types.js';
import type { MissingSessions, ReplayControl, ReplayStatus, SeriesCoverage } from './types.js';
import type { MarketStore } from '../../store/types.js';
import { type RecordedSession, ReplayCatalog } from './catalog.js';
import { type ReplayTicker, intervalTicker } from './ticker.js';

/**
 * Defaults: a fresh `npm start` lands mid-morning of a busy day (SPY, AIG, BAC with the
 * previous sessions as history) and is already playing at 60×, so candles visibly build —
 * one 1m candle per second — instead of showing a frozen chart.
 */
export const REPLAY_DEFAULTS = { session: '2013-10-10', time: '10:30', speed: 60, state: 'play' } as const;

/** How many calendar sessions before the replay session load as minute history. */
export const DEFAULT_PRIOR_SESSIONS = 5;

/** How many calendar sessions before the replay session load as vendor daily bars (1D/1W): about two years. */
export const DEFAULT_DAILY_SESSIONS = 500;

/** Partial pieces per minute: the minute shows up at 1/3, 2/3, then complete. */
const STEPS = 3;
const PIECE_MS = MINUTE_MS / STEPS;

export interface ReplayFeedOptions {
  /** The store the replay plays (what `optdesk import` wrote). Or pass `catalog`. */
  store?: MarketStore;
  catalog?: ReplayCatalog;
  /** Names the store in sentences ("No recorded sessions in …"). */
  storeLabel?: string;
  session?: IsoDate;
  /** New York wall time "HH:MM" to start at. */
  time?: string;
  speed?: number;
  state?: 'play' | 'pause';
  ticker?: ReplayTicker;
  priorSessions?: number;
  dailySessions?: number;
}

/** The extra callbacks a replay-aware listener (the hub) can take. */
export interface ReplayListener extends FeedListener {
  /** The replay clock moved to `ms` (epoch); bars that ended by then are final. */
  onClock?(ms: number): void;
  /** The replay jumped backwards or changed session: everything built so far is void. */
  onReset?(status: ReplayStatus): void;
  /** Any change of the replay status (every tick while playing). */
  onReplayStatus?(status: ReplayStatus): void;
}

interface Cursor {
  list: MinuteAggregate[];
  /** Index of the next minute to play. */
  i: number;
  /** Pieces of list[i] already emitted (0..STEPS-1). */
  emitted: number;
  /** Next event of list[i]: piece k (1..STEPS-1) or the complete minute (STEPS). */
  nextK: number;
}

export class ReplayFeed implements MarketDataFeed {
  readonly kind = 'replay' as const;
  readonly catalog: ReplayCatalog;
  private readonly ticker: ReplayTicker;
  private readonly priorCount: number;
  private readonly dailyCount: number;
  private listener?: ReplayListener;
  private stopTicker?: () => void;

  private sessionDate: IsoDate = '';
  private session?: Session;
  /** The replay session's minutes per symbol, read on first use (only non-empty lists are kept: an import may add one). */
  private dayMinutes = new Map<string, MinuteAggregate[]>();
  /** The calendar's sessions before the replay session that load as minute history, ascending. */
  private prior: Session[] = [];
  /** The same for vendor daily bars (1D/1W). */
  private priorDaily: Session[] = [];
  private clockMs = 0;
  private speedX: number;
  private playState: 'play' | 'pause' | 'ended';
  private readonly cursors = new Map<string, Cursor>();
  private problem?: string;
  private note?: string;
  /** Counters for tests and the bench: how the hub used the provider. */
  readonly counters = { subscribeCalls: 0, unsubscribeCalls: 0, historyRequests: 0 };

  constructor(private readonly options: ReplayFeedOptions) {
    if (!options.catalog && !options.store) throw new Error('ReplayFeed needs a store (or a catalog over one)');
    this.catalog = options.catalog ?? new ReplayCatalog(options.store!);
    this.ticker = options.ticker ?? intervalTicker();
    this.priorCount = options.priorSessions ?? DEFAULT_PRIOR_SESSIONS;
    this.dailyCount = options.dailySessions ?? DEFAULT_DAILY_SESSIONS;
    this.speedX = options.speed ?? REPLAY_DEFAULTS.speed;
    this.playState = options.state ?? REPLAY_DEFAULTS.state;
  }

  // ───────────────────────────── MarketDataFeed ─────────────────────────────

  async start(listener: FeedListener): Promise<void> {
    this.listener = listener as ReplayListener;
    const recorded = this.catalog.sessions();
    if (recorded.length === 0) {
      this.problem =
        `No recorded sessions in ${this.options.storeLabel ?? 'the store'}: ` +
        'import Massive flat files with `optdesk import DIR` (or start with OPTDESK_DATA pointing at them on an empty database)';
      this.playState = 'pause';
      this.listener.onStatus?.(this.status());
      return;
    }
    let date = this.options.session ?? REPLAY_DEFAULTS.session;
    if (!recorded.some((s) => s.date === date)) {
      const fallback = recorded[recorded.length - 1]!.date;
      this.note = `No recorded data for ${date}; replaying ${fallback} instead`;
      date = fallback;
    }
    this.loadSession(date);
    this.clockMs = this.clampToSession(nyTimeToMs(date, this.options.time ?? REPLAY_DEFAULTS.time));
    this.stopTicker = this.ticker.start((elapsed) => this.onTick(elapsed));
    this.listener.onStatus?.(this.status());
    this.publishStatus();
  }

  async stop(): Promise<void> {
    this.stopTicker?.();
    this.stopTicker = undefined;
    this.listener = undefined;
  }

  subscribe(symbols: readonly string[]): void {
    for (const symbol of symbols) {
      if (this.cursors.has(symbol)) continue;
      this.counters.subscribeCalls++;
      this.cursors.set(symbol, this.cursorAt(symbol));
    }
  }

  unsubscribe(symbols: readonly string[]): void {
    for (const symbol of symbols) {
      if (this.cursors.delete(symbol)) this.counters.unsubscribeCalls++;
    }
  }

  /** Symbols the feed currently streams. */
  subscribed(): string[] {
    return [...this.cursors.keys()];
  }

  async fetchMinuteHistory(symbol: string, fromMs: number, toMs: number): Promise<MinuteAggregate[]> {
    this.counters.historyRequests++;
    if (!this.session) return [];
    // Only the window (calendar sessions before the replay session, then the session up to
    // the clock): minutes that end later arrive live, never twice and never early.
    const from = Math.max(fromMs, this.historyStart());
    const to = Math.min(toMs, this.clockMs - MINUTE_MS + 1);
    if (to <= from) return [];
    return this.catalog.minuteRange(symbol, from, to);
  }

  status(): FeedStatus {
    if (this.problem) return { state: 'degraded', message: this.problem };
    return { state: 'replay', ...(this.note ? { message: this.note } : {}) };
  }

  // ───────────────────────────── replay-specific ─────────────────────────────

  /** The replay clock, epoch ms. */
  now(): number {
    return this.clockMs;
  }

  /** Vendor daily bars of the daily window's sessions before the replay session (never the replay day or later). */
  async fetchDailyHistory(symbol: string): Promise<DailyAggregate[]> {
    if (!this.session) return [];
    const first = this.priorDaily[0] ?? this.session;
    return this.catalog.daily(symbol, first.midnight, this.session.midnight);
  }

  /** Start of the minute history a subscriber should see: pre-market of the window's first session. */
  historyStart(): number {
    return (this.prior[0] ?? this.session)?.preOpen ?? this.clockMs;
  }

  /**
   * The window a chart of `symbol` at `tf` covers and its sessions without any data: the
   * calendar's previous sessions (minute window for intraday, daily window for 1D/1W)
   * and the replay session itself.
   */
  coverage(symbol: string, tf: Timeframe): SeriesCoverage | undefined {
    const session = this.session;
    if (!session) return undefined;
    const daily = tf === '1D' || tf === '1W';
    const window = [...(daily ? this.priorDaily : this.prior), session];
    const from = window[0]!.date;
    const present = this.catalog.datesWithMinutes(symbol, from, session.date);
    if (daily) {
      for (const d of this.catalog.daily(symbol, window[0]!.midnight, session.midnight)) present.add(nyDate(d.start));
    }
    return { from, to: session.date, missing: missingRanges(window, present) };
  }

  recordedSessions(): RecordedSession[] {
    return this.catalog.sessions();
  }

  /** Recorded sessions holding `symbol`. */
  sessionsOf(symbol: string): IsoDate[] {
    return this.catalog.sessionsOf(symbol);
  }

  hasData(symbol: string): boolean {
    return this.minutesToday(symbol).length > 0;
  }

  /** The sentence a chart shows instead of an empty pane, or undefined when the session has data. */
  noDataMessage(symbol: string): string | undefined {
    if (this.problem) return this.problem;
    if (this.hasData(symbol)) return undefined;
    const elsewhere = this.sessionsOf(symbol);
    return `No data for ${symbol} on ${this.sessionDate}` + (elsewhere.length ? ` (recorded sessions: ${elsewhere.join(', ')})` : '');
  }

  currentSession(): IsoDate {
    return this.sessionDate;
  }

  replayStatus(): ReplayStatus | undefined {
    if (!this.sessionDate) return undefined;
    const wall = nyWallClock(this.clockMs);
    return {
      session: this.sessionDate,
      time: `${String(wall.hour).padStart(2, '0')}:${String(wall.minute).padStart(2, '0')}`,
      clock: this.clockMs,
      speed: this.speedX,
      state: this.playState,
    };
  }

  /**
   * Applies a control from the dashboard. A new session starts at 09:30 unless `time`
   * says otherwise. Throws InputError naming the field for a session without data.
   */
  async control(c: ReplayControl): Promise<ReplayStatus> {
    if (this.problem) throw new InputError('replay', this.problem);
    let reset = false;
    if (c.session !== undefined && c.session !== this.sessionDate) {
      const recorded = this.catalog.sessions();
      if (!recorded.some((s) => s.date === c.session)) {
        throw new InputError(
          'session',
          `no recorded data for ${c.session} (recorded: ${recorded.map((s) => s.date).join(', ')})`,
        );
      }
      const date = c.session;
      this.loadSession(date);
      this.note = undefined;
      this.clockMs = this.clampToSession(nyTimeToMs(date, c.time ?? '09:30'));
      reset = true;
    } else if (c.time !== undefined) {
      const target = this.clampToSession(nyTimeToMs(this.sessionDate, c.time));
      if (target < this.clockMs) {
        this.clockMs = target;
        reset = true;
      } else if (target > this.clockMs) {
        this.advanceTo(target, false);
      }
    }
    if (reset) {
      for (const symbol of this.cursors.keys()) this.cursors.set(symbol, this.cursorAt(symbol));
      if (this.playState === 'ended') this.playState = 'pause';
    }
    if (c.speed !== undefined) this.speedX = c.speed;
    if (c.state !== undefined && this.playState !== 'ended') this.playState = c.state;
    if (this.session && this.clockMs >= this.session.postClose) this.playState = 'ended';
    const status = this.replayStatus()!;
    if (reset) this.listener?.onReset?.(status);
    this.publishStatus();
    return status;
  }

  // ───────────────────────────── playing ─────────────────────────────

  private onTick(elapsedWallMs: number): void {
    if (this.playState !== 'play' || !this.session) return;
    const target = Math.min(this.clockMs + Math.round(elapsedWallMs * this.speedX), this.session.postClose);
    this.advanceTo(target, true);
    if (this.clockMs >= this.session.postClose) this.playState = 'ended';
    this.publishStatus();
  }

  /**
   * Emits every event due up to `target` in time order across symbols, moving the clock
   * with them. Partial pieces of a minute that completes within this same step are
   * skipped: they would be replaced before anyone could see them.
   */
  private advanceTo(target: number, withPartials: boolean): void {
    const listener = this.listener;
    for (;;) {
      let best: Cursor | undefined;
      let bestAt = Infinity;
      for (const cur of this.cursors.values()) {
        const m = cur.list[cur.i];
        if (!m) continue;
        const at = m.start + cur.nextK * PIECE_MS;
        if (at < bestAt) {
          bestAt = at;
          best = cur;
        }
      }
      if (!best || bestAt > target) break;
      const m = best.list[best.i]!;
      this.clockMs = Math.max(this.clockMs, bestAt);
      if (best.nextK < STEPS) {
        if (withPartials && m.start + MINUTE_MS > target) {
          listener?.onPartial?.(piece(m, best.emitted, best.nextK));
          best.emitted = best.nextK;
        }
        best.nextK++;
      } else {
        listener?.onMinute(m, 'live');
        best.i++;
        best.emitted = 0;
        best.nextK = 1;
      }
      listener?.onClock?.(this.clockMs);
    }
    if (target > this.clockMs) this.clockMs = target;
    listener?.onClock?.(this.clockMs);
  }

  private cursorAt(symbol: string): Cursor {
    const list = this.minutesToday(symbol);
    let i = 0;
    while (i < list.length && list[i]!.start + MINUTE_MS <= this.clockMs) i++;
    const m = list[i];
    // Mid-minute: the pieces already due are folded into the next one (it starts at the minute's open).
    const nextK = m && this.clockMs > m.start ? Math.min(STEPS, Math.floor((this.clockMs - m.start) / PIECE_MS) + 1) : 1;
    return { list, i, emitted: 0, nextK };
  }

  /** The replay session's minutes of `symbol` (stock or option contract), ascending. */
  private minutesToday(symbol: string): MinuteAggregate[] {
    const hit = this.dayMinutes.get(symbol);
    if (hit) return hit;
    const list = this.sessionDate ? this.catalog.minutes(symbol, this.sessionDate) : [];
    if (list.length > 0) this.dayMinutes.set(symbol, list);
    return list;
  }

  private loadSession(date: IsoDate): void {
    const session = sessionOn(date);
    if (!session) throw new InputError('session', `${date} is not an NYSE trading day`);
    this.sessionDate = date;
    this.session = session;
    this.dayMinutes = new Map();
    this.prior = calendarSessionsBefore(date, this.priorCount);
    this.priorDaily = calendarSessionsBefore(date, this.dailyCount);
    this.playState = this.playState === 'ended' ? 'pause' : this.playState;
  }

  private clampToSession(ms: number): number {
    const s = this.session!;
    return Math.min(Math.max(ms, s.preOpen), s.postClose);
  }

  private publishStatus(): void {
    const status = this.replayStatus();
    if (status) this.listener?.onReplayStatus?.(status);
  }
}

/**
 * Piece `from`→`to` (in thirds) of minute `m` along the path open → first extreme →
 * second extreme (low first on an up minute, high first on a down minute), with its
 * share of the volume. Merged in order, the pieces give a prefix whose high/low never
 * leave the final bar's range and whose open is the final open.
 */
export function piece(m: MinuteAggregate, from: number, to: number): MinuteAggregate {
  const up = m.close >= m.open;
  const path = [m.open, up ? m.low : m.high, up ? m.high : m.low];
  const span = path.slice(from, to + 1);
  const volumeAt = (k: number): number => Math.floor((m.volume * k) / STEPS);
  return {
    symbol: m.symbol,
    start: m.start + from * PIECE_MS,
    open: path[from]!,
    high: Math.max(...span),
    low: Math.min(...span),
    close: path[to]!,
    volume: volumeAt(to) - volumeAt(from),
  };
}

/** The `count` NYSE sessions before `date`, ascending (fewer near the calendar's first year). */
export function calendarSessionsBefore(date: IsoDate, count: number): Session[] {
  const out: Session[] = [];
  let d = date;
  try {
    for (let i = 0; i < count; i++) {
      const s = previousSession(d);
      out.push(s);
      d = s.date;
    }
  } catch (err) {
    if (!(err instanceof InputError)) throw err; // ran off the calendar's start: a shorter window
  }
  return out.reverse();
}

/** Ranges of consecutive sessions of `window` (ascending) whose date is not in `present`. */
export function missingRanges(window: readonly Session[], present: ReadonlySet<IsoDate>): MissingSessions[] {
  const out: MissingSessions[] = [];
  let open: MissingSessions | undefined;
  for (const s of window) {
    if (present.has(s.date)) {
      open = undefined;
      continue;
    }
    if (open) {
      open.to = s.date;
      open.sessions++;
    } else {
      open = { from: s.date, to: s.date, sessions: 1 };
      out.push(open);
    }
  }
  return out;
}
