/**
 * QuotesHub — the quotes stream of protocol.ts: one price per symbol for every place the
 * dashboard prints one (watchlist, toolbar, options-chain marker, order ticket), so they
 * can never show three different prices for the same instant.
 *
 * - `quotes:set {symbols}` → `quotes:snapshot {seq: 0, rows}`, then `quotes:delta` with seq + 1
 *   carrying only the rows whose numbers changed. Sending `quotes:set` again is the gap
 *   recovery (a fresh snapshot). A replay reset re-snapshots every stream.
 * - A row is read from the ChartHub's engine — the same 1-minute bars the charts and the
 *   chain are built from — whenever one of its symbol's 1m or 1D bars changes. Changes of
 *   one event-loop turn are sent together, right after the chart deltas of that turn.
 * - Each symbol on a stream holds one provider subscription through the ChartHub, like a
 *   chart does: watched symbols stream live; nobody's symbols are unsubscribed.
 */
import type { Server, Socket } from 'socket.io';
import type { IsoDate } from '../core/types.js';
import { nyDate, nyMidnight, previousSession } from '../calendar/index.js';
import type { ChartHub } from './hub.js';
import { guardSocketHandler, sendSocketError } from './socket-errors.js';
import { EVENTS, QuotesSetSchema, type QuotesDeltaMessage, type QuotesSnapshotMessage, type WatchlistRow, describeZodError } from '../wire/protocol.js';

/** What the replay feed knows about a symbol beyond its bars (absent with a live feed). */
export interface SymbolCatalog {
  currentSession(): IsoDate;
  hasData(symbol: string): boolean;
  noDataMessage(symbol: string): string | undefined;
  sessionsOf(symbol: string): IsoDate[];
}

export interface QuotesHubOptions {
  hub: ChartHub;
  replay?: SymbolCatalog;
}

interface QuotesStream {
  socket: Socket;
  symbols: string[];
  seq: number;
  /** Fingerprint of each row last sent. */
  sent: Map<string, string>;
}

/**
 * One watchlist row at the current (replay) time: last price of today's session and the
 * change versus the previous session's close. Shared by the stream and GET /api/symbols.
 */
export function quoteRow(hub: ChartHub, replay: SymbolCatalog | undefined, symbol: string, prevClose = previousClose(hub, replay, symbol)): WatchlistRow {
  const date = replay?.currentSession() || nyDate(hub.feedNow());
  const lastMinute = hub.engine.lastBar(symbol, '1m', true);
  const last = lastMinute && lastMinute.start >= nyMidnight(date) ? lastMinute.close : null;
  const change = last !== null && prevClose !== null ? round(last - prevClose, 4) : null;
  const changePct = change !== null && prevClose ? round((change / prevClose) * 100, 2) : null;
  const hasData = replay ? replay.hasData(symbol) : last !== null;
  const message = replay ? replay.noDataMessage(symbol) : hasData ? undefined : `No data for ${symbol} on ${date}`;
  return {
    symbol,
    session: date,
    last,
    change,
    changePct,
    hasData,
    ...(message ? { message } : {}),
    sessions: replay ? replay.sessionsOf(symbol) : [],
  };
}

function previousClose(hub: ChartHub, replay: SymbolCatalog | undefined, symbol: string): number | null {
  const date = replay?.currentSession() || nyDate(hub.feedNow());
  const previousDaily = hub.engine.series(symbol, '1D', false, undefined, nyMidnight(date)).at(-1);
  // Only the previous session's close: an older bar (a gap in the data) is no reference for "change".
  return previousDaily && previousDaily.start === previousSession(date).midnight ? previousDaily.close : null;
}

export class QuotesHub {
  private readonly hub: ChartHub;
  private readonly replay?: SymbolCatalog;
  private readonly streams = new Map<Socket, QuotesStream>();
  /** Symbols whose rows may have changed since the last flush. */
  private readonly dirty = new Set<string>();
  /** Previous close per symbol: reading the whole daily series per price tick is wasteful. */
  private readonly prevCloses = new Map<string, number | null>();
  private flushTimer?: NodeJS.Immediate;
  private unobserve?: () => void;
  /** Counters for tests. */
  readonly counters = { snapshots: 0, deltas: 0 };

  constructor(options: QuotesHubOptions) {
    this.hub = options.hub;
    this.replay = options.replay;
  }

  start(): void {
    this.unobserve ??= this.hub.observe({
      onBar: (d) => {
        if (d.tf !== '1m' && d.tf !== '1D') return;
        if (d.tf === '1D') this.prevCloses.delete(d.symbol);
        if (!this.watched(d.symbol)) return;
        this.dirty.add(d.symbol);
        this.flushTimer ??= setImmediate(() => this.flush());
      },
      onReset: () => {
        this.prevCloses.clear();
        this.dirty.clear();
        for (const stream of this.streams.values()) this.snapshot(stream);
      },
    });
  }

  stop(): void {
    this.unobserve?.();
    this.unobserve = undefined;
    if (this.flushTimer) clearImmediate(this.flushTimer);
    this.flushTimer = undefined;
  }

  attach(io: Server): void {
    io.on('connection', (socket) => {
      socket.on(EVENTS.quotesSet, (raw: unknown) => guardSocketHandler(socket, EVENTS.quotesSet, () => {
        const parsed = QuotesSetSchema.safeParse(raw);
        if (!parsed.success) return sendSocketError(socket, EVENTS.quotesSet, describeZodError(parsed.error, 'message'));
        // Same flood rule as chart and chain subscribes: a burst of sets is coalesced to the last.
        this.hub.guard.throttle(socket, EVENTS.quotesSet, 'quotes', () => this.set(socket, [...new Set(parsed.data.symbols)]));
      }));
      socket.on('disconnect', () => {
        this.hub.guard.cancel(socket, 'quotes');
        this.drop(socket);
      });
    });
  }

  /** The row of `symbol` now (GET /api/symbols uses it after loading the symbol's history). */
  row(symbol: string): WatchlistRow {
    return quoteRow(this.hub, this.replay, symbol, this.prevClose(symbol));
  }

  streamCount(): number {
    return this.streams.size;
  }

  private set(socket: Socket, symbols: string[]): void {
    const previous = this.streams.get(socket)?.symbols ?? [];
    // Retain before releasing so a symbol on both lists keeps its provider subscription.
    for (const s of symbols) if (!previous.includes(s)) this.hub.retain(s);
    for (const s of previous) if (!symbols.includes(s)) this.hub.release(s);
    const stream: QuotesStream = { socket, symbols, seq: 0, sent: new Map() };
    this.streams.set(socket, stream);
    this.snapshot(stream);
  }

  private drop(socket: Socket): void {
    const stream = this.streams.get(socket);
    if (!stream) return;
    this.streams.delete(socket);
    for (const s of stream.symbols) this.hub.release(s);
  }

  private snapshot(stream: QuotesStream): void {
    const rows = stream.symbols.map((s) => this.row(s));
    stream.seq = 0;
    stream.sent = new Map(rows.map((r) => [r.symbol, fingerprint(r)]));
    const message: QuotesSnapshotMessage = { seq: 0, rows };
    stream.socket.emit(EVENTS.quotesSnapshot, message);
    this.counters.snapshots++;
  }

  private flush(): void {
    this.flushTimer = undefined;
    if (this.dirty.size === 0) return;
    const rows = new Map<string, { row: WatchlistRow; print: string }>();
    for (const symbol of this.dirty) {
      const row = this.row(symbol);
      rows.set(symbol, { row, print: fingerprint(row) });
    }
    this.dirty.clear();
    for (const stream of this.streams.values()) {
      const changed: WatchlistRow[] = [];
      for (const symbol of stream.symbols) {
        const r = rows.get(symbol);
        if (!r || stream.sent.get(symbol) === r.print) continue;
        stream.sent.set(symbol, r.print);
        changed.push(r.row);
      }
      if (changed.length === 0 || !stream.socket.connected) continue;
      stream.seq++;
      const message: QuotesDeltaMessage = { seq: stream.seq, rows: changed };
      stream.socket.emit(EVENTS.quotesDelta, message);
      this.counters.deltas++;
    }
  }

  private watched(symbol: string): boolean {
    for (const stream of this.streams.values()) if (stream.symbols.includes(symbol)) return true;
    return false;
  }

  private prevClose(symbol: string): number | null {
    if (!this.prevCloses.has(symbol)) this.prevCloses.set(symbol, previousClose(this.hub, this.replay, symbol));
    return this.prevCloses.get(symbol)!;
  }
}

function fingerprint(row: WatchlistRow): string {
  return JSON.stringify(row);
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
