/**
 * The entry checklist: each of the eight points passes and fails on constructed inputs,
 * the grade scale, threshold validation, and the per-minute cache (same minute → same
 * result without recomputing; next minute → recomputed).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nyTimeToMs } from '../calendar/index.js';
import { InputError } from '../core/errors.js';
import { MemoryBarReader, type SymbolFields } from '../indicators/index.js';
import { readAggregates, stockDailyFile, stockMinuteFile } from '../../test/helpers/data.js';
import {
  ChecklistService, checklistThresholds, dailyTrend, deltaAndBreakeven, gradeOf, intradayMomentum, ivNotExtreme, optionLiquidity,
  relativeVolume, roomToLevel, timeRules, type ChecklistContract, type ChecklistInput,
} from './index.js';

const T = checklistThresholds();
const OPEN = nyTimeToMs('2015-12-24', '09:30');
const CLOSE = nyTimeToMs('2015-12-24', '13:00');

function fields(over: Partial<SymbolFields> = {}): SymbolFields {
  return {
    symbol: 'XYZ', at: nyTimeToMs('2015-12-24', '10:30'), date: '2015-12-24', mode: 'intraday',
    last: 100, open: 99, prevClose: 98, changePct: 2, gapPct: 1, volume: 1e6, relVolume: 2, premarketHigh: 99.5, premarketLow: 98,
    premarketVolume: 1e4, orHigh: 99.5, orLow: 98.5, orVolume: 2e5, orRelVolume: 1.2, orState: 'broke_up', atr14: 2, avgVolume14: 5e6,
    realizedVol20: 0.25, vwap: 99.2, vwapDistPct: 0.8, ema21: 97, ema50: 95, trend: 'up', priorHigh: 103, priorLow: 96,
    blockHigh: 101.5, blockLow: 98.8, nearestLevel: 101.5, nearestLevelDistPct: 1.5, close5m: 99.9, ...over,
  };
}
const CALL: ChecklistContract = { ticker: 'O:XYZ151224C00100000', right: 'call', strike: 100, expiration: '2015-12-24', dte: 0, bid: 1.0, ask: 1.05, mid: 1.025, iv: 0.3, delta: 0.5, openInterest: 500 };
const input = (f: Partial<SymbolFields> = {}, c: Partial<ChecklistContract> | { missing: string } = {}, direction: 'long' | 'short' = 'long'): ChecklistInput => ({
  fields: fields(f), direction, sessionOpen: OPEN, sessionClose: CLOSE, contract: 'missing' in c ? c : { ...CALL, ...c },
});

test('1 daily trend: last > EMA21 > EMA50 passes long; EMA21 below EMA50 fails; shorts need the mirror; missing EMAs fail', () => {
  assert.equal(dailyTrend(input()).pass, true);
  assert.equal(dailyTrend(input({ ema21: 94 })).pass, false);
  assert.equal(dailyTrend(input({ last: 96.5 })).pass, false);
  assert.equal(dailyTrend(input({ last: 94, ema21: 95, ema50: 97 }, {}, 'short')).pass, true);
  assert.equal(dailyTrend(input({}, {}, 'short')).pass, false);
  assert.equal(dailyTrend(input({ ema50: null })).pass, false);
});

test('2 intraday momentum: 5-minute close above OR high and VWAP passes long; inside the range or under VWAP fails; a forming range fails', () => {
  assert.equal(intradayMomentum(input()).pass, true);
  assert.equal(intradayMomentum(input({ close5m: 99.4 })).pass, false);
  assert.equal(intradayMomentum(input({ vwap: 100.1 })).pass, false);
  assert.equal(intradayMomentum(input({ orState: 'forming' })).pass, false);
  assert.equal(intradayMomentum(input({ close5m: 98.0, vwap: 98.6 }, {}, 'short')).pass, true);
});

test('3 relative volume: at the threshold passes, just under fails, unknown fails', () => {
  assert.equal(relativeVolume(input({ relVolume: 1.5 }), T).pass, true);
  assert.equal(relativeVolume(input({ relVolume: 1.49 }), T).pass, false);
  assert.equal(relativeVolume(input({ relVolume: null }), T).pass, false);
  assert.equal(relativeVolume(input({ relVolume: 1.49 }), checklistThresholds({ minRelVolume: 1 })).pass, true);
});

test('4 room to the next level: nearest of prior-day and block highs above, in ATRs; no level above is open room', () => {
  const p = roomToLevel(input(), T); // block high 101.5 is 0.75 ATR above 100
  assert.equal(p.pass, true);
  assert.equal(p.value, 0.75);
  assert.equal(roomToLevel(input({ blockHigh: 100.8 }), T).pass, false); // 0.4 ATR
  assert.equal(roomToLevel(input({ blockHigh: 99, priorHigh: 99 }), T).pass, true);
  assert.equal(roomToLevel(input({ blockLow: 99.5, priorLow: 96 }, {}, 'short'), T).pass, false); // 0.25 ATR below
  assert.equal(roomToLevel(input({ atr14: null }), T).pass, false);
});

test('5 option liquidity: spread ≤ 10% of mid and open interest ≥ 100; a wide spread, low OI, one-sided quote or no chain fails', () => {
  assert.equal(optionLiquidity(input(), T).pass, true);
  assert.equal(optionLiquidity(input({}, { bid: 0.9, ask: 1.1, mid: 1.0 }), T).pass, false); // 20%
  assert.equal(optionLiquidity(input({}, { bid: 0.95, ask: 1.05, mid: 1.0 }), T).pass, true); // exactly 10%
  assert.equal(optionLiquidity(input({}, { openInterest: 99 }), T).pass, false);
  assert.equal(optionLiquidity(input({}, { bid: null, mid: null }), T).pass, false);
  const none = optionLiquidity(input({}, { missing: 'no option quotes' }), T);
  assert.equal(none.pass, false);
  assert.equal(none.reason, 'no option quotes');
});

test('6 IV not extreme: IV ÷ realised volatility within 0.5–1.5 passes; outside or unknown fails', () => {
  assert.equal(ivNotExtreme(input({}, { iv: 0.3 }), T).pass, true);
  assert.equal(ivNotExtreme(input({}, { iv: 0.4 }), T).pass, false); // 1.6×
  assert.equal(ivNotExtreme(input({}, { iv: 0.12 }), T).pass, false); // 0.48×
  assert.equal(ivNotExtreme(input({ realizedVol20: null }), T).pass, false);
});

test('7 delta in band and break-even within an ATR: both must hold', () => {
  assert.equal(deltaAndBreakeven(input(), T).pass, true);
  assert.equal(deltaAndBreakeven(input({}, { delta: 0.25 }), T).pass, false);
  assert.equal(deltaAndBreakeven(input({}, { delta: 0.65 }), T).pass, false);
  assert.equal(deltaAndBreakeven(input({}, { strike: 101.5, mid: 0.6 }), T).pass, false); // break-even 102.1 = 1.05 ATR
  assert.equal(deltaAndBreakeven(input({}, { strike: 101, mid: 0.9 }), T).pass, true); // 101.9 = 0.95 ATR
  const put = { ticker: 'O:XYZ151224P00100000', right: 'put' as const, delta: -0.45, strike: 100, mid: 1.0 };
  assert.equal(deltaAndBreakeven(input({}, put, 'short'), T).pass, true);
});

test('8 time rules: not before the opening range sets, not 0-DTE in the last hour (13:00 early close), not after the close', () => {
  const at = (hhmm: string) => ({ at: nyTimeToMs('2015-12-24', hhmm) });
  assert.equal(timeRules(input(at('09:34')), T).pass, false);
  assert.equal(timeRules(input(at('09:35')), T).pass, true);
  assert.equal(timeRules(input(at('11:59')), T).pass, true);
  assert.equal(timeRules(input(at('12:00')), T).pass, false); // 0-DTE, last hour before 13:00
  assert.equal(timeRules(input(at('12:00'), { dte: 7 }), T).pass, true);
  assert.equal(timeRules(input(at('13:00'), { dte: 7 }), T).pass, false);
});

test('grades: 8 → A+, 7 → A, 6 → B, 5 → C, 4 → D, ≤ 3 → F; thresholds are validated by name', () => {
  assert.deepEqual([8, 7, 6, 5, 4, 3, 0].map(gradeOf), ['A+', 'A', 'B', 'C', 'D', 'F', 'F']);
  assert.throws(() => checklistThresholds({ minRelVolume: -1 }), (e: unknown) => e instanceof InputError && e.field === 'thresholds.minRelVolume');
  assert.throws(() => checklistThresholds({ deltaLo: 0.7 }), (e: unknown) => e instanceof InputError && e.field === 'thresholds.deltaHi');
  assert.throws(() => checklistThresholds({ nope: 1 }), (e: unknown) => e instanceof InputError && e.field === 'thresholds.nope');
});

test('the service grades AIG on 2013-10-10 from the recorded bars and caches per clock minute', async () => {
  const dates = ['2013-10-04', '2013-10-07', '2013-10-08', '2013-10-09', '2013-10-10'];
  const base = new MemoryBarReader(dates.flatMap((d) => readAggregates(stockMinuteFile(d), 'AIG')), readAggregates(stockDailyFile('AIG')));
  let reads = 0;
  const reader = { ...base, minuteBars: (s: string, f: number, t: number) => (reads++, base.minuteBars(s, f, t)), dailyBars: base.dailyBars.bind(base), symbols: base.symbols.bind(base) };
  const service = new ChecklistService({ reader });
  const a = await service.grade('AIG', 'long', nyTimeToMs('2013-10-10', '11:00') + 5_000);
  const readsAfterFirst = reads;
  const b = await service.grade('AIG', 'long', nyTimeToMs('2013-10-10', '11:00') + 55_000);
  assert.deepEqual(b, a);
  assert.equal(reads, readsAfterFirst, 'same minute: served from the cache');
  assert.equal(a.at, '2013-10-10T11:00:00-04:00');
  assert.equal(a.points.length, 8);
  assert.equal(a.score, a.points.filter((p) => p.pass).length);
  assert.equal(a.grade, gradeOf(a.score));
  // Without an option source the three option points fail with a sentence.
  assert.deepEqual(a.points.filter((p) => p.name.startsWith('option') || p.name.startsWith('iv') || p.name.startsWith('delta')).map((p) => p.pass), [false, false, false]);
  await service.grade('AIG', 'long', nyTimeToMs('2013-10-10', '11:01'));
  assert.ok(reads > readsAfterFirst, 'the next minute is computed again');
  // A fresh service at the same minute agrees (the grade depends on the minute, not on the caller).
  assert.deepEqual(await new ChecklistService({ reader: base }).grade('AIG', 'long', nyTimeToMs('2013-10-10', '11:00') + 30_000), a);
  await assert.rejects(service.grade('AIG', 'up' as 'long', 0), (e: unknown) => e instanceof InputError && e.field === 'direction');
});
