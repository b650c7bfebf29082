/**
 * Option expirations, exercises and assignments as Alpaca reports them: not on the
 * trade_updates stream but as non-trade activities (OPEXP, OPEXC, OPASN, and OPTRD for the
 * shares an exercise or assignment moves; on paper they appear the next day). Pure: each
 * activity becomes an optdesk `expiry` order and its fill, with a sentence saying what
 * happened.
 */
import { nyTimeToMs, sessionOn } from '../../calendar/index.js';
import type { Fill, Order, Side } from '../types.js';
import { NO_FEES } from '../fees.js';
import { priceFromWireRounded, qtyFromWire, symbolFromAlpaca } from './wire.js';

export const OPTION_ACTIVITY_TYPES = ['OPEXP', 'OPEXC', 'OPASN', 'OPTRD'] as const;

export interface OptionEvent {
  /** Stable across polls and restarts: the same activity always makes the same ids. */
  key: string;
  order: Order;
  fill: Fill;
}

/** The optdesk order + fill of each option activity, in Alpaca's order. */
export function optionEventsFrom(activities: readonly Record<string, unknown>[], account: string): OptionEvent[] {
  const out: OptionEvent[] = [];
  for (const a of activities) {
    const type = String(a.activity_type ?? '');
    if (!(OPTION_ACTIVITY_TYPES as readonly string[]).includes(type)) continue;
    const rawQty = String(a.qty ?? '0');
    const negative = rawQty.trim().startsWith('-');
    const qty = qtyFromWire(negative ? rawQty.trim().slice(1) : rawQty);
    if (qty === 0) continue;
    const date = String(a.date ?? '');
    const time = sessionOn(date)?.close ?? (/^\d{4}-\d{2}-\d{2}$/.test(date) ? nyTimeToMs(date, '16:00') : Date.now());
    const isStock = type === 'OPTRD';
    const symbol = symbolFromAlpaca(String(a.symbol ?? ''), isStock ? 'us_equity' : 'us_option');
    const side: Side = negative ? 'sell' : 'buy';
    const price = isStock ? priceFromWireRounded(String(a.price ?? '0')) : 0;
    const note =
      type === 'OPEXP'
        ? `Expired worthless on ${date} (Alpaca OPEXP).`
        : type === 'OPEXC'
          ? `Exercised on ${date}: the contracts became shares at the strike (Alpaca OPEXC).`
          : type === 'OPASN'
            ? `Assigned on ${date}: the contracts became shares at the strike (Alpaca OPASN).`
            : `${side === 'buy' ? 'Bought' : 'Sold'} ${qty} ${symbol} at the strike ${String(a.price)} by exercise or assignment on ${date} (Alpaca OPTRD).`;
    const key = `${type}:${String(a.id ?? '')}:${String(a.symbol ?? '')}`;
    const id = `alpaca-nta:${key}`;
    const order: Order = {
      id,
      clientOrderId: id,
      account,
      symbol,
      assetClass: isStock ? 'stock' : 'option',
      side,
      qty,
      filledQty: qty,
      type: 'market',
      timeInForce: 'day',
      limitPrice: null,
      stopPrice: null,
      avgFillPrice: price,
      status: 'filled',
      role: 'expiry',
      parentId: null,
      replaces: null,
      replacedBy: null,
      triggered: false,
      exits: null,
      extendedHours: false,
      reason: note,
      createdAt: time,
      updatedAt: time,
      source: 'alpaca:activity',
    };
    const fill: Fill = {
      id,
      orderId: id,
      account,
      symbol,
      side,
      qty,
      price,
      time,
      fees: NO_FEES,
      reason: type === 'OPEXP' ? 'expiration_otm' : 'expiration_itm',
      note,
    };
    out.push({ key, order, fill });
  }
  return out;
}
