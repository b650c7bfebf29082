import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from '../../test/helpers/fast-check.js';
import { bsmGreeks, bsmPrice } from './bsm.js';
import { impliedVol, type IvInput } from './iv.js';

const MINUTE_YEARS = 1 / (365 * 24 * 60);

function solved(input: IvInput): number {
  const r = impliedVol(input);
  assert.ok(r.ok, `expected an IV, got ${JSON.stringify(r)}`);
  return r.vol;
}

describe('impliedVol', () => {
  it('recovers the Hull example volatility', () => {
    assert.ok(Math.abs(solved({ right: 'call', price: 4.7594223, spot: 42, strike: 40, years: 0.5, rate: 0.1 }) - 0.2) < 1e-6);
    assert.ok(Math.abs(solved({ right: 'put', price: 0.8085993, spot: 42, strike: 40, years: 0.5, rate: 0.1 }) - 0.2) < 1e-6);
  });

  it('IV(price(σ)) ≈ σ from 1-minute 0-DTE to 3-year, deep ITM to deep OTM (property)', () => {
    let solvedCount = 0;
    fc.assert(fc.property(
      fc.constantFrom('call' as const, 'put' as const),
      fc.double({ min: Math.log(0.5), max: Math.log(2), noNaN: true }), // log-moneyness K/S
      fc.double({ min: Math.log(MINUTE_YEARS), max: Math.log(3), noNaN: true }), // log years
      fc.double({ min: 0.02, max: 5, noNaN: true }),
      fc.double({ min: -0.01, max: 0.08, noNaN: true }),
      fc.double({ min: 0, max: 0.05, noNaN: true }),
      (right, logK, logT, vol, rate, q) => {
        const spot = 100;
        const input = { right, spot, strike: spot * Math.exp(logK), years: Math.exp(logT), rate, dividendYield: q };
        const price = bsmPrice({ ...input, vol });
        const timeValue = price - bsmPrice({ ...input, vol: 0 });
        const r = impliedVol({ ...input, price });
        // Below ~1e-9 of spot the time value is rounding noise and may be reported as no time value.
        if (timeValue < 1e-9 * spot) {
          if (!r.ok) assert.equal(r.reason, 'below_intrinsic');
          return;
        }
        assert.ok(r.ok, `no IV for σ=${vol} ${JSON.stringify(input)} price=${price}: ${!r.ok && r.message}`);
        const reprice = bsmPrice({ ...input, vol: r.vol });
        assert.ok(Math.abs(reprice - price) <= 1e-9 * price + 1e-13, `reprice ${reprice} vs ${price}`);
        // σ is only as well determined as the time value's digits allow: vega·Δσ ≈ price·ε.
        const vegaAnnual = bsmGreeks({ ...input, vol }).vega * 100;
        const sigmaTol = Math.max(1e-7 * vol, (1e-12 * price) / Math.max(vegaAnnual, 1e-300));
        assert.ok(Math.abs(r.vol - vol) <= sigmaTol, `σ ${r.vol} vs ${vol} (tol ${sigmaTol})`);
        assert.ok(r.iterations <= 60, `took ${r.iterations} iterations`);
        solvedCount++;
      },
    ), { numRuns: 3000 });
    assert.ok(solvedCount > 1500, `only ${solvedCount} of 3000 cases had time value to solve`);
  });

  it('handles a real 0-DTE contract an hour before an early close', () => {
    // GOOG 2015-12-24 750 call at 12:00 with the underlying at 749.2: 1 hour of calendar time left.
    const years = 1 / (365 * 24);
    const vol = solved({ right: 'call', price: 0.8, spot: 749.2, strike: 750, years, rate: 0.003 });
    assert.ok(vol > 0.2 && vol < 0.6, `0-DTE ATM IV ${vol}`);
    assert.ok(Math.abs(bsmPrice({ right: 'call', spot: 749.2, strike: 750, years, vol, rate: 0.003 }) - 0.8) < 1e-9);
  });

  it('returns reasons instead of NaN', () => {
    const base = { spot: 100, strike: 90, years: 0.25, rate: 0.02 };
    const reason = (input: IvInput) => {
      const r = impliedVol(input);
      assert.equal(r.ok, false);
      return r.ok ? null : r.reason;
    };
    assert.equal(reason({ ...base, right: 'call', price: 9.5 }), 'below_intrinsic'); // < S − K·e^{−rT} ≈ 10.45
    assert.equal(reason({ ...base, right: 'call', price: 100 }), 'above_upper_bound');
    assert.equal(reason({ ...base, right: 'put', price: 90 }), 'above_upper_bound');
    assert.equal(reason({ ...base, right: 'put', price: 0 }), 'below_intrinsic');
    assert.equal(reason({ ...base, right: 'call', price: 12, years: 0 }), 'expired');
    assert.equal(reason({ ...base, right: 'call', price: -1 }), 'invalid_input');
    assert.equal(reason({ ...base, right: 'call', price: Number.NaN }), 'invalid_input');
    assert.equal(reason({ ...base, right: 'call', price: 12, spot: 0 }), 'invalid_input');
    const r = impliedVol({ ...base, right: 'call', price: 9.5 });
    assert.ok(!r.ok && /9\.5/.test(r.message), 'message names the price');
  });

  it('prices just above intrinsic still solve (deep ITM put, tiny time value)', () => {
    const input = { right: 'put' as const, spot: 50, strike: 100, years: 30 / 365, rate: 0.01 };
    const price = bsmPrice({ ...input, vol: 0.3 });
    const r = impliedVol({ ...input, price });
    if (r.ok) assert.ok(Math.abs(bsmPrice({ ...input, vol: r.vol }) - price) < 1e-9);
    else assert.equal(r.reason, 'below_intrinsic');
    assert.ok(Math.abs(solved({ ...input, price: price + 0.05 }) - 0.3) > 0.1, 'a nickel over intrinsic implies a much higher vol');
  });
});
