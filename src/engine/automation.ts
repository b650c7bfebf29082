/**
 * Automation — the stored strategy instances (src/store/strategies.ts) and the engines that
 * run them side by side, each bound to one account with its own strategy, symbol and
 * parameters, and a switch:
 *
 * - `off`: nothing runs;
 * - `signal`: the engine runs and emits each signal with its rationale and a pre-filled
 *   order (symbol, side, qty, stop, target) for a one-click ticket; no entry is sent (a
 *   position the instance opened in `auto` still gets its flat exit);
 * - `auto`: its orders go through the trading desk (risk engine → broker). Switching to
 *   `auto` is refused by the risk engine while the kill switch is on or for a live account
 *   without the live flag, and for accounts not on the paper broker (the bar-rule fills that
 *   make a run match the backtester are the paper broker's). Orders need market hours (the
 *   risk engine's check, on the replay clock in replay).
 *
 * What an instance emits (signals, levels and setups, closed trades) is stored per instance
 * for the report and the chart, and pushed as `strategy:signal` / `strategy:update`.
 */
import { randomUUID } from 'node:crypto';
import { formatNyIso, nyDate, sessionAt } from '../calendar/index.js';
import { InputError } from '../core/errors.js';
import type { IntradayTimeframe } from '../core/types.js';
import { INTRADAY_TIMEFRAMES } from '../core/types.js';
import type { Broker, BrokerEvent } from '../broker/types.js';
import type { PaperBroker } from '../broker/paper/broker.js';
import type { TradingDesk } from '../risk/desk.js';
import type { RiskCheck } from '../risk/engine.js';
import { strategyFactory, type Published, type RawParams } from '../strategies/index.js';
import type { AutomationMode, StoredInstance, StrategyRepository } from '../store/strategies.js';
import { computeStats, type BacktestStats } from '../backtest/stats.js';
import { StrategyEngine, type EngineSignal, type EngineTrade } from './strategy-engine.js';
import { OptionLeg, type OptionDataDeps } from './option-leg.js';
import { optionsModeParams, splitOptionParams, type OptionsModeParams } from '../backtest/options-params.js';

export type Instrument = StoredInstance['instrument'];

/** The bar source: the ChartHub (closed bars of every series, replay resets, subscriptions). */
export interface BarSource {
  retain(symbol: string): void;
  release(symbol: string): void;
  feedNow(): number;
  /** Defined on the replay (bars arrive on time); undefined live (bars arrive seconds late). */
  replayStatus?(): unknown;
  /** Loads the symbol's history up to now. */
  ensureLoaded(symbol: string): Promise<void>;
  /** The BarEngine behind the charts: a series' bars. */
  readonly engine: { series(symbol: string, tf: IntradayTimeframe, extended?: boolean, fromMs?: number, toMs?: number): readonly { start: number; open: number; high: number; low: number; close: number; volume: number; closed: boolean }[] };
  observe(o: {
    onBar?(d: { symbol: string; tf: string; extended: boolean; bar: { start: number; open: number; high: number; low: number; close: number; volume: number; closed: boolean } }): void;
    onReset?(status: unknown): void;
  }): () => void;
}

export interface AutomationDeps {
  repo: StrategyRepository;
  desk: TradingDesk;
  paper: PaperBroker;
  bars: BarSource;
  liveAllowed: boolean;
  /** Socket pushes (`strategy:signal`, `strategy:update`). */
  emit?(event: 'strategy:signal' | 'strategy:update', body: unknown): void;
  /** Starting equity of an instance's report when its account cannot say (cents). */
  defaultStartEquityCents?: number;
  /** Option quotes for instances in options mode (recorded in the store, MODEL from the underlying's bars). */
  optionData?: OptionDataDeps;
}

export interface CreateInstance {
  name: string;
  strategy: string;
  symbol: string;
  account: string;
  params?: RawParams;
  mode?: AutomationMode;
  instrument?: Instrument;
}

/** A refusal of a mode switch: the check that said no, in its words. */
export class AutomationRefused extends Error {
  constructor(readonly check: RiskCheck | 'broker', message: string) {
    super(message);
    this.name = 'AutomationRefused';
  }
}

export interface WireLevels { name: string; date: string; from: string; to: string; high: number; low: number }
export interface WireSignal extends Omit<EngineSignal, 'at' | 'rationale'> {
  instanceId: string;
  at: string;
  rationale: Omit<EngineSignal['rationale'], 'bar'> & { bar: { tf: string; start: string; close: number } | null };
}

export interface InstanceStats {
  trades: number;
  wins: number;
  winRate: number | null;
  pnl: number;
  profitFactor: number | null;
  expectancy: number | null;
  expectancyR: number | null;
  maxDrawdown: number;
}

interface Running {
  engine: StrategyEngine;
  off: () => void;
}

interface StoredTrade extends EngineTrade {}

/** How late a live minute bar may reach the engine and still be traded on (Massive's AM comes seconds after the minute). */
const LIVE_BAR_GRACE_MS = 90_000;

export class Automation {
  private readonly running = new Map<string, Running>();
  private readonly unsubscribe: (() => void)[] = [];
  private started = false;

  constructor(private readonly d: AutomationDeps) {}

  /** Starts the engines of every instance that is not `off` and follows bars, resets and fills. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.unsubscribe.push(this.d.bars.observe({
      onBar: (delta) => {
        if (delta.extended || !delta.bar.closed || !(INTRADAY_TIMEFRAMES as readonly string[]).includes(delta.tf)) return;
        for (const [id, r] of this.running) {
          if (this.d.repo.instance(id)?.symbol === delta.symbol) r.engine.onBar(delta.tf as IntradayTimeframe, delta.bar);
        }
      },
      // The replay changed session or jumped back: forward, engines carry on (a strategy's
      // day-to-day state, e.g. relative volume, survives); backward they start again.
      // Into a session already under way, they start again and warm up on its bars so far.
      onReset: () => {
        const now = this.d.bars.feedNow();
        const midSession = (sessionAt(now)?.open ?? Infinity) < now;
        for (const [id, r] of [...this.running]) if (midSession || !r.engine.jumpTo(now)) void this.restart(id);
      },
    }));
    const brokers = new Set<Broker>(this.d.desk.accountNames().map((a) => this.d.desk.brokerFor(a)));
    for (const b of brokers) this.unsubscribe.push(b.onEvent((e) => this.onBrokerEvent(e)));
    for (const i of this.d.repo.instances()) if (i.mode !== 'off') await this.run(i);
  }

  stop(): void {
    for (const id of [...this.running.keys()]) this.halt(id);
    for (const u of this.unsubscribe.splice(0)) u();
    this.started = false;
  }

  // ───────────────────────────── instances ─────────────────────────────

  list(): ReturnType<Automation['view']>[] {
    return this.d.repo.instances().map((i) => this.view(i));
  }

  has(id: string): boolean {
    return this.d.repo.instance(id) !== null;
  }

  get(id: string): StoredInstance {
    const i = this.d.repo.instance(id);
    if (!i) throw new InputError('id', `no strategy instance ${id}`);
    return i;
  }

  async create(input: CreateInstance): Promise<ReturnType<Automation['view']>> {
    const name = input.name.trim();
    if (this.d.repo.instanceByName(name)) throw new InputError('name', `an instance named ${JSON.stringify(name)} already exists`);
    const instrument = input.instrument ?? 'underlying';
    checkParams(input.strategy, input.params ?? {}, instrument);
    if (!this.d.desk.accountNames().includes(input.account)) {
      throw new InputError('account', `no account named ${input.account} (accounts: ${this.d.desk.accountNames().join(', ')})`);
    }
    const mode = input.mode ?? 'off';
    if (mode === 'auto') this.mayAutomate(input.account);
    const now = Date.now();
    const i: StoredInstance = {
      id: `si_${randomUUID().slice(0, 8)}`, name, strategy: input.strategy, symbol: input.symbol.toUpperCase(), account: input.account,
      params: { ...(input.params ?? {}) }, mode, instrument, createdAt: now, updatedAt: now,
    };
    this.d.repo.save(i);
    if (mode !== 'off' && this.started) await this.run(i);
    this.pushUpdate(i);
    return this.view(i);
  }

  async update(id: string, patch: { mode?: AutomationMode; params?: RawParams; instrument?: Instrument }): Promise<ReturnType<Automation['view']>> {
    const before = this.get(id);
    if (patch.params || patch.instrument) checkParams(before.strategy, patch.params ?? before.params, patch.instrument ?? before.instrument);
    if (patch.mode === 'auto' && before.mode !== 'auto') this.mayAutomate(before.account);
    const after: StoredInstance = { ...before, ...(patch.mode ? { mode: patch.mode } : {}), ...(patch.params ? { params: { ...patch.params } } : {}), ...(patch.instrument ? { instrument: patch.instrument } : {}), updatedAt: Date.now() };
    this.d.repo.save(after);
    if (after.mode === 'off') this.halt(id);
    else if (!this.running.has(id) || patch.params || (patch.instrument && patch.instrument !== before.instrument)) await this.restart(id);
    this.pushUpdate(after);
    return this.view(after);
  }

  remove(id: string): void {
    this.get(id);
    this.halt(id);
    this.d.repo.remove(id);
    this.d.emit?.('strategy:update', { instanceId: id, mode: 'off', status: 'deleted' });
  }

  /** The engine of a running instance (tests, the report's open position). */
  engine(id: string): StrategyEngine | undefined {
    return this.running.get(id)?.engine;
  }

  report(id: string) {
    const i = this.get(id);
    const trades = this.d.repo.events<StoredTrade>(id, 'trade').map((e) => e.data);
    const startEquityCents = this.d.defaultStartEquityCents ?? 10_000_000;
    const levels = this.d.repo.events<Published>(id, 'levels').map((e) => e.data).filter((p) => p.kind === 'levels');
    const stats = this.stats(trades, levels.map((l) => l.date), startEquityCents);
    let eq = startEquityCents;
    const equity = [{ time: formatNyIso(trades[0]?.entryTime ?? i.createdAt), equity: eq / 100 }];
    for (const t of trades) {
      eq += t.pnlCents;
      equity.push({ time: formatNyIso(t.exitTime), equity: eq / 100 });
    }
    return {
      instance: this.view(i),
      trades: trades.map(reportTrade),
      equity,
      stats,
      levels: levels.map(wireLevels),
      setups: this.d.repo.events<Published>(id, 'setup').map((e) => e.data).filter((p) => p.kind === 'setup').map((s) => ({ time: formatNyIso(s.time), name: s.name, side: s.side, level: s.level })),
      signals: this.d.repo.events<WireSignal>(id, 'signal').map((e) => e.data),
    };
  }

  // ───────────────────────────── internals ─────────────────────────────

  private mayAutomate(account: string): void {
    const broker = this.d.desk.brokerFor(account);
    if (broker !== this.d.paper) {
      throw new AutomationRefused('broker', `account ${account} is on ${broker.kind}: automated orders fill by the bar rules, which only the paper broker runs; use a paper account`);
    }
    const mode = broker.kind === 'paper' ? 'paper' : 'live';
    const decision = this.d.desk.risk.checkAutomation({ name: account, mode }, this.d.liveAllowed);
    if (!decision.ok) throw new AutomationRefused(decision.check, decision.message);
  }

  private view(i: StoredInstance) {
    const trades = this.d.repo.events<StoredTrade>(i.id, 'trade').map((e) => e.data);
    const s = this.stats(trades, [], this.d.defaultStartEquityCents ?? 10_000_000);
    const engine = this.running.get(i.id)?.engine;
    const pos = engine?.openPosition() ?? null;
    return {
      id: i.id, name: i.name, strategy: i.strategy, symbol: i.symbol, account: i.account, params: i.params, mode: i.mode, instrument: i.instrument,
      status: this.status(i),
      openPosition: pos && { side: pos.side, qty: pos.qty, ...(pos.contract ? { contract: pos.contract } : {}), entryTime: formatNyIso(pos.entryTime), entryPrice: pos.entryPrice, stop: Number.isNaN(pos.stop) ? null : pos.stop, target: pos.target },
      stats: { trades: s.trades, wins: s.wins, winRate: s.winRate, pnl: s.netPnl, profitFactor: s.profitFactor, expectancy: s.expectancy, expectancyR: s.expectancyR, maxDrawdown: s.maxDrawdown } satisfies InstanceStats,
      createdAt: new Date(i.createdAt).toISOString(), updatedAt: new Date(i.updatedAt).toISOString(),
    };
  }

  private status(i: StoredInstance): 'off' | 'watching' | 'entry_pending' | 'in_position' {
    const engine = this.running.get(i.id)?.engine;
    if (!engine) return 'off';
    if (engine.openPosition()) return 'in_position';
    if (engine.pendingEntry()) return 'entry_pending';
    return 'watching';
  }

  private stats(trades: readonly StoredTrade[], sessionDates: readonly string[], startEquityCents: number): BacktestStats {
    const byDay = new Map<string, number>();
    for (const d of sessionDates) byDay.set(d, 0);
    for (const t of trades) {
      const d = nyDate(t.exitTime);
      byDay.set(d, (byDay.get(d) ?? 0) + t.pnlCents);
    }
    const days = [...byDay.keys()].sort();
    let minutesInMarket = 0;
    for (const t of trades) minutesInMarket += Math.max(0, (t.exitTime - t.entryTime) / 60_000);
    return computeStats({
      trades, dailyPnlCents: days.map((d) => byDay.get(d)!), startEquityCents, minutesInMarket, sessionMinutes: Math.max(1, days.length) * 390,
    });
  }

  private async run(i: StoredInstance): Promise<void> {
    if (this.running.has(i.id)) return;
    const options = i.instrument === 'options' ? splitOptionParams(i.params) : null;
    const { strategy, qty } = strategyFactory(i.strategy).create(options ? options.strategy : i.params);
    const id = i.id;
    const optionLeg = options ? new OptionLeg(i.symbol, optionsModeParams(options.options), this.d.optionData ?? { recorded: null, history: { minuteBars: () => [], dailyCloses: () => [] } }) : undefined;
    const engine = new StrategyEngine({
      instanceId: id, strategy, qty, symbol: i.symbol, account: i.account,
      mode: () => this.d.repo.instance(id)?.mode ?? 'off',
      brokerNow: () => this.d.paper.processedUntil() ?? -Infinity,
      lateMs: this.d.bars.replayStatus?.() === undefined ? LIVE_BAR_GRACE_MS : 0,
      optionLeg,
      sink: {
        submit: (intent) => this.d.desk.submit(intent),
        cancel: (orderId) => this.d.desk.cancel(i.account, orderId, `strategy:${id}`),
      },
      onSignal: (s) => {
        const wire = wireSignal(id, s);
        this.d.repo.addEvent(id, 'signal', s.at, wire);
        this.d.emit?.('strategy:signal', wire);
      },
      onPublish: (p) => {
        this.d.repo.addEvent(id, p.kind, p.kind === 'levels' ? p.from : p.time, p);
        if (p.kind === 'levels') {
          const now = this.d.repo.instance(id);
          if (now) this.d.emit?.('strategy:update', { instanceId: id, mode: now.mode, status: this.status(now), levels: [wireLevels(p)] });
        }
      },
      onTrade: (t) => {
        this.d.repo.addEvent(id, 'trade', t.exitTime, t);
        const now = this.d.repo.instance(id);
        if (now) this.pushUpdate(now);
      },
    }, this.d.bars.feedNow());
    let offAlarm: (() => void) | null = null;
    let halted = false;
    this.running.set(id, {
      engine,
      off: () => {
        halted = true;
        offAlarm?.();
        this.d.bars.release(i.symbol);
      },
    });
    this.d.bars.retain(i.symbol);
    await this.d.bars.ensureLoaded(i.symbol);
    if (halted) return;
    const now = this.d.bars.feedNow();
    const session = sessionAt(now);
    if (session) {
      const warm = [];
      for (const tf of ['1m', ...strategy.timeframes] as IntradayTimeframe[]) {
        for (const bar of this.d.bars.engine.series(i.symbol, tf, false, session.open, now)) if (bar.closed) warm.push({ tf, bar });
      }
      engine.warmUp(warm);
    } else {
      engine.warmUp([]);
    }
    // What an earlier run left (a restart, off and on mid-trade) is this run's: no second entry.
    const broker = this.d.desk.brokerFor(i.account);
    const [orders, fills] = await Promise.all([broker.orders({ account: i.account, symbol: i.symbol }), broker.fills({ account: i.account, symbol: i.symbol })]);
    engine.adopt(orders, fills, this.d.bars.feedNow());
    if (!halted) offAlarm = this.d.paper.addAlarmSource(engine);
  }

  private halt(id: string): void {
    const r = this.running.get(id);
    if (!r) return;
    this.running.delete(id);
    r.off();
  }

  private async restart(id: string): Promise<void> {
    this.halt(id);
    const i = this.d.repo.instance(id);
    if (i && i.mode !== 'off') await this.run(i);
  }

  private onBrokerEvent(e: BrokerEvent): void {
    if (e.kind !== 'order') return;
    for (const r of this.running.values()) r.engine.onOrderEvent(e.event);
  }

  private pushUpdate(i: StoredInstance): void {
    this.d.emit?.('strategy:update', { instanceId: i.id, mode: i.mode, status: this.status(i) });
  }
}

/**
 * Parameters checked by the strategy's spec, and in options mode the contract rules too
 * (src/backtest/options-params.ts, given next to the strategy's); errors name `params.<key>`
 * (or `strategy`).
 */
function checkParams(strategy: string, raw: RawParams, instrument: Instrument = 'underlying'): void {
  let params = raw;
  if (instrument === 'options') {
    const split = splitOptionParams(raw);
    params = split.strategy;
    let o: OptionsModeParams;
    try {
      o = optionsModeParams(split.options);
    } catch (e) {
      if (e instanceof InputError) throw new InputError(e.field.replace(/^--param /, 'params.'), e.reason);
      throw e;
    }
    // Exits on the option's own bid need the option's quotes minute by minute: backtest only for now.
    if (o.optionStopPct > 0) throw new InputError('params.optionStopPct', 'instances exit on the underlying\'s stop, target and flat time; option-bid exits are for backtests; use 0');
    if (o.optionTargetPct > 0) throw new InputError('params.optionTargetPct', 'instances exit on the underlying\'s stop, target and flat time; option-bid exits are for backtests; use 0');
  }
  let factory;
  try {
    factory = strategyFactory(strategy);
  } catch (e) {
    if (e instanceof InputError) throw new InputError('strategy', e.reason);
    throw e;
  }
  try {
    factory.create(params);
  } catch (e) {
    if (e instanceof InputError) throw new InputError(e.field.replace(/^--param /, 'params.'), e.reason);
    throw e;
  }
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

/** The backtest JSON's trade shape (src/backtest/backtest.ts ReportTrade). */
function reportTrade(t: StoredTrade) {
  return {
    entryTime: formatNyIso(t.entryTime), exitTime: formatNyIso(t.exitTime), side: t.side, entryPrice: t.entryPrice, exitPrice: t.exitPrice,
    stop: t.stop, target: t.target, qty: t.qty, fees: t.feesCents / 100, pnl: t.pnlCents / 100, r: r4(t.r), reasonIn: t.reasonIn, reasonOut: t.reasonOut,
    mae: r4(t.mae), mfe: r4(t.mfe),
    ...(t.option ? {
      contract: t.option.contract, quoteSource: t.option.quoteSource, optionEntryTime: formatNyIso(t.option.optionEntryTime), optionExitTime: formatNyIso(t.option.optionExitTime),
      entryAsk: t.option.entryAsk, exitBid: t.option.exitBid, breakEven: t.option.breakEven, underlyingEntry: t.option.underlyingEntry, underlyingExit: t.option.underlyingExit, pick: t.option.pick,
    } : {}),
  };
}

function wireLevels(l: Extract<Published, { kind: 'levels' }>): WireLevels {
  return { name: l.name, date: l.date, from: formatNyIso(l.from), to: formatNyIso(l.to), high: l.high, low: l.low };
}

function wireSignal(instanceId: string, s: EngineSignal): WireSignal {
  const { bar, ...rest } = s.rationale;
  return {
    instanceId, at: formatNyIso(s.at), symbol: s.symbol, side: s.side, reason: s.reason,
    rationale: { ...rest, bar: bar && { tf: bar.tf, start: formatNyIso(bar.start), close: bar.close } },
    order: s.order, outcome: s.outcome,
  };
}
