import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from '../../test/helpers/fast-check.js';
import { summarize } from './stats.js';

describe('journal stats', () => {
  it('a small worked example', () => {
    const s = summarize([
      { pnl: 100_00, r: 2, exitTime: 1 },
      { pnl: -50_00, r: -1, exitTime: 2 },
      { pnl: -30_00, r: null, exitTime: 3 },
      { pnl: 60_00, r: 1, exitTime: 4 },
    ]);
    assert.equal(s.trades, 4);
    assert.equal(s.winRate, 0.5);
    assert.equal(s.profitFactor, 2); // 160 / 80
    assert.equal(s.expectancy, 20_00);
    assert.equal(s.expectancyR, 0.6667);
    assert.equal(s.avgWin, 80_00);
    assert.equal(s.avgLoss, -40_00);
    assert.equal(s.maxDrawdown, 80_00); // 100 → 20
    assert.match(s.warning!, /only 4 trades/);
  });

  it('max drawdown is the largest fall from a running peak (brute force over all pairs)', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: -10_000, max: 10_000 }), { maxLength: 40 }), (pnls) => {
      const equity = [0];
      for (const p of pnls) equity.push(equity.at(-1)! + p);
      let worst = 0;
      for (let i = 0; i < equity.length; i++) for (let j = i; j < equity.length; j++) worst = Math.max(worst, equity[i]! - equity[j]!);
      const s = summarize(pnls.map((pnl, i) => ({ pnl, r: null, exitTime: i })));
      assert.equal(s.maxDrawdown, worst);
      assert.equal(s.totalPnl, equity.at(-1));
    }));
  });
});
