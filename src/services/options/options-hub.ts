/**
 * OptionsHub — the socket side of the options panel and the quote matrix
 * (src/wire/options-protocol.ts), next to ChartHub on the same Socket.IO server.
 *
 * - `options:subscribe {underlying, expiration, strikesAroundAtm?}` → `options:snapshot`
 *   (seq 0), then `options:delta` (seq + 1) with only the rows whose numbers changed,
 *   whenever the replay clock enters a new minute (recorded quotes are per minute) or a
 *   Massive quote arrives. `options:unsubscribe` ends the stream.
 * - `matrix:set {entries}` → `matrix:snapshot` (seq 0), then `matrix:delta` with changed rows.
 *
 * Streams are per socket (each has its own seq); the work is shared through the
 * ChainService's per-instant cache. Deltas are throttled to one round every `throttleMs`
 * (default 250 ms: ≤ 4/s per stream). A replay jump or session change re-snapshots every
 * stream. A bad message gets `error_message` naming the field; the connection stays up.
 * An expiration that expires while streamed (the 0-DTE at the close) ends its stream with
 * an `error_message` saying so.
 *
 * With the Massive feed it tells the chain source which contracts are watched (the strike
 * window around ATM of every chain stream, and every matrix contract), so only those
 * stream live quotes and nobody's leftovers count against the 1,000-contract limit.
 */
import { guardSocketHandler, sendSocketError, type SocketGuard } from '../../hub/socket-errors.js';
import type { Server, Socket } from 'socket.io';
import type { OptionQuote } from '../../core/types.js';
import { errorBodyOf, type ErrorBody } from '../../core/errors.js';
import type { ChainService } from './service.js';
import { OptionDataNotFound, OptionDataUnavailable } from '../../options/sources/types.js';
import { rowFingerprint } from './wire.js';
import type { ChartHub } from '../../hub/hub.js';
import { EVENTS, describeZodError } from '../../wire/protocol.js';
import {
  type ChainDeltaMessage,
  type ChainResponse,
  type ChainSnapshotMessage,
  ChainSubscribeSchema,
  ChainUnsubscribeSchema,
  type MatrixDeltaMessage,
  type MatrixEntry,
  MatrixSetSchema,
  type MatrixSnapshotMessage,
  OPTION_EVENTS,
  type WireOptionRow,
} from '../../wire/options-protocol.js';

export interface OptionsHubOptions {
  hub: ChartHub;
  chains: ChainService;
  /** Minimum spacing of delta rounds. Default 250 ms. */
  throttleMs?: number;
  /** Live feeds: recompute at least this often (underlying moves, quote ages). Default 5 s. */
  liveRefreshMs?: number;
  /** Strikes each side of ATM a chain stream watches when the client does not say. Default 20. */
  defaultStrikesAroundAtm?: number;
  /** Snapshot budget and slow-consumer bound; default the ChartHub's, so a socket has one budget. */
  guard?: SocketGuard;
}

/** A panel shows one or two expirations; more than this per connection is a bug on the client. */
export const MAX_CHAIN_STREAMS_PER_SOCKET = 20;

interface ChainStream {
  socket: Socket;
  key: string;
  underlying: string;
  expiration: string;
  strikesAroundAtm: number;
  seq: number;
  /** Bumped on every (re-)snapshot: answers computed for an older epoch are dropped. */
  epoch: number;
  ready: boolean;
  rows: Map<string, string>;
  underlyingPrice: number;
  visible: string[];
}

interface MatrixStream {
  socket: Socket;
  entries: MatrixEntry[];
  seq: number;
  epoch: number;
  ready: boolean;
  rows: Map<string, string>;
}

export class OptionsHub {
  private readonly chains: ChainService;
  private readonly hub: ChartHub;
  private readonly throttleMs: number;
  private readonly liveRefreshMs: number;
  private readonly defaultStrikes: number;
  private readonly guard: SocketGuard;
  private readonly chainStreams = new Map<Socket, Map<string, ChainStream>>();
  private readonly matrices = new Map<Socket, MatrixStream>();
  private unobserve?: () => void;
  private liveTimer?: NodeJS.Timeout;
  private pumpTimer?: NodeJS.Timeout;
  private pumping = false;
  private again = false;
  private lastPump = -Infinity;
  private lastMinute?: number;
  private stopped = false;
  /** Counters for tests and the bench. */
  readonly counters = { snapshots: 0, deltas: 0, rounds: 0, resets: 0 };

  constructor(options: OptionsHubOptions) {
    this.hub = options.hub;
    this.chains = options.chains;
    this.throttleMs = options.throttleMs ?? 250;
    this.liveRefreshMs = options.liveRefreshMs ?? 5_000;
    this.defaultStrikes = options.defaultStrikesAroundAtm ?? 20;
    this.guard = options.guard ?? options.hub.guard;
  }

  /** Follows the feed through the ChartHub (clock, resets, option quotes). */
  start(): void {
    this.stopped = false;
    this.unobserve ??= this.hub.observe({
      onClock: (ms) => {
        const minute = Math.floor(ms / 60_000);
        if (minute === this.lastMinute) return;
        this.lastMinute = minute;
        this.markDirty();
      },
      onReset: () => this.reset(),
      onQuote: (quote: OptionQuote) => {
        if (this.chains.massive?.onQuote(quote)) this.markDirty();
      },
    });
    if (!this.hub.replayStatus() && !this.liveTimer) {
      this.liveTimer = setInterval(() => this.markDirty(), this.liveRefreshMs);
      this.liveTimer.unref();
    }
  }

  stop(): void {
    this.stopped = true;
    this.unobserve?.();
    this.unobserve = undefined;
    clearInterval(this.liveTimer);
    this.liveTimer = undefined;
    clearTimeout(this.pumpTimer);
    this.pumpTimer = undefined;
  }

  attach(io: Server): void {
    io.on('connection', (socket) => {
      socket.on(OPTION_EVENTS.chainSubscribe, (raw: unknown) => guardSocketHandler(socket, OPTION_EVENTS.chainSubscribe, () => {
        const parsed = ChainSubscribeSchema.safeParse(raw);
        if (!parsed.success) return sendSocketError(socket, OPTION_EVENTS.chainSubscribe, describeZodError(parsed.error, 'message'));
        const { underlying, expiration, strikesAroundAtm } = parsed.data;
        this.guard.throttle(socket, OPTION_EVENTS.chainSubscribe, `chain|${streamKey(underlying, expiration)}`, () =>
          this.subscribeChain(socket, underlying, expiration, strikesAroundAtm ?? this.defaultStrikes));
      }));
      socket.on(OPTION_EVENTS.chainUnsubscribe, (raw: unknown) => guardSocketHandler(socket, OPTION_EVENTS.chainUnsubscribe, () => {
        const parsed = ChainUnsubscribeSchema.safeParse(raw);
        if (!parsed.success) return sendSocketError(socket, OPTION_EVENTS.chainUnsubscribe, describeZodError(parsed.error, 'message'));
        const key = streamKey(parsed.data.underlying, parsed.data.expiration);
        this.guard.cancel(socket, `chain|${key}`);
        this.unsubscribeChain(socket, key);
      }));
      socket.on(OPTION_EVENTS.matrixSet, (raw: unknown) => guardSocketHandler(socket, OPTION_EVENTS.matrixSet, () => {
        const parsed = MatrixSetSchema.safeParse(raw);
        if (!parsed.success) return sendSocketError(socket, OPTION_EVENTS.matrixSet, describeZodError(parsed.error, 'message'));
        this.guard.throttle(socket, OPTION_EVENTS.matrixSet, 'matrix', () => this.setMatrix(socket, parsed.data.entries));
      }));
      socket.on('disconnect', () => {
        this.chainStreams.delete(socket);
        this.matrices.delete(socket);
        this.updateWatched();
      });
    });
  }

  /** Streams open right now (for tests and health). */
  streamCount(): { chains: number; matrices: number } {
    let chains = 0;
    for (const m of this.chainStreams.values()) chains += m.size;
    return { chains, matrices: this.matrices.size };
  }

  // ───────────────────────────── chain streams ─────────────────────────────

  private subscribeChain(socket: Socket, underlying: string, expiration: string, strikesAroundAtm: number): void {
    let mine = this.chainStreams.get(socket);
    if (!mine) this.chainStreams.set(socket, (mine = new Map()));
    const key = streamKey(underlying, expiration);
    if (!mine.has(key) && mine.size >= MAX_CHAIN_STREAMS_PER_SOCKET) {
      throw new Error(`this connection already streams ${MAX_CHAIN_STREAMS_PER_SOCKET} chains; unsubscribe some first`);
    }
    // Subscribing again is the gap recovery: a fresh snapshot, seq from 0.
    const previous = mine.get(key);
    const stream: ChainStream = {
      socket,
      key,
      underlying,
      expiration,
      strikesAroundAtm,
      seq: 0,
      epoch: (previous?.epoch ?? 0) + 1,
      ready: false,
      rows: new Map(),
      underlyingPrice: 0,
      visible: [],
    };
    mine.set(key, stream);
    void this.snapshotChain(stream);
  }

  private unsubscribeChain(socket: Socket, key: string): void {
    const mine = this.chainStreams.get(socket);
    if (!mine?.delete(key)) return;
    if (mine.size === 0) this.chainStreams.delete(socket);
    this.updateWatched();
  }

  private isCurrent(stream: ChainStream, epoch: number): boolean {
    return this.chainStreams.get(stream.socket)?.get(stream.key) === stream && stream.epoch === epoch && stream.socket.connected;
  }

  /**
   * The stream's chain now, or undefined when the stream was replaced/ended meanwhile (a
   * late answer for an abandoned stream must not be sent). A failure ends the stream.
   */
  private async fetchChain(stream: ChainStream): Promise<ChainResponse | undefined> {
    const epoch = stream.epoch;
    try {
      const chain = await this.chains.chain(stream.underlying, stream.expiration);
      return this.isCurrent(stream, epoch) ? chain : undefined;
    } catch (err) {
      if (this.isCurrent(stream, epoch)) this.endChain(stream, err);
      return undefined;
    }
  }

  private async snapshotChain(stream: ChainStream): Promise<void> {
    const chain = await this.fetchChain(stream);
    if (!chain) return;
    stream.rows = fingerprints(chain.rows);
    stream.underlyingPrice = chain.underlyingPrice;
    stream.visible = this.chains.visibleTickers(chain, stream.strikesAroundAtm);
    if (this.guard.dropIfSlow(stream.socket)) return;
    stream.seq = 0;
    stream.ready = true;
    const message: ChainSnapshotMessage = { ...chain, seq: 0 };
    stream.socket.emit(OPTION_EVENTS.chainSnapshot, message);
    this.counters.snapshots++;
    this.updateWatched();
  }

  private async chainRound(stream: ChainStream): Promise<void> {
    const chain = await this.fetchChain(stream);
    if (!chain || !stream.ready) return;
    const changed = changedRows(stream.rows, chain.rows);
    stream.visible = this.chains.visibleTickers(chain, stream.strikesAroundAtm);
    if (changed.length === 0 && chain.underlyingPrice === stream.underlyingPrice) return;
    stream.underlyingPrice = chain.underlyingPrice;
    stream.seq++;
    const delta: ChainDeltaMessage = {
      underlying: chain.underlying,
      expiration: chain.expiration,
      seq: stream.seq,
      at: chain.at,
      underlyingPrice: chain.underlyingPrice,
      rows: changed,
    };
    stream.socket.emit(OPTION_EVENTS.chainDelta, delta);
    this.counters.deltas++;
  }

  /** The stream cannot go on (underlying gone after a session change, expiration expired): say why and drop it. */
  private endChain(stream: ChainStream, err: unknown): void {
    this.unsubscribeChain(stream.socket, stream.key);
    sendSocketError(stream.socket, OPTION_EVENTS.chainSubscribe, explain(err), { underlying: stream.underlying, expiration: stream.expiration });
  }

  // ───────────────────────────── matrix streams ─────────────────────────────

  private setMatrix(socket: Socket, entries: MatrixEntry[]): void {
    const seen = new Set<string>();
    for (const [i, e] of entries.entries()) {
      if (seen.has(e.ticker)) return sendSocketError(socket, OPTION_EVENTS.matrixSet, `entries.${i}.ticker: ${e.ticker} is already in the matrix`);
      seen.add(e.ticker);
    }
    const previous = this.matrices.get(socket);
    const stream: MatrixStream = { socket, entries, seq: 0, epoch: (previous?.epoch ?? 0) + 1, ready: false, rows: new Map() };
    this.matrices.set(socket, stream);
    void this.snapshotMatrix(stream);
  }

  private matrixCurrent(stream: MatrixStream, epoch: number): boolean {
    return this.matrices.get(stream.socket) === stream && stream.epoch === epoch && stream.socket.connected;
  }

  private async snapshotMatrix(stream: MatrixStream): Promise<void> {
    const epoch = stream.epoch;
    let result: Awaited<ReturnType<ChainService['matrix']>>;
    try {
      result = await this.chains.matrix(stream.entries);
    } catch (err) {
      if (this.matrixCurrent(stream, epoch)) sendSocketError(stream.socket, OPTION_EVENTS.matrixSet, explain(err));
      return;
    }
    if (!this.matrixCurrent(stream, epoch) || this.guard.dropIfSlow(stream.socket)) return;
    stream.rows = fingerprints(result.rows);
    stream.seq = 0;
    stream.ready = true;
    const message: MatrixSnapshotMessage = { seq: 0, at: result.at, rows: result.rows };
    stream.socket.emit(OPTION_EVENTS.matrixSnapshot, message);
    this.counters.snapshots++;
    this.updateWatched();
  }

  private async matrixRound(stream: MatrixStream): Promise<void> {
    if (stream.entries.length === 0) return;
    const epoch = stream.epoch;
    let result: Awaited<ReturnType<ChainService['matrix']>>;
    try {
      result = await this.chains.matrix(stream.entries);
    } catch {
      return; // transient (vendor trouble): the next round tries again
    }
    if (!this.matrixCurrent(stream, epoch) || !stream.ready) return;
    const changed = changedRows(stream.rows, result.rows);
    if (changed.length === 0) return;
    stream.seq++;
    const delta: MatrixDeltaMessage = { seq: stream.seq, at: result.at, rows: changed };
    stream.socket.emit(OPTION_EVENTS.matrixDelta, delta);
    this.counters.deltas++;
  }

  // ───────────────────────────── rounds ─────────────────────────────

  private markDirty(): void {
    if (this.stopped || (this.chainStreams.size === 0 && this.matrices.size === 0)) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    if (this.pumpTimer) return;
    const wait = Math.max(0, this.lastPump + this.throttleMs - performance.now());
    this.pumpTimer = setTimeout(() => {
      this.pumpTimer = undefined;
      void this.round();
    }, wait);
  }

  /** One delta round over every ready stream. Never two at once; a trigger during a round runs another after it. */
  private async round(): Promise<void> {
    if (this.pumping || this.stopped) return;
    this.pumping = true;
    this.again = false;
    this.counters.rounds++;
    try {
      const work: Promise<void>[] = [];
      for (const mine of this.chainStreams.values()) for (const s of mine.values()) if (s.ready) work.push(this.chainRound(s));
      for (const m of this.matrices.values()) if (m.ready) work.push(this.matrixRound(m));
      await Promise.all(work);
      this.updateWatched();
    } finally {
      this.pumping = false;
      this.lastPump = performance.now();
      if (this.again) this.markDirty();
    }
  }

  /** The replay jumped or changed session: every stream starts over with a fresh snapshot. */
  private reset(): void {
    this.counters.resets++;
    this.chains.reset();
    this.lastMinute = undefined;
    for (const mine of this.chainStreams.values()) {
      for (const s of mine.values()) {
        s.epoch++;
        s.ready = false;
        void this.snapshotChain(s);
      }
    }
    for (const m of this.matrices.values()) {
      m.epoch++;
      m.ready = false;
      void this.snapshotMatrix(m);
    }
  }

  /** Massive: stream live quotes for held/matrix contracts first, then every chain stream's visible window. */
  private updateWatched(): void {
    const massive = this.chains.massive;
    if (!massive) return;
    const tickers: string[] = [];
    for (const m of this.matrices.values()) for (const e of m.entries) tickers.push(e.ticker);
    for (const mine of this.chainStreams.values()) for (const s of mine.values()) tickers.push(...s.visible);
    massive.watch(tickers);
  }


}

function streamKey(underlying: string, expiration: string): string {
  return `${underlying}|${expiration}`;
}

function fingerprints(rows: readonly WireOptionRow[]): Map<string, string> {
  return new Map(rows.map((r) => [r.ticker, rowFingerprint(r)]));
}

/** Rows whose fingerprint differs from (or is missing in) `known`; updates `known`. */
function changedRows<R extends WireOptionRow>(known: Map<string, string>, rows: readonly R[]): R[] {
  const out: R[] = [];
  for (const r of rows) {
    const f = rowFingerprint(r);
    if (known.get(r.ticker) === f) continue;
    known.set(r.ticker, f);
    out.push(r);
  }
  return out;
}

function explain(err: unknown): ErrorBody {
  if (err instanceof OptionDataNotFound || err instanceof OptionDataUnavailable) return errorBodyOf(err);
  return errorBodyOf(err, `server: ${err instanceof Error ? err.message : String(err)}`);
}
