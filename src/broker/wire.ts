/**
 * The trading core as JSON for the API and the dashboard: camelCase like the rest, prices
 * and money as decimal dollars (from the exact integers, so 2.1 is exactly "2.10"'s
 * number), times as ISO-8601 with the New York offset.
 */
import { formatNyIso } from '../calendar/index.js';
import type { ArmedExit } from './exits.js';
import { unrealizedPnl } from './ledger.js';
import { centsToDollars, priceToDollars } from './money.js';
import type { Account, Fill, Order, Position, Price, TakeProfitSpec } from './types.js';

const px = (p: Price | null): number | null => (p === null ? null : priceToDollars(p));
const iso = (ms: number): string => formatNyIso(ms);

export interface WireFill {
  id: string;
  orderId: string;
  time: string;
  price: number;
  qty: number;
  side: 'buy' | 'sell';
  fees: number;
  feeBreakdown: { orf: number; occ: number; taf: number; sec: number; commission: number };
  reason: Fill['reason'];
  note: string | null;
}

export interface WireOrder {
  id: string;
  clientOrderId: string;
  account: string;
  symbol: string;
  assetClass: Order['assetClass'];
  side: Order['side'];
  qty: number;
  filledQty: number;
  type: Order['type'];
  timeInForce: Order['timeInForce'];
  limitPrice: number | null;
  stopPrice: number | null;
  avgFillPrice: number | null;
  status: Order['status'];
  role: Order['role'];
  parentId: string | null;
  replaces: string | null;
  replacedBy: string | null;
  takeProfit: WireTakeProfit | null;
  stopLoss: { stopPrice: number } | null;
  reason: string | null;
  source: string;
  createdAt: string;
  updatedAt: string;
  fills: WireFill[];
}

export type WireTakeProfit = { limitPrice: number } | { amount: number } | { percent: number };

export function wireTakeProfit(spec: TakeProfitSpec): WireTakeProfit {
  if ('limitPrice' in spec) return { limitPrice: priceToDollars(spec.limitPrice) };
  if ('amount' in spec) return { amount: priceToDollars(spec.amount) };
  return { percent: spec.percent };
}

export function wireFill(f: Fill): WireFill {
  const { orf, occ, taf, sec, commission, total } = f.fees;
  return {
    id: f.id, orderId: f.orderId, time: iso(f.time), price: priceToDollars(f.price), qty: f.qty, side: f.side,
    fees: centsToDollars(total),
    feeBreakdown: { orf: centsToDollars(orf), occ: centsToDollars(occ), taf: centsToDollars(taf), sec: centsToDollars(sec), commission: centsToDollars(commission) },
    reason: f.reason, note: f.note,
  };
}

export function wireOrder(o: Order, fills: readonly Fill[] = []): WireOrder {
  return {
    id: o.id, clientOrderId: o.clientOrderId, account: o.account, symbol: o.symbol, assetClass: o.assetClass, side: o.side,
    qty: o.qty, filledQty: o.filledQty, type: o.type, timeInForce: o.timeInForce,
    limitPrice: px(o.limitPrice), stopPrice: px(o.stopPrice), avgFillPrice: px(o.avgFillPrice),
    status: o.status, role: o.role, parentId: o.parentId, replaces: o.replaces, replacedBy: o.replacedBy,
    takeProfit: o.exits?.takeProfit ? wireTakeProfit(o.exits.takeProfit) : null,
    stopLoss: o.exits?.stopLoss ? { stopPrice: priceToDollars(o.exits.stopLoss.stopPrice) } : null,
    reason: o.reason, source: o.source, createdAt: iso(o.createdAt), updatedAt: iso(o.updatedAt),
    fills: fills.filter((f) => f.orderId === o.id).map(wireFill),
  };
}

export interface WirePosition {
  account: string;
  symbol: string;
  assetClass: Position['assetClass'];
  qty: number;
  avgPrice: number;
  costBasis: number;
  bid: number | null;
  mark: number | null;
  ask: number | null;
  unrealizedPnl: number | null;
  unrealizedPnlPercent: number | null;
  realizedPnl: number;
  fees: number;
  takeProfit: { limitPrice: number | null; orderId: string | null; spec: WireTakeProfit } | null;
  stopLoss: { stopPrice: number; state: ArmedExit['state'] } | null;
  exitNote: string | null;
  openedAt: string;
}

export function wirePosition(
  p: Position,
  quote: { bid: Price | null; ask: Price | null; mark: Price | null } | null,
  exits: readonly ArmedExit[],
): WirePosition {
  const mark = quote?.mark ?? null;
  const upnl = mark === null ? null : unrealizedPnl(p, mark);
  const exit = exits.find((e) => e.account === p.account && e.symbol === p.symbol && e.state !== 'done');
  return {
    account: p.account, symbol: p.symbol, assetClass: p.assetClass, qty: p.qty, avgPrice: priceToDollars(p.avgPrice),
    costBasis: centsToDollars(p.costBasis), bid: px(quote?.bid ?? null), mark: px(mark), ask: px(quote?.ask ?? null),
    unrealizedPnl: upnl === null ? null : centsToDollars(upnl),
    unrealizedPnlPercent: upnl === null || p.costBasis === 0 ? null : Math.round((upnl / Math.abs(p.costBasis)) * 10_000) / 100,
    realizedPnl: centsToDollars(p.realizedPnl), fees: centsToDollars(p.fees),
    takeProfit: exit?.takeProfit ? { limitPrice: px(exit.tpPrice), orderId: exit.tpOrderId, spec: wireTakeProfit(exit.takeProfit) } : null,
    stopLoss: exit?.stopLoss ? { stopPrice: priceToDollars(exit.stopLoss.stopPrice), state: exit.state } : null,
    exitNote: exit?.note ?? null,
    openedAt: iso(p.openedAt),
  };
}

export interface WireAccount {
  name: string;
  broker: Account['broker'];
  mode: Account['mode'];
  cash: number;
  buyingPower: number;
  equity: number;
  dayPnl: number;
  dayRealizedPnl: number;
  dayFees: number;
  totalFees: number;
  tradingDay: string;
}

export function wireAccount(a: Account): WireAccount {
  return {
    name: a.name, broker: a.broker, mode: a.mode, cash: centsToDollars(a.cash), buyingPower: centsToDollars(a.buyingPower),
    equity: centsToDollars(a.equity), dayPnl: centsToDollars(a.dayPnl), dayRealizedPnl: centsToDollars(a.dayRealizedPnl),
    dayFees: centsToDollars(a.dayFees), totalFees: centsToDollars(a.totalFees), tradingDay: a.tradingDay,
  };
}
