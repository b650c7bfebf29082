import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import fc from '../../test/helpers/fast-check.js';
import { nyTimeToMs } from '../calendar/index.js';
import { OptionChainIndex } from './chain.js';
import {
  modelBidAsk, modelChainQuotes, modelExpirations, modelStrikes, optionTickSize,
  realizedVolFromDailyCloses, realizedVolFromMinuteBars,
} from './model-quotes.js';
import { DATA_DIR } from '../../test/helpers/data.js';

// The shared recorded data, or OPTDESK_DATA (test/helpers/data.ts).
const DATA = `${DATA_DIR}/`;

/** Deterministic standard normals (mulberry32 + Box-Muller) for a reproducible GBM path. */
function normals(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

const onTick = (price: number, tick: number) => Math.abs(price / tick - Math.round(price / tick)) < 1e-9;

describe('realized volatility', () => {
  it('recovers the σ of a simulated 1-minute path with missing minutes', () => {
    const z = normals(42);
    const sigma = 0.3;
    const perMinute = sigma / Math.sqrt(390 * 252);
    const bars: { start: number; close: number }[] = [];
    let price = 100;
    let t = 0;
    for (let i = 0; i < 390 * 10; i++) {
      t += 60_000;
      price *= Math.exp(perMinute * z());
      if (i % 7 !== 3) bars.push({ start: t, close: price }); // quiet minutes are missing
    }
    const est = realizedVolFromMinuteBars(bars)!;
    assert.ok(Math.abs(est - sigma) < 0.02, `estimated ${est}`);
  });
  it('ignores overnight gaps and needs enough returns', () => {
    const bars = [{ start: 0, close: 100 }, { start: 60_000, close: 100.1 }, { start: 18 * 3_600_000, close: 120 }];
    assert.equal(realizedVolFromMinuteBars(bars), null);
    const v = realizedVolFromMinuteBars(bars, { minReturns: 1 })!;
    assert.ok(Math.abs(v - Math.abs(Math.log(100.1 / 100)) * Math.sqrt(390 * 252)) < 1e-12, 'the 18-hour jump is not counted');
  });
  it('gives a plausible value for real GOOG minutes and daily closes', () => {
    const rows = gunzipSync(readFileSync(`${DATA}flatfiles/us_stocks_sip/minute_aggs_v1/2015/12/2015-12-23.csv.gz`)).toString().trim().split('\n').slice(1);
    const bars = rows.map((l) => l.split(',')).map((r) => ({ start: Number(r[6]!.slice(0, -6)), close: Number(r[3]) }));
    const minuteVol = realizedVolFromMinuteBars(bars)!;
    assert.ok(minuteVol > 0.05 && minuteVol < 1, `GOOG 1-minute RV ${minuteVol}`);
    const daily = gunzipSync(readFileSync(`${DATA}flatfiles/us_stocks_sip/day_aggs_v1/by_ticker/GOOG.csv.gz`)).toString().trim().split('\n').slice(1)
      .map((l) => l.split(',')).filter((r) => Number(r[6]!.slice(0, -6)) < Date.UTC(2015, 11, 24)).slice(-21).map((r) => Number(r[3]));
    const dailyVol = realizedVolFromDailyCloses(daily)!;
    assert.ok(dailyVol > 0.1 && dailyVol < 0.8, `GOOG 20-day RV ${dailyVol}`);
    assert.equal(realizedVolFromDailyCloses([100]), null);
  });
});

describe('tick sizes and spreads', () => {
  it('uses $0.05 under $3 and $0.10 above; penny pilot $0.01 / $0.05', () => {
    assert.deepEqual([2.99, 3, 10].map((p) => optionTickSize(p)), [0.05, 0.1, 0.1]);
    assert.deepEqual([2.99, 3].map((p) => optionTickSize(p, true)), [0.01, 0.05]);
  });
  it('brackets the theoretical value on the tick grid (property)', () => {
    fc.assert(fc.property(fc.double({ min: 0, max: 500, noNaN: true }), fc.double({ min: 1, max: 2000, noNaN: true }), fc.boolean(), (theo, spot, penny) => {
      const { bid, ask } = modelBidAsk(theo, spot, { pennyPilot: penny });
      assert.ok(ask >= theo - 1e-9 && ask > 0, `ask ${ask} theo ${theo}`);
      assert.ok(onTick(ask, optionTickSize(ask - 1e-9, penny)) || onTick(ask, optionTickSize(ask, penny)), `ask ${ask} off tick`);
      if (bid !== null) {
        assert.ok(bid <= theo + 1e-9 && bid > 0 && bid < ask, `bid ${bid} theo ${theo} ask ${ask}`);
        assert.ok(onTick(bid, optionTickSize(bid, penny)), `bid ${bid} off tick`);
      }
    }));
  });
  it('has no bid for a near-worthless contract', () => {
    assert.deepEqual(modelBidAsk(0.01, 750), { bid: null, ask: 0.05 });
    assert.deepEqual(modelBidAsk(0.01, 100, { pennyPilot: true }), { bid: null, ask: 0.02 });
  });
});

describe('modelChainQuotes', () => {
  const at = nyTimeToMs('2015-12-24', '11:00');
  const quotes = modelChainQuotes({ underlying: 'GOOG', spot: 749.23, at, vol: 0.25, rate: 0.003 });

  it('prices weekly expirations (0-DTE on Friday-or-holiday-shifted dates) around the ATM strike', () => {
    assert.deepEqual(modelExpirations('2015-12-24', 3), ['2015-12-24', '2015-12-31', '2016-01-08']); // Fri 12-25 is a holiday
    assert.deepEqual(modelExpirations('2016-03-21', 1), ['2016-03-24']); // Good Friday → Thursday
    const strikes = modelStrikes(749.23, 2);
    assert.deepEqual(strikes, [730, 740, 750, 760, 770]);
    assert.equal(quotes.length, 4 * 31 * 2);
    assert.ok(quotes.every((q) => q.model === true && q.ts === at));
    assert.ok(quotes.some((q) => q.bid === null), 'far OTM 0-DTE contracts have no bid');
  });

  it('feeds the chain, which labels MODEL rows and recovers the model volatility', () => {
    const snap = OptionChainIndex.fromQuotes(quotes).snapshot({ at, underlyingPrice: 749.23, rate: 0.003 });
    assert.ok(snap.rows.every((r) => r.model));
    const atm = snap.rows.find((r) => r.ticker === 'O:GOOG160115C00750000') ?? snap.rows.find((r) => r.strike === 750 && r.expiration === '2016-01-08' && r.right === 'call')!;
    assert.ok(Math.abs(atm.iv! - 0.25) < 0.01, `ATM IV ${atm.iv} from 25% model quotes`);
  });

  it('rejects a bad volatility or spot by name', () => {
    assert.throws(() => modelChainQuotes({ underlying: 'GOOG', spot: 749, at, vol: Number.NaN, rate: 0 }), /vol/);
    assert.throws(() => modelChainQuotes({ underlying: 'GOOG', spot: -1, at, vol: 0.2, rate: 0 }), /spot/);
  });
});
