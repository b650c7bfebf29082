/**
 * RiskEngine — the pre-trade checks every intent passes, manual or automated, before any
 * broker sees it (DESIGN.md principle 4). A rejection names its check and says why in a
 * sentence. The engine keeps the kill switch, the settings, the recent intents (rate and
 * duplicate checks) and the losing streak; the store keeps what must survive a restart.
 *
 * Exits of a held position (take-profit, stop, flatten, close) reduce risk: they pass the
 * kill switch, live flag, market hours and price collar checks only — a size or rate
 * limit must never keep a trader from getting out.
 */
import { formatNyIso, sessionAt } from '../calendar/index.js';
import { formatCents, formatPrice, notional } from '../broker/money.js';
import { assetClassOf } from '../broker/order.js';
import type { Account, Cents, OrderIntent, Position, Price } from '../broker/types.js';
import type { TradingRepository } from '../store/trading.js';
import { applyPatch, DEFAULT_RISK_SETTINGS, type RiskSettings, type RiskSettingsPatch } from './settings.js';

export const RISK_CHECKS = [
  'kill_switch',
  'live_trading',
  'market_hours',
  'max_qty',
  'max_notional',
  'max_open_positions',
  'daily_loss',
  'orders_per_minute',
  'price_collar',
  'duplicate_intent',
  'loss_cooldown',
] as const;
export type RiskCheck = (typeof RISK_CHECKS)[number];

export type RiskDecision =
  | { ok: true }
  | { ok: false; check: RiskCheck; message: string; tripKillSwitch?: boolean };

/** What the engine needs to know about the world when it checks one intent. */
export interface RiskContext {
  /** Market time: the feed's (or paper broker's) clock. */
  now: number;
  /** Wall clock, for the per-minute cap and the duplicate window. */
  wallNow: number;
  account: Account;
  positions: readonly Position[];
  /** The symbol's NBBO now, when known. */
  quote: { bid: Price | null; ask: Price | null } | null;
  /** OPTDESK_LIVE=1 was given. */
  liveAllowed: boolean;
}

export interface KillSwitchState {
  engaged: boolean;
  reason: string | null;
  /** Wall-clock ms of the last change. */
  at: number | null;
  by: string | null;
}

interface LossStreak {
  count: number;
  /** Market time of the last loss. */
  lastLossAt: number | null;
}

const SETTINGS_KEY = 'risk.settings';
const KILL_KEY = 'risk.killSwitch';
const STREAK_KEY = 'risk.lossStreak';
const EXIT_ROLES = new Set(['take_profit', 'stop_loss', 'flatten', 'close', 'expiry']);

export function isExitIntent(intent: OrderIntent): boolean {
  return EXIT_ROLES.has(intent.role ?? 'entry');
}

function intentKey(i: OrderIntent): string {
  return [i.account, i.symbol, i.side, i.qty, i.type, i.limitPrice ?? '', i.stopPrice ?? ''].join('|');
}

export class RiskEngine {
  private current: RiskSettings;
  private kill: KillSwitchState;
  private streak: LossStreak;
  /** Approved intents of the last minute(s): wall time and key. */
  private readonly recent: { at: number; key: string; clientOrderId?: string }[] = [];

  constructor(private readonly repo?: TradingRepository) {
    this.current = { ...DEFAULT_RISK_SETTINGS, ...(repo?.getState<Partial<RiskSettings>>(SETTINGS_KEY) ?? {}) };
    this.kill = repo?.getState<KillSwitchState>(KILL_KEY) ?? { engaged: false, reason: null, at: null, by: null };
    this.streak = repo?.getState<LossStreak>(STREAK_KEY) ?? { count: 0, lastLossAt: null };
  }

  settings(): RiskSettings {
    return { ...this.current };
  }

  updateSettings(patch: RiskSettingsPatch): RiskSettings {
    this.current = applyPatch(this.current, patch);
    this.repo?.setState(SETTINGS_KEY, this.current);
    return this.settings();
  }

  killSwitch(): KillSwitchState {
    return { ...this.kill };
  }

  setKillSwitch(engaged: boolean, reason: string | null, by: string, at: number): KillSwitchState {
    this.kill = { engaged, reason: engaged ? reason : null, at, by };
    this.repo?.setState(KILL_KEY, this.kill);
    return this.killSwitch();
  }

  lossStreak(): LossStreak {
    return { ...this.streak };
  }

  /** A position closed (fully) with this realized P&L, net of fees: feeds the cooldown. */
  recordRoundTrip(realized: Cents, at: number): void {
    const served = this.streak.lastLossAt !== null && at >= this.streak.lastLossAt + this.current.cooldownMinutes * 60_000;
    if (served && this.streak.count >= this.current.maxConsecutiveLosses) this.streak = { count: 0, lastLossAt: null };
    this.streak = realized < 0 ? { count: this.streak.count + 1, lastLossAt: at } : { count: 0, lastLossAt: this.streak.lastLossAt };
    this.repo?.setState(STREAK_KEY, this.streak);
  }

  /**
   * May an automated strategy instance be switched to `auto` on this account? Refused while
   * the kill switch is on, and for a live account without the live flag. (Each of its orders
   * still passes `check` like any other.)
   */
  checkAutomation(account: Pick<Account, 'name' | 'mode'>, liveAllowed: boolean): RiskDecision {
    if (this.kill.engaged) {
      return reject('kill_switch', `the kill switch is on${this.kill.reason ? ` (${this.kill.reason})` : ''}: automation cannot trade until it is released`);
    }
    if (account.mode === 'live' && !liveAllowed) {
      return reject('live_trading', `account ${account.name} trades real money: start optdesk with OPTDESK_LIVE=1 to automate it`);
    }
    return { ok: true };
  }

  /** Runs every check in order; the first that fails decides. Pure: call `record` on approval. */
  check(intent: OrderIntent, ctx: RiskContext): RiskDecision {
    const s = this.current;
    const exit = isExitIntent(intent);
    const assetClass = assetClassOf(intent.symbol);

    if (this.kill.engaged) {
      return reject('kill_switch', `the kill switch is on${this.kill.reason ? ` (${this.kill.reason})` : ''}: no orders until it is released`);
    }
    if (ctx.account.mode === 'live' && !ctx.liveAllowed) {
      return reject('live_trading', `account ${ctx.account.name} trades real money: start optdesk with OPTDESK_LIVE=1 to allow it`);
    }
    if (s.enforceMarketHours) {
      const session = sessionAt(ctx.now);
      const extended = assetClass === 'stock' && intent.extendedHours === true;
      const from = session ? (extended ? session.preOpen : session.open) : null;
      const to = session ? (extended ? session.postClose : session.close) : null;
      if (from === null || to === null || ctx.now < from || ctx.now >= to) {
        const what = assetClass === 'option' ? 'options trade 09:30–16:00 New York (13:00 on early closes)' : extended ? 'extended hours are 04:00–20:00 New York' : 'regular hours are 09:30–16:00 New York (use extended hours for pre/post-market stock orders)';
        return reject('market_hours', `the market is closed at ${formatNyIso(ctx.now)}: ${what}`);
      }
    }
    const price = intent.limitPrice ?? intent.stopPrice ?? (intent.side === 'buy' ? ctx.quote?.ask : ctx.quote?.bid) ?? null;
    if (!exit) {
      const maxQty = assetClass === 'option' ? s.maxContractsPerOrder : s.maxSharesPerOrder;
      if (intent.qty > maxQty) {
        return reject('max_qty', `${intent.qty} ${assetClass === 'option' ? 'contracts' : 'shares'} is more than the ${maxQty} allowed per order`);
      }
      if (price !== null) {
        const value = notional(price, intent.qty, assetClass);
        if (value > s.maxNotionalPerOrder) {
          return reject('max_notional', `the order is worth ${formatCents(value)}, more than the ${formatCents(s.maxNotionalPerOrder)} allowed per order`);
        }
      }
      const opensNew = !ctx.positions.some((p) => p.symbol === intent.symbol && p.qty !== 0);
      if (opensNew && ctx.positions.length >= s.maxOpenPositions) {
        return reject('max_open_positions', `account ${ctx.account.name} already holds ${ctx.positions.length} positions, the most allowed; close one first`);
      }
      if (ctx.account.dayPnl <= -s.dailyLossLimit) {
        return { ok: false, check: 'daily_loss', tripKillSwitch: true, message: `today's loss of ${formatCents(-ctx.account.dayPnl)} reached the ${formatCents(s.dailyLossLimit)} daily limit: trading halts (kill switch on)` };
      }
      const minuteAgo = ctx.wallNow - 60_000;
      const lastMinute = this.recent.filter((r) => r.at > minuteAgo).length;
      if (lastMinute >= s.ordersPerMinute) {
        return reject('orders_per_minute', `${lastMinute} orders in the last minute is the most allowed (${s.ordersPerMinute}); wait a moment`);
      }
    }
    if (intent.limitPrice !== undefined && ctx.quote) {
      const collar = (ref: Price): Price => Math.max(Math.round((ref * s.collarPercent) / 100), s.collarMinCents * 100);
      if (intent.side === 'buy' && ctx.quote.ask !== null && intent.limitPrice > ctx.quote.ask + collar(ctx.quote.ask)) {
        return reject('price_collar', `buy limit ${formatPrice(intent.limitPrice)} is more than ${s.collarPercent}% above the ask ${formatPrice(ctx.quote.ask)}: check the price`);
      }
      if (intent.side === 'sell' && ctx.quote.bid !== null && intent.limitPrice < ctx.quote.bid - collar(ctx.quote.bid)) {
        return reject('price_collar', `sell limit ${formatPrice(intent.limitPrice)} is more than ${s.collarPercent}% below the bid ${formatPrice(ctx.quote.bid)}: check the price`);
      }
    }
    if (!exit) {
      const key = intentKey(intent);
      const windowStart = ctx.wallNow - s.duplicateWindowSeconds * 1_000;
      const twin = this.recent.find((r) => r.at > windowStart && r.key === key && r.clientOrderId !== intent.clientOrderId);
      if (twin) {
        return reject('duplicate_intent', `the same order was sent ${Math.max(0, Math.round((ctx.wallNow - twin.at) / 1000))} s ago: refusing a double submit (wait ${s.duplicateWindowSeconds} s to repeat it on purpose)`);
      }
      if (this.streak.count >= s.maxConsecutiveLosses && this.streak.lastLossAt !== null) {
        const until = this.streak.lastLossAt + s.cooldownMinutes * 60_000;
        if (ctx.now < until) {
          return reject('loss_cooldown', `${this.streak.count} losing trades in a row: entries pause until ${formatNyIso(until)} (${s.cooldownMinutes}-minute cooldown)`);
        }
      }
    }
    return { ok: true };
  }

  /** Remembers an approved intent for the rate and duplicate checks. */
  record(intent: OrderIntent, wallNow: number): void {
    this.recent.push({ at: wallNow, key: intentKey(intent), ...(intent.clientOrderId ? { clientOrderId: intent.clientOrderId } : {}) });
    const keepFrom = wallNow - Math.max(60_000, this.current.duplicateWindowSeconds * 1_000);
    while (this.recent.length && this.recent[0]!.at <= keepFrom) this.recent.shift();
  }
}

function reject(check: RiskCheck, message: string): RiskDecision {
  return { ok: false, check, message };
}
