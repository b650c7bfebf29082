/**
 * Translation between optdesk's order model (integer `Price`/`Cents`, `O:` option tickers)
 * and Alpaca's wire (decimal strings, bare OCC symbols), in both directions. Every
 * conversion is exact: a price that does not fit optdesk's 1/10,000 dollar unit is
 * rounded only where the model says so (average fill prices).
 */
import type { trading } from '@alpacahq/alpaca-trade-api';
import type { AssetClass, AttachedExits, Order, OrderRole, OrderStatus, OrderType, Price, Side, TimeInForce } from '../types.js';
import { dec, decInt, decStr, decToCentsRounded, type Dec } from './decimal.js';
import { tryParseOptionTicker } from '../../core/occ.js';

/** 1 Price unit = 1e-4 dollar = 10,000 Dec units (Dec is 1e-8). */
const DEC_PER_PRICE = 10_000n;

/** "2.1" → 21_000, exact or a RangeError naming `field` (more than 4 decimals). */
export function priceFromWire(text: string, field = 'price'): Price {
  const d = dec(text, field);
  if (d % DEC_PER_PRICE !== 0n) throw new RangeError(`${field}: "${text}" has more than 4 decimal places`);
  return Number(d / DEC_PER_PRICE);
}

/** Like priceFromWire but rounds half away from zero (average prices such as "2.1033333"). */
export function priceFromWireRounded(text: string): Price {
  const d = dec(text);
  const half = DEC_PER_PRICE / 2n;
  return Number(d >= 0n ? (d + half) / DEC_PER_PRICE : -((-d + half) / DEC_PER_PRICE));
}

/** 21_000 → "2.1". */
export function priceToWire(p: Price): string {
  return decStr(BigInt(p) * DEC_PER_PRICE);
}

/** Alpaca money string → integer cents, rounded half away from zero. */
export function centsFromWire(text: string | null | undefined): number {
  return text === null || text === undefined || text === '' ? 0 : decToCentsRounded(dec(text));
}

/** A whole quantity ("3") as a number; fractional shares are truncated (optdesk trades whole units). */
export function qtyFromWire(text: string | null | undefined): number {
  return Number(wireDec(text) / decInt(1));
}

/** Decimal of a wire string (for exact sums such as fill notional). */
export function wireDec(text: string | null | undefined): Dec {
  return text === null || text === undefined || text === '' ? 0n : dec(text);
}

/** Alpaca writes option symbols as bare OCC (`GOOG151224C00750000`), optdesk with Massive's `O:`. */
const isBareOcc = (symbol: string): boolean => !symbol.startsWith('O:') && tryParseOptionTicker(symbol) !== null;

export function isOptionSymbol(symbol: string): boolean {
  return symbol.startsWith('O:') || isBareOcc(symbol);
}

/** optdesk symbol → Alpaca symbol: options lose Massive's `O:` prefix. */
export function symbolToAlpaca(symbol: string): string {
  return symbol.startsWith('O:') ? symbol.slice(2) : symbol;
}

/** Alpaca symbol → optdesk symbol. */
export function symbolFromAlpaca(symbol: string, assetClass: string | undefined): string {
  return assetClass === 'us_option' || (assetClass === undefined && isBareOcc(symbol)) ? `O:${symbol}` : symbol;
}

export function assetClassOfSymbol(symbol: string): AssetClass {
  return isOptionSymbol(symbol) ? 'option' : 'stock';
}

/** Alpaca's status vocabulary is wider than optdesk's: fold the rest onto the nearest one. */
export function statusFromAlpaca(status: string | undefined): OrderStatus {
  switch (status) {
    case 'accepted':
    case 'pending_new':
    case 'new':
    case 'partially_filled':
    case 'filled':
    case 'done_for_day':
    case 'pending_cancel':
    case 'pending_replace':
    case 'canceled':
    case 'expired':
    case 'replaced':
    case 'rejected':
      return status;
    case 'held': // a bracket leg waiting for its entry
    case 'accepted_for_bidding':
      return 'accepted';
    case 'stopped':
    case 'calculated':
      return 'partially_filled';
    case 'suspended':
      return 'new';
    default:
      return 'accepted';
  }
}

function typeFromAlpaca(type: string | undefined): OrderType {
  if (type === 'limit' || type === 'stop' || type === 'stop_limit' || type === 'market') return type;
  return type === 'trailing_stop' ? 'stop' : 'market';
}

/** What optdesk knows about an order that Alpaca does not carry. */
export interface OrderMeta {
  role: OrderRole;
  parentId: string | null;
  exits: AttachedExits | null;
  source: string;
}

function ms(d: Date | null | undefined, fallback: number): number {
  return d instanceof Date && Number.isFinite(d.getTime()) ? d.getTime() : fallback;
}

/** An SDK Order (as `OrderFromJSON` built it) → optdesk Order. */
export function orderFromAlpaca(o: trading.Order, account: string, meta: OrderMeta | undefined, now: number): Order {
  const filledQty = qtyFromWire(o.filledQty);
  const created = ms(o.createdAt ?? o.submittedAt, now);
  return {
    id: String(o.id),
    clientOrderId: String(o.clientOrderId ?? ''),
    account,
    symbol: symbolFromAlpaca(String(o.symbol ?? ''), o.assetClass),
    assetClass: o.assetClass === 'us_option' ? 'option' : 'stock',
    side: (o.side === 'sell' ? 'sell' : 'buy') as Side,
    qty: qtyFromWire(o.qty),
    filledQty,
    type: typeFromAlpaca(o.type ?? o.orderType),
    timeInForce: (o.timeInForce === 'gtc' ? 'gtc' : 'day') as TimeInForce,
    limitPrice: o.limitPrice ? priceFromWireRounded(o.limitPrice) : null,
    stopPrice: o.stopPrice ? priceFromWireRounded(o.stopPrice) : null,
    avgFillPrice: o.filledAvgPrice && filledQty > 0 ? priceFromWireRounded(o.filledAvgPrice) : null,
    status: statusFromAlpaca(o.status),
    role: meta?.role ?? 'entry',
    parentId: meta?.parentId ?? null,
    replaces: o.replaces ?? null,
    replacedBy: o.replacedBy ?? null,
    triggered: false,
    exits: meta?.exits ?? null,
    extendedHours: o.extendedHours === true,
    reason: null,
    createdAt: created,
    updatedAt: ms(o.updatedAt, created),
    source: meta?.source ?? 'alpaca',
  };
}
