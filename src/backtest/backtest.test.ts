/**
 * Backtester tests: ORB on real SPY 2013-10-07..11 (imported into a temp store) checked
 * against the raw flat files; a look-ahead property test; the fill rules and the early close
 * on constructed sessions; time-block setups on constructed sequences; fees by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { readAggregates, stockMinuteFile } from '../../test/helpers/data.js';
import { nyTimeToMs, nyWallClock, sessionOn } from '../calendar/index.js';
import type { MinuteAggregate } from '../core/types.js';
import { importFile } from '../feeds/flatfile/index.js';
import { openStore } from '../store/index.js';
import { ArrayDaySource, runBacktest, SqliteDaySource, type BacktestRequest } from './index.js';

const DAYS = ['2013-10-07', '2013-10-08', '2013-10-09', '2013-10-10', '2013-10-11'];
const MIN = 60_000;
const rawSpy = DAYS.flatMap((d) => readAggregates(stockMinuteFile(d), 'SPY'));

async function spyStore(): Promise<{ db: string; done: () => void }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'optdesk-bt-'));
  const db = path.join(dir, 'bt.db');
  const store = openStore(db);
  for (const d of DAYS) await importFile(stockMinuteFile(d), store);
  store.close();
  return { db, done: () => rmSync(dir, { recursive: true, force: true }) };
}

const orbReq = (extra: Partial<BacktestRequest> = {}): BacktestRequest => ({ strategy: 'orb', symbol: 'SPY', from: '2013-10-07', to: '2013-10-11', ...extra });

test('ORB on SPY 2013-10-07..11 from the store: each day\'s levels are the first five minutes\' high/low of the raw file, and each entry is the open of the first minute after the first 5-minute close beyond them from 09:45', async () => {
  const { db, done } = await spyStore();
  try {
    const source = new SqliteDaySource(db);
    const r = runBacktest(source, orbReq());
    source.close();
    assert.equal(r.sessions, 5);
    assert.equal(r.levels.length, 5);
    for (const day of DAYS) {
      const open = nyTimeToMs(day, '09:30');
      const minutes = rawSpy.filter((b) => b.start >= open && b.start < nyTimeToMs(day, '16:00'));
      const first5 = minutes.filter((b) => b.start < open + 5 * MIN);
      const high = Math.max(...first5.map((b) => b.high));
      const low = Math.min(...first5.map((b) => b.low));
      const lv = r.levels.find((l) => l.date === day)!;
      assert.deepEqual([lv.high, lv.low], [high, low], day);
      // Independent signal: 5-minute buckets from 09:30; the first ending at/after 09:45 whose close is beyond.
      let expected: { side: string; entryTime: number; entryPrice: number } | null = null;
      for (let end = open + 15 * MIN; end <= nyTimeToMs(day, '15:55') && !expected; end += 5 * MIN) {
        const inBucket = minutes.filter((b) => b.start >= end - 5 * MIN && b.start < end);
        if (!inBucket.length) continue;
        const close = inBucket[inBucket.length - 1]!.close;
        if (close > high || close < low) {
          const next = minutes.find((b) => b.start >= end)!;
          expected = { side: close > high ? 'long' : 'short', entryTime: next.start, entryPrice: next.open };
        }
      }
      const trade = r.raw.trades.find((t) => new Date(t.entryTime).toISOString() >= new Date(open).toISOString() && t.entryTime < open + 390 * MIN);
      if (!expected) assert.equal(trade, undefined, day);
      else {
        assert.ok(trade, `${day}: a trade`);
        assert.deepEqual({ side: trade.side, entryTime: trade.entryTime, entryPrice: trade.entryPrice }, expected, day);
        assert.equal(trade.stop, expected.side === 'long' ? low : high, `${day}: stop at the opposite side`);
      }
    }
    assert.match(r.trades[0]!.entryTime, /^2013-10-07T\d\d:\d\d:00-04:00$/);
    assert.ok(r.stats.warnings.some((w) => /Too few trades/.test(w)));
  } finally {
    done();
  }
});

/** Bars after `t` replaced by a random walk (a different future). */
function perturbAfter(bars: readonly MinuteAggregate[], t: number, seed: number): MinuteAggregate[] {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return bars.map((b) => {
    if (b.start < t) return b;
    const f = 1 + (rnd() - 0.5) * 0.02;
    const open = Math.round(b.open * f * 100) / 100;
    const close = Math.round(b.close * (1 + (rnd() - 0.5) * 0.02) * 100) / 100;
    const high = Math.max(open, close) + Math.round(rnd() * 50) / 100;
    const low = Math.min(open, close) - Math.round(rnd() * 50) / 100;
    return { ...b, open, close, high, low, volume: Math.round(b.volume * (0.5 + rnd())) };
  });
}

for (const strategy of ['orb', 'timeblock'] as const) {
  test(`look-ahead (${strategy}, property): perturbing every bar from a decision's time on leaves that decision and all earlier ones unchanged`, () => {
    const base = runBacktest(new ArrayDaySource(rawSpy), orbReq({ strategy, recordDecisions: true }));
    const decisions = base.raw.decisions;
    assert.ok(decisions.length >= 3, `${strategy} decides something on SPY (${decisions.length})`);
    fc.assert(
      fc.property(fc.nat(decisions.length - 1), fc.integer(), (k, seed) => {
        const at = decisions[k]!.at;
        const again = runBacktest(new ArrayDaySource(perturbAfter(rawSpy, at, seed)), orbReq({ strategy, recordDecisions: true }));
        assert.deepEqual(again.raw.decisions.slice(0, k + 1), decisions.slice(0, k + 1));
      }),
      { numRuns: 30 },
    );
  });
}

// ── constructed sessions ──

/** A session of flat minutes at 100.00 with the given minutes overridden ('HH:MM' → o/h/l/c). */
function day(date: string, overrides: Record<string, [number, number, number, number]>, until = '16:00'): MinuteAggregate[] {
  const out: MinuteAggregate[] = [];
  for (let t = nyTimeToMs(date, '09:30'); t < nyTimeToMs(date, until); t += MIN) {
    const w = nyWallClock(t);
    const hhmm = `${String(w.hour).padStart(2, '0')}:${String(w.minute).padStart(2, '0')}`;
    const o = overrides[hhmm];
    out.push({ symbol: 'X', start: t, open: o?.[0] ?? 100, high: o?.[1] ?? 100.05, low: o?.[2] ?? 99.95, close: o?.[3] ?? 100, volume: 1000 });
  }
  return out;
}

/** Opening range 99.50–100.50, then a 5-minute bar (09:40–09:45) closing at 100.60: long at the 09:45 open 100.60, stop 99.50, R 1.10, target 102.80. */
const ORB_LONG: Record<string, [number, number, number, number]> = {
  '09:31': [100, 100.5, 99.5, 100],
  '09:44': [100.2, 100.65, 100.2, 100.6],
  '09:45': [100.6, 100.65, 100.55, 100.6],
};

function runX(bars: MinuteAggregate[], date: string, strategy = 'orb', params: Record<string, string | number | boolean> = {}) {
  return runBacktest(new ArrayDaySource(bars), { strategy, symbol: 'X', from: date, to: date, params: { flatMinutes: 5, ...params } });
}

test('ORB fill rules: entry at the next open; a minute touching both stop and target exits at the stop', () => {
  const r = runX(day('2013-10-07', { ...ORB_LONG, '10:30': [101, 103, 99.4, 101] }), '2013-10-07');
  assert.equal(r.raw.trades.length, 1);
  const t = r.raw.trades[0]!;
  assert.deepEqual([t.entryTime, t.entryPrice, t.stop, t.target], [nyTimeToMs('2013-10-07', '09:45'), 100.6, 99.5, 102.8]);
  assert.deepEqual([t.exitTime, t.exitPrice, t.reasonOut, t.r], [nyTimeToMs('2013-10-07', '10:30'), 99.5, 'stop', -1]);
  // 100 shares: −$110.00 gross, minus the sell's fees: SEC 100 × 99.50 = $9,950 × $27.80/M = $0.2766 → 28¢; TAF 100 × $0.000166 → 2¢.
  assert.equal(t.feesCents, 30);
  assert.equal(t.pnlCents, -11_000 - 30);
});

test('ORB fill rules: a minute opening beyond the stop fills at its open; beyond the target at its open', () => {
  const gapDown = runX(day('2013-10-07', { ...ORB_LONG, '11:00': [99.2, 99.3, 99.0, 99.1] }), '2013-10-07').raw.trades[0]!;
  assert.deepEqual([gapDown.exitPrice, gapDown.reasonOut], [99.2, 'stop']);
  const gapUp = runX(day('2013-10-07', { ...ORB_LONG, '11:00': [103.5, 103.6, 103.4, 103.5] }), '2013-10-07').raw.trades[0]!;
  assert.deepEqual([gapUp.exitPrice, gapUp.reasonOut], [103.5, 'target']);
  const touch = runX(day('2013-10-07', { ...ORB_LONG, '11:00': [101, 102.9, 100.9, 102] }), '2013-10-07').raw.trades[0]!;
  assert.deepEqual([touch.exitPrice, touch.reasonOut], [102.8, 'target']);
});

test('ORB short mirror: stop at the range high, target below, stop first', () => {
  const bars = day('2013-10-07', { '09:31': [100, 100.5, 99.5, 100], '09:44': [99.8, 99.8, 99.35, 99.4], '09:45': [99.4, 99.45, 99.35, 99.4], '12:00': [99, 100.6, 97, 98] });
  const t = runX(bars, '2013-10-07').raw.trades[0]!;
  assert.deepEqual([t.side, t.entryPrice, t.stop, t.target, t.exitPrice, t.reasonOut], ['short', 99.4, 100.5, 97.2, 100.5, 'stop']);
});

test('ORB early close (2013-11-29, 13:00): flat at the 12:55 open; a signal at 12:55 enters nothing', () => {
  const date = '2013-11-29';
  assert.equal(sessionOn(date)!.earlyClose, true);
  const flat = runX(day(date, { ...ORB_LONG, '12:55': [100.9, 101, 100.8, 100.9] }, '13:00'), date);
  const t = flat.raw.trades[0]!;
  assert.deepEqual([t.exitTime, t.exitPrice, t.reasonOut], [nyTimeToMs(date, '12:55'), 100.9, 'flat']);
  // A breakout only in the 12:50–12:55 bar (closes at the flat time): no entry.
  const late = runX(day(date, { '09:31': [100, 100.5, 99.5, 100], '12:54': [100.2, 100.7, 100.2, 100.6] }, '13:00'), date);
  assert.equal(late.raw.trades.length, 0);
  // The same bar an hour earlier does enter (so the previous assertion is about the time).
  const earlier = runX(day(date, { '09:31': [100, 100.5, 99.5, 100], '11:54': [100.2, 100.7, 100.2, 100.6] }, '13:00'), date);
  assert.equal(earlier.raw.trades[0]?.entryTime, nyTimeToMs(date, '11:55'));
});

test('ORB: a position still open when no minute trades after the flat time closes at the last close', () => {
  const bars = day('2013-10-07', { ...ORB_LONG }, '15:50');
  const t = runX(bars, '2013-10-07').raw.trades[0]!;
  assert.deepEqual([t.exitTime, t.exitPrice, t.reasonOut], [nyTimeToMs('2013-10-07', '15:50'), 100, 'session-end']);
});

// Time blocks of 30 minutes: the 09:30–10:00 block has high 101 and low 99 (the 09:40 minute).
const BLOCK = { '09:40': [100, 101, 99, 100] as [number, number, number, number] };

test('timeblock sweep and reverse: a bar trades above the previous block high, the next closes back inside: short toward the low, stop at the sweep high', () => {
  const bars = day('2013-10-07', { ...BLOCK, '10:05': [100.9, 101.5, 100.9, 101.2], '10:06': [101, 101, 100.7, 100.8], '10:07': [100.8, 100.8, 100.7, 100.75] });
  const r = runX(bars, '2013-10-07', 'timeblock', { retest: false, maxTradesPerDay: 1 });
  assert.deepEqual(r.levels[0] && [r.levels[0].high, r.levels[0].low, r.levels[0].from], [101, 99, '2013-10-07T10:00:00-04:00']);
  assert.deepEqual(r.setups[0], { time: '2013-10-07T10:07:00-04:00', name: 'sweep-high', side: 'short', level: 101 });
  const t = r.raw.trades[0]!;
  assert.deepEqual([t.side, t.entryTime, t.entryPrice, t.stop, t.target], ['short', nyTimeToMs('2013-10-07', '10:07'), 100.8, 101.5, 99]);
  // With a one-bar window the close back inside comes too late: no setup.
  const tight = runX(bars, '2013-10-07', 'timeblock', { retest: false, sweepBars: 1 });
  assert.equal(tight.setups.filter((s) => s.name === 'sweep-high').length, 0);
  // Switched off: nothing.
  assert.equal(runX(bars, '2013-10-07', 'timeblock', { retest: false, sweep: false }).raw.trades.length, 0);
});

test('timeblock break and retest: a close above the block high, a return to it within the tolerance, then a close away: long, stop at the retest low', () => {
  const bars = day('2013-10-07', {
    ...BLOCK,
    '10:05': [100.9, 101.35, 100.9, 101.3], // closes beyond 101
    '10:06': [101.3, 101.3, 101.02, 101.04], // back to the level (≤ 101 × 1.0005 = 101.0505)
    '10:07': [101.05, 101.45, 101.04, 101.4], // closes away
    '10:08': [101.4, 101.45, 101.35, 101.4],
  });
  const r = runX(bars, '2013-10-07', 'timeblock', { sweep: false, maxTradesPerDay: 1 });
  assert.deepEqual(r.setups[0], { time: '2013-10-07T10:08:00-04:00', name: 'break-retest-high', side: 'long', level: 101 });
  const t = r.raw.trades[0]!;
  assert.deepEqual([t.entryTime, t.entryPrice, t.stop, t.target], [nyTimeToMs('2013-10-07', '10:08'), 101.4, 101.02, 102.16]);
  // A retest that closes back through the level cancels the setup.
  const failedBars = day('2013-10-07', { ...BLOCK, '10:05': [100.9, 101.35, 100.9, 101.3], '10:06': [101.3, 101.3, 100.8, 100.9], '10:07': [101.05, 101.45, 101.04, 101.4] });
  const failed = runX(failedBars, '2013-10-07', 'timeblock', { sweep: false });
  assert.deepEqual(failed.setups.filter((s) => s.time === '2013-10-07T10:08:00-04:00'), []);
  assert.equal(runX(bars, '2013-10-07', 'timeblock', { sweep: false, retest: false }).raw.trades.length, 0);
});

test('timeblock: intraday blocks restart each session (no trade on the first block of a day from yesterday\'s levels)', () => {
  // Yesterday's last block (15:30–16:00) spans 99.95–100.05; this 09:31 bar would sweep its high and close back inside.
  const bars = [...day('2013-10-07', BLOCK), ...day('2013-10-08', { '09:31': [100, 100.3, 100, 100.02] })];
  const r = runBacktest(new ArrayDaySource(bars), { strategy: 'timeblock', symbol: 'X', from: '2013-10-07', to: '2013-10-08' });
  assert.deepEqual(r.setups.filter((s) => s.time.startsWith('2013-10-08') && s.time < '2013-10-08T10:00'), []);
  assert.deepEqual(r.levels.filter((l) => l.date === '2013-10-08')[0]?.from, '2013-10-08T10:00:00-04:00');
});

function runDays(bars: MinuteAggregate[], from: string, to: string, params: Record<string, string | number | boolean>) {
  return runBacktest(new ArrayDaySource(bars), { strategy: 'orb', symbol: 'X', from, to, params });
}

test('ORB skipDoji: an opening candle whose body is at most dojiBody × its range is not traded', () => {
  // Opening range 99.50–100.50 opening at 100.00 and closing (09:34) at 100.05: body 0.05 ≤ 0.1 × 1.00.
  const doji = day('2013-10-07', { ...ORB_LONG, '09:34': [100, 100.05, 99.95, 100.05] });
  assert.equal(runX(doji, '2013-10-07', 'orb', { skipDoji: true }).raw.trades.length, 0);
  assert.equal(runX(doji, '2013-10-07', 'orb', { skipDoji: false }).raw.trades.length, 1);
  // Body 0.30 > 0.10: traded even with the filter on.
  const body = day('2013-10-07', { ...ORB_LONG, '09:34': [100, 100.3, 99.95, 100.3] });
  assert.equal(runX(body, '2013-10-07', 'orb', { skipDoji: true }).raw.trades.length, 1);
});

test('ORB minRvol: the opening range\'s volume ÷ the mean of the previous rvolDays sessions\' gates the trade; no trade until that history exists', () => {
  const withVolume = (date: string, orVolume: number) => day(date, ORB_LONG).map((b) => (b.start < nyTimeToMs(date, '09:35') ? { ...b, volume: orVolume / 5 } : b));
  // Opening-range volumes 5 000, 5 000, then 10 000 on the third day: relative volume 2.
  const bars = [...withVolume('2013-10-07', 5_000), ...withVolume('2013-10-08', 5_000), ...withVolume('2013-10-09', 10_000)];
  const dates = (r: ReturnType<typeof runDays>) => r.trades.map((t) => t.entryTime.slice(0, 10));
  assert.deepEqual(dates(runDays(bars, '2013-10-07', '2013-10-09', { minRvol: 1.5, rvolDays: 2 })), ['2013-10-09']);
  assert.deepEqual(dates(runDays(bars, '2013-10-07', '2013-10-09', { minRvol: 2.5, rvolDays: 2 })), []);
  assert.deepEqual(dates(runDays(bars, '2013-10-07', '2013-10-09', { minRvol: 0 })), ['2013-10-07', '2013-10-08', '2013-10-09']);
});

test('ORB atrStop: the stop sits atrStop × the daily ATR from the entry (ATR of the previous sessions\' regular bars)', () => {
  // Day 1's regular bar spans 99.50–100.50: with atrDays 1 the ATR is its true range, 1.00.
  const bars = [...day('2013-10-07', { '09:31': [100, 100.5, 99.5, 100] }), ...day('2013-10-08', ORB_LONG)];
  const r = runDays(bars, '2013-10-07', '2013-10-08', { atrStop: 0.5, atrDays: 1 });
  assert.equal(r.raw.trades.length, 1, 'no trade on day 1: no ATR yet');
  const t = r.raw.trades[0]!;
  assert.deepEqual([t.entryPrice, t.stop, t.target], [100.6, 100.1, 101.6]);
});

test('ORB on GOOG 2015-12-24 (real early close, 13:00): levels from the first five minutes; nothing held or entered after 12:55', async () => {
  const raw = readAggregates(stockMinuteFile('2015-12-24'), 'GOOG');
  const r = runBacktest(new ArrayDaySource(raw), { strategy: 'orb', symbol: 'GOOG', from: '2015-12-24', to: '2015-12-24', params: { rangeMinutes: 5 } });
  const first5 = raw.filter((b) => b.start >= nyTimeToMs('2015-12-24', '09:30') && b.start < nyTimeToMs('2015-12-24', '09:35'));
  assert.deepEqual([r.levels[0]!.high, r.levels[0]!.low, r.levels[0]!.to], [Math.max(...first5.map((b) => b.high)), Math.min(...first5.map((b) => b.low)), '2015-12-24T13:00:00-05:00']);
  for (const t of r.raw.trades) {
    assert.ok(t.entryTime < nyTimeToMs('2015-12-24', '12:55'));
    assert.ok(t.exitTime <= nyTimeToMs('2015-12-24', '12:55'), `exit ${t.exitTime}`);
  }
  // A 30-minute range and a far target: the 11:55 breakout is held to the flat time, and leaves at the open of the 12:55 minute.
  const held = runBacktest(new ArrayDaySource(raw), { strategy: 'orb', symbol: 'GOOG', from: '2015-12-24', to: '2015-12-24', params: { rangeMinutes: 30, targetR: 100 } });
  const flat = held.raw.trades[0]!;
  const at = raw.find((b) => b.start >= nyTimeToMs('2015-12-24', '12:55'))!;
  assert.deepEqual([flat.reasonOut, flat.exitTime, flat.exitPrice], ['flat', at.start, at.open]);
  assert.equal(at.start, nyTimeToMs('2015-12-24', '12:55'));
});

test('ORB: a signal whose next traded minute starts at/after the flat time is not filled (reported among the unfilled entries); maxTradesPerDay allows a second entry after an exit', () => {
  const date = '2013-10-07';
  // Breakout in the 15:45–15:50 bar, then no minute trades until 15:56.
  const bars = day(date, { '09:31': [100, 100.5, 99.5, 100], '15:49': [100.2, 100.7, 100.2, 100.6] }).filter((b) => b.start < nyTimeToMs(date, '15:50') || b.start >= nyTimeToMs(date, '15:56'));
  const r = runX(bars, date);
  assert.equal(r.raw.trades.length, 0);
  assert.deepEqual(r.skippedEntries.map((s) => [s.at, s.reason]), [['2013-10-07T15:50:00-04:00', 'orb-long']]);
  // Two breakouts: stopped out at 10:30, a second long signal at 11:00.
  const twice = day(date, { ...ORB_LONG, '10:30': [100, 100, 99.4, 99.6], '10:59': [100.2, 100.8, 100.2, 100.7], '11:00': [100.7, 100.75, 100.65, 100.7] });
  assert.equal(runX(twice, date, 'orb', { maxTradesPerDay: 1 }).raw.trades.length, 1);
  const two = runX(twice, date, 'orb', { maxTradesPerDay: 2 }).raw.trades;
  assert.deepEqual(two.map((t) => [t.entryTime, t.reasonOut]), [[nyTimeToMs(date, '09:45'), 'stop'], [nyTimeToMs(date, '11:00'), 'flat']]);
});
