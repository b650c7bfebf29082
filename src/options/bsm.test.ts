import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from '../../test/helpers/fast-check.js';
import { type BsmInput, bsmGreeks, bsmPrice, normCdf } from './bsm.js';

const close = (actual: number, expected: number, tol: number, what = '') =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} not within ${tol} of ${expected}`);

describe('normCdf', () => {
  it('matches reference values to double precision, including the far tail', () => {
    // Reference values from erfc in arbitrary precision.
    const ref: Array<[number, number]> = [
      [0, 0.5], [-1, 0.15865525393145707], [1.96, 0.9750021048517795], [-5, 2.866515718791939e-7],
      [-10, 7.619853024160527e-24], [-20, 2.7536241186062337e-89], [-37.5, 0],
    ];
    for (const [x, p] of ref) close(normCdf(x), p, Math.max(1e-15, p * 1e-8), `N(${x})`);
  });
});

describe('bsmPrice', () => {
  it('Hull: S=42, K=40, r=10%, σ=20%, T=0.5 → call 4.76, put 0.81', () => {
    const base = { spot: 42, strike: 40, years: 0.5, vol: 0.2, rate: 0.1 };
    close(bsmPrice({ ...base, right: 'call' }), 4.7594, 1e-4, 'call');
    close(bsmPrice({ ...base, right: 'put' }), 0.8086, 1e-4, 'put');
  });
  it('satisfies European put-call parity with a dividend yield (property)', () => {
    fc.assert(fc.property(
      fc.double({ min: 1, max: 2000, noNaN: true }), fc.double({ min: 0.3, max: 3, noNaN: true }),
      fc.double({ min: 1e-5, max: 3, noNaN: true }), fc.double({ min: 0.01, max: 3, noNaN: true }),
      fc.double({ min: -0.01, max: 0.1, noNaN: true }), fc.double({ min: 0, max: 0.08, noNaN: true }),
      (spot, moneyness, years, vol, rate, q) => {
        const inp = { spot, strike: spot * moneyness, years, vol, rate, dividendYield: q };
        const lhs = bsmPrice({ ...inp, right: 'call' }) - bsmPrice({ ...inp, right: 'put' });
        const rhs = spot * Math.exp(-q * years) - inp.strike * Math.exp(-rate * years);
        close(lhs, rhs, 1e-9 * Math.max(spot, inp.strike));
      },
    ));
  });
  it('stays within no-arbitrage bounds and rises with volatility (property)', () => {
    fc.assert(fc.property(
      fc.constantFrom('call' as const, 'put' as const), fc.double({ min: 0.3, max: 3, noNaN: true }),
      fc.double({ min: 1e-5, max: 3, noNaN: true }), fc.double({ min: 0.01, max: 3, noNaN: true }),
      fc.double({ min: 0.001, max: 1, noNaN: true }),
      (right, moneyness, years, vol, dv) => {
        const inp: BsmInput = { right, spot: 100, strike: 100 * moneyness, years, vol, rate: 0.03, dividendYield: 0.01 };
        const p = bsmPrice(inp);
        const lower = bsmPrice({ ...inp, vol: 0 });
        const upper = right === 'call' ? 100 * Math.exp(-0.01 * years) : inp.strike * Math.exp(-0.03 * years);
        assert.ok(p >= lower - 1e-9 && p <= upper + 1e-9, `${p} outside [${lower}, ${upper}]`);
        assert.ok(bsmPrice({ ...inp, vol: vol + dv }) >= p - 1e-12, 'price must not fall as volatility rises');
      },
    ));
  });
  it('is intrinsic at expiry', () => {
    assert.equal(bsmPrice({ right: 'call', spot: 105, strike: 100, years: 0, vol: 0.3, rate: 0.05 }), 5);
    assert.equal(bsmPrice({ right: 'put', spot: 105, strike: 100, years: -1, vol: 0.3, rate: 0.05 }), 0);
  });
});

describe('bsmGreeks', () => {
  it('Hull example: S=49, K=50, r=5%, σ=20%, T=20 weeks call', () => {
    const g = bsmGreeks({ right: 'call', spot: 49, strike: 50, years: 0.3846, vol: 0.2, rate: 0.05 });
    close(g.price, 2.40, 0.005, 'price');
    close(g.delta, 0.522, 0.0005, 'delta');
    close(g.gamma, 0.066, 0.0005, 'gamma');
    close(g.theta, -4.31 / 365, 0.00005, 'theta per day');
    close(g.vega, 0.121, 0.0005, 'vega per vol point');
    close(g.rho, 0.0891, 0.0005, 'rho per 1%');
    const p = bsmGreeks({ right: 'put', spot: 49, strike: 50, years: 0.3846, vol: 0.2, rate: 0.05 });
    close(p.delta, 0.522 - 1, 0.0005, 'put delta');
    assert.equal(p.gamma, g.gamma);
    assert.equal(p.vega, g.vega);
  });
  it('greeks agree with finite differences of the price in their stated units (property)', () => {
    fc.assert(fc.property(
      fc.constantFrom('call' as const, 'put' as const), fc.double({ min: 0.7, max: 1.3, noNaN: true }),
      fc.double({ min: 0.02, max: 2, noNaN: true }), fc.double({ min: 0.1, max: 1, noNaN: true }),
      (right, moneyness, years, vol) => {
        const inp: BsmInput = { right, spot: 100, strike: 100 * moneyness, years, vol, rate: 0.04, dividendYield: 0.02 };
        const g = bsmGreeks(inp);
        const px = (over: Partial<BsmInput>) => bsmPrice({ ...inp, ...over });
        const h = 0.01;
        close(g.price, px({}), 1e-10, 'price');
        close(g.delta, (px({ spot: 100 + h }) - px({ spot: 100 - h })) / (2 * h), 1e-5, 'delta');
        close(g.gamma, (px({ spot: 100 + h }) - 2 * px({}) + px({ spot: 100 - h })) / (h * h), 1e-3, 'gamma');
        // Per calendar day / per vol point / per rate point: central differences over exactly those units.
        const day = 1 / 365;
        close(g.theta, (px({ years: years - day / 100 }) - px({ years: years + day / 100 })) / 2 * 100, 1e-5, 'theta');
        close(g.vega, (px({ vol: vol + 0.0001 }) - px({ vol: vol - 0.0001 })) / 2 * 100, 1e-6, 'vega');
        close(g.rho, (px({ rate: 0.0401 }) - px({ rate: 0.0399 })) / 2 * 100, 1e-6, 'rho');
      },
    ));
  });
  it('degenerates cleanly at expiry', () => {
    const itm = bsmGreeks({ right: 'put', spot: 90, strike: 100, years: 0, vol: 0.3, rate: 0.05 });
    assert.equal(itm.price, 10);
    assert.equal(itm.delta, -1);
    assert.ok(itm.gamma === 0 && itm.vega === 0 && itm.theta === 0 && itm.rho === 0);
    const otm = bsmGreeks({ right: 'call', spot: 90, strike: 100, years: 0, vol: 0.3, rate: 0.05 });
    assert.equal(otm.delta, 0);
  });
});
