/**
 * MassiveChainSource: on a server left running overnight the matrix "change" is against
 * today's first quote of a contract, never yesterday's; and through the whole server on the
 * fake Massive, the chain says what its quotes are (plan without quotes, delayed, refused)
 * and reads Massive's odd snapshot rows (no `last_quote`, no `greeks`, a side sent as 0).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MassiveChainSource } from '../src/services/options/index.js';
import type { MassiveFeed, MassiveFeedConfig } from '../src/feeds/massive/index.js';
import { nyDate, nyTimeToMs } from '../src/calendar/index.js';
import { modelExpirations, yearsToExpiry } from '../src/options/index.js';
import { formatOptionTicker } from '../src/core/occ.js';
import { createServer } from '../src/server/app.js';
import type { ChainResponse } from '../src/wire/options-protocol.js';
import { startFakeMassive, type FakeMassiveOptions, type FakeOptionContract } from './fakes/massive-server.js';
import { massiveFeedFor } from './helpers/massive.js';
import { connect } from './helpers/socket.js';
import { until } from './helpers/wait.js';

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

test('after the quote stream reconnects, the chain snapshot is fetched again (quotes missed meanwhile are only in REST)', async () => {
  let sessions = 0;
  let requests = 0;
  const feed = {
    subscribe: () => {},
    unsubscribe: () => {},
    optionQuotesStatus: () => ({ state: 'live' as const, sessions }),
    endpoints: () => ({ stocks: { url: '', delayed: false }, options: { url: '', delayed: false } }),
    fetchOptionChainSnapshot: async () => {
      requests++;
      return [];
    },
  } as unknown as MassiveFeed;
  const source = new MassiveChainSource(feed, { snapshotTtlMs: 60_000 });
  const ctx = { underlying: 'SPY', at: Date.now(), session: nyDate(Date.now()), underlyingPrice: 450, rate: 0.04 };
  await source.chain(ctx, '2030-01-18');
  await source.chain(ctx, '2030-01-18');
  assert.equal(requests, 1, 'reused within its TTL');
  sessions++; // the options stream came back after a loss
  await source.chain(ctx, '2030-01-18');
  assert.equal(requests, 2, 're-fetched after the reconnect');
});

describe('the Massive chain through the server (fake Massive, official client)', () => {
  const now = Date.now();
  const expiration = modelExpirations(nyDate(now), 3).find((e) => yearsToExpiry(now, e) > 0)!;
  const strikes = [440, 445, 450, 455, 460];
  const ticker = (right: 'call' | 'put', strike: number) => formatOptionTicker({ underlying: 'SPY', expiration, right, strike });
  /** A small SPY chain around 450 with Massive-style rows; `shape` changes single rows. */
  function chainOf(shape: (c: FakeOptionContract) => Partial<FakeOptionContract> = () => ({})): FakeOptionContract[] {
    return strikes.flatMap((strike) =>
      (['call', 'put'] as const).map((type) => {
        const c: FakeOptionContract = {
          ticker: ticker(type, strike), underlying: 'SPY', type, strike, expiration,
          bid: 4, bidSize: 10, ask: 4.3, askSize: 12, quoteTs: now - 30_000, openInterest: 50, underlyingPrice: 450.2,
          greeks: { delta: type === 'call' ? 0.5 : -0.5, gamma: 0.02, theta: -0.1, vega: 0.3 },
        };
        return { ...c, ...shape(c) };
      }),
    );
  }

  async function serve(contracts: FakeOptionContract[], fakeOptions: FakeMassiveOptions = {}, feedOptions: Partial<MassiveFeedConfig> = {}) {
    const fake = await startFakeMassive(fakeOptions);
    fake.setOptionContracts(contracts);
    const feed = massiveFeedFor(fake, feedOptions);
    const server = createServer({ host: '127.0.0.1', port: 0, feed, options: { throttleMs: 50 } });
    const { url } = await server.listen();
    const chain = async () => (await (await fetch(`${url}/api/options/chain?underlying=SPY&expiration=${expiration}`)).json()) as ChainResponse;
    return { fake, feed, server, url, chain, close: async () => { await server.close(); await fake.close(); } };
  }

  test('a plan without option quotes says so, instead of every contract reading "no market"', async () => {
    const s = await serve(chainOf(() => ({ noQuote: true, greeks: undefined })));
    try {
      const chain = await s.chain();
      assert.equal(chain.rows.length, 10);
      assert.ok(chain.rows.every((r) => r.bid === null && r.ask === null), 'no quote is shown as a price');
      assert.match(chain.note ?? '', /^Your Massive plan does not include option quotes: .*not a market without bids/);
    } finally {
      await s.close();
    }
  });

  test('rows without last_quote or greeks, and missing sides sent as 0, read as "no bid" — never 0', async () => {
    const noBid = ticker('call', 460);
    const noQuote = ticker('put', 440);
    const noGreeks = ticker('call', 450);
    const s = await serve(
      chainOf((c) => (c.ticker === noBid ? { bid: undefined } : c.ticker === noQuote ? { noQuote: true } : c.ticker === noGreeks ? { greeks: undefined } : {})),
      { missingSidesAsZero: true },
    );
    try {
      const entries = await s.feed.fetchOptionChainSnapshot('SPY', expiration);
      const raw = entries.find((e) => e.contract.ticker === noBid)!;
      assert.deepEqual([raw.quote.bid, raw.quote.bidSize, raw.quote.ask], [null, null, 4.3], 'the adapter maps bid: 0 to no bid');
      assert.equal(entries.find((e) => e.contract.ticker === noQuote)!.hasQuote, false);
      assert.equal(entries.find((e) => e.contract.ticker === noGreeks)!.greeks, null);
      assert.deepEqual(entries.find((e) => e.contract.ticker === ticker('put', 450))!.greeks, { delta: -0.5, gamma: 0.02, theta: -0.1, vega: 0.3 });

      const chain = await s.chain();
      const row = (t: string) => chain.rows.find((r) => r.ticker === t)!;
      assert.equal(row(noBid).bid, null);
      assert.equal(row(noBid).ivReason, 'no_bid');
      assert.deepEqual([row(noQuote).bid, row(noQuote).ask], [null, null]);
      assert.ok(row(noGreeks).delta !== null && row(noGreeks).iv !== null, 'greeks come from our own model when Massive sends none');
      assert.equal(chain.note, undefined, 'other rows have quotes: this plan has quotes');
    } finally {
      await s.close();
    }
  });

  test('option quotes refused by the plan, or delayed: the chain says so', async () => {
    const refused = await serve(chainOf());
    try {
      refused.fake.entitlementError('options', "Your plan doesn't include options quotes");
      const socket = await connect(refused.url);
      socket.emit('options:subscribe', { underlying: 'SPY', expiration, strikesAroundAtm: 1 });
      await until('the quote stream refused', () => refused.feed.optionQuotesStatus().state === 'down');
      const chain = await refused.chain();
      assert.match(chain.note ?? '', /^Live option quotes are paused, so rows show Massive's last snapshot: .*plan doesn't include options quotes/);
      socket.close();
    } finally {
      await refused.close();
    }
    const delayed = await serve(chainOf(), {}, { delayed: { options: true } });
    try {
      assert.equal((await delayed.chain()).note, 'Option quotes are 15 minutes delayed (Massive delayed options data).');
    } finally {
      await delayed.close();
    }
  });
});
