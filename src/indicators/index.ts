/**
 * indicators/ — the technical indicators the scanner, the entry checklist, the chart
 * overlays and (later) the strategies share, so a level on the chart is the level a rule
 * tested.
 *
 * Every indicator is a streaming object: `update(bar)` → its value after that bar. A bar
 * whose `start` equals the previous one's is a revision of the forming bar (it replaces,
 * never double-counts); an older bar is an InputError. `batch(make, bars)` runs one over a
 * series and returns the value after each bar.
 *
 * - ta.ts: EMA, ATR (Wilder), RSI — thin wrappers over the `trading-signals` library.
 * - reader.ts: the BarReader the scanner, checklist and CLI read bars through (store adapter).
 * - symbol-state.ts: every scanner/checklist field of one symbol at an instant, kept incrementally.
 * - overlays.ts: the chart overlays (VWAP, EMA 21/50, session levels), the same on every timeframe.
 * - session.ts: our own session-aware levels built on src/calendar (NYSE hours, early
 *   closes): VWAP anchored at the regular open, prior day high/low/close, pre-market
 *   high/low/volume, opening range with its breakout state.
 */
export * from './types.js';
export * from './ta.js';
export * from './session.js';
export * from './reader.js';
export * from './symbol-state.js';
export * from './overlays.js';
