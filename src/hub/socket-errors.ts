/**
 * How both hubs protect themselves from a bad or hostile socket:
 *
 * - **Errors.** A bad or failing message gets an `error_message` naming the event and why,
 *   on the same connection, which stays up. Nothing a client sends may take the server down.
 * - **Snapshot budget.** Every subscribe (chart series, option chain, matrix) costs a
 *   snapshot, which can be hundreds of kB. Each socket has a token bucket of snapshots; a
 *   subscribe beyond it is not refused (the dashboard re-subscribes on a seq gap and must get
 *   its fresh snapshot) but deferred until a token frees, and repeated subscribes to the same
 *   key while deferred collapse into one. A page re-subscribing 10,000 times costs a map
 *   entry, not 10,000 snapshots.
 * - **Slow consumers.** Before a snapshot is sent, the bytes already queued for the socket are
 *   counted: engine.io's write buffer (packets waiting for the transport) plus, on WebSocket,
 *   the `ws` socket's `bufferedAmount` (written but not yet taken by the kernel). Over
 *   `maxBufferedBytes` the socket is disconnected: a client that does not read must not make
 *   the server hold its backlog. The same check runs on every incoming message and, for
 *   clients that only receive deltas, on a sweep every few seconds (`watch`).
 */
import type { Server, Socket } from 'socket.io';
import { errorBody, errorBodyOf, type ErrorBody } from '../core/errors.js';
import { EVENTS, type ErrorMessage } from '../wire/protocol.js';

/**
 * Emits `error_message` {event, code, field?, reason?, message, stream?}: the HTTP error body
 * plus the event. A bare sentence is a bad message (INVALID_FIELD, field from "field: why").
 */
export function sendSocketError(socket: Socket, event: string, error: string | ErrorBody, stream?: Record<string, string>): void {
  const body = typeof error === 'string' ? errorBody('INVALID_FIELD', error) : error;
  const payload: ErrorMessage = stream ? { event, ...body, stream } : { event, ...body };
  socket.emit(EVENTS.error, payload);
}

/** `error_message` for a handler that threw: "event: why", coded by what was thrown (InputError → its code and field; anything unknown → INTERNAL). */
export function sendSocketFailure(socket: Socket, event: string, err: unknown, stream?: Record<string, string>): void {
  sendSocketError(socket, event, errorBodyOf(err, `${event}: ${err instanceof Error ? err.message : String(err)}`), stream);
}

/** Runs a message handler; if it throws, the client gets the reason instead of the server crashing. */
export function guardSocketHandler(socket: Socket, event: string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    sendSocketFailure(socket, event, err);
  }
}

export interface SocketGuardOptions {
  /** Snapshots a socket may get at once (bucket size). Default 40: a dashboard opening with a full watchlist. */
  snapshotBurst?: number;
  /** Sustained snapshots per second per socket (refill rate). Default 10. */
  snapshotsPerSecond?: number;
  /** Queued outgoing bytes above which a socket is dropped as a slow consumer. Default 16 MiB. */
  maxBufferedBytes?: number;
  /** Clock (ms), for tests. */
  now?: () => number;
}

interface SocketState {
  tokens: number;
  refilledAt: number;
  /** Deferred subscribes by key (latest wins), run in arrival order as tokens free. */
  deferred: Map<string, { event: string; run: () => void }>;
  timer?: NodeJS.Timeout;
}

/** Bytes the server has queued for `socket` and not yet handed to the kernel. */
export function bufferedBytes(socket: Socket): number {
  const conn = socket.conn as unknown as {
    writeBuffer?: { data?: unknown }[];
    transport?: { name?: string; socket?: { bufferedAmount?: number } };
  };
  let bytes = 0;
  for (const packet of conn.writeBuffer ?? []) {
    const d = packet.data;
    if (typeof d === 'string') bytes += d.length;
    else if (d && typeof (d as ArrayBufferLike).byteLength === 'number') bytes += (d as ArrayBufferLike).byteLength;
  }
  if (conn.transport?.name === 'websocket') bytes += conn.transport.socket?.bufferedAmount ?? 0;
  return bytes;
}

export class SocketGuard {
  private readonly burst: number;
  private readonly perSecond: number;
  private readonly maxBuffered: number;
  private readonly now: () => number;
  private readonly states = new WeakMap<Socket, SocketState>();
  /** For tests and the health panel. */
  readonly counters = { immediate: 0, deferred: 0, coalesced: 0, droppedSlow: 0 };

  constructor(options: SocketGuardOptions = {}) {
    this.burst = Math.max(1, options.snapshotBurst ?? 40);
    this.perSecond = Math.max(0.1, options.snapshotsPerSecond ?? 10);
    this.maxBuffered = options.maxBufferedBytes ?? 16 * 1024 * 1024;
    this.now = options.now ?? Date.now;
  }

  /**
   * Runs `subscribe` now if the socket has a snapshot token, else once one frees. A later
   * call with the same `key` replaces a deferred one (one snapshot answers them all).
   * Errors thrown by `subscribe` reach the client as an `error_message` for `event`.
   */
  throttle(socket: Socket, event: string, key: string, subscribe: () => void): void {
    if (this.dropIfSlow(socket)) return;
    const st = this.state(socket);
    this.refill(st);
    if (st.deferred.size === 0 && st.tokens >= 1) {
      st.tokens -= 1;
      this.counters.immediate++;
      guardSocketHandler(socket, event, subscribe);
      return;
    }
    if (st.deferred.has(key)) {
      this.counters.coalesced++;
      st.deferred.delete(key); // re-insert: the newest request keeps its place at the end
    } else {
      this.counters.deferred++;
    }
    st.deferred.set(key, { event, run: subscribe });
    this.arm(socket, st);
  }

  /** An unsubscribe: a deferred subscribe for `key` no longer applies. */
  cancel(socket: Socket, key: string): void {
    this.states.get(socket)?.deferred.delete(key);
  }

  /** Subscribes still waiting for a token on `socket` (tests, diagnostics). */
  pending(socket: Socket): number {
    return this.states.get(socket)?.deferred.size ?? 0;
  }

  /** Disconnects `socket` when its queued bytes exceed the bound; true when it did (or it is gone). */
  dropIfSlow(socket: Socket): boolean {
    if (!socket.connected) return true;
    const queued = bufferedBytes(socket);
    if (queued <= this.maxBuffered) return false;
    this.counters.droppedSlow++;
    sendSocketError(socket, 'connection', errorBody('SLOW_CONSUMER', `connection: dropped: ${queued} bytes are waiting to be read (limit ${this.maxBuffered}); reconnect to get fresh snapshots`, { field: null }));
    socket.disconnect(true);
    return true;
  }

  /**
   * Checks every connected socket of `io` every `everyMs` (deltas are broadcast to rooms, so
   * a reader that stalls after its snapshot is only caught here). Returns the stop function.
   */
  watch(io: Server, everyMs = 5_000): () => void {
    const timer = setInterval(() => {
      for (const socket of io.sockets.sockets.values()) this.dropIfSlow(socket);
    }, everyMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  private state(socket: Socket): SocketState {
    let st = this.states.get(socket);
    if (!st) {
      st = { tokens: this.burst, refilledAt: this.now(), deferred: new Map() };
      this.states.set(socket, st);
      const mine = st;
      socket.once('disconnect', () => {
        clearTimeout(mine.timer);
        mine.deferred.clear();
      });
    }
    return st;
  }

  private refill(st: SocketState): void {
    const now = this.now();
    st.tokens = Math.min(this.burst, st.tokens + ((now - st.refilledAt) / 1000) * this.perSecond);
    st.refilledAt = now;
  }

  private arm(socket: Socket, st: SocketState): void {
    if (st.timer) return;
    const wait = Math.max(1, Math.ceil(((1 - st.tokens) / this.perSecond) * 1000));
    st.timer = setTimeout(() => {
      st.timer = undefined;
      this.drain(socket, st);
    }, wait);
    st.timer.unref();
  }

  private drain(socket: Socket, st: SocketState): void {
    if (!socket.connected) {
      st.deferred.clear();
      return;
    }
    this.refill(st);
    while (st.tokens >= 1 && st.deferred.size > 0) {
      const [key, { event, run }] = st.deferred.entries().next().value!;
      st.deferred.delete(key);
      st.tokens -= 1;
      if (this.dropIfSlow(socket)) return;
      guardSocketHandler(socket, event, run);
    }
    if (st.deferred.size > 0) this.arm(socket, st);
  }
}
