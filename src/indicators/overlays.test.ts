/**
 * Chart overlays are the same on every timeframe: the chart bars come from the real bar
 * engine over GOOG's recorded minutes (2015-12-23/24, an early close), and VWAP at a bar's
 * end, the prior-day, pre-market and opening-range levels agree across 1m, 5m, 15m, 1h;
 * VWAP equals the raw files' Σ(hlc3·v)/Σv at that instant.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BarEngine } from '../bars/index.js';
import { nyTimeToMs, sessionOn } from '../calendar/index.js';
import type { IntradayTimeframe } from '../core/types.js';
import { readAggregates, stockDailyFile, stockMinuteFile } from '../../test/helpers/data.js';
import { computeOverlays } from './overlays.js';

const minutes = ['2015-12-23', '2015-12-24'].flatMap((d) => readAggregates(stockMinuteFile(d), 'GOOG'));
const daily = readAggregates(stockDailyFile('GOOG')).filter((d) => d.start < sessionOn('2015-12-24')!.midnight);
const engine = new BarEngine({ clock: nyTimeToMs('2015-12-28', '00:00') });
for (const m of minutes) engine.applyMinute(m, 'history');

const TFS: Array<[IntradayTimeframe, number]> = [['1m', 1], ['5m', 5], ['15m', 15], ['1h', 60]];
const overlays = new Map(TFS.map(([tf, n]) => [tf, computeOverlays({ tfMinutes: n, bars: engine.series('GOOG', tf, false), minutes, daily })]));

test('session levels are identical on 1m, 5m, 15m and 1h, and match the raw files', () => {
  const ref = overlays.get('1m')!.sessions.map(({ from: _f, to: _t, ...levels }) => levels);
  for (const [tf] of TFS) assert.deepEqual(overlays.get(tf)!.sessions.map(({ from: _f, to: _t, ...levels }) => levels), ref, tf);
  const d24 = ref.find((s) => s.date === '2015-12-24')!;
  const prev = daily.at(-1)!;
  assert.deepEqual([d24.priorHigh, d24.priorLow, d24.priorClose], [prev.high, prev.low, prev.close]);
  const open = nyTimeToMs('2015-12-24', '09:30');
  const orBars = minutes.filter((m) => m.start >= open && m.start < open + 5 * 60_000);
  assert.deepEqual([d24.orHigh, d24.orLow], [Math.max(...orBars.map((m) => m.high)), Math.min(...orBars.map((m) => m.low))]);
  const pre = minutes.filter((m) => m.start >= nyTimeToMs('2015-12-24', '04:00') && m.start < open);
  assert.deepEqual([d24.premarketHigh, d24.premarketLow], [Math.max(...pre.map((m) => m.high)), Math.min(...pre.map((m) => m.low))]);
});

test('VWAP at the end of each bar is the same instant\'s 1-minute VWAP on every timeframe, and equals the raw Σ(hlc3·v)/Σv', () => {
  const oneMinute = new Map(overlays.get('1m')!.vwap.map((p) => [p.time, p.value]));
  let compared = 0;
  for (const [tf, n] of TFS.slice(1)) {
    const bars = engine.series('GOOG', tf, false);
    for (const p of overlays.get(tf)!.vwap) {
      const bar = bars.find((b) => b.start === p.time)!;
      const session = sessionOn(new Date(bar.start - 5 * 3_600_000).toISOString().slice(0, 10))!;
      const end = Math.min(bar.start + n * 60_000, session.close);
      // The 1m VWAP of the bar's last traded minute.
      const lastMinute = minutes.filter((m) => m.start >= bar.start && m.start < end).at(-1)!;
      assert.equal(p.value, oneMinute.get(lastMinute.start), `${tf} bar ${bar.start}`);
      const upTo = minutes.filter((m) => m.start >= session.open && m.start <= lastMinute.start);
      const v = upTo.reduce((a, m) => a + m.volume, 0);
      assert.ok(Math.abs(p.value - upTo.reduce((a, m) => a + ((m.high + m.low + m.close) / 3) * m.volume, 0) / v) < 1e-9);
      compared++;
    }
  }
  assert.ok(compared > 50);
  // The 1h chart of the early close has 4 bars on 12-24 (09:30, 10:30, 11:30, 12:30–13:00), each with a VWAP.
  const h = overlays.get('1h')!.vwap.filter((p) => p.time >= nyTimeToMs('2015-12-24', '09:30'));
  assert.deepEqual(h.map((p) => p.time), ['09:30', '10:30', '11:30', '12:30'].map((t) => nyTimeToMs('2015-12-24', t)));
});

test('EMA 21/50 run over the chart\'s own bars; a daily chart gets EMAs but no intraday levels', () => {
  const fiveMin = engine.series('GOOG', '5m', false);
  const ema = overlays.get('5m')!.ema21;
  assert.equal(ema.length, fiveMin.length - 20);
  const d = computeOverlays({ tfMinutes: null, bars: daily.slice(-100), minutes, daily });
  assert.equal(d.ema50.length, 51);
  assert.deepEqual([d.vwap, d.sessions], [[], []]);
});
