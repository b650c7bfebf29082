/**
 * One Massive WebSocket connection per cluster (`/stocks`, `/options`), opened with the
 * vendor's official client (`getStocksWebsocket` / `getOptionsWebsocket` from
 * `@massive.com/client-js`). The official client takes a base URL (`wss://socket.massive.com`,
 * `wss://delayed.massive.com`, or a local fake) and appends the cluster path; it sends
 * `{"action":"auth","params":KEY}` on open by itself. Everything after that — status
 * handling, reconnects, resubscription — is ours, because the client does none of it.
 *
 * This class owns the transport and the status handshake; it hands every non-status
 * event to the feed and never throws out of a socket callback.
 */
import { getOptionsWebsocket, getStocksWebsocket } from '@massive.com/client-js';
import type { FeedStatus } from '../types.js';
import { backoffDelay, type BackoffOptions, type Timer, type TimerSet } from '../../core/backoff.js';
import { StatusEvent } from './messages.js';

export type Cluster = 'stocks' | 'options';

/** Words that mark a status message as a plan/entitlement problem rather than a bad key. */
const ENTITLEMENT_RE = /not authori[sz]ed|not entitled|plan doesn'?t include|plan does not include|upgrade/i;

export interface ClusterHandlers {
  /** Every element of a frame that is not a status message, still unvalidated. */
  onEvent(element: unknown): void;
  /** A frame (or element) that could not be used; `kind` groups log lines. */
  onMalformed(kind: string, detail: string): void;
  /** `auth_success` arrived: send the subscriptions now (Massive accepts them only after it). */
  onLoggedIn(): void;
  /**
   * The session is confirmed (something other than a refusal followed auth_success).
   * `reconnected` is true when an earlier session on this cluster existed: backfill.
   */
  onAuthenticated(reconnected: boolean): void;
  /** The cluster's own view of its health changed. */
  onStatus(status: FeedStatus): void;
  /** Any frame arrived (for `lastMessageAt`). */
  onActivity(at: number): void;
  /** A ping was sent / its pong came back (for stats). */
  onPing?(): void;
  onPong?(): void;
  /** The socket was dropped for silence. */
  onSilent?(): void;
  /** Massive refused the login with `max_connections`. */
  onLimitRefused?(): void;
  /** A status message optdesk has no rule for (shown as a sentence, counted). */
  onUnknownStatus?(status: string, message: string): void;
}

export interface ClusterConnectionOptions {
  cluster: Cluster;
  /** Base URL without the cluster path, e.g. `wss://socket.massive.com`. */
  baseUrl: string;
  apiKey: string;
  delayed: boolean;
  backoff: BackoffOptions;
  /** Give up on a connection whose auth is not answered in this time. */
  authTimeoutMs: number;
  /**
   * A logged-in connection that brings nothing (no frame, no pong) for this long is dead
   * even if the socket never closed: it is dropped and re-opened (then backfilled).
   */
  silenceTimeoutMs: number;
  /** After this much quiet, send a WebSocket ping so a quiet market is not mistaken for a dead link. */
  pingIntervalMs: number;
  /**
   * Massive answers a connection over the account's limit with auth_success, then
   * `max_connections`, then close 1008. So a login counts only once something else
   * follows it, or after this long without a refusal.
   */
  authSettleMs: number;
  /** Retry schedule after `max_connections` (the other connection rarely goes away within seconds). */
  connectionLimitBackoff: BackoffOptions;
  /**
   * A `max_connections` this soon after our own previous session on the cluster ended is
   * most likely that session still counted by Massive (a dropped socket it has not noticed
   * yet), not another program.
   */
  ownGhostWindowMs: number;
  /** When a previous connection of this feed on the cluster ended (a restart must not blame "another program" either). */
  previousSessionEndedAt?: number;
  timers: TimerSet;
  handlers: ClusterHandlers;
}

/** The subset of the W3C WebSocket API the official client returns that we use. */
interface W3CSocket {
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(): void;
  readonly readyState: number;
  /**
   * The official client's socket is the `websocket` package's W3CWebSocket; its underlying
   * WebSocketConnection can ping (RFC 6455) and drop at once. Absent in other implementations.
   */
  readonly _connection?: {
    ping?(data?: Buffer): void;
    drop?(code?: number, description?: string, skipCloseFrame?: boolean): void;
    on?(event: 'pong', listener: () => void): void;
  };
}

const OPEN = 1;
/** Keep subscribe frames modest; 1,000 option tickers in one frame is ~25 kB. */
const PARAMS_PER_FRAME = 250;

export class ClusterConnection {
  private sock: W3CSocket | undefined;
  private authenticated = false;
  private everAuthenticated = false;
  private stopped = false;
  private attempt = 0;
  /** Set by auth_failed / max_connections: retrying fast cannot help, so wait the cap. */
  private slowRetry = false;
  private reconnectTimer: Timer | undefined;
  private authTimer: Timer | undefined;
  private watchdog: Timer | undefined;
  /** Clock time of the last frame or pong on the current socket. */
  private lastHeardAt = 0;
  /** auth_success seen on the current socket, not yet confirmed (see authSettleMs). */
  private pendingConfirm = false;
  private confirmed = false;
  private settleTimer: Timer | undefined;
  /** Set by `max_connections` until the next confirmed session. */
  private limited: { attempt: number; firstAt: number } | undefined;
  private refusedByLimit = false;
  /** When our last confirmed session on this cluster ended. */
  private ownSessionEndedAt: number | undefined;

  /** When this connection's last confirmed session ended (kept by the feed across restarts). */
  get sessionEndedAt(): number | undefined {
    return this.ownSessionEndedAt;
  }
  private closeWaiters: Array<() => void> = [];
  /** Why we closed the socket ourselves, for the reconnect sentence. */
  private disconnectReason: string | undefined;
  private current: FeedStatus = { state: 'connecting' };
  /** Connection attempts after the first (successful or not). */
  reconnectAttempts = 0;
  /** Sessions re-established after a loss. */
  reconnects = 0;

  constructor(private readonly opts: ClusterConnectionOptions) {
    this.ownSessionEndedAt = opts.previousSessionEndedAt;
  }

  get status(): FeedStatus {
    return this.current;
  }

  get isAuthenticated(): boolean {
    return this.authenticated;
  }

  get isOpenOrOpening(): boolean {
    return this.sock !== undefined || this.reconnectTimer !== undefined;
  }

  /** Connect unless already connected, connecting or waiting to reconnect. */
  ensureOpen(): void {
    if (this.stopped || this.isOpenOrOpening) return;
    this.connect();
  }

  /** Sends `{"action":"subscribe"|"unsubscribe","params":"AM.SPY,A.SPY"}` if authenticated. */
  send(action: 'subscribe' | 'unsubscribe', params: readonly string[]): void {
    if (!this.authenticated || !this.sock || this.sock.readyState !== OPEN || params.length === 0) return;
    for (let i = 0; i < params.length; i += PARAMS_PER_FRAME) {
      this.sock.send(JSON.stringify({ action, params: params.slice(i, i + PARAMS_PER_FRAME).join(',') }));
    }
  }

  /** Closes for good and resolves once the socket has closed (or after a short grace). */
  async close(): Promise<void> {
    this.stopped = true;
    if (this.confirmed) this.ownSessionEndedAt = this.opts.timers.now();
    this.confirmed = false;
    this.opts.timers.cancel(this.reconnectTimer);
    this.opts.timers.cancel(this.authTimer);
    this.opts.timers.cancel(this.watchdog);
    this.opts.timers.cancel(this.settleTimer);
    this.reconnectTimer = undefined;
    const sock = this.sock;
    if (!sock) return;
    const closed = new Promise<void>((resolve) => this.closeWaiters.push(resolve));
    try {
      sock.close();
    } catch {
      // already closing
    }
    // The official client can stay in CONNECTING forever against a black-holed host;
    // don't let stop() hang on it.
    const grace = new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 1000);
      void closed.then(() => {
        clearTimeout(t);
        resolve();
      });
    });
    await grace;
    this.sock = undefined;
  }

  private connect(): void {
    this.reconnectTimer = undefined;
    const { cluster, baseUrl, apiKey, timers, authTimeoutMs } = this.opts;
    if (this.everAuthenticated || this.attempt > 0) this.reconnectAttempts++;
    let sock: W3CSocket;
    try {
      sock = (cluster === 'stocks' ? getStocksWebsocket(apiKey, baseUrl) : getOptionsWebsocket(apiKey, baseUrl)) as unknown as W3CSocket;
    } catch (err) {
      this.scheduleReconnect(`could not open the connection: ${(err as Error).message}`);
      return;
    }
    this.sock = sock;
    this.authenticated = false;
    this.pendingConfirm = false;
    this.confirmed = false;
    this.refusedByLimit = false;
    this.authTimer = timers.after(authTimeoutMs, () => {
      if (this.sock !== sock || this.authenticated) return;
      this.disconnectReason = 'Massive did not answer the login in time';
      safeClose(sock);
    });
    sock.onmessage = (ev) => {
      if (this.sock !== sock) return;
      this.lastHeardAt = timers.now();
      try {
        this.opts.handlers.onActivity(this.lastHeardAt);
        this.handleFrame(ev.data);
      } catch (err) {
        // Never let a bug in a handler kill the socket: count it and carry on.
        this.opts.handlers.onMalformed('handler-error', (err as Error).message);
      }
    };
    sock.onerror = () => {
      // The official client follows every error with onclose; reconnect happens there.
    };
    sock.onclose = (ev) => {
      if (this.sock !== sock) return;
      this.onClosed(ev.code === 1006 ? 'the connection dropped' : `closed with code ${ev.code}${ev.reason ? `: ${ev.reason}` : ''}`);
    };
  }

  /** The current socket is gone (closed by either side, or abandoned as silent): reconnect. */
  private onClosed(fallbackReason: string): void {
    const timers = this.opts.timers;
    this.sock = undefined;
    this.authenticated = false;
    this.pendingConfirm = false;
    if (this.confirmed) this.ownSessionEndedAt = timers.now();
    this.confirmed = false;
    timers.cancel(this.authTimer);
    timers.cancel(this.watchdog);
    timers.cancel(this.settleTimer);
    const waiters = this.closeWaiters;
    this.closeWaiters = [];
    for (const w of waiters) w();
    if (this.stopped) return;
    const reason = this.disconnectReason ?? fallbackReason;
    this.disconnectReason = undefined;
    this.scheduleReconnect(reason);
  }

  /**
   * Silence watchdog. Massive's protocol has no heartbeat message and the official client
   * sets no keepalive, so a socket whose peer vanished (NAT timeout, a vendor node that
   * hung) stays OPEN forever while prices freeze. Every `pingIntervalMs` of quiet we send a
   * WebSocket ping (Massive answers protocol pings: its official Python client pings by
   * default); a pong or any frame proves the link. Nothing for `silenceTimeoutMs` → drop
   * the socket without waiting for a close handshake that will never come, and reconnect.
   */
  private startWatchdog(sock: W3CSocket): void {
    const { timers, pingIntervalMs, silenceTimeoutMs } = this.opts;
    this.lastHeardAt = timers.now();
    const conn = sock._connection;
    conn?.on?.('pong', () => {
      if (this.sock !== sock) return;
      this.lastHeardAt = timers.now();
      this.opts.handlers.onPong?.();
    });
    const tick = Math.max(1, Math.min(pingIntervalMs, silenceTimeoutMs) / 2);
    const check = (): void => {
      if (this.sock !== sock || this.stopped) return;
      const quietMs = timers.now() - this.lastHeardAt;
      if (quietMs >= silenceTimeoutMs) {
        this.disconnectReason = `no message and no answer to a ping for ${formatDelay(quietMs)}`;
        this.opts.handlers.onSilent?.();
        this.abandon(sock);
        return;
      }
      if (quietMs >= pingIntervalMs && conn?.ping) {
        try {
          conn.ping();
          this.opts.handlers.onPing?.();
        } catch {
          // a socket that cannot even send a ping will be caught by the silence rule
        }
      }
      this.watchdog = timers.after(tick, check);
    };
    this.opts.timers.cancel(this.watchdog);
    this.watchdog = timers.after(tick, check);
  }

  /** Gives up on a socket at once: a dead peer never answers the close handshake. */
  private abandon(sock: W3CSocket): void {
    sock.onmessage = null;
    sock.onclose = null;
    try {
      if (sock._connection?.drop) sock._connection.drop(1000, 'silent connection', true);
      else sock.close();
    } catch {
      // already gone
    }
    this.onClosed('the connection went silent');
  }

  private scheduleReconnect(reason: string): void {
    if (this.stopped) return;
    const timers = this.opts.timers;
    if (this.refusedByLimit && this.limited) {
      // Not a tight loop: Massive refuses every attempt while the other connection lives.
      const delay = backoffDelay(this.limited.attempt++, this.opts.connectionLimitBackoff);
      const cluster = this.opts.cluster;
      const endedAgo = this.ownSessionEndedAt === undefined ? Infinity : timers.now() - this.ownSessionEndedAt;
      this.setStatus(
        endedAgo < this.opts.ownGhostWindowMs
          ? {
              state: 'degraded',
              message: `Massive still counts optdesk's previous ${cluster} connection (it ended ${formatDelay(endedAgo)} ago) and refused a new one; retrying in ${formatDelay(delay)}.`,
            }
          : {
              state: 'down',
              message: `Another program is already using this Massive account's ${cluster} connection (Massive allows one per account); close it and optdesk will reconnect (next try in ${formatDelay(delay)}).`,
            },
      );
      this.reconnectTimer = timers.after(delay, () => this.connect());
      return;
    }
    const delay = this.slowRetry ? this.opts.backoff.maxMs : backoffDelay(this.attempt, this.opts.backoff);
    this.attempt++;
    if (!this.slowRetry) {
      // A reconnect in progress is "degraded", not "down": it usually heals by itself.
      this.setStatus({
        state: 'degraded',
        message: `Lost the Massive ${this.opts.cluster} stream (${reason}); reconnecting in ${formatDelay(delay)}.`,
      });
    }
    this.reconnectTimer = timers.after(delay, () => this.connect());
  }

  /** The login on the current socket holds: now it is live (see authSettleMs). */
  private confirm(): void {
    if (!this.pendingConfirm || !this.sock) return;
    this.pendingConfirm = false;
    this.opts.timers.cancel(this.settleTimer);
    const reconnected = this.everAuthenticated;
    this.confirmed = true;
    this.everAuthenticated = true;
    this.attempt = 0;
    this.slowRetry = false;
    this.limited = undefined;
    if (reconnected) this.reconnects++;
    this.setStatus({ state: this.opts.delayed ? 'delayed' : 'live' });
    this.startWatchdog(this.sock);
    this.opts.handlers.onAuthenticated(reconnected);
  }

  private handleFrame(data: unknown): void {
    if (typeof data !== 'string') {
      this.opts.handlers.onMalformed('binary-frame', 'Massive sends text frames only');
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      this.opts.handlers.onMalformed('invalid-json', data.slice(0, 120));
      return;
    }
    // Massive always sends a JSON array of events; tolerate a bare object anyway.
    const elements = Array.isArray(parsed) ? parsed : [parsed];
    for (const element of elements) {
      if (element && typeof element === 'object' && (element as { ev?: unknown }).ev === 'status') {
        this.handleStatus(element);
      } else {
        this.confirm(); // data after auth_success: the session holds
        this.opts.handlers.onEvent(element);
      }
    }
  }

  private handleStatus(element: unknown): void {
    const parsed = StatusEvent.safeParse(element);
    if (!parsed.success) {
      this.opts.handlers.onMalformed('status', JSON.stringify(element).slice(0, 120));
      return;
    }
    const { status, message = '' } = parsed.data;
    const cluster = this.opts.cluster;
    switch (status) {
      case 'connected':
        return;
      case 'success': // "subscribed to: AM.SPY" / "unsubscribed …": the session holds
        this.confirm();
        return;
      case 'auth_success': {
        this.opts.timers.cancel(this.authTimer);
        this.authenticated = true;
        this.pendingConfirm = true;
        const sock = this.sock;
        this.settleTimer = this.opts.timers.after(this.opts.authSettleMs, () => {
          if (this.sock === sock) this.confirm();
        });
        this.opts.handlers.onLoggedIn();
        return;
      }
      case 'auth_failed':
        this.slowRetry = true;
        this.setStatus({
          state: 'down',
          message: ENTITLEMENT_RE.test(message)
            ? `Your Massive plan does not include the ${cluster} stream (Massive says: "${message}"); upgrade the plan or switch to delayed data.`
            : `Massive rejected the API key for the ${cluster} stream (Massive says: "${message || 'authentication failed'}"); check the Massive API key in settings.`,
        });
        this.disconnectReason = 'authentication failed';
        if (this.sock) safeClose(this.sock);
        return;
      case 'max_connections':
        // Arrives right after auth_success; Massive closes (1008) next. Close first ourselves
        // so the retry schedule (and its sentence) do not depend on the server's close.
        this.pendingConfirm = false;
        this.authenticated = false;
        this.opts.timers.cancel(this.settleTimer);
        this.refusedByLimit = true;
        this.limited ??= { attempt: 0, firstAt: this.opts.timers.now() };
        this.disconnectReason = 'connection limit reached';
        this.opts.handlers.onLimitRefused?.();
        if (this.sock) safeClose(this.sock);
        return;
      case 'error':
        this.confirm(); // the login held: Massive is answering our subscriptions
        this.setStatus(
          ENTITLEMENT_RE.test(message)
            ? {
                state: 'down',
                message: `Massive says the ${cluster} data is not authorized for this account ("${message}"); upgrade the plan or switch to delayed data.`,
              }
            : { state: 'degraded', message: `Massive reported a problem on the ${cluster} stream: "${message}".` },
        );
        return;
      default:
        // A status we do not know (maintenance notices, new wordings): the trader reads it
        // on the badge, without the state changing on a guess.
        this.confirm();
        this.opts.handlers.onUnknownStatus?.(status, message);
        this.setStatus({
          state: this.current.state,
          message: `Massive says on the ${cluster} stream: "${message || status}" (status "${status}").`,
        });
    }
  }

  private setStatus(next: FeedStatus): void {
    this.current = next;
    this.opts.handlers.onStatus(next);
  }
}

function safeClose(sock: W3CSocket): void {
  try {
    sock.close();
  } catch {
    // ignore: closing an already-closed socket
  }
}

function formatDelay(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}
