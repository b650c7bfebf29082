/**
 * Alpaca's order rules, checked before anything is sent so a trader reads why in a
 * sentence instead of a vendor code. Options (Alpaca's docs): market, limit, stop and
 * stop-limit only; order class simple (optdesk never sends mleg); `day` or `gtc`; whole
 * contracts; never extended hours. Equities may carry a native bracket, whose exit
 * prices must sit on the right side of the entry.
 */
import type { ApprovedIntent, Price } from '../types.js';
import { MAX_CLIENT_ORDER_ID } from '../order.js';
import { ORDER_TYPES, TIME_IN_FORCE } from '../types.js';
import { priceToWire } from './wire.js';

/** A sentence saying why Alpaca would refuse the intent, or null when it may be sent. */
export function alpacaRuleViolation(intent: ApprovedIntent, isOption: boolean): string | null {
  const what = isOption ? 'contracts' : 'shares';
  if (!Number.isSafeInteger(intent.qty) || intent.qty <= 0) {
    return `Quantity must be a whole number of ${what} above 0${isOption ? ': Alpaca trades whole option contracts only' : ''} (got ${intent.qty}).`;
  }
  if (!ORDER_TYPES.includes(intent.type)) {
    return `Order type ${String(intent.type)} is not accepted: use market, limit, stop or stop-limit${isOption ? ' (Alpaca has no trailing stops for options)' : ''}.`;
  }
  if (!TIME_IN_FORCE.includes(intent.timeInForce)) {
    return `Time in force ${String(intent.timeInForce)} is not accepted${isOption ? ': Alpaca takes option orders as day or gtc only' : ': use day or gtc'}.`;
  }
  if ((intent.type === 'limit' || intent.type === 'stop_limit') && intent.limitPrice === undefined) {
    return `A ${intent.type.replace('_', '-')} order needs a limit price.`;
  }
  if ((intent.type === 'stop' || intent.type === 'stop_limit') && intent.stopPrice === undefined) {
    return `A ${intent.type.replace('_', '-')} order needs a stop price.`;
  }
  for (const [name, p] of [['limit', intent.limitPrice], ['stop', intent.stopPrice]] as const) {
    if (p !== undefined && (!Number.isSafeInteger(p) || p <= 0)) return `The ${name} price must be above $0.`;
  }
  if (intent.clientOrderId.length === 0 || intent.clientOrderId.length > MAX_CLIENT_ORDER_ID) {
    return `The client order id must be 1 to ${MAX_CLIENT_ORDER_ID} characters (Alpaca's limit); it has ${intent.clientOrderId.length}.`;
  }
  if (isOption && intent.extendedHours) {
    return 'Options do not trade in extended hours on Alpaca: send the option order without extended hours.';
  }
  if (!isOption && intent.extendedHours && !(intent.type === 'limit' && intent.timeInForce === 'day')) {
    return 'Alpaca takes extended-hours stock orders only as day limit orders.';
  }
  if (!isOption && intent.takeProfit && intent.stopLoss) return bracketViolation(intent);
  return null;
}

/**
 * The absolute take-profit price of a native equity bracket. Alpaca needs it at submit
 * time, so a relative take-profit (+$ / +%) is measured from the entry's limit price;
 * a market entry has none, so it needs an absolute take-profit.
 */
export function bracketTakeProfitPrice(intent: ApprovedIntent): Price | null {
  const tp = intent.takeProfit;
  if (!tp) return null;
  if ('limitPrice' in tp) return tp.limitPrice;
  const base = intent.limitPrice ?? intent.stopPrice;
  if (base === undefined) return null;
  const dir = intent.side === 'buy' ? 1 : -1;
  // Stock ticks: $0.01 at or above $1 (100 Price units), $0.0001 below.
  const tick = base >= 10_000 ? 100 : 1;
  const raw = 'amount' in tp ? base + dir * tp.amount : base * (1 + (dir * tp.percent) / 100);
  return Math.round(raw / tick) * tick;
}

function bracketViolation(intent: ApprovedIntent): string | null {
  const tp = bracketTakeProfitPrice(intent);
  const stop = intent.stopLoss?.stopPrice;
  if (tp === null) {
    return 'A market entry with both exits becomes an Alpaca bracket order, which needs the take-profit as a price (not +$ or +%).';
  }
  if (stop === undefined) return null;
  const base = intent.limitPrice ?? intent.stopPrice;
  const buy = intent.side === 'buy';
  if (buy ? tp <= stop : tp >= stop) {
    return `The take-profit ${priceToWire(tp)} must be ${buy ? 'above' : 'below'} the stop ${priceToWire(stop)} for a ${intent.side} bracket.`;
  }
  if (base !== undefined && (buy ? tp <= base || stop >= base : tp >= base || stop <= base)) {
    return `For a ${intent.side} bracket the take-profit ${priceToWire(tp)} and the stop ${priceToWire(stop)} must sit on either side of the entry ${priceToWire(base)}.`;
  }
  return null;
}
