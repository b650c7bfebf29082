/**
 * Column reads of stored minutes (minute-columns.ts) must answer exactly what the row API
 * answers, for any range, through the block cache, and stay right after minutes change.
 * Real data: SPY/AIG/BAC 2013-10-04..11 (EDT, 04:00–20:00) and GOOG 2015-12-23..28 (EST,
 * an early close with after-hours minutes past 20:00 UTC-midnight's shifted boundary).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import Database from 'better-sqlite3';
import type { MinuteAggregate } from '../core/types.js';
import { nyMidnight, nyTimeToMs } from '../calendar/index.js';
import { openStore } from './index.js';
import { blockDay, MinuteColumnReader, type MinuteColumnsRead } from './minute-columns.js';
import { readAggregates, stockMinuteFile, SPY_OCT_2013 } from '../../test/helpers/data.js';
import { historyBars } from '../bars/load.js';
import { TIMEFRAMES } from '../core/types.js';

const tmp = mkdtempSync(join(tmpdir(), 'optdesk-columns-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const GOOG_DAYS = ['2015-12-23', '2015-12-24', '2015-12-28'];
const minutes = [...SPY_OCT_2013, ...GOOG_DAYS].flatMap((d) => readAggregates(stockMinuteFile(d)));
// Give some minutes a vwap and trade count, so both "known" and "missing" round-trip.
minutes.forEach((m, i) => {
  if (i % 3 === 0) m.vwap = Math.round((m.low + m.high) * 50) / 100;
  if (i % 4 === 0) m.trades = i % 97;
});

/** Columns back to the row API's objects (vwap/trades present only when known). */
function asAggregates(c: MinuteColumnsRead): MinuteAggregate[] {
  return Array.from(c.start, (start, i) => ({
    symbol: c.symbol, start, open: c.open[i]!, high: c.high[i]!, low: c.low[i]!, close: c.close[i]!, volume: c.volume[i]!,
    ...(Number.isNaN(c.vwap[i]) ? {} : { vwap: c.vwap[i]! }),
    ...(Number.isNaN(c.trades[i]) ? {} : { trades: c.trades[i]! }),
  }));
}

describe('minute columns', () => {
  const path = join(tmp, 'cols.db');
  const store = openStore(path);
  store.upsertMinuteBars(minutes);
  after(() => store.close());
  const first = nyMidnight('2013-10-03');
  const last = nyMidnight('2015-12-30');

  it('every New York minute of a day (04:00–20:00, EDT and EST) lands in that day\'s block', () => {
    for (const date of ['2013-10-07', '2015-12-24']) {
      const day = blockDay(nyTimeToMs(date, '04:00'));
      assert.equal(blockDay(nyTimeToMs(date, '19:59')), day, date);
      assert.equal(blockDay(nyTimeToMs(date, '09:30')), day, date);
      assert.notEqual(blockDay(nyMidnight(date) - 60_000 * 60 * 4), day, `${date}: 20:00 the evening before is another day`);
    }
  });

  it('any range: blocks and rows give exactly the row API\'s minutes', () => {
    fc.assert(
      fc.property(fc.constantFrom('SPY', 'AIG', 'BAC', 'GOOG', 'QQQ'), fc.integer({ min: first, max: last }), fc.integer({ min: 0, max: 12 * 86_400_000 }),
        (symbol, from, span) => {
          const to = from + span;
          const expected = store.minuteBars(symbol, from, to);
          assert.deepEqual(asAggregates(store.minuteColumns(symbol, from, to)), expected);
        }),
      { numRuns: 150 },
    );
    const reader = new MinuteColumnReader(new Database(path, { readonly: true }));
    for (const symbol of ['SPY', 'GOOG']) {
      assert.deepEqual(asAggregates(reader.readRows(symbol, first, last)), store.minuteBars(symbol, first, last));
      assert.deepEqual(asAggregates(reader.read(symbol, first, last)), store.minuteBars(symbol, first, last), 'a read answers from the rows');
    }
  });

  it('a whole week is read from cached blocks; a changed or added minute replaces its day\'s block', () => {
    const from = nyMidnight('2013-10-04');
    const to = nyMidnight('2013-10-12');
    const before = store.minuteColumns('SPY', from, to);
    assert.equal(before.length, minutes.filter((m) => m.symbol === 'SPY' && m.start < to).length);
    const raw = new Database(path, { readonly: true });
    const blocks = raw.prepare("SELECT count(*) FROM minute_blocks WHERE symbol = 'SPY'").pluck().get() as number;
    assert.equal(blocks, SPY_OCT_2013.length, 'one block per day with minutes');

    assert.equal(raw.prepare("SELECT count(*) FROM minute_blocks_dirty WHERE symbol = 'SPY'").pluck().get(), 0);

    const changed = { ...minutes.find((m) => m.symbol === 'SPY' && m.start === nyTimeToMs('2013-10-08', '15:03'))!, high: 170, trades: 5 };
    const added: MinuteAggregate = { symbol: 'SPY', start: nyTimeToMs('2013-10-09', '03:00') + 65 * 60_000, open: 1, high: 2, low: 1, close: 2, volume: 3 };
    store.upsertMinuteBars([changed, added]);
    const dirty = raw.prepare("SELECT day FROM minute_blocks_dirty WHERE symbol = 'SPY' ORDER BY day").pluck().all();
    assert.deepEqual(dirty, [blockDay(changed.start), blockDay(added.start)], 'the two touched days are marked for a rebuild');
    const after = asAggregates(store.minuteColumns('SPY', from, to));
    assert.deepEqual(after, store.minuteBars('SPY', from, to));
    assert.equal(after.find((m) => m.start === changed.start)!.high, 170);
    assert.ok(after.some((m) => m.start === added.start));
    assert.equal(raw.prepare("SELECT count(*) FROM minute_blocks_dirty WHERE symbol = 'SPY'").pluck().get(), 0, 'rebuilt');
    raw.close();
  });

  it('optdesk bars (historyBars) gives the same series from columns as from rows', () => {
    const rowsOnly = { minuteBars: store.minuteBars.bind(store), dailyBars: store.dailyBars.bind(store) };
    for (const tf of TIMEFRAMES) {
      for (const [symbol, from, to] of [['SPY', '2013-10-04', '2013-10-11'], ['GOOG', '2015-12-24', '2015-12-24']] as const) {
        for (const extended of [false, true]) {
          const req = { symbol, tf, from, to, extended, now: Date.UTC(2030, 0, 1) };
          const viaColumns = historyBars(store, req);
          assert.ok(viaColumns.length > 0, `${symbol} ${tf}`);
          assert.deepEqual(viaColumns, historyBars(rowsOnly, req), `${symbol} ${tf} extended=${extended}`);
        }
      }
    }
  });

  it('forEachDay streams the same minutes day by day, and the callback may use the database', () => {
    const reader = new MinuteColumnReader(new Database(path));
    const from = nyTimeToMs('2013-10-07', '12:00');
    const to = nyTimeToMs('2013-10-10', '10:00');
    const days: MinuteAggregate[][] = [];
    reader.forEachDay('AIG', from, to, (day) => {
      assert.equal(store.minuteBars('AIG', day.start[0]!, day.start[0]! + 1).length, 1);
      days.push(asAggregates(day));
    });
    assert.equal(days.length, 4);
    assert.deepEqual(days.flat(), store.minuteBars('AIG', from, to));
  });

  it('an empty or reversed range is empty', () => {
    assert.equal(store.minuteColumns('SPY', first, first).length, 0);
    assert.equal(store.minuteColumns('SPY', last, first).length, 0);
    assert.equal(store.minuteColumns('NOPE', first, last).length, 0);
  });
});
