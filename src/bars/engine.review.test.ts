/**
 * Review tests for the bar engine: one regression test per bug found in review, plus
 * property tests for the invariants of the merge policy (DESIGN.md "Merge policy"):
 * seq +1 per delta per series, no bar ever disappears, a closed bar never reopens,
 * idempotence, order independence, and every timeframe (regular and extended) agreeing
 * with the 1-minute bars.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from '../../test/helpers/fast-check.js';
import { BarEngine, type BarDelta } from './index.js';
import { historyBars, type HistorySource } from './load.js';
import { compareDaily, findDailyBadTicks, findMinuteBadTicks, findMissingMinutes, findSuspectedSplits } from './integrity.js';
import { BarSeries } from './series.js';
import { type Bar, type MinuteAggregate, type Timeframe, type IntradayTimeframe, MINUTE_MS, timeframeMinutes } from '../core/types.js';
import { sessionOn, sessionAt, nyTimeToMs, nyDate, nyMidnight, weekStartDate, sessionsBetween } from '../calendar/index.js';
import { readAggregates, stockMinuteFile, stockDailyFile } from '../../test/helpers/data.js';

const FAR_FUTURE = Date.UTC(2100, 0, 1);
const ALL_TFS: readonly Timeframe[] = ['1m', '2m', '3m', '5m', '10m', '15m', '30m', '1h', '2h', '4h', '1D', '1W'];
const INTRA: readonly IntradayTimeframe[] = ['1m', '2m', '3m', '5m', '10m', '15m', '30m', '1h', '2h', '4h'];

const D = '2013-10-09';
const minute = (hhmm: string, o: number, h: number, l: number, c: number, v: number, date = D): MinuteAggregate => ({
  symbol: 'SPY', start: nyTimeToMs(date, hhmm), open: o, high: h, low: l, close: c, volume: v,
});

// ───────────────────────── regression tests, one per bug ─────────────────────────

describe('review: daily bar recompute', () => {
  test('a shrinking correction recomputes the daily bar from regular-session minutes (no pre-market)', () => {
    const engine = new BarEngine({ clock: FAR_FUTURE });
    engine.applyMinute(minute('08:00', 20, 20, 20, 20, 1000), 'history'); // pre-market: not part of the daily bar
    engine.applyMinute(minute('10:00', 10, 12, 9, 11, 100), 'history');
    engine.applyMinute(minute('10:01', 11, 11.5, 10.5, 11, 100), 'history');
    engine.applyMinute(minute('10:00', 10, 11, 9, 11, 100), 'history'); // correction lowers the high → recompute
    const daily = engine.lastBar('SPY', '1D')!;
    assert.deepEqual([daily.open, daily.high, daily.low, daily.close, daily.volume], [10, 11.5, 9, 11, 200]);
    const week = engine.lastBar('SPY', '1W')!;
    assert.deepEqual([week.open, week.high, week.volume], [10, 11.5, 200]);
  });
});

describe('review: deferred history and asOfVersion', () => {
  test('history deferred for a forming minute obeys the stale rule when the minute closes', () => {
    const engine = new BarEngine({ clock: nyTimeToMs(D, '10:00') + 10_000 });
    engine.applyMinute(minute('10:00', 10, 11, 9, 10.5, 100), 'live');
    const asOf = engine.version; // history requested now …
    engine.applyMinute(minute('10:00', 10, 11.5, 9, 10.7, 130), 'live'); // … live moves on …
    engine.applyMinute(minute('10:00', 10, 11, 9, 10.5, 100), 'history', asOf); // … the older response arrives
    engine.advanceClock(nyTimeToMs(D, '10:01'));
    const bar = engine.lastBar('SPY', '1m')!;
    assert.equal(bar.volume, 130, 'a slow history response must not roll back a newer live update');
    assert.equal(bar.closed, true);
    assert.equal(engine.stats().staleHistory, 1);
  });

  test('a stale response deferred before the live update is judged at close too', () => {
    const engine = new BarEngine({ clock: nyTimeToMs(D, '10:00') + 10_000 });
    engine.applyMinute(minute('10:00', 10, 11, 9, 10.5, 100), 'live');
    const asOf = engine.version;
    engine.applyMinute(minute('10:00', 10, 11, 9, 10.5, 90), 'history', asOf); // deferred (not stale yet)
    engine.applyMinute(minute('10:00', 10, 11.5, 9, 10.7, 130), 'live'); // newer live after the request
    engine.advanceClock(nyTimeToMs(D, '10:01'));
    assert.equal(engine.lastBar('SPY', '1m')!.volume, 130);
  });

  test('deferred history survives a later live AM: final bar does not depend on AM-vs-history order', () => {
    const run = (historyFirst: boolean) => {
      const engine = new BarEngine({ clock: nyTimeToMs(D, '10:00') + 10_000 });
      const t0 = nyTimeToMs(D, '10:00');
      engine.applyTrade({ symbol: 'SPY', ts: t0 + 1_000, price: 10, size: 5 });
      engine.applyTrade({ symbol: 'SPY', ts: t0 + 5_000, price: 10.2, size: 5 });
      const am = minute('10:00', 10, 10.2, 10, 10.2, 10);
      const history = minute('10:00', 10, 10.3, 9.9, 10.1, 12); // no asOfVersion: authoritative once closed
      if (historyFirst) {
        engine.applyMinute(history, 'history');
        engine.applyMinute(am, 'live');
      } else {
        engine.applyMinute(am, 'live');
        engine.applyMinute(history, 'history');
      }
      engine.advanceClock(t0 + MINUTE_MS);
      return engine.series('SPY', '1m');
    };
    const a = run(true);
    const b = run(false);
    assert.deepEqual(a, b);
    assert.equal(a[0]!.volume, 12);
    assert.equal(a[0]!.source, 'history');
  });

  test('history for a forming minute built from partials lands at close, partial or not', () => {
    const engine = new BarEngine({ clock: nyTimeToMs(D, '10:00') });
    const t0 = nyTimeToMs(D, '10:00');
    engine.applyPartial({ ...minute('10:00', 10, 10.1, 10, 10.1, 4), start: t0 + 1_000 });
    engine.applyMinute(minute('10:00', 10, 10.4, 9.9, 10.3, 20), 'history'); // deferred
    engine.applyPartial({ ...minute('10:00', 10.1, 10.2, 10.1, 10.2, 3), start: t0 + 30_000 }); // keeps it deferred
    assert.equal(engine.lastBar('SPY', '1m')!.volume, 7);
    engine.advanceClock(t0 + MINUTE_MS);
    const bar = engine.lastBar('SPY', '1m')!;
    assert.deepEqual([bar.high, bar.low, bar.volume, bar.source, bar.closed], [10.4, 9.9, 20, 'history', true]);
    // A late trade for the (now complete) closed minute would double count: ignored.
    engine.applyTrade({ symbol: 'SPY', ts: t0 + 50_000, price: 10.5, size: 1 });
    assert.equal(engine.lastBar('SPY', '1m')!.volume, 20);
  });
});

describe('review: confirmed source is order independent', () => {
  test('identical live and history for a closed minute end as source "history" in either order', () => {
    const m = minute('10:00', 10, 11, 9, 10.5, 100);
    const a = new BarEngine({ clock: FAR_FUTURE });
    a.applyMinute(m, 'live');
    a.applyMinute({ ...m }, 'history');
    const b = new BarEngine({ clock: FAR_FUTURE });
    b.applyMinute(m, 'history');
    b.applyMinute({ ...m }, 'live');
    assert.deepEqual(a.series('SPY', '1m'), b.series('SPY', '1m'));
    assert.equal(a.lastBar('SPY', '1m')!.source, 'history');
  });

  test('identical history for a forming live minute confirms it at close', () => {
    const engine = new BarEngine({ clock: nyTimeToMs(D, '10:00') + 10_000 });
    const m = minute('10:00', 10, 11, 9, 10.5, 100);
    engine.applyMinute(m, 'live');
    engine.applyMinute({ ...m }, 'history');
    engine.advanceClock(nyTimeToMs(D, '10:01'));
    assert.equal(engine.lastBar('SPY', '1m')!.source, 'history');
  });
});

describe('review: bad input is rejected, never thrown', () => {
  test('timestamps outside the calendar (1998–2035) are rejected with a reason', () => {
    const engine = new BarEngine();
    const bad = [0, -MINUTE_MS, Date.UTC(1990, 5, 1, 14), Date.UTC(2040, 5, 1, 14), 8.64e15];
    for (const start of bad) {
      const agg = { ...minute('10:00', 10, 11, 9, 10.5, 100), start };
      assert.doesNotThrow(() => engine.applyMinute(agg, 'live'));
      assert.doesNotThrow(() => engine.applyPartial(agg));
      assert.doesNotThrow(() => engine.applyTrade({ symbol: 'SPY', ts: start, price: 10, size: 1 }));
      assert.doesNotThrow(() => engine.applyVendorDaily(agg));
    }
    assert.equal(engine.stats().rejected, bad.length * 4);
    assert.match(engine.stats().rejectReasons.at(-1)!, /outside the calendar/);
    assert.equal(engine.symbols().length, 0);
  });

  test('a NaN vwap or a fractional trade count is rejected; an identical re-send stays a no-op', () => {
    const engine = new BarEngine({ clock: FAR_FUTURE });
    assert.equal(engine.applyMinute({ ...minute('10:00', 10, 11, 9, 10.5, 100), vwap: Number.NaN }, 'history'), false);
    assert.equal(engine.applyMinute({ ...minute('10:00', 10, 11, 9, 10.5, 100), trades: 1.5 }, 'history'), false);
    assert.equal(engine.stats().rejected, 2);
    const ok = { ...minute('10:00', 10, 11, 9, 10.5, 100), vwap: 10.4, trades: 7 };
    engine.applyMinute(ok, 'history');
    let deltas = 0;
    engine.onDelta(() => deltas++);
    engine.applyMinute({ ...ok }, 'history');
    assert.equal(deltas, 0);
    assert.equal(engine.lastBar('SPY', '1D')!.vwap, 10.4);
  });
});

describe('review: vendor daily bars', () => {
  const s = sessionOn(D)!;
  const vendorRow = readAggregates(stockDailyFile('SPY')).find((b) => nyDate(b.start) === D)!;

  test('an engine without 1D never grows a 1D series from a vendor daily', () => {
    const engine = new BarEngine({ clock: s.open, timeframes: ['5m'] });
    engine.applyVendorDaily(vendorRow);
    engine.advanceClock(FAR_FUTURE);
    assert.deepEqual(engine.series('SPY', '1D'), []);
  });

  test('replaces the derived bar at close; derivedDaily stays derived; the week follows a shrinking vendor bar', () => {
    const engine = new BarEngine({ clock: s.open });
    const minutes = readAggregates(stockMinuteFile(D), 'SPY');
    for (const m of minutes) {
      engine.advanceClock(m.start + MINUTE_MS);
      engine.applyMinute(m, 'live');
      if (m.start === s.open + 30 * MINUTE_MS) engine.applyVendorDaily({ ...vendorRow, high: vendorRow.high - 0.2 });
      if (m.start >= s.open && m.start + MINUTE_MS < s.close) assert.equal(engine.lastBar('SPY', '1D')!.source, 'derived', 'vendor bar waits for the close');
    }
    const daily = engine.lastBar('SPY', '1D')!;
    assert.equal(daily.source, 'vendor');
    assert.equal(daily.high, vendorRow.high - 0.2);
    assert.equal(engine.derivedDaily('SPY', s)!.source, 'derived');
    assert.equal(engine.derivedDaily('SPY', s)!.high, vendorRow.high);
    assert.equal(engine.lastBar('SPY', '1W')!.high, vendorRow.high - 0.2, 'week recomputed from the vendor bar');
    engine.applyVendorDaily(vendorRow); // corrected vendor bar: the week grows back
    assert.equal(engine.lastBar('SPY', '1W')!.high, vendorRow.high);
  });
});

describe('review: calendar edge cases', () => {
  test('early close: after-hours runs 13:00–17:00, 17:00 is outside, regular 4h bar is 09:30–13:00', () => {
    const date = '2015-12-24';
    const s = sessionOn(date)!;
    const engine = new BarEngine({ clock: FAR_FUTURE });
    const g = (hhmm: string): MinuteAggregate => ({ ...minute(hhmm, 10, 10, 10, 10, 1, date), symbol: 'GOOG' });
    for (const t of ['09:30', '12:59', '13:00', '16:59', '17:00']) engine.applyMinute(g(t), 'history');
    assert.equal(engine.stats().outsideSession, 1);
    assert.deepEqual(engine.series('GOOG', '1m').map((b) => b.start), [s.open, nyTimeToMs(date, '12:59')]);
    assert.deepEqual(engine.series('GOOG', '4h', true).map((b) => b.start), [s.open, s.close]);
    assert.equal(engine.lastBar('GOOG', '1D')!.volume, 2);
  });

  test('a week with a holiday ends at its last session close (Christmas 2015: Thursday 13:00)', () => {
    const engine = new BarEngine({ clock: nyTimeToMs('2015-12-23', '10:00') });
    for (const date of ['2015-12-23', '2015-12-24']) {
      for (const m of readAggregates(stockMinuteFile(date), 'GOOG').filter((x) => x.start < sessionAt(x.start)!.close)) {
        engine.advanceClock(m.start);
        engine.applyMinute(m, 'live');
      }
    }
    const close24 = sessionOn('2015-12-24')!.close;
    engine.advanceClock(close24 - MINUTE_MS);
    assert.equal(engine.lastBar('GOOG', '1W')!.closed, false);
    engine.advanceClock(close24);
    const week = engine.lastBar('GOOG', '1W')!;
    assert.equal(week.closed, true);
    assert.equal(week.start, nyMidnight('2015-12-21'));
    const daily = engine.series('GOOG', '1D');
    assert.equal(daily.length, 2);
    assert.equal(week.volume, daily[0]!.volume + daily[1]!.volume);
  });

  test('a week spanning a year boundary and a DST week aggregate the right vendor daily bars', () => {
    const vendor = readAggregates(stockDailyFile('SPY'));
    for (const [from, to, sessions] of [['2014-12-29', '2015-01-04', 4], ['2015-03-09', '2015-03-15', 5], ['2015-11-02', '2015-11-08', 5]] as const) {
      const engine = new BarEngine({ clock: FAR_FUTURE, timeframes: ['1W'] });
      const inWeek = vendor.filter((b) => nyDate(b.start) >= from && nyDate(b.start) <= to);
      assert.equal(inWeek.length, sessions, from);
      for (const b of [...inWeek].reverse()) engine.applyVendorDaily(b);
      const weeks = engine.series('SPY', '1W');
      assert.equal(weeks.length, 1);
      assert.equal(weeks[0]!.start, nyMidnight(from));
      assert.deepEqual([weeks[0]!.open, weeks[0]!.close, weeks[0]!.high, weeks[0]!.volume],
        [inWeek[0]!.open, inWeek.at(-1)!.close, Math.max(...inWeek.map((b) => b.high)), inWeek.reduce((s, b) => s + b.volume, 0)]);
      assert.ok(weeks[0]!.closed);
    }
  });

  test('DST week: intraday buckets still align to 09:30 New York', () => {
    const engine = new BarEngine({ clock: FAR_FUTURE });
    const date = '2015-03-09'; // first session after the spring-forward Sunday
    engine.applyMinute(minute('09:31', 10, 10, 10, 10, 1, date), 'history');
    engine.applyMinute(minute('10:45', 10, 10, 10, 10, 1, date), 'history');
    assert.deepEqual(engine.series('SPY', '1h').map((b) => b.start), [nyTimeToMs(date, '09:30'), nyTimeToMs(date, '10:30')]);
  });
});

describe('review: load.ts ranges', () => {
  const vendor = readAggregates(stockDailyFile('SPY'));
  const minutesByDate = new Map<string, MinuteAggregate[]>();
  const source: HistorySource = {
    minuteBars: (symbol, fromMs, toMs) => {
      const out: MinuteAggregate[] = [];
      for (const s of sessionsBetween(nyDate(fromMs), nyDate(toMs - 1))) {
        if (!['2013-10-09', '2013-10-10'].includes(s.date)) continue;
        let ms = minutesByDate.get(s.date);
        if (!ms) minutesByDate.set(s.date, (ms = readAggregates(stockMinuteFile(s.date), symbol)));
        out.push(...ms.filter((m) => m.start >= fromMs && m.start < toMs));
      }
      return out;
    },
    dailyBars: (symbol, fromMs, toMs) => (symbol === 'SPY' ? vendor.filter((b) => b.start >= fromMs && b.start < toMs) : []),
  };

  test('1W: every week touching the range, whole, and no other (DST and year boundary included)', () => {
    const weeks = (from: string, to: string) =>
      historyBars(source, { symbol: 'SPY', tf: '1W', from, to, now: FAR_FUTURE }).map((b) => nyDate(b.start));
    assert.deepEqual(weeks('2015-03-11', '2015-03-11'), ['2015-03-09']);
    assert.deepEqual(weeks('2015-03-09', '2015-03-16'), ['2015-03-09', '2015-03-16']);
    assert.deepEqual(weeks('2014-12-31', '2015-01-06'), ['2014-12-29', '2015-01-05']);
    assert.deepEqual(weeks('2015-11-08', '2015-11-08'), ['2015-11-02']); // a Sunday belongs to its Monday's week
    const w = historyBars(source, { symbol: 'SPY', tf: '1W', from: '2015-03-12', to: '2015-03-12', now: FAR_FUTURE })[0]!;
    const inWeek = vendor.filter((b) => nyDate(b.start) >= '2015-03-09' && nyDate(b.start) <= '2015-03-13');
    assert.equal(w.volume, inWeek.reduce((s, b) => s + b.volume, 0), 'the week is whole, not cut at the range');
  });

  test('extended intraday ranges include pre-market and after-hours; 1D ignores extended', () => {
    const s = sessionOn('2013-10-09')!;
    const reg = historyBars(source, { symbol: 'SPY', tf: '1h', from: '2013-10-09', to: '2013-10-09', now: FAR_FUTURE });
    const ext = historyBars(source, { symbol: 'SPY', tf: '1h', from: '2013-10-09', to: '2013-10-09', extended: true, now: FAR_FUTURE });
    assert.equal(reg.length, 7);
    assert.ok(ext.some((b) => b.start < s.open) && ext.some((b) => b.start >= s.close));
    assert.ok(ext.every((b) => nyDate(b.start) === '2013-10-09'));
    const d1 = historyBars(source, { symbol: 'SPY', tf: '1D', from: '2013-10-09', to: '2013-10-10', extended: true, now: FAR_FUTURE });
    assert.deepEqual(d1.map((b) => b.source), ['vendor', 'vendor']);
  });

  test('a session still forming at `now` shows the derived daily bar, not the vendor one', () => {
    const s = sessionOn('2013-10-10')!;
    const d1 = historyBars(source, { symbol: 'SPY', tf: '1D', from: '2013-10-10', to: '2013-10-10', now: s.close - MINUTE_MS });
    assert.equal(d1.length, 1);
    assert.deepEqual([d1[0]!.source, d1[0]!.closed], ['derived', false]);
  });
});

describe('review: integrity edge cases', () => {
  const s = sessionOn(D)!;
  test('empty input, a single day, a session without minutes, an early close', () => {
    assert.deepEqual(findMissingMinutes([], []), []);
    assert.deepEqual(findMissingMinutes([s], []), [], 'a session with no minutes is not 390 gaps');
    assert.deepEqual(findDailyBadTicks([]), []);
    assert.deepEqual(findMinuteBadTicks([]), []);
    assert.deepEqual(findSuspectedSplits([]), []);
    assert.deepEqual(compareDaily([], new Map()), []);
    const one = minute('09:30', 10, 10, 10, 10, 1);
    assert.deepEqual(findDailyBadTicks([one]), []);
    assert.deepEqual(findSuspectedSplits([one]), []);
    const r = findMissingMinutes([s], [one, minute('15:59', 10, 10, 10, 10, 1)]);
    assert.deepEqual(r, [{ date: D, expected: 390, present: 2, longestGaps: ['09:31–15:59'] }]);
    const early = sessionOn('2015-12-24')!;
    const full = findMissingMinutes([early], [minute('12:59', 10, 10, 10, 10, 1, '2015-12-24')]);
    assert.equal(full[0]!.expected, 210);
    assert.deepEqual(full[0]!.longestGaps, ['09:30–12:59']);
  });
});

describe('review: BarSeries', () => {
  test('replacing an earlier bar keeps order without a full re-sort, and seq counts every put', () => {
    const series = new BarSeries();
    const bar = (i: number, v: number): Bar => ({ start: i * MINUTE_MS, open: 1, high: 1, low: 1, close: 1, volume: v, closed: true, source: 'live' });
    for (let i = 0; i < 50; i++) series.put(bar(i, 1));
    series.put(bar(17, 2));
    series.put(bar(0, 3));
    series.put(bar(48, 4));
    const bars = series.bars();
    assert.deepEqual(bars.map((b) => b.start / MINUTE_MS), [...Array(50).keys()]);
    assert.deepEqual([bars[0]!.volume, bars[17]!.volume, bars[48]!.volume, bars[49]!.volume], [3, 2, 4, 1]);
    assert.equal(series.seq, 53);
  });
});

// ───────────────────────── property tests ─────────────────────────

/** Reference bucket start for any minute, regular or extended, computed the simple way. */
function referenceBucket(minuteStart: number, tf: Timeframe): number {
  const s = sessionAt(minuteStart)!;
  if (tf === '1D') return s.midnight;
  if (tf === '1W') return nyMidnight(weekStartDate(s.date));
  const segStart = minuteStart < s.open ? s.preOpen : minuteStart < s.close ? s.open : s.close;
  const width = timeframeMinutes(tf as IntradayTimeframe) * MINUTE_MS;
  return segStart + Math.floor((minuteStart - segStart) / width) * width;
}

function assertAgree(engine: BarEngine, symbol: string, withDaily = true): void {
  for (const extended of [false, true]) {
    const ones = engine.series(symbol, '1m', extended);
    const regularOnes = engine.series(symbol, '1m', false);
    for (const tf of ALL_TFS) {
      if (tf === '1m' || (!withDaily && (tf === '1D' || tf === '1W'))) continue;
      const daily = tf === '1D' || tf === '1W';
      const groups = new Map<number, Bar[]>();
      for (const m of daily ? regularOnes : ones) {
        const k = referenceBucket(m.start, tf);
        let g = groups.get(k);
        if (!g) groups.set(k, (g = []));
        g.push(m);
      }
      const bars = engine.series(symbol, tf, extended);
      assert.equal(bars.length, groups.size, `${tf} ext=${extended}: one bar per non-empty bucket`);
      for (const bar of bars) {
        const inside = groups.get(bar.start)!;
        assert.ok(inside, `${tf} bar ${bar.start} has minutes`);
        assert.deepEqual(
          [bar.open, bar.high, bar.low, bar.close, bar.volume],
          [inside[0]!.open, Math.max(...inside.map((m) => m.high)), Math.min(...inside.map((m) => m.low)), inside.at(-1)!.close,
            inside.reduce((s, m) => s + m.volume, 0)],
          `${tf} ext=${extended} @ ${new Date(bar.start).toISOString()}`,
        );
      }
    }
  }
}

/** Records deltas and checks seq +1 per series, no disappearing bars, closed bars never reopening. */
function watch(engine: BarEngine) {
  const seqs = new Map<string, number>();
  const seen = new Map<string, Map<number, Bar>>();
  engine.onDelta((d: BarDelta) => {
    const k = `${d.tf}|${d.extended}`;
    assert.equal(d.seq, (seqs.get(k) ?? 0) + 1, `seq of ${k}`);
    seqs.set(k, d.seq);
    let m = seen.get(k);
    if (!m) seen.set(k, (m = new Map()));
    const before = m.get(d.bar.start);
    if (before?.closed) assert.ok(d.bar.closed, `${k} bar ${d.bar.start} reopened`);
    m.set(d.bar.start, d.bar);
    if ((d.tf === '1D' || d.tf === '1W') && d.extended) assert.fail('1D/1W deltas are regular only');
  });
  return {
    deltas: () => [...seqs.values()].reduce((a, b) => a + b, 0),
    check() {
      for (const [k, m] of seen) {
        const [tf, ext] = k.split('|') as [Timeframe, string];
        const stored = new Map(engine.series('SPY', tf, ext === 'true').map((b) => [b.start, b]));
        assert.equal(engine.seq('SPY', tf, ext === 'true'), seqs.get(k));
        for (const [start, last] of m) assert.deepEqual(stored.get(start), last, `${k} ${start}: last delta is what is stored`);
        assert.equal(stored.size, m.size, `${k}: nothing stored without a delta, nothing disappeared`);
      }
    },
  };
}

describe('review property: history in any order (extended hours, vendor dailies, corrections)', () => {
  const days = ['2013-10-09', '2013-10-10'];
  const real = days.flatMap((d) => readAggregates(stockMinuteFile(d), 'SPY'));
  const vendor = readAggregates(stockDailyFile('SPY')).filter((b) => days.includes(nyDate(b.start)));

  test('same final store for any order, idempotent, every timeframe agrees with the 1m bars', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: real.length - 1 }), { minLength: 1, maxLength: 150 }),
        fc.array(fc.nat(), { maxLength: 30 }), // minutes that first arrive as a bad print, then corrected
        fc.boolean(), // include vendor dailies
        fc.integer(),
        (picks, badIdx, withVendor, seed) => {
          type Input = { kind: 'minute'; agg: MinuteAggregate } | { kind: 'daily'; agg: MinuteAggregate };
          const inputs: Input[] = picks.map((i) => ({ kind: 'minute' as const, agg: real[i]! }));
          if (withVendor) for (const v of vendor) inputs.push({ kind: 'daily', agg: v });
          const bad = new Set(badIdx.map((b) => picks[b % picks.length]!));
          let s = seed >>> 0;
          const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
          const shuffled = inputs.map((x) => ({ x, k: rand() })).sort((a, b) => a.k - b.k).map((y) => y.x);

          const apply = (engine: BarEngine, list: Input[], withBad: boolean) => {
            for (const inp of list) {
              if (inp.kind === 'daily') engine.applyVendorDaily(inp.agg);
              else {
                const idx = real.indexOf(inp.agg);
                if (withBad && bad.has(idx)) {
                  engine.applyMinute({ ...inp.agg, high: inp.agg.high * 1.3, low: inp.agg.low * 0.8, volume: inp.agg.volume * 9 + 1 }, 'history');
                }
                engine.applyMinute(inp.agg, 'history');
              }
            }
          };
          const a = new BarEngine({ clock: FAR_FUTURE });
          const w = watch(a);
          apply(a, shuffled, true);
          const b = new BarEngine({ clock: FAR_FUTURE });
          apply(b, inputs, false);
          for (const tf of ALL_TFS) for (const ext of [false, true]) {
            assert.deepEqual(a.series('SPY', tf, ext), b.series('SPY', tf, ext), `${tf} ext=${ext}`);
          }
          assertAgree(a, 'SPY', !withVendor);
          w.check();
          const before = w.deltas();
          apply(a, shuffled, false); // idempotent: the same inputs again change nothing
          assert.equal(w.deltas(), before);
        },
      ),
      { numRuns: 40, reporter: (r) => { if (r.failed) throw new Error(String(r.counterexample?.[0]?.length) + " " + String(r.errorInstance)); } },
    );
  });
});

describe('review property: a live day (trades, partials, AM re-sends, history with asOfVersion, late trades)', () => {
  const day = '2013-10-09';
  const s = sessionOn(day)!;
  const real = readAggregates(stockMinuteFile(day), 'SPY').filter((m) => m.start >= nyTimeToMs(day, '09:00') && m.start < nyTimeToMs(day, '10:30'));

  const action = fc.record({
    pieces: fc.integer({ min: 0, max: 3 }), // trades splitting the minute before the AM
    am: fc.constantFrom('none', 'once', 'twice'),
    backfill: fc.integer({ min: 0, max: 6 }), // 0: none, else a history response for the last n minutes
    lag: fc.integer({ min: 0, max: 3 }),
    late: fc.boolean(), // a late trade for a closed minute
    skipClock: fc.boolean(),
  });

  test('seq +1 per series, nothing disappears, closed stays closed, everything agrees after the close', () => {
    fc.assert(
      fc.property(fc.array(action, { minLength: real.length, maxLength: real.length }), (acts) => {
        const engine = new BarEngine({ clock: real[0]!.start, timeframes: ALL_TFS });
        const w = watch(engine);
        const pending: { due: number; asOf: number; minutes: MinuteAggregate[] }[] = [];
        real.forEach((m, i) => {
          const a = acts[i]!;
          const t0 = m.start;
          if (!a.skipClock) engine.advanceClock(t0 + 1_000);
          // Trades: a prefix of the minute, at the open then the close price.
          for (let p = 0; p < a.pieces; p++) {
            const price = p === 0 ? m.open : p === a.pieces - 1 ? m.close : (m.high + m.low) / 2;
            engine.applyTrade({ symbol: 'SPY', ts: t0 + 1_000 + p * 10_000, price, size: 1 });
          }
          if (a.am !== 'none') engine.applyMinute({ ...m, volume: Math.max(1, Math.floor(m.volume / 2)), close: m.open }, 'live');
          engine.advanceClock(t0 + MINUTE_MS);
          if (a.am === 'twice') engine.applyMinute(m, 'live');
          if (a.backfill > 0) pending.push({ due: i + a.lag, asOf: engine.version, minutes: real.slice(Math.max(0, i - a.backfill + 1), i + 1) });
          for (const b of pending.filter((x) => x.due === i)) for (const h of b.minutes) engine.applyMinute(h, 'history', b.asOf);
          if (a.late && i > 0) engine.applyTrade({ symbol: 'SPY', ts: real[i - 1]!.start + 59_000, price: real[i - 1]!.close, size: 1 });
        });
        for (const b of pending.filter((x) => x.due >= real.length)) for (const h of b.minutes) engine.applyMinute(h, 'history', b.asOf);
        engine.advanceClock(FAR_FUTURE);
        for (const tf of ALL_TFS) assert.ok(engine.series('SPY', tf, true).every((b) => b.closed), `${tf} all closed`);
        assertAgree(engine, 'SPY');
        w.check();
        // A final history backfill without asOfVersion makes every minute the provider's.
        for (const m of real) engine.applyMinute(m, 'history');
        assert.deepEqual(engine.series('SPY', '1m', true).map((b) => [b.start, b.open, b.high, b.low, b.close, b.volume]),
          real.map((b) => [b.start, b.open, b.high, b.low, b.close, b.volume]));
        assertAgree(engine, 'SPY');
        w.check();
      }),
      { numRuns: 25, reporter: (r) => { if (r.failed) throw new Error(String(r.errorInstance)); } },
    );
  });
});

describe('review property: vwap is order independent', () => {
  const ms = readAggregates(stockMinuteFile('2013-10-09'), 'SPY').map((m) => ({ ...m, vwap: (m.high + m.low + m.close) / 3 }));
  test('the same minutes with vwaps in any order give bit-identical vwaps on every timeframe', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        let s = seed >>> 0;
        const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
        const a = new BarEngine({ clock: FAR_FUTURE });
        for (const m of ms) a.applyMinute(m, 'history');
        const b = new BarEngine({ clock: FAR_FUTURE });
        for (const m of ms.map((x) => ({ x, k: rand() })).sort((p, q) => p.k - q.k).map((y) => y.x)) b.applyMinute(m, 'history');
        for (const tf of ['5m', '1h', '4h', '1D', '1W'] as const) {
          assert.deepEqual(b.series('SPY', tf, true).map((x) => x.vwap), a.series('SPY', tf, true).map((x) => x.vwap), tf);
        }
        const day = a.lastBar('SPY', '1D')!;
        const reg = ms.filter((m) => m.start >= sessionOn('2013-10-09')!.open && m.start < sessionOn('2013-10-09')!.close);
        const exact = reg.reduce((t, m) => t + m.vwap * m.volume, 0) / reg.reduce((t, m) => t + m.volume, 0);
        assert.ok(Math.abs(day.vwap! - exact) < 1e-6);
      }),
      { numRuns: 20 },
    );
  });
});
