/**
 * The journal as JSON for the API, the CLI's JSON export and the dashboard: money and
 * prices in decimal dollars (from the exact integers), times ISO-8601 with the New York
 * offset, `pnl` net of fees, `mae`/`mfe` before fees.
 */
import { centsToDollars, priceToDollars } from '../broker/money.js';
import { formatNyIso } from '../calendar/index.js';
import type { JournalEntry, ScreenshotMeta } from '../store/journal.js';
import type { RuleBreak, TradeReview } from './review.js';
import type { Trade } from './types.js';

export interface WireJournalTrade {
  id: string;
  account: string;
  symbol: string;
  underlying: string;
  side: 'buy' | 'sell';
  status: Trade['status'];
  qty: number;
  entryTime: string;
  exitTime: string | null;
  entryPrice: number;
  exitPrice: number | null;
  fees: number;
  pnl: number;
  r: number | null;
  risk: number | null;
  plannedStop: number | null;
  plannedTarget: number | null;
  mae: number | null;
  mfe: number | null;
  maeR: number | null;
  mfeR: number | null;
  slippage: number | null;
  holdingSeconds: number | null;
  mode: TradeReview['mode'];
  strategy: string | null;
  setup: string | null;
  tags: string[];
  notes: string;
  rating: number | null;
  /** The entry checklist's grade at the trade's first fill (A+ … F); null when none was taken. */
  grade: string | null;
  ruleBreaks: RuleBreak[];
  legs: { symbol: string; side: 'buy' | 'sell'; qty: number; entryPrice: number; exitPrice: number | null; pnl: number; fees: number; status: Trade['status'] }[];
  fills: { id: string; orderId: string; symbol: string; side: 'buy' | 'sell'; qty: number; price: number; fees: number; time: string; reason: string }[];
  screenshots: { id: string; kind: string; mime: string; size: number; createdAt: string }[];
}

const money = (c: number | null): number | null => (c === null ? null : centsToDollars(c));

export function wireTrade(t: Trade, review: TradeReview, entry: JournalEntry | null, shots: readonly ScreenshotMeta[] = []): WireJournalTrade {
  const main = t.legs[0]!;
  return {
    id: t.id,
    account: t.account,
    symbol: t.symbol,
    underlying: t.underlying,
    side: t.side,
    status: t.status,
    qty: main.maxQty,
    entryTime: formatNyIso(t.entryTime),
    exitTime: t.exitTime === null ? null : formatNyIso(t.exitTime),
    entryPrice: priceToDollars(main.entryPrice),
    exitPrice: main.exitPrice === null ? null : priceToDollars(main.exitPrice),
    fees: centsToDollars(t.fees),
    pnl: centsToDollars(t.realized),
    r: review.r,
    risk: money(review.risk),
    plannedStop: review.plannedStop === null ? null : priceToDollars(review.plannedStop),
    plannedTarget: review.plannedTarget === null ? null : priceToDollars(review.plannedTarget),
    mae: money(review.mae),
    mfe: money(review.mfe),
    maeR: review.maeR,
    mfeR: review.mfeR,
    slippage: money(review.slippage),
    holdingSeconds: t.exitTime === null ? null : Math.round((t.exitTime - t.entryTime) / 1000),
    mode: review.mode,
    strategy: review.strategy,
    setup: entry?.setup ?? null,
    tags: entry?.tags ?? [],
    notes: entry?.notes ?? '',
    rating: entry?.rating ?? null,
    grade: review.grade,
    ruleBreaks: review.ruleBreaks,
    legs: t.legs.map((l) => ({
      symbol: l.symbol, side: l.side, qty: l.maxQty, entryPrice: priceToDollars(l.entryPrice),
      exitPrice: l.exitPrice === null ? null : priceToDollars(l.exitPrice), pnl: centsToDollars(l.realized), fees: centsToDollars(l.fees), status: l.status,
    })),
    fills: t.legs.flatMap((l) => l.pieces).sort((a, b) => a.fill.time - b.fill.time).map((p) => ({
      id: p.fill.id, orderId: p.fill.orderId, symbol: p.fill.symbol, side: p.fill.side, qty: p.qty, price: priceToDollars(p.fill.price),
      fees: centsToDollars(p.fees), time: formatNyIso(p.fill.time), reason: p.fill.reason,
    })),
    screenshots: shots.map((s) => ({ id: s.id, kind: s.kind, mime: s.mime, size: s.size, createdAt: formatNyIso(s.createdAt) })),
  };
}
