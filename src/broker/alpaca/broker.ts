/**
 * The Alpaca `Broker`: orders, cancels, replaces, positions, account and fills through
 * the official SDK, kept true by the `trade_updates` stream and reconciled against REST
 * at start-up and after every reconnect (events sent while the stream was down are lost,
 * so REST fills the gap: missed fills are rebuilt from FILL activities).
 *
 * Rules it keeps:
 * - The stream is the truth. A replace answers with a new order, but the old one stays
 *   working until the stream says `replaced` (Alpaca may fill it first and reject the
 *   replacement).
 * - Never re-submit blindly. A POST that got no answer may have executed: look the order
 *   up by client order id (several times), adopt it if found, and only then send again —
 *   with the same client order id, so a late first copy makes Alpaca answer 422
 *   (duplicate), never a second order.
 * - Options orders are simple orders; their exits are optdesk's (one working sell per
 *   contract: the take-profit rests at Alpaca, the stop is watched by optdesk, see
 *   `exitAfterCancel`). Equity entries with both exits go as Alpaca's native bracket.
 */
import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import { streaming, type trading } from '@alpacahq/alpaca-trade-api';
import { TimerSet, type Timer } from '../../core/backoff.js';
import { ALPACA_FEES, feesFor } from '../fees.js';
import { isOpen, isTerminal } from '../state.js';
import {
  BrokerError,
  ORDER_EVENT_TYPES,
  type Account,
  type ApprovedIntent,
  type AssetClass,
  type Broker,
  type BrokerEvent,
  type BrokerListener,
  type FeeBreakdown,
  type Fill,
  type Order,
  type OrderEventType,
  type OrderFilter,
  type OrderStatus,
  type Position,
  type Price,
  type ReplaceRequest,
  type Side,
} from '../types.js';
import type { AlpacaSettings } from './config.js';
import { isAmbiguous, isDuplicateClientOrderId, isNotFound, toBrokerError } from './errors.js';
import { missedExecutions } from './fill-history.js';
import { accountFromAlpaca, positionFromAlpaca } from './holdings.js';
import { OPTION_ACTIVITY_TYPES, optionEventsFrom } from './option-events.js';
import { EventOutbox } from './outbox.js';
import { AlpacaRest, DEFAULT_BACKOFF, type BackoffEvent, type BackoffSettings } from './rest.js';
import { alpacaRuleViolation, bracketTakeProfitPrice } from './rules.js';
import {
  isOptionSymbol,
  orderFromAlpaca,
  priceFromWireRounded,
  priceToWire,
  qtyFromWire,
  symbolFromAlpaca,
  symbolToAlpaca,
  wireDec,
  type OrderMeta,
} from './wire.js';

export interface AlpacaLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export type FeeModel = (assetClass: AssetClass, side: Side, qty: number, price: Price) => FeeBreakdown;

export interface AlpacaBrokerOptions {
  settings: AlpacaSettings;
  log?: AlpacaLog;
  /** Fees modeled per fill (Alpaca's paper accounts charge none, so optdesk models them). Default: Alpaca's fee table. */
  fees?: FeeModel;
  backoff?: Partial<BackoffSettings>;
  onBackoff?: (e: BackoffEvent) => void;
  /** Per-request deadline, ms (default 15,000). */
  requestTimeoutMs?: number;
  /** How long `start()` waits for the stream to listen, ms (default 15,000). */
  startTimeoutMs?: number;
  /** Stream reconnect backoff, ms (defaults 1,000 → 30,000). */
  reconnect?: { initialMs?: number; maxMs?: number };
  /** Keepalive ping interval / pong wait, ms (defaults 10,000 / 5,000). */
  ping?: { intervalMs?: number; waitMs?: number };
  /** After a POST with no answer: client-order-id lookups before sending again (default 3), and the pause between them (default 500 ms). */
  lookup?: { attempts?: number; delayMs?: number };
  /** How often to look for option expirations/exercises/assignments, ms (default 300,000). */
  optionEventsPollMs?: number;
  /** How long a positions/account read is shared, ms (default 1,000; any fill or order change refreshes it). */
  holdingsTtlMs?: number;
  /** While waiting for a cancel with the stream down, poll REST this often, ms (default 1,000). */
  pollMs?: number;
  now?: () => number;
}

/** What the dashboard shows about the Alpaca connection. */
export interface AlpacaStatus {
  mode: 'paper' | 'live';
  account: string;
  streamListening: boolean;
  reconnects: number;
  reconciliations: number;
  lastReconcileAt: number | null;
  lastError: string | null;
}

/** Outcome of `exitAfterCancel`. */
export interface ExitAfterCancel {
  /** The take-profit as it ended (canceled, or filled if it won the race). */
  takeProfit: Order;
  /** The exit order, or null when nothing was left to sell. */
  exit: Order | null;
  /** Why no exit was sent, as a sentence. */
  note: string | null;
}

const EVENT_TYPES = new Set<string>(ORDER_EVENT_TYPES);
const STATUS_EVENT: Partial<Record<OrderStatus, OrderEventType>> = {
  accepted: 'accepted',
  pending_new: 'pending_new',
  new: 'new',
  pending_cancel: 'pending_cancel',
  pending_replace: 'pending_replace',
  canceled: 'canceled',
  expired: 'expired',
  replaced: 'replaced',
  rejected: 'rejected',
  done_for_day: 'done_for_day',
};

export class AlpacaBroker implements Broker {
  readonly kind = 'alpaca' as const;
  /** `live` only with OPTDESK_LIVE=1: the dashboard shows a red LIVE banner. */
  readonly mode: 'paper' | 'live';
  readonly accountName: string;

  // True private fields: the SDK objects hold the key pair, and util.inspect skips these.
  readonly #settings: AlpacaSettings;
  readonly #rest: AlpacaRest;
  #stream: streaming.TradingStream | undefined;

  private readonly timers = new TimerSet();
  private readonly log: AlpacaLog;
  private readonly fees: FeeModel;
  private readonly now: () => number;
  private readonly opts: AlpacaBrokerOptions;
  private readonly orderMap = new Map<string, Order>();
  private readonly wireMap = new Map<string, trading.Order>();
  private readonly byClientId = new Map<string, string>();
  private readonly meta = new Map<string, OrderMeta>();
  private readonly fillList: Fill[] = [];
  private readonly seenExecutions = new Set<string>();
  private readonly outbox = new EventOutbox((err) => this.log.warn('broker listener failed', { error: err instanceof Error ? err.message : String(err) }));
  private readonly waiters = new Set<() => void>();
  private readonly startedAt: number;
  private reconcileRun: Promise<void> | null = null;
  private reconcileAgain = false;
  private stopped = false;
  private readonly state: AlpacaStatus;

  constructor(opts: AlpacaBrokerOptions) {
    this.opts = opts;
    this.#settings = opts.settings;
    this.mode = opts.settings.mode;
    this.accountName = opts.settings.accountName;
    this.log = opts.log ?? { info: () => {}, warn: () => {} };
    this.fees = opts.fees ?? ((assetClass, side, qty, price) => feesFor(ALPACA_FEES, assetClass, side, qty, price));
    this.now = opts.now ?? Date.now;
    this.startedAt = this.now();
    const backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
    this.#rest = new AlpacaRest(
      opts.settings,
      this.timers,
      backoff,
      (e) => {
        this.log.warn('alpaca rate limit: backing off', { what: e.what, attempt: e.attempt, delayMs: e.delayMs, fromServer: e.fromServer });
        opts.onBackoff?.(e);
      },
      opts.requestTimeoutMs ?? 15_000,
    );
    this.state = { mode: this.mode, account: this.accountName, streamListening: false, reconnects: 0, reconciliations: 0, lastReconcileAt: null, lastError: null };
  }

  /** True when orders go to real money. */
  get live(): boolean {
    return this.mode === 'live';
  }

  status(): AlpacaStatus {
    return { ...this.state };
  }

  toJSON(): Record<string, unknown> {
    return { kind: this.kind, ...this.status(), restUrl: this.#settings.restUrl };
  }

  [inspect.custom](): string {
    return `AlpacaBroker(${this.mode}, ${this.accountName})`;
  }

  // ---- lifecycle -----------------------------------------------------------------

  /** Opens the trade_updates stream, waits until it listens, and reconciles with REST. */
  async start(): Promise<void> {
    const { keyId, secret } = this.#settings.credentials();
    const stream = new streaming.TradingStream({
      url: this.#settings.streamUrl,
      credentials: { keyId, secret },
      maxReconnectAttempts: streaming.UNLIMITED_RECONNECT_ATTEMPTS,
      initialReconnectMs: this.opts.reconnect?.initialMs ?? 1_000,
      maxReconnectMs: this.opts.reconnect?.maxMs ?? 30_000,
      pingIntervalMs: this.opts.ping?.intervalMs ?? 10_000,
      pongWaitMs: this.opts.ping?.waitMs ?? 5_000,
    });
    this.#stream = stream;
    let firstReconcile: Promise<void> | null = null;
    const listening = new Promise<void>((resolve) => {
      stream.on(streaming.EVENT.SUBSCRIPTION, (streams: unknown) => {
        if (!Array.isArray(streams) || !streams.includes('trade_updates')) return;
        this.state.streamListening = true;
        // Whatever happened while we were not listening is only in REST now.
        const run = this.requestReconcile();
        firstReconcile ??= run;
        resolve();
        this.wake();
      });
    });
    stream.onTradeUpdate((u) => this.onTradeUpdate(u));
    stream.onDisconnect(() => {
      this.state.streamListening = false;
    });
    stream.onReconnecting(() => {
      this.state.reconnects++;
      this.log.warn('alpaca trade_updates stream reconnecting', { reconnects: this.state.reconnects });
    });
    stream.onError((message) => {
      this.state.lastError = `stream: ${message}`;
      this.log.warn('alpaca trade_updates stream error', { message });
    });
    stream.subscribeTradeUpdates();
    stream.connect();
    const timeoutMs = this.opts.startTimeoutMs ?? 15_000;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      listening.then(() => 'listening' as const),
      stream.whenAuthenticated().then((r) => (r.authenticated ? new Promise<never>(() => {}) : r)),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
    if (outcome !== 'listening') {
      this.stop();
      if (outcome === 'timeout') {
        throw new BrokerError('unavailable', `Alpaca's trade_updates stream did not start listening within ${Math.round(timeoutMs / 1000)} s (${this.#settings.streamUrl}).`);
      }
      throw new BrokerError('unavailable', 'Alpaca refused the API keys on the trade_updates stream: check ALPACA_KEY_ID and ALPACA_SECRET_KEY.');
    }
    await firstReconcile;
    this.pollOptionEvents();
  }

  /** Alpaca does not stream expirations/exercises/assignments: look for them now and then. */
  private pollOptionEvents(): void {
    this.timers.after(this.opts.optionEventsPollMs ?? 300_000, () => {
      if (this.stopped) return;
      void this.checkOptionEvents()
        .catch((err: unknown) => this.log.warn('alpaca option activities poll failed', { error: err instanceof Error ? err.message : String(err) }))
        .finally(() => this.pollOptionEvents());
    });
  }

  stop(): void {
    this.stopped = true;
    this.#stream?.disconnect();
    this.timers.clear();
    this.wake();
  }

  // ---- Broker --------------------------------------------------------------------

  accountNames(): string[] {
    return [this.accountName];
  }

  /** Events go out in order, one at a time: a listener's promise settles before the next (outbox.ts). */
  onEvent(listener: BrokerListener): () => void {
    return this.outbox.subscribe(listener);
  }

  /**
   * What optdesk stored: its orders' role, parent, exits and source, so orders reloaded
   * from Alpaca after a restart keep them, and the ids of fills already booked, so they
   * are not booked twice. Call before `start()`.
   */
  remember(orders: readonly Order[], fillIds: readonly string[] = []): void {
    for (const o of orders) {
      this.meta.set(o.clientOrderId, { role: o.role, parentId: o.parentId, exits: o.exits, source: o.source });
      // What the store booked: reconcile books only what Alpaca did beyond it (e.g. fills during a crash).
      if (!this.orderMap.has(o.id) && o.account === this.accountName) {
        this.orderMap.set(o.id, { ...o });
        this.byClientId.set(o.clientOrderId, o.id);
      }
    }
    // Fills already booked (e.g. expirations) are not booked again.
    for (const id of fillIds) this.seenExecutions.add(id);
  }

  /**
   * True when Alpaca itself holds the exits of this intent or entry order (a stock entry
   * with both exits goes as Alpaca's native bracket), so optdesk must not arm its own:
   * they would be a second working sell, which Alpaca refuses.
   */
  handlesExitsNatively(entry: Pick<ApprovedIntent, 'symbol' | 'takeProfit' | 'stopLoss'> | Pick<Order, 'symbol' | 'exits'>): boolean {
    const exits = 'exits' in entry ? entry.exits : entry;
    return !isOptionSymbol(entry.symbol) && exits?.takeProfit !== undefined && exits?.stopLoss !== undefined;
  }

  async submit(intent: ApprovedIntent): Promise<Order> {
    this.checkAccount(intent.account);
    const known = this.byClientId.get(intent.clientOrderId);
    if (known) return this.orderMap.get(known) as Order;
    const isOption = isOptionSymbol(intent.symbol);
    const why = alpacaRuleViolation(intent, isOption);
    if (why) throw new BrokerError('rejected', why);
    const body = this.postBody(intent, isOption);
    this.meta.set(intent.clientOrderId, {
      role: intent.role,
      parentId: intent.parentId ?? null,
      exits: intent.takeProfit || intent.stopLoss ? { ...(intent.takeProfit && { takeProfit: intent.takeProfit }), ...(intent.stopLoss && { stopLoss: intent.stopLoss }) } : null,
      source: intent.source ?? 'manual',
    });
    try {
      const placed = await this.place(body, intent);
      this.holdingsChanged();
      this.log.info('alpaca order placed', { id: placed.id, clientOrderId: intent.clientOrderId, symbol: intent.symbol, side: intent.side, qty: intent.qty });
      return this.absorb(placed, null);
    } catch (err) {
      if (!this.byClientId.has(intent.clientOrderId)) this.meta.delete(intent.clientOrderId);
      throw err;
    }
  }

  async cancel(account: string, orderId: string): Promise<Order> {
    this.checkAccount(account);
    try {
      // Raw + value(): SDK 4.0.2's deleteOrderByOrderID never releases the 204 response, so
      // its request deadline timer keeps running (and the process alive) for timeoutMs.
      await this.#rest.call('the cancel', async () => (await this.#rest.orders.deleteOrderByOrderIDRaw({ orderId })).value());
    } catch (err) {
      if (isNotFound(err)) throw new BrokerError('not_found', `Alpaca does not know order ${orderId}.`);
      if (!isAmbiguous(err)) throw await toBrokerError(err, 'the cancel');
      this.log.warn('alpaca cancel got no answer; the stream or the next reconcile will tell', { orderId });
    }
    return (await this.refreshOrder(orderId)) ?? this.requireOrder(orderId);
  }

  async replace(account: string, orderId: string, changes: ReplaceRequest): Promise<Order> {
    this.checkAccount(account);
    const old = this.orderMap.get(orderId) ?? (await this.refreshOrder(orderId));
    if (!old) throw new BrokerError('not_found', `Alpaca does not know order ${orderId}.`);
    if (changes.qty !== undefined && (!Number.isSafeInteger(changes.qty) || changes.qty <= 0)) {
      throw new BrokerError('rejected', `Quantity must be a whole number above 0 (got ${changes.qty}).`);
    }
    const clientOrderId = changes.clientOrderId ?? randomUUID();
    const oldMeta = this.meta.get(old.clientOrderId);
    if (oldMeta) this.meta.set(clientOrderId, oldMeta);
    const patch: trading.PatchOrderRequest = {
      clientOrderId,
      qty: changes.qty === undefined ? undefined : String(changes.qty),
      limitPrice: changes.limitPrice === undefined ? undefined : priceToWire(changes.limitPrice),
      stopPrice: changes.stopPrice === undefined ? undefined : priceToWire(changes.stopPrice),
      timeInForce: changes.timeInForce,
    };
    try {
      const fresh = await this.#rest.call('the replace', () => this.#rest.orders.patchOrderByOrderId({ orderId, patchOrderRequest: patch }));
      // The old order is still working until the stream says `replaced`.
      return this.absorb(fresh, null);
    } catch (err) {
      if (!isAmbiguous(err)) {
        this.meta.delete(clientOrderId);
        throw await toBrokerError(err, 'the replace', old.symbol);
      }
      const found = await this.findByClientId(clientOrderId);
      if (found) return this.absorb(found, null);
      throw new BrokerError('unavailable', `Alpaca did not answer the replace of order ${orderId}; the trade stream will show whether it happened.`);
    }
  }

  async order(account: string, orderId: string): Promise<Order | null> {
    this.checkAccount(account);
    return this.orderMap.get(orderId) ?? (await this.refreshOrder(orderId));
  }

  async orderByClientId(account: string, clientOrderId: string): Promise<Order | null> {
    this.checkAccount(account);
    const id = this.byClientId.get(clientOrderId);
    if (id) return this.orderMap.get(id) ?? null;
    const found = await this.findByClientId(clientOrderId, 1);
    return found ? this.absorb(found, null) : null;
  }

  async orders(filter: OrderFilter = {}): Promise<Order[]> {
    if (filter.account && filter.account !== this.accountName) return [];
    return [...this.orderMap.values()]
      .filter((o) => (filter.symbol ? o.symbol === filter.symbol : true))
      .filter((o) => (filter.status === 'open' ? isOpen(o.status) : filter.status === 'closed' ? isTerminal(o.status) : true))
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  async fills(filter: { account?: string; orderId?: string; symbol?: string } = {}): Promise<Fill[]> {
    if (filter.account && filter.account !== this.accountName) return [];
    return this.fillList.filter((f) => (!filter.orderId || f.orderId === filter.orderId) && (!filter.symbol || f.symbol === filter.symbol));
  }

  async positions(account?: string): Promise<Position[]> {
    if (account && account !== this.accountName) return [];
    const list = await this.cachedRead('positions', 'the positions', () => this.#rest.positions.getAllOpenPositions());
    return list.map((p) => positionFromAlpaca(p, { account: this.accountName, fills: this.fillList, now: this.now() })).filter((p): p is Position => p !== null);
  }

  async accounts(): Promise<Account[]> {
    const a = await this.cachedRead('account', 'the account', () => this.#rest.account.getAccount());
    return [accountFromAlpaca(a, { name: this.accountName, mode: this.mode, fills: this.fillList, now: this.now() })];
  }

  /** Alpaca's account activities (FILL by default), newest first, as Alpaca sends them. */
  async activities(types: string[] = ['FILL'], pageSize = 100): Promise<Record<string, unknown>[]> {
    // The raw wire: SDK 4.0.2's typed parser reads every activity as a non-trade one and
    // drops a FILL's price, side and order_id.
    return this.rest('the activities', async () => {
      const res = await this.#rest.activities.getAccountActivitiesRaw({ activityTypes: types as trading.ActivityType[], pageSize, direction: 'desc' });
      return (await res.raw.json()) as Record<string, unknown>[];
    });
  }

  // ---- exits the broker cannot hold (options) -----------------------------------

  /**
   * Cancels `orderId` and resolves once Alpaca confirms the order is over (canceled,
   * or filled/expired if it got there first). While the stream is down it polls REST.
   */
  async cancelAndConfirm(account: string, orderId: string, timeoutMs = 30_000): Promise<Order> {
    this.checkAccount(account);
    try {
      await this.cancel(account, orderId);
    } catch (err) {
      if (!(err instanceof BrokerError) || err.code !== 'not_cancelable') throw err;
    }
    const done = await this.waitFor(
      () => {
        const o = this.orderMap.get(orderId);
        return o && isTerminal(o.status) ? o : null;
      },
      timeoutMs,
      () => this.refreshOrder(orderId),
    );
    if (!done) throw new BrokerError('unavailable', `Alpaca has not confirmed the cancel of order ${orderId} after ${Math.round(timeoutMs / 1000)} s.`);
    return done;
  }

  /**
   * The stop of an option position, which Alpaca cannot hold next to the resting
   * take-profit (one working sell per contract): cancel the take-profit, wait until
   * Alpaca confirms, then send `exit` for what the take-profit did not sell.
   */
  async exitAfterCancel(takeProfitId: string, exit: ApprovedIntent, timeoutMs = 30_000): Promise<ExitAfterCancel> {
    const tp = await this.cancelAndConfirm(exit.account, takeProfitId, timeoutMs);
    const qty = exit.qty - tp.filledQty;
    if (tp.status === 'filled' || qty <= 0) {
      return { takeProfit: tp, exit: null, note: 'The take-profit filled before it could be canceled; no stop exit was sent.' };
    }
    const order = await this.submit({ ...exit, qty });
    return { takeProfit: tp, exit: order, note: tp.filledQty > 0 ? `The take-profit sold ${tp.filledQty} before the cancel; the exit sells the remaining ${qty}.` : null };
  }

  // ---- expirations, exercises, assignments (not streamed) ------------------------

  /**
   * Polls Alpaca's option activities and books each new one as an `expiry` order and its
   * fill (option-events.ts). Runs at start-up, after every reconnect and every
   * `optionEventsPollMs`; returns how many were new. Ids are stable, so a store can
   * drop what a previous process already booked (or pass them to `remember`).
   */
  async checkOptionEvents(): Promise<number> {
    const after = new Date(this.startedAt - 7 * 24 * 3600_000);
    const list = await this.rest('the option activities', async () => {
      const res = await this.#rest.activities.getAccountActivitiesRaw({ activityTypes: [...OPTION_ACTIVITY_TYPES] as unknown as trading.ActivityType[], after, direction: 'asc', pageSize: 100 });
      return (await res.raw.json()) as Record<string, unknown>[];
    });
    let fresh = 0;
    for (const e of optionEventsFrom(list, this.accountName)) {
      if (this.seenExecutions.has(e.fill.id)) continue;
      fresh++;
      this.orderMap.set(e.order.id, e.order);
      this.recordFill(e.fill);
      this.log.info('alpaca option event booked', { symbol: e.fill.symbol, qty: e.fill.qty, reason: e.fill.reason });
      this.emit({ kind: 'order', event: { type: 'fill', order: e.order, fill: e.fill, time: e.fill.time } });
    }
    if (fresh) {
      this.holdingsChanged();
      this.refreshHoldingsSoon();
    }
    return fresh;
  }

  // ---- placing -------------------------------------------------------------------

  private postBody(intent: ApprovedIntent, isOption: boolean): trading.PostOrderRequest {
    const body: trading.PostOrderRequest = {
      symbol: symbolToAlpaca(intent.symbol),
      qty: String(intent.qty),
      side: intent.side,
      type: intent.type,
      timeInForce: intent.timeInForce,
      clientOrderId: intent.clientOrderId,
      orderClass: 'simple',
      limitPrice: intent.limitPrice === undefined ? undefined : priceToWire(intent.limitPrice),
      stopPrice: intent.stopPrice === undefined ? undefined : priceToWire(intent.stopPrice),
      extendedHours: intent.extendedHours === true ? true : undefined,
    };
    if (!isOption && intent.takeProfit && intent.stopLoss) {
      body.orderClass = 'bracket';
      body.takeProfit = { limitPrice: priceToWire(bracketTakeProfitPrice(intent) as Price) };
      body.stopLoss = { stopPrice: priceToWire(intent.stopLoss.stopPrice) };
    }
    return body;
  }

  /** POST with the no-blind-resubmit rule (see the file comment). */
  private async place(body: trading.PostOrderRequest, intent: ApprovedIntent): Promise<trading.Order> {
    const coid = intent.clientOrderId;
    for (let round = 0; ; round++) {
      try {
        return await this.#rest.call('the order', () => this.#rest.orders.postOrder({ postOrderRequest: body }));
      } catch (err) {
        if (isDuplicateClientOrderId(err)) {
          const found = await this.findByClientId(coid, 1);
          if (found && sameOrder(found, body)) {
            this.log.info('alpaca order already there (duplicate client order id): adopting it', { clientOrderId: coid, id: found.id });
            return found;
          }
          throw new BrokerError('duplicate_client_order_id', `Alpaca already has a different order with client order id ${coid}; nothing was sent.`);
        }
        if (!isAmbiguous(err)) throw await toBrokerError(err, 'the order', intent.symbol);
        this.log.warn('alpaca order POST got no answer: looking it up by client order id before anything else', { clientOrderId: coid, round });
        const found = await this.findByClientId(coid);
        if (found) return found;
        if (round >= 1) {
          throw new BrokerError('unavailable', `Alpaca did not answer the order twice and has no order with client order id ${coid}; it was not sent again. Check Alpaca before retrying.`);
        }
        this.log.warn('alpaca has no order with that client order id: sending once more with the same id', { clientOrderId: coid });
      }
    }
  }

  /** The order with this client order id: local stream knowledge first, then REST, `attempts` times. */
  private async findByClientId(clientOrderId: string, attempts = this.opts.lookup?.attempts ?? 3): Promise<trading.Order | null> {
    for (let i = 0; i < attempts; i++) {
      const id = this.byClientId.get(clientOrderId);
      const local = id ? this.wireMap.get(id) : undefined;
      if (local) return local;
      try {
        return await this.#rest.call('the order lookup', () => this.#rest.orders.getOrderByClientOrderId({ clientOrderId }));
      } catch (err) {
        if (!isNotFound(err) && !isAmbiguous(err)) throw await toBrokerError(err, 'the order lookup');
      }
      if (i + 1 < attempts) await this.timers.sleep(this.opts.lookup?.delayMs ?? 500);
    }
    return null;
  }

  // ---- stream + reconcile --------------------------------------------------------

  private onTradeUpdate(u: streaming.TradeUpdate): void {
    if (this.stopped) return;
    const time = u.timestamp?.getTime() ?? this.now();
    const type = EVENT_TYPES.has(u.event) ? (u.event as OrderEventType) : null;
    let fill: Fill | undefined;
    if (type === 'fill' || type === 'partial_fill') {
      const executionId = u.executionId ?? `${u.order.id}:${u.order.filledQty}`;
      if (this.seenExecutions.has(executionId)) return; // duplicate delivery
      const prev = this.orderMap.get(String(u.order.id));
      if (prev && prev.filledQty >= qtyFromWire(u.order.filledQty)) {
        // Already booked by a reconcile while the stream was away.
        this.seenExecutions.add(executionId);
        return;
      }
      fill = this.makeFill(u.order, executionId, qtyFromWire(u.qty), priceFromWireRounded(u.price ?? '0'), time);
    }
    this.absorb(u.order, type ? { type, fill, positionQty: u.positionQty === undefined ? undefined : qtyFromWire(u.positionQty), time } : null);
  }

  /**
   * Takes an order snapshot from Alpaca into the book and tells listeners. Stale
   * snapshots (fewer fills, or a live status after a terminal one) are ignored: REST and
   * the stream can arrive in either order.
   */
  private absorb(o: trading.Order, ev: { type: OrderEventType; fill?: Fill; positionQty?: number; time: number } | null): Order {
    const id = String(o.id);
    const prev = this.orderMap.get(id);
    const coid = String(o.clientOrderId ?? '');
    this.registerLegs(o);
    const next = orderFromAlpaca(o, this.accountName, this.meta.get(coid), this.now());
    if (prev && isStale(prev, next)) return prev;
    // The same update twice (Alpaca repeats events): nothing new to tell.
    if (prev && ev && !ev.fill && prev.status === next.status && prev.filledQty === next.filledQty && prev.updatedAt === next.updatedAt) return prev;
    this.orderMap.set(id, next);
    this.wireMap.set(id, o);
    if (coid) this.byClientId.set(coid, id);
    // Bracket legs are orders of their own (their changes come as their own events).
    for (const leg of (o.legs ?? []) as unknown as trading.Order[]) if (!this.orderMap.has(String(leg.id))) this.absorb(leg, null);
    if (ev?.fill) this.recordFill(ev.fill);
    if (ev) this.holdingsChanged(); // buying power moves with working orders, positions with fills
    if (ev) this.emit({ kind: 'order', event: { type: ev.type, order: next, fill: ev.fill, positionQty: ev.positionQty, time: ev.time } });
    if (ev?.fill) this.refreshHoldingsSoon();
    this.wake();
    return next;
  }

  private registerLegs(o: trading.Order): void {
    for (const leg of o.legs ?? []) {
      const coid = String(leg.clientOrderId ?? '');
      if (!coid || this.meta.has(coid)) continue;
      const parentMeta = this.meta.get(String(o.clientOrderId ?? ''));
      this.meta.set(coid, {
        role: leg.type === 'limit' ? 'take_profit' : 'stop_loss',
        parentId: String(o.id),
        exits: null,
        source: parentMeta?.source ?? 'alpaca',
      });
    }
  }

  private recordFill(fill: Fill): void {
    if (this.seenExecutions.has(fill.id)) return;
    this.seenExecutions.add(fill.id);
    this.fillList.push(fill);
  }

  private makeFill(o: trading.Order, id: string, qty: number, price: Price, time: number): Fill {
    const assetClass: AssetClass = o.assetClass === 'us_option' ? 'option' : 'stock';
    const side: Side = o.side === 'sell' ? 'sell' : 'buy';
    return {
      id,
      orderId: String(o.id),
      account: this.accountName,
      symbol: symbolFromAlpaca(String(o.symbol ?? ''), o.assetClass),
      side,
      qty,
      price,
      time,
      fees: this.fees(assetClass, side, qty, price),
      reason: 'execution',
      note: null,
    };
  }

  /** Single-flight reconcile; a request during a run schedules one more run. */
  private requestReconcile(): Promise<void> {
    if (this.reconcileRun) {
      this.reconcileAgain = true;
      return this.reconcileRun;
    }
    const run = (async () => {
      do {
        this.reconcileAgain = false;
        try {
          await this.reconcileOnce();
          this.state.reconciliations++;
          this.state.lastReconcileAt = this.now();
        } catch (err) {
          const e = await toBrokerError(err, 'the reconciliation');
          this.state.lastError = e.message;
          this.log.warn('alpaca reconcile failed; retrying on the next reconnect or request', { error: e.message });
        }
      } while (this.reconcileAgain && !this.stopped);
    })().finally(() => {
      this.reconcileRun = null;
    });
    this.reconcileRun = run;
    return run;
  }

  /** Brings the book in line with REST: every recent order, missed fills, positions, account. */
  private async reconcileOnce(): Promise<void> {
    this.holdingsChanged();
    const after = new Date(this.startedAt - 24 * 3600_000).toISOString();
    const [open, recent] = await Promise.all([
      this.rest('the open orders', () => this.#rest.orders.getAllOrders({ status: 'open', nested: true, limit: 500 })),
      this.rest('the recent orders', () => this.#rest.orders.getAllOrders({ status: 'all', nested: true, limit: 500, after, direction: 'desc' })),
    ]);
    const remote = new Map<string, trading.Order>();
    for (const o of [...recent, ...open]) for (const x of [o, ...((o.legs ?? []) as unknown as trading.Order[])]) remote.set(String(x.id), x);
    // Orders we hold as open that REST did not list (older than the window): ask one by one.
    for (const local of this.orderMap.values()) {
      if (!isOpen(local.status) || remote.has(local.id) || local.id.startsWith('alpaca-nta:')) continue;
      try {
        remote.set(local.id, await this.#rest.call('the order', () => this.#rest.orders.getOrderByOrderID({ orderId: local.id })));
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.log.warn('alpaca does not know an order optdesk holds as open', { orderId: local.id });
      }
    }
    const lagging = [...remote.values()].filter((o) => {
      const known = this.orderMap.get(String(o.id));
      return (known || !this.isHistory(o)) && qtyFromWire(o.filledQty) > (known?.filledQty ?? 0);
    });
    const activities = lagging.length ? await this.fillActivitiesSince(lagging) : [];
    for (const o of remote.values()) this.reconcileOrder(o, activities);
    await this.checkOptionEvents();
    await this.refreshHoldings();
  }

  private reconcileOrder(o: trading.Order, activities: Record<string, unknown>[]): void {
    const id = String(o.id);
    const prev = this.orderMap.get(id);
    const prevWire = this.wireMap.get(id);
    const remoteFilled = qtyFromWire(o.filledQty);
    const prevFilled = prev?.filledQty ?? 0;
    const time = (o.updatedAt ?? o.createdAt ?? new Date(this.now())).getTime();
    if (!prev) this.registerLegs(o);
    if (!prev && this.isHistory(o)) {
      // Placed before this process started and not remembered: listed, but its fills are
      // history (the store has them, or they predate optdesk), not news.
      this.absorb(o, null);
      return;
    }
    if (remoteFilled > prevFilled) {
      const fills = this.missedFills(o, prevWire, prevFilled, remoteFilled, activities, time);
      let cum = prevFilled;
      fills.forEach((f, i) => {
        cum += f.qty;
        const last = i === fills.length - 1;
        const snapshot = last ? o : ({ ...o, filledQty: String(cum), status: 'partially_filled' } as trading.Order);
        this.absorb(snapshot, { type: cum >= qtyFromWire(o.qty) ? 'fill' : 'partial_fill', fill: f, time: f.time });
      });
      const after = this.orderMap.get(id);
      if (after && after.status !== 'filled' && after.status !== 'partially_filled') {
        const type = STATUS_EVENT[after.status];
        if (type) this.emit({ kind: 'order', event: { type, order: after, time } });
      }
      return;
    }
    const mapped = orderFromAlpaca(o, this.accountName, this.meta.get(String(o.clientOrderId ?? '')), this.now());
    if (prev && prev.status === mapped.status) {
      this.wireMap.set(id, o);
      return;
    }
    const type = STATUS_EVENT[mapped.status] ?? (prev ? null : 'new');
    this.absorb(o, type ? { type, time } : null);
  }

  /** An order placed before this process started. */
  private isHistory(o: trading.Order): boolean {
    return (o.submittedAt ?? o.createdAt ?? new Date(0)).getTime() < this.startedAt;
  }

  /** The fills of `o` the stream did not deliver (see fill-history.ts), as optdesk Fills. */
  private missedFills(o: trading.Order, prevWire: trading.Order | undefined, fromQty: number, toQty: number, activities: Record<string, unknown>[], time: number): Fill[] {
    // Booked average: Alpaca's own string when we saw it, else a remembered order's average.
    const prevAvg = this.orderMap.get(String(o.id))?.avgFillPrice;
    const bookedAvgPrice = prevWire?.filledAvgPrice ?? (prevAvg === null || prevAvg === undefined ? null : priceToWire(prevAvg));
    const gap = { orderId: String(o.id), bookedQty: fromQty, bookedAvgPrice, filledQty: toQty, filledAvgPrice: o.filledAvgPrice };
    return missedExecutions(gap, activities, this.seenExecutions).map((x) => {
      if (x.fromAverage) this.log.warn('alpaca reconcile: fill rebuilt from the order average (no activity found)', { orderId: gap.orderId, qty: x.qty, price: x.price });
      return this.makeFill(o, x.id, x.qty, priceFromWireRounded(x.price), x.time ?? time);
    });
  }

  private async fillActivitiesSince(orders: trading.Order[]): Promise<Record<string, unknown>[]> {
    const earliest = Math.min(...orders.map((o) => (o.submittedAt ?? o.createdAt ?? new Date(this.startedAt)).getTime()));
    const out: Record<string, unknown>[] = [];
    let pageToken: string | undefined;
    for (let page = 0; page < 20; page++) {
      // Raw wire JSON: see activities() for why not the SDK's typed result.
      const list = await this.rest('the fill activities', async () => {
        const res = await this.#rest.activities.getAccountActivitiesByActivityTypeRaw({ activityType: 'FILL', after: new Date(earliest - 60_000), direction: 'asc', pageSize: 100, pageToken });
        return (await res.raw.json()) as Record<string, unknown>[];
      });
      out.push(...list);
      if (list.length < 100) break;
      pageToken = String(list[list.length - 1]?.id ?? '');
    }
    return out;
  }

  private holdingsRun: Promise<void> | null = null;
  private holdingsAgain = false;

  /** Single-flight positions/account push after fills; fills during a run cause one more. */
  private refreshHoldingsSoon(): void {
    if (this.stopped) return;
    if (this.holdingsRun) {
      this.holdingsAgain = true;
      return;
    }
    this.holdingsRun = (async () => {
      do {
        this.holdingsAgain = false;
        try {
          await this.refreshHoldings();
        } catch (err) {
          this.log.warn('alpaca positions refresh failed', { error: (await toBrokerError(err, 'the positions')).message });
        }
      } while (this.holdingsAgain && !this.stopped);
    })().finally(() => {
      this.holdingsRun = null;
    });
  }

  private lastPositions = new Map<string, number>();

  /** Pushes positions (and flat ones that closed) and the account to listeners. */
  private async refreshHoldings(): Promise<void> {
    const [positions, accounts] = await Promise.all([this.positions(), this.accounts()]);
    const seen = new Set<string>();
    for (const p of positions) {
      seen.add(p.symbol);
      if (this.lastPositions.get(p.symbol) !== p.qty) this.emit({ kind: 'position', position: p });
      this.lastPositions.set(p.symbol, p.qty);
    }
    for (const symbol of [...this.lastPositions.keys()]) {
      if (seen.has(symbol)) continue;
      this.lastPositions.delete(symbol);
      this.emit({ kind: 'position', position: { account: this.accountName, symbol, qty: 0 } });
    }
    for (const a of accounts) this.emit({ kind: 'account', account: a });
  }

  private async refreshOrder(orderId: string): Promise<Order | null> {
    try {
      const o = await this.#rest.call('the order', () => this.#rest.orders.getOrderByOrderID({ orderId, nested: true }));
      const prev = this.orderMap.get(orderId);
      if (prev && prev.filledQty < qtyFromWire(o.filledQty)) {
        this.reconcileOrder(o, await this.fillActivitiesSince([o]));
      } else {
        const mapped = orderFromAlpaca(o, this.accountName, this.meta.get(String(o.clientOrderId ?? '')), this.now());
        const type = prev && prev.status !== mapped.status ? STATUS_EVENT[mapped.status] : undefined;
        this.absorb(o, type ? { type, time: this.now() } : null);
      }
      return this.orderMap.get(orderId) ?? null;
    } catch (err) {
      if (isNotFound(err)) return null;
      throw await toBrokerError(err, 'the order');
    }
  }

  // ---- helpers -------------------------------------------------------------------

  private readonly snapshots = new Map<string, { at: number; gen: number; value: Promise<unknown> }>();
  private holdingsGen = 0;

  /**
   * Positions and account are read often (every risk check, every dashboard refresh) and
   * Alpaca allows ~200 requests a minute: a read is shared for `holdingsTtlMs`, and any
   * fill, order change or reconcile makes the next read fresh.
   */
  private cachedRead<T>(key: string, what: string, fn: () => Promise<T>): Promise<T> {
    const ttl = this.opts.holdingsTtlMs ?? 1_000;
    const hit = this.snapshots.get(key);
    if (hit && hit.gen === this.holdingsGen && Date.now() - hit.at < ttl) return hit.value as Promise<T>;
    const value = this.rest(what, fn);
    const entry = { at: Date.now(), gen: this.holdingsGen, value };
    this.snapshots.set(key, entry);
    value.catch(() => {
      if (this.snapshots.get(key) === entry) this.snapshots.delete(key);
    });
    return value;
  }

  private holdingsChanged(): void {
    this.holdingsGen++;
  }

  private async rest<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await this.#rest.call(what, fn);
    } catch (err) {
      throw await toBrokerError(err, what);
    }
  }

  private emit(event: BrokerEvent): void {
    this.outbox.push(event);
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Resolves with `check()`'s value once it is non-null (re-checked on every change), or null after `timeoutMs`; polls while the stream is down. */
  private waitFor<T>(check: () => T | null | undefined, timeoutMs: number, poll: () => Promise<unknown>): Promise<T | null> {
    return new Promise<T | null>((resolve) => {
      let settled = false;
      const finish = (v: T | null): void => {
        if (settled) return;
        settled = true;
        this.waiters.delete(onChange);
        this.timers.cancel(deadline);
        this.timers.cancel(poller);
        resolve(v);
      };
      const onChange = (): void => {
        const v = check();
        if (v) finish(v);
        else if (this.stopped) finish(null);
      };
      this.waiters.add(onChange);
      const deadline = this.timers.after(timeoutMs, () => finish(check() ?? null));
      let poller: Timer | undefined;
      const schedulePoll = (): void => {
        poller = this.timers.after(this.opts.pollMs ?? 1_000, () => {
          if (settled) return;
          const run = this.state.streamListening ? Promise.resolve() : poll().catch(() => undefined);
          void run.then(() => {
            onChange();
            if (!settled) schedulePoll();
          });
        });
      };
      schedulePoll();
      onChange();
    });
  }

  private checkAccount(account: string): void {
    if (account !== this.accountName) throw new BrokerError('unknown_account', `Account ${account} is not served by this Alpaca connection (it serves ${this.accountName}).`);
  }

  private requireOrder(id: string): Order {
    const o = this.orderMap.get(id);
    if (!o) throw new BrokerError('not_found', `Alpaca does not know order ${id}.`);
    return o;
  }
}

/** A REST/stream snapshot older than what we hold. */
function isStale(prev: Order, next: Order): boolean {
  if (next.filledQty < prev.filledQty) return true;
  if (next.filledQty > prev.filledQty) return false;
  if (isTerminal(prev.status) && !isTerminal(next.status)) return true;
  return next.updatedAt < prev.updatedAt;
}

function sameOrder(o: trading.Order, body: trading.PostOrderRequest): boolean {
  const eq = (a: string | null | undefined, b: string | undefined): boolean => (a ? wireDec(a) : null) === (b ? wireDec(b) : null);
  return o.symbol === body.symbol && o.side === body.side && o.type === body.type && wireDec(o.qty) === wireDec(body.qty) && eq(o.limitPrice, body.limitPrice) && eq(o.stopPrice, body.stopPrice);
}
