/**
 * `optdesk backtest` as a user runs it: the bin script in a child process against a fresh
 * SQLite file holding SPY 2013-10-07..11 (imported from ../shared/data).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DATA_DIR, readAggregates, stockMinuteFile } from './helpers/data.js';
import { optdesk } from './helpers/optdesk.js';
import { nyTimeToMs } from '../src/calendar/index.js';

const DAYS = ['2013-10-07', '2013-10-08', '2013-10-09', '2013-10-10', '2013-10-11'];
const RANGE = ['--symbol', 'SPY', '--from', '2013-10-07', '--to', '2013-10-11'];

describe('backtest CLI on SPY 2013-10-07..11', () => {
  let dir: string;
  let db: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'optdesk-bt-cli-'));
    db = path.join(dir, 'test.db');
    for (const d of DAYS) {
      const r = optdesk(['import', stockMinuteFile(d), '--db', db]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('orb --format json: trades with New York offsets, stats, levels (= first five minutes of the raw file) and equity', () => {
    const r = optdesk(['backtest', '--strategy', 'orb', ...RANGE, '--db', db]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.ok(j.trades.length >= 1);
    for (const t of j.trades) {
      assert.match(t.entryTime, /^2013-10-\d\dT\d\d:\d\d:00-04:00$/);
      assert.ok(['long', 'short'].includes(t.side));
      for (const k of ['entryPrice', 'exitPrice', 'qty', 'fees', 'pnl', 'r', 'reasonIn', 'reasonOut', 'mae', 'mfe']) assert.ok(k in t, k);
      for (const k of ['pnl', 'fees']) assert.ok(Math.abs(t[k] * 100 - Math.round(t[k] * 100)) < 1e-6, `${k} in whole cents`);
    }
    assert.equal(j.levels.length, 5);
    for (const lv of j.levels) {
      const raw = readAggregates(stockMinuteFile(lv.date), 'SPY').filter((b) => b.start >= nyTimeToMs(lv.date, '09:30') && b.start < nyTimeToMs(lv.date, '09:35'));
      assert.deepEqual([lv.high, lv.low], [Math.max(...raw.map((b) => b.high)), Math.min(...raw.map((b) => b.low))]);
    }
    assert.equal(j.equity.length, j.trades.length + 1);
    const net = j.trades.reduce((a: number, t: { pnl: number }) => a + Math.round(t.pnl * 100), 0);
    assert.equal(Math.round(j.equity.at(-1).equity * 100), 10_000_000 + net);
    assert.equal(j.stats.trades, j.trades.length);
    assert.ok(j.stats.warnings.some((w: string) => w.startsWith('Too few trades')));
  });

  test('a trade open over the bad prints of SPY 2013-10-08 (15:03 and 15:36, see the data README) is flagged in dataWarnings', () => {
    const r = optdesk(['backtest', '--strategy', 'timeblock', '--symbol', 'SPY', '--from', '2013-10-08', '--to', '2013-10-08', '--param', 'blockMinutes=240', '--db', db]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    const open = j.trades.filter((t: { entryTime: string; exitTime: string }) => t.entryTime <= '2013-10-08T15:03' && t.exitTime >= '2013-10-08T15:36');
    assert.equal(open.length, 1, 'a trade spans both bad prints');
    assert.deepEqual(j.dataWarnings.map((d: { time: string }) => d.time), ['2013-10-08T15:03:00-04:00', '2013-10-08T15:36:00-04:00']);
    // ORB on the same week holds no position over them: no data warning.
    assert.deepEqual(JSON.parse(optdesk(['backtest', '--strategy', 'orb', ...RANGE, '--db', db]).stdout).dataWarnings, []);
  });

  test('timeblock --format csv prints the trades; --format html writes a self-contained page with the chart library inlined', () => {
    const csv = optdesk(['backtest', '--strategy', 'timeblock', ...RANGE, '--format', 'csv', '--db', db]);
    assert.equal(csv.code, 0, csv.stderr);
    assert.match(csv.stdout.split('\n')[0]!, /^entryTime,exitTime,side,entryPrice,exitPrice,stop,target,qty,fees,pnl,r,reasonIn,reasonOut,mae,mfe$/);
    assert.match(csv.stderr, /timeblock SPY 2013-10-07\.\.2013-10-11: 5 sessions/);
    const out = path.join(dir, 'r.html');
    const html = optdesk(['backtest', '--strategy', 'orb', ...RANGE, '--format', 'html', '--out', out, '--db', db]);
    assert.equal(html.code, 0, html.stderr);
    const page = readFileSync(out, 'utf8');
    assert.ok(page.includes('LightweightCharts') && !/<script src=/.test(page));
  });

  test('bad input names the flag and exits 2 (options-mode parameters too); --help lists the parameters of both strategies and of options mode', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--strategy', 'nope', ...RANGE], /--strategy: must be one of orb, timeblock/],
      [['--strategy', 'orb', ...RANGE, '--param', 'targetR=x'], /--param targetR: must be a number/],
      [['--strategy', 'orb', ...RANGE, '--param', 'bogus=1'], /--param bogus: unknown parameter/],
      [['--strategy', 'orb', ...RANGE, '--format', 'xml'], /--format: must be json, csv or html/],
      [['--strategy', 'orb', '--symbol', 'SPY', '--from', '2013-10-11', '--to', '2013-10-07'], /--to: must not be before --from/],
      [['--strategy', 'orb', ...RANGE, '--mode', 'shares'], /--mode: must be underlying or options/],
      [['--strategy', 'orb', ...RANGE, '--mode', 'options', '--param', 'expiration=monthly'], /--param expiration: must be 0dte, weekly or min-days:N/],
      [['--strategy', 'orb', ...RANGE, '--mode', 'options', '--param', 'deltaMin=0.8'], /--param deltaMin: must be ≤ deltaMax/],
      [['--strategy', 'orb', ...RANGE, '--param', 'maxSpreadPct=20'], /--param maxSpreadPct: unknown parameter of orb/],
      [['--strategy', 'orb', ...RANGE, '--frobnicate'], /unknown option '--frobnicate'/],
    ];
    for (const [args, msg] of cases) {
      const r = optdesk(['backtest', ...args, '--db', db]);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, msg);
    }
    const notDb = path.join(dir, 'not-a-db.txt');
    writeFileSync(notDb, 'hello');
    for (const file of [notDb, path.join(dir, 'missing.db')]) {
      const r = optdesk(['backtest', '--strategy', 'orb', ...RANGE, '--db', file]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /--db: /);
    }
    const help = optdesk(['backtest', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /rangeMinutes=5/);
    assert.match(help.stdout, /retestTol=0.0005/);
    assert.match(help.stdout, /expiration=weekly .*min-days:N/);
    assert.match(help.stdout, /optionStopPct=0 /);
  });

  test('--mode options on SPY 2013 (no recorded option quotes): MODEL quotes, and the JSON, CSV and summary say so', () => {
    const r = optdesk(['backtest', '--strategy', 'orb', ...RANGE, '--mode', 'options', '--param', 'maxSpreadPct=25', '--db', db]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.mode, 'options');
    assert.ok(j.trades.length >= 1);
    for (const t of j.trades) assert.equal(t.quoteSource, 'MODEL');
    assert.match(j.options.notice, /^MODEL quotes: theoretical prices, not market quotes/);
    assert.match(r.stderr, /warning: MODEL quotes: theoretical prices, not market quotes/);
    assert.match(r.stderr, /\[MODEL\]/);
    const csv = optdesk(['backtest', '--strategy', 'orb', ...RANGE, '--mode', 'options', '--param', 'maxSpreadPct=25', '--format', 'csv', '--db', db]);
    assert.equal(csv.code, 0, csv.stderr);
    const [head, ...rows] = csv.stdout.trim().split('\n');
    const col = head!.split(',').indexOf('quoteSource');
    assert.ok(col > 0 && rows.length === j.trades.length);
    for (const row of rows) assert.equal(row.split(',')[col], 'MODEL');
  });

  test('--sweep runs every combination on worker threads and warns about selection bias', () => {
    const r = optdesk(['backtest', '--strategy', 'orb', ...RANGE, '--sweep', 'targetR=1,2', '--sweep', 'waitMinutes=5,10', '--db', db]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.runs.length, 4);
    assert.deepEqual(j.runs.map((x: { params: Record<string, string> }) => `${x.params.targetR}/${x.params.waitMinutes}`), ['1/5', '1/10', '2/5', '2/10']);
    assert.match(j.warning, /Selection bias/);
    // The sweep's run equals the single run with the same parameters.
    const one = JSON.parse(optdesk(['backtest', '--strategy', 'orb', ...RANGE, '--param', 'targetR=2', '--param', 'waitMinutes=10', '--db', db]).stdout);
    assert.deepEqual(j.runs[3].stats, one.stats);
  });
});

describe('backtest CLI --mode options on GOOG 2015-12-24 (recorded option quotes)', () => {
  let dir: string;
  let db: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'optdesk-bt-cli-goog-'));
    db = path.join(dir, 'goog.db');
    for (const f of [stockMinuteFile('2015-12-24'), path.join(DATA_DIR, 'flatfiles/us_options_opra/quotes_v1/2015/12/2015-12-24.csv.gz'), path.join(DATA_DIR, 'reference/open_interest/2015-12-24.csv.gz')]) {
      const r = optdesk(['import', f, '--db', db]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('orb buys a recorded put at the ask and sells it at the bid; the summary names the contract, the quotes and the break-even; no MODEL notice', () => {
    const r = optdesk(['backtest', '--strategy', 'orb', '--symbol', 'GOOG', '--from', '2015-12-24', '--to', '2015-12-24', '--mode', 'options', '--param', 'maxSpreadPct=60', '--db', db]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.trades.length, 1);
    const t = j.trades[0];
    assert.match(t.contract, /^O:GOOG151224P\d{8}$/);
    assert.equal(t.quoteSource, 'RECORDED');
    assert.equal(t.entryPrice, t.entryAsk);
    assert.equal(t.exitPrice, t.exitBid);
    assert.equal(j.options.notice, null);
    assert.match(r.stderr, /options: 1 trades on RECORDED quotes, 0 on MODEL quotes/);
    assert.match(r.stderr, new RegExp(`short ${t.contract} \\[RECORDED\\] 1 × ask ${t.entryAsk} → bid ${t.exitBid} \\(stop\\).*break-even ${t.breakEven}`));
    assert.doesNotMatch(r.stderr, /MODEL quotes: theoretical/);
  });
});
