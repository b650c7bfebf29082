/**
 * PaperBroker — the embedded default broker. It trades against the active feed's quotes
 * (recorded NBBO in replay, pushed quotes live) on the feed's clock, keeps its books in
 * the store (every fill with its order, position and account in one transaction) and
 * reports Alpaca-shaped order events.
 *
 * Fill rules (issue #9):
 * - an order marketable on arrival fills at the opposite quote (buy at the ask, sell at
 *   the bid); a resting limit fills at its limit once the opposite quote reaches it;
 * - stops trigger on the ask (buy) / bid (sell), then act as market (stop) or limit
 *   (stop_limit) from that quote on;
 * - market orders fill at the opposite quote plus `slippage` (minus for sells);
 * - a fill takes at most the quoted size (partial fills); several orders on one quote
 *   share its size in time priority; an unknown size does not cap;
 * - orders become active `latencyMs` after they are accepted;
 * - options need the cash (premium × 100 × qty + fees); no short sales unless allowed;
 *   a sell may not exceed the position minus what other working sells hold (Alpaca's
 *   "held_for_orders" rule), so exits behave the same here as at Alpaca;
 * - at the close of an option's expiration session (13:00 on early closes) its working
 *   orders expire and its position settles: out of the money at 0, in the money at
 *   intrinsic value against the underlying's last price — both fills with a reason;
 * - day orders expire at the close (after-hours close for extended-hours stock orders);
 * - orders with `barFill` (a strategy's stock orders) fill on the minute bars carried by the
 *   stock quotes, by the backtester's rules (../bar-fills.ts): at the open of the first
 *   minute starting at/after the order, with the bracket's stop/target checked on every
 *   minute from the entry's own on. They never fill on quotes, and may sell short.
 *
 * Time: `advanceTo(t)` evaluates every quote between the last evaluated instant and `t`,
 * in order, with the time events (activations, closes, alarms) interleaved — so a replay
 * jump never skips a fill. Listeners' promises are awaited between steps, so an exit placed
 * in reaction to a fill is placed at the fill's instant.
 */
import { randomUUID } from 'node:crypto';
import { nextSession, nyDate, sessionOn } from '../../calendar/index.js';
import type { IsoDate } from '../../core/types.js';
import { parseOptionTicker, tryParseOptionTicker } from '../../options/occ.js';
import type { TradingRepository } from '../../store/trading.js';
import { ALPACA_FEES, type FeeTable, feesFor, NO_FEES } from '../fees.js';
import { bracketExit, lateEntryWhy, resolveEntry } from '../bar-fills.js';
import { applyFill, marketValue } from '../ledger.js';
import { formatCents, formatPrice, notional, quotePrice, roundHalfAway } from '../money.js';
import { assetClassOf, newClientOrderId, newOrder, withEvent, withFill } from '../order.js';
import { isOpen } from '../state.js';
import {
  type Account,
  type ApprovedIntent,
  type Broker,
  BrokerError,
  type BrokerEvent,
  type BrokerListener,
  type Cents,
  type Fill,
  type FillReason,
  type Order,
  type OrderEventType,
  type OrderFilter,
  type Position,
  type Price,
  type ReplaceRequest,
} from '../types.js';
import type { PaperMarket, PaperQuote } from './market.js';

export interface PaperAccountSeed {
  name: string;
  /** Starting cash, cents. */
  cash: Cents;
}

/** Something that wants to act at instants of the broker's clock (the 0-DTE flatten). */
export interface AlarmSource {
  /** The next instant > `after` it wants to act at, or null. */
  nextAlarm(after: number): number | null;
  fire(at: number): void | Promise<unknown>;
}

export interface PaperBrokerOptions {
  repo: TradingRepository;
  market: PaperMarket;
  /** The feed's clock (replay clock or wall clock). */
  now: () => number;
  fees?: FeeTable;
  /** Price units added to a market buy's ask / taken off a market sell's bid. Default 0. */
  slippage?: Price;
  /** Milliseconds between accepting an order and its arrival at the market. Default 0. */
  latencyMs?: number;
  /** Allow selling what the account does not hold. Default false (long options only). */
  allowShort?: boolean;
  /** Accounts created on first start (default: `paper` with $100,000). */
  accounts?: PaperAccountSeed[];
}

export const DEFAULT_PAPER_ACCOUNTS: readonly PaperAccountSeed[] = [{ name: 'paper', cash: 100_000_00 }];

const PROCESSED_KEY = 'paper.processedUntil';
const WORKING = new Set(['new', 'partially_filled']);
/** A runaway guard: no single advance should need more time events than this. */
const MAX_EVENTS_PER_ADVANCE = 1_000_000;

interface SizeLeft {
  bid: number;
  ask: number;
}

export class PaperBroker implements Broker {
  readonly kind = 'paper' as const;
  private readonly repo: TradingRepository;
  private readonly market: PaperMarket;
  private readonly clock: () => number;
  private readonly fees: FeeTable;
  private readonly slippage: Price;
  private readonly latency: number;
  private readonly allowShort: boolean;
  private readonly books = new Map<string, Account>();
  private readonly open = new Map<string, Order>();
  private readonly positionsByKey = new Map<string, Position>();
  private readonly listeners = new Set<BrokerListener>();
  private readonly quoteListeners = new Set<(q: PaperQuote) => void | Promise<unknown>>();
  private readonly alarms = new Set<AlarmSource>();
  /** The instant each alarm source last fired: an alarm fires once, not again on every step after it. */
  private readonly alarmFired = new Map<AlarmSource, number>();
  private readonly pending: Promise<unknown>[] = [];
  /** Quote size already taken by earlier orders, per quote. */
  private readonly taken = new WeakMap<PaperQuote, SizeLeft>();
  /** Quotes up to here have been evaluated; null until the feed's clock is first seen. */
  private processed: number | null;
  private time: number;
  private advancing = false;
  private chain: Promise<void> = Promise.resolve();
  private symbolsVersion = 0;
  /** Counters for tests and the bench. */
  readonly counters = { quotesEvaluated: 0, fills: 0 };

  constructor(options: PaperBrokerOptions) {
    this.repo = options.repo;
    this.market = options.market;
    this.clock = options.now;
    this.fees = options.fees ?? ALPACA_FEES;
    this.slippage = options.slippage ?? 0;
    this.latency = options.latencyMs ?? 0;
    this.allowShort = options.allowShort ?? false;

    for (const a of this.repo.accounts()) if (a.broker === 'paper') this.books.set(a.name, a);
    const now = this.clock();
    for (const seed of options.accounts ?? DEFAULT_PAPER_ACCOUNTS) {
      if (this.books.has(seed.name)) continue;
      const account: Account = {
        name: seed.name, broker: 'paper', mode: 'paper', cash: seed.cash, buyingPower: seed.cash, equity: seed.cash,
        startOfDayEquity: seed.cash, dayPnl: 0, dayRealizedPnl: 0, dayFees: 0, totalFees: 0, tradingDay: nyDate(now), updatedAt: now,
      };
      this.books.set(seed.name, account);
      this.repo.saveAccount(account);
    }
    for (const o of this.repo.orders(true)) if (this.books.has(o.account)) this.open.set(o.id, o);
    for (const p of this.repo.positions()) if (this.books.has(p.account)) this.positionsByKey.set(key(p.account, p.symbol), p);
    // A feed that has not started yet reports no meaningful time: start at the first advance.
    this.processed = this.repo.getState<number>(PROCESSED_KEY) ?? null;
    this.time = this.processed ?? now;
  }

  // ───────────────────────────── Broker ─────────────────────────────

  accountNames(): string[] {
    return [...this.books.keys()];
  }

  async submit(intent: ApprovedIntent): Promise<Order> {
    const book = this.book(intent.account);
    const existing = this.repo.orderByClientId(intent.account, intent.clientOrderId);
    if (existing) {
      if (existing.symbol === intent.symbol && existing.side === intent.side && existing.qty === intent.qty && existing.type === intent.type) {
        return this.latest(existing.id);
      }
      throw new BrokerError('duplicate_client_order_id', `client order id ${intent.clientOrderId} is already used by order ${existing.id} (${existing.side} ${existing.qty} ${existing.symbol})`);
    }
    const at = this.currentTime();
    const option = tryParseOptionTicker(intent.symbol);
    if (option && intent.barFill) throw new BrokerError('rejected', `${intent.symbol}: bar-rule fills are for stocks (options fill on their quotes)`);
    if (option) {
      const session = sessionOn(option.expiration) ?? null;
      if (session && at >= session.close) throw new BrokerError('rejected', `${intent.symbol} expired at the close of ${option.expiration}`);
      if (intent.extendedHours) throw new BrokerError('rejected', 'options trade in regular hours only: extended hours is for stocks');
    }
    await this.market.prepare(intent.symbol, nyDate(at));
    this.checkQuantityAvailable(intent);
    this.checkFunds(intent, book, at);

    const order = newOrder(`po_${randomUUID()}`, intent, at);
    this.repo.saveOrder(order);
    this.open.set(order.id, order);
    this.symbolsVersion++;
    this.emitOrder('accepted', order);
    if (!this.advancing && this.latency === 0) this.activate(order.id);
    return this.latest(order.id);
  }

  async cancel(account: string, orderId: string): Promise<Order> {
    this.book(account);
    const order = this.open.get(orderId);
    if (!order || order.account !== account) {
      const closed = this.repo.order(orderId);
      if (!closed || closed.account !== account) throw new BrokerError('not_found', `no order ${orderId} in account ${account}`);
      throw new BrokerError('not_cancelable', `order ${orderId} is already ${closed.status}`);
    }
    return this.closeOrder(order, 'canceled', order.reason ?? undefined);
  }

  async replace(account: string, orderId: string, changes: ReplaceRequest): Promise<Order> {
    this.book(account);
    const old = this.open.get(orderId);
    if (!old || old.account !== account) throw new BrokerError('not_found', `no open order ${orderId} in account ${account}`);
    if (!WORKING.has(old.status)) {
      throw new BrokerError('not_replaceable', `order ${orderId} is ${old.status}; it can be replaced once it is working`);
    }
    const qty = changes.qty ?? old.qty - old.filledQty;
    const intent: ApprovedIntent = {
      account, symbol: old.symbol, side: old.side, qty, type: old.type,
      ...(changes.limitPrice ?? old.limitPrice) !== null ? { limitPrice: (changes.limitPrice ?? old.limitPrice)! } : {},
      ...(changes.stopPrice ?? old.stopPrice) !== null ? { stopPrice: (changes.stopPrice ?? old.stopPrice)! } : {},
      timeInForce: changes.timeInForce ?? old.timeInForce,
      clientOrderId: changes.clientOrderId ?? newClientOrderId(),
      role: old.role, ...(old.parentId ? { parentId: old.parentId } : {}),
      ...(old.exits?.takeProfit ? { takeProfit: old.exits.takeProfit } : {}),
      ...(old.exits?.stopLoss ? { stopLoss: old.exits.stopLoss } : {}),
      extendedHours: old.extendedHours, source: old.source,
      approval: { decisionId: 'replace', at: this.currentTime() },
    };
    if (!Number.isSafeInteger(qty) || qty <= 0) throw new BrokerError('rejected', `qty must be a positive whole number, got ${qty}`);
    this.checkQuantityAvailable(intent, old.id);
    const at = this.currentTime();
    const replacement = { ...newOrder(`po_${randomUUID()}`, intent, at), replaces: old.id, triggered: old.triggered };
    const replaced = { ...withEvent(old, 'replaced', at), replacedBy: replacement.id };
    this.repo.transaction(() => {
      this.repo.saveOrder(replaced);
      this.repo.saveOrder(replacement);
    });
    this.open.delete(old.id);
    this.open.set(replacement.id, replacement);
    this.emitOrder('replaced', replaced);
    this.emitOrder('accepted', replacement);
    if (!this.advancing && this.latency === 0) this.activate(replacement.id);
    return this.latest(replacement.id);
  }

  async order(account: string, orderId: string): Promise<Order | null> {
    const o = this.open.get(orderId) ?? this.repo.order(orderId);
    return o && o.account === account ? o : null;
  }

  async orderByClientId(account: string, clientOrderId: string): Promise<Order | null> {
    const o = this.repo.orderByClientId(account, clientOrderId);
    return o ? this.latest(o.id) : null;
  }

  async orders(filter: OrderFilter = {}): Promise<Order[]> {
    const status = filter.status ?? 'all';
    const list = status === 'open' ? [...this.open.values()] : this.repo.orders(false).map((o) => this.open.get(o.id) ?? o);
    return list.filter((o) =>
      this.books.has(o.account) &&
      (!filter.account || o.account === filter.account) &&
      (!filter.symbol || o.symbol === filter.symbol) &&
      (status === 'all' || (status === 'open') === isOpen(o.status)));
  }

  async fills(filter: { account?: string; orderId?: string; symbol?: string } = {}): Promise<Fill[]> {
    return this.repo.fills(filter.orderId).filter((f) =>
      this.books.has(f.account) && (!filter.account || f.account === filter.account) && (!filter.symbol || f.symbol === filter.symbol));
  }

  async positions(account?: string): Promise<Position[]> {
    return [...this.positionsByKey.values()].filter((p) => !account || p.account === account);
  }

  async accounts(): Promise<Account[]> {
    return [...this.books.keys()].map((name) => this.accountView(name));
  }

  onEvent(listener: BrokerListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ───────────────────────────── paper-only API ─────────────────────────────

  /** Quotes the matching loop evaluated, in order (the exit manager watches stops on them). */
  onQuote(listener: (q: PaperQuote) => void | Promise<unknown>): () => void {
    this.quoteListeners.add(listener);
    return () => this.quoteListeners.delete(listener);
  }

  addAlarmSource(source: AlarmSource): () => void {
    this.alarms.add(source);
    return () => {
      this.alarms.delete(source);
      this.alarmFired.delete(source);
    };
  }

  /** The instant up to which quotes have been evaluated. */
  processedUntil(): number | null {
    return this.processed;
  }

  /** The broker's own notion of "now": the instant being evaluated during an advance. */
  currentTime(): number {
    return this.advancing ? this.time : Math.max(this.clock(), this.processed ?? 0);
  }

  hasWorkingOrders(): boolean {
    return this.open.size > 0;
  }

  /** The latest quote of a symbol at the broker's time (for marks and the API). */
  quote(symbol: string): PaperQuote | null {
    return this.market.quoteAt(symbol, this.currentTime());
  }

  /** Like `quote`, loading the symbol's recorded quotes first if needed. */
  async quoteNow(symbol: string): Promise<PaperQuote | null> {
    const at = this.currentTime();
    await this.market.prepare(symbol, nyDate(at));
    return this.market.quoteAt(symbol, at);
  }

  /** Mid of the latest quote, else its one side, else null. */
  mark(symbol: string, at = this.currentTime()): Price | null {
    const q = this.market.quoteAt(symbol, at);
    if (!q) return null;
    if (q.bid !== null && q.ask !== null) return roundHalfAway((q.bid + q.ask) / 2);
    return q.bid ?? q.ask;
  }

  /**
   * Evaluates every quote and time event up to `to`, in order. Calls are serialized; a
   * `to` at or before the last evaluated instant does nothing.
   */
  advanceTo(to: number): Promise<void> {
    const run = this.chain.then(() => this.advance(to));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * The feed's clock jumped (replay reset). With no working order the broker follows it
   * (forward with positions held it walks the gap on the next advance, so expirations
   * settle); with working orders it keeps its clock (they wait until the feed passes it)
   * and says so — the API refuses such jumps in the first place.
   */
  followReset(now: number): { followed: boolean; message?: string } {
    if (this.open.size > 0) {
      return { followed: false, message: `the paper broker keeps its clock at ${new Date(this.processed ?? now).toISOString()} while ${this.open.size} order(s) work` };
    }
    // Forward with positions held: jumping the clock would skip their time events (an
    // expiration settling at the close, the 0-DTE flatten). The next advance walks the gap
    // in order instead, exactly as if the replay had played through it.
    if (this.positionsByKey.size > 0 && this.processed !== null && now > this.processed) return { followed: true };
    this.processed = now;
    this.time = now;
    this.repo.setState(PROCESSED_KEY, now);
    return { followed: true };
  }

  /** Resolves once pending advances and listener reactions are done (tests, shutdown). */
  async idle(): Promise<void> {
    await this.chain;
    await this.settle();
  }

  // ───────────────────────────── the matching loop ─────────────────────────────

  private async advance(to: number): Promise<void> {
    if (this.processed === null) {
      // First sight of the clock: evaluate from the oldest working order, if any, else from now.
      let from = to;
      for (const o of this.open.values()) from = Math.min(from, o.createdAt);
      this.processed = from;
    }
    if (to <= this.processed) return;
    await this.prepareThrough(to);
    this.time = this.processed;
    this.advancing = true;
    try {
      let version = this.symbolsVersion;
      let quotes = this.market.quotesBetween(this.activeSymbols(), this.processed, to);
      let i = 0;
      for (let guard = 0; guard < MAX_EVENTS_PER_ADVANCE; guard++) {
        const q = quotes[i];
        const bound = q ? q.ts : to;
        const due = this.nextTimeEvent(bound);
        if (due) {
          this.time = Math.max(this.time, due.at);
          this.rollDays();
          await due.run();
          await this.settle();
        } else if (q) {
          this.time = Math.max(this.time, q.ts);
          this.rollDays();
          this.evaluateQuote(q);
          i++;
          for (const l of this.quoteListeners) this.track(l(q));
          await this.settle();
        } else {
          break;
        }
        if (version !== this.symbolsVersion) {
          // New symbols (an order on another contract): evaluate their quotes from here on too.
          version = this.symbolsVersion;
          await this.prepareThrough(to);
          quotes = this.market.quotesBetween(this.activeSymbols(), this.time, to);
          i = 0;
        }
      }
      this.time = Math.max(this.time, to);
      this.processed = this.time;
      this.rollDays();
      this.repo.setState(PROCESSED_KEY, this.processed);
    } finally {
      this.advancing = false;
    }
  }

  /** Loads quotes for every symbol the loop will look at, for each trading day up to `to`. */
  private async prepareThrough(to: number): Promise<void> {
    const dates = datesBetween(nyDate(this.processed ?? to), nyDate(to));
    const work: Promise<void>[] = [];
    for (const symbol of this.activeSymbols()) for (const d of dates) work.push(this.market.prepare(symbol, d));
    await Promise.all(work);
  }

  private activeSymbols(): string[] {
    const set = new Set<string>();
    for (const o of this.open.values()) set.add(o.symbol);
    for (const p of this.positionsByKey.values()) set.add(p.symbol);
    return [...set];
  }

  /** The earliest time event at or before `bound`, if any. */
  private nextTimeEvent(bound: number): { at: number; run: () => void | Promise<unknown> } | null {
    let best: { at: number; run: () => void | Promise<unknown> } | null = null;
    const consider = (at: number, run: () => void | Promise<unknown>): void => {
      if (at <= bound && (!best || at < best.at)) best = { at, run };
    };
    for (const o of this.open.values()) {
      if (o.status === 'accepted') consider(o.createdAt + this.latency, () => this.activate(o.id));
      const expiry = orderExpiry(o);
      if (expiry !== null) consider(expiry.at, () => this.expireOrder(o.id, expiry.reason));
    }
    for (const p of this.positionsByKey.values()) {
      const option = tryParseOptionTicker(p.symbol);
      const close = option ? sessionOn(option.expiration)?.close : undefined;
      if (close !== undefined) consider(close, () => this.settleExpiration(p, close));
    }
    for (const source of this.alarms) {
      // `time - 1`: an alarm due exactly now still fires; one that already fired does not again.
      const at = source.nextAlarm(Math.max(this.time - 1, this.alarmFired.get(source) ?? -Infinity));
      if (at !== null) {
        consider(at, () => {
          this.alarmFired.set(source, at);
          return source.fire(at);
        });
      }
    }
    return best;
  }

  /** An accepted order reaches the market: `new`, then it meets the current quote. */
  private activate(orderId: string): void {
    const o = this.open.get(orderId);
    if (!o || o.status !== 'accepted') return;
    const live = this.transitionAndSave(o, 'new');
    if (live.barFill) return; // fills on the next minutes' bars, never on the quote it arrives at
    const q = this.market.quoteAt(o.symbol, this.currentTime());
    if (q) this.evaluate(live, q, true);
  }

  private evaluateQuote(q: PaperQuote): void {
    this.counters.quotesEvaluated++;
    if (q.bar) this.evaluateBar(q.symbol, q.bar);
    const candidates = [...this.open.values()].filter((o) => o.symbol === q.symbol && WORKING.has(o.status) && !o.barFill);
    for (const c of candidates) {
      const o = this.open.get(c.id);
      // Only quotes after the order reached the market (its arrival quote was already met).
      if (!o || !WORKING.has(o.status) || q.ts <= o.createdAt + this.latency) continue;
      this.evaluate(o, q, false);
    }
  }

  /** Meets one order with one quote: trigger, marketability, size, cash, position. */
  private evaluate(order: Order, q: PaperQuote, arrival: boolean): void {
    let o = order;
    const buy = o.side === 'buy';
    if ((o.type === 'stop' || o.type === 'stop_limit') && !o.triggered) {
      const hit = buy ? q.ask !== null && q.ask >= o.stopPrice! : q.bid !== null && q.bid <= o.stopPrice!;
      if (!hit) return;
      o = { ...o, triggered: true, updatedAt: this.currentTime() };
      this.repo.saveOrder(o);
      this.open.set(o.id, o);
      arrival = true; // the triggered order arrives as a market / limit order at this quote
    }
    const opposite = buy ? q.ask : q.bid;
    if (opposite === null) return;
    let price: Price;
    if (o.type === 'market' || o.type === 'stop') {
      price = buy ? opposite + this.slippage : Math.max(0, opposite - this.slippage);
    } else {
      const limit = o.limitPrice!;
      if (buy ? opposite > limit : opposite < limit) return;
      price = arrival ? opposite : limit;
    }
    const size = this.sizeLeft(q);
    let qty = Math.min(o.qty - o.filledQty, buy ? size.ask : size.bid);
    if (qty <= 0) return;
    qty = this.capByBooks(o, qty, price);
    if (qty <= 0) return;
    if (buy) size.ask -= qty;
    else size.bid -= qty;
    this.fill(o, qty, price, 'execution', null);
  }

  /**
   * One closed minute against the bar-rule orders of its symbol: market orders placed before
   * it started fill at its open (an entry's bracket is then armed and checked on this same
   * minute), then each bracket's stop/target. Fills are stamped at the minute's start.
   */
  private evaluateBar(symbol: string, bar: NonNullable<PaperQuote['bar']>): void {
    const working = (o: Order) => o.symbol === symbol && o.barFill !== undefined && WORKING.has(o.status);
    for (const o of [...this.open.values()]) {
      if (working(o) && o.role !== 'take_profit' && o.role !== 'stop_loss' && bar.start >= o.createdAt) this.fillAtOpen(o, bar);
    }
    const parents = new Set<string>();
    for (const o of this.open.values()) if (working(o) && o.parentId && (o.role === 'take_profit' || o.role === 'stop_loss')) parents.add(o.parentId);
    for (const parentId of parents) this.checkBracket(parentId, bar);
  }

  private fillAtOpen(o: Order, bar: NonNullable<PaperQuote['bar']>): void {
    const spec = o.barFill!;
    const side = o.side === 'buy' ? 'long' : 'short';
    if (spec.notAfter !== undefined && bar.start >= spec.notAfter) {
      this.closeOrder(o, 'canceled', lateEntryWhy(spec.notAfter));
      return;
    }
    const levels = spec.bracket ? resolveEntry(side, bar.open, spec.bracket) : null;
    if (levels && !levels.ok) {
      this.closeOrder(o, 'canceled', levels.why);
      return;
    }
    const price = quotePrice(bar.open);
    const qty = this.capByBooks(o, o.qty - o.filledQty, price);
    if (qty <= 0) return;
    this.fill(o, qty, price, 'execution', null, bar.start);
    if (!levels?.ok) return;
    const exitSide = o.side === 'buy' ? 'sell' : 'buy';
    const child = (role: 'stop_loss' | 'take_profit', suffix: string, extra: Partial<ApprovedIntent>): void => {
      const intent: ApprovedIntent = {
        account: o.account, symbol: o.symbol, side: exitSide, qty, type: role === 'stop_loss' ? 'stop' : 'limit', timeInForce: 'day',
        clientOrderId: `${o.clientOrderId}-${suffix}`.slice(0, 128), role, parentId: o.id, source: o.source,
        barFill: { stop: levels.stop, target: levels.target }, approval: { decisionId: `bracket:${o.id}`, at: bar.start }, ...extra,
      };
      const order = newOrder(`po_${randomUUID()}`, intent, bar.start);
      this.repo.saveOrder(order);
      this.open.set(order.id, order);
      this.emitOrder('accepted', order);
      this.transitionAndSave(order, 'new');
    };
    child('stop_loss', 'sl', { stopPrice: quotePrice(levels.stop) });
    if (levels.target !== null) child('take_profit', 'tp', { limitPrice: quotePrice(levels.target) });
    this.symbolsVersion++;
  }

  /** A bracket's stop and target against one minute: the one that fills ends the other. */
  private checkBracket(parentId: string, bar: NonNullable<PaperQuote['bar']>): void {
    const legs = [...this.open.values()].filter((o) => o.parentId === parentId && o.barFill && WORKING.has(o.status));
    const first = legs[0];
    if (!first) return;
    const side = first.side === 'sell' ? 'long' : 'short';
    const exit = bracketExit(side, first.barFill!.stop!, first.barFill!.target ?? null, bar.open, bar.high, bar.low);
    if (!exit) return;
    const leg = legs.find((o) => o.role === (exit.reason === 'stop' ? 'stop_loss' : 'take_profit'));
    if (!leg) return;
    for (const other of legs) if (other !== leg) this.closeOrder(other, 'canceled', `one-cancels-other: the ${exit.reason === 'stop' ? 'stop' : 'target'} filled`);
    this.fill(leg, leg.qty - leg.filledQty, quotePrice(exit.price), 'execution', null, bar.start);
  }

  private sizeLeft(q: PaperQuote): SizeLeft {
    let left = this.taken.get(q);
    if (!left) {
      left = { bid: q.bidSize ?? Infinity, ask: q.askSize ?? Infinity };
      this.taken.set(q, left);
    }
    return left;
  }

  /** Buys need the cash; sells need the position (unless shorting is allowed). Cancels with a reason when nothing can trade. */
  private capByBooks(o: Order, qty: number, price: Price): number {
    if (o.side === 'buy') {
      const cash = this.book(o.account).cash;
      const cost = (n: number): number => notional(price, n, o.assetClass) + feesFor(this.fees, o.assetClass, 'buy', n, price).total;
      let n = qty;
      while (n > 0 && cost(n) > cash) n--;
      if (n <= 0) this.closeOrder(o, 'canceled', `not enough cash to buy 1 ${o.symbol} at ${formatPrice(price)}: it costs ${formatCents(cost(1))}, the account has ${formatCents(cash)}`);
      return n;
    }
    if (this.allowShort || o.barFill) return qty;
    const held = this.positionsByKey.get(key(o.account, o.symbol))?.qty ?? 0;
    const n = Math.min(qty, Math.max(0, held));
    if (n <= 0) this.closeOrder(o, 'canceled', `nothing left to sell: the account holds no ${o.symbol}`);
    return n;
  }

  private fill(o: Order, qty: number, price: Price, reason: FillReason, note: string | null, time = this.currentTime()): Fill {
    const fees = reason === 'execution' ? feesFor(this.fees, o.assetClass, o.side, qty, price) : { ...NO_FEES };
    const fill: Fill = {
      id: `pf_${randomUUID()}`, orderId: o.id, account: o.account, symbol: o.symbol, side: o.side, qty, price,
      time, fees, reason, note,
    };
    this.rollDays();
    const { order, type } = withFill(o, fill);
    const k = key(o.account, o.symbol);
    const ledger = applyFill(this.positionsByKey.get(k) ?? null, fill, o.assetClass);
    const book = this.book(o.account);
    const account: Account = {
      ...book,
      cash: book.cash + ledger.cashDelta,
      dayRealizedPnl: book.dayRealizedPnl + ledger.realized,
      dayFees: book.dayFees + fees.total,
      totalFees: book.totalFees + fees.total,
      updatedAt: fill.time,
    };
    this.repo.transaction(() => {
      this.repo.insertFill(fill);
      this.repo.saveOrder(order);
      if (ledger.position) this.repo.savePosition(ledger.position);
      else this.repo.deletePosition(o.account, o.symbol);
      this.repo.saveAccount(account);
      // Mid-advance, resume just before this instant after a crash: re-meeting a quote is
      // harmless (the order's filled quantity is stored with this fill), skipping one is not.
      if (this.processed !== null) this.repo.setState(PROCESSED_KEY, this.advancing ? this.time - 1 : this.processed);
    });
    this.counters.fills++;
    this.books.set(o.account, account);
    if (isOpen(order.status)) this.open.set(order.id, order);
    else this.open.delete(order.id);
    if (ledger.position) this.positionsByKey.set(k, ledger.position);
    else this.positionsByKey.delete(k);
    const positionQty = ledger.position?.qty ?? 0;
    this.emit({ kind: 'order', event: { type, order, fill, positionQty, time: fill.time } });
    this.emit({ kind: 'position', position: ledger.position ?? { account: o.account, symbol: o.symbol, qty: 0 } });
    this.emit({ kind: 'account', account: this.accountView(o.account) });
    return fill;
  }

  private expireOrder(orderId: string, reason: string): void {
    const o = this.open.get(orderId);
    if (o) this.closeOrder(o, 'expired', reason);
  }

  /**
   * Settles an option position at its expiration close: its working orders expire, then a
   * synthetic `expiry` order closes it at intrinsic value (0 when out of the money).
   */
  private settleExpiration(p: Position, close: number): void {
    const contract = parseOptionTicker(p.symbol);
    for (const o of [...this.open.values()]) {
      if (o.symbol === p.symbol) this.closeOrder(o, 'expired', `${p.symbol} expired at the close of ${contract.expiration}`);
    }
    const current = this.positionsByKey.get(key(p.account, p.symbol));
    if (!current) return;
    const last = this.market.lastPrice(contract.underlying, close);
    let price: Price;
    let note: string;
    const strike = Math.round(contract.strike * 10_000);
    if (last === null) {
      price = this.mark(p.symbol, close) ?? 0;
      note = `expired; no ${contract.underlying} price at the close, settled at the option's last mark`;
    } else {
      price = Math.max(0, contract.right === 'call' ? last - strike : strike - last);
      note = price > 0
        ? `expired in the money: ${contract.underlying} last ${last / 10_000}, strike ${contract.strike}, settled at intrinsic ${price / 10_000}`
        : `expired out of the money: ${contract.underlying} last ${last / 10_000}, strike ${contract.strike}`;
    }
    const reason: FillReason = price > 0 ? 'expiration_itm' : 'expiration_otm';
    const side = current.qty > 0 ? 'sell' : 'buy';
    const intent: ApprovedIntent = {
      account: p.account, symbol: p.symbol, side, qty: Math.abs(current.qty), type: 'market', timeInForce: 'day',
      clientOrderId: `expiry-${p.account}-${p.symbol}-${contract.expiration}`, role: 'expiry', source: 'system:expiration',
      approval: { decisionId: 'expiration', at: close },
    };
    let order = newOrder(`po_${randomUUID()}`, intent, this.currentTime());
    this.repo.saveOrder(order);
    this.open.set(order.id, order);
    this.emitOrder('accepted', order);
    order = this.transitionAndSave(order, 'new');
    this.fill(order, order.qty, price, reason, note);
  }

  private closeOrder(o: Order, type: 'canceled' | 'expired', reason?: string): Order {
    const closed = withEvent(o, type, this.currentTime(), reason);
    this.repo.saveOrder(closed);
    this.open.delete(o.id);
    this.symbolsVersion++;
    this.emitOrder(type, closed);
    return closed;
  }

  private transitionAndSave(o: Order, type: 'new'): Order {
    const next = withEvent(o, type, this.currentTime());
    this.repo.saveOrder(next);
    this.open.set(next.id, next);
    this.emitOrder(type, next);
    return next;
  }

  /** New trading day: day figures restart from the equity at the first event of the day. */
  private rollDays(): void {
    const now = this.currentTime();
    const today = nyDate(now);
    for (const [name, book] of this.books) {
      if (book.tradingDay >= today) continue;
      const view = this.accountView(name);
      const rolled = { ...book, tradingDay: today, startOfDayEquity: view.equity, dayRealizedPnl: 0, dayFees: 0, updatedAt: now };
      this.books.set(name, rolled);
      this.repo.saveAccount(rolled);
    }
  }

  private accountView(name: string): Account {
    const book = this.book(name);
    const at = this.currentTime();
    let positionsValue = 0;
    for (const p of this.positionsByKey.values()) {
      if (p.account !== name) continue;
      const mark = this.mark(p.symbol, at);
      positionsValue += mark === null ? p.costBasis : marketValue(p, mark);
    }
    let reserved = 0;
    for (const o of this.open.values()) {
      if (o.account !== name || o.side !== 'buy') continue;
      reserved += this.reserveFor(o.symbol, o.assetClass, o.qty - o.filledQty, o.limitPrice ?? o.stopPrice, at);
    }
    const equity = book.cash + positionsValue;
    return { ...book, equity, buyingPower: book.cash - reserved, dayPnl: equity - book.startOfDayEquity };
  }

  /** Cash a buy of `qty` needs: at its limit (or stop), else at the current ask; plus fees. */
  private reserveFor(symbol: string, assetClass: Order['assetClass'], qty: number, price: Price | null, at: number): Cents {
    const p = price ?? this.market.quoteAt(symbol, at)?.ask ?? null;
    if (p === null) return 0;
    const withSlip = price === null ? p + this.slippage : p;
    return notional(withSlip, qty, assetClass) + feesFor(this.fees, assetClass, 'buy', qty, withSlip).total;
  }

  private checkFunds(intent: ApprovedIntent, book: Account, at: number): void {
    if (intent.side !== 'buy') return;
    const assetClass = assetClassOf(intent.symbol);
    const price = intent.type === 'limit' || intent.type === 'stop_limit' ? intent.limitPrice ?? null : intent.type === 'stop' ? intent.stopPrice ?? null : null;
    if (price === null && !this.market.quoteAt(intent.symbol, at)?.ask) {
      throw new BrokerError('rejected', `no ask for ${intent.symbol} at this time: a market buy needs a quote`);
    }
    const need = this.reserveFor(intent.symbol, assetClass, intent.qty, price, at);
    const available = this.accountView(book.name).buyingPower;
    if (need > available) {
      throw new BrokerError('insufficient_funds', `insufficient buying power: the order needs $${(need / 100).toFixed(2)} (premium × multiplier × qty + fees), the account has $${(available / 100).toFixed(2)}`);
    }
  }

  /** Alpaca's rule: a sell may cover at most the position minus what other working sells hold. */
  private checkQuantityAvailable(intent: ApprovedIntent, ignoreOrderId?: string): void {
    if (intent.side !== 'sell' || this.allowShort || intent.barFill) return;
    const held = this.positionsByKey.get(key(intent.account, intent.symbol))?.qty ?? 0;
    let heldForOrders = 0;
    for (const o of this.open.values()) {
      if (o.id !== ignoreOrderId && o.account === intent.account && o.symbol === intent.symbol && o.side === 'sell') heldForOrders += o.qty - o.filledQty;
    }
    const available = Math.max(0, held - heldForOrders);
    if (intent.qty > available) {
      throw new BrokerError('insufficient_qty', `insufficient qty available for order (requested: ${intent.qty}, available: ${available}): ${held} held, ${heldForOrders} held_for_orders; short selling is off`);
    }
  }

  private book(name: string): Account {
    const b = this.books.get(name);
    if (!b) throw new BrokerError('unknown_account', `no paper account named ${name} (accounts: ${[...this.books.keys()].join(', ')})`);
    return b;
  }

  private latest(id: string): Order {
    return this.open.get(id) ?? this.repo.order(id)!;
  }

  private emitOrder(type: OrderEventType, order: Order): void {
    this.emit({ kind: 'order', event: { type, order, time: this.currentTime() } });
  }

  private emit(event: BrokerEvent): void {
    for (const l of this.listeners) {
      try {
        this.track(l(event));
      } catch {
        // A listener's bug must not break the books.
      }
    }
  }

  private track(result: void | Promise<unknown>): void {
    if (result && typeof (result as Promise<unknown>).then === 'function') this.pending.push((result as Promise<unknown>).catch(() => undefined));
  }

  private async settle(): Promise<void> {
    while (this.pending.length) await Promise.all(this.pending.splice(0));
  }
}

function key(account: string, symbol: string): string {
  return `${account}\u0000${symbol}`;
}

/** Trading days from `from` to `to` (both included), at most a few weeks' worth: a longer gap loads its ends only. */
function datesBetween(from: IsoDate, to: IsoDate): IsoDate[] {
  const out: IsoDate[] = [from];
  let d = from;
  for (let n = 0; d < to && n < 31; n++) {
    d = nextSession(d).date;
    if (d <= to) out.push(d);
  }
  if (out[out.length - 1] !== to) out.push(to);
  return out;
}

/** When an open order stops working by itself: its day's close (day orders) or its contract's expiration close. */
function orderExpiry(o: Order): { at: number; reason: string } | null {
  const option = o.assetClass === 'option' ? tryParseOptionTicker(o.symbol) : null;
  const expirationClose = option ? sessionOn(option.expiration)?.close ?? null : null;
  let dayClose: number | null = null;
  if (o.timeInForce === 'day') {
    let session = sessionOn(nyDate(o.createdAt));
    const end = (s: NonNullable<typeof session>): number => (o.extendedHours ? s.postClose : s.close);
    if (!session || o.createdAt >= end(session)) session = nextSession(nyDate(o.createdAt));
    dayClose = end(session);
  }
  if (expirationClose !== null && (dayClose === null || expirationClose <= dayClose)) {
    return { at: expirationClose, reason: `${o.symbol} expired at the close of ${option!.expiration}` };
  }
  return dayClose === null ? null : { at: dayClose, reason: 'day order expired at the close' };
}
