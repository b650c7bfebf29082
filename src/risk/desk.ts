/**
 * TradingDesk — the one way to a broker. An intent (from the order ticket, a strategy or
 * the exit manager) is audited, checked by the RiskEngine, audited again with the
 * decision, and only then handed to the account's broker as an ApprovedIntent. The desk
 * also owns the kill switch (cancel every working order, suspend the exits, refuse new
 * orders), the daily-loss watch that trips it, and the losing-streak bookkeeping.
 *
 * Idempotency: an intent whose client order id the broker already knows returns that
 * order instead of sending a second one (a retried POST after a timeout never doubles).
 */
import { BrokerError, type Account, type Broker, type BrokerEvent, type Order, type OrderIntent, type Price } from '../broker/types.js';
import { ExitManager, type ExitManagerOptions, type SubmitOutcome } from '../broker/exits.js';
import { newClientOrderId } from '../broker/order.js';
import type { AuditTrail } from '../audit/index.js';
import type { TradingRepository } from '../store/trading.js';
import { errorBody, type ErrorBody } from '../core/errors.js';
import { RISK_CHECKS, RiskEngine, type KillSwitchState } from './engine.js';
import type { RiskSettings, RiskSettingsPatch } from './settings.js';

export type { SubmitOutcome } from '../broker/exits.js';

/**
 * A refused submit as the API sends it: a risk check → RISK_DENIED with the check as `reason`;
 * a broker refusal (`broker:<code>`) → BROKER_REJECTED with the broker's code; an unknown
 * account → INVALID_FIELD on `account`; closing what is not held → NOT_FOUND on `symbol`.
 */
export function refusalBody(refusal: { check: string; message: string }): ErrorBody {
  const { check, message } = refusal;
  if ((RISK_CHECKS as readonly string[]).includes(check)) return errorBody('RISK_DENIED', message, { field: null, reason: check });
  if (check === 'broker' || check.startsWith('broker:')) return errorBody('BROKER_REJECTED', message, { field: null, reason: check.slice('broker:'.length) || 'failed' });
  if (check === 'account') return errorBody('INVALID_FIELD', message, { field: 'account' });
  if (check === 'position') return errorBody('NOT_FOUND', message, { field: 'symbol' });
  return errorBody('INTERNAL', message, { field: null, reason: check });
}

export interface TradingDeskOptions {
  repo: TradingRepository;
  brokers: Broker[];
  audit: AuditTrail;
  risk?: RiskEngine;
  /** Market time for an account (the paper broker's clock, or the feed's). */
  marketNow(account: string): number;
  /** The NBBO of a symbol now, when known. */
  quote(symbol: string): Promise<{ bid: Price | null; ask: Price | null } | null> | { bid: Price | null; ask: Price | null } | null;
  /** OPTDESK_LIVE=1. */
  liveAllowed?: boolean;
  wallNow?: () => number;
  exits?: Pick<ExitManagerOptions, 'flattenAt' | 'cancelTimeoutMs'>;
}

export class TradingDesk {
  readonly risk: RiskEngine;
  readonly exits: ExitManager;
  private readonly byAccount = new Map<string, Broker>();
  private readonly wallNow: () => number;
  /** Cash flow of each open round trip (account|symbol), for the losing-streak cooldown. */
  private readonly roundTrips = new Map<string, number>();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(private readonly o: TradingDeskOptions) {
    this.risk = o.risk ?? new RiskEngine(o.repo);
    this.wallNow = o.wallNow ?? Date.now;
    for (const b of o.brokers) for (const name of b.accountNames()) this.byAccount.set(name, b);
    this.exits = new ExitManager({
      repo: o.repo,
      brokerFor: (account) => this.brokerFor(account),
      accounts: () => this.accountNames(),
      submit: (intent) => this.submit(intent),
      now: () => o.marketNow(this.accountNames()[0] ?? ''),
      audit: (what, data, account, ref) => this.audit('exit', { what, ...data }, account, ref),
      ...o.exits,
    });
    if (this.risk.killSwitch().engaged) this.exits.suspend();
    for (const b of o.brokers) {
      this.unsubscribe.push(b.onEvent((e) => this.onBrokerEvent(e)));
    }
  }

  accountNames(): string[] {
    return [...this.byAccount.keys()];
  }

  brokerFor(account: string): Broker {
    const b = this.byAccount.get(account);
    if (!b) throw new BrokerError('unknown_account', `no account named ${account} (accounts: ${this.accountNames().join(', ')})`);
    return b;
  }

  /** Risk check, audit, then the broker. Never throws for a refusal: it returns it. */
  async submit(input: OrderIntent): Promise<SubmitOutcome> {
    const intent: OrderIntent = {
      ...input,
      clientOrderId: input.clientOrderId ?? newClientOrderId(),
      timeInForce: input.timeInForce ?? 'day',
      role: input.role ?? 'entry',
      source: input.source ?? 'manual',
    };
    const broker = this.byAccount.get(intent.account);
    if (!broker) return { ok: false, check: 'account', message: `no account named ${intent.account} (accounts: ${this.accountNames().join(', ')})` };
    this.audit('intent', intent, intent.account, intent.clientOrderId);

    const existing = await broker.orderByClientId(intent.account, intent.clientOrderId!);
    if (existing) {
      this.audit('risk_decision', { ok: true, idempotent: true, orderId: existing.id }, intent.account, intent.clientOrderId);
      return { ok: true, order: existing };
    }

    const [accounts, positions, quote] = await Promise.all([broker.accounts(), broker.positions(intent.account), this.o.quote(intent.symbol)]);
    const account = accounts.find((a) => a.name === intent.account)!;
    const now = this.o.marketNow(intent.account);
    const decision = this.risk.check(intent, {
      now, wallNow: this.wallNow(), account, positions, quote, liveAllowed: this.o.liveAllowed ?? false,
    });
    const row = this.audit('risk_decision', decision, intent.account, intent.clientOrderId);
    if (!decision.ok) {
      if (decision.tripKillSwitch) await this.kill(decision.message, 'risk:daily_loss');
      return { ok: false, check: decision.check, message: decision.message };
    }
    this.risk.record(intent, this.wallNow());
    try {
      const order = await broker.submit({
        ...intent, clientOrderId: intent.clientOrderId!, timeInForce: intent.timeInForce!, role: intent.role!,
        approval: { decisionId: String(row.seq), at: now },
      });
      return { ok: true, order };
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.audit('error', { during: 'submit', code: e instanceof BrokerError ? e.code : 'error', message }, intent.account, intent.clientOrderId);
      return { ok: false, check: e instanceof BrokerError ? `broker:${e.code}` : 'broker', message };
    }
  }

  async cancel(account: string, orderId: string, by = 'manual'): Promise<Order> {
    const order = await this.brokerFor(account).cancel(account, orderId);
    this.audit('order_event', { request: 'cancel', by, orderId }, account, orderId);
    return order;
  }

  /** Closes a position: its exits and working orders are canceled first (one sell may cover a contract), then a market order. */
  async closePosition(account: string, symbol: string): Promise<SubmitOutcome> {
    const broker = this.brokerFor(account);
    for (const o of await broker.orders({ account, status: 'open', symbol })) {
      try { await broker.cancel(account, o.id); } catch { /* it finished meanwhile */ }
    }
    const position = (await broker.positions(account)).find((p) => p.symbol === symbol);
    if (!position) return { ok: false, check: 'position', message: `account ${account} holds no ${symbol}` };
    return this.submit({ account, symbol, side: position.qty > 0 ? 'sell' : 'buy', qty: Math.abs(position.qty), type: 'market', role: 'close', source: 'manual:close' });
  }

  killSwitch(): KillSwitchState {
    return this.risk.killSwitch();
  }

  /** Engages the kill switch: blocks new orders, suspends the exits, cancels every working order. */
  async kill(reason: string, by: string): Promise<{ state: KillSwitchState; canceled: string[]; failed: { id: string; message: string }[] }> {
    const state = this.risk.setKillSwitch(true, reason, by, this.wallNow());
    this.exits.suspend();
    this.audit('kill_switch', { engaged: true, reason, by });
    const canceled: string[] = [];
    const failed: { id: string; message: string }[] = [];
    for (const broker of new Set(this.byAccount.values())) {
      for (const o of await broker.orders({ status: 'open' })) {
        try {
          await broker.cancel(o.account, o.id);
          canceled.push(o.id);
        } catch (e) {
          failed.push({ id: o.id, message: (e as Error).message });
        }
      }
    }
    this.audit('kill_switch', { canceled, failed }, undefined, undefined);
    return { state, canceled, failed };
  }

  async release(by: string): Promise<KillSwitchState> {
    const state = this.risk.setKillSwitch(false, null, by, this.wallNow());
    this.audit('kill_switch', { engaged: false, by });
    await this.exits.resume();
    return state;
  }

  riskSettings(): RiskSettings {
    return this.risk.settings();
  }

  updateRiskSettings(patch: RiskSettingsPatch, by: string): RiskSettings {
    const before = this.risk.settings();
    const after = this.risk.updateSettings(patch);
    this.audit('setting', { key: 'risk', by, before, after });
    return after;
  }

  /** Starts the exits (re-arms what a previous run left armed). */
  async start(): Promise<void> {
    await this.exits.rearm();
  }

  stop(): void {
    for (const u of this.unsubscribe.splice(0)) u();
  }

  private onBrokerEvent(e: BrokerEvent): Promise<unknown> | void {
    if (e.kind === 'order') {
      const { event } = e;
      const { order, fill } = event;
      this.audit(fill ? 'fill' : 'order_event', fill ? { type: event.type, fill, status: order.status, filledQty: order.filledQty } : { type: event.type, status: order.status, role: order.role, reason: order.reason, symbol: order.symbol, side: order.side, qty: order.qty }, order.account, order.id);
      if (fill) this.trackRoundTrip(order, fill.side, fill.price, fill.qty, fill.fees.total, event.positionQty, fill.time);
      return this.exits.handle(e);
    }
    if (e.kind === 'account') return this.watchDailyLoss(e.account);
  }

  private trackRoundTrip(order: Order, side: 'buy' | 'sell', price: Price, qty: number, fees: number, positionQty: number | undefined, at: number): void {
    const key = `${order.account}|${order.symbol}`;
    const mult = order.assetClass === 'option' ? 100 : 1;
    const flow = (side === 'sell' ? 1 : -1) * Math.round((price * qty * mult) / 100) - fees;
    const total = (this.roundTrips.get(key) ?? 0) + flow;
    if (positionQty === 0) {
      this.roundTrips.delete(key);
      this.risk.recordRoundTrip(total, at);
    } else {
      this.roundTrips.set(key, total);
    }
  }

  /** Looks at every account's day P&L at the current marks (call on quotes/ticks: marks move without fills). */
  async checkDailyLoss(): Promise<void> {
    if (this.risk.killSwitch().engaged) return;
    for (const broker of new Set(this.byAccount.values())) {
      for (const a of await broker.accounts()) await this.watchDailyLoss(a);
    }
  }

  private async watchDailyLoss(account: Account): Promise<void> {
    const limit = this.risk.settings().dailyLossLimit;
    if (account.dayPnl <= -limit && !this.risk.killSwitch().engaged) {
      await this.kill(`daily loss limit: account ${account.name} is down $${(-account.dayPnl / 100).toFixed(2)} today (limit $${(limit / 100).toFixed(2)})`, 'risk:daily_loss');
    }
  }

  private audit(kind: Parameters<AuditTrail['append']>[0], data: unknown, account?: string, ref?: string) {
    return this.o.audit.append(kind, data, { ...(account ? { account } : {}), ...(ref ? { ref } : {}) });
  }
}

