/**
 * Alpaca's account and positions → optdesk's Account and Position, in integer cents and
 * Price units. Pure. Fees come from the fills optdesk booked (modeled: Alpaca's paper
 * account charges none); Alpaca reports no realized P&L, so those fields stay 0 and the
 * day's result is the equity change.
 */
import type { trading } from '@alpacahq/alpaca-trade-api';
import { nyDate } from '../../calendar/index.js';
import type { Account, Fill, Position } from '../types.js';
import { centsFromWire, priceFromWireRounded, qtyFromWire, symbolFromAlpaca } from './wire.js';

const feesOf = (fills: readonly Fill[]): number => fills.reduce((s, f) => s + f.fees.total, 0);

export function accountFromAlpaca(a: trading.Account, ctx: { name: string; mode: 'paper' | 'live'; fills: readonly Fill[]; now: number }): Account {
  const today = nyDate(ctx.now);
  const equity = centsFromWire(a.equity);
  const startOfDay = centsFromWire(a.lastEquity);
  const dayFees = feesOf(ctx.fills.filter((f) => nyDate(f.time) === today));
  const raw = a as unknown as Record<string, unknown>;
  const optionsBp = raw.options_buying_power ?? raw.optionsBuyingPower;
  return {
    name: ctx.name,
    broker: 'alpaca',
    mode: ctx.mode,
    cash: centsFromWire(a.cash),
    // An options desk buys with the options buying power when Alpaca reports one.
    buyingPower: centsFromWire(typeof optionsBp === 'string' ? optionsBp : a.buyingPower),
    equity,
    startOfDayEquity: startOfDay,
    // Alpaca's paper account charges no fees, so its equity lacks the modeled ones; a
    // live account's equity already has the real ones taken out.
    dayPnl: equity - startOfDay - (ctx.mode === 'paper' ? dayFees : 0),
    // Alpaca reports no realized figure; the daily loss halt reads dayPnl.
    dayRealizedPnl: 0,
    dayFees,
    totalFees: feesOf(ctx.fills),
    tradingDay: today,
    updatedAt: ctx.now,
  };
}

/** Null for a flat position (optdesk lists none). */
export function positionFromAlpaca(p: trading.Position, ctx: { account: string; fills: readonly Fill[]; now: number }): Position | null {
  const qty = qtyFromWire(p.qty);
  if (qty === 0) return null;
  const symbol = symbolFromAlpaca(String(p.symbol), p.assetClass);
  const mine = ctx.fills.filter((f) => f.symbol === symbol);
  return {
    account: ctx.account,
    symbol,
    assetClass: p.assetClass === 'us_option' ? 'option' : 'stock',
    qty: p.side === 'short' ? -Math.abs(qty) : qty,
    costBasis: centsFromWire(p.costBasis),
    avgPrice: priceFromWireRounded(p.avgEntryPrice ?? '0'),
    // Alpaca reports no realized P&L per position.
    realizedPnl: 0,
    fees: feesOf(mine),
    openedAt: mine[0]?.time ?? ctx.now,
    updatedAt: ctx.now,
  };
}
