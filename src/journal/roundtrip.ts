/**
 * The round-trip builder: fills (any account, any source) → trades.
 *
 * Per (account, symbol), fills are walked in time order with average-cost bookkeeping in
 * exact cents, by the same conventions as the broker's ledger (src/broker/ledger.ts):
 * signed basis, pro-rata release on a reduction (all that is left on a close, so no cent
 * is stranded), every fee realized when paid. A position going back to zero closes the
 * leg; a fill through zero (a flip) is cut in two pieces that sum exactly to the fill.
 * Expiry fills (reason `expiration_*`, emitted by the paper broker and the Alpaca
 * adapter) close their leg as `expired`.
 *
 * Then legs become trades: option legs of one account and underlying opened within
 * `legWindowMs` of each other are one multi-leg trade; a trader's overrides split, merge
 * or unlink them. For every input: Σ over legs of (realized − openBasis) equals the fills'
 * cash flow exactly, and bought/sold quantities add up to the fills' (roundtrip.test.ts).
 */
import type { AssetClass, Cents, Fill, Price } from '../broker/types.js';
import { multiplier, notional, PRICE_PER_CENT, roundHalfAway } from '../broker/money.js';
import { assetClassOf } from '../broker/order.js';
import { tryParseOptionTicker } from '../core/occ.js';
import type { FillPiece, Trade, TradeLeg, TradeOverride } from './types.js';

export interface BuildOptions {
  /** Option legs on one underlying opened this close together are one trade. Default 60 s. */
  legWindowMs?: number;
  overrides?: readonly TradeOverride[];
}

export const DEFAULT_LEG_WINDOW_MS = 60_000;

export function underlyingOf(symbol: string): string {
  return tryParseOptionTicker(symbol)?.underlying ?? symbol;
}

/** Fills → trades, newest last (by entry time, then id). */
export function buildTrades(fills: readonly Fill[], options: BuildOptions = {}): Trade[] {
  const overrides = options.overrides ?? [];
  const splitAt = new Set(overrides.flatMap((o) => (o.kind === 'split_at' ? [o.fillId] : [])));
  let trades = groupedTrades(fills, splitAt, options);
  // A merge that joins the two parts of a split undoes the split: kept as two legs, the
  // carried position would be held twice (quantities, MAE/MFE) in the merged trade.
  const undone = splitsUndoneByMerges(trades, splitAt, overrides);
  if (undone.length) {
    for (const id of undone) splitAt.delete(id);
    trades = groupedTrades(fills, splitAt, options);
  }
  for (const o of overrides) if (o.kind === 'merge') trades = mergeTrades(trades, o.tradeIds);
  return trades.sort((a, b) => a.entryTime - b.entryTime || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function groupedTrades(fills: readonly Fill[], splitAt: ReadonlySet<string>, options: BuildOptions): Trade[] {
  const overrides = options.overrides ?? [];
  const legs: TradeLeg[] = [];
  for (const group of groupBy(fills, (f) => `${f.account}\u0000${f.symbol}`).values()) {
    legs.push(...buildLegs(stableSortByTime(group), splitAt));
  }
  const unlinked = new Set(overrides.flatMap((o) => (o.kind === 'unlink_legs' ? [o.tradeId] : [])));
  return groupLegs(legs, options.legWindowMs ?? DEFAULT_LEG_WINDOW_MS, unlinked);
}

/** The split fills whose two parts (the leg it closed and the `~split` leg it opened) some merge joins. */
function splitsUndoneByMerges(trades: readonly Trade[], splitAt: ReadonlySet<string>, overrides: readonly TradeOverride[]): string[] {
  const merges = overrides.flatMap((o) => (o.kind === 'merge' ? [o.tradeIds] : []));
  if (!merges.length) return [];
  const tradeOfLeg = new Map<string, Trade>();
  for (const t of trades) for (const l of t.legs) tradeOfLeg.set(l.id, t);
  const out: string[] = [];
  for (const fillId of splitAt) {
    const after = tradeOfLeg.get(`t_${fillId}~split`);
    const opened = after?.legs.find((l) => l.id === `t_${fillId}~split`);
    if (!after || !opened) continue;
    // The leg the split closed: same account and symbol, ended at the split fill's instant.
    const closedLeg = [...tradeOfLeg.keys()].map((id) => tradeOfLeg.get(id)!.legs.find((l) => l.id === id)!)
      .filter((l) => l.id !== opened.id && l.account === opened.account && l.symbol === opened.symbol && l.exitTime === opened.entryTime)
      .sort((a, b) => b.entryTime - a.entryTime)[0];
    const before = closedLeg ? tradeOfLeg.get(closedLeg.id) : undefined;
    if (before && merges.some((ids) => ids.includes(before.id) && ids.includes(after.id))) out.push(fillId);
  }
  return out;
}

function stableSortByTime(fills: readonly Fill[]): Fill[] {
  return fills.map((f, i) => ({ f, i })).sort((a, b) => a.f.time - b.f.time || a.i - b.i).map((x) => x.f);
}

/** One symbol's fills (time order) → its legs. */
export function buildLegs(fills: readonly Fill[], splitAt: ReadonlySet<string> = new Set()): TradeLeg[] {
  const out: TradeLeg[] = [];
  let leg: TradeLeg | null = null;
  for (const fill of fills) {
    const assetClass = assetClassOf(fill.symbol);
    if (leg && leg.openQty !== 0 && splitAt.has(fill.id)) {
      // The trader cut the trade here: the open quantity moves to a new leg at its cost.
      const carried = leg;
      leg = newLeg(fill, assetClass, carried.side);
      // The fill may also flip the carried position, opening a leg of the same first fill.
      leg.id = `t_${fill.id}~split`;
      leg.carriedQty = Math.abs(carried.openQty);
      leg.carriedBasis = carried.openBasis;
      leg.openQty = carried.openQty;
      leg.openBasis = carried.openBasis;
      leg.maxQty = leg.carriedQty;
      carried.openQty = 0;
      carried.openBasis = 0;
      carried.status = 'closed';
      carried.exitTime = fill.time;
      finish(carried);
      out.push(leg);
    }
    const signed = fill.side === 'buy' ? fill.qty : -fill.qty;
    if (!leg || leg.openQty === 0) {
      leg = newLeg(fill, assetClass, fill.side);
      out.push(leg);
      add(leg, { fill, qty: fill.qty, value: notional(fill.price, fill.qty, assetClass), fees: fill.fees.total });
      continue;
    }
    if (Math.sign(leg.openQty) === Math.sign(signed)) {
      add(leg, { fill, qty: fill.qty, value: notional(fill.price, fill.qty, assetClass), fees: fill.fees.total });
      continue;
    }
    const closing = Math.min(fill.qty, Math.abs(leg.openQty));
    const total = notional(fill.price, fill.qty, assetClass);
    const closeValue = closing === fill.qty ? total : notional(fill.price, closing, assetClass);
    const closeFees = closing === fill.qty ? fill.fees.total : roundHalfAway((fill.fees.total * closing) / fill.qty);
    add(leg, { fill, qty: closing, value: closeValue, fees: closeFees });
    if (leg.openQty === 0) {
      leg.status = fill.reason === 'execution' ? 'closed' : 'expired';
      leg.exitTime = fill.time;
      finish(leg);
    }
    if (closing < fill.qty) {
      leg = newLeg(fill, assetClass, fill.side);
      out.push(leg);
      add(leg, { fill, qty: fill.qty - closing, value: total - closeValue, fees: fill.fees.total - closeFees });
    }
  }
  if (leg && leg.openQty !== 0) finish(leg);
  return out;
}

function newLeg(fill: Fill, assetClass: AssetClass, side: Fill['side']): TradeLeg {
  return {
    id: `t_${fill.id}`, account: fill.account, symbol: fill.symbol, assetClass, side, pieces: [], maxQty: 0, boughtQty: 0, soldQty: 0,
    entryPrice: 0, exitPrice: null, realized: 0, fees: 0, openBasis: 0, openQty: 0, carriedQty: 0, carriedBasis: 0,
    entryTime: fill.time, exitTime: null, status: 'open',
  };
}

/** Applies one piece (never crossing zero) to its leg. */
function add(leg: TradeLeg, piece: FillPiece): void {
  leg.pieces.push(piece);
  const buy = piece.fill.side === 'buy';
  if (buy) leg.boughtQty += piece.qty;
  else leg.soldQty += piece.qty;
  leg.fees += piece.fees;
  leg.realized -= piece.fees;
  const signed = buy ? piece.qty : -piece.qty;
  if (leg.openQty === 0 || Math.sign(leg.openQty) === Math.sign(signed)) {
    leg.openBasis += buy ? piece.value : -piece.value;
  } else {
    const released = piece.qty === Math.abs(leg.openQty) ? leg.openBasis : roundHalfAway((leg.openBasis * piece.qty) / Math.abs(leg.openQty));
    leg.realized += buy ? -piece.value - released : piece.value - released;
    leg.openBasis -= released;
  }
  leg.openQty += signed;
  leg.maxQty = Math.max(leg.maxQty, Math.abs(leg.openQty));
}

/** Average entry/exit prices once the pieces are known. */
function finish(leg: TradeLeg): void {
  const entrySide = leg.side;
  let entryValue = Math.abs(leg.carriedBasis);
  let entryQty = leg.carriedQty;
  let exitValue = 0;
  let exitQty = 0;
  for (const p of leg.pieces) {
    if (p.fill.side === entrySide) {
      entryValue += p.value;
      entryQty += p.qty;
    } else {
      exitValue += p.value;
      exitQty += p.qty;
    }
  }
  leg.entryPrice = averagePriceOf(entryValue, entryQty, leg.assetClass);
  leg.exitPrice = exitQty > 0 ? averagePriceOf(exitValue, exitQty, leg.assetClass) : null;
}

function averagePriceOf(value: Cents, qty: number, assetClass: AssetClass): Price {
  return qty === 0 ? 0 : roundHalfAway((value * PRICE_PER_CENT) / (qty * multiplier(assetClass)));
}

function tradeOf(legs: TradeLeg[]): Trade {
  const first = legs[0]!;
  const open = legs.some((l) => l.status === 'open');
  const underlying = underlyingOf(first.symbol);
  const symbols = new Set(legs.map((l) => l.symbol));
  return {
    id: first.id,
    account: first.account,
    symbol: symbols.size > 1 ? underlying : first.symbol,
    underlying,
    side: first.side,
    legs,
    entryTime: Math.min(...legs.map((l) => l.entryTime)),
    exitTime: open ? null : Math.max(...legs.map((l) => l.exitTime ?? 0)),
    status: open ? 'open' : legs.some((l) => l.status === 'expired') ? 'expired' : 'closed',
    realized: legs.reduce((s, l) => s + l.realized, 0),
    fees: legs.reduce((s, l) => s + l.fees, 0),
  };
}

/** Option legs of one account and underlying opened within the window: one trade. */
function groupLegs(legs: TradeLeg[], windowMs: number, unlinked: ReadonlySet<string>): Trade[] {
  const sorted = [...legs].sort((a, b) => a.entryTime - b.entryTime);
  const groups: TradeLeg[][] = [];
  const openGroup = new Map<string, TradeLeg[]>();
  for (const leg of sorted) {
    const single = [leg];
    if (leg.assetClass !== 'option' || leg.carriedQty > 0 || unlinked.has(leg.id)) {
      groups.push(single);
      continue;
    }
    const key = `${leg.account}\u0000${underlyingOf(leg.symbol)}`;
    const g = openGroup.get(key);
    if (g && leg.entryTime - g[0]!.entryTime <= windowMs && !g.some((l) => l.symbol === leg.symbol) && !unlinked.has(g[0]!.id)) {
      g.push(leg);
      continue;
    }
    groups.push(single);
    openGroup.set(key, single);
  }
  return groups.map(tradeOf);
}

function mergeTrades(trades: Trade[], ids: readonly string[]): Trade[] {
  const members = ids.map((id) => trades.find((t) => t.id === id)).filter((t): t is Trade => !!t);
  if (members.length < 2) return trades;
  const accounts = new Set(members.map((t) => t.account));
  if (accounts.size > 1) return trades; // refused at the API; never merge across accounts
  const legs = members.flatMap((t) => t.legs).sort((a, b) => a.entryTime - b.entryTime);
  const merged = { ...tradeOf(legs), id: members[0]!.id };
  const drop = new Set(members.map((t) => t.id));
  return [...trades.filter((t) => !drop.has(t.id)), merged];
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list) list.push(it);
    else m.set(k, [it]);
  }
  return m;
}

/** Cash flow of fills: sells − buys − fees (what Σ (realized − openBasis) must equal). */
export function cashFlow(fills: readonly Fill[]): Cents {
  return fills.reduce((s, f) => {
    const v = notional(f.price, f.qty, assetClassOf(f.symbol));
    return s + (f.side === 'sell' ? v : -v) - f.fees.total;
  }, 0);
}
