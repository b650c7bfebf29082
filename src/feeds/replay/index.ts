/**
 * feeds/replay — the offline feed: the recorded data in the store (what `optdesk import`
 * and the server's first-run import wrote) played as if live (TradingView-style Bar
 * Replay: pick a session, play/pause, 1×–600×, jump to a time). Implements MarketDataFeed
 * with kind 'replay'; see feed.ts for the timing and history-window rules and catalog.ts
 * for what is read from the store. Stocks and option contracts (`O:…`) play alike.
 *
 * Default start (REPLAY_DEFAULTS): 2013-10-10 at 10:30 ET, playing at 60×, so a fresh
 * `npm start` shows candles building right away (one 1m candle per second) with the five
 * previous NYSE sessions as history (2013-10-03 has no recording: it shows as a gap).
 * Override with OPTDESK_REPLAY_SESSION/TIME/SPEED/STATE.
 */
export {
  ReplayFeed, REPLAY_DEFAULTS, DEFAULT_PRIOR_SESSIONS, DEFAULT_DAILY_SESSIONS, calendarSessionsBefore, missingRanges, piece,
  type ReplayFeedOptions, type ReplayListener,
} from './feed.js';
export { ReplayCatalog, isOptionTicker, type RecordedSession } from './catalog.js';
export { ManualTicker, intervalTicker, type ReplayTicker } from './ticker.js';
