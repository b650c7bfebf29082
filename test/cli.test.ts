/**
 * The CLI as a user runs it: `optdesk import ../shared/data`, then `bars` and `check`,
 * through the real bin script in a child process, against a fresh SQLite file.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { gzipSync, gunzipSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DATA_DIR, readAggregates, stockMinuteFile, stockDailyFile } from './helpers/data.js';
import { nyTimeToMs, sessionOn } from '../src/calendar/index.js';
import { findDailyBadTicks } from '../src/bars/integrity.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/optdesk.js');

function optdesk(args: string[], env: NodeJS.ProcessEnv = {}) {
  // OPTDESK_SOURCE=1: test the TypeScript sources, not whatever dist/ was last built from.
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, OPTDESK_SOURCE: '1', ...env }, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('optdesk CLI on the real data', () => {
  let dir: string;
  let db: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'optdesk-cli-'));
    db = path.join(dir, 'test.db');
    const r = optdesk(['import', DATA_DIR, '--db', db]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('bars SPY --tf 5m for 2013-10-07 prints 78 bars equal to the file\'s minutes aggregated', () => {
    const r = optdesk(['bars', 'SPY', '--tf', '5m', '--from', '2013-10-07', '--to', '2013-10-07', '--db', db]);
    assert.equal(r.code, 0, r.stderr);
    const [header, ...rows] = r.stdout.trim().split('\n');
    assert.equal(header, 'start,open,high,low,close,volume');
    assert.equal(rows.length, 78);
    assert.match(rows[0]!, /^2013-10-07T09:30:00-04:00,/);
    assert.match(rows[77]!, /^2013-10-07T15:55:00-04:00,/);
    // Independent check of every row against the raw file.
    const s = sessionOn('2013-10-07')!;
    const minutes = readAggregates(stockMinuteFile('2013-10-07'), 'SPY').filter((m) => m.start >= s.open && m.start < s.close);
    rows.forEach((row, i) => {
      const bucketStart = s.open + i * 300_000;
      const inside = minutes.filter((m) => m.start >= bucketStart && m.start < bucketStart + 300_000);
      const expected = [inside[0]!.open, Math.max(...inside.map((m) => m.high)), Math.min(...inside.map((m) => m.low)),
        inside[inside.length - 1]!.close, inside.reduce((a, m) => a + m.volume, 0)];
      assert.deepEqual(row.split(',').slice(1).map(Number), expected, row);
    });
  });

  test('1D uses the vendor daily bar for closed sessions; JSON format works; 1h is session-aligned', () => {
    const daily = optdesk(['bars', 'SPY', '--tf', '1D', '--from', '2013-10-07', '--to', '2013-10-11', '--db', db]);
    const rows = daily.stdout.trim().split('\n').slice(1);
    assert.equal(rows.length, 5);
    // Each closed session's 1D bar is the vendor file's row (parsed here, not by the importer);
    // 2013-10-08 is the day the minute-derived low (165.36) differs from the vendor's (165.37).
    const vendor = readAggregates(stockDailyFile('SPY'));
    const vendorRow = (date: string): string => {
      const d = vendor.find((b) => b.start === nyTimeToMs(date, '00:00'))!;
      return [date, d.open, d.high, d.low, d.close, d.volume].join(',');
    };
    assert.deepEqual(rows, ['2013-10-07', '2013-10-08', '2013-10-09', '2013-10-10', '2013-10-11'].map(vendorRow));
    assert.match(rows[1]!, /,165\.37,/);
    const hourly = JSON.parse(optdesk(['bars', 'SPY', '--tf', '1h', '--from', '2013-10-07', '--to', '2013-10-07', '--format', 'json', '--db', db]).stdout);
    assert.equal(hourly.bars.length, 7);
    assert.equal(hourly.bars[0].start, '2013-10-07T09:30:00-04:00');
    assert.equal(hourly.bars[0].startMs, nyTimeToMs('2013-10-07', '09:30'));
    // Daily bars exist long before the minute data: 1998 from the vendor file alone.
    const old = optdesk(['bars', 'SPY', '--tf', '1D', '--from', '1998-01-02', '--to', '1998-01-02', '--db', db]);
    assert.equal(old.stdout.trim().split('\n')[1], vendorRow('1998-01-02'));
  });

  test('--extended adds pre-market and after-hours bars; the early close day ends at 12:55', () => {
    const rth = optdesk(['bars', 'GOOG', '--tf', '5m', '--from', '2015-12-24', '--to', '2015-12-24', '--db', db]).stdout.trim().split('\n');
    assert.equal(rth.length - 1, 42);
    assert.match(rth[rth.length - 1]!, /^2015-12-24T12:55:00-05:00,/);
    const ext = optdesk(['bars', 'GOOG', '--tf', '5m', '--from', '2015-12-24', '--to', '2015-12-24', '--extended', '--db', db]).stdout.trim().split('\n');
    assert.ok(ext.length > rth.length);
    assert.ok(ext.some((l) => l.startsWith('2015-12-24T13:')), 'after-hours bars after the 13:00 close');
  });

  test('check reports the vendor/minute difference and the real bad prints of 2013-10-08', () => {
    const r = optdesk(['check', 'SPY', '--from', '2013-10-04', '--to', '2013-10-11', '--format', 'json', '--db', db]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(report.dailyDifferences, [{ date: '2013-10-08', fields: { low: [165.37, 165.36] } }]);
    // The 15:03 and 15:36 minutes printed a high of 167.51 with the market near 166: bad ticks.
    const ticks = report.badTicks.filter((t: { date: string }) => t.date === '2013-10-08').map((t: { time: string }) => t.time);
    assert.ok(ticks.includes('15:03') && ticks.includes('15:36'), JSON.stringify(report.badTicks));
    assert.equal(report.missingMinutes.length, 0, 'SPY trades every regular minute');
    const aapl = JSON.parse(optdesk(['check', 'AAPL', '--from', '2000-01-01', '--to', '2020-12-31', '--format', 'json', '--db', db]).stdout);
    const splits = aapl.suspectedSplits.map((s: { date: string; ratio: string }) => `${s.date} ${s.ratio}`);
    for (const known of ['2000-06-21 2:1', '2005-02-28 2:1', '2014-06-09 7:1', '2020-08-31 4:1']) assert.ok(splits.includes(known), `${known} in ${splits}`);
  });

  test('an implausible daily volume is flagged as a bad tick', () => {
    const daily = readAggregates(stockDailyFile('SPY')).slice(-30);
    const last = daily[daily.length - 1]!;
    daily[daily.length - 1] = { ...last, volume: 906_734_945_848 };
    const ticks = findDailyBadTicks(daily);
    assert.equal(ticks.length, 1);
    assert.equal(ticks[0]!.kind, 'volume');
    assert.equal(ticks[0]!.date, '2021-03-31');
  });

  test('re-importing the same data changes nothing', () => {
    const r = optdesk(['import', DATA_DIR, '--db', db, '--format', 'json']);
    assert.equal(r.code, 0);
    const report = JSON.parse(r.stdout);
    assert.equal(report.inserted, 0);
    assert.equal(report.updated, 0);
    assert.ok(report.unchanged > 300_000);
  });

  test('bad arguments name the flag and exit 2', () => {
    const cases: [string[], RegExp][] = [
      [['bars', 'SPY', '--tf', '7m', '--from', '2013-10-07', '--to', '2013-10-07'], /--tf: must be one of/],
      [['bars', 'SPY', '--tf', '5m', '--from', '2013-13-07', '--to', '2013-10-07'], /--from: is not a real calendar date/],
      [['bars', 'SPY', '--tf', '5m', '--from', '2013-10-08', '--to', '2013-10-07'], /--to: must not be before --from/],
      [['bars', 'SPY', '--tf', '5m', '--from', '2013-10-07', '--to', '2013-10-07', '--format', 'xml'], /--format: must be csv or json/],
      [['bars', 'SPY', '--from', '2013-10-07', '--to', '2013-10-07'], /required option '--tf <tf>'/],
      [['check', '$$$', '--from', '2013-10-07', '--to', '2013-10-07'], /SYMBOL: must be a ticker/],
    ];
    for (const [args, message] of cases) {
      const r = optdesk([...args, '--db', db]);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, message);
    }
  });

  test('chain GOOG at 2015-12-24 11:00: every contract, IV or a reason, missing sides stay empty', () => {
    const r = optdesk(['chain', 'GOOG', '--at', '2015-12-24T11:00', '--db', db]);
    assert.equal(r.code, 0, r.stderr);
    const [header, ...rows] = r.stdout.trim().split('\n');
    assert.equal(header, 'ticker,expiration,strike,right,bid,ask,mid,iv,delta,gamma,theta,vega,break_even,open_interest,iv_reason');
    assert.equal(rows.length, 2192);
    const parsed = rows.map((l) => l.split(','));
    assert.equal(new Set(parsed.map((c) => c[1])).size, 12, 'twelve expirations including the 0-DTE one');
    for (const c of parsed) {
      assert.ok((c[7] === '') !== (c[14] === ''), `exactly one of iv / iv_reason: ${c.join(',')}`);
      if (c[4] === '') assert.ok(['no_bid', 'no_quote'].includes(c[14]!), `missing bid gives a reason: ${c.join(',')}`);
    }
    // The 0-DTE 750 call: GOOG at 749.23, quoted 0.60 × 1.00.
    const atm = parsed.find((c) => c[0] === 'O:GOOG151224C00750000')!;
    assert.deepEqual(atm.slice(4, 7).map(Number), [0.6, 1, 0.8]);
    assert.ok(Number(atm[8]) > 0.3 && Number(atm[8]) < 0.5, 'near-the-money delta');
    assert.equal(Number(atm[12]), 750.8, 'break-even = strike + mid');
    assert.equal(atm[13], '780', 'open interest from the reference file');
    const bad = optdesk(['chain', 'GOOG', '--at', '2015-12-24T11:00', '--expiration', '2015-12-25', '--db', db]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--expiration: 2015-12-25 is not an open GOOG expiration/);
    const none = optdesk(['chain', 'AAPL', '--at', '2015-12-24T11:00', '--db', db]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no AAPL trades on 2015-12-24/);
  });

  test('serve on a port that is taken says so and exits 1', async () => {
    const { createServer: net } = await import('node:net');
    const blocker = net().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = optdesk(['serve', '--port', String(port), '--db', db]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`port ${port} is already in use`));
    } finally {
      blocker.close();
    }
  });

  test('every command has --help', () => {
    for (const cmd of ['import', 'bars', 'check', 'serve', 'chain']) {
      const r = optdesk([cmd, '--help']);
      assert.equal(r.code, 0, cmd);
      assert.match(r.stdout, new RegExp(`Usage: optdesk ${cmd}`));
    }
  });
});

describe('optdesk import with damaged files', () => {
  test('a truncated gzip and a non-numeric price: clear errors with file and line, good rows imported', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'optdesk-bad-'));
    try {
      const folder = path.join(dir, 'us_stocks_sip/minute_aggs_v1/2013/10');
      spawnSync('mkdir', ['-p', folder]);
      const raw = gunzipSync(readFileSync(stockMinuteFile('2013-10-07'))).toString('utf8').split('\n');
      const withBadRow = [...raw.slice(0, 11), 'SPY,100,abc,167.3,167.4,167.2,1381153500000000000,', ...raw.slice(11)].join('\n');
      writeFileSync(path.join(folder, '2013-10-07.csv.gz'), gzipSync(withBadRow));
      const full = gzipSync(gunzipSync(readFileSync(stockMinuteFile('2013-10-08'))));
      writeFileSync(path.join(folder, '2013-10-08.csv.gz'), full.subarray(0, Math.floor(full.length / 2)));
      const db = path.join(dir, 'x.db');
      const r = optdesk(['import', path.join(dir, 'us_stocks_sip'), '--db', db]);
      assert.equal(r.code, 1, 'a file that stopped early makes the exit code non-zero');
      assert.match(r.stdout, /2013-10-07\.csv\.gz:12: .*open/);
      assert.match(r.stdout, /2013-10-08\.csv\.gz\n.*STOPPED: .*line \d+: the gzip data ends early .*kept the \d+ good rows/);
      const bars = optdesk(['bars', 'SPY', '--tf', '1m', '--from', '2013-10-07', '--to', '2013-10-07', '--extended', '--db', db]);
      const goodRows = raw.slice(1).filter((l) => l.startsWith('SPY,')).length;
      assert.equal(bars.stdout.trim().split('\n').length - 1, goodRows, 'every good row of the file with one bad row');
      const partial = optdesk(['bars', 'SPY', '--tf', '1m', '--from', '2013-10-08', '--to', '2013-10-08', '--extended', '--db', db]);
      assert.ok(partial.stdout.trim().split('\n').length > 100, 'rows read before the truncation are kept');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
