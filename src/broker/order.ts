/**
 * Building orders from approved intents and moving them through the lifecycle table.
 * Pure: every function returns a new Order; nothing here knows a broker or a store.
 */
import { randomUUID } from 'node:crypto';
import { tryParseOptionTicker } from '../options/occ.js';
import { transition } from './state.js';
import type { ApprovedIntent, AssetClass, Fill, Order, OrderEventType, Price } from './types.js';
import { roundHalfAway } from './money.js';

/** Alpaca's limit on client order ids. */
export const MAX_CLIENT_ORDER_ID = 128;

export function assetClassOf(symbol: string): AssetClass {
  return tryParseOptionTicker(symbol) ? 'option' : 'stock';
}

/** A fresh client order id: `od-` + a UUID (idempotency key for retries). */
export function newClientOrderId(): string {
  return `od-${randomUUID()}`;
}

export function newOrder(id: string, intent: ApprovedIntent, now: number): Order {
  const exits = intent.takeProfit || intent.stopLoss
    ? { ...(intent.takeProfit ? { takeProfit: intent.takeProfit } : {}), ...(intent.stopLoss ? { stopLoss: intent.stopLoss } : {}) }
    : null;
  return {
    id,
    clientOrderId: intent.clientOrderId,
    account: intent.account,
    symbol: intent.symbol,
    assetClass: assetClassOf(intent.symbol),
    side: intent.side,
    qty: intent.qty,
    filledQty: 0,
    type: intent.type,
    timeInForce: intent.timeInForce,
    limitPrice: intent.limitPrice ?? null,
    stopPrice: intent.stopPrice ?? null,
    avgFillPrice: null,
    status: 'accepted',
    role: intent.role,
    parentId: intent.parentId ?? null,
    replaces: null,
    replacedBy: null,
    triggered: false,
    exits,
    extendedHours: intent.extendedHours ?? false,
    reason: null,
    createdAt: now,
    updatedAt: now,
    source: intent.source ?? 'manual',
    ...(intent.barFill ? { barFill: intent.barFill } : {}),
  };
}

/** Applies a non-fill event (throws InvalidTransitionError when the table refuses it). */
export function withEvent(order: Order, type: Exclude<OrderEventType, 'fill' | 'partial_fill'>, time: number, reason?: string): Order {
  const status = transition(order.status, type, order.filledQty);
  return { ...order, status, updatedAt: time, ...(reason !== undefined ? { reason } : {}) };
}

/**
 * Books a fill on its order: `fill` when it completes the quantity, else `partial_fill`.
 * A fill beyond the order's quantity is a bug and throws.
 */
export function withFill(order: Order, fill: Pick<Fill, 'qty' | 'price' | 'time'>): { order: Order; type: 'fill' | 'partial_fill' } {
  if (!Number.isSafeInteger(fill.qty) || fill.qty <= 0) throw new Error(`fill qty must be a positive whole number, got ${fill.qty}`);
  const filledQty = order.filledQty + fill.qty;
  if (filledQty > order.qty) throw new Error(`fill of ${fill.qty} would overfill order ${order.id} (${order.filledQty}/${order.qty} filled)`);
  const type = filledQty === order.qty ? 'fill' : 'partial_fill';
  const status = transition(order.status, type, filledQty);
  const avgFillPrice: Price = order.avgFillPrice === null
    ? fill.price
    : roundHalfAway((order.avgFillPrice * order.filledQty + fill.price * fill.qty) / filledQty);
  return { order: { ...order, status, filledQty, avgFillPrice, updatedAt: fill.time }, type };
}
