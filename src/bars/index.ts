/**
 * bars/ — the BarEngine: base 1-minute series, every derived timeframe, the merge policy
 * and versioned deltas. It is the only code that writes bars; feeds hand it raw input,
 * the hub and the CLI read from it. See engine.ts for the merge policy in full.
 */
export { BarEngine, type BarDelta, type BarEngineOptions, type BarEngineStats } from './engine.js';
export { placeMinute, intradayBucket, dailyBucket, type MinutePlace, type Segment } from './buckets.js';
export { invalidAggregateReason } from './validate.js';
