/**
 * Indicators against independent hand computations on the real recorded data
 * (test/helpers/data.ts parses the raw flat files on its own), plus the streaming
 * contract: a revision of the forming bar replaces it, going back in time is refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readAggregates, stockDailyFile, stockMinuteFile } from '../../test/helpers/data.js';
import { nyTimeToMs } from '../calendar/index.js';
import { Atr, Ema, OpeningRange, PremarketRange, PriorDayLevels, Rsi, SessionVwap, TimeBlockLevels, batch, lastValue, type IndicatorBar, type StreamingIndicator } from './index.js';
import { InputError } from '../core/errors.js';

const close = (a: number, b: number, tol = 1e-9) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

function handEma(closes: number[], n: number): number[] {
  const k = 2 / (n + 1);
  const out: number[] = [];
  let e = closes[0]!;
  for (const c of closes) out.push((e = c * k + e * (1 - k)));
  return out;
}

function handAtr(bars: IndicatorBar[], n: number): number[] {
  const tr = bars.map((b, i) => (i === 0 ? b.high - b.low : Math.max(b.high - b.low, Math.abs(b.high - bars[i - 1]!.close), Math.abs(b.low - bars[i - 1]!.close))));
  const out: number[] = [];
  let atr = 0;
  for (let i = 0; i < tr.length; i++) {
    if (i < n - 1) out.push(NaN);
    else if (i === n - 1) out.push((atr = tr.slice(0, n).reduce((a, x) => a + x, 0) / n));
    else out.push((atr = atr + (tr[i]! - atr) / n));
  }
  return out;
}

const spyDaily = readAggregates(stockDailyFile('SPY'));

test('EMA 21 of SPY vendor daily closes equals the textbook recursion seeded with the first close; null until 21 bars', () => {
  const got = batch(() => new Ema(21), spyDaily);
  const want = handEma(spyDaily.map((b) => b.close), 21);
  assert.equal(got[19], null);
  for (let i = 20; i < got.length; i++) assert.ok(close(got[i]!, want[i]!), `bar ${i}: ${got[i]} vs ${want[i]}`);
});

test('ATR 14 of SPY daily equals Wilder\'s (first value the mean of 14 true ranges, then (prev·13 + TR)/14)', () => {
  const got = batch(() => new Atr(14), spyDaily);
  const want = handAtr(spyDaily, 14);
  assert.equal(got[12], null);
  for (let i = 13; i < got.length; i++) assert.ok(close(got[i]!, want[i]!, 1e-8), `bar ${i}: ${got[i]} vs ${want[i]}`);
});

test('RSI stays in 0–100, is 100 on a straight rally and 0 on a straight fall', () => {
  const up = Array.from({ length: 30 }, (_, i) => ({ start: i, open: 10 + i, high: 10 + i, low: 10 + i, close: 10 + i, volume: 1 }));
  const down = up.map((b, i) => ({ ...b, close: 100 - i }));
  assert.equal(lastValue(() => new Rsi(14), up), 100);
  assert.equal(lastValue(() => new Rsi(14), down), 0);
  for (const v of batch(() => new Rsi(14), spyDaily)) if (v !== null) assert.ok(v >= 0 && v <= 100);
});

test('session VWAP of GOOG 2015-12-24 (early close) is Σ(hlc3·v)/Σv over 09:30–12:59; null pre-market and after 13:00', () => {
  const minutes = readAggregates(stockMinuteFile('2015-12-24'), 'GOOG');
  const open = nyTimeToMs('2015-12-24', '09:30');
  const earlyClose = nyTimeToMs('2015-12-24', '13:00');
  const vwap = new SessionVwap();
  let pv = 0;
  let v = 0;
  let checked = 0;
  for (const m of minutes) {
    const got = vwap.update(m);
    if (m.start < open || m.start >= earlyClose) {
      assert.equal(got, null, `minute ${m.start}`);
      continue;
    }
    pv += ((m.high + m.low + m.close) / 3) * m.volume;
    v += m.volume;
    assert.ok(close(got!, pv / v), `${got} vs ${pv / v}`);
    checked++;
  }
  assert.ok(checked > 100);
});

test('prior day levels on GOOG 2015-12-28 are 2015-12-24\'s regular minutes (close = the 12:59 bar, after-hours ignored)', () => {
  const d24 = readAggregates(stockMinuteFile('2015-12-24'), 'GOOG');
  const d28 = readAggregates(stockMinuteFile('2015-12-28'), 'GOOG');
  const reg = d24.filter((m) => m.start >= nyTimeToMs('2015-12-24', '09:30') && m.start < nyTimeToMs('2015-12-24', '13:00'));
  const ind = new PriorDayLevels();
  for (const m of d24) assert.equal(ind.update(m), null, 'no prior day known on the first session');
  const got = ind.update(d28[0]!);
  assert.deepEqual(got, { date: '2015-12-24', high: Math.max(...reg.map((m) => m.high)), low: Math.min(...reg.map((m) => m.low)), close: reg[reg.length - 1]!.close });
});

test('pre-market range and 5-minute opening range of SPY 2013-10-10 match the raw minutes; breakout is the first close outside', () => {
  const day = readAggregates(stockMinuteFile('2013-10-10'), 'SPY');
  const open = nyTimeToMs('2013-10-10', '09:30');
  const pre = day.filter((m) => m.start < open && m.start >= nyTimeToMs('2013-10-10', '04:00'));
  const orBars = day.filter((m) => m.start >= open && m.start < open + 5 * 60_000);
  const pr = new PremarketRange();
  const or = new OpeningRange(5);
  let firstOutside: { dir: 'up' | 'down'; at: number } | null = null;
  const orHigh = Math.max(...orBars.map((m) => m.high));
  const orLow = Math.min(...orBars.map((m) => m.low));
  for (const m of day) {
    pr.update(m);
    or.update(m);
    if (!firstOutside && m.start >= open + 5 * 60_000 && m.start < nyTimeToMs('2013-10-10', '16:00')) {
      if (m.close > orHigh) firstOutside = { dir: 'up', at: m.start };
      else if (m.close < orLow) firstOutside = { dir: 'down', at: m.start };
    }
  }
  assert.deepEqual(pr.value(), { date: '2013-10-10', high: Math.max(...pre.map((m) => m.high)), low: Math.min(...pre.map((m) => m.low)), volume: pre.reduce((a, m) => a + m.volume, 0) });
  const state = or.value()!;
  assert.equal(state.high, orHigh);
  assert.equal(state.low, orLow);
  assert.equal(state.volume, orBars.reduce((a, m) => a + m.volume, 0));
  assert.equal(state.set, true);
  assert.ok(firstOutside, 'SPY broke its opening range that day');
  assert.equal(state.breakout, firstOutside.dir);
  assert.equal(state.breakoutAt, firstOutside.at);
});

test('time-block levels: the previous 60-minute block\'s high/low, blocks aligned to 09:30', () => {
  const day = readAggregates(stockMinuteFile('2013-10-10'), 'SPY');
  const b = new TimeBlockLevels(60);
  const at1045 = nyTimeToMs('2013-10-10', '10:45');
  for (const m of day) if (m.start <= at1045) b.update(m);
  const block = day.filter((m) => m.start >= nyTimeToMs('2013-10-10', '09:30') && m.start < nyTimeToMs('2013-10-10', '10:30'));
  assert.deepEqual(b.value(), { blockStart: nyTimeToMs('2013-10-10', '09:30'), high: Math.max(...block.map((m) => m.high)), low: Math.min(...block.map((m) => m.low)) });
});

test('a revision of the forming bar replaces it: any sequence of revisions ends where feeding just the final bars ends', () => {
  const base = readAggregates(stockMinuteFile('2013-10-10'), 'AIG').slice(0, 400);
  const makers: Array<() => StreamingIndicator<unknown>> = [() => new Ema(21), () => new Atr(14), () => new Rsi(14), () => new SessionVwap(), () => new PriorDayLevels(), () => new PremarketRange(), () => new OpeningRange(5), () => new TimeBlockLevels(30)];
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(399), fc.double({ min: 0.9, max: 1.1, noNaN: true }), fc.nat(5000)), { maxLength: 40 }), (edits) => {
      const revisedAt = new Map<number, Array<[number, number]>>();
      for (const [i, f, v] of edits) {
        const list = revisedAt.get(i) ?? [];
        list.push([f, v]);
        revisedAt.set(i, list);
      }
      for (const make of makers) {
        const streamed = make();
        for (const [i, bar] of base.entries()) {
          for (const [f, v] of revisedAt.get(i) ?? []) streamed.update({ ...bar, high: bar.high * f, low: bar.low / f, close: bar.close * f, volume: v });
          streamed.update(bar);
        }
        assert.deepEqual(streamed.value(), lastValue(make, base));
      }
    }),
    { numRuns: 25 },
  );
});

test('a bar older than the last one is an InputError naming bar.start', () => {
  const e = new Ema(3);
  e.update({ start: 2, open: 1, high: 1, low: 1, close: 1, volume: 1 });
  assert.throws(() => e.update({ start: 1, open: 1, high: 1, low: 1, close: 1, volume: 1 }), (err: unknown) => err instanceof InputError && err.field === 'bar.start');
  assert.throws(() => new Atr(0), InputError);
});
