/**
 * ChainRow (the domain core's row) → the wire shapes of options-protocol.ts, and the
 * matrix arithmetic. Numbers are rounded for the wire so that a delta carries a row only
 * when something a trader can see changed.
 */
import type { ChainRow } from '../../options/chain.js';
import type { MatrixEntry, QuoteSource, WireMatrixRow, WireOptionRow } from '../../wire/options-protocol.js';
import type { OptionContract } from '../../core/occ.js';

const round = (v: number | null, digits: number): number | null => {
  if (v === null || !Number.isFinite(v)) return null;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

export function toWireRow(r: ChainRow): WireOptionRow {
  return {
    ticker: r.ticker,
    expiration: r.expiration,
    strike: r.strike,
    right: r.right,
    bid: r.bid,
    ask: r.ask,
    bidSize: r.bidSize,
    askSize: r.askSize,
    mid: round(r.mid, 4),
    last: r.last,
    volume: r.volume,
    openInterest: r.openInterest,
    iv: round(r.iv, 5),
    ivReason: r.ivReason,
    delta: round(r.delta, 4),
    gamma: round(r.gamma, 5),
    theta: round(r.theta, 4),
    vega: round(r.vega, 4),
    breakEven: round(r.breakEven, 4),
    spreadPct: round(r.spreadPct, 4),
    // Massive says ts 0 when it does not know the quote's time: no age rather than 55 years.
    quoteAgeMs: r.quoteTs ? r.quoteAgeMs : null,
    quoteTs: r.quoteTs || null,
    crossed: r.crossed,
    locked: r.locked,
    model: r.model,
  };
}

/** A row for a contract the source has no quote for (unknown, expired, not listed). */
export function blankRow(contract: OptionContract, ticker: string, ivReason: string): WireOptionRow {
  return {
    ticker,
    expiration: contract.expiration,
    strike: contract.strike,
    right: contract.right,
    bid: null,
    ask: null,
    bidSize: null,
    askSize: null,
    mid: null,
    last: null,
    volume: null,
    openInterest: null,
    iv: null,
    ivReason,
    delta: null,
    gamma: null,
    theta: null,
    vega: null,
    breakEven: null,
    spreadPct: null,
    quoteAgeMs: null,
    quoteTs: null,
    crossed: false,
    locked: false,
    model: false,
  };
}

/** Mark = mid when both sides exist (and not crossed), else the last trade, else null. */
export function markOf(row: Pick<WireOptionRow, 'mid' | 'last'>): number | null {
  return row.mid ?? row.last ?? null;
}

/** The matrix arithmetic: change, P&L = (mark − entry) × 100 × qty, toTakeProfit = takeProfit − bid. */
export function toMatrixRow(
  row: WireOptionRow,
  entry: MatrixEntry,
  ctx: { underlying: string; underlyingPrice: number | null; source: QuoteSource; openingMark: number | null; settlement?: number | null },
): WireMatrixRow {
  // An expired contract is worth its settlement, whatever its last quote said.
  const mark = ctx.settlement != null ? ctx.settlement : markOf(row);
  const entryPrice = entry.entryPrice ?? null;
  const quantity = entry.quantity ?? null;
  const takeProfit = entry.takeProfit ?? null;
  const held = entryPrice !== null && quantity !== null;
  return {
    ...row,
    underlying: ctx.underlying,
    underlyingPrice: ctx.underlyingPrice,
    mark: round(mark, 4),
    change: mark !== null && ctx.openingMark !== null ? round(mark - ctx.openingMark, 4) : null,
    entryPrice,
    quantity,
    takeProfit,
    pnl: held && mark !== null ? round((mark - entryPrice) * 100 * quantity, 2) : null,
    toTakeProfit: takeProfit !== null && row.bid !== null ? round(takeProfit - row.bid, 4) : null,
    source: ctx.source,
    ...(ctx.settlement !== undefined ? { expired: true, settlement: round(ctx.settlement, 4) } : {}),
  };
}

/** What a delta compares: everything but the age, which moves on every tick. */
export function rowFingerprint(row: WireOptionRow): string {
  const { quoteAgeMs: _age, ...rest } = row;
  return JSON.stringify(rest);
}
