/**
 * MassiveFeed against the local fake Massive server, through the vendor's official client
 * (`@massive.com/client-js`): REST via `restClient(key, fake.restUrl)`, streams via
 * `getStocksWebsocket`/`getOptionsWebsocket(key, base)`. Real recorded data from
 * ../shared/data (SPY minutes 2013-10-07..11, the GOOG option chain of 2015-12-24).
 *
 * Run: node --import tsx --test test/massive-feed.test.ts
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { restClient } from '@massive.com/client-js';
import type { MinuteAggregate, OptionQuote } from '../src/core/types.js';
import type { FeedStatus } from '../src/feeds/types.js';
import type { AggregateOrigin } from '../src/core/types.js';
import { MassiveError, MassiveFeed, delayedFromEnv, type MassiveFeedConfig } from '../src/feeds/massive/index.js';
import { startFakeMassive, type FakeMassive, type FakeOptionContract } from './fakes/massive-server.js';
import { until } from './helpers/wait.js';
import { massiveFeedFor } from './helpers/massive.js';
import { ManualClock } from './helpers/manual-clock.js';
import { readAggregates, stockDailyFile } from './helpers/data.js';
import { nyTimeToMs } from '../src/calendar/index.js';

// ------------------------------------------------------------------ real data helpers

const DATA = resolve(dirname(fileURLToPath(import.meta.url)), '../../shared/data/flatfiles');

function readGzipCsv(path: string): string[][] {
  const lines = gunzipSync(readFileSync(path)).toString('utf8').trim().split('\n');
  return lines.slice(1).map((line) => line.split(','));
}

/** `minute_aggs_v1`: ticker,volume,open,close,high,low,window_start(ns),transactions */
function loadMinuteBars(day: string, symbol: string): MinuteAggregate[] {
  const [y, m] = day.split('-');
  return readGzipCsv(`${DATA}/us_stocks_sip/minute_aggs_v1/${y}/${m}/${day}.csv.gz`)
    .filter((r) => r[0] === symbol)
    .map(([ticker, volume, open, close, high, low, windowStart]) => ({
      symbol: ticker ?? symbol,
      start: Number(BigInt(windowStart ?? '0') / 1_000_000n),
      open: Number(open),
      high: Number(high),
      low: Number(low),
      close: Number(close),
      volume: Number(volume),
    }))
    .sort((a, b) => a.start - b.start);
}

/**
 * `quotes_v1`: ticker,ask_exchange,ask_price,ask_size,bid_exchange,bid_price,bid_size,sequence_number,sip_timestamp.
 * Returns the last quote of the day per contract, as the chain snapshot would show it.
 */
function loadLastOptionQuotes(day: string, underlying: string): FakeOptionContract[] {
  const [y, m] = day.split('-');
  const last = new Map<string, FakeOptionContract>();
  for (const [ticker, , ask, askSize, , bid, bidSize, , ts] of readGzipCsv(`${DATA}/us_options_opra/quotes_v1/${y}/${m}/${day}.csv.gz`)) {
    const occ = /^O:([A-Z]+)(\d{2})(\d{2})(\d{2})([CP])(\d{8})$/.exec(ticker ?? '');
    if (!occ || occ[1] !== underlying) continue;
    last.set(ticker!, {
      ticker: ticker!,
      underlying,
      type: occ[5] === 'C' ? 'call' : 'put',
      strike: Number(occ[6]) / 1000,
      expiration: `20${occ[2]}-${occ[3]}-${occ[4]}`,
      // Empty price = no bid / no ask in the flat files.
      ...(bid ? { bid: Number(bid), bidSize: Number(bidSize) } : {}),
      ...(ask ? { ask: Number(ask), askSize: Number(askSize) } : {}),
      quoteTs: Number(BigInt(ts ?? '0') / 1_000_000n),
    });
  }
  return [...last.values()];
}

// ------------------------------------------------------------------ harness helpers


interface Recorder {
  minutes: Array<{ agg: MinuteAggregate; origin: AggregateOrigin }>;
  partials: MinuteAggregate[];
  quotes: OptionQuote[];
  statuses: FeedStatus[];
  warnings: string[];
}

function makeFeed(fake: FakeMassive, extra: Partial<MassiveFeedConfig> = {}): { feed: MassiveFeed; rec: Recorder; start(): Promise<void> } {
  const rec: Recorder = { minutes: [], partials: [], quotes: [], statuses: [], warnings: [] };
  // Short, capped backoff (massiveFeedFor) so reconnect tests take milliseconds and leave no timers behind.
  const feed = massiveFeedFor(fake, { logger: { warn: (m) => rec.warnings.push(m) }, ...extra });
  const start = (): Promise<void> =>
    feed.start({
      onMinute: (agg, origin) => rec.minutes.push({ agg, origin }),
      onPartial: (agg) => rec.partials.push(agg),
      onQuote: (q) => rec.quotes.push(q),
      onStatus: (s) => rec.statuses.push(s),
    });
  return { feed, rec, start };
}

const SPY_1010 = loadMinuteBars('2013-10-10', 'SPY');

/** Option contracts with a quote subscription on the fake's options cluster (each also has `AM.`). */
function quoteSubs(fake: FakeMassive): number {
  return [...fake.subscriptions('options')].filter((p) => p.startsWith('Q.')).length;
}

// ------------------------------------------------------------------ REST history

describe('REST minute history through the official client', () => {
  let fake: FakeMassive;
  const week = ['2013-10-07', '2013-10-08', '2013-10-09', '2013-10-10', '2013-10-11'].flatMap((d) => loadMinuteBars(d, 'SPY'));
  before(async () => {
    // A 500-bar page cap makes a week of minutes span several `next_url` pages.
    fake = await startFakeMassive({ aggsMaxLimit: 500 });
    fake.setMinuteBars('SPY', week);
  });
  after(() => fake.close());

  test('follows next_url page by page and returns exactly [from, to) ascending', async () => {
    const { feed } = makeFeed(fake);
    const from = week[0]!.start;
    const to = week[week.length - 1]!.start; // exclusive: the last bar must not come back
    fake.requests.length = 0;
    const got = await feed.fetchMinuteHistory('SPY', from, to);
    const expected = week.filter((b) => b.start >= from && b.start < to);
    assert.equal(got.length, expected.length);
    assert.deepEqual(
      got.map((b) => [b.start, b.open, b.high, b.low, b.close, b.volume]),
      expected.map((b) => [b.start, b.open, b.high, b.low, b.close, b.volume]),
    );
    assert.equal(fake.requests.length, Math.ceil(expected.length / 500) + (expected.length % 500 === 0 ? 1 : 0));
    // First page asks for Massive's max limit in base bars; later pages carry the cursor.
    assert.equal(fake.requests[0]?.query.limit, '50000');
    assert.equal(fake.requests[0]?.query.sort, 'asc');
    assert.ok(fake.requests.slice(1).every((r) => typeof r.query.cursor === 'string'));
    assert.equal(feed.status().state, 'down'); // never started: REST works without the streams
  });

  test("the fake's next_url also works with the client's own paginator (which reverses page order)", async () => {
    const rest = restClient(fake.apiKey, fake.restUrl, { pagination: true });
    const day = SPY_1010;
    const res = (await rest.getStocksAggregates({
      stocksTicker: 'SPY',
      multiplier: 1,
      timespan: 'minute' as never,
      from: String(day[0]!.start),
      to: String(day[day.length - 1]!.start),
      limit: 500,
    })) as unknown as { results: Array<{ t: number }> };
    assert.equal(res.results.length, day.length);
    // All bars, but pages come back last-first: why MassiveFeed paginates itself.
    assert.deepEqual(
      [...res.results.map((r) => r.t)].sort((a, b) => a - b),
      day.map((b) => b.start),
    );
    assert.notEqual(res.results[0]!.t, day[0]!.start);
  });

  test('a 429 is retried honouring Retry-After, and reported as a status sentence meanwhile', async () => {
    const { feed, rec, start } = makeFeed(fake);
    await start();
    fake.rateLimit(1, 1);
    const t0 = Date.now();
    const got = await feed.fetchMinuteHistory('SPY', SPY_1010[0]!.start, SPY_1010[10]!.start);
    assert.ok(Date.now() - t0 >= 950, 'waited for Retry-After: 1');
    assert.equal(got.length, 10);
    assert.equal(feed.stats().rateLimited, 1);
    const during = rec.statuses.find((s) => s.state === 'degraded' && /HTTP 429/.test(s.message ?? ''));
    assert.ok(during, 'a degraded status mentioning the rate limit was emitted');
    assert.match(during.message ?? '', /rate-limiting/);
    assert.equal(feed.status().state, 'live', 'recovered after the retry succeeded');
    await feed.stop();
  });

  test('a persistent 429 rejects with a sentence once retries are exhausted', async () => {
    const { feed } = makeFeed(fake, { restRetry: { initialMs: 10, maxMs: 20, maxAttempts: 3 } });
    fake.rateLimit(3, 0);
    await assert.rejects(feed.fetchMinuteHistory('SPY', SPY_1010[0]!.start, SPY_1010[5]!.start), (err: unknown) => {
      assert.ok(err instanceof MassiveError);
      assert.equal(err.kind, 'rate_limit');
      assert.match(err.message, /^Massive is rate-limiting requests \(HTTP 429\)/);
      return true;
    });
    assert.equal(feed.stats().rateLimited, 3);
  });

  test('a 429 without Retry-After backs off past the 60 s window instead of failing inside it', async () => {
    const limited = await startFakeMassive();
    const clock = new ManualClock();
    try {
      limited.setMinuteBars('SPY', SPY_1010);
      limited.rateLimitPerMinute(5, () => clock.now()); // the free tier's budget, on the feed's clock
      const { feed } = makeFeed(limited, { clock });
      const range = (i: number) => [SPY_1010[i * 10]!.start, SPY_1010[i * 10 + 10]!.start] as const;
      for (let i = 0; i < 5; i++) assert.equal((await feed.fetchMinuteHistory('SPY', ...range(i))).length, 10);

      const t0 = clock.now();
      let settled = false;
      const sixth = feed.fetchMinuteHistory('SPY', ...range(5)).finally(() => (settled = true));
      while (!settled) {
        await until('a wait or the answer', () => settled || clock.pending() > 0);
        if (!settled) clock.advance(clock.nextIn()); // every wait the feed asks for passes at once
      }
      assert.equal((await sixth).length, 10);
      assert.ok(clock.now() - t0 >= 60_000, `waited past the minute window (${clock.now() - t0} ms)`);
      assert.ok(clock.requested.every((ms) => ms >= 7_500), `never a quick retry: ${clock.requested.join(', ')} ms`);
      assert.ok(feed.stats().rateLimited <= 4, `no hammering: ${feed.stats().rateLimited} answers 429`);
    } finally {
      await limited.close();
    }
  });

  test('a slow answer becomes a timeout sentence, not a hang', async () => {
    const { feed } = makeFeed(fake, { restTimeoutMs: 80, restRetry: { initialMs: 10, maxMs: 10, maxAttempts: 1 } });
    fake.delayRest(400);
    try {
      await assert.rejects(feed.fetchMinuteHistory('SPY', SPY_1010[0]!.start, SPY_1010[5]!.start), /did not answer .* in time/);
    } finally {
      fake.delayRest(0);
    }
  });
});

describe('REST as the real service answers', () => {
  test('daily history: absolute next_urls on another host, status DELAYED, closed sessions only, years back', async () => {
    // Massive's next_url is absolute (https://api.massive.com/...): the adapter keeps asking the host it was given.
    const fake = await startFakeMassive({ aggsMaxLimit: 1000, nextUrlBase: 'https://api.massive.com', restDelayed: true });
    const { feed, start } = makeFeed(fake, { dailyHistoryYears: 10 });
    try {
      await start();
      const vendor = readAggregates(stockDailyFile('SPY'), 'SPY');
      fake.setDailyBars('SPY', vendor);
      fake.setMinuteBars('SPY', SPY_1010);
      fake.requests.length = 0;
      const before = nyTimeToMs('2013-10-10', '11:00'); // the session of 2013-10-10 is still open
      const got = await feed.fetchDailyHistory('spy', before);
      const expected = vendor.filter((b) => b.start >= nyTimeToMs('2003-10-10', '00:00') && b.start < nyTimeToMs('2013-10-10', '00:00'));
      assert.ok(expected.length > 2_400);
      assert.deepEqual(
        got.map((b) => [b.start, b.open, b.high, b.low, b.close, b.volume]),
        expected.map((b) => [b.start, b.open, b.high, b.low, b.close, b.volume]),
      );
      assert.ok(fake.requests.length >= 3, `several pages (${fake.requests.length})`);
      assert.ok(fake.requests.slice(1).every((r) => typeof r.query.cursor === 'string' && r.path.includes('/range/1/day/')));
      // DELAYED history is still history; the trader is told the plan is delayed.
      assert.equal((await feed.fetchMinuteHistory('SPY', SPY_1010[0]!.start, SPY_1010[10]!.start)).length, 10);
      assert.equal(feed.status().state, 'live');
      assert.match(feed.status().message ?? '', /history requests as DELAYED/);

      // A failed daily request never fails the chart: no bars, and a sentence.
      fake.failAuth();
      assert.deepEqual(await feed.fetchDailyHistory('SPY', before), []);
      assert.match(feed.status().message ?? '', /Could not load SPY's daily history from Massive, so its 1D and 1W charts show only the days built from minutes: Massive rejected the API key/);
    } finally {
      await feed.stop();
      await fake.close();
    }
  });
});

// ------------------------------------------------------------------ live stream

describe('live stream', () => {
  let fake: FakeMassive;
  before(async () => {
    fake = await startFakeMassive();
  });
  after(() => fake.close());
  // One connection per cluster per account: let the server drop the previous test's socket first.
  afterEach(() => until('connections closed', () => fake.connections('stocks') + fake.connections('options') === 0));

  test('AM arrives as a live minute and A as a partial, after auth + subscribe AM/A', async () => {
    const { feed, rec, start } = makeFeed(fake);
    await start();
    assert.equal(feed.status().state, 'live');
    feed.subscribe(['spy']);
    await until('subscription', () => fake.subscriptions('stocks').has('A.SPY'));
    assert.deepEqual([...fake.subscriptions('stocks')].sort(), ['A.SPY', 'AM.SPY']);
    assert.deepEqual(fake.received.find((r) => (r.message as { action?: string }).action === 'auth')?.message, {
      action: 'auth',
      params: fake.apiKey,
    });

    const bars = SPY_1010.slice(100, 105);
    for (const bar of bars) fake.pushAM(bar);
    fake.pushA({ ...SPY_1010[105]!, start: SPY_1010[105]!.start + 7000 });
    await until('5 minutes + 1 partial', () => rec.minutes.length === 5 && rec.partials.length === 1);
    assert.ok(rec.minutes.every((m) => m.origin === 'live'));
    assert.deepEqual(
      rec.minutes.map(({ agg }) => [agg.symbol, agg.start, agg.open, agg.high, agg.low, agg.close, agg.volume]),
      bars.map((b) => ['SPY', b.start, b.open, b.high, b.low, b.close, b.volume]),
    );
    assert.equal(rec.partials[0]?.start, SPY_1010[105]!.start + 7000);
    assert.ok(feed.status().lastMessageAt! > 0);

    feed.unsubscribe(['SPY']);
    await until('unsubscribe', () => fake.subscriptions('stocks').size === 0);
    await feed.stop();
    await until('the server saw the close', () => fake.connections('stocks') === 0);
  });

  test('a dropped connection reconnects with backoff, resubscribes and backfills exactly the missed minutes', async () => {
    const { feed, rec, start } = makeFeed(fake);
    const bars = SPY_1010.slice(200, 221); // 21 real minutes
    fake.setMinuteBars('SPY', bars.slice(0, 10)); // REST knows what has happened so far
    await start();
    feed.subscribe(['SPY']);
    await until('subscription', () => fake.subscriptions('stocks').has('AM.SPY'));
    for (const bar of bars.slice(0, 10)) fake.pushAM(bar);
    await until('10 live minutes', () => rec.minutes.length === 10);

    // The link dies and stays refused for a while; meanwhile the market moves on 10 minutes.
    fake.refuseConnectionsFor(250);
    fake.dropConnections();
    fake.setMinuteBars('SPY', bars.slice(0, 20));
    await until('degraded', () => feed.status().state === 'degraded');
    assert.match(feed.status().message ?? '', /Lost the Massive stocks stream .* reconnecting in/);

    await until('backfill', () => rec.minutes.filter((m) => m.origin === 'history').length === 11);
    const history = rec.minutes.filter((m) => m.origin === 'history').map((m) => m.agg);
    // From the last live minute (re-fetched: late trades) through the last minute REST has.
    assert.deepEqual(
      history.map((b) => [b.start, b.open, b.high, b.low, b.close, b.volume]),
      bars.slice(9, 20).map((b) => [b.start, b.open, b.high, b.low, b.close, b.volume]),
    );
    assert.equal(feed.status().state, 'live');
    assert.deepEqual([...fake.subscriptions('stocks')].sort(), ['A.SPY', 'AM.SPY'], 'resubscribed');

    fake.pushAM(bars[20]!);
    await until('live after reconnect', () => rec.minutes.at(-1)?.agg.start === bars[20]!.start);
    const starts = new Set(rec.minutes.map((m) => m.agg.start));
    assert.deepEqual([...starts].sort((a, b) => a - b), bars.map((b) => b.start), 'no minute lost');

    const stats = feed.stats();
    assert.equal(stats.reconnects, 1);
    assert.ok(stats.reconnectAttempts >= 2, `refused attempts were retried (${stats.reconnectAttempts})`);
    assert.equal(stats.backfilledMinutes, 11);
    await feed.stop();
  });

  test('a failed backfill is reported and retried until the gap is filled', async () => {
    const { feed, rec, start } = makeFeed(fake, { restRetry: { initialMs: 5, maxMs: 10, maxAttempts: 2 } });
    const bars = SPY_1010.slice(500, 506);
    fake.setMinuteBars('SPY', bars);
    await start();
    feed.subscribe(['SPY']);
    await until('subscription', () => fake.subscriptions('stocks').has('AM.SPY'));
    fake.pushAM(bars[0]!);
    await until('live minute', () => rec.minutes.length === 1);

    fake.rateLimit(2, 0); // both attempts of the first backfill get 429
    fake.dropConnections();
    await until('backfill failure status', () => /Could not load the SPY minutes missed/.test(feed.status().message ?? ''));
    assert.equal(feed.status().state, 'degraded');
    assert.match(feed.status().message ?? '', /HTTP 429/);

    await until('backfill retried', () => rec.minutes.filter((m) => m.origin === 'history').length === bars.length);
    assert.equal(feed.stats().backfillFailures, 1);
    await until('healthy again', () => feed.status().state === 'live');
    await feed.stop();
  });

  test('malformed and unknown messages are counted, logged once per kind and ignored; duplicates pass through counted', async () => {
    const { feed, rec, start } = makeFeed(fake);
    await start();
    feed.subscribe(['SPY']);
    await until('subscription', () => fake.subscriptions('stocks').has('AM.SPY'));
    const [b0, b1, b2, b3] = SPY_1010.slice(300, 304) as [MinuteAggregate, MinuteAggregate, MinuteAggregate, MinuteAggregate];

    fake.sendRaw('this is not json', 'stocks');
    fake.sendRaw('this is not json either', 'stocks');
    fake.sendRaw('[{"ev":"AM","sym":"SPY","o":"oops"}]', 'stocks');
    fake.sendRaw('[{"ev":"AM","sym":"SPY","v":1,"o":10,"c":10,"h":9,"l":10,"s":1,"e":2}]', 'stocks'); // high < open
    fake.sendRaw('[{"ev":"XQ","sym":"SPY"}]', 'stocks');
    fake.sendRaw('[{"no":"ev"}]', 'stocks');
    fake.pushAM(b0);
    fake.duplicateNext();
    fake.pushAM(b1); // sent twice in one frame
    fake.pushAM({ ...b1, close: b1.close + 0.01, high: Math.max(b1.high, b1.close + 0.01), volume: b1.volume + 100 }); // late-trade revision
    fake.reorderNext();
    fake.pushAM(b3); // held back ...
    fake.pushAM(b2); // ... and sent after this one

    await until('good minutes', () => rec.minutes.length === 6);
    assert.deepEqual(
      rec.minutes.map((m) => m.agg.start),
      [b0.start, b1.start, b1.start, b1.start, b2.start, b3.start],
    );
    const stats = feed.stats();
    assert.equal(stats.malformed, 6);
    assert.deepEqual(stats.malformedByKind, {
      'invalid-json': 2,
      'AM-invalid': 1,
      'AM-inconsistent': 1,
      'unknown-ev:XQ': 1,
      'no-ev': 1,
    });
    assert.equal(stats.duplicates, 2);
    assert.equal(stats.revisions, 1);
    assert.equal(rec.warnings.filter((w) => w.includes('invalid-json')).length, 1, 'logged once per kind');
    assert.equal(rec.warnings.length, 5);
    assert.equal(feed.status().state, 'live', 'garbage does not degrade the feed');
    await feed.stop();
  });

  test('mixed batches: several event types and status messages in one frame; an unknown status reaches status() as a sentence', async () => {
    const { feed, rec, start } = makeFeed(fake);
    try {
      feed.subscribe(['SPY']);
      await start();
      await until('subscription', () => fake.subscriptions('stocks').has('AM.SPY'));
      const [b0, b1, b2] = SPY_1010.slice(320, 323) as [MinuteAggregate, MinuteAggregate, MinuteAggregate];
      fake.pushMixed([
        ['AM', b0],
        ['A', { ...b1, start: b1.start + 3000, volume: 40 }],
        ['status', 'success', 'subscribed to: AM.QQQ'],
        ['AM', b1],
        ['status', 'maintenance', 'Scheduled maintenance tonight 20:00–20:30 ET; expect a brief disconnect.'],
        ['AM', b2],
      ]);
      await until('3 minutes', () => rec.minutes.length === 3);
      assert.deepEqual(rec.minutes.map((m) => m.agg.start), [b0.start, b1.start, b2.start]);
      assert.equal(rec.partials.length, 1);
      const status = feed.status();
      assert.equal(status.state, 'live', 'a notice does not change the state');
      assert.equal(status.message, 'Massive says on the stocks stream: "Scheduled maintenance tonight 20:00–20:30 ET; expect a brief disconnect." (status "maintenance").');
      assert.equal(feed.stats().unknownStatuses, 1);
      assert.equal(feed.stats().malformed, 0);
    } finally {
      await feed.stop();
    }
  });

  test('a listener that throws does not stop the stream', async () => {
    const fakeLocal = fake;
    const feed = new MassiveFeed({ apiKey: fakeLocal.apiKey, restBaseUrl: fakeLocal.restUrl, wsUrl: fakeLocal.wsUrl, logger: { warn: () => {} } });
    const seen: number[] = [];
    await feed.start({
      onMinute: (agg) => {
        seen.push(agg.start);
        if (seen.length === 1) throw new Error('chart bug');
      },
    });
    feed.subscribe(['SPY']);
    await until('subscription', () => fakeLocal.subscriptions('stocks').has('AM.SPY'));
    fakeLocal.pushAM(SPY_1010[400]!);
    fakeLocal.pushAM(SPY_1010[401]!);
    await until('both minutes', () => seen.length === 2);
    assert.equal(feed.stats().listenerErrors, 1);
    await feed.stop();
  });
});

// ------------------------------------------------------------------ failures as status

/** Runs the feed's clock timer by timer until it opens a new connection (the next reconnect try). */
async function advanceToNextTry(clock: ManualClock, feed: MassiveFeed): Promise<void> {
  const attempts = feed.stats().reconnectAttempts;
  for (let i = 0; i < 20 && feed.stats().reconnectAttempts === attempts; i++) {
    assert.ok(clock.pending() > 0, 'a retry is scheduled');
    clock.advance(clock.nextIn());
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.ok(feed.stats().reconnectAttempts > attempts, 'the feed tried again');
}

describe('vendor failures reach status() as sentences', () => {
  test('a rejected API key: stream down, REST rejects, both in words', async () => {
    const fake = await startFakeMassive();
    try {
      fake.failAuth();
      const { feed, rec, start } = makeFeed(fake);
      await start();
      const status = feed.status();
      assert.equal(status.state, 'down');
      assert.match(status.message ?? '', /^Massive rejected the API key for the stocks stream .*authentication failed.*check the Massive API key in settings\.$/);
      assert.ok(rec.statuses.some((s) => s.state === 'down'), 'onStatus was told');
      await assert.rejects(feed.fetchMinuteHistory('SPY', 0, 60_000), /Massive rejected the API key .*Unknown API Key/);
      await feed.stop();
    } finally {
      await fake.close();
    }
  });

  test('stocks cluster not in the plan: down; options cluster not in the plan: degraded', async () => {
    const fake = await startFakeMassive();
    try {
      fake.entitlementError('options');
      const { feed, start } = makeFeed(fake);
      await start();
      feed.subscribe(['SPY', 'O:SPY230901C00430000']);
      await until('options entitlement status', () => /options/.test(feed.status().message ?? ''));
      assert.equal(feed.status().state, 'degraded');
      assert.match(feed.status().message ?? '', /^Massive says the options data is not authorized for this account \(".*not authorized.*"\); upgrade the plan or switch to delayed data\.$/);
      await feed.stop();

      fake.entitlementError('stocks');
      const second = makeFeed(fake);
      await second.start();
      second.feed.subscribe(['SPY']);
      await until('stocks entitlement status', () => second.feed.status().state === 'down');
      assert.match(second.feed.status().message ?? '', /stocks data is not authorized/);
      await second.feed.stop();
    } finally {
      await fake.close();
    }
  });

  test('another program holds the connection: never LIVE, no reconnect storm, said in words, connects once it is gone', async () => {
    const fake = await startFakeMassive();
    const first = makeFeed(fake);
    const clock = new ManualClock();
    const second = makeFeed(fake, { clock });
    try {
      await first.start();
      second.feed.subscribe(['SPY']);
      await second.start(); // answered by the refusal
      assert.equal(second.feed.status().state, 'down');
      assert.match(second.feed.status().message ?? '', /^Another program is already using this Massive account's stocks connection \(Massive allows one per account\); close it and optdesk will reconnect \(next try in [\d.]+ s\)\.$/);

      // Massive keeps refusing (auth_success, max_connections, close 1008): retries spread out, with jitter.
      const tries: number[] = [];
      for (let i = 0; i < 6; i++) {
        const refusals = second.feed.stats().connectionLimitRefusals;
        await advanceToNextTry(clock, second.feed);
        tries.push(clock.now());
        await until('refused again', () => second.feed.stats().connectionLimitRefusals === refusals + 1 && fake.connections('stocks') === 1);
        await until('waiting for the next try', () => /next try in/.test(second.feed.status().message ?? '') && clock.pending() > 0);
      }
      const gaps = tries.slice(1).map((t, i) => t - tries[i]!);
      // Equal jitter on 5 s doubling to 2 min: retry k waits between half and all of its step.
      assert.ok(gaps.every((g) => g >= 5_000), `no tight loop: ${gaps.join(', ')} ms`);
      assert.ok(gaps.reduce((a, b) => a + b, 0) >= 5_000 + 10_000 + 20_000 + 40_000 + 60_000, `backoff grows: ${gaps.join(', ')} ms`);
      assert.ok(!second.rec.statuses.some((s) => s.state === 'live'), 'the refused login never showed LIVE');
      assert.equal(second.feed.stats().reconnects, 0, 'a refused login is not a session');
      assert.equal(first.feed.status().state, 'live');

      // The other program goes away: the next try gets in.
      await first.feed.stop();
      await until('the first connection closed', () => fake.connections('stocks') === 0);
      await advanceToNextTry(clock, second.feed);
      await until('the second feed live', () => second.feed.status().state === 'live');
      await until('subscribed', () => fake.subscriptions('stocks').has('AM.SPY'));
    } finally {
      await second.feed.stop();
      await first.feed.stop();
      await fake.close();
    }
  });

  test('a quick restart while Massive still counts our closed connection is not blamed on "another program"', async () => {
    const fake = await startFakeMassive({ releaseDelayMs: 400 });
    const clock = new ManualClock();
    const { feed, rec, start } = makeFeed(fake, { clock });
    try {
      feed.subscribe(['SPY']);
      await start();
      await feed.stop();
      const restarted = start(); // our previous socket is closed, but Massive has not let it go yet
      await until('refused', () => feed.stats().connectionLimitRefusals === 1);
      assert.match(feed.status().message ?? '', /^Massive still counts optdesk's previous stocks connection/);
      assert.ok(!rec.statuses.some((s) => /Another program/.test(s.message ?? '')));
      await until('released', () => fake.connections('stocks') === 0);
      await advanceToNextTry(clock, feed);
      await until('live', () => feed.status().state === 'live');
      await restarted;
    } finally {
      await feed.stop();
      await fake.close();
    }
  });

  test('our own dropped connection still counted by Massive is not blamed on "another program"', async () => {
    const fake = await startFakeMassive();
    const clock = new ManualClock();
    const { feed, rec, start } = makeFeed(fake, { clock, silenceTimeoutMs: 30_000, pingIntervalMs: 10_000 });
    try {
      feed.subscribe(['SPY']);
      await start();
      const bars = SPY_1010.slice(700, 706);
      fake.setMinuteBars('SPY', bars.slice(0, 2));
      for (const bar of bars.slice(0, 2)) fake.pushAM(bar);
      await until('2 live minutes', () => rec.minutes.length === 2);

      // The link dies silently; Massive keeps counting the dead socket as our connection.
      fake.stall('stocks');
      fake.setMinuteBars('SPY', bars);
      for (let i = 0; i < 20 && feed.stats().silentDrops === 0; i++) clock.advance(5_000);
      assert.equal(feed.stats().silentDrops, 1, 'the silence was noticed');
      await advanceToNextTry(clock, feed);
      await until('refused', () => feed.stats().connectionLimitRefusals === 1);
      await until('said why', () => /still counts/.test(feed.status().message ?? ''));
      assert.match(feed.status().message ?? '', /^Massive still counts optdesk's previous stocks connection \(it ended [\d.]+ (ms|s) ago\) and refused a new one; retrying in [\d.]+ s\.$/);
      assert.equal(feed.status().state, 'degraded');
      assert.ok(!rec.statuses.some((s) => /Another program/.test(s.message ?? '')), 'never blamed on another program');

      // Massive lets the dead socket go: the retry gets in and backfills the gap.
      fake.expireStalled();
      await until('the ghost gone', () => fake.connections('stocks') === 0);
      await advanceToNextTry(clock, feed);
      await until('reconnected', () => feed.stats().reconnects === 1);
      await until('backfill', () => rec.minutes.filter((m) => m.origin === 'history').length === 5);
      await until('live', () => feed.status().state === 'live');
    } finally {
      await feed.stop();
      await fake.close();
    }
  });
});

// ------------------------------------------------------------------ options

describe('options', () => {
  let fake: FakeMassive;
  const chain = loadLastOptionQuotes('2015-12-24', 'GOOG');
  before(async () => {
    fake = await startFakeMassive();
    fake.setOptionContracts(chain.map((c) => ({ ...c, underlyingPrice: 749.2 })));
  });
  after(() => fake.close());
  afterEach(() => until('connections closed', () => fake.connections('stocks') + fake.connections('options') === 0));

  test('Q quotes become OptionQuote; a missing or zero side stays null', async () => {
    const { feed, rec, start } = makeFeed(fake);
    await start();
    const full = chain.find((c) => c.bid !== undefined && c.ask !== undefined)!;
    const noBid = chain.find((c) => c.bid === undefined && c.ask !== undefined)!;
    assert.ok(full && noBid, 'the real chain has contracts with and without bids');
    feed.subscribe([full.ticker, noBid.ticker]);
    await until('options subscription', () => quoteSubs(fake) === 2);
    assert.ok(fake.subscriptions('options').has(`Q.${full.ticker}`));

    fake.pushQuote({ sym: full.ticker, bp: full.bid, bs: full.bidSize, ap: full.ask, as: full.askSize, bx: 301, ax: 302, t: full.quoteTs!, q: 7 });
    fake.pushQuote({ sym: noBid.ticker, ap: noBid.ask, as: noBid.askSize, t: noBid.quoteTs! });
    fake.pushQuote({ sym: noBid.ticker, bp: 0, bs: 0, ap: noBid.ask, as: noBid.askSize, t: noBid.quoteTs! + 1 });
    await until('3 quotes', () => rec.quotes.length === 3);
    assert.deepEqual(rec.quotes[0], {
      ticker: full.ticker,
      ts: full.quoteTs,
      bid: full.bid,
      bidSize: full.bidSize,
      ask: full.ask,
      askSize: full.askSize,
      sequence: 7,
    });
    for (const q of rec.quotes.slice(1)) {
      assert.equal(q.bid, null);
      assert.equal(q.bidSize, null);
      assert.equal(q.ask, noBid.ask);
    }
    await feed.stop();
  });

  test('an option contract also asks for its minute aggregates (AM.O:…), which arrive as minutes for its chart', async () => {
    const { feed, rec, start } = makeFeed(fake);
    await start();
    const ticker = chain[0]!.ticker;
    feed.subscribe([ticker]);
    await until('AM subscription on the options cluster', () => fake.subscriptions('options').has(`AM.${ticker}`));
    const minute = { symbol: ticker, start: Date.UTC(2015, 11, 24, 15, 0), open: 1.5, high: 1.8, low: 1.5, close: 1.8, volume: 2 };
    assert.equal(fake.pushAM(minute), 1, 'delivered to our options connection');
    await until('the minute arrives', () => rec.minutes.length === 1);
    const { agg, origin } = rec.minutes[0]!;
    assert.equal(origin, 'live');
    assert.deepEqual({ ...agg, vwap: undefined }, { ...minute, vwap: undefined }, 'the contract\'s own minute (the fake adds a vwap)');
    feed.unsubscribe([ticker]);
    await until('AM released with the contract', () => !fake.subscriptions('options').has(`AM.${ticker}`));
    await feed.stop();
  });

  test('at most 1,000 contracts per options connection: extras are refused with a clear status', async () => {
    const { feed, start } = makeFeed(fake);
    await start();
    const tickers = chain.slice(0, 1005).map((c) => c.ticker);
    feed.subscribe(tickers);
    await until('1,000 option subscriptions', () => quoteSubs(fake) === 1000);
    assert.equal(feed.stats().refusedContracts, 5);
    assert.equal(feed.status().state, 'degraded');
    assert.match(feed.status().message ?? '', /^Massive allows at most 1,000 option contracts per connection, so 5 more \(O:GOOG.*\) were not subscribed/);
    assert.ok(!fake.subscriptions('options').has(`Q.${tickers[1004]}`));
    // The server never saw a 1,001st contract (its own limit would have refused it too).
    assert.ok(!fake.received.some((r) => JSON.stringify(r.message).includes('subscription limit')));

    // Freeing slots clears the warning and lets new contracts in.
    feed.unsubscribe(tickers.slice(0, 10));
    feed.subscribe(tickers.slice(1000));
    await until('refused ones subscribed after freeing slots', () => fake.subscriptions('options').has(`Q.${tickers[1004]}`));
    assert.equal(quoteSubs(fake), 995);
    assert.equal(feed.status().state, 'live');
    await feed.stop();
  });

  test('chain snapshot: the whole real chain over next_url pages, quotes with null sides', async () => {
    const { feed } = makeFeed(fake);
    fake.requests.length = 0;
    const entries = await feed.fetchOptionChainSnapshot('GOOG');
    assert.equal(entries.length, chain.length);
    assert.equal(fake.requests.length, Math.ceil(chain.length / 250), 'one request per 250-contract page');
    assert.equal(fake.requests[0]?.query.limit, '250');
    const byTicker = new Map(entries.map((e) => [e.contract.ticker, e]));
    for (const c of chain) {
      const e = byTicker.get(c.ticker);
      assert.ok(e, c.ticker);
      assert.equal(e.contract.right, c.type);
      assert.equal(e.contract.strike, c.strike);
      assert.equal(e.contract.expiration, c.expiration);
      assert.equal(e.quote.bid, c.bid ?? null);
      assert.equal(e.quote.ask, c.ask ?? null);
      assert.equal(e.quote.bidSize, c.bid === undefined ? null : c.bidSize);
      assert.equal(e.quote.askSize, c.ask === undefined ? null : c.askSize);
      assert.equal(e.quote.ts, c.quoteTs);
      assert.equal(e.underlyingPrice, 749.2);
    }
    assert.ok(entries.some((e) => e.quote.bid === null), 'the real chain has no-bid contracts');

    const sameDay = await feed.fetchOptionChainSnapshot('GOOG', '2015-12-24');
    assert.equal(sameDay.length, chain.filter((c) => c.expiration === '2015-12-24').length);
    assert.ok(sameDay.every((e) => e.contract.expiration === '2015-12-24'));
  });

  test('contract reference: paginated; past expirations ask for expired contracts; as_of shows a past chain', async () => {
    const { feed } = makeFeed(fake);
    fake.requests.length = 0;
    // 2016-01-15 is long past, so the adapter must ask for expired=true to get anything.
    const jan = await feed.fetchOptionContracts('GOOG', '2016-01-15');
    const expected = chain.filter((c) => c.expiration === '2016-01-15');
    assert.equal(jan.length, expected.length);
    assert.ok(jan.every((c) => c.underlying === 'GOOG' && c.sharesPerContract === 100 && c.expiration === '2016-01-15'));
    assert.equal(fake.requests[0]?.query.expired, 'true');
    assert.equal(fake.requests[0]?.query.limit, '1000');

    // Without an expiration Massive lists live contracts only — none of 2015's today.
    assert.equal((await feed.fetchOptionContracts('GOOG')).length, 0);

    // As of the recorded day the whole chain was live: 2,192 contracts over 3 pages.
    fake.requests.length = 0;
    const all = await feed.fetchOptionContracts('GOOG', undefined, '2015-12-24');
    assert.equal(all.length, chain.length);
    assert.equal(new Set(all.map((c) => c.ticker)).size, chain.length);
    assert.equal(fake.requests.length, Math.ceil(chain.length / 1000));
    assert.equal(fake.requests[0]?.query.as_of, '2015-12-24');
  });
});

test('delayed or real-time is chosen per cluster (config and environment)', async () => {
  const defaults = new MassiveFeed({ apiKey: 'k', delayed: { options: true } });
  assert.deepEqual(defaults.endpoints(), {
    stocks: { url: 'wss://socket.massive.com/stocks', delayed: false },
    options: { url: 'wss://delayed.massive.com/options', delayed: true },
  });
  assert.deepEqual(delayedFromEnv({ MASSIVE_DELAYED: '1' }), { stocks: true, options: true });
  assert.deepEqual(delayedFromEnv({ MASSIVE_OPTIONS_DELAYED: 'true' }), { stocks: false, options: true });
  assert.deepEqual(delayedFromEnv({ MASSIVE_DELAYED: '1', MASSIVE_STOCKS_DELAYED: '0' }), { stocks: false, options: true });
  assert.throws(() => delayedFromEnv({ MASSIVE_STOCKS_DELAYED: 'maybe' }), /^Error: MASSIVE_STOCKS_DELAYED: must be 1\/true or 0\/false, got "maybe"$/);

  const fake = await startFakeMassive();
  const { feed, start } = makeFeed(fake, { delayed: { options: true } });
  try {
    feed.subscribe(['SPY', 'O:GOOG151224C00750000']);
    await start();
    await until('options stream up', () => feed.optionQuotesStatus().state === 'delayed');
    assert.equal(feed.status().state, 'live', 'the charts run on real-time stocks');
  } finally {
    await feed.stop();
    await fake.close();
  }
});

test('config errors name the bad field', () => {
  assert.throws(() => new MassiveFeed({ apiKey: '' }), /apiKey/);
  assert.throws(() => new MassiveFeed({ apiKey: 'k', wsUrl: 'ws://127.0.0.1:1/options' }), /wsUrl must be a ws\(s\):\/\/ URL ending in \/stocks/);
});

// ------------------------------------------------------------------ silence

describe('a socket that goes quiet without closing', () => {
  /** Moves the feed's clock in watchdog-sized steps until `done`, letting the network answer in between. */
  async function advanceUntil(clock: ManualClock, feed: MassiveFeed, what: string, done: () => boolean, stepMs = 5_000, linkAlive = true): Promise<void> {
    const maxSteps = 40;
    for (let i = 0; i < maxSteps && !done(); i++) {
      clock.advance(stepMs);
      // On a live link every ping must be answered before time moves on (the network is real).
      if (linkAlive) await until(`pongs (${what})`, () => done() || feed.stats().pongs === feed.stats().pings);
      else await new Promise((resolve) => setImmediate(resolve));
    }
    await until(what, done); // the last step may have started real network work (a reconnect)
  }

  test('pings keep a quiet but alive link; silence drops it, reconnects and backfills the missed minutes', async () => {
    const fake = await startFakeMassive();
    const clock = new ManualClock();
    const { feed, rec, start } = makeFeed(fake, { clock, silenceTimeoutMs: 30_000, pingIntervalMs: 10_000 });
    try {
      feed.subscribe(['SPY']); // before start: the subscription ack confirms the login (no clock step needed)
      await start();
      await until('subscription', () => fake.subscriptions('stocks').has('AM.SPY'));
      const bars = SPY_1010.slice(600, 612);
      fake.setMinuteBars('SPY', bars.slice(0, 4));
      for (const bar of bars.slice(0, 4)) fake.pushAM(bar);
      await until('4 live minutes', () => rec.minutes.length === 4);

      // Two quiet minutes (a slow symbol, lunch time): nothing to say, but the link answers pings.
      let elapsed = 0;
      await advanceUntil(clock, feed, 'two quiet minutes', () => (elapsed += 5_000) > 120_000);
      assert.ok(feed.stats().pings >= 5, `pinged while quiet (${feed.stats().pings})`);
      assert.equal(feed.stats().silentDrops, 0);
      assert.equal(feed.stats().reconnects, 0);
      assert.equal(feed.status().state, 'live');

      // Now the link turns into a black hole: no frames, no pongs, no close. Minutes trade on (REST has them).
      fake.stall('stocks');
      fake.setMinuteBars('SPY', bars.slice(0, 10));
      assert.equal(fake.pushAM(bars[4]!), 0, 'the stalled socket gets nothing');
      await advanceUntil(clock, feed, 'the silence noticed', () => feed.status().state === 'degraded', 5_000, false);
      assert.match(feed.status().message ?? '', /^Lost the Massive stocks stream \(no message and no answer to a ping for 3\d s\); reconnecting in/);
      assert.equal(feed.stats().silentDrops, 1);

      // Massive lets the dead socket go; the reconnect backfills exactly what was missed.
      fake.expireStalled();
      await until('the ghost gone', () => fake.connections('stocks') === 0);
      await advanceUntil(clock, feed, 'reconnected', () => feed.stats().reconnects === 1, 100, false);
      await until('backfill', () => rec.minutes.filter((m) => m.origin === 'history').length === 7);
      assert.deepEqual(
        rec.minutes.filter((m) => m.origin === 'history').map((m) => m.agg.start),
        bars.slice(3, 10).map((b) => b.start),
        'from the last live minute (re-fetched) through the last one REST has',
      );
      await until('live again', () => feed.status().state === 'live');
      await until('resubscribed', () => fake.subscriptions('stocks').has('AM.SPY'));
    } finally {
      await feed.stop();
      await fake.close();
    }
  });

  test('the options quote socket is watched the same way: silence reconnects and resubscribes the contracts', async () => {
    const fake = await startFakeMassive();
    const clock = new ManualClock();
    const { feed, rec, start } = makeFeed(fake, { clock, silenceTimeoutMs: 30_000, pingIntervalMs: 10_000 });
    const contract = 'O:GOOG151224C00750000';
    try {
      feed.subscribe(['SPY', contract]);
      await start();
      await until('options subscription', () => fake.subscriptions('options').has(`Q.${contract}`));
      fake.stall('options');
      await advanceUntil(clock, feed, 'the options silence noticed', () => feed.status().state === 'degraded', 5_000, false);
      assert.match(feed.status().message ?? '', /Lost the Massive options stream \(no message and no answer to a ping/);
      fake.expireStalled();
      await until('the ghost gone', () => fake.connections('options') === 0);
      await advanceUntil(clock, feed, 'options back', () => fake.subscriptions('options').has(`Q.${contract}`), 100, false);
      fake.pushQuote({ sym: contract, bp: 1.1, ap: 1.3, bs: 5, as: 7, t: Date.UTC(2015, 11, 24, 16) });
      await until('a quote after the reconnect', () => rec.quotes.length === 1);
      await until('live again', () => feed.status().state === 'live');
    } finally {
      await feed.stop();
      await fake.close();
    }
  });
});
