/**
 * ScannerHub — streams scan results to browsers (src/wire/scanner-protocol.ts): a socket
 * sends `scan:subscribe` with a preset or custom filter, gets one `scan:snapshot`, then a
 * `scan:delta` (seq + 1) whenever a clock minute passes and the top N changed: rows new or
 * changed, symbols that left, and the new order. Several scans per socket, by `id`.
 *
 * Refreshes follow the feed clock (replay clock events, or a wall-clock timer live), at most
 * once per clock minute and one at a time; a replay jump re-snapshots every stream.
 */
import type { Server, Socket } from 'socket.io';
import { MINUTE_MS } from '../core/types.js';
import { describeZodError } from '../wire/protocol.js';
import { guardSocketHandler, sendSocketError, sendSocketFailure } from './socket-errors.js';
import type { ChartHub } from './hub.js';
import {
  SCAN_EVENTS, ScanRequestSchema, ScanUnsubscribeSchema,
  type ScanDeltaMessage, type ScanRequest, type ScanResponse, type ScanResultRow, type ScanSnapshotMessage,
} from '../wire/scanner-protocol.js';

export interface ScannerHubOptions {
  hub: ChartHub;
  /** Runs one scan at the current clock; rejects with an InputError naming a bad field. */
  run(request: ScanRequest): Promise<ScanResponse>;
  /** Checks a request without running it (throws an InputError naming the field). */
  validate(request: ScanRequest): void;
  /** Live feeds have no clock events: how often to look for a new minute. Default 5 s. */
  livePollMs?: number;
}

interface Stream {
  socket: Socket;
  id: string;
  request: ScanRequest;
  seq: number;
  rows: Map<string, string>;
  order: string[];
}

/** At most this many scans per socket (each is re-run every minute). */
export const MAX_SCANS_PER_SOCKET = 8;

export class ScannerHub {
  private readonly streams = new Map<Socket, Map<string, Stream>>();
  private lastMinute = -1;
  private running = false;
  private again = false;
  private timer?: NodeJS.Timeout;
  private unobserve?: () => void;
  /** Counters for tests. */
  readonly counters = { refreshes: 0, snapshots: 0, deltas: 0 };

  constructor(private readonly options: ScannerHubOptions) {}

  attach(io: Server): void {
    io.on('connection', (socket) => {
      socket.on(SCAN_EVENTS.subscribe, (raw: unknown) => guardSocketHandler(socket, SCAN_EVENTS.subscribe, () => this.subscribe(socket, raw)));
      socket.on(SCAN_EVENTS.unsubscribe, (raw: unknown) => guardSocketHandler(socket, SCAN_EVENTS.unsubscribe, () => {
        const parsed = ScanUnsubscribeSchema.safeParse(raw ?? {});
        if (!parsed.success) return sendSocketError(socket, SCAN_EVENTS.unsubscribe, describeZodError(parsed.error, 'message'));
        this.streams.get(socket)?.delete(parsed.data.id ?? 'default');
      }));
      socket.on('disconnect', () => this.streams.delete(socket));
    });
  }

  start(): void {
    this.unobserve = this.options.hub.observe({
      onClock: (ms) => this.tick(ms),
      onReset: () => this.resnapshotAll(),
    });
    if (!this.options.hub.replayStatus()) {
      this.timer = setInterval(() => this.tick(this.options.hub.feedNow()), this.options.livePollMs ?? 5_000);
      this.timer.unref();
    }
  }

  stop(): void {
    this.unobserve?.();
    clearInterval(this.timer);
    this.streams.clear();
  }

  private subscribe(socket: Socket, raw: unknown): void {
    const parsed = ScanRequestSchema.safeParse(raw ?? {});
    if (!parsed.success) return sendSocketError(socket, SCAN_EVENTS.subscribe, describeZodError(parsed.error, 'message'));
    const request = parsed.data;
    this.options.validate(request); // throws → guardSocketHandler sends "scan:subscribe: filter.all.0.field: …"
    const id = request.id ?? 'default';
    let mine = this.streams.get(socket);
    if (!mine) this.streams.set(socket, (mine = new Map()));
    if (!mine.has(id) && mine.size >= MAX_SCANS_PER_SOCKET) return sendSocketError(socket, SCAN_EVENTS.subscribe, `id: at most ${MAX_SCANS_PER_SOCKET} scans per connection; unsubscribe one first`);
    const stream: Stream = { socket, id, request, seq: 0, rows: new Map(), order: [] };
    mine.set(id, stream);
    void this.snapshot(stream);
  }

  private async snapshot(stream: Stream): Promise<void> {
    try {
      const res = await this.options.run(stream.request);
      if (this.streams.get(stream.socket)?.get(stream.id) !== stream) return; // replaced or gone meanwhile
      stream.seq = 0;
      stream.rows = new Map(res.rows.map((r) => [r.symbol, fingerprint(r)]));
      stream.order = res.rows.map((r) => r.symbol);
      const msg: ScanSnapshotMessage = { ...res, id: stream.id, seq: 0 };
      stream.socket.emit(SCAN_EVENTS.snapshot, msg);
      this.counters.snapshots++;
    } catch (err) {
      sendSocketFailure(stream.socket, SCAN_EVENTS.subscribe, err);
    }
  }

  private tick(ms: number): void {
    const minute = Math.floor(ms / MINUTE_MS);
    if (minute === this.lastMinute) return;
    this.lastMinute = minute;
    void this.refresh();
  }

  private resnapshotAll(): void {
    this.lastMinute = -1;
    for (const mine of this.streams.values()) for (const s of mine.values()) void this.snapshot(s);
  }

  /** Re-runs every stream; one refresh at a time, a tick during one schedules exactly one more. */
  private async refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        this.counters.refreshes++;
        for (const mine of [...this.streams.values()]) {
          for (const stream of [...mine.values()]) await this.refreshOne(stream);
        }
      } while (this.again);
    } finally {
      this.running = false;
    }
  }

  private async refreshOne(stream: Stream): Promise<void> {
    let res: ScanResponse;
    try {
      res = await this.options.run(stream.request);
    } catch (err) {
      sendSocketFailure(stream.socket, SCAN_EVENTS.subscribe, err);
      return;
    }
    if (this.streams.get(stream.socket)?.get(stream.id) !== stream) return;
    const upserts: ScanResultRow[] = [];
    const next = new Map<string, string>();
    for (const r of res.rows) {
      const f = fingerprint(r);
      next.set(r.symbol, f);
      if (stream.rows.get(r.symbol) !== f) upserts.push(r);
    }
    const removed = [...stream.rows.keys()].filter((s) => !next.has(s));
    const order = res.rows.map((r) => r.symbol);
    if (upserts.length === 0 && removed.length === 0 && order.join() === stream.order.join()) return;
    stream.rows = next;
    stream.order = order;
    stream.seq++;
    const msg: ScanDeltaMessage = { id: stream.id, seq: stream.seq, at: res.at, upserts, removed, order };
    stream.socket.emit(SCAN_EVENTS.delta, msg);
    this.counters.deltas++;
  }
}

function fingerprint(r: ScanResultRow): string {
  return JSON.stringify(r);
}
