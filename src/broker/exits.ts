/**
 * ExitManager — the attached exits of entries (take-profit and optional stop), managed
 * by optdesk itself the same way for every broker (Alpaca has no bracket/OCO for options,
 * and lets only ONE working sell order cover a contract):
 *
 * - on each (partial) fill of an entry, the take-profit for the filled quantity is placed
 *   as one working limit order, replaced (not added to) as fills add up;
 * - the stop is watched on the quotes: when the bid (long) / ask (short) reaches it,
 *   optdesk cancels the take-profit, waits until the cancel is confirmed, then sends a
 *   market exit for what is left — so the two never both work (one-cancels-other);
 * - whichever exit fills first ends the other;
 * - 0-DTE positions are flattened at a configurable time (default 15:15; on 13:00 early
 *   closes 45 minutes before the close, like Alpaca's liquidation of expiring longs);
 * - every armed exit is stored; `rearm()` at start-up reconciles it with the broker (the
 *   entry's fills, the take-profit's state, an order sent just before a crash — looked up
 *   by its deterministic client order id, never re-sent blindly) and places what is missing.
 *
 * Orders go out through `submit` — the risk engine's gate — never to a broker directly.
 */
import { CALENDAR_FIRST_YEAR, CALENDAR_LAST_YEAR, nextSession, nyDate, nyTimeToMs, sessionOn } from '../calendar/index.js';
import { tryParseOptionTicker } from '../core/occ.js';
import type { StoredExit, TradingRepository } from '../store/trading.js';
import { pennyEverywhere, roundToTick } from './money.js';
import { isTerminal } from './state.js';
import type {
  AssetClass, Broker, BrokerEvent, Order, OrderIntent, Price, Side, StopLossSpec, TakeProfitSpec,
} from './types.js';

export type SubmitOutcome = { ok: true; order: Order } | { ok: false; check: string; message: string };

export interface ArmedExit extends StoredExit {
  entryId: string;
  account: string;
  symbol: string;
  assetClass: AssetClass;
  /** Side of the exits (sell for a long entry). */
  exitSide: Side;
  takeProfit: TakeProfitSpec | null;
  stopLoss: StopLossSpec | null;
  entryFilled: number;
  entryAvgPrice: Price | null;
  /** The entry will not fill any more (filled, canceled, expired…). */
  entryDone: boolean;
  tpOrderId: string | null;
  tpPrice: Price | null;
  /** Counter in the take-profit's client order id (one per placement/replacement). */
  tpSeq: number;
  /** Client order id of a take-profit being sent (a crash mid-send is resolved by looking it up). */
  pendingClientOrderId: string | null;
  stopOrderId: string | null;
  /** Filled quantity of each exit order of this entry. */
  exitFilled: Record<string, number>;
  state: 'armed' | 'stopping' | 'stop_failed' | 'done';
  note: string | null;
  updatedAt: number;
}

export interface ExitManagerOptions {
  repo: TradingRepository;
  brokerFor(account: string): Broker;
  accounts(): string[];
  submit(intent: OrderIntent): Promise<SubmitOutcome>;
  /** Market time. */
  now(): number;
  /** 'HH:MM' New York, or null to never flatten. Default '15:15'. */
  flattenAt?: string | null;
  /** How long to wait for a cancel confirmation before looking the order up. Default 10 s. */
  cancelTimeoutMs?: number;
  audit?(what: string, data: Record<string, unknown>, account?: string, ref?: string): void;
}

const FLATTENED_KEY = 'exits.flattenedDate';
const EARLY_CLOSE_LEAD_MS = 45 * 60_000;

export class ExitManager {
  private readonly records = new Map<string, ArmedExit>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly waiters = new Map<string, Set<(o: Order) => void>>();
  private readonly triggering = new Set<string>();
  private suspended = false;
  readonly flattenAt: string | null;

  constructor(private readonly o: ExitManagerOptions) {
    this.flattenAt = o.flattenAt === undefined ? '15:15' : o.flattenAt;
    for (const r of o.repo.exits(true)) this.records.set(r.entryId, r as ArmedExit);
  }

  /** Exits still in force (for the positions view). */
  armed(account?: string): ArmedExit[] {
    return [...this.records.values()].filter((r) => r.state !== 'done' && (!account || r.account === account));
  }

  /** The kill switch: stop placing and watching until `resume()`. */
  suspend(): void {
    this.suspended = true;
  }

  async resume(): Promise<void> {
    this.suspended = false;
    await this.rearm();
  }

  /** Feed every broker event here. Returns the reaction's promise (the paper broker waits for it). */
  handle(event: BrokerEvent): Promise<unknown> | void {
    if (event.kind !== 'order') return;
    const { order } = event.event;
    // Waiters first and synchronously: a stop waiting for its cancel runs inside the queue.
    if (isTerminal(order.status)) this.waiters.get(order.id)?.forEach((w) => w(order));
    if (order.role === 'entry' && order.exits) {
      if (this.o.brokerFor(order.account).handlesExitsNatively?.(order)) return;
      return this.enqueue(() => this.onEntry(order));
    }
    if ((order.role === 'take_profit' || order.role === 'stop_loss') && order.parentId) {
      return this.enqueue(() => this.onExitOrder(order));
    }
    if ((order.role === 'expiry' || order.role === 'flatten' || order.role === 'close') && event.event.fill) {
      return this.enqueue(() => this.onPositionClosed(order));
    }
  }

  /** Feed quotes here (the paper broker's evaluated quotes, or the live feed's). */
  onQuote(q: { symbol: string; bid: Price | null; ask: Price | null }): Promise<unknown> | void {
    if (this.suspended) return;
    const work: Promise<unknown>[] = [];
    for (const r of this.records.values()) {
      if (r.symbol !== q.symbol || !r.stopLoss || (r.state !== 'armed' && r.state !== 'stop_failed')) continue;
      if (remaining(r) <= 0 || this.triggering.has(r.entryId)) continue;
      const hit = r.exitSide === 'sell' ? q.bid !== null && q.bid <= r.stopLoss.stopPrice : q.ask !== null && q.ask >= r.stopLoss.stopPrice;
      if (!hit) continue;
      this.triggering.add(r.entryId);
      work.push(this.enqueue(() => this.triggerStop(r.entryId, q)).finally(() => this.triggering.delete(r.entryId)));
    }
    if (work.length) return Promise.all(work);
  }

  /** Reconciles every stored exit with its broker and places what is missing (start-up, after a reconnect, after the kill switch). */
  rearm(): Promise<unknown> {
    return this.enqueue(async () => {
      await this.adoptOrphans();
      for (const r of [...this.records.values()]) {
        if (r.state === 'done') continue;
        const broker = this.o.brokerFor(r.account);
        const entry = await broker.order(r.account, r.entryId);
        if (entry) this.absorbEntry(r, entry);
        if (r.pendingClientOrderId) {
          const sent = await broker.orderByClientId(r.account, r.pendingClientOrderId);
          if (sent) r.tpOrderId = sent.id;
          r.pendingClientOrderId = null;
        }
        for (const id of [r.tpOrderId, r.stopOrderId, ...Object.keys(r.exitFilled)]) {
          if (!id) continue;
          const o = await broker.order(r.account, id);
          if (!o) continue;
          r.exitFilled[o.id] = o.filledQty;
          if (o.id === r.tpOrderId && isTerminal(o.status)) r.tpOrderId = o.replacedBy ?? null;
        }
        if (r.state === 'stopping') r.state = 'stop_failed'; // a crash mid-stop: the watch sends it again
        this.save(r);
        this.settleIfDone(r);
        if (r.state === 'armed') await this.sync(r);
      }
    });
  }

  /** The flatten alarm for a clock that drives time events (the paper broker's). */
  nextAlarm(after: number): number | null {
    if (!this.flattenAt) return null;
    let date = nyDate(after);
    for (let i = 0; i < 10; i++) {
      const t = this.flattenTime(date);
      if (t !== null && t > after) return t;
      date = nextSession(date).date;
    }
    return null;
  }

  /** Flattens 0-DTE option positions of every account (once per day). */
  fire(at: number): Promise<unknown> {
    return this.enqueue(() => this.flatten(at));
  }

  /** For clocks without time events (live): call on every tick; flattens when the time has come. */
  tick(now: number): Promise<unknown> | void {
    const date = nyDate(now);
    // A clock outside the calendar (0 = a replay with no recorded session yet) has no session to
    // flatten; asking the calendar would throw out of the server's tick timer and end the process.
    const year = Number(date.slice(0, 4));
    if (year < CALENDAR_FIRST_YEAR || year > CALENDAR_LAST_YEAR) return;
    const t = this.flattenTime(date);
    if (t !== null && now >= t && this.o.repo.getState<string>(FLATTENED_KEY) !== date && sessionOn(date) && now < sessionOn(date)!.close) return this.fire(now);
  }

  // ───────────────────────────── reactions ─────────────────────────────

  private async onEntry(order: Order): Promise<void> {
    let r = this.records.get(order.id);
    if (!r) {
      r = newRecord(order, this.o.now());
      this.records.set(order.id, r);
      this.audit('exit_armed', r, order);
    }
    if (r.state === 'done') return;
    this.absorbEntry(r, order);
    this.save(r);
    if (this.settleIfDone(r)) return;
    if (r.state === 'armed') await this.sync(r);
  }

  private async onExitOrder(order: Order): Promise<void> {
    const r = this.records.get(order.parentId!);
    if (!r) return;
    r.exitFilled[order.id] = order.filledQty;
    if (order.id === r.tpOrderId && isTerminal(order.status)) {
      r.tpOrderId = order.status === 'replaced' ? order.replacedBy : null;
    }
    this.save(r);
    if (this.settleIfDone(r)) return;
    // A take-profit that could not be resized while it was not yet working (brokers refuse to
    // replace an order before it is acknowledged) is resized once it works.
    if (r.state === 'armed' && order.id === r.tpOrderId && order.status === 'new') {
      await this.sync(r);
      return;
    }
    // A take-profit that ended without us asking (expired at the close, canceled at the broker) is placed again.
    if (r.state === 'armed' && !r.tpOrderId && order.role === 'take_profit' && (order.status === 'expired' || order.status === 'canceled')) {
      r.note = `take-profit ${order.status}${order.reason ? `: ${order.reason}` : ''}`;
      if (order.status === 'expired') return; // expired with its contract or its day: nothing to re-place today
      await this.sync(r);
    }
  }

  private async onPositionClosed(order: Order): Promise<void> {
    for (const r of this.records.values()) {
      if (r.account !== order.account || r.symbol !== order.symbol || r.state === 'done') continue;
      const position = (await this.o.brokerFor(r.account).positions(r.account)).find((p) => p.symbol === r.symbol);
      if (!position) this.finish(r, `position closed by ${order.role} order ${order.id}`);
    }
  }

  /** Places or resizes the take-profit so it covers exactly the filled, not yet exited quantity. */
  private async sync(r: ArmedExit): Promise<void> {
    if (this.suspended || r.state !== 'armed' || !r.takeProfit || r.entryAvgPrice === null) return;
    const broker = this.o.brokerFor(r.account);
    const held = (await broker.positions(r.account)).find((p) => p.symbol === r.symbol);
    const heldQty = held ? (r.exitSide === 'sell' ? Math.max(0, held.qty) : Math.max(0, -held.qty)) : 0;
    const tp = r.tpOrderId ? await broker.order(r.account, r.tpOrderId) : null;
    const tpOpen = tp && !isTerminal(tp.status) ? tp : null;
    const tpFilled = tpOpen ? tpOpen.filledQty : 0;
    // Never more than is held: the position may have been reduced by hand.
    const want = Math.min(remaining(r), heldQty);
    const price = takeProfitPrice(r);
    r.tpPrice = price;
    if (tpOpen) {
      if (tpOpen.qty - tpFilled === want && tpOpen.limitPrice === price) return;
      if (want <= 0) return;
      const clientOrderId = this.nextClientOrderId(r);
      try {
        const replaced = await broker.replace(r.account, tpOpen.id, { qty: want, limitPrice: price, clientOrderId });
        r.tpOrderId = replaced.id;
        r.note = null;
        this.audit('take_profit_replaced', { qty: want, limitPrice: price, orderId: replaced.id }, tpOpen);
      } catch (e) {
        r.note = `take-profit not resized yet: ${(e as Error).message}`;
      }
      r.pendingClientOrderId = null;
      this.save(r);
      return;
    }
    if (want <= 0) return;
    const clientOrderId = this.nextClientOrderId(r);
    r.pendingClientOrderId = clientOrderId;
    this.save(r);
    const outcome = await this.o.submit({
      account: r.account, symbol: r.symbol, side: r.exitSide, qty: want, type: 'limit', limitPrice: price,
      timeInForce: 'day', clientOrderId, role: 'take_profit', parentId: r.entryId, source: 'system:exits',
    });
    r.pendingClientOrderId = null;
    if (outcome.ok) {
      r.tpOrderId = outcome.order.id;
      r.exitFilled[outcome.order.id] = outcome.order.filledQty;
      r.note = null;
    } else {
      r.note = `take-profit not placed (${outcome.check}): ${outcome.message}`;
    }
    this.save(r);
  }

  private async triggerStop(entryId: string, q: { bid: Price | null; ask: Price | null }): Promise<void> {
    const r = this.records.get(entryId);
    if (!r || !r.stopLoss || (r.state !== 'armed' && r.state !== 'stop_failed') || remaining(r) <= 0) return;
    const broker = this.o.brokerFor(r.account);
    r.state = 'stopping';
    r.note = `stop ${r.stopLoss.stopPrice} reached (bid ${q.bid ?? '—'}, ask ${q.ask ?? '—'})`;
    this.save(r);
    this.audit('stop_triggered', { stopPrice: r.stopLoss.stopPrice, bid: q.bid, ask: q.ask }, undefined, r);
    if (r.tpOrderId) {
      const tp = await broker.order(r.account, r.tpOrderId);
      if (tp && !isTerminal(tp.status)) {
        try {
          await broker.cancel(r.account, tp.id);
        } catch {
          // Already done (filled/canceled in between): the wait below reads its final state.
        }
        const final = await this.waitTerminal(r.account, tp.id);
        if (!final) {
          r.state = 'stop_failed';
          r.note = `stop reached but the take-profit ${tp.id} did not confirm its cancel; the stop exit was not sent`;
          this.save(r);
          return;
        }
        r.exitFilled[final.id] = final.filledQty;
      }
      r.tpOrderId = null;
    }
    const qty = remaining(r);
    if (qty <= 0) {
      this.finish(r, 'take-profit filled before the stop exit was needed');
      return;
    }
    const outcome = await this.o.submit({
      account: r.account, symbol: r.symbol, side: r.exitSide, qty, type: 'market', timeInForce: 'day',
      clientOrderId: `x-${r.entryId.slice(0, 60)}-sl${r.tpSeq}`, role: 'stop_loss', parentId: r.entryId, source: 'system:exits',
    });
    if (outcome.ok) {
      r.stopOrderId = outcome.order.id;
      r.exitFilled[outcome.order.id] = outcome.order.filledQty;
      r.state = 'armed'; // the stop order works; settleIfDone ends the record on its fill
      r.takeProfit = null; // one-cancels-other: the take-profit is not placed again
      this.save(r);
      this.settleIfDone(r);
    } else {
      r.state = 'stop_failed';
      r.note = `stop reached but the exit was refused (${outcome.check}): ${outcome.message}`;
      this.save(r);
    }
  }

  private async flatten(at: number): Promise<void> {
    const date = nyDate(at);
    if (this.o.repo.getState<string>(FLATTENED_KEY) === date) return;
    this.o.repo.setState(FLATTENED_KEY, date);
    for (const account of this.o.accounts()) {
      const broker = this.o.brokerFor(account);
      for (const p of await broker.positions(account)) {
        const option = tryParseOptionTicker(p.symbol);
        if (!option || option.expiration !== date) continue;
        for (const r of this.records.values()) {
          if (r.account !== account || r.symbol !== p.symbol || r.state === 'done') continue;
          if (r.tpOrderId) {
            try { await broker.cancel(account, r.tpOrderId); } catch { /* already done */ }
            await this.waitTerminal(account, r.tpOrderId);
          }
          this.finish(r, `0-DTE flatten at ${this.flattenAt}`);
        }
        // Other working sells of the contract would hold the quantity: cancel them too.
        for (const o of await broker.orders({ account, status: 'open', symbol: p.symbol })) {
          try { await broker.cancel(account, o.id); } catch { /* already done */ }
          await this.waitTerminal(account, o.id);
        }
        const current = (await broker.positions(account)).find((x) => x.symbol === p.symbol);
        if (!current) continue;
        const outcome = await this.o.submit({
          account, symbol: p.symbol, side: current.qty > 0 ? 'sell' : 'buy', qty: Math.abs(current.qty), type: 'market',
          timeInForce: 'day', clientOrderId: `flatten-${account}-${p.symbol}-${date}`.slice(0, 128), role: 'flatten', source: 'system:flatten',
        });
        if (!outcome.ok) this.o.audit?.('flatten_refused', { symbol: p.symbol, check: outcome.check, message: outcome.message }, account);
      }
    }
  }

  // ───────────────────────────── helpers ─────────────────────────────

  private flattenTime(date: string): number | null {
    if (!this.flattenAt) return null;
    const session = sessionOn(date);
    if (!session) return null;
    return Math.min(nyTimeToMs(date, this.flattenAt), session.close - EARLY_CLOSE_LEAD_MS);
  }

  private absorbEntry(r: ArmedExit, entry: Order): void {
    r.entryFilled = entry.filledQty;
    r.entryAvgPrice = entry.avgFillPrice;
    r.entryDone = isTerminal(entry.status);
    r.updatedAt = this.o.now();
  }

  /** Entries that carry exits but have no record (a crash right after the entry was accepted). */
  private async adoptOrphans(): Promise<void> {
    const known = new Set(this.o.repo.exits(false).map((e) => e.entryId));
    for (const account of this.o.accounts()) {
      for (const o of await this.o.brokerFor(account).orders({ account, status: 'all' })) {
        if (o.role !== 'entry' || !o.exits || known.has(o.id)) continue;
        if (this.o.brokerFor(account).handlesExitsNatively?.(o)) continue;
        const r = newRecord(o, this.o.now());
        this.records.set(o.id, r);
        this.save(r);
        this.audit('exit_adopted', r, o);
      }
    }
  }

  private settleIfDone(r: ArmedExit): boolean {
    if (r.state === 'done') return true;
    if (r.entryDone && r.entryFilled === 0) {
      this.finish(r, 'entry ended without a fill');
      return true;
    }
    if (r.entryDone && remaining(r) <= 0) {
      this.finish(r, r.stopOrderId && (r.exitFilled[r.stopOrderId] ?? 0) > 0 ? 'stop exit filled' : 'take-profit filled');
      return true;
    }
    return false;
  }

  private finish(r: ArmedExit, note: string): void {
    r.state = 'done';
    r.note = note;
    this.save(r);
    this.records.delete(r.entryId);
    this.audit('exit_done', { note }, undefined, r);
  }

  private nextClientOrderId(r: ArmedExit): string {
    r.tpSeq += 1;
    return `x-${r.entryId.slice(0, 60)}-tp${r.tpSeq}`;
  }

  /** Resolves with the order once terminal, or null if it is not confirmed within the timeout. */
  private async waitTerminal(account: string, orderId: string): Promise<Order | null> {
    const broker = this.o.brokerFor(account);
    const now = await broker.order(account, orderId);
    if (!now || isTerminal(now.status)) return now;
    const timeout = this.o.cancelTimeoutMs ?? 10_000;
    const confirmed = await new Promise<Order | null>((resolve) => {
      let set = this.waiters.get(orderId);
      if (!set) this.waiters.set(orderId, (set = new Set()));
      const done = (o: Order | null): void => {
        clearTimeout(timer);
        set!.delete(waiter);
        if (set!.size === 0) this.waiters.delete(orderId);
        resolve(o);
      };
      const waiter = (o: Order): void => done(o);
      const timer = setTimeout(() => done(null), timeout);
      set.add(waiter);
    });
    if (confirmed) return confirmed;
    const looked = await broker.order(account, orderId);
    return looked && isTerminal(looked.status) ? looked : null;
  }

  private save(r: ArmedExit): void {
    r.updatedAt = this.o.now();
    this.o.repo.saveExit(r);
  }

  private audit(what: string, data: unknown, order?: Order, r?: ArmedExit): void {
    this.o.audit?.(what, { ...(data as Record<string, unknown>) }, order?.account ?? r?.account, order?.id ?? r?.entryId);
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T | undefined> {
    const run = this.queue.then(task).catch((e: unknown) => {
      this.o.audit?.('exit_error', { message: (e as Error).message });
      return undefined;
    });
    this.queue = run;
    return run;
  }
}

function newRecord(order: Order, now: number): ArmedExit {
  return {
    entryId: order.id, account: order.account, symbol: order.symbol, assetClass: order.assetClass,
    exitSide: order.side === 'buy' ? 'sell' : 'buy',
    takeProfit: order.exits?.takeProfit ?? null, stopLoss: order.exits?.stopLoss ?? null,
    entryFilled: order.filledQty, entryAvgPrice: order.avgFillPrice, entryDone: isTerminal(order.status),
    tpOrderId: null, tpPrice: null, tpSeq: 0, pendingClientOrderId: null, stopOrderId: null, exitFilled: {},
    state: 'armed', note: null, updatedAt: now,
  };
}

/** Filled entry quantity not yet closed by an exit. */
function remaining(r: ArmedExit): number {
  let exited = 0;
  for (const q of Object.values(r.exitFilled)) exited += q;
  return r.entryFilled - exited;
}

/** The take-profit's limit: absolute, or offset (+$ / +%) from the entry's average fill, on the tick, never worse than asked. */
export function takeProfitPrice(r: Pick<ArmedExit, 'takeProfit' | 'entryAvgPrice' | 'exitSide' | 'assetClass' | 'symbol'>): Price {
  const spec = r.takeProfit!;
  const avg = r.entryAvgPrice!;
  const sign = r.exitSide === 'sell' ? 1 : -1;
  let raw: number;
  if ('limitPrice' in spec) return spec.limitPrice;
  if ('amount' in spec) raw = avg + sign * spec.amount;
  else raw = avg * (1 + (sign * spec.percent) / 100);
  return Math.max(1, roundToTick(r.assetClass, Math.round(raw * 1e6) / 1e6, r.exitSide === 'sell' ? 'up' : 'down', pennyEverywhere(r.symbol)));
}
