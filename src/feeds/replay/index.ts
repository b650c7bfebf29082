/**
 * feeds/replay — the offline feed: recorded Massive flat files in the data dir played as
 * if live (TradingView-style Bar Replay: pick a session, play/pause, 1×–600×, jump to a
 * time). Implements MarketDataFeed with kind 'replay'; see feed.ts for the timing rules
 * and catalog.ts for what is read from disk.
 *
 * Default start (REPLAY_DEFAULTS): 2013-10-10 at 10:30 ET, playing at 60×, so a fresh
 * `npm start` shows candles building right away (one 1m candle per second) with four
 * prior sessions of history. Override with OPTDESK_REPLAY_SESSION/TIME/SPEED/STATE.
 */
export { ReplayFeed, REPLAY_DEFAULTS, DEFAULT_PRIOR_SESSIONS, piece, type ReplayFeedOptions, type ReplayListener } from './feed.js';
export { ReplayCatalog, type RecordedSession, MINUTE_DIR, DAILY_DIR } from './catalog.js';
export { ManualTicker, intervalTicker, type ReplayTicker } from './ticker.js';
