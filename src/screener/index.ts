/**
 * screener/ — the traders' 0-DTE covered-call screener, now in the platform.
 *
 * - covered-calls.ts: filters calls of one expiration by moneyness, bid, two-sided quote,
 *   spread ÷ mid, delta band and open interest; adds premium/annualised yield, break-even,
 *   max profit and probability of profit (N(d2) at the break-even with the contract's IV
 *   and the time to the expiration session's close — 13:00 on early closes); ranks.
 * - mark.ts: settles a past screen at the expiration session's close (assigned when the
 *   close is above the strike), P&L per share and per contract net of Alpaca's fees
 *   (src/core/fees.ts), and the backtest that runs screen + mark over recorded sessions.
 *
 * Pure: callers pass a chain (src/options) and the prices; nothing here reads a store.
 */
export * from './covered-calls.js';
export * from './mark.js';
