/**
 * Position and cash bookkeeping for one fill, in exact cents.
 *
 * Conventions that make the books balance by construction:
 * - a position's `costBasis` is signed: what was paid for a long (> 0), what was received
 *   for a short (< 0), for the open quantity only;
 * - reducing a position releases basis pro rata (rounded once); closing it releases all
 *   that is left, so no cent is ever stranded;
 * - every fee is realized P&L the moment it is paid.
 * Hence for any sequence of fills: Δcash = Σ realized P&L − open costBasis.
 */
import type { AssetClass, Cents, Fill, Position, Price } from './types.js';
import { multiplier, notional, PRICE_PER_CENT, roundHalfAway } from './money.js';

export interface LedgerResult {
  /** The position after the fill; null when it is flat. */
  position: Position | null;
  /** Cash change: − (notional + fees) on a buy, + notional − fees on a sell. */
  cashDelta: Cents;
  /** Realized P&L of the fill, net of its fees. */
  realized: Cents;
}

/** Average price of an open position from its basis, to the nearest Price unit. */
export function averagePrice(costBasis: Cents, qty: number, assetClass: AssetClass): Price {
  if (qty === 0) return 0;
  return roundHalfAway((Math.abs(costBasis) * PRICE_PER_CENT) / (Math.abs(qty) * multiplier(assetClass)));
}

export function applyFill(before: Position | null, fill: Fill, assetClass: AssetClass): LedgerResult {
  const signed = fill.side === 'buy' ? fill.qty : -fill.qty;
  const value = notional(fill.price, fill.qty, assetClass);
  const fees = fill.fees.total;
  const cashDelta = (fill.side === 'buy' ? -value : value) - fees;

  const oldQty = before?.qty ?? 0;
  let basis = before?.costBasis ?? 0;
  let realized = -fees;
  const newQty = oldQty + signed;

  if (oldQty === 0 || Math.sign(oldQty) === Math.sign(signed)) {
    // Opening or adding: the whole notional becomes basis (negative for a short).
    basis += fill.side === 'buy' ? value : -value;
  } else {
    // Reducing, closing, or flipping through zero.
    const closing = Math.min(Math.abs(signed), Math.abs(oldQty));
    const released = closing === Math.abs(oldQty) ? basis : roundHalfAway((basis * closing) / Math.abs(oldQty));
    const closeValue = closing === fill.qty ? value : notional(fill.price, closing, assetClass);
    // Long closed by a sell: + proceeds − basis. Short closed by a buy: basis is negative (received), − cost.
    realized += fill.side === 'sell' ? closeValue - released : -closeValue - released;
    basis -= released;
    const opening = fill.qty - closing;
    if (opening > 0) {
      const openValue = value - closeValue;
      basis += fill.side === 'buy' ? openValue : -openValue;
    }
  }

  if (newQty === 0) return { position: null, cashDelta, realized };
  const flipped = oldQty !== 0 && Math.sign(oldQty) !== Math.sign(newQty);
  const position: Position = {
    account: fill.account,
    symbol: fill.symbol,
    assetClass,
    qty: newQty,
    costBasis: basis,
    avgPrice: averagePrice(basis, newQty, assetClass),
    realizedPnl: (before && !flipped ? before.realizedPnl : 0) + realized,
    fees: (before && !flipped ? before.fees : 0) + fees,
    openedAt: before && !flipped ? before.openedAt : fill.time,
    updatedAt: fill.time,
  };
  return { position, cashDelta, realized };
}

/** Market value of a position at `mark` (signed: a short is negative). */
export function marketValue(position: Pick<Position, 'qty' | 'assetClass'>, mark: Price): Cents {
  const v = notional(mark, Math.abs(position.qty), position.assetClass);
  return position.qty > 0 ? v : -v;
}

/** Unrealized P&L at `mark`: market value − basis. */
export function unrealizedPnl(position: Pick<Position, 'qty' | 'assetClass' | 'costBasis'>, mark: Price): Cents {
  return marketValue(position, mark) - position.costBasis;
}
