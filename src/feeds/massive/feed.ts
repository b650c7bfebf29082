/**
 * MassiveFeed: the MarketDataFeed over Massive's REST history and WebSocket streams.
 * See ./index.ts for what it owns and the protocol facts it relies on.
 */
import { z } from 'zod';
import { MINUTE_MS, type MinuteAggregate, type OptionQuote } from '../../core/types.js';
import type { AggregateOrigin, FeedListener, FeedStatus, MarketDataFeed } from '../types.js';
import { TimerSet, type BackoffOptions } from './backoff.js';
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
  /** 15-minute delayed plan: default hosts become `delayed.massive.com` and status says `delayed`. */
  delayed?: boolean;
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
  /** Per REST request. Default 15 s. */
  restTimeoutMs?: number;
  /** Drop a connection whose auth is not answered in this time. Default 10 s. */
  authTimeoutMs?: number;
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
  delayed: z.boolean().optional(),
  adjusted: z.boolean().optional(),
  restTimeoutMs: z.number().positive().optional(),
  authTimeoutMs: z.number().positive().optional(),
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
  received: { AM: number; A: number; Q: number };
}

const STATE_RANK: Record<FeedStatus['state'], number> = { live: 0, delayed: 0, replay: 0, connecting: 1, degraded: 2, down: 3 };

export class MassiveFeed implements MarketDataFeed {
  readonly kind = 'massive' as const;

  private readonly rest: MassiveRest;
  private readonly timers = new TimerSet();
  private readonly cfg: Required<Pick<MassiveFeedConfig, 'apiKey' | 'delayed' | 'authTimeoutMs' | 'startTimeoutMs' | 'maxOptionContractsPerConnection'>> & {
    stocksBase: string;
    optionsBase: string;
    reconnect: BackoffOptions;
  };
  private readonly log: (message: string) => void;

  private listener: FeedListener | undefined;
  private running = false;
  private connections: Partial<Record<Cluster, ClusterConnection>> = {};

  private readonly stockSymbols = new Set<string>();
  private readonly optionSymbols = new Set<string>();
  /** When each stock symbol was subscribed: the backfill start if no live minute came yet. */
  private readonly subscribedAt = new Map<string, number>();
  /** Newest minute start delivered per stock symbol (live or backfill). */
  private readonly coveredUntil = new Map<string, number>();
  /** Recently seen AM per symbol: start → fingerprint, for duplicate/revision counting. */
  private readonly seenMinutes = new Map<string, Map<number, string>>();
  private readonly backfillInFlight = new Set<string>();
  private readonly backfillRerun = new Set<string>();

  private restProblem: FeedStatus | undefined;
  private optionLimitProblem: FeedStatus | undefined;
  private readonly backfillProblems = new Map<string, string>();
  private lastMessageAt: number | undefined;
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
    received: { AM: 0, A: 0, Q: 0 },
  };

  constructor(config: MassiveFeedConfig) {
    const checked = ConfigSchema.safeParse(config);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      throw new Error(`Invalid Massive feed config: ${issue?.path.join('.') || 'config'}: ${issue?.message ?? 'invalid'}`);
    }
    const delayed = config.delayed ?? false;
    const defaultWsBase = delayed ? 'wss://delayed.massive.com' : 'wss://socket.massive.com';
    this.cfg = {
      apiKey: config.apiKey,
      delayed,
      authTimeoutMs: config.authTimeoutMs ?? 10_000,
      startTimeoutMs: config.startTimeoutMs ?? 10_000,
      maxOptionContractsPerConnection: config.maxOptionContractsPerConnection ?? MAX_OPTION_CONTRACTS_PER_CONNECTION,
      // The official client appends the cluster path itself, so keep only the base.
      stocksBase: config.wsUrl ? config.wsUrl.replace(/\/stocks\/?$/, '') : defaultWsBase,
      optionsBase: config.optionsWsUrl ? config.optionsWsUrl.replace(/\/options\/?$/, '') : defaultWsBase,
      reconnect: { initialMs: 500, maxMs: 30_000, factor: 2, ...config.reconnect },
    };
    const logger = config.logger ?? console;
    this.log = (message) => logger.warn(`[massive] ${message}`);
    this.rest = new MassiveRest({
      apiKey: config.apiKey,
      baseUrl: (config.restBaseUrl ?? 'https://api.massive.com').replace(/\/$/, ''),
      timeoutMs: config.restTimeoutMs ?? 15_000,
      retry: { initialMs: 500, maxMs: 20_000, factor: 2, maxAttempts: 5, ...config.restRetry },
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
    const conns = Object.values(this.connections);
    this.connections = {};
    await Promise.all(conns.map((c) => c.close()));
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
        this.subscribedAt.set(symbol, Date.now());
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
    const worstRank = Math.max(...parts.map((p) => STATE_RANK[p.state]));
    const worst = parts.filter((p) => STATE_RANK[p.state] === worstRank);
    const state = worst[0]?.state ?? 'connecting';
    const messages = [...new Set(worst.map((p) => p.message).filter((m): m is string => !!m))];
    return { state, ...(messages.length > 0 && { message: messages.join(' ') }), ...lastMessageAt };
  }

  // ---------------------------------------------------------------- Massive extras

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
      delayed: this.cfg.delayed,
      backoff: this.cfg.reconnect,
      authTimeoutMs: this.cfg.authTimeoutMs,
      timers: this.timers,
      handlers: {
        onEvent: (element) => this.handleEvent(element),
        onMalformed: (kind, detail) => this.malformed(kind, detail),
        onAuthenticated: (reconnected) => this.onAuthenticated(cluster, reconnected),
        onStatus: (status) => {
          if (cluster === 'stocks' && status.state !== 'connecting' && status.state !== 'degraded') this.firstAnswer?.();
          this.emitStatus();
        },
        onActivity: (at) => {
          this.lastMessageAt = at;
        },
      },
    });
  }

  private onAuthenticated(cluster: Cluster, reconnected: boolean): void {
    const conn = this.connections[cluster];
    if (!conn) return;
    if (cluster === 'stocks') {
      conn.send('subscribe', stockParams([...this.stockSymbols]));
      // Anything that happened while we were away is only in REST now.
      if (reconnected) for (const symbol of this.stockSymbols) void this.backfill(symbol);
    } else {
      conn.send('subscribe', optionParams([...this.optionSymbols]));
    }
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
      const from = this.coveredUntil.get(symbol) ?? floorMinute(this.subscribedAt.get(symbol) ?? Date.now());
      const to = floorMinute(Date.now());
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
        this.deliverMinute(agg, 'live');
      } else {
        this.safely(() => this.listener?.onPartial?.(agg));
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

/** Quotes for the chain and matrix, minute aggregates so an option contract charts like a stock. */
function optionParams(tickers: readonly string[]): string[] {
  return tickers.flatMap((t) => [`Q.${t}`, `AM.${t}`]);
}

function floorMinute(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}
