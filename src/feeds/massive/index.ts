/**
 * feeds/massive — the Massive (formerly Polygon.io) market-data adapter.
 *
 * Owns: REST history (`/v2/aggs/.../range/1/minute/...`, paginated via `next_url`,
 * `limit` ≤ 50,000 base bars), the option chain snapshot (`/v3/snapshot/options/{u}`) and
 * contract reference (`/v3/reference/options/contracts`), and the live WebSocket streams —
 * one connection per cluster (`/stocks` for `AM` minute + `A` second aggregates,
 * `/options` for `Q` NBBO quotes, at most 1,000 contracts per connection).
 *
 * Does not own: bars. `AM` is delivered as `onMinute(agg, 'live')`, `A` as `onPartial`,
 * reconnect gap-fill as `onMinute(agg, 'history')`; the bar engine upserts (Massive
 * re-sends a minute when late trades arrive, so a repeat is an update, not an append).
 * A re-sent `A` (same start) replaces its second: the feed folds the minute's seconds and
 * upserts the minute so far. Vendor daily bars of closed sessions (`fetchDailyHistory`)
 * feed the 1D/1W charts.
 *
 * How the real service behaves, and what we do about it (socket.ts):
 * - no heartbeat and no client keepalive: quiet links get a WebSocket ping, and a socket
 *   silent past `silenceTimeoutMs` is dropped, re-opened and backfilled;
 * - over the one-connection-per-cluster limit Massive sends auth_success, then
 *   `max_connections`, then closes 1008: a login counts only once it holds, refusals
 *   back off (5 s → 2 min), and a refusal right after our own session ended is blamed on
 *   that session, not on "another program";
 * - delayed or real-time is per cluster; a 429 without Retry-After waits past the minute.
 * Every timeout runs on an injectable `clock`.
 *
 * Vendor trouble (bad key, plan lacks a cluster, HTTP 429, lost connection, a second
 * program using the account's connection) never throws out of the stream: it becomes a
 * FeedStatus with a sentence a trader can act on. Malformed messages are counted in
 * `stats()`, logged once per kind and dropped.
 *
 * Both REST and WebSocket go through the official `@massive.com/client-js`: `restClient`
 * for REST, `getStocksWebsocket`/`getOptionsWebsocket` (base URL + cluster path) for the
 * streams; see rest.ts for why we follow `next_url` ourselves.
 */
export { MassiveFeed, MAX_OPTION_CONTRACTS_PER_CONNECTION, type MassiveFeedConfig, type MassiveFeedStats } from './feed.js';
export { MassiveError, type MassiveErrorKind, type OptionChainEntry, type OptionContract } from './rest.js';
export { delayedFromEnv } from './env.js';
