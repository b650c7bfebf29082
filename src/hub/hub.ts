/**
 * ChartHub — the server half of the hub protocol (DESIGN.md "Hub protocol").
 *
 * Owns the BarEngine and is the only thing feeding it. Browsers never merge sources:
 * they get one snapshot per subscribe and then the engine's own deltas, in seq order,
 * one `bars` batch per socket per tick holding every series it watches (fan-out.ts).
 *
 * Consistency rule: a socket joins its series room in the same synchronous step in
 * which its snapshot is taken, so it receives exactly the deltas with seq > snapshot.seq.
 * While a symbol backfills, new subscribers wait outside the room (health BACKFILLING)
 * and get their snapshot when the history has landed — they never see history arrive
 * as out-of-order deltas, which lightweight-charts cannot apply (#592).
 *
 * This file keeps the composition: subscriptions and rooms, snapshots, the delta fan-out
 * and replay resets. The parts it composes live beside it: feed-routing.ts (feed events →
 * engine, observers), backfill.ts (history loading), health.ts (the badge),
 * symbol-state.ts (per-symbol bookkeeping), replay-broadcast.ts (throttled `replay`),
 * fan-out.ts (who gets which deltas, batched per socket per tick).
 */
import { guardSocketHandler, sendSocketError, SocketGuard } from './socket-errors.js';
import type { Server, Socket } from 'socket.io';
import { type Bar, MINUTE_MS, type Timeframe } from '../core/types.js';
import { BarEngine, type BarDelta } from '../bars/index.js';
import { BAD_PRINT_MODES, BadPrintFilter, type MarkedBar } from './bad-prints.js';
import type { FeedStatus, MarketDataFeed } from '../feeds/types.js';
import { type FeedObserver, FeedObservers, feedListener, isReplayCapable, type ReplayCapable } from './feed-routing.js';
import { liveHistoryStart, startBackfill } from './backfill.js';
import { healthFingerprint, noteInput, seriesHealth } from './health.js';
import { newSymbolEntry, resetSymbolEntry, type SymbolEntry } from './symbol-state.js';
import { ReplayBroadcaster } from './replay-broadcast.js';
import { createFanOut, type DeltaFanOut, type FanOutMode } from './fan-out.js';
import {
  EVENTS,
  type HealthMessage,
  type ReplayStatus,
  type SeriesHealth,
  type SeriesCoverage,
  type SeriesKey,
  type SnapshotMessage,
  type WireBar,
  SubscribeSchema,
  UnsubscribeSchema,
  describeZodError,
  seriesId,
} from '../wire/protocol.js';

export type { ReplayCapable, FeedObserver } from './feed-routing.js';
export type { DailyHistorySource } from './backfill.js';

export interface ChartHubOptions {
  feed: MarketDataFeed;
  /** Wall clock for live feeds (ages, staleness). Replay uses the replay clock. */
  now?: () => number;
  /** Sessions of minute history a live feed backfills. Default 5. */
  historySessions?: number;
  /** Minimum spacing of `replay` broadcasts. Default 250 ms (≤ 4/s). */
  replayBroadcastMs?: number;
  /** How old a live series' last input may get during market hours before it reads STALE. Default 3 min. */
  staleAfterMs?: number;
  /** Snapshot budget and slow-consumer bound per socket, shared with the OptionsHub (socket-errors.ts). */
  guard?: SocketGuard;
  /**
   * How bar deltas leave (fan-out.ts): `batched` (default) sends one `bars` message per socket
   * per tick; `per-series` one `bar` per delta, the protocol before batching, kept as the
   * fan-out bench's baseline.
   */
  fanOut?: FanOutMode;
}

interface SeriesEntry {
  key: SeriesKey;
  id: string;
  /** Sockets in the room: they have this series' snapshot and get its deltas. */
  members: Set<Socket>;
  /** Subscribed sockets still waiting for a snapshot (symbol backfilling). */
  pending: Set<Socket>;
  /** Last health sent, to emit `health` only on change. */
  lastHealth?: string;
}

/** One dashboard shows a handful of charts; a socket asking for hundreds of series is broken or hostile. */
export const MAX_SERIES_PER_SOCKET = 200;

export function toWireBar(bar: MarkedBar): WireBar {
  const wire: WireBar = { start: bar.start, open: bar.open, high: bar.high, low: bar.low, close: bar.close, volume: bar.volume, closed: bar.closed };
  if (bar.badPrint) wire.badPrint = bar.badPrint;
  return wire;
}

export class ChartHub {
  private engineNow: BarEngine;
  private unlistenEngine: () => void;
  /** What each chart sees of flagged bad prints (the engine keeps the originals). */
  private readonly badPrints: BadPrintFilter;
  /** Bumped on every replay reset; work started for an older generation is dropped. */
  private generation = 0;
  private io?: Server;
  /** Who gets which deltas and how they are packed; exists once attached to Socket.IO. */
  private delivery?: DeltaFanOut;
  private readonly series = new Map<string, SeriesEntry>();
  private readonly symbolsState = new Map<string, SymbolEntry>();
  private readonly subsBySocket = new Map<Socket, Set<string>>();
  private readonly replay?: ReplayCapable;
  private readonly wallNow: () => number;
  private readonly historySessions: number;
  private readonly replayBroadcastMs: number;
  private readonly staleAfterMs: number;
  private feedState: FeedStatus;
  private readonly replayBroadcast: ReplayBroadcaster;
  private healthTimer?: NodeJS.Timeout;
  private started = false;
  private readonly observers = new FeedObservers();
  readonly guard: SocketGuard;
  /** Counters for tests and the bench. */
  readonly counters = { snapshots: 0, deltasSent: 0, resets: 0, backfills: 0, barMessages: 0, barEncodes: 0 };

  constructor(private readonly options: ChartHubOptions) {
    const feed = options.feed;
    this.replay = isReplayCapable(feed) ? feed : undefined;
    this.wallNow = options.now ?? Date.now;
    this.historySessions = options.historySessions ?? 5;
    this.replayBroadcastMs = options.replayBroadcastMs ?? 250;
    this.staleAfterMs = options.staleAfterMs ?? 3 * MINUTE_MS;
    this.guard = options.guard ?? new SocketGuard();
    this.feedState = feed.status();
    this.engineNow = new BarEngine({ clock: this.feedNow() });
    this.badPrints = new BadPrintFilter(this.engineNow);
    this.unlistenEngine = this.engineNow.onDelta((d) => this.fanOut(d));
    this.replayBroadcast = new ReplayBroadcaster(this.replayBroadcastMs, (status) => this.io?.emit(EVENTS.replay, status));
  }

  get feed(): MarketDataFeed {
    return this.options.feed;
  }

  /** The engine currently behind every chart (replaced on a replay reset). */
  get engine(): BarEngine {
    return this.engineNow;
  }

  /** Starts the feed. Call once, before clients subscribe. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const listener = feedListener(
      {
        engine: () => this.engineNow,
        tickLiveClock: () => this.tickLiveClock(),
        noteInput: (symbol, start, completeMinute) => this.noteInput(symbol, start, completeMinute),
        status: (status) => {
          this.feedState = status;
          this.refreshHealth();
        },
        reset: () => this.reset(),
        replayStatus: (status) => this.broadcastReplay(status),
      },
      this.observers,
    );
    await this.feed.start(listener);
    this.feedState = this.feed.status();
    this.engineNow.advanceClock(this.feedNow());
    // Live feeds go STALE by silence, which no event announces: look every few seconds.
    if (!this.replay) {
      this.healthTimer = setInterval(() => {
        this.tickLiveClock();
        this.refreshHealth();
      }, 1_000);
      this.healthTimer.unref();
    }
  }

  /** Follows clock moves, replay resets and option quotes (see FeedObserver). Returns the unsubscribe. */
  observe(observer: FeedObserver): () => void {
    return this.observers.add(observer);
  }

  async stop(): Promise<void> {
    clearInterval(this.healthTimer);
    this.replayBroadcast.stop();
    this.unlistenEngine();
    await this.feed.stop();
  }

  /** Wires Socket.IO: `subscribe` / `unsubscribe` messages, cleanup on disconnect, replay status on connect. */
  attach(io: Server): void {
    this.io = io;
    this.delivery = createFanOut(this.options.fanOut ?? 'batched', io, this.counters);
    io.on('connection', (socket) => {
      const replay = this.replay?.replayStatus();
      if (replay) socket.emit(EVENTS.replay, replay);
      socket.on(EVENTS.subscribe, (raw: unknown) => guardSocketHandler(socket, EVENTS.subscribe, () => {
        const parsed = SubscribeSchema.safeParse(raw);
        if (!parsed.success) return sendSocketError(socket, EVENTS.subscribe, describeZodError(parsed.error, 'message'));
        this.guard.throttle(socket, EVENTS.subscribe, seriesId(parsed.data), () => this.subscribe(socket, parsed.data));
      }));
      socket.on(EVENTS.unsubscribe, (raw: unknown) => guardSocketHandler(socket, EVENTS.unsubscribe, () => {
        const parsed = UnsubscribeSchema.safeParse(raw);
        if (!parsed.success) return sendSocketError(socket, EVENTS.unsubscribe, describeZodError(parsed.error, 'message'));
        this.guard.cancel(socket, seriesId(parsed.data));
        this.unsubscribe(socket, parsed.data);
      }));
      socket.on('disconnect', () => this.dropSocket(socket));
    });
  }

  // ───────────────────────────── subscriptions ─────────────────────────────

  /**
   * Subscribes `socket` to a series; it gets a snapshot (now, or when the symbol's backfill
   * lands) and then deltas. Subscribing again to the same series is the gap recovery:
   * the socket leaves the room and gets a fresh snapshot.
   */
  subscribe(socket: Socket, key: SeriesKey): void {
    const id = seriesId(key);
    let entry = this.series.get(id);
    if (!entry) {
      entry = { key, id, members: new Set(), pending: new Set() };
      this.series.set(id, entry);
    }
    let mine = this.subsBySocket.get(socket);
    if (!mine) this.subsBySocket.set(socket, (mine = new Set()));
    if (!mine.has(id) && mine.size >= MAX_SERIES_PER_SOCKET) {
      if (entry.members.size === 0 && entry.pending.size === 0) this.series.delete(id);
      throw new Error(`this connection already watches ${MAX_SERIES_PER_SOCKET} series; unsubscribe some first`);
    }
    if (!mine.has(id)) {
      mine.add(id);
      this.addRef(key.symbol);
    }
    entry.members.delete(socket);
    this.delivery?.leave(socket, id);
    entry.pending.add(socket);
    this.loadThenFlush(key.symbol);
  }

  unsubscribe(socket: Socket, key: SeriesKey): void {
    const id = seriesId(key);
    const mine = this.subsBySocket.get(socket);
    if (!mine?.delete(id)) return;
    const entry = this.series.get(id);
    if (entry) {
      entry.members.delete(socket);
      entry.pending.delete(socket);
      if (entry.members.size === 0 && entry.pending.size === 0) this.series.delete(id);
    }
    this.delivery?.leave(socket, id);
    this.dropRef(key.symbol);
  }

  private dropSocket(socket: Socket): void {
    const mine = this.subsBySocket.get(socket);
    if (!mine) return;
    for (const id of [...mine]) {
      const entry = this.series.get(id);
      if (entry) this.unsubscribe(socket, entry.key);
      else mine.delete(id);
    }
    this.subsBySocket.delete(socket);
  }

  private addRef(symbol: string): void {
    const s = this.sym(symbol);
    s.refs++;
    if (s.refs === 1) {
      // One provider subscription per symbol, however many series and browsers watch it.
      this.feed.subscribe([symbol]);
      s.liveLoaded = false; // the stream starts now: history must cover what came before
      s.streamEpoch++;
    }
  }

  private dropRef(symbol: string): void {
    const s = this.sym(symbol);
    s.refs = Math.max(0, s.refs - 1);
    if (s.refs === 0) {
      this.feed.unsubscribe([symbol]);
      if (s.liveLoaded) s.loadedThrough = this.feedNow();
      s.liveLoaded = false;
    }
  }

  /**
   * Holds a provider subscription for `symbol` without a chart series (the quotes stream's
   * watchlist symbols) and loads its history; `release` gives it back.
   */
  retain(symbol: string): void {
    this.addRef(symbol);
    this.loadThenFlush(symbol);
  }

  release(symbol: string): void {
    this.dropRef(symbol);
  }

  /** Symbols the hub holds a provider subscription for. */
  providerSymbols(): string[] {
    return [...this.symbolsState].filter(([, s]) => s.refs > 0).map(([symbol]) => symbol);
  }

  // ───────────────────────────── reading ─────────────────────────────

  /**
   * The bars a chart of `key` shows, in [fromMs, toMs), after making sure the symbol's
   * history is loaded up to the current (replay) time.
   */
  async bars(key: SeriesKey, fromMs?: number, toMs?: number): Promise<Bar[]> {
    // A replay reset while we wait swaps in a fresh, empty engine: load again for the new
    // timeline rather than answer with nothing (bounded: a reset per attempt is a user
    // dragging the replay around, and the last answer is still a valid snapshot).
    for (let attempt = 0; attempt < 3; attempt++) {
      const generation = this.generation;
      await this.ensureLoaded(key.symbol);
      if (generation === this.generation) break;
    }
    return this.badPrints.series(key.symbol, key.tf, key.extended, this.engineNow.series(key.symbol, key.tf, key.extended, fromMs, toMs), key.badPrints);
  }

  /** Loads `symbol`'s history up to now (single-flight; a no-op while it streams live). */
  ensureLoaded(symbol: string): Promise<void> {
    const s = this.sym(symbol);
    if (s.liveLoaded) return Promise.resolve();
    if (s.backfill) return s.backfill;
    this.counters.backfills++;
    const backfill = startBackfill(symbol, s, {
      feed: this.feed,
      engine: this.engineNow,
      generation: this.generation,
      currentGeneration: () => this.generation,
      to: this.feedNow() + (this.replay ? 0 : MINUTE_MS),
      historyStart: this.historyStart(),
    });
    this.refreshHealth(symbol);
    return backfill;
  }

  /** Health of one series as the chart badge shows it. */
  health(key: { symbol: string; tf: string; extended: boolean }): SeriesHealth {
    return seriesHealth({
      symbol: key.symbol,
      state: this.sym(key.symbol),
      now: this.feedNow(),
      feedKind: this.feed.kind,
      feedState: this.feedState,
      noData: this.replay?.noDataMessage(key.symbol),
      staleAfterMs: this.staleAfterMs,
    });
  }

  /** Replay: the window a chart of `key` covers and its sessions without data; undefined live. */
  coverage(key: { symbol: string; tf: Timeframe }): SeriesCoverage | undefined {
    return this.replay?.coverage?.(key.symbol, key.tf);
  }

  /** The feed as /api/health reports it. */
  feedHealth(): { kind: string; mode: string; message?: string } {
    const st = this.feed.status();
    return { kind: this.feed.kind, mode: st.state, ...(st.message ? { message: st.message } : {}) };
  }

  replayStatus(): ReplayStatus | undefined {
    return this.replay?.replayStatus();
  }

  /** Feed time: the replay clock in replay, the wall clock otherwise. */
  feedNow(): number {
    return this.replay ? this.replay.now() : this.wallNow();
  }

  // ───────────────────────────── internals ─────────────────────────────

  /**
   * Live feeds have no clock events: the wall clock closes bars (and lands deferred history)
   * as minutes end. Replay drives the engine clock through `onClock` instead.
   */
  private tickLiveClock(): void {
    if (!this.replay) this.engineNow.advanceClock(this.wallNow());
  }

  private historyStart(): number {
    return this.replay ? this.replay.historyStart() : liveHistoryStart(this.wallNow(), this.historySessions);
  }

  private loadThenFlush(symbol: string): void {
    const generation = this.generation;
    const done = this.ensureLoaded(symbol);
    if (!this.sym(symbol).backfill) {
      this.flushSymbol(symbol); // already loaded: snapshot right away, same tick
      return;
    }
    void done.then(() => {
      if (generation !== this.generation) return;
      const s = this.sym(symbol);
      // The history landed but does not reach the stream's start (it was asked for before the
      // stream began, e.g. by the watchlist): load the rest before anyone gets a snapshot.
      // A backfill started meanwhile (REST, watchlist) is waited for the same way.
      if (s.backfill || (s.refs > 0 && !s.liveLoaded && !s.error)) this.loadThenFlush(symbol);
      else this.flushSymbol(symbol);
    });
  }

  /** Sends snapshots to every socket waiting on `symbol`'s series and moves them into the rooms. */
  private flushSymbol(symbol: string): void {
    if (this.sym(symbol).backfill) return; // a newer backfill is running; its completion flushes
    this.delivery?.flush(); // deltas made before these snapshots go out before them
    for (const entry of this.series.values()) {
      if (entry.key.symbol !== symbol || entry.pending.size === 0) continue;
      const { key } = entry;
      // Snapshot and room join happen in this one synchronous block: no delta can slip between.
      const snapshot: SnapshotMessage = {
        symbol: key.symbol,
        tf: key.tf,
        extended: key.extended,
        badPrints: key.badPrints,
        seq: this.engineNow.seq(key.symbol, key.tf, key.extended),
        bars: this.badPrints.series(key.symbol, key.tf, key.extended, this.engineNow.series(key.symbol, key.tf, key.extended), key.badPrints).map(toWireBar),
        health: this.health(key),
      };
      const coverage = this.coverage(key);
      if (coverage) snapshot.coverage = coverage;
      for (const socket of entry.pending) {
        if (this.guard.dropIfSlow(socket)) continue;
        socket.emit(EVENTS.snapshot, snapshot);
        this.delivery?.join(socket, entry.id);
        entry.members.add(socket);
        this.counters.snapshots++;
      }
      entry.pending.clear();
      entry.lastHealth = healthFingerprint(snapshot.health);
    }
    this.refreshHealth(symbol);
  }

  private fanOut(d: BarDelta): void {
    this.badPrints.note(d);
    if (this.observers.size > 0) this.observers.notify((o) => o.onBar?.(d));
    if (this.series.size === 0) return;
    for (const badPrints of BAD_PRINT_MODES) {
      const id = seriesId({ ...d, badPrints });
      const entry = this.series.get(id);
      if (!entry || entry.members.size === 0 || !this.delivery) continue;
      this.counters.deltasSent += entry.members.size;
      const bar = toWireBar(this.badPrints.view(d.symbol, d.tf, d.extended, d.bar, badPrints));
      this.delivery.push(id, { symbol: d.symbol, tf: d.tf, extended: d.extended, badPrints, seq: d.seq, bar });
    }
  }

  /**
   * The replay jumped backwards or changed session. Bars never roll back, so the engine is
   * rebuilt from scratch and every subscriber waits for a fresh snapshot of the new timeline.
   */
  private reset(): void {
    this.generation++;
    this.counters.resets++;
    this.unlistenEngine();
    this.engineNow = new BarEngine({ clock: this.feedNow() });
    this.badPrints.reset(this.engineNow);
    this.unlistenEngine = this.engineNow.onDelta((d) => this.fanOut(d));
    for (const s of this.symbolsState.values()) resetSymbolEntry(s);
    for (const entry of this.series.values()) {
      for (const socket of entry.members) {
        this.delivery?.leave(socket, entry.id);
        entry.pending.add(socket);
      }
      entry.members.clear();
    }
    // Every symbol with a provider subscription: chart series and quotes-stream symbols alike.
    for (const symbol of this.providerSymbols()) this.loadThenFlush(symbol);
  }

  private noteInput(symbol: string, start: number, completeMinute: boolean): void {
    if (noteInput(this.sym(symbol), start, completeMinute, this.feedNow())) this.refreshHealth(symbol);
  }

  /** Emits `health` to every series room (of `symbol`, or all) whose health changed. */
  private refreshHealth(symbol?: string): void {
    if (!this.io) return;
    for (const entry of this.series.values()) {
      if (symbol !== undefined && entry.key.symbol !== symbol) continue;
      const health = this.health(entry.key);
      const fingerprint = healthFingerprint(health);
      if (fingerprint === entry.lastHealth) continue;
      entry.lastHealth = fingerprint;
      const message: HealthMessage = { symbol: entry.key.symbol, tf: entry.key.tf, extended: entry.key.extended, badPrints: entry.key.badPrints, health };
      this.delivery?.flush(); // the deltas before this change arrive before it, as they were made
      // Waiting sockets too: they are the ones who need to read BACKFILLING.
      for (const socket of entry.members) socket.emit(EVENTS.health, message);
      for (const socket of entry.pending) socket.emit(EVENTS.health, message);
    }
  }

  private broadcastReplay(status: ReplayStatus): void {
    if (this.io) this.replayBroadcast.offer(status);
  }

  private sym(symbol: string): SymbolEntry {
    let s = this.symbolsState.get(symbol);
    if (!s) {
      s = newSymbolEntry();
      this.symbolsState.set(symbol, s);
    }
    return s;
  }
}
