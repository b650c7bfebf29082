/**
 * What the journal is made of. A `Trade` is a round trip: from the fill that takes a
 * position (per account and symbol) off zero to the fill that brings it back (or through
 * it, on a flip). Options opened together on one underlying are one Trade with several
 * legs. Money is exact like the broker's (src/broker/money): prices `Price` (1/10,000 $),
 * amounts `Cents`. Times epoch ms UTC.
 */
import type { AssetClass, Cents, Fill, Price, Side } from '../broker/types.js';

/**
 * The part of a fill that belongs to one trade. A fill that flips a position (sells 3
 * of a long 2) is cut in two pieces: 2 close the old trade, 1 opens the next. `value` and
 * `fees` are the piece's share of the fill's, split so the pieces sum exactly to the fill.
 */
export interface FillPiece {
  fill: Fill;
  qty: number;
  /** price × qty × multiplier of this piece, cents (≥ 0). */
  value: Cents;
  fees: Cents;
}

/** One contract's (or stock's) round trip inside a trade. */
export interface TradeLeg {
  /** `t_` + its first fill's id (`~split` appended when a manual split opened it). */
  id: string;
  account: string;
  symbol: string;
  assetClass: AssetClass;
  /** `buy` for a long leg, `sell` for a short one. */
  side: Side;
  pieces: FillPiece[];
  /** Largest absolute position held. */
  maxQty: number;
  /** Quantity bought and sold (for a closed leg they are equal). */
  boughtQty: number;
  soldQty: number;
  /** Average entry / exit price (Price units, rounded); exit null while open. */
  entryPrice: Price;
  exitPrice: Price | null;
  /** Realized P&L net of the fees of its pieces, average-cost. */
  realized: Cents;
  fees: Cents;
  /** Signed cost of the quantity still open (long > 0, short < 0), fees excluded. 0 when closed. */
  openBasis: Cents;
  openQty: number;
  /** Quantity and basis carried in from a manual split (0 otherwise). */
  carriedQty: number;
  carriedBasis: Cents;
  entryTime: number;
  exitTime: number | null;
  /** How it ended: `closed` by fills, `expired` by an expiry fill, or still `open`. */
  status: 'open' | 'closed' | 'expired';
}

export interface Trade {
  /** Stable: `t_` + the id of the first fill of its first leg (or of the split point). */
  id: string;
  account: string;
  /** The leg's symbol, or the underlying for a multi-leg trade. */
  symbol: string;
  underlying: string;
  side: Side;
  legs: TradeLeg[];
  entryTime: number;
  exitTime: number | null;
  status: 'open' | 'closed' | 'expired';
  realized: Cents;
  fees: Cents;
}

/** Manual corrections a trader made to the builder's grouping. */
export type TradeOverride =
  /** Starts a new trade at this fill (the open quantity is carried over at its average cost). */
  | { kind: 'split_at'; fillId: string }
  /** Treats these trades as one (the first id names the result). */
  | { kind: 'merge'; tradeIds: string[] }
  /** Undoes the automatic multi-leg grouping of this trade: each leg its own trade. */
  | { kind: 'unlink_legs'; tradeId: string };
