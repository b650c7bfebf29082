import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import fc from '../../test/helpers/fast-check.js';
import { nyTimeToMs } from '../calendar/index.js';
import { InputError } from '../core/errors.js';
import type { OptionQuote } from '../core/types.js';
import { bsmPrice } from './bsm.js';
import { type ChainSnapshot, OptionChainIndex, atTheMoneyStrike, lastIndexAtOrBefore } from './chain.js';
import { readOpenInterestCsv, readOptionQuotesCsv, readOptionTradeStats } from './flatfile-quotes.js';
import { putCallParityBand } from './metrics.js';
import { DATA_DIR } from '../../test/helpers/data.js';

// The shared recorded data, or OPTDESK_DATA (test/helpers/data.ts).
const DATA = `${DATA_DIR}/`;
const QUOTES = `${DATA}flatfiles/us_options_opra/quotes_v1/2015/12/2015-12-24.csv.gz`;
const OPTION_AGGS = `${DATA}flatfiles/us_options_opra/minute_aggs_v1/2015/12/2015-12-24.csv.gz`;
const OPEN_INTEREST = `${DATA}reference/open_interest/2015-12-24.csv.gz`;
const GOOG_MINUTES = `${DATA}flatfiles/us_stocks_sip/minute_aggs_v1/2015/12/2015-12-24.csv.gz`;
/** Dec 2015: Fed funds 0.25–0.50%; short T-bills ~0.2–0.3%. */
const RATE = 0.003;

function csvRows(path: string): string[][] {
  return gunzipSync(readFileSync(path)).toString('utf8').trim().split('\n').slice(1).map((l) => l.split(','));
}

/** GOOG's last completed 1-minute close at `at` (minute_aggs columns: ticker,volume,open,close,…). */
function googSpotAt(at: number): number {
  let spot = Number.NaN;
  for (const row of csvRows(GOOG_MINUTES)) {
    const start = Number(row[6]!.slice(0, -6));
    if (start + 60_000 <= at) spot = Number(row[3]);
  }
  return spot;
}

let quotes: OptionQuote[];
let index: OptionChainIndex;
const AT = nyTimeToMs('2015-12-24', '11:00');
let spot: number;
let snap: ChainSnapshot;

before(async () => {
  quotes = await readOptionQuotesCsv(QUOTES);
  index = OptionChainIndex.fromQuotes(quotes);
  spot = googSpotAt(AT);
  snap = index.snapshot({ at: AT, underlyingPrice: spot, rate: RATE });
});

describe('readOptionQuotesCsv on the real GOOG file', () => {
  it('reads every row, missing sides as null (never 0), ns timestamps as exact ms', () => {
    const raw = csvRows(QUOTES);
    assert.equal(quotes.length, raw.length);
    assert.equal(quotes.length, 275_552);
    const emptyBids = raw.filter((r) => r[5] === '').length;
    const emptyAsks = raw.filter((r) => r[2] === '').length;
    assert.ok(emptyBids > 1000, 'the file has one-sided quotes');
    assert.equal(quotes.filter((q) => q.bid === null).length, emptyBids);
    assert.equal(quotes.filter((q) => q.ask === null).length, emptyAsks);
    assert.equal(quotes.filter((q) => q.bid === null && q.bidSize !== null).length, 0);
    assert.deepEqual(quotes[0], {
      ticker: 'O:GOOG151224C00590000', ts: 1450967459999, bid: 157.5, bidSize: 2, ask: 161.5, askSize: 1, sequence: 1,
    });
  });
  it('filters by underlying root', async () => {
    assert.equal((await readOptionQuotesCsv(QUOTES, { underlying: 'GOOGL' })).length, 0);
  });
  it('reads open interest and option trade stats', async () => {
    const oi = await readOpenInterestCsv(OPEN_INTEREST);
    assert.equal(oi.size, 2058);
    assert.equal(oi.get('O:GOOG151224C01000000'), 0);
    const trades = await readOptionTradeStats(OPTION_AGGS, AT);
    const allDay = await readOptionTradeStats(OPTION_AGGS);
    const call = trades.get('O:GOOG151224C00750000');
    assert.ok(call && call.volume > 0 && call.last > 0);
    assert.ok(allDay.get('O:GOOG151224C00750000')!.volume >= call.volume, 'later minutes only add volume');
    const expected = csvRows(OPTION_AGGS)
      .filter((r) => r[0] === 'O:GOOG151224C00750000' && Number(r[6]!.slice(0, -6)) + 60_000 <= AT)
      .reduce((sum, r) => sum + Number(r[1]), 0);
    assert.equal(call.volume, expected);
  });
});

describe('OptionChainIndex on the real GOOG chain', () => {
  it('indexes 2,192 contracts over 12 expirations including 0-DTE', () => {
    assert.equal(index.contractCount, 2192);
    assert.equal(index.quoteCount, 275_552);
    const all = index.allExpirations();
    assert.equal(all.length, 12);
    assert.equal(all[0], '2015-12-24');
    assert.equal(all.at(-1), '2018-01-19');
  });

  it('quoteAt is the last quote at or before `at` (property against a linear scan)', () => {
    const tickers = [...new Set(quotes.map((q) => q.ticker))];
    const dayStart = nyTimeToMs('2015-12-24', '09:00');
    const dayEnd = nyTimeToMs('2015-12-24', '13:30');
    fc.assert(fc.property(fc.integer({ min: 0, max: tickers.length - 1 }), fc.integer({ min: dayStart, max: dayEnd }), (i, at) => {
      const ticker = tickers[i]!;
      let expected: OptionQuote | null = null;
      for (const q of quotes) if (q.ticker === ticker && q.ts <= at) expected = q;
      assert.equal(index.quoteAt(ticker, at), expected);
    }), { numRuns: 150 });
    // Exactly at a quote's timestamp that quote counts.
    const q = quotes[1000]!;
    assert.equal(index.quoteAt(q.ticker, q.ts)?.ts, q.ts);
    assert.equal(index.quoteAt('O:GOOG151224C00750000', dayStart - 3_600_000), null);
    assert.equal(index.quoteAt('O:NOPE151224C00750000', dayEnd), null);
  });

  it('lists open expirations with DTE and time to the early close', () => {
    assert.ok(spot > 745 && spot < 755, `GOOG at 11:00 was ~749, got ${spot}`);
    assert.equal(snap.expirations.length, 12);
    const [zero, week] = snap.expirations;
    assert.deepEqual({ ...zero!, years: undefined }, { expiration: '2015-12-24', dte: 0, years: undefined, contracts: 176, atmStrike: 750 });
    assert.equal(zero!.years * 365 * 24, 2, '0-DTE has two hours left to the 13:00 close');
    assert.equal(week!.dte, 7);
    assert.equal(snap.atmStrike, 750);
    const after = index.expirations(nyTimeToMs('2015-12-24', '13:30'), spot);
    assert.equal(after.length, 11, 'the 0-DTE expiration is gone after the early close');
  });

  it('gives every row either an IV with greeks or a reason', () => {
    assert.equal(snap.rows.length, 2192);
    const reasons = new Map<string, number>();
    for (const r of snap.rows) {
      assert.equal(r.iv === null, r.ivReason !== null, r.ticker);
      assert.equal(r.iv === null, r.delta === null, r.ticker);
      reasons.set(r.ivReason ?? 'ok', (reasons.get(r.ivReason ?? 'ok') ?? 0) + 1);
      if (r.bid === null && r.ask !== null) assert.equal(r.ivReason, 'no_bid');
      if (r.ask === null && r.bid !== null) assert.equal(r.ivReason, 'no_ask');
      if (r.mid !== null) assert.equal(r.spreadPct, (r.ask! - r.bid!) / r.mid);
      if (r.quoteTs !== null) assert.ok(r.quoteAgeMs! >= 0 && r.quoteTs <= AT);
      assert.equal(r.model, false);
    }
    assert.ok((reasons.get('ok') ?? 0) > 800, `solved ${reasons.get('ok')}`);
    assert.ok((reasons.get('no_bid') ?? 0) > 100);
    // Sorted by expiration, strike, call before put.
    for (let i = 1; i < snap.rows.length; i++) {
      const a = snap.rows[i - 1]!;
      const b = snap.rows[i]!;
      assert.ok(a.expiration < b.expiration || (a.expiration === b.expiration
        && (a.strike < b.strike || (a.strike === b.strike && a.right === 'call' && b.right === 'put'))), `${a.ticker} before ${b.ticker}`);
    }
  });

  it('IVs reprice the mid, and greeks have the right signs and shape', () => {
    for (const r of snap.rows) {
      if (r.iv === null) continue;
      const years = snap.expirations.find((e) => e.expiration === r.expiration)!.years;
      const model = bsmPrice({ right: r.right, spot, strike: r.strike, years, vol: r.iv, rate: RATE });
      assert.ok(Math.abs(model - r.mid!) <= 1e-7 * r.mid!, `${r.ticker} reprices ${model} vs mid ${r.mid}`);
      if (r.right === 'call') assert.ok(r.delta! > 0 && r.delta! < 1);
      else assert.ok(r.delta! < 0 && r.delta! > -1);
      assert.ok(r.gamma! >= 0 && r.vega! >= 0);
      assert.equal(r.breakEven, r.right === 'call' ? r.strike + r.mid! : r.strike - r.mid!);
    }
    // Call delta falls with strike within an expiration (up to smile noise between neighbouring IVs).
    for (const exp of snap.expirations) {
      const calls = snap.rows.filter((r) => r.expiration === exp.expiration && r.right === 'call' && r.delta !== null);
      for (let i = 1; i < calls.length; i++) assert.ok(calls[i]!.delta! <= calls[i - 1]!.delta! + 0.02, `${calls[i]!.ticker} ${calls[i]!.delta} vs ${calls[i - 1]!.delta}`);
    }
    const atmCall = snap.rows.find((r) => r.ticker === 'O:GOOG160115C00750000')!;
    assert.ok(atmCall.iv! > 0.15 && atmCall.iv! < 0.4, `Jan-16 750 call IV ${atmCall.iv}`);
    assert.ok(Math.abs(atmCall.delta! - 0.5) < 0.1);
    assert.ok(atmCall.theta! < 0);
  });

  it('real quotes respect American put-call parity bounds, and imply the real spot', () => {
    const rows = new Map(snap.rows.map((r) => [r.ticker, r]));
    // Quotes are minute-stamped and the stock price is a minute close; allow $2.
    const TOL = 2;
    let pairs = 0;
    const impliedSpots: number[] = [];
    for (const c of snap.rows) {
      if (c.right !== 'call' || c.bid === null || c.ask === null) continue;
      const p = rows.get(c.ticker.replace(/C(\d{8})$/, 'P$1'))!;
      if (p.bid === null || p.ask === null) continue;
      const years = snap.expirations.find((e) => e.expiration === c.expiration)!.years;
      const band = putCallParityBand(spot, c.strike, years, RATE);
      // The market's C − P range is [C_bid − P_ask, C_ask − P_bid]; it must meet the band.
      assert.ok(c.ask - p.bid >= band.lower - TOL, `${c.ticker}: C−P ≤ ${c.ask - p.bid} below ${band.lower}`);
      assert.ok(c.bid - p.ask <= band.upper + TOL, `${c.ticker}: C−P ≥ ${c.bid - p.ask} above ${band.upper}`);
      pairs++;
      if (years < 0.1) impliedSpots.push(c.mid! - p.mid! + c.strike * Math.exp(-RATE * years));
    }
    assert.ok(pairs > 200, `${pairs} two-sided pairs`);
    impliedSpots.sort((a, b) => a - b);
    const median = impliedSpots[impliedSpots.length >> 1]!;
    assert.ok(Math.abs(median - spot) < 1, `parity-implied spot ${median} vs GOOG ${spot}`);
  });

  it('near-the-money calls and puts imply similar volatility', () => {
    const rows = snap.rows.filter((r) => r.expiration === '2016-01-15' && Math.abs(r.strike - spot) <= 25);
    let compared = 0;
    for (const c of rows.filter((r) => r.right === 'call' && r.iv !== null)) {
      const p = rows.find((r) => r.right === 'put' && r.strike === c.strike && r.iv !== null);
      if (!p) continue;
      assert.ok(Math.abs(c.iv! - p.iv!) < 0.03, `${c.strike}: call ${c.iv} put ${p.iv}`);
      compared++;
    }
    assert.ok(compared >= 5);
  });

  // Speed is measured in bench/options.bench.ts, not asserted here (timed asserts flake on shared machines).
  it('snapshots independently of input order', () => {
    const shuffled = OptionChainIndex.fromQuotes([...quotes].reverse());
    assert.deepEqual(shuffled.snapshot({ at: AT, underlyingPrice: spot, rate: RATE }), snap);
  });

  it('merges open interest and trades, filters expirations', async () => {
    const s = index.snapshot({
      at: AT, underlyingPrice: spot, rate: RATE, expirations: ['2015-12-24'],
      openInterest: await readOpenInterestCsv(OPEN_INTEREST), trades: await readOptionTradeStats(OPTION_AGGS, AT),
    });
    assert.equal(s.rows.length, 176);
    const row = s.rows.find((r) => r.ticker === 'O:GOOG151224C00750000')!;
    assert.ok(row.openInterest !== null && row.volume! > 0 && row.last! > 0);
  });
});

describe('chain edge cases', () => {
  const at = Date.UTC(2015, 11, 24, 16);
  const q = (ticker: string, bid: number | null, ask: number | null, ts = at - 1000): OptionQuote =>
    ({ ticker, ts, bid, bidSize: bid === null ? null : 1, ask, askSize: ask === null ? null : 1 });

  it('flags crossed and locked quotes; crossed gets no IV', () => {
    const idx = OptionChainIndex.fromQuotes([q('O:GOOG151231C00750000', 12, 11), q('O:GOOG151231P00750000', 11, 11)]);
    const [call, put] = idx.snapshot({ at, underlyingPrice: 750, rate: 0 }).rows;
    assert.equal(call!.crossed, true);
    assert.equal(call!.ivReason, 'crossed');
    assert.equal(call!.mid, null);
    assert.equal(put!.locked, true);
    assert.equal(put!.mid, 11);
    assert.notEqual(put!.iv, null);
  });
  it('takes the higher sequence number for equal timestamps', () => {
    const a = { ...q('O:GOOG151231C00750000', 1, 2), sequence: 2 };
    const b = { ...q('O:GOOG151231C00750000', 3, 4), sequence: 1 };
    assert.equal(OptionChainIndex.fromQuotes([a, b]).quoteAt(a.ticker, at)!.bid, 1);
  });
  it('rejects a malformed ticker and a bad underlying price by name', () => {
    assert.throws(() => OptionChainIndex.fromQuotes([q('O:GOOG151231X00750000', 1, 2)]), (e: unknown) => e instanceof InputError && e.field === 'quote.ticker');
    const idx = OptionChainIndex.fromQuotes([q('O:GOOG151231C00750000', 1, 2)]);
    assert.throws(() => idx.snapshot({ at, underlyingPrice: 0, rate: 0 }), /underlyingPrice/);
  });
  it('binary search and ATM helpers', () => {
    const ts = Float64Array.from([10, 20, 20, 30]);
    assert.deepEqual([5, 10, 15, 20, 25, 30, 99].map((t) => lastIndexAtOrBefore(ts, t)), [-1, 0, 0, 2, 2, 3, 3]);
    assert.equal(atTheMoneyStrike([740, 745, 750, 755], 747.5), 745);
    assert.equal(atTheMoneyStrike([740, 745, 750, 755], 749.2), 750);
    assert.equal(atTheMoneyStrike([], 749.2), null);
  });
});
