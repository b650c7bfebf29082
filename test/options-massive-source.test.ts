/**
 * MassiveChainSource on a server left running overnight: the matrix "change" is against
 * today's first quote of a contract, never yesterday's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MassiveChainSource } from '../src/options/service/index.js';
import type { MassiveFeed } from '../src/feeds/massive/index.js';
import { nyTimeToMs } from '../src/calendar/index.js';

const TICKER = 'O:SPY251219C00600000';

test('the opening mark is per trading day: the first quote of a new day replaces yesterday\'s', async () => {
  const feed = { subscribe: () => {}, unsubscribe: () => {} } as unknown as MassiveFeed;
  let now = nyTimeToMs('2025-12-01', '09:31');
  const source = new MassiveChainSource(feed, { now: () => now });
  source.watch([TICKER]);
  assert.equal(source.onQuote({ ticker: TICKER, ts: now, bid: 1.0, ask: 1.2, bidSize: 1, askSize: 1 }), true);
  assert.equal(await source.openingMark(TICKER), 1.1);
  source.onQuote({ ticker: TICKER, ts: now + 60_000, bid: 2.0, ask: 2.2, bidSize: 1, askSize: 1 });
  assert.equal(await source.openingMark(TICKER), 1.1, 'later quotes of the same day do not move it');

  now = nyTimeToMs('2025-12-02', '09:29');
  assert.equal(await source.openingMark(TICKER), null, 'no quote yet today: no opening mark (not yesterday\'s)');
  source.onQuote({ ticker: TICKER, ts: nyTimeToMs('2025-12-02', '09:30'), bid: 3.0, ask: 3.2, bidSize: 1, askSize: 1 });
  now = nyTimeToMs('2025-12-02', '09:31');
  assert.equal(await source.openingMark(TICKER), 3.1);
});
