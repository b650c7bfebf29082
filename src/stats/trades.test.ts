/** Journal trades into the shared statistics: days, time in market, unknown equity, drawdown. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from '../../test/helpers/fast-check.js';
import { nyTimeToMs } from '../calendar/index.js';
import { computeStats } from './stats.js';
import { statsOfTrades, unionMinutes } from './trades.js';

const at = (date: string, hhmm: string) => nyTimeToMs(date, hhmm);

test('journal trades: P&L per closing day feeds Sharpe; time in market is the union of open spans over the regular minutes of the days traded', () => {
  const trades = [
    { pnlCents: 10_000, r: 2, entryTime: at('2015-12-22', '10:00'), exitTime: at('2015-12-22', '10:30') },
    { pnlCents: -4_000, r: null, entryTime: at('2015-12-22', '10:15'), exitTime: at('2015-12-22', '11:00') },
    // Christmas Eve closes at 13:00: 210 regular minutes.
    { pnlCents: -5_000, r: -1, entryTime: at('2015-12-24', '09:45'), exitTime: at('2015-12-24', '10:15') },
  ];
  const s = statsOfTrades(trades, { startEquityCents: 1_000_000, seed: 7 });
  const direct = computeStats({ trades: trades.map((t) => ({ pnlCents: t.pnlCents, r: t.r })), dailyPnlCents: [6_000, -5_000], startEquityCents: 1_000_000, minutesInMarket: 60 + 30, sessionMinutes: 390 + 210, seed: 7 });
  assert.deepEqual(s, direct);
  assert.equal(s.exposure, 90 / 600);
  assert.equal(s.expectancyR, 0.5, 'mean of the two trades with an R (2 and -1)');
  assert.equal(s.ci95.seed, 7);
});

test('unknown starting equity: drawdown in $ only, no Sharpe, the bar not met and a warning saying why', () => {
  const s = statsOfTrades([
    { pnlCents: 5_000, r: 1, entryTime: at('2015-12-22', '10:00'), exitTime: at('2015-12-22', '10:10') },
    { pnlCents: -8_000, r: -1, entryTime: at('2015-12-23', '10:00'), exitTime: at('2015-12-23', '10:10') },
  ], { startEquityCents: null });
  assert.equal(s.maxDrawdown, 80);
  assert.equal(s.maxDrawdownPct, null);
  assert.equal(s.sharpe, null);
  assert.equal(s.bar.maxDrawdown, false);
  assert.ok(s.warnings.some((w) => w.startsWith('Max drawdown % unknown')), s.warnings.join(' | '));
});

test('max drawdown is the largest fall from a running peak in exit order (brute force over all pairs)', () => {
  fc.assert(fc.property(fc.array(fc.integer({ min: -10_000, max: 10_000 }), { maxLength: 40 }), (pnls) => {
    const equity = [0];
    for (const p of pnls) equity.push(equity.at(-1)! + p);
    let worst = 0;
    for (let i = 0; i < equity.length; i++) for (let j = i; j < equity.length; j++) worst = Math.max(worst, equity[i]! - equity[j]!);
    // Given out of order: the statistics sort by exit time.
    const trades = pnls.map((pnlCents, i) => ({ pnlCents, r: null, entryTime: at('2015-12-22', '09:30') + i * 60_000, exitTime: at('2015-12-22', '09:31') + i * 60_000 })).reverse();
    const s = statsOfTrades(trades, { startEquityCents: null, resamples: 10 });
    assert.equal(Math.round(s.maxDrawdown * 100), worst);
    assert.equal(Math.round(s.netPnl * 100), equity.at(-1));
  }));
});

test('union of open spans: overlapping count once, brute force per minute', () => {
  fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 30 })), { maxLength: 12 }), (spans) => {
    const trades = spans.map(([a, len]) => ({ entryTime: a * 60_000, exitTime: (a + len) * 60_000 }));
    const covered = new Set<number>();
    for (const [a, len] of spans) for (let m = a; m < a + len; m++) covered.add(m);
    assert.equal(unionMinutes(trades), covered.size);
  }));
});
