/**
 * MassiveFeed: the MarketDataFeed over Massive's REST history and WebSocket streams.
 * See ./index.ts for what it owns and the protocol facts it relies on.
 */
import { z } from 'zod';
import { MINUTE_MS, type DailyAggregate, type MinuteAggregate, type OptionQuote } from '../../core/types.js';
import { nyDate, sessionAt } from '../../calendar/index.js';
import type { FeedListener, FeedStatus, MarketDataFeed } from '../types.js';
import type { AggregateOrigin } from '../../core/types.js';
import { TimerSet, type BackoffOptions, type Clock } from '../../core/backoff.js';
import { AggregateEvent, AnyEvent, OptionQuoteEvent } from './messages.js';
import { MassiveError, MassiveRest, type OptionChainEntry, type OptionContract } from './rest.js';
import { ClusterConnection, type Cluster } from './socket.js';

/** Massive's documented cap on option contracts per quotes connection. */
export const MAX_OPTION_CONTRACTS_PER_CONNECTION = 1000;

export interface MassiveFeedConfig {
  apiKey: string;
  /** Default `https://api.massive.com`. */
  restBaseUrl?: string;
  /** Stocks cluster URL; must end in `/stocks`. Default `wss://socket.massive.com/stocks` (or delayed host). */
  wsUrl?: string;
  /** Options cluster URL; must end in `/options`. */
  optionsWsUrl?: string;
  /**
   * 15-minute delayed data: default hosts become `delayed.massive.com` and status says
   * `delayed`. Per cluster, because plans are: e.g. real-time stocks with delayed options
   * is `{ options: true }`. `true` means both.
   */
  delayed?: boolean | { stocks?: boolean; options?: boolean };
  /**
   * Massive's split adjustment for history. Default false: the live stream and the flat
   * files are unadjusted, and mixing adjusted history with raw live prices would draw a
   * fake gap on the chart around a split.
   */
  adjusted?: boolean;
  /** WebSocket reconnect backoff. Default 500 ms doubling to 30 s. */
  reconnect?: Partial<BackoffOptions>;
  /** REST retry policy for 429/5xx/timeouts. Default 5 attempts, 500 ms doubling to 20 s. */
  restRetry?: Partial<BackoffOptions & { maxAttempts: number }>;
  /** 429 without Retry-After: backoff (default 15 s doubling to 2 min, jittered) and Massive's window (default 60 s). */
  rateLimit?: Partial<BackoffOptions & { windowMs: number }>;
  /** How many years of vendor daily bars the 1D/1W charts get (never before 1998, the calendar's start). Default 20. */
  dailyHistoryYears?: number;
  /** Per REST request. Default 15 s. */
  restTimeoutMs?: number;
  /** Drop a connection whose auth is not answered in this time. Default 10 s. */
  authTimeoutMs?: number;
  /**
   * A logged-in stream that brings no message and no pong for this long is treated as dead
   * (it never closed: prices would freeze while the badge said LIVE): it is dropped,
   * re-opened and the gap backfilled. Default 30 s.
   */
  silenceTimeoutMs?: number;
  /** Quiet time after which a WebSocket ping checks the link. Default 10 s. */
  pingIntervalMs?: number;
  /** Time source for every timeout, backoff and "now" (tests drive it). Default the system clock. */
  clock?: Clock;
  /** How long a login must go unrefused before it counts (Massive refuses with max_connections after auth_success). Default 1.5 s. */
  authSettleMs?: number;
  /** Retry schedule after `max_connections`. Default 5 s doubling to 2 min, with jitter. */
  connectionLimitBackoff?: Partial<BackoffOptions>;
  /** A `max_connections` within this long of our own previous session ending is blamed on that session, not another program. Default 5 min. */
  ownGhostWindowMs?: number;
  /** How long start() waits for the stocks login answer before resolving anyway. Default 10 s. */
  startTimeoutMs?: number;
  /** Default 1,000 (Massive's limit); lower only for tests. */
  maxOptionContractsPerConnection?: number;
  logger?: { warn(message: string): void };
}

const ConfigSchema = z.object({
  apiKey: z.string().min(1, 'apiKey is required (the Massive API key)'),
  restBaseUrl: z.url().optional(),
  wsUrl: z.string().regex(/^wss?:\/\/.+\/stocks\/?$/, 'wsUrl must be a ws(s):// URL ending in /stocks').optional(),
  optionsWsUrl: z.string().regex(/^wss?:\/\/.+\/options\/?$/, 'optionsWsUrl must be a ws(s):// URL ending in /options').optional(),
  delayed: z.union([z.boolean(), z.object({ stocks: z.boolean().optional(), options: z.boolean().optional() }).strict()]).optional(),
  authSettleMs: z.number().nonnegative().optional(),
  ownGhostWindowMs: z.number().nonnegative().optional(),
  adjusted: z.boolean().optional(),
  restTimeoutMs: z.number().positive().optional(),
  dailyHistoryYears: z.number().int().positive().max(100).optional(),
  authTimeoutMs: z.number().positive().optional(),
  silenceTimeoutMs: z.number().positive().optional(),
  pingIntervalMs: z.number().positive().optional(),
  startTimeoutMs: z.number().nonnegative().optional(),
  maxOptionContractsPerConnection: z.number().int().positive().max(MAX_OPTION_CONTRACTS_PER_CONNECTION).optional(),
});

export interface MassiveFeedStats {
  /** WebSocket messages ignored because they were unparseable, invalid or of an unknown kind. */
  malformed: number;
  malformedByKind: Record<string, number>;
  /** `AM` for a minute already received (passed through; the bar engine upserts). */
  duplicates: number;
  /** Of those, how many changed the numbers (late trades). */
  revisions: number;
  /** `AM` older than the newest minute already seen for its symbol (passed through). */
  outOfOrder: number;
  /** Sessions re-established after a lost connection, all clusters. */
  reconnects: number;
  reconnectAttempts: number;
  /** Minutes delivered as `history` to fill reconnect gaps. */
  backfilledMinutes: number;
  backfillFailures: number;
  /** HTTP 429 answers seen on REST. */
  rateLimited: number;
  /** Option contracts refused because the connection was at its contract limit. */
  refusedContracts: number;
  /** Events for symbols no longer subscribed (dropped). */
  ignoredUnsubscribed: number;
  /** Listener callbacks that threw (caught; the stream continues). */
  listenerErrors: number;
  /** WebSocket pings sent after quiet periods, and pongs received. */
  pings: number;
  pongs: number;
  /** Connections dropped because they went silent without closing. */
  silentDrops: number;
  /** Logins Massive refused with `max_connections`. */
  connectionLimitRefusals: number;
  /** Status messages of a kind optdesk has no rule for (passed on as a sentence). */
  unknownStatuses: number;
  received: { AM: number; A: number; Q: number };
}

const STATE_RANK: Record<FeedStatus['state'], number> = { live: 0, delayed: 0, replay: 0, connecting: 1, degraded: 2, down: 3 };

export class MassiveFeed implements MarketDataFeed {
  readonly kind = 'massive' as const;

  private readonly rest: MassiveRest;
  private readonly timers: TimerSet;
  private readonly cfg: Required<
    Pick<
      MassiveFeedConfig,
      'apiKey' | 'authTimeoutMs' | 'silenceTimeoutMs' | 'pingIntervalMs' | 'authSettleMs' | 'ownGhostWindowMs' | 'startTimeoutMs' | 'maxOptionContractsPerConnection'
    >
  > & {
    delayed: Record<Cluster, boolean>;
    stocksBase: string;
    optionsBase: string;
    reconnect: BackoffOptions;
    connectionLimitBackoff: BackoffOptions;
  };
  private readonly log: (message: string) => void;

  private listener: FeedListener | undefined;
  private running = false;
  private connections: Partial<Record<Cluster, ClusterConnection>> = {};
  /** When each cluster's last session of this feed ended, across stop()/start(). */
  private readonly sessionEndedAt: Partial<Record<Cluster, number>> = {};

  private readonly stockSymbols = new Set<string>();
  private readonly optionSymbols = new Set<string>();
  /** When each stock symbol was subscribed: the backfill start if no live minute came yet. */
  private readonly subscribedAt = new Map<string, number>();
  /** Newest minute start delivered per stock symbol (live or backfill). */
  private readonly coveredUntil = new Map<string, number>();
  /** Recently seen AM per symbol: start → fingerprint, for duplicate/revision counting. */
  private readonly seenMinutes = new Map<string, Map<number, string>>();
  /** Per-second `A` pieces of the minute forming now, per stock symbol, by start (see onSecondAggregate). */
  private readonly forming = new Map<string, { minute: number; pieces: Map<number, MinuteAggregate>; folded: boolean }>();
  private readonly backfillInFlight = new Set<string>();
  private readonly backfillRerun = new Set<string>();

  private restProblem: FeedStatus | undefined;
  private optionLimitProblem: FeedStatus | undefined;
  /** Gaps the charts show because history failed: by symbol (minutes) or `SYMBOL daily`. */
  private readonly backfillProblems = new Map<string, string>();
  /** Sentences that do not change the state (REST answering DELAYED), by key. */
  private readonly notices = new Map<string, string>();
  private readonly dailyHistoryYears: number;
  private lastMessageAt: number | undefined;
  /** Options-cluster sessions re-established after a loss (quotes missed meanwhile: refresh snapshots). */
  private optionSessions = 0;
  private lastEmitted = '';
  private readonly loggedKinds = new Set<string>();
  private firstAnswer: (() => void) | undefined;

  private readonly counters: MassiveFeedStats = {
    malformed: 0,
    malformedByKind: {},
    duplicates: 0,
    revisions: 0,
    outOfOrder: 0,
    reconnects: 0,
    reconnectAttempts: 0,
    backfilledMinutes: 0,
    backfillFailures: 0,
    rateLimited: 0,
    refusedContracts: 0,
    ignoredUnsubscribed: 0,
    listenerErrors: 0,
    pings: 0,
    pongs: 0,
    silentDrops: 0,
    connectionLimitRefusals: 0,
    unknownStatuses: 0,
    received: { AM: 0, A: 0, Q: 0 },
  };

  constructor(config: MassiveFeedConfig) {
    const checked = ConfigSchema.safeParse(config);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      throw new Error(`Invalid Massive feed config: ${issue?.path.join('.') || 'config'}: ${issue?.message ?? 'invalid'}`);
    }
    this.timers = new TimerSet(config.clock);
    this.dailyHistoryYears = config.dailyHistoryYears ?? 20;
    const d = config.delayed ?? false;
    const delayed: Record<Cluster, boolean> = typeof d === 'boolean' ? { stocks: d, options: d } : { stocks: d.stocks ?? false, options: d.options ?? false };
    const defaultWsBase = (cluster: Cluster): string => (delayed[cluster] ? 'wss://delayed.massive.com' : 'wss://socket.massive.com');
    this.cfg = {
      apiKey: config.apiKey,
      delayed,
      authSettleMs: config.authSettleMs ?? 1_500,
      ownGhostWindowMs: config.ownGhostWindowMs ?? 5 * 60_000,
      connectionLimitBackoff: { initialMs: 5_000, maxMs: 120_000, factor: 2, ...config.connectionLimitBackoff },
      authTimeoutMs: config.authTimeoutMs ?? 10_000,
      silenceTimeoutMs: config.silenceTimeoutMs ?? 30_000,
      pingIntervalMs: config.pingIntervalMs ?? 10_000,
      startTimeoutMs: config.startTimeoutMs ?? 10_000,
      maxOptionContractsPerConnection: config.maxOptionContractsPerConnection ?? MAX_OPTION_CONTRACTS_PER_CONNECTION,
      // The official client appends the cluster path itself, so keep only the base.
      stocksBase: config.wsUrl ? config.wsUrl.replace(/\/stocks\/?$/, '') : defaultWsBase('stocks'),
      optionsBase: config.optionsWsUrl ? config.optionsWsUrl.replace(/\/options\/?$/, '') : defaultWsBase('options'),
      reconnect: { initialMs: 500, maxMs: 30_000, factor: 2, ...config.reconnect },
    };
    const logger = config.logger ?? console;
    this.log = (message) => logger.warn(`[massive] ${message}`);
    this.rest = new MassiveRest({
      apiKey: config.apiKey,
      baseUrl: (config.restBaseUrl ?? 'https://api.massive.com').replace(/\/$/, ''),
      timeoutMs: config.restTimeoutMs ?? 15_000,
      retry: { initialMs: 500, maxMs: 20_000, factor: 2, maxAttempts: 5, ...config.restRetry },
      rateLimit: { initialMs: 15_000, maxMs: 120_000, factor: 2, windowMs: 60_000, ...config.rateLimit },
      adjusted: config.adjusted ?? false,
      timers: this.timers,
      hooks: {
        onRateLimited: (waitMs, attempt) => {
          this.counters.rateLimited++;
          this.restProblem = {
            state: 'degraded',
            message: `Massive is rate-limiting requests (HTTP 429); retry ${attempt} in ${(waitMs / 1000).toFixed(1)} s.`,
          };
          this.emitStatus();
        },
        onFailure: (err) => {
          if (err.kind === 'stopped') return;
          if (err.kind === 'rate_limit') this.counters.rateLimited++;
          this.restProblem = { state: 'degraded', message: err.message };
          this.emitStatus();
        },
        onSuccess: () => {
          if (!this.restProblem) return;
          this.restProblem = undefined;
          this.emitStatus();
        },
        onDelayed: () => {
          if (this.cfg.delayed.stocks || this.notices.has('rest-delayed')) return;
          this.notices.set(
            'rest-delayed',
            'Massive answers this account\'s history requests as DELAYED (a delayed plan): the newest 15 minutes reach the chart only from the stream; set MASSIVE_STOCKS_DELAYED=1 if the stream is delayed too.',
          );
          this.emitStatus();
        },
      },
    });
  }

  // ---------------------------------------------------------------- MarketDataFeed

  /**
   * Opens the stocks stream and resolves once Massive answered the login (or after
   * `startTimeoutMs`). It never rejects for vendor trouble: that is reported through
   * onStatus/status(), because the app keeps running on history and replay meanwhile.
   */
  async start(listener: FeedListener): Promise<void> {
    if (this.running) throw new Error('MassiveFeed is already started; stop() it first.');
    this.listener = listener;
    this.running = true;
    this.connections = { stocks: this.makeConnection('stocks'), options: this.makeConnection('options') };
    const answered = new Promise<void>((resolve) => {
      this.firstAnswer = resolve;
      this.timers.after(this.cfg.startTimeoutMs, resolve);
    });
    this.connections.stocks?.ensureOpen();
    if (this.optionSymbols.size > 0) this.connections.options?.ensureOpen();
    this.emitStatus();
    await answered;
    this.firstAnswer = undefined;
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.timers.clear(new Error('stopped'));
    const entries = Object.entries(this.connections) as Array<[Cluster, ClusterConnection]>;
    const conns = entries.map(([, c]) => c);
    this.connections = {};
    await Promise.all(conns.map((c) => c.close()));
    for (const [cluster, conn] of entries) {
      if (conn.sessionEndedAt !== undefined) this.sessionEndedAt[cluster] = conn.sessionEndedAt;
    }
    // Keep the counters of closed connections so stats() survives a restart.
    for (const c of conns) {
      this.counters.reconnects += c.reconnects;
      this.counters.reconnectAttempts += c.reconnectAttempts;
    }
    this.emitStatus();
    this.listener = undefined;
  }

  subscribe(symbols: readonly string[]): void {
    const newStocks: string[] = [];
    const newOptions: string[] = [];
    const refused: string[] = [];
    for (const raw of symbols) {
      const symbol = raw.trim().toUpperCase();
      if (!symbol) continue;
      if (symbol.startsWith('O:')) {
        if (this.optionSymbols.has(symbol)) continue;
        // Refuse rather than queue past the limit: a queued contract shows no quotes, and
        // a trader reading "no quote" as "no market" is worse than a clear refusal.
        if (this.optionSymbols.size >= this.cfg.maxOptionContractsPerConnection) {
          refused.push(symbol);
          continue;
        }
        this.optionSymbols.add(symbol);
        newOptions.push(symbol);
      } else if (!this.stockSymbols.has(symbol)) {
        this.stockSymbols.add(symbol);
        this.subscribedAt.set(symbol, this.timers.now());
        newStocks.push(symbol);
      }
    }
    if (refused.length > 0) {
      this.counters.refusedContracts += refused.length;
      const sample = refused.slice(0, 3).join(', ') + (refused.length > 3 ? ', …' : '');
      this.optionLimitProblem = {
        state: 'degraded',
        message: `Massive allows at most ${this.cfg.maxOptionContractsPerConnection.toLocaleString('en-US')} option contracts per connection, so ${refused.length} more (${sample}) were not subscribed; unsubscribe contracts you no longer watch first.`,
      };
      this.logOnce('option-limit', this.optionLimitProblem.message ?? '');
      this.emitStatus();
    }
    if (!this.running) return; // sent on login by onAuthenticated
    if (newStocks.length > 0) {
      this.connections.stocks?.ensureOpen();
      this.connections.stocks?.send('subscribe', stockParams(newStocks));
    }
    if (newOptions.length > 0) {
      this.connections.options?.ensureOpen();
      this.connections.options?.send('subscribe', optionParams(newOptions));
    }
  }

  unsubscribe(symbols: readonly string[]): void {
    const stocks: string[] = [];
    const options: string[] = [];
    for (const raw of symbols) {
      const symbol = raw.trim().toUpperCase();
      if (this.optionSymbols.delete(symbol)) options.push(symbol);
      else if (this.stockSymbols.delete(symbol)) {
        stocks.push(symbol);
        this.subscribedAt.delete(symbol);
        this.coveredUntil.delete(symbol);
        this.seenMinutes.delete(symbol);
        this.forming.delete(symbol);
        this.backfillProblems.delete(symbol);
      }
    }
    if (options.length > 0 && this.optionLimitProblem) this.optionLimitProblem = undefined;
    this.connections.stocks?.send('unsubscribe', stockParams(stocks));
    this.connections.options?.send('unsubscribe', optionParams(options));
    this.emitStatus();
  }

  /** 1-minute history in [fromMs, toMs), ascending; rejects with a MassiveError sentence. */
  fetchMinuteHistory(symbol: string, fromMs: number, toMs: number): Promise<MinuteAggregate[]> {
    return this.rest.fetchMinuteAggregates(symbol.trim().toUpperCase(), fromMs, toMs);
  }

  /**
   * The vendor's official daily bars of the sessions closed before `beforeMs` (default now),
   * `dailyHistoryYears` back, for the 1D/1W charts (DESIGN principle 2: a closed session's
   * vendor bar replaces the one built from minutes; the forming day stays live-built, so
   * today's bar — partial at Massive — is never returned). Never rejects: on failure the
   * charts keep the minute-built days and status() says why.
   */
  async fetchDailyHistory(symbol: string, beforeMs = this.timers.now()): Promise<DailyAggregate[]> {
    const sym = symbol.trim().toUpperCase();
    const lastDay = nyDate(beforeMs);
    const back = `${Number(lastDay.slice(0, 4)) - this.dailyHistoryYears}${lastDay.slice(4)}`;
    const firstDay = back < '1998-01-02' ? '1998-01-02' : back;
    try {
      const bars = await this.rest.fetchDailyAggregates(sym, firstDay, lastDay);
      if (this.backfillProblems.delete(`${sym} daily`)) this.emitStatus();
      return bars.filter((bar) => {
        const session = safeSessionAt(bar.start);
        return session !== null && session.close <= beforeMs;
      });
    } catch (err) {
      if (err instanceof MassiveError && err.kind === 'stopped') return [];
      this.backfillProblems.set(
        `${sym} daily`,
        `Could not load ${sym}'s daily history from Massive, so its 1D and 1W charts show only the days built from minutes: ${(err as Error).message}`,
      );
      this.emitStatus();
      return [];
    }
  }

  status(): FeedStatus {
    const lastMessageAt = this.lastMessageAt !== undefined ? { lastMessageAt: this.lastMessageAt } : {};
    if (!this.running) return { state: 'down', message: 'The Massive feed is not running.', ...lastMessageAt };
    const parts: FeedStatus[] = [];
    const stocks = this.connections.stocks;
    if (stocks) parts.push(stocks.status);
    const options = this.connections.options;
    if (options && (this.optionSymbols.size > 0 || options.isOpenOrOpening)) {
      const s = options.status;
      // Charts run on the stocks cluster; losing option quotes degrades the desk, it doesn't stop it.
      parts.push(s.state === 'down' ? { state: 'degraded', ...(s.message && { message: s.message }) } : s);
    }
    if (this.restProblem) parts.push(this.restProblem);
    if (this.optionLimitProblem) parts.push(this.optionLimitProblem);
    for (const message of this.backfillProblems.values()) parts.push({ state: 'degraded', message });
    // Notices ride on whatever the streams say (rank 0 keeps a LIVE/DELAYED state as it is).
    for (const message of this.notices.values()) parts.push({ state: parts[0]?.state === 'delayed' ? 'delayed' : 'live', message });
    const worstRank = Math.max(...parts.map((p) => STATE_RANK[p.state]));
    const worst = parts.filter((p) => STATE_RANK[p.state] === worstRank);
    const state = worst[0]?.state ?? 'connecting';
    const messages = [...new Set(worst.map((p) => p.message).filter((m): m is string => !!m))];
    return { state, ...(messages.length > 0 && { message: messages.join(' ') }), ...lastMessageAt };
  }

  // ---------------------------------------------------------------- Massive extras

  /** Where each cluster streams from and whether it is the delayed feed (per cluster). */
  endpoints(): Record<Cluster, { url: string; delayed: boolean }> {
    return {
      stocks: { url: `${this.cfg.stocksBase}/stocks`, delayed: this.cfg.delayed.stocks },
      options: { url: `${this.cfg.optionsBase}/options`, delayed: this.cfg.delayed.options },
    };
  }

  /** The options quote stream on its own (the chain says when its quotes are delayed or stopped). */
  optionQuotesStatus(): FeedStatus & { sessions: number } {
    const conn = this.connections.options;
    const base: FeedStatus = !this.running ? { state: 'down', message: 'The Massive feed is not running.' } : conn ? conn.status : { state: 'connecting' };
    return { ...base, sessions: this.optionSessions };
  }

  /** Counters for the health panel and tests. A copy; mutating it changes nothing. */
  stats(): MassiveFeedStats {
    const conns = Object.values(this.connections);
    return {
      ...this.counters,
      malformedByKind: { ...this.counters.malformedByKind },
      received: { ...this.counters.received },
      reconnects: this.counters.reconnects + conns.reduce((n, c) => n + c.reconnects, 0),
      reconnectAttempts: this.counters.reconnectAttempts + conns.reduce((n, c) => n + c.reconnectAttempts, 0),
    };
  }

  /** Every contract of `underlying` with its latest NBBO (missing sides are null), paginated. */
  fetchOptionChainSnapshot(underlying: string, expiration?: string): Promise<OptionChainEntry[]> {
    return this.rest.fetchOptionChainSnapshot(underlying.trim().toUpperCase(), expiration);
  }

  /**
   * Contract reference data for `underlying` (optionally one expiration `YYYY-MM-DD`),
   * paginated. `asOf` (`YYYY-MM-DD`) lists the contracts that were live on that day.
   */
  fetchOptionContracts(underlying: string, expiration?: string, asOf?: string): Promise<OptionContract[]> {
    return this.rest.fetchOptionContracts(underlying.trim().toUpperCase(), expiration, asOf);
  }

  // ---------------------------------------------------------------- internals

  private makeConnection(cluster: Cluster): ClusterConnection {
    return new ClusterConnection({
      cluster,
      baseUrl: cluster === 'stocks' ? this.cfg.stocksBase : this.cfg.optionsBase,
      apiKey: this.cfg.apiKey,
      delayed: this.cfg.delayed[cluster],
      backoff: this.cfg.reconnect,
      authSettleMs: this.cfg.authSettleMs,
      connectionLimitBackoff: this.cfg.connectionLimitBackoff,
      ownGhostWindowMs: this.cfg.ownGhostWindowMs,
      ...(this.sessionEndedAt[cluster] !== undefined && { previousSessionEndedAt: this.sessionEndedAt[cluster] }),
      authTimeoutMs: this.cfg.authTimeoutMs,
      silenceTimeoutMs: this.cfg.silenceTimeoutMs,
      pingIntervalMs: this.cfg.pingIntervalMs,
      timers: this.timers,
      handlers: {
        onEvent: (element) => this.handleEvent(element),
        onMalformed: (kind, detail) => this.malformed(kind, detail),
        onLoggedIn: () => this.onLoggedIn(cluster),
        onAuthenticated: (reconnected) => this.onAuthenticated(cluster, reconnected),
        onStatus: (status) => {
          if (cluster === 'stocks' && status.state !== 'connecting' && status.state !== 'degraded') this.firstAnswer?.();
          this.emitStatus();
        },
        onActivity: (at) => {
          this.lastMessageAt = at;
        },
        onPing: () => this.counters.pings++,
        onPong: () => this.counters.pongs++,
        onSilent: () => this.counters.silentDrops++,
        onLimitRefused: () => this.counters.connectionLimitRefusals++,
        onUnknownStatus: (status, message) => {
          this.counters.unknownStatuses++;
          this.logOnce(`status:${status}`, `Massive sent a status optdesk has no rule for (${status}): ${message}`);
        },
      },
    });
  }

  private onLoggedIn(cluster: Cluster): void {
    const conn = this.connections[cluster];
    if (!conn) return;
    if (cluster === 'stocks') conn.send('subscribe', stockParams([...this.stockSymbols]));
    else conn.send('subscribe', optionParams([...this.optionSymbols]));
  }

  private onAuthenticated(cluster: Cluster, reconnected: boolean): void {
    if (cluster === 'options' && reconnected) this.optionSessions++;
    // Anything that happened while we were away is only in REST now.
    if (cluster === 'stocks' && reconnected) for (const symbol of this.stockSymbols) void this.backfill(symbol);
  }

  /**
   * Fills the gap after a reconnect: minutes from the last one delivered (re-fetched on
   * purpose — it may have been re-sent with late trades while we were away) up to the
   * current minute, delivered as `history`. The forming minute is left to the live `AM`.
   * Single-flight per symbol; a reconnect during a backfill schedules one more run.
   */
  private async backfill(symbol: string): Promise<void> {
    if (this.backfillInFlight.has(symbol)) {
      this.backfillRerun.add(symbol);
      return;
    }
    this.backfillInFlight.add(symbol);
    try {
      const from = this.coveredUntil.get(symbol) ?? floorMinute(this.subscribedAt.get(symbol) ?? this.timers.now());
      const to = floorMinute(this.timers.now());
      const bars = await this.rest.fetchMinuteAggregates(symbol, from, to);
      for (const bar of bars) {
        if (!this.running || !this.stockSymbols.has(symbol)) return;
        this.deliverMinute(bar, 'history');
        this.counters.backfilledMinutes++;
      }
      if (this.backfillProblems.delete(symbol)) this.emitStatus();
    } catch (err) {
      if (err instanceof MassiveError && err.kind === 'stopped') return;
      this.counters.backfillFailures++;
      const retryMs = this.cfg.reconnect.maxMs;
      this.backfillProblems.set(
        symbol,
        `Could not load the ${symbol} minutes missed while disconnected, so the chart has a gap until a retry in ${Math.round(retryMs / 1000)} s succeeds: ${(err as Error).message}`,
      );
      this.emitStatus();
      // The REST layer already retried; keep trying slowly so the gap heals without a reconnect.
      this.timers.after(retryMs, () => {
        if (this.running && this.stockSymbols.has(symbol)) void this.backfill(symbol);
      });
    } finally {
      this.backfillInFlight.delete(symbol);
      if (this.backfillRerun.delete(symbol) && this.running) void this.backfill(symbol);
    }
  }

  private handleEvent(element: unknown): void {
    const head = AnyEvent.safeParse(element);
    if (!head.success) {
      this.malformed('no-ev', JSON.stringify(element)?.slice(0, 120) ?? String(element));
      return;
    }
    const ev = head.data.ev;
    if (ev === 'AM' || ev === 'A') {
      const parsed = AggregateEvent.safeParse(element);
      if (!parsed.success) {
        this.malformed(`${ev}-invalid`, parsed.error.issues[0]?.message ?? 'invalid');
        return;
      }
      const e = parsed.data;
      // Schema can't express cross-field rules; a bar whose high is below its close is garbage.
      if (e.h < Math.max(e.o, e.c, e.l) || e.l > Math.min(e.o, e.c) || e.e < e.s) {
        this.malformed(`${ev}-inconsistent`, `${e.sym} ${e.s}: o=${e.o} h=${e.h} l=${e.l} c=${e.c}`);
        return;
      }
      if (!this.stockSymbols.has(e.sym) && !this.optionSymbols.has(e.sym)) {
        this.counters.ignoredUnsubscribed++;
        return;
      }
      const agg: MinuteAggregate = {
        symbol: e.sym,
        start: e.s,
        open: e.o,
        high: e.h,
        low: e.l,
        close: e.c,
        volume: e.v,
        ...(e.vw !== undefined && { vwap: e.vw }),
      };
      this.counters.received[ev]++;
      if (ev === 'AM') {
        this.trackMinute(agg);
        if (this.forming.get(agg.symbol)?.minute === agg.start) this.forming.delete(agg.symbol);
        this.deliverMinute(agg, 'live');
      } else {
        this.onSecondAggregate(agg);
      }
      return;
    }
    if (ev === 'Q') {
      const parsed = OptionQuoteEvent.safeParse(element);
      if (!parsed.success) {
        this.malformed('Q-invalid', parsed.error.issues[0]?.message ?? 'invalid');
        return;
      }
      const q = parsed.data;
      if (!this.optionSymbols.has(q.sym)) {
        this.counters.ignoredUnsubscribed++;
        return;
      }
      this.counters.received.Q++;
      // No bid on a far OTM contract arrives as an absent or zero side; it must stay null.
      const bidMissing = q.bp === undefined || q.bp <= 0;
      const askMissing = q.ap === undefined || q.ap <= 0;
      const quote: OptionQuote = {
        ticker: q.sym,
        ts: q.t,
        bid: bidMissing ? null : (q.bp ?? null),
        bidSize: bidMissing ? null : (q.bs ?? null),
        ask: askMissing ? null : (q.ap ?? null),
        askSize: askMissing ? null : (q.as ?? null),
        ...(q.q !== undefined && { sequence: q.q }),
      };
      this.safely(() => this.listener?.onQuote?.(quote));
      return;
    }
    this.malformed(`unknown-ev:${ev.slice(0, 20)}`, JSON.stringify(element).slice(0, 120));
  }

  /**
   * A per-second `A`. Massive re-sends an `A` when late trades arrive, like `AM`: a piece
   * with a start already seen replaces the earlier one instead of adding to it. The bar
   * engine merges partials additively (trades and seconds are pieces), so a new second
   * goes through as a partial; a changed re-send is folded here into the minute so far
   * (every piece kept by start) and delivered as that minute's live aggregate, which the
   * engine upserts; from then on the rest of the minute goes the same way, until its `AM`.
   */
  private onSecondAggregate(agg: MinuteAggregate): void {
    const minute = floorMinute(agg.start);
    if (this.seenMinutes.get(agg.symbol)?.has(minute)) {
      // The minute's AM already came: it is complete, a late second adds nothing.
      this.counters.duplicates++;
      return;
    }
    let forming = this.forming.get(agg.symbol);
    if (forming && minute < forming.minute) {
      // A piece of an older minute than the one forming: rare; the AM for it settles it.
      this.safely(() => this.listener?.onPartial?.(agg));
      return;
    }
    if (!forming || forming.minute !== minute) {
      forming = { minute, pieces: new Map(), folded: false };
      this.forming.set(agg.symbol, forming);
    }
    const previous = forming.pieces.get(agg.start);
    forming.pieces.set(agg.start, agg);
    if (previous && sameAggregate(previous, agg)) {
      this.counters.duplicates++;
      return;
    }
    if (previous) {
      this.counters.duplicates++;
      this.counters.revisions++;
    }
    if (!previous && !forming.folded) {
      this.safely(() => this.listener?.onPartial?.(agg));
      return;
    }
    forming.folded = true;
    this.deliverMinute(foldPieces(agg.symbol, minute, forming.pieces), 'live');
  }

  /** Duplicate/revision/out-of-order accounting for live AMs; never filters. */
  private trackMinute(agg: MinuteAggregate): void {
    let seen = this.seenMinutes.get(agg.symbol);
    if (!seen) this.seenMinutes.set(agg.symbol, (seen = new Map()));
    const fingerprint = `${agg.open}|${agg.high}|${agg.low}|${agg.close}|${agg.volume}|${agg.vwap ?? ''}`;
    const previous = seen.get(agg.start);
    if (previous !== undefined) {
      this.counters.duplicates++;
      if (previous !== fingerprint) this.counters.revisions++;
    } else if (agg.start < (this.coveredUntil.get(agg.symbol) ?? -Infinity)) {
      this.counters.outOfOrder++;
    }
    seen.set(agg.start, fingerprint);
    // Massive re-sends a minute up to ~15 minutes later; remember an hour, bounded.
    if (seen.size > 120) {
      const horizon = Math.max(...seen.keys()) - 60 * MINUTE_MS;
      for (const start of seen.keys()) if (start < horizon) seen.delete(start);
    }
  }

  private deliverMinute(agg: MinuteAggregate, origin: AggregateOrigin): void {
    if (agg.start > (this.coveredUntil.get(agg.symbol) ?? -Infinity) && this.stockSymbols.has(agg.symbol)) {
      this.coveredUntil.set(agg.symbol, agg.start);
    }
    this.safely(() => this.listener?.onMinute(agg, origin));
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.counters.listenerErrors++;
      this.logOnce('listener-error', `a feed listener threw and was skipped: ${(err as Error).message}`);
    }
  }

  private malformed(kind: string, detail: string): void {
    this.counters.malformed++;
    this.counters.malformedByKind[kind] = (this.counters.malformedByKind[kind] ?? 0) + 1;
    this.logOnce(`malformed:${kind}`, `ignored a Massive message (${kind}): ${detail}`);
  }

  /** One log line per kind, so a vendor bug can't flood the log at 1,000 messages a second. */
  private logOnce(kind: string, message: string): void {
    if (this.loggedKinds.has(kind) || this.loggedKinds.size > 200) return;
    this.loggedKinds.add(kind);
    this.log(`${message} (further messages of this kind are counted in stats(), not logged)`);
  }

  private emitStatus(): void {
    const status = this.status();
    const key = `${status.state}|${status.message ?? ''}`;
    if (key === this.lastEmitted) return;
    this.lastEmitted = key;
    const listener = this.listener;
    if (listener?.onStatus) this.safely(() => listener.onStatus?.(status));
  }
}

function stockParams(symbols: readonly string[]): string[] {
  return symbols.flatMap((s) => [`AM.${s}`, `A.${s}`]);
}

function sameAggregate(a: MinuteAggregate, b: MinuteAggregate): boolean {
  return a.open === b.open && a.high === b.high && a.low === b.low && a.close === b.close && a.volume === b.volume && a.vwap === b.vwap;
}

/** The minute so far from its per-second pieces: first open, last close, extremes, summed volume. */
function foldPieces(symbol: string, minute: number, pieces: ReadonlyMap<number, MinuteAggregate>): MinuteAggregate {
  const sorted = [...pieces.values()].sort((a, b) => a.start - b.start);
  const first = sorted[0]!;
  const last = sorted[sorted.length - 1]!;
  let high = -Infinity;
  let low = Infinity;
  let volume = 0;
  let notional = 0;
  let vwapKnown = true;
  for (const p of sorted) {
    high = Math.max(high, p.high);
    low = Math.min(low, p.low);
    volume += p.volume;
    if (p.vwap === undefined) vwapKnown = false;
    else notional += p.vwap * p.volume;
  }
  return {
    symbol,
    start: minute,
    open: first.open,
    high,
    low,
    close: last.close,
    volume,
    ...(vwapKnown && volume > 0 && { vwap: notional / volume }),
  };
}

function safeSessionAt(ms: number): ReturnType<typeof sessionAt> {
  try {
    return sessionAt(ms);
  } catch {
    return null; // outside the calendar's years
  }
}

/** Quotes for the chain and matrix, minute aggregates so an option contract charts like a stock. */
function optionParams(tickers: readonly string[]): string[] {
  return tickers.flatMap((t) => [`Q.${t}`, `AM.${t}`]);
}

function floorMinute(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}
