/**
 * The covered-call screener on GOOG 2015-12-24 (0-DTE, early close at 13:00) from the raw
 * recorded files: every filter's edge (the same contract just inside and just outside
 * each bound), the ranking, and the mark step against the recorded close.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { DATA_DIR, readAggregates, stockDailyFile, stockMinuteFile } from '../../test/helpers/data.js';
import { nyTimeToMs } from '../calendar/index.js';
import { OptionChainIndex, daysToExpiry, normCdf, readOpenInterestCsv, readOptionQuotesCsv, yearsToExpiry } from '../options/index.js';
import { backtestCoveredCalls, coveredCallParams, markCoveredCall, screenCoveredCalls, type CoveredCallParams, type ScreenInput } from './index.js';
import { InputError } from '../core/errors.js';

const DATE = '2015-12-24';
const RATE = 0.0005;
let index: OptionChainIndex;
let oi: Map<string, number>;
const minutes = readAggregates(stockMinuteFile(DATE), 'GOOG');

before(async () => {
  index = OptionChainIndex.fromQuotes(await readOptionQuotesCsv(path.join(DATA_DIR, 'flatfiles/us_options_opra/quotes_v1/2015/12', `${DATE}.csv.gz`)));
  oi = await readOpenInterestCsv(path.join(DATA_DIR, 'reference/open_interest', `${DATE}.csv.gz`));
});

/** Spot = the close of the last minute that ended at or before `hhmm`, straight from the raw file. */
function inputAt(hhmm: string, expiration = DATE): ScreenInput {
  const at = nyTimeToMs(DATE, hhmm);
  const spot = minutes.filter((m) => m.start + 60_000 <= at).at(-1)!.close;
  const snap = index.snapshot({ at, underlyingPrice: spot, rate: RATE, expirations: [expiration], openInterest: oi });
  return { underlying: 'GOOG', at, spot, expiration, dte: daysToExpiry(at, expiration), years: yearsToExpiry(at, expiration), rate: RATE, dividendYield: 0, rows: snap.rows };
}

/** Every bound wide open, so one bound at a time decides. */
const OPEN: CoveredCallParams = coveredCallParams({ minOtm: -1, maxOtm: 10, minBid: 0, maxSpreadToMid: 100, deltaLo: 0, deltaHi: 1, minOpenInterest: 0 });

const has = (input: ScreenInput, p: CoveredCallParams, ticker: string) => screenCoveredCalls(input, p).rows.some((r) => r.ticker === ticker);
const reasonsOf = (input: ScreenInput, p: CoveredCallParams, ticker: string) => screenCoveredCalls(input, p).rejected.find((r) => r.ticker === ticker)?.reasons ?? [];

test('defaults at 09:45: exactly the 750 call passes, with yields, break-even, max profit and POP computed from its quote', () => {
  const input = inputAt('09:45');
  const res = screenCoveredCalls(input, coveredCallParams());
  assert.deepEqual(res.rows.map((r) => r.ticker), ['O:GOOG151224C00750000']);
  const r = res.rows[0]!;
  const q = index.quoteAt(r.ticker, input.at)!;
  const mid = (q.bid! + q.ask!) / 2;
  assert.equal(r.mid, mid);
  assert.equal(r.openInterest, oi.get(r.ticker));
  assert.equal(r.premiumYield, mid / input.spot);
  assert.equal(r.annualizedYield, (mid / input.spot) * 365);
  assert.equal(r.breakeven, input.spot - mid);
  assert.equal(r.maxProfit, 750 - input.spot + mid);
  // Time runs to the 13:00 early close: 3h15m from 09:45.
  const t = (3 * 60 + 15) / (365 * 24 * 60);
  assert.ok(Math.abs(input.years - t) < 1e-12);
  const d2 = (Math.log(input.spot / (input.spot - mid)) + (RATE - r.iv * r.iv / 2) * t) / (r.iv * Math.sqrt(t));
  assert.ok(Math.abs(r.pop - normCdf(d2)) < 1e-12);
  // Only calls of the expiration are considered.
  assert.ok(res.rows.concat().every((x) => x.expiration === DATE));
  assert.equal(res.rows.length + res.rejected.length, index.contractsFor(DATE).filter((c) => c.contract.right === 'call').length);
});

test('each bound on the 750 call at 09:45: at its value the call passes, a hair beyond it fails with that bound\'s reason', () => {
  const input = inputAt('09:45');
  const T = 'O:GOOG151224C00750000';
  const row = screenCoveredCalls(input, OPEN).rows.find((r) => r.ticker === T)!;
  const otm = 750 / input.spot - 1;
  const spreadToMid = (row.ask - row.bid) / row.mid;
  const edges: Array<[Partial<CoveredCallParams>, Partial<CoveredCallParams>, string]> = [
    [{ minOtm: otm }, { minOtm: otm + 1e-6 }, 'strike_below_min_otm'],
    [{ maxOtm: otm }, { maxOtm: otm - 1e-6 }, 'strike_above_max_otm'],
    [{ minBid: row.bid }, { minBid: row.bid + 0.01 }, 'bid_below_min'],
    [{ maxSpreadToMid: spreadToMid }, { maxSpreadToMid: spreadToMid - 1e-6 }, 'spread_above_max'],
    [{ deltaLo: row.delta }, { deltaLo: row.delta + 1e-6 }, 'delta_below_lo'],
    [{ deltaHi: row.delta }, { deltaHi: row.delta - 1e-6 }, 'delta_above_hi'],
    [{ minOpenInterest: 780 }, { minOpenInterest: 781 }, 'open_interest_below_min'],
  ];
  for (const [inside, outside, reason] of edges) {
    assert.ok(has(input, { ...OPEN, ...inside }, T), `inside ${JSON.stringify(inside)}`);
    assert.ok(!has(input, { ...OPEN, ...outside }, T), `outside ${JSON.stringify(outside)}`);
    assert.deepEqual(reasonsOf(input, { ...OPEN, ...outside }, T), [reason]);
  }
  assert.equal(oi.get(T), 780);
});

test('two-sided quote: a call without a bid (752.5 at 11:00) or without an ask (747.5 at 12:30) never passes, whatever the bounds', () => {
  assert.equal(index.quoteAt('O:GOOG151224C00752500', nyTimeToMs(DATE, '11:00'))!.bid, null);
  assert.ok(reasonsOf(inputAt('11:00'), OPEN, 'O:GOOG151224C00752500').includes('no_bid'));
  assert.equal(index.quoteAt('O:GOOG151224C00747500', nyTimeToMs(DATE, '12:30'))!.ask, null);
  assert.ok(reasonsOf(inputAt('12:30'), OPEN, 'O:GOOG151224C00747500').includes('no_ask'));
});

test('defaults at 11:00 and 11:30: nothing passes, and the near-the-money calls say why (delta too high, spread too wide)', () => {
  const d = coveredCallParams();
  assert.deepEqual(screenCoveredCalls(inputAt('11:00'), d).rows, []);
  assert.deepEqual(reasonsOf(inputAt('11:00'), d, 'O:GOOG151224C00750000'), ['delta_above_hi']);
  // 11:30: 752.5 bid 0.10 / ask 0.35 → spread ÷ mid = 1.11 > 0.75.
  assert.deepEqual(reasonsOf(inputAt('11:30'), d, 'O:GOOG151224C00752500'), ['spread_above_max']);
});

test('ranking on the 2015-12-31 expiration at 11:00: each key orders best first, and the keys disagree', () => {
  const input = inputAt('11:00', '2015-12-31');
  const orders: Record<string, string[]> = {};
  for (const [rank, field] of [['premium_yield', 'premiumYield'], ['max_profit', 'maxProfit'], ['pop', 'pop']] as const) {
    const rows = screenCoveredCalls(input, coveredCallParams({ rank })).rows;
    assert.ok(rows.length >= 3, `${rank}: ${rows.length} rows`);
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i - 1]![field] >= rows[i]![field], `${rank} at ${i}`);
    orders[rank] = rows.map((r) => r.ticker);
  }
  assert.notDeepEqual(orders.premium_yield, orders.max_profit);
  assert.deepEqual(orders.pop, orders.premium_yield, 'more premium lowers the break-even, so POP follows premium here');
});

test('mark against the recorded close (748.40 in the vendor daily file): expired and assigned cases, net of fees in exact cents', () => {
  const daily = readAggregates(stockDailyFile('GOOG')).find((d) => d.start === nyTimeToMs(DATE, '00:00'))!;
  assert.equal(daily.close, 748.4);
  // 09:45: sold the 750 call at 0.85 with GOOG at 747.49; close 748.40 < 750 → expires, shares marked at the close.
  const a = inputAt('09:45');
  const expired = markCoveredCall(screenCoveredCalls(a, coveredCallParams()).rows[0]!, a.spot, daily.close);
  assert.equal(expired.assigned, false);
  assert.equal(expired.grossCents, Math.round((748.4 - 747.49 + 0.85) * 100 * 100)); // $176.00
  // Option sale fees: ORF 2.685¢→3, OCC 2¢, TAF 0.279¢→1, SEC $85 × 27.80/1M = 0.24¢→1.
  assert.equal(expired.feesCents, 7);
  assert.equal(expired.netCents, 17_593);
  // 12:00: the 747.5 call at mid 3.45 with GOOG at 750.90; close above 747.5 → assigned, shares leave at the strike.
  const b = inputAt('12:00');
  const row = screenCoveredCalls(b, OPEN).rows.find((r) => r.ticker === 'O:GOOG151224C00747500')!;
  assert.equal(b.spot, 750.9);
  assert.equal(row.mid, 3.45);
  const assigned = markCoveredCall(row, b.spot, daily.close);
  assert.equal(assigned.assigned, true);
  assert.equal(assigned.grossCents, 500); // (747.5 − 750.9 + 3.45) × 100
  // + share sale: TAF 100 × $0.000166 = 1.66¢→2, SEC $74,750 × 27.80/1M = 207.8¢→208.
  assert.equal(assigned.feesCents, 7 + 2 + 208);
  assert.equal(assigned.netCents, 500 - 217);
});

test('backtest: screens each session, marks the top row at the close, and says why a session was not traded', () => {
  const res = backtestCoveredCalls([
    { date: DATE, screen: inputAt('09:45'), close: 748.4 },
    { date: DATE, screen: inputAt('11:00'), close: 748.4 },
    { date: '2015-12-28', screen: { missing: 'no option quotes' }, close: null },
  ], coveredCallParams());
  assert.equal(res.trades, 1);
  assert.equal(res.netCents, 17_593);
  assert.match(res.sessions[1]!.note!, /no call passed/);
  assert.equal(res.sessions[2]!.note, 'no option quotes');
});

test('bad settings are InputErrors naming the field', () => {
  assert.throws(() => coveredCallParams({ deltaLo: 0.4, deltaHi: 0.3 }), (e: unknown) => e instanceof InputError && e.field === 'deltaHi');
  assert.throws(() => coveredCallParams({ minBid: -1 }), (e: unknown) => e instanceof InputError && e.field === 'minBid');
  assert.throws(() => coveredCallParams({ colour: 1 }), (e: unknown) => e instanceof InputError && e.field === 'colour');
  assert.throws(() => coveredCallParams({ rank: 'volume' }), (e: unknown) => e instanceof InputError && e.field === 'rank');
});
