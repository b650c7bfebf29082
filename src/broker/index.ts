/**
 * broker/ — orders, fills, positions and accounts, and the brokers that hold them.
 *
 * Owns: the order model and its lifecycle table (types.ts, state.ts), exact money
 * (money.ts), the fee table (fees.ts), position/cash bookkeeping (ledger.ts), the paper
 * broker (paper/), attached exits (exits.ts), the bar fill rules shared with the backtester
 * (bar-fills.ts). The Alpaca adapter lives in alpaca/ and
 * implements the same `Broker` interface.
 *
 * Nothing here decides whether an order may be sent: a Broker only accepts an
 * `ApprovedIntent`, which the risk engine (src/risk) produces.
 */
export * from './types.js';
export * from './state.js';
export * from './money.js';
export * from './fees.js';
export * from './ledger.js';
export * from './order.js';
export * from './exits.js';
export * from './bar-fills.js';
export * from './wire.js';
export { PaperBroker, type PaperBrokerOptions, type PaperAccountSeed, type AlarmSource, DEFAULT_PAPER_ACCOUNTS } from './paper/broker.js';
export { RecordedMarket, LiveMarket, type PaperMarket, type PaperQuote } from './paper/market.js';
