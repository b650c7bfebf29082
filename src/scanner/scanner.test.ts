/**
 * Every scanner field on the recorded sessions equals an independent computation from the
 * raw flat files (test/helpers/data.ts parses them on its own): gap, change, relative volume
 * (also of the opening range), ATR(14), EMA 21/50, VWAP, pre-market, prior day. Plus: the
 * incremental refresh equals a rebuild from scratch at every minute, filters and presets,
 * and request validation naming the bad field.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readAggregates, stockDailyFile, stockMinuteFile, SPY_OCT_2013 } from '../../test/helpers/data.js';
import { nyTimeToMs, sessionOn } from '../calendar/index.js';
import { InputError } from '../core/errors.js';
import type { MinuteAggregate } from '../core/types.js';
import { MemoryBarReader, SymbolState } from '../indicators/index.js';
import { PRESETS, Scanner, applySpec, parseGroup, parseSort, presetNamed, resolveUniverse, toWireScanRow, type ScanRow } from './index.js';

const SYMBOLS = ['SPY', 'AIG', 'BAC'];
const minutes = SPY_OCT_2013.flatMap((d) => readAggregates(stockMinuteFile(d)));
const daily = SYMBOLS.flatMap((s) => readAggregates(stockDailyFile(s)));
const reader = new MemoryBarReader(minutes, daily);

const near = (a: number | null, b: number, what: string, tol = 1e-9) => {
  assert.ok(a !== null && Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
};

/** Independent helpers over raw rows. */
function regular(date: string, sym: string): MinuteAggregate[] {
  const s = sessionOn(date)!;
  return minutes.filter((m) => m.symbol === sym && m.start >= s.open && m.start < s.close).sort((a, b) => a.start - b.start);
}
function dailyBefore(sym: string, date: string) {
  const midnight = sessionOn(date)!.midnight;
  return daily.filter((d) => d.symbol === sym && d.start < midnight).sort((a, b) => a.start - b.start);
}
function handEmaLast(closes: number[], n: number): number {
  const k = 2 / (n + 1);
  let e = closes[0]!;
  for (const c of closes) e = c * k + e * (1 - k);
  return e;
}
function handAtrLast(bars: { high: number; low: number; close: number }[], n: number): number {
  let atr = 0;
  bars.forEach((b, i) => {
    const tr = i === 0 ? b.high - b.low : Math.max(b.high - b.low, Math.abs(b.high - bars[i - 1]!.close), Math.abs(b.low - bars[i - 1]!.close));
    if (i < n) atr += tr / n;
    else atr = atr + (tr - atr) / n;
  });
  return atr;
}

for (const [sym, hhmm] of [['SPY', '10:30'], ['AIG', '11:47'], ['BAC', '15:10'], ['SPY', '09:36']] as const) {
  test(`${sym} on 2013-10-10 at ${hhmm}: every field equals the raw files' own computation`, () => {
    const date = '2013-10-10';
    const at = nyTimeToMs(date, hhmm);
    const s = sessionOn(date)!;
    const f = SymbolState.fromReader(reader, sym, at).fields(at);
    const today = regular(date, sym).filter((m) => m.start + 60_000 <= at);
    const all = minutes.filter((m) => m.symbol === sym && m.start >= s.preOpen && m.start + 60_000 <= at);
    const prevDaily = dailyBefore(sym, date);
    const prev = prevDaily.at(-1)!;
    assert.equal(prev.start, sessionOn('2013-10-09')!.midnight);
    // last, prior close, gap, change
    assert.equal(f.last, all.at(-1)!.close);
    assert.equal(f.prevClose, prev.close);
    assert.equal(f.open, today[0]!.open);
    near(f.gapPct, ((today[0]!.open - prev.close) / prev.close) * 100, 'gap');
    near(f.changePct, ((all.at(-1)!.close - prev.close) / prev.close) * 100, 'change');
    // relative volume: today's regular volume so far ÷ mean of the same minutes in the 4 earlier recorded sessions
    const k = Math.floor((at - s.open) / 60_000);
    const vol = today.reduce((a, m) => a + m.volume, 0);
    const earlier = ['2013-10-04', '2013-10-07', '2013-10-08', '2013-10-09'].map((d) => {
      const o = sessionOn(d)!.open;
      return regular(d, sym).filter((m) => m.start < o + k * 60_000).reduce((a, m) => a + m.volume, 0);
    });
    assert.equal(f.volume, vol);
    near(f.relVolume, vol / (earlier.reduce((a, x) => a + x, 0) / earlier.length), 'relative volume');
    // opening range and its relative volume (first 5 minutes)
    const orOf = (d: string) => regular(d, sym).filter((m) => m.start < sessionOn(d)!.open + 5 * 60_000);
    const orToday = orOf(date);
    assert.equal(f.orHigh, Math.max(...orToday.map((m) => m.high)));
    assert.equal(f.orLow, Math.min(...orToday.map((m) => m.low)));
    const orEarlier = ['2013-10-04', '2013-10-07', '2013-10-08', '2013-10-09'].map((d) => orOf(d).reduce((a, m) => a + m.volume, 0));
    near(f.orRelVolume, orToday.reduce((a, m) => a + m.volume, 0) / (orEarlier.reduce((a, x) => a + x, 0) / 4), 'OR relative volume');
    // VWAP from the regular minutes so far
    const pv = today.reduce((a, m) => a + ((m.high + m.low + m.close) / 3) * m.volume, 0);
    near(f.vwap, pv / vol, 'vwap');
    near(f.vwapDistPct, ((f.last! - pv / vol) / (pv / vol)) * 100, 'vwap distance');
    // ATR(14) and EMA 21/50 over the 260 vendor daily bars before today, EMAs with today's last as the forming close
    const window = prevDaily.slice(-260);
    near(f.atr14, handAtrLast(window, 14), 'ATR 14', 1e-9);
    const closes = [...window.map((d) => d.close), f.last!];
    near(f.ema21, handEmaLast(closes, 21), 'EMA 21');
    near(f.ema50, handEmaLast(closes, 50), 'EMA 50');
    near(f.avgVolume14, prevDaily.slice(-14).reduce((a, d) => a + d.volume, 0) / 14, 'avg volume 14');
    // pre-market and prior day
    const pre = minutes.filter((m) => m.symbol === sym && m.start >= s.preOpen && m.start < s.open);
    assert.equal(f.premarketHigh, Math.max(...pre.map((m) => m.high)));
    assert.equal(f.premarketVolume, pre.reduce((a, m) => a + m.volume, 0));
    assert.deepEqual([f.priorHigh, f.priorLow], [prev.high, prev.low]);
  });
}

test('GOOG 2015-12-24 (early close) at 12:30: gap vs the 12-23 vendor close, VWAP over 09:30–12:29, ATR from the daily file', () => {
  const goog = new MemoryBarReader(['2015-12-23', '2015-12-24'].flatMap((d) => readAggregates(stockMinuteFile(d), 'GOOG')), readAggregates(stockDailyFile('GOOG')));
  const at = nyTimeToMs('2015-12-24', '12:30');
  const f = SymbolState.fromReader(goog, 'GOOG', at).fields(at);
  const day = readAggregates(stockMinuteFile('2015-12-24'), 'GOOG').filter((m) => m.start >= nyTimeToMs('2015-12-24', '09:30') && m.start + 60_000 <= at);
  const prev = readAggregates(stockDailyFile('GOOG')).find((d) => d.start === sessionOn('2015-12-23')!.midnight)!;
  near(f.gapPct, ((day[0]!.open - prev.close) / prev.close) * 100, 'gap');
  const v = day.reduce((a, m) => a + m.volume, 0);
  near(f.vwap, day.reduce((a, m) => a + ((m.high + m.low + m.close) / 3) * m.volume, 0) / v, 'vwap');
  near(f.atr14, handAtrLast(readAggregates(stockDailyFile('GOOG')).filter((d) => d.start < sessionOn('2015-12-24')!.midnight).slice(-260), 14), 'ATR');
});

test('daily-only symbols (vendor history to 2021-03-31): AAPL at the 2021-03-31 close uses that day\'s bar against 03-30', () => {
  const aapl = readAggregates(stockDailyFile('AAPL'));
  const r = new MemoryBarReader([], aapl);
  const at = sessionOn('2021-03-31')!.close;
  const f = SymbolState.fromReader(r, 'AAPL', at).fields(at);
  const [prev, today] = aapl.slice(-2);
  assert.equal(f.mode, 'daily');
  assert.equal(f.date, '2021-03-31');
  near(f.gapPct, ((today!.open - prev!.close) / prev!.close) * 100, 'gap');
  near(f.relVolume, today!.volume / (aapl.slice(-11, -1).reduce((a, d) => a + d.volume, 0) / 10), 'daily relative volume');
  near(f.atr14, handAtrLast(aapl.slice(0, -1).slice(-260), 14), 'ATR');
  // Mid-session on 03-31 the day is not final: the scanner leaves the symbol out rather than show yesterday.
  const scanner = new Scanner({ reader: r });
  return scanner.refresh(['AAPL'], nyTimeToMs('2021-03-31', '11:00')).then((res) => assert.equal(res.rows.length, 0));
});

test('incremental refresh minute by minute equals a rebuild from scratch at every minute', async () => {
  const scanner = new Scanner({ reader });
  const start = nyTimeToMs('2013-10-10', '09:20');
  for (let t = start; t <= nyTimeToMs('2013-10-10', '11:00'); t += 60_000) {
    const inc = (await scanner.refresh(SYMBOLS, t)).rows;
    for (const row of inc) {
      const fresh = SymbolState.fromReader(reader, row.symbol, t).fields(t);
      assert.deepEqual(toWireScanRow({ ...row }), toWireScanRow({ ...fresh, options: null }), `${row.symbol} at ${t}`);
    }
  }
  assert.ok(scanner.counters.minutesFed > 0, 'minutes were fed incrementally');
  assert.ok(scanner.counters.rebuilds < 3 * 101, 'not every refresh rebuilt');
});

test('filters: all/any groups, null never matches, sort puts missing values last, limit cuts', () => {
  const rows = [
    { symbol: 'A', gapPct: 3, relVolume: 2, orState: 'broke_up' },
    { symbol: 'B', gapPct: -4, relVolume: null, orState: 'inside' },
    { symbol: 'C', gapPct: 0.5, relVolume: 5, orState: 'broke_down' },
  ].map((r) => ({ ...r, last: 10, options: null }) as unknown as ScanRow);
  const spec = (filter: unknown, sort = { field: 'rel_volume', dir: 'desc' }, limit = 10) => ({ filter: parseGroup(filter), sort: parseSort(sort), limit });
  assert.deepEqual(applySpec(rows, spec({ any: [{ field: 'gap_pct', op: '>=', value: 2 }, { field: 'gap_pct', op: '<=', value: -2 }] })).map((r) => r.symbol), ['A', 'B']);
  assert.deepEqual(applySpec(rows, spec({ all: [{ field: 'rel_volume', op: '>', value: 0 }] })).map((r) => r.symbol), ['C', 'A']);
  assert.deepEqual(applySpec(rows, spec({ all: [] }, { field: 'rel_volume', dir: 'asc' })).map((r) => r.symbol), ['A', 'C', 'B']);
  assert.deepEqual(applySpec(rows, spec({ all: [{ field: 'or_state', op: 'in', value: ['broke_up', 'broke_down'] }, { any: [{ field: 'gap_pct', op: 'between', value: [0, 1] }] }] })).map((r) => r.symbol), ['C']);
  assert.deepEqual(applySpec(rows, spec({ all: [] }, undefined, 1)).map((r) => r.symbol), ['C']);
});

test('bad requests name the exact field: unknown field, operator, value, group shape, sort', () => {
  const field = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      assert.ok(e instanceof InputError, String(e));
      return `${e.field}: ${e.reason}`;
    }
    assert.fail('expected an InputError');
  };
  assert.match(field(() => parseGroup({ all: [{ field: 'gapp', op: '>', value: 1 }] })), /^filter\.all\.0\.field: unknown field "gapp"/);
  assert.match(field(() => parseGroup({ all: [{ field: 'gap_pct', op: '>', value: 1 }, { field: 'trend', op: '>', value: 'up' }] })), /^filter\.all\.1\.op: ">" is not an operator for string field trend/);
  assert.match(field(() => parseGroup({ any: [{ field: 'gap_pct', op: '>', value: '2' }] })), /^filter\.any\.0\.value: must be a number/);
  assert.match(field(() => parseGroup({ all: [{ any: [{ field: 'or_state', op: '==', value: 'sideways' }] }] })), /^filter\.all\.0\.any\.0\.value: must be one of none, forming/);
  assert.match(field(() => parseGroup({ every: [] })), /^filter: must have exactly one key/);
  assert.match(field(() => parseGroup({ all: [{ field: 'gap_pct', op: 'between', value: [3, 1] }] })), /^filter\.all\.0\.value: between needs/);
  assert.match(field(() => parseSort({ field: 'nope' })), /^sort\.field: unknown field "nope"/);
  assert.match(field(() => presetNamed('gapers')), /^preset: unknown preset "gapers"/);
  assert.match(field(() => resolveUniverse('small-caps', { all: () => [] })), /^universe: the small-caps list is empty/);
  assert.match(field(() => resolveUniverse('SPY,$$', { all: () => [] })), /^universe: "\$\$" is neither a universe/);
});

test('every preset is a valid request and finds the 2013-10-10 movers at 10:30', async () => {
  const scanner = new Scanner({ reader });
  const at = nyTimeToMs('2013-10-10', '10:30');
  for (const p of PRESETS) assert.deepEqual(parseGroup(JSON.parse(JSON.stringify(p.filter))), p.filter);
  const gappers = await scanner.scan(SYMBOLS, at, presetNamed('gappers'));
  // Independent: the gap of each symbol from the raw files, ≥ 1% either way, sorted by size.
  const want = SYMBOLS.map((sym) => {
    const open = regular('2013-10-10', sym)[0]!.open;
    const prev = dailyBefore(sym, '2013-10-10').at(-1)!.close;
    return { sym, gap: Math.abs((open - prev) / prev) * 100 };
  }).filter((x) => x.gap >= 1).sort((a, b) => b.gap - a.gap).map((x) => x.sym);
  assert.ok(want.length > 0);
  assert.deepEqual(gappers.rows.map((r) => r.symbol), want);
});

test('property: a scan never returns a row that fails its filter, never more than the limit, always sorted', async () => {
  const scanner = new Scanner({ reader });
  const at = nyTimeToMs('2013-10-10', '12:00');
  const { rows } = await scanner.refresh(SYMBOLS, at);
  fc.assert(fc.property(fc.double({ min: -5, max: 5, noNaN: true }), fc.integer({ min: 1, max: 3 }), fc.constantFrom('asc', 'desc'), (th, limit, dir) => {
    const spec = { filter: parseGroup({ all: [{ field: 'change_pct', op: '>=', value: th }] }), sort: parseSort({ field: 'rel_volume', dir }), limit };
    const out = applySpec(rows, spec);
    assert.ok(out.length <= limit);
    for (const r of out) assert.ok(r.changePct! >= th);
    for (let i = 1; i < out.length; i++) assert.ok(dir === 'desc' ? out[i - 1]!.relVolume! >= out[i]!.relVolume! : out[i - 1]!.relVolume! <= out[i]!.relVolume!);
    assert.equal(out.length, Math.min(limit, rows.filter((r) => r.changePct! >= th).length));
  }));
});
