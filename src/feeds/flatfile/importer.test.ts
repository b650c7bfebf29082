import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { constants, gunzipSync, gzipSync } from 'node:zlib';
import { InputError } from '../../core/errors.js';
import { openStore, type SqliteMarketStore } from '../../store/index.js';
import {
  importDirectory,
  importFile,
  kindFromPath,
  nsToMs,
  type DirectoryImportReport,
  type ImportProgress,
} from './index.js';
import { DATA_DIR } from '../../../test/helpers/data.js';

// The shared recorded data, or OPTDESK_DATA (test/helpers/data.ts).
const DATA = DATA_DIR;
const FLAT = join(DATA, 'flatfiles');
const tmp = mkdtempSync(join(tmpdir(), 'optdesk-flatfile-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Data rows of a shared gzip CSV (header dropped), read independently of the importer. */
function fileRows(path: string): string[][] {
  const text = gunzipSync(readFileSync(path)).toString('utf8');
  return text.split('\n').slice(1).filter((l) => l !== '').map((l) => l.split(','));
}

/** Every gzip file under the shared data, counted independently of the importer's walk. */
function sharedDataFiles(): string[] {
  return readdirSync(DATA, { recursive: true, encoding: 'utf8' }).filter((p) => p.endsWith('.csv.gz')).map((p) => join(DATA, p));
}

/** Tickers that have a vendor daily file (`day_aggs_v1/by_ticker/TICKER.csv.gz`). */
function vendorDailyTickers(): Set<string> {
  const dir = join(FLAT, 'us_stocks_sip/day_aggs_v1/by_ticker');
  return new Set(readdirSync(dir).filter((f) => f.endsWith('.csv.gz')).map((f) => f.replace('.csv.gz', '')));
}

function writeFixture(relPath: string, content: Buffer | string): string {
  const path = join(tmp, relPath);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  return path;
}

const AGG_HEADER = 'ticker,volume,open,close,high,low,window_start,transactions';

describe('importDirectory over the shared Massive data', () => {
  let store: SqliteMarketStore;
  let first: DirectoryImportReport;
  let second: DirectoryImportReport;
  const progress: ImportProgress[] = [];

  before(async () => {
    store = openStore(join(tmp, 'shared.db'));
    const started = performance.now();
    first = await importDirectory(DATA, store, { onProgress: (p) => progress.push(p) });
    const mid = performance.now();
    second = await importDirectory(DATA, store);
    // Timing is informational (the benchmark owns the numbers); shown with --test-reporter=spec.
    console.log(`shared data: first import ${(mid - started).toFixed(0)} ms, re-import ${(performance.now() - mid).toFixed(0)} ms`);
  });
  after(() => store.close());

  it('imports every recognised file without errors and ignores the README with a note', () => {
    const expected = sharedDataFiles();
    assert.ok(expected.length > 0, 'the shared data has files');
    assert.deepEqual(first.files.map((f) => f.path).sort(), expected.sort());
    assert.equal(first.failedFiles, 0);
    assert.equal(first.rowsBad, 0);
    assert.deepEqual(first.ignored.map((i) => i.path), [join(DATA, 'README.md')]);
    for (const f of first.files) assert.equal(f.inserted, f.rowsOk, f.path);
  });

  it('imports each file row for row', () => {
    for (const f of first.files) {
      const expected = f.kind === 'open-interest'
        ? gunzipSync(readFileSync(f.path)).toString().trim().split('\n').length - 1
        : fileRows(f.path).length;
      assert.equal(f.rowsOk, expected, f.path);
    }
  });

  it('stores the SPY 2013-10-07 minute bars the file holds, with ns → ms exact', () => {
    const rows = fileRows(join(FLAT, 'us_stocks_sip/minute_aggs_v1/2013/10/2013-10-07.csv.gz')).filter((r) => r[0] === 'SPY');
    const starts = rows.map((r) => Number(BigInt(r[6]!) / 1_000_000n));
    const from = Math.min(...starts);
    const to = Math.max(...starts) + 60_000;
    const bars = store.minuteBars('SPY', from, to);
    assert.equal(bars.length, rows.length);
    assert.deepEqual(bars.map((b) => b.start), [...starts].sort((a, b) => a - b));
    const firstRow = rows[0]!;
    assert.deepEqual(bars[0], {
      symbol: 'SPY', start: starts[0], volume: Number(firstRow[1]), open: Number(firstRow[2]), close: Number(firstRow[3]),
      high: Number(firstRow[4]), low: Number(firstRow[5]),
    });
    assert.equal(store.symbols().find((s) => s.symbol === 'SPY')?.minuteDates.includes('2013-10-07'), true);
  });

  it('gives 2,192 GOOG contracts on 2015-12-24 and keeps missing bids null', () => {
    const path = join(FLAT, 'us_options_opra/quotes_v1/2015/12/2015-12-24.csv.gz');
    const rows = fileRows(path);
    const quotes = store.optionQuotes('GOOG', Date.UTC(2015, 11, 24), Date.UTC(2015, 11, 25));
    assert.equal(quotes.length, rows.length);
    assert.equal(new Set(quotes.map((q) => q.ticker)).size, 2192);
    assert.equal(store.optionContracts('GOOG').length, 2192);
    const emptyBids = rows.filter((r) => r[5] === '').length;
    const emptyAsks = rows.filter((r) => r[2] === '').length;
    assert.ok(emptyBids > 0);
    assert.equal(quotes.filter((q) => q.bid === null).length, emptyBids);
    assert.equal(quotes.filter((q) => q.ask === null).length, emptyAsks);
    assert.equal(quotes.filter((q) => q.bid === 0 || q.ask === 0).length, 0, 'no missing side became 0');
    assert.equal(quotes.filter((q) => q.bid === null && q.bidSize !== null).length, 0);
  });

  it('imports open interest, option minute bars and vendor daily bars', () => {
    assert.equal(store.openInterest('2015-12-24', 'GOOG').length, 2058);
    assert.deepEqual(store.optionUnderlyings(), ['GOOG', 'SPY']);
    const optionBars = store.optionMinuteBars('O:GOOG151224C00750000', 0, Number.MAX_SAFE_INTEGER);
    assert.ok(optionBars.length > 0);
    const spyDaily = fileRows(join(FLAT, 'us_stocks_sip/day_aggs_v1/by_ticker/SPY.csv.gz'));
    assert.equal(store.dailyBars('SPY', 0, Number.MAX_SAFE_INTEGER).length, spyDaily.length);
    const symbols = new Map(store.symbols().map((s) => [s.symbol, s]));
    assert.equal(symbols.get('AAPL')?.hasVendorDaily, true);
    assert.equal(symbols.get('AAPL')?.minuteBars, 0);
    const withDaily = vendorDailyTickers();
    assert.ok(withDaily.has('BAC'), 'BAC has a vendor daily file now');
    for (const s of symbols.values()) assert.equal(s.hasVendorDaily, withDaily.has(s.symbol), s.symbol);
  });

  it('re-importing changes nothing: every row counts as unchanged', () => {
    assert.equal(second.inserted, 0);
    assert.equal(second.updated, 0);
    assert.equal(second.unchanged, first.inserted);
    assert.equal(store.imports(1000).length, 2 * first.files.length, 'both runs are in the import log');
  });

  it('passes over files already imported unchanged when asked to', async () => {
    const third = await importDirectory(DATA, store, { skipImported: true });
    assert.equal(third.files.every((f) => f.skipped === true && f.rowsOk === 0), true);
    assert.equal(store.imports(1000).length, 2 * first.files.length, 'skipped files are not logged again');
  });

  it('reports progress by compressed bytes, ending at the total', () => {
    assert.ok(progress.length >= first.files.length * 2);
    for (let i = 1; i < progress.length; i++) {
      assert.ok(progress[i]!.totalBytesRead >= progress[i - 1]!.totalBytesRead, 'progress never goes back');
    }
    const last = progress.at(-1)!;
    assert.equal(last.done, true);
    assert.equal(last.totalBytesRead, last.totalBytes);
    assert.equal(last.fileIndex, last.fileCount);
  });
});

describe('bad input: clear errors, nothing good lost', () => {
  let store: SqliteMarketStore;
  before(() => {
    store = openStore(join(tmp, 'bad.db'));
  });
  after(() => store.close());

  it('reports malformed rows with file:line and why, importing the rest', async () => {
    const t = 1704205800000; // 2024-01-02 09:30 New York, ms
    const ns = (i: number): string => `${t + i * 60_000}000000`;
    const path = writeFixture(
      'bad-rows/us_stocks_sip/minute_aggs_v1/2024/01/2024-01-02.csv.gz',
      gzipSync([
        AGG_HEADER,
        `XYZ,100,10,10.5,11,9.5,${ns(0)},`, // line 2 ok
        `XYZ,100,10,abc,11,9.5,${ns(1)},`, // line 3 non-numeric close
        `XYZ,100,10,10.5,9,11,${ns(2)},`, // line 4 high < low
        `XYZ,100,10,10.5,11,9.5`, // line 5 wrong column count
        `XYZ,-5,10,10.5,11,9.5,${ns(4)},`, // line 6 negative volume
        `XYZ,100,,10.5,11,9.5,${ns(5)},`, // line 7 empty open
        `XYZ,100,10,10.5,11,9.5,${t + 6 * 60_000},`, // line 8 ms where ns belong
        `XYZ,200,10.5,10.7,10.8,10.4,${ns(7)},17`, // line 9 ok, with transactions
      ].join('\n') + '\n'),
    );
    const r = await importFile(path, store);
    assert.equal(r.error, undefined);
    assert.equal(r.rowsOk, 2);
    assert.equal(r.rowsBad, 6);
    assert.deepEqual(r.errors.map((e) => e.line), [3, 4, 5, 6, 7, 8]);
    assert.match(r.errors[0]!.message, /2024-01-02\.csv\.gz:3: close "abc" is not a decimal number/);
    assert.match(r.errors[1]!.reason, /high 9 is below low 11/);
    assert.match(r.errors[2]!.reason, /6 columns, the header has 8/);
    assert.match(r.errors[3]!.reason, /volume -5 is negative/);
    assert.match(r.errors[4]!.reason, /open is empty/);
    assert.match(r.errors[5]!.reason, /not epoch nanoseconds/);
    const bars = store.minuteBars('XYZ', t, t + 3_600_000);
    assert.deepEqual(bars.map((b) => b.start), [t, t + 7 * 60_000]);
    assert.equal(bars[0]?.trades, undefined, 'empty transactions stays unknown');
    assert.equal(bars[1]?.trades, 17);
  });

  it('reads numbers as plain decimals: hex, binary, octal, blanks and separators are bad rows named by file:line', async () => {
    const t = 1704205800000;
    const ns = (i: number): string => `${t + i * 60_000}000000`;
    const odd = ['0xA7', '0b101', '0o7', ' 12', '1_000', 'Infinity', '12abc'];
    const path = writeFixture(
      'non-decimal/us_stocks_sip/minute_aggs_v1/2024/01/2024-01-02.csv.gz',
      gzipSync([
        AGG_HEADER,
        ...odd.map((v, i) => `HEX,${v},10,10,10,10,${ns(i)},`), // lines 2..8: volume is not a decimal
        `HEX,100,0xA,10,10,10,${ns(7)},`, // line 9: open in hex (10)
        `HEX,1e2,10,10.5,11,9.5,${ns(8)},3`, // line 10: exponent notation is still a decimal
        `HEX,100,10,10.5,11,9.5,${ns(9)},0b11`, // line 11: transactions in binary
      ].join('\n') + '\n'),
    );
    const r = await importFile(path, store);
    assert.equal(r.rowsOk, 1);
    assert.deepEqual(r.errors.map((e) => e.line), [2, 3, 4, 5, 6, 7, 8, 9, 11]);
    odd.forEach((v, i) => assert.equal(r.errors[i]!.message, `${path}:${i + 2}: volume "${v}" is not a decimal number`));
    assert.equal(r.errors[7]!.reason, 'open "0xA" is not a decimal number');
    assert.equal(r.errors[8]!.reason, 'transactions "0b11" is not a decimal number');
    assert.deepEqual(store.minuteBars('HEX', t, t + 3_600_000).map((b) => [b.start, b.volume]), [[t + 8 * 60_000, 100]], 'only the decimal row is stored');
  });

  it('stops a truncated gzip with an error naming file and line, keeping every good row before it', async () => {
    const t = 1704205800000;
    const lines = [AGG_HEADER];
    for (let i = 0; i < 60_000; i++) lines.push(`TRNC,${100 + i},10,10.5,11,9.5,${t + i * 60_000}000000,`);
    const whole = gzipSync(lines.join('\n') + '\n');
    const cut = whole.subarray(0, Math.floor(whole.length * 0.6));
    // What a tolerant reader can recover: the complete lines in the decompressible prefix.
    const recoverable = gunzipSync(cut, { finishFlush: constants.Z_SYNC_FLUSH }).toString('utf8');
    const completeRows = recoverable.split('\n').length - 1 - 1; // last piece is partial; minus header
    assert.ok(completeRows > 20_000, 'the fixture spans several batches');

    const dir = join(tmp, 'truncated');
    const path = writeFixture('truncated/us_stocks_sip/minute_aggs_v1/2024/01/2024-01-03.csv.gz', cut);
    const goodAfter = writeFixture(
      'truncated/us_stocks_sip/minute_aggs_v1/2024/01/2024-01-04.csv.gz',
      gzipSync(`${AGG_HEADER}\nAFTR,1,1,1,1,1,${t}000000,\n`),
    );
    const report = await importDirectory(dir, store);
    const [bad, good] = report.files;
    assert.equal(bad?.path, path);
    assert.match(bad?.error ?? '', /2024-01-03\.csv\.gz: stopped after line \d+: the gzip data ends early \(file truncated/);
    const line = Number(/after line (\d+)/.exec(bad!.error!)![1]);
    assert.equal(line, completeRows + 1, 'the line reached is the last complete one');
    assert.equal(bad?.rowsOk, completeRows);
    assert.equal(bad?.inserted, completeRows);
    assert.equal(store.minuteBars('TRNC', 0, Number.MAX_SAFE_INTEGER).length, completeRows);
    assert.equal(report.failedFiles, 1);
    assert.equal(good?.path, goodAfter, 'the next file still imports');
    assert.equal(good?.error, undefined);
    assert.equal(good?.inserted, 1);
    assert.equal(store.lastImport(path)?.error, bad?.error, 'the failure is in the import log');
  });

  it('reports a file that is not gzip at all', async () => {
    const path = writeFixture('notgz/us_stocks_sip/minute_aggs_v1/2024/01/2024-01-05.csv.gz', `${AGG_HEADER}\n`);
    const r = await importFile(path, store);
    assert.match(r.error ?? '', /2024-01-05\.csv\.gz: stopped after line 0: the gzip data is corrupt/);
    assert.equal(r.rowsOk, 0);
  });

  it('refuses a header that does not match the kind the path names', async () => {
    const quotesHeader = 'ticker,ask_exchange,ask_price,ask_size,bid_exchange,bid_price,bid_size,sequence_number,sip_timestamp';
    const path = writeFixture(
      'mismatch/us_stocks_sip/minute_aggs_v1/2024/01/2024-01-02.csv.gz',
      gzipSync(`${quotesHeader}\nO:SPY240119C00470000,,1,1,,0.9,1,1,1704205859999000000\n`),
    );
    const r = await importFile(path, store);
    assert.match(r.error ?? '', /:1: header .* is missing volume, open, close, high, low, window_start for a stocks minute_aggs_v1 file/);
    assert.match(r.error ?? '', /looks like a options quotes_v1 file/);
    assert.equal(r.rowsOk, 0);
  });

  it('rejects option rows with a bad ticker and stock files holding option tickers', async () => {
    const path = writeFixture(
      'opt/us_options_opra/quotes_v1/2024/01/2024-01-02.csv.gz',
      gzipSync([
        'ticker,ask_exchange,ask_price,ask_size,bid_exchange,bid_price,bid_size,sequence_number,sip_timestamp',
        'O:SPY240119C00470000,,1.2,3,,,,7,1704205859999123456',
        'SPY,,1.2,3,,1.1,2,8,1704205859999000000',
        'O:SPY240119C00470000,,1.2,3,,x,2,9,1704205859999000000',
      ].join('\n')),
    );
    const r = await importFile(path, store);
    assert.deepEqual([r.rowsOk, r.rowsBad], [1, 2]);
    assert.match(r.errors[0]!.reason, /"SPY" is not an OCC option ticker/);
    assert.match(r.errors[1]!.reason, /bid_price "x" is not a decimal number/);
    assert.deepEqual(store.contractQuotes('O:SPY240119C00470000', 0, Number.MAX_SAFE_INTEGER), [
      { ticker: 'O:SPY240119C00470000', ts: 1704205859999, bid: null, bidSize: null, ask: 1.2, askSize: 3, sequence: 7 },
    ]);
  });

  it('names unknown files and missing paths', async () => {
    await assert.rejects(importFile(join(tmp, 'nope.csv.gz'), store), InputError);
    const stray = writeFixture('stray/minute_aggs_v1/2024-01-02.csv.gz', gzipSync(AGG_HEADER));
    await assert.rejects(importFile(stray, store), /cannot tell stocks from options/);
    await assert.rejects(importDirectory(join(tmp, 'missing-dir'), store), /no such file or directory/);
  });
});

describe('helpers', () => {
  it('converts epoch nanoseconds to ms without float loss', () => {
    assert.equal(nsToMs('1691069459999999999'), 1691069459999); // as a float this rounds up to …460000
    assert.equal(nsToMs('1380873960000000000'), 1380873960000);
    assert.equal(nsToMs('12a'), undefined);
  });

  it('detects the kind from Massive’s layout', () => {
    assert.equal(kindFromPath('/d/flatfiles/us_stocks_sip/day_aggs_v1/by_ticker/SPY.csv.gz'), 'stocks-day');
    assert.equal(kindFromPath('/d/us_options_opra/quotes_v1/2015/12/2015-12-24.csv.gz'), 'options-quotes');
    assert.equal(kindFromPath('/d/us_options_opra/minute_aggs_v1/2015/12/2015-12-24.csv'), 'options-minute');
    assert.equal(kindFromPath('/d/reference/open_interest/2015-12-24.csv.gz'), 'open-interest');
    assert.equal(kindFromPath('/d/us_stocks_sip/trades_v1/2015/12/2015-12-24.csv.gz'), undefined);
    assert.equal(kindFromPath('/d/us_stocks_sip/minute_aggs_v1/README.md'), undefined);
  });
});
