/**
 * StrategyEngine — one strategy instance on a market clock (replay or live): closed bars
 * from the BarEngine (via the hub) → the strategy (the same StrategyContext the backtester
 * gives it) → intents → orders through the trading desk (risk engine → broker) → fills →
 * position state back to the strategy.
 *
 * Timing: the engine is an alarm source of the paper broker. Bars are queued as the hub
 * closes them and delivered when the broker's clock reaches their end, inside the broker's
 * own time loop, which waits for the engine's orders before it looks at the next minute. So
 * a decision at 09:50 is an order placed at 09:50 that fills (bar rules, src/broker/bar-fills)
 * at the open of the 09:50 minute — in a replay at any speed, as in the backtester.
 *
 * Per instant, in the backtester's order: the 1-minute bar ending then, the strategy's other
 * timeframes ending then, then its timers. A new session starts the strategy's day
 * (`onSession`), the previous one ends with `onSessionEnd`.
 *
 * Bars that end before the broker's clock when they arrive (history loaded after a start or a
 * jump mid-session) warm the strategy up: delivered at once, their intents are not acted on.
 * Live, a minute bar comes seconds after its end: it is acted on at once (`lateMs` of grace),
 * and its order fills at the open of the next minute starting after it reached the broker.
 */
import { nyDate, sessionAt, sessionOn, type Session } from '../calendar/index.js';
import { MINUTE_MS, timeframeMinutes, type IntradayTimeframe } from '../core/types.js';
import type { Fill, Order, OrderEvent, OrderIntent } from '../broker/types.js';
import type { SubmitOutcome } from '../broker/exits.js';
import type { EntryIntent, Intent, OpenPosition, Published, Strategy, StrategyBar, StrategyContext, TradeSide } from '../strategies/api.js';
import type { AutomationMode } from '../store/strategies.js';
import { priceToDollars } from '../broker/money.js';
import type { TradeRecord } from '../backtest/runner.js';
import type { OptionTradeDetail } from '../backtest/options-mode.js';
import { OptionLeg, type LegAction, type OptionPick, type VirtualPosition } from './option-leg.js';

/** A closed trade, exactly the backtester's record (dollars for prices, cents for money), so reports compare field by field. */
export type EngineTrade = TradeRecord & { option?: EngineOptionFill };

/** Options mode: the contract a trade bought and sold (fill prices per share, from the paper broker). */
export type EngineOptionFill = Pick<OptionTradeDetail, 'contract' | 'quoteSource' | 'entryAsk' | 'exitBid' | 'breakEven' | 'underlyingEntry' | 'underlyingExit' | 'pick'> & {
  /** The paper broker's fill times. */
  optionEntryTime: number;
  optionExitTime: number;
};

/** What a signal says and the order it would send (one click on a ticket). */
export interface EngineSignal {
  at: number;
  symbol: string;
  side: TradeSide | 'exit';
  reason: string;
  rationale: {
    /** The bar whose close decided (timeframe, start, close), when a bar decided. */
    bar: { tf: IntradayTimeframe; start: number; close: number } | null;
    /** The newest published levels (e.g. the opening range). */
    level: { name: string; high: number; low: number } | null;
    /** The setup the strategy published as it decided (time-block: sweep-high at the block high). */
    setup: { name: string; level: number } | null;
    /** Reference price: the deciding bar's close (the fill comes at the next minute's open). */
    price: number | null;
    stop: number | null;
    target: number | null;
    /** |price − stop|, dollars per share. */
    r: number | null;
    targetR: number | null;
    /** Options mode: the contract picked at the decision, its ask and break-even. */
    option?: OptionPick | null;
    text: string;
  };
  /** Options mode: the contract, bought or sold in contracts (stop/target are then the underlying's levels for the exit). */
  order: { symbol: string; side: 'buy' | 'sell'; qty: number; type: 'market'; stop: number | null; target: number | null };
  /** `auto`: what the risk engine/broker said (null: nothing was sent). */
  outcome: { sent: boolean; orderId?: string; check?: string; message?: string } | null;
}

export interface EngineSink {
  /** The only way out: the trading desk (risk engine, audit, broker). */
  submit(intent: OrderIntent): Promise<SubmitOutcome>;
  /** Cancels a working order of the instance (its bracket legs before a flat exit). */
  cancel(orderId: string): Promise<unknown>;
}

export interface EngineOptions {
  instanceId: string;
  strategy: Strategy;
  qty: number;
  symbol: string;
  account: string;
  mode: () => AutomationMode;
  sink: EngineSink;
  /** The broker's clock now (bars ending at or before it, less `lateMs`, arrive too late to trade on). */
  brokerNow: () => number;
  /** Live feeds deliver a minute bar seconds after its end: that much lateness still trades. Default 0 (replay). */
  lateMs?: number;
  onSignal?(s: EngineSignal): void;
  onPublish?(p: Published): void;
  onTrade?(t: EngineTrade): void;
  /** Options mode (`instrument: 'options'`): the leg that trades the contract; unset, the engine trades shares. */
  optionLeg?: OptionLeg;
}

/** Options mode: the contract held (or being bought/sold) for the virtual underlying position. */
interface HeldOption {
  pick: OptionPick;
  pos: VirtualPosition;
  qty: number;
  buyOrder: string;
  buy: { price: number; time: number; feesCents: number } | null;
  sellOrder: string | null;
  exit: { time: number; price: number; reason: string } | null;
}

interface Queued {
  at: number;
  /** 0: 1m, else the timeframe's minutes (delivery order within an instant). */
  order: number;
  tf: IntradayTimeframe;
  bar: StrategyBar;
}

interface Held extends OpenPosition {
  qty: number;
  reasonIn: string;
  entryOrderId: string;
  worst: number;
  best: number;
  feesCents: number;
}

export class StrategyEngine implements StrategyContext {
  readonly published: Published[] = [];
  readonly signals: EngineSignal[] = [];
  readonly trades: EngineTrade[] = [];
  private readonly queue: Queued[] = [];
  private timers: number[] = [];
  private clock = 0;
  private today: Session | null = null;
  private pos: Held | null = null;
  private pending: { clientOrderId: string; intent: Pick<EntryIntent, 'reason'> } | null = null;
  private exitPending: string | null = null;
  private entriesToday = 0;
  /** Entries an earlier run of the instance made on `adoptedDay` (see adopt). */
  private adoptedDay = '';
  private adoptedEntries = 0;
  private ready = false;
  /** Bars with an end at or before this were delivered (or are not ours to deliver). */
  private deliveredUntil: number;
  private lastStart = new Map<string, number>();
  private warm = false;
  private work: Promise<unknown>[] = [];
  private lastBar: { tf: IntradayTimeframe; start: number; close: number } | null = null;
  private seq = 0;
  private readonly widths: Map<IntradayTimeframe, number>;
  private readonly prefix: string;
  private readonly leg: OptionLeg | null;
  private option: HeldOption | null = null;
  private lastMinute: StrategyBar | null = null;

  constructor(private readonly o: EngineOptions, startAt: number) {
    const tfs = o.strategy.timeframes.filter((tf) => tf !== '1m');
    this.widths = new Map(tfs.map((tf) => [tf, timeframeMinutes(tf)]));
    this.prefix = `si-${o.instanceId}-`;
    this.leg = o.optionLeg ?? null;
    const s = sessionAt(startAt);
    this.deliveredUntil = s ? Math.min(s.open, startAt) : startAt;
  }

  // ── inputs ──

  /**
   * Today's closed bars so far (the BarEngine's series, up to the feed's clock) before the
   * engine follows the hub's deltas: those the broker's clock has passed warm the strategy up
   * (e.g. the opening range), later ones are traded on. Bars of all timeframes, any order.
   */
  warmUp(bars: readonly { tf: IntradayTimeframe; bar: StrategyBar }[]): void {
    const end = (x: { tf: IntradayTimeframe; bar: StrategyBar }) => x.bar.start + (x.tf === '1m' ? 1 : this.widths.get(x.tf) ?? 1) * MINUTE_MS;
    this.ready = true;
    const sorted = [...bars].sort((a, b) => end(a) - end(b) || (a.tf === '1m' ? 0 : this.widths.get(a.tf) ?? 0) - (b.tf === '1m' ? 0 : this.widths.get(b.tf) ?? 0));
    for (const { tf, bar } of sorted) this.onBar(tf, bar);
  }

  /** A bar the hub closed (regular session). Copies it. Ignored until `warmUp` ran. */
  onBar(tf: IntradayTimeframe, bar: StrategyBar): void {
    if (!this.ready || (tf !== '1m' && !this.widths.has(tf))) return;
    const session = sessionAt(bar.start);
    if (!session || bar.start < session.open || bar.start >= session.close) return;
    const last = this.lastStart.get(tf);
    if (last !== undefined && bar.start <= last) return; // a re-sent closed bar: delivered once
    const end = tf === '1m' ? bar.start + MINUTE_MS : Math.min(bar.start + this.widths.get(tf)! * MINUTE_MS, session.close);
    if (end <= this.deliveredUntil) return;
    this.lastStart.set(tf, bar.start);
    const q: Queued = { at: end, order: tf === '1m' ? 0 : this.widths.get(tf)!, tf, bar: { start: bar.start, open: bar.open, high: bar.high, low: bar.low, close: bar.close, volume: bar.volume } };
    let i = this.queue.length;
    while (i > 0 && (this.queue[i - 1]!.at > q.at || (this.queue[i - 1]!.at === q.at && this.queue[i - 1]!.order > q.order))) i--;
    this.queue.splice(i, 0, q);
    // Too late to trade on (history after a start or jump): warm the strategy up now.
    if (end <= this.o.brokerNow() - (this.o.lateMs ?? 0)) {
      this.warm = true;
      try {
        this.deliverUpTo(end);
      } finally {
        this.warm = false;
        this.work = [];
      }
    }
  }

  /**
   * The replay jumped to `now`. Forward (a later session, or later today): the strategy keeps
   * its state, the bars in between are history (not traded on). Backward: returns false —
   * the caller starts a fresh engine (bars never roll back, neither can a strategy).
   */
  jumpTo(now: number): boolean {
    if (now < this.deliveredUntil || now < this.clock) return false;
    this.queue.length = 0;
    const s = sessionAt(now);
    this.deliveredUntil = Math.max(this.deliveredUntil, s ? Math.min(s.open, now) : now);
    return true;
  }

  /**
   * Takes over what an earlier run of this instance left at the broker (a restart, or the
   * instance switched off and on mid-trade): the day's entries, a working entry, an open
   * position with its bracket. Without it a restarted engine would enter a second time.
   */
  adopt(orders: readonly Order[], fills: readonly Fill[], now: number): void {
    const mine = orders.filter((o) => o.clientOrderId.startsWith(this.prefix)).sort((a, b) => a.createdAt - b.createdAt);
    const today = nyDate(now);
    this.adoptedDay = today;
    const reasonOf = (o: Order) => o.clientOrderId.slice(this.prefix.length).split('-').slice(2).join('-') || 'adopted';
    for (const o of mine) {
      if (o.role !== 'entry') continue;
      if (o.filledQty > 0 && nyDate(o.createdAt) === today) this.entriesToday = ++this.adoptedEntries;
      if (o.status === 'new' || o.status === 'accepted' || o.status === 'partially_filled') this.pending = { clientOrderId: o.clientOrderId, intent: { reason: reasonOf(o) } };
    }
    const entry = [...mine].reverse().find((o) => o.role === 'entry' && o.filledQty > 0);
    const fill = entry && fills.find((f) => f.orderId === entry.id);
    if (!entry || !fill) return;
    const exits = mine.filter((o) => o.role !== 'entry' && o.createdAt >= entry.createdAt);
    if (exits.some((o) => o.status === 'filled')) return; // that trade is over
    const legs = exits.filter((o) => (o.role === 'stop_loss' || o.role === 'take_profit') && o.parentId === entry.id && (o.status === 'new' || o.status === 'accepted'));
    const price = priceToDollars(fill.price);
    this.pos = {
      side: entry.side === 'buy' ? 'long' : 'short', entryTime: fill.time, entryPrice: price, stop: legs[0]?.barFill?.stop ?? NaN,
      target: legs[0]?.barFill?.target ?? null, qty: entry.filledQty, reasonIn: reasonOf(entry), entryOrderId: entry.id, worst: price, best: price,
      feesCents: fill.fees.total,
    };
    for (const l of legs) this.legs.add(l.id);
    if (this.pending?.clientOrderId === entry.clientOrderId) this.pending = null;
  }

  /** Broker order events: fills and ends of this instance's orders. */
  onOrderEvent(e: OrderEvent): void {
    const order = e.order;
    if (!order.clientOrderId.startsWith(this.prefix)) return;
    if (this.leg) return this.onOptionOrderEvent(e);
    if (order.role === 'stop_loss' || order.role === 'take_profit') {
      if (order.status === 'new' || order.status === 'accepted') this.legs.add(order.id);
      else this.legs.delete(order.id);
    }
    if (order.role === 'entry') {
      if (this.pending?.clientOrderId !== order.clientOrderId) return;
      if (e.fill) {
        const side: TradeSide = order.side === 'buy' ? 'long' : 'short';
        const price = priceToDollars(e.fill.price);
        this.pos = {
          side, entryTime: e.fill.time, entryPrice: price, stop: NaN, target: null, qty: e.fill.qty, reasonIn: this.pending.intent.reason,
          entryOrderId: order.id, worst: price, best: price, feesCents: e.fill.fees.total,
        };
        this.pending = null;
        this.entriesToday++;
      } else if (order.status === 'canceled' || order.status === 'expired' || order.status === 'rejected') {
        this.pending = null;
      }
      return;
    }
    const p = this.pos;
    if (!p) return;
    if ((order.role === 'stop_loss' || order.role === 'take_profit') && order.parentId === p.entryOrderId && e.type === 'accepted') {
      if (order.barFill?.stop !== undefined) p.stop = order.barFill.stop;
      if (order.barFill?.target !== undefined) p.target = order.barFill.target;
      return;
    }
    if (!e.fill || e.positionQty !== 0) return;
    const reasonOut = order.role === 'stop_loss' ? 'stop' : order.role === 'take_profit' ? 'target' : this.exitPending ?? order.role;
    this.closeTrade(e.fill.time, priceToDollars(e.fill.price), reasonOut, e.fill.fees.total);
  }

  // ── the broker's alarm source ──

  nextAlarm(after: number): number | null {
    const next = Math.min(this.queue[0]?.at ?? Infinity, this.timers[0] ?? Infinity, this.today?.close ?? Infinity);
    if (next === Infinity) return null;
    return next > after ? next : after + 1; // queued late (live bars come seconds after their end): act now
  }

  async fire(at: number): Promise<void> {
    this.deliverUpTo(at);
    const work = this.work;
    this.work = [];
    await Promise.all(work);
  }

  /** Everything due by `t`, in the backtester's order: bars (1m first), then timers, then the session's end. */
  deliverUpTo(t: number): void {
    for (;;) {
      const q = this.queue[0];
      const barAt = q?.at ?? Infinity;
      const timer = this.timers[0] ?? Infinity;
      const next = Math.min(barAt, timer, this.today?.close ?? Infinity);
      if (next === Infinity || next > t) break;
      if (q && barAt === next) {
        this.queue.shift();
        this.enterSession(q.bar.start);
        this.deliver(q);
      } else if (timer === next) {
        this.timers.shift();
        this.clock = timer;
        this.o.strategy.onTimer(this, timer);
      } else {
        this.endSession();
      }
      if (next > this.deliveredUntil) this.deliveredUntil = next;
    }
  }

  private enterSession(barStart: number): void {
    const s = sessionAt(barStart);
    if (!s || this.today?.date === s.date) return;
    if (this.today) this.endSession();
    this.today = s;
    this.timers = [];
    this.entriesToday = s.date === this.adoptedDay ? this.adoptedEntries : 0;
    this.clock = s.open;
    this.o.strategy.onSession(this);
  }

  private endSession(): void {
    const s = this.today;
    if (!s) return;
    while (this.timers.length && this.timers[0]! <= s.close) {
      const at = this.timers.shift()!;
      this.clock = at;
      this.o.strategy.onTimer(this, at);
    }
    this.clock = s.close;
    if (this.leg) this.act(this.leg.onSessionEnd(this.lastMinute));
    this.o.strategy.onSessionEnd(this);
    this.deliveredUntil = Math.max(this.deliveredUntil, s.close);
    this.today = null;
  }

  private deliver(q: Queued): void {
    this.clock = q.at;
    if (q.tf === '1m' && this.pos) this.track(q.bar.high, q.bar.low);
    if (q.tf === '1m') this.lastMinute = q.bar;
    if (q.tf === '1m' && this.leg && !this.warm) this.act(this.leg.onMinute(q.bar));
    this.lastBar = { tf: q.tf, start: q.bar.start, close: q.bar.close };
    this.o.strategy.onBar(this, q.tf, q.bar);
  }

  private track(h: number, l: number): void {
    const p = this.pos!;
    if (p.side === 'long') {
      p.worst = Math.min(p.worst, l);
      p.best = Math.max(p.best, h);
    } else {
      p.worst = Math.max(p.worst, h);
      p.best = Math.min(p.best, l);
    }
  }

  // ── StrategyContext ──
  now(): number { return this.clock; }
  session(): Session { return this.today ?? sessionOn(nyDate(this.clock))!; }
  position(): OpenPosition | null {
    if (this.leg) {
      const v = this.leg.pos;
      return v && { side: v.side, entryTime: v.entryTime, entryPrice: v.entryPrice, stop: v.stop, target: v.target };
    }
    return this.pos && { side: this.pos.side, entryTime: this.pos.entryTime, entryPrice: this.pos.entryPrice, stop: this.pos.stop, target: this.pos.target }; }
  pendingEntry(): boolean { return this.pending !== null || (this.leg?.entry ?? null) !== null; }
  tradesToday(): number { return this.entriesToday; }
  setTimer(at: number): void {
    this.timers.push(at);
    this.timers.sort((a, b) => a - b);
  }
  publish(item: Published): void {
    this.published.push(item);
    if (!this.warm || item.kind === 'levels') this.o.onPublish?.(item);
  }

  submit(intent: Intent): void {
    const mode = this.o.mode();
    if (this.warm || mode === 'off') return;
    if (this.leg) return this.submitOption(intent, mode);
    if (intent.kind === 'exit') {
      // A position the instance opened is closed by it in `signal` mode too: switching from
      // `auto` to `signal` mid-trade must not leave the trade without its flat exit.
      if (!this.pos || this.exitPending !== null) return;
      this.exitPending = intent.reason;
      this.work.push(this.sendExit(this.exitSignal(intent.reason)));
      return;
    }
    if (this.pos || this.pending) return;
    const signal = this.entrySignal(intent);
    if (mode === 'signal') {
      this.entriesToday++; // one signal counts as the day's entry: the strategy's limits hold
      return this.emitSignal(signal);
    }
    // The reason rides in the client order id: a restarted engine adopting the order knows it.
    const clientOrderId = `${this.prefix}${this.clock}-${++this.seq}-${intent.reason}`.slice(0, 128);
    this.pending = { clientOrderId, intent };
    this.work.push(this.sendEntry(intent, clientOrderId, signal));
  }

  // ── orders ──

  private async sendEntry(intent: EntryIntent, clientOrderId: string, signal: EngineSignal): Promise<void> {
    const out = await this.o.sink.submit({
      account: this.o.account, symbol: this.o.symbol, side: intent.side === 'long' ? 'buy' : 'sell', qty: this.o.qty, type: 'market',
      timeInForce: 'day', clientOrderId, role: 'entry', source: `strategy:${this.o.strategy.name}:${this.o.instanceId}`,
      barFill: {
        notAfter: intent.notAfter,
        bracket: {
          ...(intent.stop !== undefined ? { stop: intent.stop } : {}), ...(intent.stopDistance !== undefined ? { stopDistance: intent.stopDistance } : {}),
          ...(intent.target !== undefined ? { target: intent.target } : {}), ...(intent.targetR !== undefined ? { targetR: intent.targetR } : {}),
        },
      },
    });
    if (!out.ok && this.pending?.clientOrderId === clientOrderId) this.pending = null;
    signal.outcome = out.ok ? { sent: true, orderId: out.order.id } : { sent: false, check: out.check, message: out.message };
    this.emitSignal(signal);
  }

  private async sendExit(signal: EngineSignal): Promise<void> {
    const p = this.pos!;
    // The bracket's legs first: they would otherwise still work against the flat position.
    for (const id of this.openLegs()) await this.o.sink.cancel(id).catch(() => undefined);
    const out = await this.o.sink.submit({
      account: this.o.account, symbol: this.o.symbol, side: p.side === 'long' ? 'sell' : 'buy', qty: p.qty, type: 'market', timeInForce: 'day',
      clientOrderId: `${this.prefix}${this.clock}-${++this.seq}`, role: 'close', source: `strategy:${this.o.strategy.name}:${this.o.instanceId}`, barFill: {},
    });
    if (!out.ok) this.exitPending = null;
    signal.outcome = out.ok ? { sent: true, orderId: out.order.id } : { sent: false, check: out.check, message: out.message };
    this.emitSignal(signal);
  }

  /** Working legs of the open position's bracket (ids learnt from the broker's events). */
  private readonly legs = new Set<string>();
  private openLegs(): string[] {
    return [...this.legs];
  }

  private closeTrade(time: number, price: number, reasonOut: string, exitFeesCents: number): void {
    const p = this.pos!;
    this.track(price, price);
    const dir = p.side === 'long' ? 1 : -1;
    const e4 = (x: number) => Math.round(x * 10_000);
    const grossCents = Math.round((p.qty * (e4(price) - e4(p.entryPrice)) * dir) / 100);
    const feesCents = p.feesCents + exitFeesCents;
    const risk = Math.abs(e4(p.entryPrice) - e4(p.stop));
    const trade: EngineTrade = {
      entryTime: p.entryTime, exitTime: time, side: p.side, entryPrice: p.entryPrice, exitPrice: price, stop: p.stop, target: p.target,
      qty: p.qty, feesCents, pnlCents: grossCents - feesCents, r: risk > 0 ? ((e4(price) - e4(p.entryPrice)) * dir) / risk : 0,
      reasonIn: p.reasonIn, reasonOut, mae: Math.max(0, (p.entryPrice - p.worst) * dir), mfe: Math.max(0, (p.best - p.entryPrice) * dir),
    };
    this.pos = null;
    this.exitPending = null;
    this.legs.clear();
    this.trades.push(trade);
    this.o.onTrade?.(trade);
  }

  // ── signals ──

  private latestLevel(): EngineSignal['rationale']['level'] {
    for (let i = this.published.length - 1; i >= 0; i--) {
      const p = this.published[i]!;
      if (p.kind === 'levels') return { name: p.name, high: p.high, low: p.low };
    }
    return null;
  }

  private entrySignal(intent: EntryIntent): EngineSignal {
    const dir = intent.side === 'long' ? 1 : -1;
    const price = this.lastBar?.close ?? null;
    const stop = intent.stop ?? (price !== null && intent.stopDistance !== undefined ? round2(price - dir * intent.stopDistance) : null);
    const r = price !== null && stop !== null ? round4(Math.abs(price - stop)) : null;
    const target = intent.target ?? (price !== null && r !== null && intent.targetR !== undefined ? round2(price + dir * intent.targetR * r) : null);
    const level = this.latestLevel();
    // The level that decided: the setup the strategy published at this instant (time-block),
    // else the side of the newest levels the break went through (ORB: the range high for a long).
    const last = this.published[this.published.length - 1];
    const setup = last?.kind === 'setup' && last.time === this.clock ? last : null;
    const decided = setup ? `${setup.name} at ${setup.level}` : level ? `${intent.side === 'long' ? 'above' : 'below'} the ${level.name} ${intent.side === 'long' ? 'high' : 'low'} ${intent.side === 'long' ? level.high : level.low}` : null;
    const bar = this.lastBar;
    const text = `${intent.reason}: ${bar ? `the ${bar.tf} bar from ${isoTime(bar.start)} closed at ${bar.close}` : 'a timer'}${decided ? `, ${decided}` : ''}` +
      `; stop ${stop ?? '—'}, R ${r ?? '—'}, target ${target ?? '—'}${intent.targetR !== undefined ? ` (${intent.targetR} R)` : ''}; entry at the next minute's open`;
    return {
      at: this.clock, symbol: this.o.symbol, side: intent.side, reason: intent.reason,
      rationale: { bar, level, setup: setup && { name: setup.name, level: setup.level }, price, stop, target, r, targetR: intent.targetR ?? null, text },
      order: { symbol: this.o.symbol, side: intent.side === 'long' ? 'buy' : 'sell', qty: this.o.qty, type: 'market', stop, target },
      outcome: null,
    };
  }

  private exitSignal(reason: string): EngineSignal {
    const p = this.pos!;
    return {
      at: this.clock, symbol: this.o.symbol, side: 'exit', reason,
      rationale: { bar: this.lastBar, level: this.latestLevel(), setup: null, price: this.lastBar?.close ?? null, stop: p.stop, target: p.target, r: null, targetR: null, text: `${reason}: close the ${p.side} position at the next minute's open` },
      order: { symbol: this.o.symbol, side: p.side === 'long' ? 'sell' : 'buy', qty: p.qty, type: 'market', stop: null, target: null },
      outcome: null,
    };
  }

  private emitSignal(s: EngineSignal): void {
    this.signals.push(s);
    this.o.onSignal?.(s);
  }

  /** The open position with its quantity (for the instances list). */
  openPosition(): (OpenPosition & { qty: number; contract?: string }) | null {
    if (this.leg) return this.leg.pos && { ...this.position()!, qty: this.option?.qty ?? this.leg.params.contracts, ...(this.option ? { contract: this.option.pick.contract } : {}) };
    return this.pos && { ...this.position()!, qty: this.pos.qty };
  }

  // ── options mode (src/engine/option-leg.ts) ──

  private submitOption(intent: Intent, mode: AutomationMode): void {
    const leg = this.leg!;
    if (intent.kind === 'exit') {
      if (leg.pos && leg.exitReason === null) leg.exitReason = intent.reason;
      return;
    }
    if (leg.pos || leg.entry || this.option) return;
    if (mode === 'signal') {
      // The ticket's contract: picked now, with the deciding bar's close for the underlying.
      this.entriesToday++;
      const signal = this.entrySignal(intent);
      const price = this.lastBar?.close;
      const p = price === undefined ? { ok: false as const, why: 'no contract: no bar has closed yet' } : leg.pick(this.clock, intent.side, price);
      return this.emitSignal(this.optionSignal(signal, p.ok ? p.pick : null, p.ok ? null : p.why));
    }
    leg.entry = { intent, at: this.clock };
  }

  /** An entry signal turned into the contract's buy (rationale with contract, ask and break-even). */
  private optionSignal(s: EngineSignal, pick: OptionPick | null, why: string | null): EngineSignal {
    const qty = this.leg!.params.contracts;
    const what = pick
      ? `; buy ${qty} ${pick.contract} (${pick.quoteSource} quotes) at the ask ${pick.ask.toFixed(2)}, break-even ${pick.breakEven}`
      : `; ${why}`;
    return {
      ...s,
      rationale: { ...s.rationale, option: pick, text: s.rationale.text.replace(/; entry at the next minute's open$/, '') + what },
      order: { symbol: pick?.contract ?? s.symbol, side: 'buy', qty, type: 'market', stop: s.rationale.stop, target: s.rationale.target },
    };
  }

  /** What a closed minute (or the session's end) did to the virtual position: orders for the contract. */
  private act(actions: LegAction[]): void {
    for (const a of actions) {
      if (a.kind === 'dropped') continue; // the backtester drops it without a trade too
      if (a.kind === 'no-contract') {
        this.emitSignal({ ...this.optionSignal(this.entrySignal(a.intent), null, a.why), outcome: { sent: false, check: 'no_contract', message: a.why } });
        continue;
      }
      if (a.kind === 'buy') {
        this.entriesToday++;
        this.work.push(this.buyOption(a.pick, a.pos));
        continue;
      }
      this.work.push(this.sellOption(a));
    }
  }

  private async buyOption(pick: OptionPick, pos: VirtualPosition): Promise<void> {
    const qty = this.leg!.params.contracts;
    const signal = this.optionSignal(this.entrySignal({ kind: 'entry', side: pos.side, reason: pos.reasonIn, stop: pos.stop, ...(pos.target !== null ? { target: pos.target } : {}), notAfter: Infinity }), pick, null);
    signal.rationale.price = pos.entryPrice;
    if (pick.quoteSource === 'MODEL') {
      // Nothing to fill against: the paper broker trades recorded quotes only.
      this.leg!.pos = null;
      signal.outcome = { sent: false, check: 'model_quotes', message: `no option quotes recorded for ${this.o.symbol} on ${nyDate(pos.entryTime)}: ${pick.contract} has only MODEL (theoretical) prices, which no broker fills; not sent` };
      return this.emitSignal(signal);
    }
    const clientOrderId = `${this.prefix}${this.clock}-${++this.seq}-${pos.reasonIn}`.slice(0, 128);
    this.option = { pick, pos, qty, buyOrder: clientOrderId, buy: null, sellOrder: null, exit: null };
    const out = await this.o.sink.submit({
      account: this.o.account, symbol: pick.contract, side: 'buy', qty, type: 'market', timeInForce: 'day', clientOrderId, role: 'entry',
      source: `strategy:${this.o.strategy.name}:${this.o.instanceId}`,
    });
    if (!out.ok) {
      // Not bought: no position to exit (the virtual one goes too, so the day's limits still count the entry).
      if (this.option?.buyOrder === clientOrderId) this.option = null;
      if (this.leg!.pos === pos) this.leg!.pos = null;
    }
    signal.outcome = out.ok ? { sent: true, orderId: out.order.id } : { sent: false, check: out.check, message: out.message };
    this.emitSignal(signal);
  }

  private async sellOption(a: Extract<LegAction, { kind: 'sell' }>): Promise<void> {
    const h = this.option;
    if (!h || h.pos !== a.pos) return; // the buy was refused: nothing held
    h.exit = { time: a.exitTime, price: a.exitPrice, reason: a.reason };
    const clientOrderId = `${this.prefix}${this.clock}-${++this.seq}`;
    h.sellOrder = clientOrderId;
    const signal: EngineSignal = {
      at: this.clock, symbol: this.o.symbol, side: 'exit', reason: a.reason,
      rationale: {
        bar: this.lastBar, level: this.latestLevel(), setup: null, price: a.exitPrice, stop: a.pos.stop, target: a.pos.target, r: null, targetR: null, option: h.pick,
        text: `${a.reason}: the ${a.pos.side} underlying exits at ${a.exitPrice}; sell ${h.qty} ${h.pick.contract} at the bid`,
      },
      order: { symbol: h.pick.contract, side: 'sell', qty: h.qty, type: 'market', stop: null, target: null },
      outcome: null,
    };
    const out = await this.o.sink.submit({
      account: this.o.account, symbol: h.pick.contract, side: 'sell', qty: h.qty, type: 'market', timeInForce: 'day', clientOrderId, role: 'close',
      source: `strategy:${this.o.strategy.name}:${this.o.instanceId}`,
    });
    if (!out.ok && h.sellOrder === clientOrderId) h.sellOrder = null;
    signal.outcome = out.ok ? { sent: true, orderId: out.order.id } : { sent: false, check: out.check, message: out.message };
    this.emitSignal(signal);
  }

  private onOptionOrderEvent(e: OrderEvent): void {
    const h = this.option;
    const order = e.order;
    if (!h) return;
    if (order.clientOrderId === h.buyOrder) {
      if (e.fill) {
        const prev = h.buy;
        const fees = (prev?.feesCents ?? 0) + e.fill.fees.total;
        h.buy = { price: priceToDollars(e.fill.price), time: e.fill.time, feesCents: fees };
      } else if (!h.buy && (order.status === 'canceled' || order.status === 'expired' || order.status === 'rejected')) {
        this.option = null;
        if (this.leg!.pos === h.pos) this.leg!.pos = null;
      }
      return;
    }
    if (order.clientOrderId !== h.sellOrder || !e.fill || !h.buy || !h.exit || e.positionQty !== 0) return;
    const bid = priceToDollars(e.fill.price);
    const ask = h.buy.price;
    const askCents = Math.round(ask * 10_000);
    const bidCents = Math.round(bid * 10_000);
    const feesCents = h.buy.feesCents + e.fill.fees.total;
    const trade: EngineTrade = {
      entryTime: h.pos.entryTime, exitTime: h.exit.time, side: h.pos.side, entryPrice: ask, exitPrice: bid, stop: h.pos.stop, target: h.pos.target,
      qty: h.qty, feesCents, pnlCents: h.qty * (bidCents - askCents) - feesCents, r: (bidCents - askCents) / askCents,
      reasonIn: h.pos.reasonIn, reasonOut: h.exit.reason,
      // Between the two fills only: the engine does not follow the contract's quotes while held.
      mae: Math.max(0, round4(ask - bid)), mfe: Math.max(0, round4(bid - ask)),
      option: {
        contract: h.pick.contract, quoteSource: h.pick.quoteSource, entryAsk: ask, exitBid: bid, breakEven: OptionLeg.breakEven(h.pick.contract, ask),
        underlyingEntry: h.pos.entryPrice, underlyingExit: h.exit.price, pick: h.pick.pick, optionEntryTime: h.buy.time, optionExitTime: e.fill.time,
      },
    };
    this.option = null;
    this.trades.push(trade);
    this.o.onTrade?.(trade);
  }
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const round4 = (x: number) => Math.round(x * 1e4) / 1e4;
function isoTime(ms: number): string {
  const d = new Date(ms);
  return d.toLocaleTimeString('en-US', { timeZone: 'America/New_York', hour12: false, hour: '2-digit', minute: '2-digit' });
}
