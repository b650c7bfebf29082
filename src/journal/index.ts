/**
 * journal/ — the trade journal: fills from every account (paper, Alpaca, imported) turned
 * into round-trip trades (roundtrip.ts), what each trade records beyond its fills — plan,
 * R, MAE/MFE, slippage, rule breaks (review.ts) — the statistics (src/stats, shared with
 * the backtester, grouped in service.ts), CSV import/export (csv.ts) and the service that puts them together over the
 * store (service.ts). Journal entries (setup, tags, notes with history, rating,
 * screenshots) are kept by src/store/journal.ts.
 */
export * from './types.js';
export * from './roundtrip.js';
export * from './review.js';
