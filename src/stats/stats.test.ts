/** Statistics on small known inputs, computed here by hand; bootstrap reproducibility by seed (src/stats, shared by the backtester and the journal). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapCi, computeStats, TRADERS_BAR } from './stats.js';

const close = (a: number | null, b: number, eps = 1e-12) => assert.ok(a !== null && Math.abs(a - b) < eps, `${a} ≈ ${b}`);

test('stats of four trades: win rate, profit factor, expectancy ($ and R), averages, drawdown, Sharpe/Sortino, exposure', () => {
  const trades = [{ pnlCents: 10_000, r: 2 }, { pnlCents: -5_000, r: -1 }, { pnlCents: 20_000, r: 3 }, { pnlCents: -10_000, r: -1 }];
  const s = computeStats({ trades, dailyPnlCents: [10_000, -5_000, 20_000, -10_000], startEquityCents: 1_000_000, minutesInMarket: 390, sessionMinutes: 4 * 390 });
  assert.equal(s.trades, 4);
  assert.equal(s.winRate, 0.5);
  assert.equal(s.profitFactor, 30_000 / 15_000);
  assert.equal(s.netPnl, 150);
  assert.equal(s.expectancy, 37.5);
  assert.equal(s.expectancyR, 0.75);
  assert.equal(s.avgWin, 150);
  assert.equal(s.avgLoss, -75);
  // Equity 10 000 → 10 100 → 10 050 → 10 250 → 10 150: worst fall 100 from the 10 250 peak.
  assert.equal(s.maxDrawdown, 100);
  close(s.maxDrawdownPct, 100 / 10_250);
  const rets = [100 / 10_000, -50 / 10_100, 200 / 10_050, -100 / 10_250];
  const m = (rets[0]! + rets[1]! + rets[2]! + rets[3]!) / 4;
  const sd = Math.sqrt(rets.reduce((a, r) => a + (r - m) ** 2, 0) / 3);
  const dd = Math.sqrt((rets[1]! ** 2 + rets[3]! ** 2) / 4);
  close(s.sharpe, (m / sd) * Math.sqrt(252), 1e-9);
  close(s.sortino, (m / dd) * Math.sqrt(252), 1e-9);
  assert.equal(s.exposure, 0.25);
  assert.equal(s.bar.trades, false);
  assert.equal(s.bar.profitFactor, true);
  assert.equal(s.bar.winRate, false); // 50% is not above 55%
  assert.ok(s.warnings[0]!.startsWith('Too few trades to judge: 4'));
  assert.ok(s.warnings.includes('Win rate 50.0% is not above 55%.'), s.warnings.join(' | '));
});

test('the traders\' bar passes when above every threshold, and no trades gives n/a rather than numbers', () => {
  const trades = Array.from({ length: TRADERS_BAR.minTrades }, (_, i) => ({ pnlCents: i % 10 < 6 ? 1_000 : -500, r: i % 10 < 6 ? 2 : -1 }));
  const ok = computeStats({ trades, dailyPnlCents: trades.map((t) => t.pnlCents), startEquityCents: 10_000_000, minutesInMarket: 0, sessionMinutes: 1 });
  assert.deepEqual(ok.bar, { trades: true, winRate: true, profitFactor: true, maxDrawdown: true });
  assert.deepEqual(ok.warnings, []);
  const none = computeStats({ trades: [], dailyPnlCents: [0, 0], startEquityCents: 100, minutesInMarket: 0, sessionMinutes: 780 });
  assert.deepEqual([none.winRate, none.profitFactor, none.expectancy, none.sharpe, none.ci95.winRate], [null, null, null, null, null]);
});

test('bootstrap CIs: the same seed gives the same interval, another seed a different one; all winners give [1, 1]; the interval holds the point estimate', () => {
  const pnl = Array.from({ length: 60 }, (_, i) => ((i * 7919) % 13) * 100 - 500);
  const a = bootstrapCi(pnl, 42, 1000)!;
  assert.deepEqual(bootstrapCi(pnl, 42, 1000), a);
  assert.notDeepEqual(bootstrapCi(pnl, 43, 1000), a);
  const winRate = pnl.filter((x) => x > 0).length / pnl.length;
  const mean = pnl.reduce((x, y) => x + y, 0) / pnl.length / 100;
  assert.ok(a.winRate.low <= winRate && winRate <= a.winRate.high);
  assert.ok(a.expectancy.low <= mean && mean <= a.expectancy.high);
  assert.ok(a.winRate.low < a.winRate.high);
  assert.deepEqual(bootstrapCi([5, 10, 20], 1, 200)!.winRate, { low: 1, high: 1 });
});
