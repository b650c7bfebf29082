/**
 * What a trade records beyond its fills: automation mode and strategy, planned stop and
 * target → R, MAE/MFE in $ and R, slippage versus the mid at submission, and rule breaks.
 *
 * Sources: the entry order (its `source` and attached exits) for the plan; the store's
 * recorded option quotes (a long marked at its bid, a short at its ask) or the underlying's
 * minute bars (stocks: a long's worst is the bar low, its best the high) for excursions;
 * the risk settings and the audit trail (loss_cooldown refusals) for rule breaks; the entry
 * checklist grade stored when the trade's first fill came in (src/store/journal.ts), checked
 * against the trader's chosen minimum.
 */
import type { Cents, Order, Price, Side } from '../broker/types.js';
import { multiplier, notional, PRICE_SCALE, quotePrice, roundHalfAway } from '../broker/money.js';
import { nyDate, nyTimeToMs, sessionOn } from '../calendar/index.js';
import type { MinuteAggregate, OptionQuote } from '../core/types.js';
import { tryParseOptionTicker } from '../core/occ.js';
import type { RiskSettings } from '../risk/settings.js';
import { GRADES, type Grade } from '../checklist/grade.js';
import type { Trade, TradeLeg } from './types.js';

/** Recorded market data the review reads (the MarketStore satisfies it). */
export interface MarketHistory {
  /** Bounds: from inclusive, to exclusive (the store's convention). */
  contractQuotes(ticker: string, fromMs: number, toMs: number): OptionQuote[];
  minuteBars(symbol: string, fromMs: number, toMs: number): MinuteAggregate[];
  /** Changes when more history becomes readable (cached reviews are then stale). */
  readonly generation?: number;
}

/** A window in which the risk engine refused entries for a losing streak (from the audit trail). */
export interface CooldownWindow {
  account: string;
  from: number;
  until: number;
}

export interface ReviewContext {
  orders: ReadonlyMap<string, Order>;
  history?: MarketHistory;
  risk?: Pick<RiskSettings, 'maxContractsPerOrder' | 'maxSharesPerOrder' | 'maxNotionalPerOrder'>;
  /** 'HH:MM' New York (default '15:15'; 45 minutes before an early close), null: never. */
  flattenAt?: string | null;
  cooldowns?: readonly CooldownWindow[];
  /** End of the excursion window for a trade still open. Default: its last fill. */
  now?: number;
  /** The checklist grade stored for a fill that opened a trade (src/store/journal.ts). */
  gradeOfFill?: (fillId: string) => { grade: string | null; missing: string | null } | undefined;
  /** Grades below this one are a rule break; null or absent: no minimum. */
  minGrade?: Grade | null;
}

export type RuleBreakCode = 'no_stop' | 'size_above_risk' | 'held_0dte_past_flatten' | 'entered_in_cooldown' | 'grade_below_minimum';
export interface RuleBreak {
  code: RuleBreakCode;
  message: string;
}

export type AutomationMode = 'manual' | 'signal' | 'auto';

export interface TradeReview {
  mode: AutomationMode | null;
  strategy: string | null;
  plannedStop: Price | null;
  plannedTarget: Price | null;
  /** Planned risk: |entry − stop| × quantity × multiplier, cents; null without a stop. */
  risk: Cents | null;
  /** Realized P&L (net of fees) ÷ planned risk; null without a risk or while open. */
  r: number | null;
  /** Worst / best P&L before fees while the trade was open (realized part + open part at the marks), cents. */
  mae: Cents | null;
  mfe: Cents | null;
  maeR: number | null;
  mfeR: number | null;
  /** What the entry fills cost against the mid at submission, cents (> 0: paid away). Null without quotes. */
  slippage: Cents | null;
  /** The entry checklist grade at the trade's first fill; null when none was taken (or no data). */
  grade: Grade | null;
  ruleBreaks: RuleBreak[];
}

const EARLY_CLOSE_LEAD_MS = 45 * 60_000;

export function reviewTrade(trade: Trade, ctx: ReviewContext): TradeReview {
  const entryOrder = firstEntryOrder(trade, ctx.orders);
  const { mode, strategy } = modeOf(entryOrder);
  const main = trade.legs[0]!;
  const plannedStop = entryOrder?.exits?.stopLoss?.stopPrice ?? null;
  const plannedTarget = entryOrder?.exits?.takeProfit ? targetPrice(entryOrder.exits.takeProfit, main.entryPrice, main.side) : null;
  const risk = plannedStop === null ? null : notional(Math.abs(main.entryPrice - plannedStop), main.maxQty, main.assetClass);
  const r = risk && trade.status !== 'open' ? round2(trade.realized / risk) : null;
  const { mae, mfe } = ctx.history ? excursions(trade, ctx.history, ctx.now) : { mae: null, mfe: null };
  const grade = entryGrade(trade, ctx);
  return {
    mode, strategy, plannedStop, plannedTarget, risk, r, mae, mfe,
    maeR: risk && mae !== null ? round2(mae / risk) : null,
    mfeR: risk && mfe !== null ? round2(mfe / risk) : null,
    slippage: ctx.history ? slippage(trade, ctx.orders, ctx.history) : null,
    grade,
    ruleBreaks: ruleBreaks(trade, entryOrder, ctx, grade),
  };
}

/** The fill that opened the trade (a split's carried-in trade has none). */
export function openingFill(trade: Trade): Trade['legs'][number]['pieces'][number]['fill'] | null {
  const first = trade.legs.flatMap((l) => (l.carriedQty ? [] : l.pieces.filter((p) => p.fill.side === l.side).slice(0, 1)))
    .sort((a, b) => a.fill.time - b.fill.time)[0];
  return first?.fill ?? null;
}

function entryGrade(trade: Trade, ctx: ReviewContext): Grade | null {
  const fill = openingFill(trade);
  const g = fill ? ctx.gradeOfFill?.(fill.id) : undefined;
  return g?.grade && (GRADES as readonly string[]).includes(g.grade) ? (g.grade as Grade) : null;
}

/** Whether `grade` is worse than `min` (GRADES runs best to worst). */
export function gradeBelow(grade: Grade, min: Grade): boolean {
  return GRADES.indexOf(grade) > GRADES.indexOf(min);
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function firstEntryOrder(trade: Trade, orders: ReadonlyMap<string, Order>): Order | null {
  for (const leg of trade.legs) {
    for (const p of leg.pieces) {
      if (p.fill.side !== leg.side) continue;
      const o = orders.get(p.fill.orderId);
      if (o) return o;
    }
  }
  return null;
}

/** `manual`, `manual:close` → manual; `signal:NAME` → signal; `strategy:NAME` / `auto:NAME` → auto. */
export function modeOf(order: Pick<Order, 'source'> | null): { mode: AutomationMode | null; strategy: string | null } {
  if (!order) return { mode: null, strategy: null };
  const [kind, ...rest] = order.source.split(':');
  const name = rest.join(':') || null;
  if (kind === 'signal') return { mode: 'signal', strategy: name };
  if (kind === 'strategy' || kind === 'auto') return { mode: 'auto', strategy: name };
  return { mode: 'manual', strategy: null };
}

function targetPrice(spec: NonNullable<Order['exits']>['takeProfit'] & object, entry: Price, side: Side): Price {
  const dir = side === 'buy' ? 1 : -1;
  if ('limitPrice' in spec) return spec.limitPrice;
  if ('amount' in spec) return entry + dir * spec.amount;
  return roundHalfAway(entry * (1 + (dir * spec.percent) / 100));
}

// ── excursions ──

interface Mark {
  time: number;
  leg: number;
  /** Mark for a long and for a short (a quote's bid/ask; a bar's low/high gives two marks). */
  long: Price | null;
  short: Price | null;
}

/**
 * Walks the trade's fills and marks in time order. At each mark while a position is open,
 * the trade's P&L before fees = realized so far (gross) + every open leg at its latest mark.
 * The quote in force at entry counts; marks stamped at the exit fill's instant come after it.
 */
export function excursions(trade: Trade, history: MarketHistory, now?: number): { mae: Cents | null; mfe: Cents | null } {
  const lastFill = Math.max(...trade.legs.flatMap((l) => l.pieces.map((p) => p.fill.time)));
  const end = trade.exitTime ?? Math.max(lastFill, now ?? lastFill);
  const marks: Mark[] = [];
  trade.legs.forEach((leg, i) => marks.push(...legMarks(leg, i, history, trade.entryTime, end)));
  type Ev = { time: number; order: number; apply: () => void };
  const state = trade.legs.map(() => ({ qty: 0, basis: 0, gross: 0, long: null as Price | null, short: null as Price | null }));
  const events: Ev[] = [];
  trade.legs.forEach((leg, i) => {
    const s = state[i]!;
    if (leg.carriedQty) {
      s.qty = leg.side === 'buy' ? leg.carriedQty : -leg.carriedQty;
      s.basis = leg.carriedBasis;
    }
    for (const p of leg.pieces) {
      events.push({ time: p.fill.time, order: 0, apply: () => {
        const buy = p.fill.side === 'buy';
        const signed = buy ? p.qty : -p.qty;
        if (s.qty === 0 || Math.sign(s.qty) === Math.sign(signed)) s.basis += buy ? p.value : -p.value;
        else {
          const released = p.qty === Math.abs(s.qty) ? s.basis : roundHalfAway((s.basis * p.qty) / Math.abs(s.qty));
          s.gross += buy ? -p.value - released : p.value - released;
          s.basis -= released;
        }
        s.qty += signed;
      } });
    }
  });
  let mae: Cents | null = null;
  let mfe: Cents | null = null;
  const evaluate = (): void => {
    if (state.every((s) => s.qty === 0)) return;
    let total = 0;
    for (let i = 0; i < state.length; i++) {
      const s = state[i]!;
      total += s.gross;
      if (s.qty === 0) continue;
      const mark = s.qty > 0 ? s.long : s.short;
      if (mark === null) return; // a leg without a mark yet: no honest total at this instant
      const value = notional(mark, Math.abs(s.qty), trade.legs[i]!.assetClass);
      total += (s.qty > 0 ? value : -value) - s.basis;
    }
    mae = mae === null ? total : Math.min(mae, total);
    mfe = mfe === null ? total : Math.max(mfe, total);
  };
  for (const m of marks) {
    // A mark before entry is the quote in force at entry: apply it at the entry instant.
    events.push({ time: Math.max(m.time, trade.entryTime), order: 1, apply: () => {
      const s = state[m.leg]!;
      if (m.long !== null) s.long = m.long;
      if (m.short !== null) s.short = m.short;
      evaluate();
    } });
  }
  events.sort((a, b) => a.time - b.time || a.order - b.order);
  for (const e of events) e.apply();
  return { mae, mfe };
}

function legMarks(leg: TradeLeg, i: number, history: MarketHistory, from: number, to: number): Mark[] {
  if (leg.assetClass === 'option') {
    // The quote in force at entry: the last one up to then, looked for within the session.
    const sessionStart = sessionOn(nyDate(from))?.preOpen ?? from - 6 * 3600_000;
    const before = history.contractQuotes(leg.symbol, sessionStart, from + 1);
    const within = history.contractQuotes(leg.symbol, from + 1, to);
    const quotes = [...before.slice(-1), ...within];
    return quotes.map((q) => ({
      time: q.ts,
      leg: i,
      long: q.bid === null ? null : quotePrice(q.bid),
      short: q.ask === null ? null : quotePrice(q.ask),
    }));
  }
  // Stocks: a minute bar overlapping the open window gives its low and its high as marks.
  const bars = history.minuteBars(leg.symbol, from - 59_999, to);
  return bars.flatMap((b) => {
    const t = Math.min(Math.max(b.start + 59_999, from), to - 1);
    return [
      { time: t, leg: i, long: quotePrice(b.low), short: quotePrice(b.high) },
      { time: t, leg: i, long: quotePrice(b.high), short: quotePrice(b.low) },
    ];
  });
}

// ── slippage ──

/** Entry fills against the mid of the quote in force when their order was submitted. */
function slippage(trade: Trade, orders: ReadonlyMap<string, Order>, history: MarketHistory): Cents | null {
  let total = 0;
  let any = false;
  for (const leg of trade.legs) {
    if (leg.assetClass !== 'option') continue;
    for (const p of leg.pieces) {
      if (p.fill.side !== leg.side || p.fill.reason !== 'execution') continue;
      const order = orders.get(p.fill.orderId);
      if (!order) continue;
      const q = history.contractQuotes(leg.symbol, order.createdAt - 6 * 3600_000, order.createdAt + 1).at(-1);
      if (!q || q.bid === null || q.ask === null) continue;
      const mid = (quotePrice(q.bid) + quotePrice(q.ask)) / 2;
      const perUnit = (p.fill.price - mid) * (p.fill.side === 'buy' ? 1 : -1);
      total += roundHalfAway((perUnit * p.qty * multiplier(leg.assetClass)) / (PRICE_SCALE / 100));
      any = true;
    }
  }
  return any ? total : null;
}

// ── rule breaks ──

function ruleBreaks(trade: Trade, entry: Order | null, ctx: ReviewContext, grade: Grade | null): RuleBreak[] {
  const out: RuleBreak[] = [];
  if (grade && ctx.minGrade && gradeBelow(grade, ctx.minGrade)) {
    out.push({ code: 'grade_below_minimum', message: `entry checklist grade ${grade}, below the chosen minimum ${ctx.minGrade}` });
  }
  if (entry && !entry.exits?.stopLoss) out.push({ code: 'no_stop', message: 'entered without a stop' });
  if (ctx.risk) {
    for (const leg of trade.legs) {
      const max = leg.assetClass === 'option' ? ctx.risk.maxContractsPerOrder : ctx.risk.maxSharesPerOrder;
      const value = notional(leg.entryPrice, leg.maxQty, leg.assetClass);
      if (leg.maxQty > max) {
        out.push({ code: 'size_above_risk', message: `${leg.symbol}: held ${leg.maxQty}, above the risk setting of ${max} per order` });
      } else if (value > ctx.risk.maxNotionalPerOrder) {
        out.push({ code: 'size_above_risk', message: `${leg.symbol}: $${(value / 100).toFixed(2)} held, above the risk setting of $${(ctx.risk.maxNotionalPerOrder / 100).toFixed(2)}` });
      }
    }
  }
  const flattenAt = ctx.flattenAt === undefined ? '15:15' : ctx.flattenAt;
  if (flattenAt) {
    for (const leg of trade.legs) {
      const c = tryParseOptionTicker(leg.symbol);
      const session = c ? sessionOn(c.expiration) : null;
      if (!c || !session) continue;
      // Same rule as the exit manager's flatten (src/broker/exits.ts): HH:MM, or 45 minutes before an early close.
      const deadline = Math.min(nyTimeToMs(c.expiration, flattenAt), session.close - EARLY_CLOSE_LEAD_MS);
      const heldUntil = leg.exitTime ?? Infinity;
      // Held on its expiration day across the deadline (entered that day or carried in).
      if (leg.entryTime < deadline && heldUntil > deadline) out.push({ code: 'held_0dte_past_flatten', message: `${leg.symbol}: 0-DTE held past the flatten time (${flattenAt}, or 45 minutes before an early close)` });
    }
  }
  for (const w of ctx.cooldowns ?? []) {
    if (w.account === trade.account && trade.entryTime >= w.from && trade.entryTime < w.until) {
      out.push({ code: 'entered_in_cooldown', message: 'entered while the risk engine\'s losing-streak cooldown was active' });
      break;
    }
  }
  return out;
}

/**
 * Cooldown windows from the audit trail: each `loss_cooldown` refusal says "entries pause
 * until <ISO> (<N>-minute cooldown)", so the window is [until − N minutes, until).
 */
export function cooldownsFromAudit(rows: Iterable<{ kind: string; account: string | null; data: string }>): CooldownWindow[] {
  const out: CooldownWindow[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    if (row.kind !== 'risk_decision' || !row.account || !row.data.includes('loss_cooldown')) continue;
    const d = JSON.parse(row.data) as { check?: string; message?: string };
    if (d.check !== 'loss_cooldown' || !d.message) continue;
    const m = /until (\S+) \((\d+)-minute cooldown\)/.exec(d.message);
    if (!m) continue;
    const until = Date.parse(m[1]!);
    const key = `${row.account}|${until}`;
    if (!Number.isFinite(until) || seen.has(key)) continue;
    seen.add(key);
    out.push({ account: row.account, from: until - Number(m[2]) * 60_000, until });
  }
  return out;
}
