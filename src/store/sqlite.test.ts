import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { MinuteAggregate, OptionQuote } from '../core/types.js';
import { InputError } from '../core/errors.js';
import { MIGRATIONS, openStore, resolveDbPath } from './index.js';
import { parseOccTicker } from '../core/occ.js';

const tmp = mkdtempSync(join(tmpdir(), 'optdesk-store-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const T0 = Date.UTC(2013, 9, 7, 13, 30); // 2013-10-07 09:30 New York
const MIN = 60_000;

function bar(symbol: string, i: number, close = 100 + i): MinuteAggregate {
  return { symbol, start: T0 + i * MIN, open: close, high: close + 1, low: close - 1, close, volume: 100 * (i + 1) };
}

describe('SqliteMarketStore: schema', () => {
  it('creates parent directories, turns WAL on and runs each migration once', () => {
    const path = join(tmp, 'nested', 'dir', 'a.db');
    const store = openStore(path);
    const first = store.appliedMigrations();
    assert.deepEqual(first.map((m) => m.version), MIGRATIONS.map((m) => m.version));
    store.upsertMinuteBars([bar('SPY', 0)]);
    store.close();

    const reopened = openStore(path);
    assert.deepEqual(reopened.appliedMigrations(), first, 'reopening applies nothing again');
    assert.equal(reopened.minuteBars('SPY', 0, Number.MAX_SAFE_INTEGER).length, 1, 'data survives reopening');
    reopened.close();

    const raw = new Database(path, { readonly: true });
    assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
    const rows = raw.prepare('SELECT version FROM schema_migrations').all();
    assert.equal(rows.length, MIGRATIONS.length);
    raw.close();
  });

  it('refuses a database written by a newer schema', () => {
    const path = join(tmp, 'newer.db');
    openStore(path).close();
    const raw = new Database(path);
    raw.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, ?, 0)').run('future');
    raw.close();
    assert.throws(() => openStore(path), /schema is version 999/);
  });
});

describe('SqliteMarketStore: bars', () => {
  const store = openStore(join(tmp, 'bars.db'));
  after(() => store.close());

  it('counts inserted, unchanged and updated rows', () => {
    const bars = [0, 1, 2, 3].map((i) => bar('SPY', i));
    assert.deepEqual(store.upsertMinuteBars(bars), { inserted: 4, updated: 0, unchanged: 0 });
    assert.deepEqual(store.upsertMinuteBars(bars), { inserted: 0, updated: 0, unchanged: 4 });
    const changed = { ...bar('SPY', 2), close: 101.5, high: 103 };
    const withTrades = { ...bar('SPY', 3), trades: 12 };
    assert.deepEqual(store.upsertMinuteBars([bar('SPY', 0), changed, withTrades, bar('SPY', 4)]), {
      inserted: 1, updated: 2, unchanged: 1,
    });
    const got = store.minuteBars('SPY', T0, T0 + 10 * MIN);
    assert.equal(got.length, 5);
    assert.deepEqual(got[2], changed, 'the changed row replaced the stored one');
    assert.equal(got[3]?.trades, 12);
    assert.equal('trades' in got[0]!, false, 'unknown trade count stays absent, not 0');
  });

  it('answers half-open ranges [from, to) in ascending order', () => {
    const got = store.minuteBars('SPY', T0 + MIN, T0 + 3 * MIN);
    assert.deepEqual(got.map((b) => b.start), [T0 + MIN, T0 + 2 * MIN]);
    assert.deepEqual(store.minuteBars('SPY', T0 + 3 * MIN, T0 + 3 * MIN), []);
    assert.deepEqual(store.minuteBars('QQQ', 0, Number.MAX_SAFE_INTEGER), []);
  });

  it('keeps vendor daily bars apart from minute bars', () => {
    const day = Date.UTC(2013, 9, 7, 4);
    const d = { symbol: 'SPY', start: day, open: 1, high: 2, low: 0.5, close: 1.5, volume: 10 };
    assert.deepEqual(store.upsertDailyBars([d]), { inserted: 1, updated: 0, unchanged: 0 });
    assert.deepEqual(store.dailyBars('SPY', day, day + 1), [d]);
    assert.deepEqual(store.dailyBars('SPY', day + 1, day + 2), []);
  });

  it('a vendor daily bar is replaced when any value differs, a vwap appearing included', () => {
    const day = Date.UTC(2013, 9, 8, 4);
    const d = { symbol: 'QQQ', start: day, open: 1, high: 2, low: 0.5, close: 1.5, volume: 10 };
    assert.deepEqual(store.upsertDailyBars([d]), { inserted: 1, updated: 0, unchanged: 0 });
    assert.deepEqual(store.upsertDailyBars([d]), { inserted: 0, updated: 0, unchanged: 1 });
    const corrected = { ...d, close: 1.6, volume: 12 };
    assert.deepEqual(store.upsertDailyBars([corrected]), { inserted: 0, updated: 1, unchanged: 0 });
    const withVwap = { ...corrected, vwap: 1.55 };
    assert.deepEqual(store.upsertDailyBars([withVwap]), { inserted: 0, updated: 1, unchanged: 0 }, 'NULL → known is a change');
    assert.deepEqual(store.dailyBars('QQQ', day, day + 1), [withVwap]);
  });

  it('lists symbols with New York dates of minute data and vendor daily presence', () => {
    // 23:59 New York on 10-07 is already 10-08 in UTC: the date must be New York's.
    const late = { ...bar('AIG', 0), start: Date.UTC(2013, 9, 8, 3, 59) };
    store.upsertMinuteBars([late, { ...late, start: Date.UTC(2013, 9, 8, 13, 30) }]);
    const byName = new Map(store.symbols().map((s) => [s.symbol, s]));
    assert.deepEqual(byName.get('AIG')?.minuteDates, ['2013-10-07', '2013-10-08']);
    assert.equal(byName.get('AIG')?.hasVendorDaily, false);
    const spy = byName.get('SPY')!;
    assert.equal(spy.minuteBars, 5);
    assert.equal(spy.minuteFrom, T0);
    assert.equal(spy.minuteTo, T0 + 4 * MIN);
    assert.deepEqual(spy.minuteDates, ['2013-10-07']);
    assert.equal(spy.hasVendorDaily, true);
    assert.equal(spy.dailyFrom, Date.UTC(2013, 9, 7, 4));
  });
});

describe('SqliteMarketStore: options', () => {
  const store = openStore(join(tmp, 'options.db'));
  after(() => store.close());
  const ts = Date.UTC(2015, 11, 24, 14, 30, 59, 999);

  it('keeps missing bids and asks as null and parses the contract', () => {
    const quotes: OptionQuote[] = [
      { ticker: 'O:GOOG151224C00750000', ts, bid: 1.5, bidSize: 3, ask: 1.7, askSize: 4, sequence: 1 },
      { ticker: 'O:GOOG151224P00500000', ts, bid: null, bidSize: null, ask: 0.05, askSize: 10, sequence: 2 },
      { ticker: 'O:SPY230901C00470000', ts, bid: 0.66, bidSize: 600, ask: 0.67, askSize: 581 },
    ];
    assert.deepEqual(store.upsertOptionQuotes(quotes), { inserted: 3, updated: 0, unchanged: 0 });
    assert.deepEqual(store.upsertOptionQuotes(quotes), { inserted: 0, updated: 0, unchanged: 3 });
    const goog = store.optionQuotes('GOOG', ts, ts + 1);
    assert.deepEqual(goog, quotes.slice(0, 2));
    assert.equal(goog[1]?.bid, null);
    assert.deepEqual(store.optionQuotes('GOOG', ts + 1, ts + 2), []);
    assert.deepEqual(store.contractQuotes('O:SPY230901C00470000', 0, ts + 1), [quotes[2]]);
    assert.deepEqual(store.optionUnderlyings(), ['GOOG', 'SPY']);
    assert.deepEqual(store.optionContracts('GOOG')[0], {
      ticker: 'O:GOOG151224P00500000', underlying: 'GOOG', expiration: '2015-12-24', strike: 500, right: 'put',
    });

    const bidAppears = { ...quotes[1]!, bid: 0.01, bidSize: 1 };
    assert.deepEqual(store.upsertOptionQuotes([bidAppears]), { inserted: 0, updated: 1, unchanged: 0 });
    assert.deepEqual(store.contractQuotes(bidAppears.ticker, ts, ts + 1), [bidAppears]);
  });

  it('rejects a non-OCC ticker and writes nothing of that batch', () => {
    const good: OptionQuote = { ticker: 'O:GOOG151231C00800000', ts, bid: 1, bidSize: 1, ask: 2, askSize: 1 };
    assert.throws(
      () => store.upsertOptionQuotes([good, { ...good, ticker: 'GOOG' }]),
      (e: unknown) => e instanceof InputError && /not an OCC option ticker/.test(e.message),
    );
    assert.deepEqual(store.contractQuotes(good.ticker, 0, Number.MAX_SAFE_INTEGER), []);
    assert.equal(store.optionContracts('GOOG').some((c) => c.ticker === good.ticker), false);
    // The contract cache must not remember the rolled-back contract.
    assert.deepEqual(store.upsertOptionQuotes([good]), { inserted: 1, updated: 0, unchanged: 0 });
  });

  it('stores option minute bars and open interest', () => {
    const b: MinuteAggregate = { symbol: 'O:GOOG151224C00750000', start: ts - 59_999, open: 1.5, high: 1.8, low: 1.5, close: 1.8, volume: 2 };
    assert.deepEqual(store.upsertOptionMinuteBars([b]), { inserted: 1, updated: 0, unchanged: 0 });
    assert.deepEqual(store.optionMinuteBars(b.symbol, b.start, b.start + MIN), [b]);
    const oi = [
      { date: '2015-12-24', ticker: 'O:GOOG151224C00750000', openInterest: 120 },
      { date: '2015-12-24', ticker: 'O:SPY230901C00470000', openInterest: 5 },
    ];
    assert.deepEqual(store.upsertOpenInterest(oi), { inserted: 2, updated: 0, unchanged: 0 });
    assert.deepEqual(store.upsertOpenInterest([{ ...oi[0]!, openInterest: 121 }, oi[1]!]), {
      inserted: 0, updated: 1, unchanged: 1,
    });
    assert.deepEqual(store.openInterest('2015-12-24', 'GOOG'), [{ ...oi[0]!, openInterest: 121 }]);
    assert.equal(store.openInterest('2015-12-24').length, 2);
    assert.deepEqual(store.openInterest('2015-12-23'), []);
  });
});

describe('SqliteMarketStore: import log, settings, drawings', () => {
  const store = openStore(join(tmp, 'misc.db'));
  after(() => store.close());

  it('logs imports newest first', () => {
    const rec = {
      path: '/x/a.csv.gz', size: 10, mtimeMs: 1, kind: 'stocks-minute' as const, rowsOk: 5, rowsBad: 1,
      inserted: 5, updated: 0, unchanged: 0, finishedAt: 100,
    };
    store.recordImport(rec);
    store.recordImport({ ...rec, inserted: 0, unchanged: 5, error: 'boom', finishedAt: 200 });
    assert.equal(store.imports().length, 2);
    assert.deepEqual(store.lastImport('/x/a.csv.gz'), { ...rec, inserted: 0, unchanged: 5, error: 'boom', finishedAt: 200, status: 'finished' });
    assert.equal(store.lastImport('/nope'), undefined);
  });

  it('marks imports started then finished; only a path whose newest row never finished is incomplete', () => {
    const start = { path: '/x/b.csv.gz', size: 10, mtimeMs: 1, kind: 'stocks-minute' as const, startedAt: 1_000, pid: 4242 };
    const first = store.beginImport(start);
    assert.deepEqual(store.incompleteImports().map((r) => [r.path, r.status, r.startedAt, r.pid]), [['/x/b.csv.gz', 'started', 1_000, 4242]]);
    const done = { ...start, rowsOk: 3, rowsBad: 1, inserted: 3, updated: 0, unchanged: 0, finishedAt: 2_000 };
    store.finishImport(first, { ...done, symbols: [{ symbol: 'SPY', rows: 2, bad: 1, duplicates: 1, outOfOrder: 0 }, { symbol: 'AIG', rows: 1, bad: 0, duplicates: 0, outOfOrder: 1 }] });
    assert.deepEqual(store.incompleteImports(), []);
    assert.deepEqual(store.importSummary('SPY'), { files: 1, rows: 2, bad: 1, duplicates: 1, outOfOrder: 0, filesStoppedEarly: [] });
    // A second, interrupted import of the same file is incomplete, and the summary still reads the finished one.
    store.beginImport({ ...start, startedAt: 3_000 });
    assert.deepEqual(store.incompleteImports().map((r) => r.startedAt), [3_000]);
    assert.equal(store.importSummary('SPY').duplicates, 1);
    // Re-importing replaces the file's tallies instead of adding to them.
    const again = store.beginImport({ ...start, startedAt: 4_000 });
    store.finishImport(again, { ...done, finishedAt: 5_000, error: 'stopped', symbols: [{ symbol: 'SPY', rows: 2, bad: 0, duplicates: 0, outOfOrder: 2 }] });
    assert.deepEqual(store.importSummary('SPY'), { files: 1, rows: 2, bad: 0, duplicates: 0, outOfOrder: 2, filesStoppedEarly: ['/x/b.csv.gz: stopped'] });
    assert.deepEqual(store.importSummary('AIG').files, 0, 'AIG was not in the newest import of that file');
    assert.throws(() => store.finishImport(9_999, done), /no import 9999/);
  });

  it('reads a corrupt setting as unset, keeps the bad value in quarantine and warns once', () => {
    const warnings: string[] = [];
    store.setWarningHandler((m) => warnings.push(m));
    store.setSetting('watchlist', ['SPY']);
    (store as unknown as { db: { prepare(sql: string): { run(...a: unknown[]): void } } }).db
      .prepare('UPDATE settings SET value = ? WHERE key = ?').run('["SPY",', 'watchlist');
    assert.equal(store.setting('watchlist'), undefined);
    assert.equal(store.setting('watchlist'), undefined, 'still unset, and no second warning');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^setting "watchlist": not valid JSON/);
    const [q] = store.quarantinedSettings();
    assert.deepEqual([q!.key, q!.value], ['watchlist', '["SPY",']);
    store.setSetting('watchlist', ['AIG']);
    assert.deepEqual(store.setting('watchlist'), ['AIG'], 'a new value can be saved');
  });

  it('round-trips settings as JSON', () => {
    assert.equal(store.setting('theme'), undefined);
    store.setSetting('theme', { dark: true, accent: '#09f' });
    store.setSetting('theme', { dark: false });
    assert.deepEqual(store.setting('theme'), { dark: false });
  });

  it('replaces a symbol’s drawings and keeps their order', () => {
    store.saveDrawings('SPY', [
      { id: 'b', kind: 'hline', price: 447.5 },
      { id: 'a', kind: 'hline', price: 450 },
    ]);
    store.saveDrawings('QQQ', [{ id: 'a', kind: 'hline', price: 1 }]);
    assert.deepEqual(store.drawings('SPY').map((d) => d.id), ['b', 'a']);
    store.saveDrawings('SPY', [{ id: 'c', kind: 'hline', price: 449 }]);
    assert.deepEqual(store.drawings('SPY'), [{ id: 'c', kind: 'hline', price: 449 }]);
    assert.equal(store.drawings('QQQ').length, 1);
    assert.throws(() => store.saveDrawings('SPY', [{ id: 'x' }, { id: 'x' }]), /used twice/);
    assert.equal(store.drawings('SPY').length, 1, 'a rejected save changes nothing');
  });
});

describe('resolveDbPath and parseOccTicker', () => {
  it('prefers --db, then OPTDESK_DB, then ./data/optdesk.db', () => {
    assert.equal(resolveDbPath({ db: '/a/b.db' }, { OPTDESK_DB: '/c/d.db' }), '/a/b.db');
    assert.equal(resolveDbPath({}, { OPTDESK_DB: '/c/d.db' }), '/c/d.db');
    assert.equal(resolveDbPath({}, {}), resolve('data/optdesk.db'));
  });

  it('parses OCC tickers, including roots with digits', () => {
    assert.deepEqual(parseOccTicker('O:SPY230901P00430000'), {
      ticker: 'O:SPY230901P00430000', underlying: 'SPY', expiration: '2023-09-01', strike: 430, right: 'put',
    });
    assert.equal(parseOccTicker('O:AAPL1240119C00187500')?.underlying, 'AAPL1');
    assert.equal(parseOccTicker('O:AAPL1240119C00187500')?.strike, 187.5);
    assert.equal(parseOccTicker('SPY'), undefined);
    assert.equal(parseOccTicker('O:SPY231301C00430000'), undefined, 'month 13');
  });
});

describe('SqliteMarketStore: what the replay reads', () => {
  it('lists minute sessions with their symbols, a symbol\'s dates, and says when it is empty', () => {
    const store = openStore(':memory:');
    assert.equal(store.isEmpty(), true);
    const nextDay = (b: MinuteAggregate): MinuteAggregate => ({ ...b, start: b.start + 24 * 60 * MIN });
    store.upsertMinuteBars([bar('SPY', 0), bar('AIG', 1), nextDay(bar('SPY', 2))]);
    assert.equal(store.isEmpty(), false);
    assert.deepEqual(store.minuteSessions(), [
      { date: '2013-10-07', symbols: ['AIG', 'SPY'] },
      { date: '2013-10-08', symbols: ['SPY'] },
    ]);
    assert.deepEqual(store.minuteDates('SPY', '2013-10-01', '2013-10-31'), ['2013-10-07', '2013-10-08']);
    assert.deepEqual(store.minuteDates('SPY', '2013-10-08', '2013-10-08'), ['2013-10-08']);
    assert.deepEqual(store.minuteDates('AIG', '2013-10-08', '2013-10-31'), []);
    store.close();
  });

  it('reads a chain\'s quotes grouped by contract, its option minutes, and answers "any quotes?" per underlying', () => {
    const store = openStore(':memory:');
    const q = (ticker: string, ts: number, bid: number | null, sequence?: number): OptionQuote => ({
      ticker, ts, bid, bidSize: bid === null ? null : 1, ask: 2, askSize: 3, ...(sequence !== undefined ? { sequence } : {}),
    });
    const quotes = [
      q('O:GOOG151224C00750000', T0 + 2 * MIN, 1.5, 7),
      q('O:GOOG151224P00750000', T0, null),
      q('O:GOOG151224C00750000', T0, 1.25),
      q('O:GOOGL151224C00750000', T0, 1), // another root: not GOOG
    ];
    store.upsertOptionQuotes(quotes);
    const got = store.optionQuotesByContract('GOOG', T0, T0 + 10 * MIN);
    // The same rows as the ts-ordered read, each contract's together and ascending.
    const byTs = store.optionQuotes('GOOG', T0, T0 + 10 * MIN);
    assert.equal(got.length, 3);
    assert.deepEqual([...got].sort((a, b) => a.ts - b.ts || a.ticker.localeCompare(b.ticker)), byTs);
    for (let i = 1; i < got.length; i++) {
      if (got[i]!.ticker === got[i - 1]!.ticker) assert.ok(got[i]!.ts > got[i - 1]!.ts);
    }
    const runs = got.filter((x, i) => i === 0 || x.ticker !== got[i - 1]!.ticker).length;
    assert.equal(runs, new Set(got.map((x) => x.ticker)).size, 'each contract\'s quotes are contiguous');
    assert.equal(got.find((x) => x.ticker === 'O:GOOG151224P00750000')!.bid, null, 'a missing bid stays null');
    assert.equal(got.find((x) => x.ts === T0 + 2 * MIN)!.sequence, 7);

    assert.equal(store.hasOptionQuotes('GOOG', T0, T0 + MIN), true);
    assert.equal(store.hasOptionQuotes('GOOG', T0 + 3 * MIN, T0 + 10 * MIN), false);
    assert.equal(store.hasOptionQuotes('ZZZZ', 0, Number.MAX_SAFE_INTEGER), false);

    store.upsertOptionMinuteBars([bar('O:GOOG151224C00750000', 1), bar('O:GOOG151224P00750000', 0), bar('O:GOOGL151224C00750000', 0)]);
    assert.deepEqual(store.optionMinuteBarsOf('GOOG', T0, T0 + 10 * MIN).map((b) => [b.symbol, b.start]), [
      ['O:GOOG151224P00750000', T0],
      ['O:GOOG151224C00750000', T0 + MIN],
    ]);
    store.close();
  });
});
