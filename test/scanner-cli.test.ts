/**
 * `optdesk scan`, `optdesk checklist` and `optdesk covered-calls` as a user runs them:
 * the real bin script in a child process against a fresh SQLite file holding ../shared/data
 * (a copy of the run's template, imported by the same importer as `optdesk import`, which
 * test/cli.test.ts covers). Values are checked against the raw flat files, not against the code.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyRecordedDb } from './helpers/store.js';
import { readAggregates, stockDailyFile, stockMinuteFile } from './helpers/data.js';
import { nyTimeToMs, sessionOn } from '../src/calendar/index.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/optdesk.js');
function optdesk(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('scanner CLI on the real data', () => {
  let dir: string;
  let db: string;
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'optdesk-scan-cli-'));
    db = path.join(dir, 'test.db');
    await copyRecordedDb(db);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('scan --preset gappers (default time: the replay default 2013-10-10 10:30) lists the ≥1% gappers by size, gap from the raw files', () => {
    const r = optdesk(['scan', '--preset', 'gappers', '--db', db]);
    assert.equal(r.code, 0, r.stderr);
    const [header, ...rows] = r.stdout.trim().split('\n');
    const cols = header!.split(',');
    const gapCol = cols.indexOf('gap_pct');
    const want = ['SPY', 'AIG', 'BAC'].map((sym) => {
      const s = sessionOn('2013-10-10')!;
      const open = readAggregates(stockMinuteFile('2013-10-10'), sym).find((m) => m.start >= s.open)!.open;
      const prev = readAggregates(stockDailyFile(sym)).find((d) => d.start === sessionOn('2013-10-09')!.midnight)!.close;
      return { sym, gap: ((open - prev) / prev) * 100 };
    }).filter((x) => Math.abs(x.gap) >= 1).sort((a, b) => Math.abs(b.gap) - Math.abs(a.gap));
    assert.deepEqual(rows.map((l) => l.split(',')[0]), want.map((w) => w.sym));
    rows.forEach((l, i) => assert.ok(Math.abs(Number(l.split(',')[gapCol]) - want[i]!.gap) < 1e-6));
    assert.match(r.stderr, /gappers at 2013-10-10T10:30:00-04:00/);
  });

  test('scan --at a 2021 date uses the 13-ticker vendor daily history; --format json; bad flags name themselves', () => {
    const r = optdesk(['scan', '--preset', 'gappers', '--at', '2021-03-31', '--format', 'json', '--db', db]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { rows: Array<{ symbol: string; mode: string; gap_pct: number }>; withData: number };
    assert.equal(out.withData, 13);
    const aapl = readAggregates(stockDailyFile('AAPL')).slice(-2);
    const gap = ((aapl[1]!.open - aapl[0]!.close) / aapl[0]!.close) * 100;
    const row = out.rows.find((x) => x.symbol === 'AAPL')!;
    assert.equal(row.mode, 'daily');
    assert.ok(Math.abs(row.gap_pct - gap) < 1e-6);
    const bad = optdesk(['scan', '--preset', 'gappers', '--filter', '{"all":[{"field":"gap","op":">","value":1}]}', '--db', db]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^optdesk scan: --filter\.all\.0\.field: unknown field "gap"/);
    assert.match(optdesk(['scan', '--preset', 'nope', '--db', db]).stderr, /--preset: unknown preset "nope"/);
  });

  test('checklist GOOG --direction long --at 2015-12-24T10:30 --format json prints 8 points, a score and its grade', () => {
    const r = optdesk(['checklist', 'GOOG', '--direction', 'long', '--at', '2015-12-24T10:30', '--format', 'json', '--db', db]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { symbol: string; direction: string; at: string; score: number; grade: string; points: Array<{ name: string; pass: boolean; value: unknown; threshold: unknown; reason: string }> };
    assert.deepEqual([out.symbol, out.direction, out.at], ['GOOG', 'long', '2015-12-24T10:30:00-05:00']);
    assert.deepEqual(out.points.map((p) => p.name), ['daily_trend', 'intraday_momentum', 'relative_volume', 'room_to_level', 'option_liquidity', 'iv_not_extreme', 'delta_breakeven', 'time_rules']);
    assert.equal(out.score, out.points.filter((p) => p.pass).length);
    assert.equal(out.grade, ['F', 'F', 'F', 'F', 'D', 'C', 'B', 'A', 'A+'][out.score]);
    // The relative-volume point's value is GOOG's volume so far ÷ the 12-23 volume to 10:30 (the only earlier recorded session).
    const upTo = (d: string) => readAggregates(stockMinuteFile(d), 'GOOG').filter((m) => m.start >= nyTimeToMs(d, '09:30') && m.start < nyTimeToMs(d, '10:30')).reduce((a, m) => a + m.volume, 0);
    assert.ok(Math.abs((out.points[2]!.value as number) - upTo('2015-12-24') / upTo('2015-12-23')) < 1e-9);
    const bad = optdesk(['checklist', 'GOOG', '--direction', 'sideways', '--db', db]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--direction: must be long or short/);
  });

  test('covered-calls GOOG --at 2015-12-24T11:00 explains why nothing passes; 09:45 --mark settles at the recorded close; --backtest', () => {
    const r = optdesk(['covered-calls', 'GOOG', '--at', '2015-12-24T11:00', '--db', db]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'ticker,strike,bid,ask,mid,delta,iv,open_interest,premium_yield,annualized_yield,breakeven,max_profit,pop');
    assert.match(r.stderr, /expiration 2015-12-24 \(0 DTE, closes 13:00\): 0 of 88 calls pass/);
    assert.match(r.stderr, /delta_above_hi/);
    const wide = optdesk(['covered-calls', 'GOOG', '--at', '2015-12-24T11:00', '--delta-hi', '0.4', '--db', db]);
    assert.match(wide.stdout, /^O:GOOG151224C00750000,750,0\.6,1,0\.8,/m);
    const marked = optdesk(['covered-calls', 'GOOG', '--at', '2015-12-24T09:45', '--mark', '--format', 'json', '--db', db]);
    const m = JSON.parse(marked.stdout) as { close: number; marks: Array<{ assigned: boolean; netCents: number }> };
    assert.equal(m.close, readAggregates(stockDailyFile('GOOG')).find((d) => d.start === sessionOn('2015-12-24')!.midnight)!.close);
    assert.deepEqual(m.marks, [{ ...m.marks[0]!, assigned: false, netCents: 17_593 }]);
    const bt = optdesk(['covered-calls', 'GOOG', '--backtest', '--time', '09:45', '--db', db]);
    assert.equal(bt.code, 0, bt.stderr);
    assert.match(bt.stdout, /^2015-12-24,2015-12-24,O:GOOG151224C00750000,750,0\.85,747\.49,748\.4,false,17600,7,17593,""$/m);
    assert.match(bt.stderr, /1 sessions with a chain, 1 trades, 0 assigned, net 175\.93/);
    const bad = optdesk(['covered-calls', 'GOOG', '--at', '2015-12-24T11:00', '--delta-lo', 'x', '--db', db]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--delta-lo: must be a number/);
  });
});
