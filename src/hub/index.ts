/**
 * hub/ — ChartHub: the one place bar series leave the server (hub.ts composes feed-routing,
 * backfill, health, symbol-state, replay-broadcast and fan-out).
 *
 * It owns the BarEngine (the single writer, src/bars), feeds it from a MarketDataFeed
 * (replay, Massive, sim), and serves browsers over Socket.IO with the protocol in
 * protocol.ts: `subscribe` → one `snapshot` → `bar` deltas with seq + 1 (one `bars` batch per
 * socket per tick, fan-out.ts), `health` on
 * change, `replay` status (throttled). It holds one provider subscription per symbol
 * however many browsers watch it, backfills each symbol single-flight, and on a replay
 * jump backwards / session change rebuilds the engine and re-snapshots everyone.
 *
 * OptionsHub (options-hub.ts) serves the option chain and quote-matrix streams of
 * options-protocol.ts on the same Socket.IO server.
 *
 * QuotesHub (quotes-hub.ts) serves the quotes stream: the one price per symbol that the
 * watchlist, toolbar, chain marker and order ticket all show.
 *
 * protocol.ts is the wire contract shared with web/ (types only on the browser side).
 */
export { ChartHub, toWireBar, MAX_SERIES_PER_SOCKET, type ChartHubOptions, type ReplayCapable, type FeedObserver } from './hub.js';
export * from './protocol.js';
export { OptionsHub, MAX_CHAIN_STREAMS_PER_SOCKET, type OptionsHubOptions } from './options-hub.js';
export { QuotesHub, quoteRow, type QuotesHubOptions, type SymbolCatalog } from './quotes-hub.js';
