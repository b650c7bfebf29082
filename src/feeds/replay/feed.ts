/**
 * ReplayFeed — plays a recorded session as if it were live, like TradingView's Bar Replay.
 *
 * The replay clock runs in New York session time: `speed` replay milliseconds per wall
 * millisecond while playing. A minute bar becomes visible when the clock passes its end
 * (start + 60 s), exactly as a live `AM` would arrive. Inside the minute the candle is
 * shown building: at 1/3 and 2/3 of the minute a partial piece is emitted (prefix OHLC
 * that stays inside the final bar: open → first extreme → second extreme), then the
 * complete minute replaces it.
 *
 * Never the future: history requests are clipped to minutes that have ended on the replay
 * clock at the time of the request, and vendor daily bars are only served for sessions
 * before the replay session.
 *
 * Jumping forward replays the skipped minutes as complete bars. Jumping backwards or
 * changing session cannot be expressed as bar updates (bars never roll back — merge
 * policy), so the feed calls the listener's `onReset` and the hub rebuilds its engine.
 */
import type { DailyAggregate, IsoDate, MinuteAggregate } from '../../core/types.js';
import { MINUTE_MS } from '../../core/types.js';
import { InputError } from '../../core/errors.js';
import { type Session, nyTimeToMs, nyWallClock, sessionOn } from '../../calendar/index.js';
import type { FeedListener, FeedStatus, MarketDataFeed } from '../types.js';
import type { ReplayControl, ReplayStatus } from '../../hub/protocol.js';
import { type RecordedSession, ReplayCatalog } from './catalog.js';
import { type ReplayTicker, intervalTicker } from './ticker.js';

/**
 * Defaults: a fresh `npm start` lands mid-morning of a busy day (SPY, AIG, BAC with four
 * prior sessions as history) and is already playing at 60×, so candles visibly build —
 * one 1m candle per second — instead of showing a frozen chart.
 */
export const REPLAY_DEFAULTS = { session: '2013-10-10', time: '10:30', speed: 60, state: 'play' } as const;

/** How many recorded sessions before the replay session load as history. */
export const DEFAULT_PRIOR_SESSIONS = 5;

/** Partial pieces per minute: the minute shows up at 1/3, 2/3, then complete. */
const STEPS = 3;
const PIECE_MS = MINUTE_MS / STEPS;

export interface ReplayFeedOptions {
  dataDir: string;
  session?: IsoDate;
  /** New York wall time "HH:MM" to start at. */
  time?: string;
  speed?: number;
  state?: 'play' | 'pause';
  ticker?: ReplayTicker;
  priorSessions?: number;
  catalog?: ReplayCatalog;
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
  private listener?: ReplayListener;
  private stopTicker?: () => void;
  private recorded: RecordedSession[] = [];

  private sessionDate: IsoDate = '';
  private session?: Session;
  private dayMinutes = new Map<string, MinuteAggregate[]>();
  private prior: IsoDate[] = [];
  private clockMs = 0;
  private speedX: number;
  private playState: 'play' | 'pause' | 'ended';
  private readonly cursors = new Map<string, Cursor>();
  private problem?: string;
  private note?: string;
  /** Counters for tests and the bench: how the hub used the provider. */
  readonly counters = { subscribeCalls: 0, unsubscribeCalls: 0, historyRequests: 0 };

  constructor(private readonly options: ReplayFeedOptions) {
    this.catalog = options.catalog ?? new ReplayCatalog(options.dataDir);
    this.ticker = options.ticker ?? intervalTicker();
    this.priorCount = options.priorSessions ?? DEFAULT_PRIOR_SESSIONS;
    this.speedX = options.speed ?? REPLAY_DEFAULTS.speed;
    this.playState = options.state ?? REPLAY_DEFAULTS.state;
  }

  // ───────────────────────────── MarketDataFeed ─────────────────────────────

  async start(listener: FeedListener): Promise<void> {
    this.listener = listener as ReplayListener;
    this.recorded = await this.catalog.sessions();
    if (this.recorded.length === 0) {
      this.problem = `No recorded sessions in ${this.options.dataDir} (expected flatfiles/us_stocks_sip/minute_aggs_v1/YYYY/MM/YYYY-MM-DD.csv.gz)`;
      this.playState = 'pause';
      this.listener.onStatus?.(this.status());
      return;
    }
    let date = this.options.session ?? REPLAY_DEFAULTS.session;
    if (!this.recorded.some((s) => s.date === date)) {
      const fallback = this.recorded[this.recorded.length - 1]!.date;
      this.note = `No recorded data for ${date}; replaying ${fallback} instead`;
      date = fallback;
    }
    await this.loadSession(date);
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
    // Captured now, before any await: minutes that end later arrive live, never twice and never early.
    const visibleUntil = this.clockMs;
    const dates = [...this.prior, this.sessionDate].filter((d) => d !== '');
    const out: MinuteAggregate[] = [];
    for (const date of dates) {
      for (const m of (await this.catalog.minutes(date)).get(symbol) ?? []) {
        if (m.start >= fromMs && m.start < toMs && m.start + MINUTE_MS <= visibleUntil) out.push(m);
      }
    }
    return out;
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

  /** Vendor daily bars of the sessions before the replay session (never the replay day or later). */
  async fetchDailyHistory(symbol: string): Promise<DailyAggregate[]> {
    const before = this.session?.midnight ?? -Infinity;
    return (await this.catalog.daily(symbol)).filter((d) => d.start < before);
  }

  /** Start of the history a subscriber should see: pre-market of the oldest prior session loaded. */
  historyStart(): number {
    const first = this.prior[0] ?? this.sessionDate;
    return (first ? sessionOn(first)?.preOpen : undefined) ?? this.clockMs;
  }

  recordedSessions(): RecordedSession[] {
    return this.recorded;
  }

  /** Recorded sessions holding `symbol`. */
  sessionsOf(symbol: string): IsoDate[] {
    return this.recorded.filter((s) => s.symbols.includes(symbol)).map((s) => s.date);
  }

  hasData(symbol: string): boolean {
    return (this.dayMinutes.get(symbol)?.length ?? 0) > 0;
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
      if (!this.recorded.some((s) => s.date === c.session)) {
        throw new InputError(
          'session',
          `no recorded data for ${c.session} (recorded: ${this.recorded.map((s) => s.date).join(', ')})`,
        );
      }
      const date = c.session;
      await this.loadSession(date);
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
    const list = this.dayMinutes.get(symbol) ?? [];
    let i = 0;
    while (i < list.length && list[i]!.start + MINUTE_MS <= this.clockMs) i++;
    const m = list[i];
    // Mid-minute: the pieces already due are folded into the next one (it starts at the minute's open).
    const nextK = m && this.clockMs > m.start ? Math.min(STEPS, Math.floor((this.clockMs - m.start) / PIECE_MS) + 1) : 1;
    return { list, i, emitted: 0, nextK };
  }

  private async loadSession(date: IsoDate): Promise<void> {
    const session = sessionOn(date);
    if (!session) throw new InputError('session', `${date} is not an NYSE trading day`);
    const minutes = await this.catalog.minutes(date);
    const prior = this.recorded.filter((s) => s.date < date).slice(-this.priorCount).map((s) => s.date);
    await Promise.all(prior.map((d) => this.catalog.minutes(d)));
    // Switch everything at once, after the awaits, so a tick never sees half a session.
    this.sessionDate = date;
    this.session = session;
    this.dayMinutes = minutes;
    this.prior = prior;
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
