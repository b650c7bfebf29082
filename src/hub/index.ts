/**
 * hub/ — ChartHub: the one place bar series leave the server (hub.ts composes feed-routing,
 * backfill, health, symbol-state, replay-broadcast and fan-out).
 *
 * It owns the BarEngine (the single writer, src/bars), feeds it from a MarketDataFeed
 * (replay or Massive), and serves browsers over Socket.IO with the protocol in
 * src/wire/protocol.ts: `subscribe` → one `snapshot` → `bar` deltas with seq + 1 (one `bars` batch per
 * socket per tick, fan-out.ts), `health` on
 * change, `replay` status (throttled). It holds one provider subscription per symbol
 * however many browsers watch it, backfills each symbol single-flight, and on a replay
 * jump backwards / session change rebuilds the engine and re-snapshots everyone.
 *
 * The option chain and quote-matrix streams (OptionsHub) sit one layer up, in
 * src/services/options: they use ChartHub, so ChartHub cannot import them.
 *
 * QuotesHub (quotes-hub.ts) serves the quotes stream: the one price per symbol that the
 * watchlist, toolbar, chain marker and order ticket all show.
 *
 * The wire contract shared with web/ (types only on the browser side) lives in src/wire.
 */
export { ChartHub, toWireBar, MAX_SERIES_PER_SOCKET, type ChartHubOptions, type ReplayCapable, type FeedObserver } from './hub.js';
export { QuotesHub, quoteRow, type QuotesHubOptions, type SymbolCatalog } from './quotes-hub.js';
