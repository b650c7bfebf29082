/**
 * services/options — the option chain and quote matrix as the server serves them: an
 * application service around ChartHub (it reads the underlying from the hub's bar engine),
 * above the pure options core (src/options) and the wire shapes (src/wire).
 *
 * `ChainService` answers "which expirations are open" and "the chain of one expiration"
 * for an underlying at the current clock (the replay clock, or the wall clock live), and
 * prices matrix entries (mark, change, P&L, distance to take-profit). It picks one
 * `ChainSource` per underlying (the sources live below, in src/options/sources, so the
 * backtester's options mode reads the same quotes):
 *
 * - `RecordedChainSource` — the replay session's recorded option quotes (from the store),
 *   open interest and option trades; the last quote at or before the clock, never later.
 * - `ModelChainSource` — sessions with no recorded quotes: BSM quotes at the underlying's
 *   realized volatility (history before the clock only), every row `model: true`.
 * - `MassiveChainSource` — the Massive feed: REST chain snapshot + WebSocket `Q` quotes for
 *   the contracts someone watches, within the 1,000-contract connection limit.
 *
 * The underlying price always comes from the chart side (ChartHub's bar engine: the last
 * 1-minute bar at or before the clock), so chain and chart agree; the rate is
 * `defaultRiskFreeRate(session)`. Unknown underlyings and expirations raise
 * `OptionDataNotFound` (404) with a sentence naming the field.
 *
 * The socket streams over this service are OptionsHub (options-hub.ts); REST in
 * src/server/options-routes.ts; the wire shapes in src/wire/options-protocol.ts.
 */
export { ChainService, type ChainServiceOptions, type SessionClock } from './service.js';
export { RecordedChainSource, type RecordedOptionData } from '../../options/sources/recorded.js';
export { ModelChainSource, FALLBACK_VOL, type UnderlyingHistory } from '../../options/sources/model.js';
export { MassiveChainSource, type MassiveChainSourceOptions } from '../../options/sources/massive.js';
export { type ChainContext, type ChainSource, OptionDataNotFound, OptionDataUnavailable } from '../../options/sources/types.js';
export { toWireRow, toMatrixRow, markOf, rowFingerprint } from './wire.js';
export { OptionsHub, MAX_CHAIN_STREAMS_PER_SOCKET, type OptionsHubOptions } from './options-hub.js';
