/**
 * The import log as a user meets it: an import killed with SIGKILL mid-file is named by
 * `bars`, `chain` and `check` ("incomplete import: FILE (started …)"); two imports into
 * the same database at once both finish and neither counts unwritten rows; `check` reports
 * the duplicates and out-of-order rows of the symbol asked about, from a fixture whose
 * anomalies are written by hand here.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DATA_DIR } from './helpers/data.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/optdesk.js');
const QUOTES = path.join(DATA_DIR, 'flatfiles/us_options_opra/quotes_v1/2015/12/2015-12-24.csv.gz');

function optdesk(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the CLI asynchronously (for concurrency and kill), resolving with its output. */
function optdeskAsync(args: string[], onStderr?: (chunk: string, child: ReturnType<typeof spawn>) => void) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
    onStderr?.(stderr, child);
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

/** Data rows of every gzip CSV under the shared data, counted without the importer. */
function dataRowsPerFile(): Map<string, number> {
  const out = new Map<string, number>();
  for (const rel of readdirSync(DATA_DIR, { recursive: true, encoding: 'utf8' })) {
    if (!rel.endsWith('.csv.gz')) continue;
    const file = path.join(DATA_DIR, rel);
    out.set(file, gunzipSync(readFileSync(file)).toString('utf8').split('\n').slice(1).filter((l) => l !== '').length);
  }
  return out;
}

let dir: string;
before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'optdesk-import-log-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('an import killed mid-file', () => {
  test('bars, chain and check name the file whose import never finished; re-importing it clears the warning', async () => {
    const db = path.join(dir, 'killed.db');
    // Kill as soon as the CLI reports it has started the big quotes file (the third file).
    const { done } = optdeskAsync(['import', DATA_DIR, '--db', db], (stderr, child) => {
      if (stderr.includes(`importing 3/`) && stderr.includes(QUOTES) && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    });
    const killed = await done;
    assert.equal(killed.signal, 'SIGKILL', `the import was killed mid-run:\n${killed.stderr}`);

    const warning = new RegExp(`^incomplete import: ${QUOTES.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(started \\d{4}-\\d{2}-\\d{2}T[\\d:.]+Z, interrupted\\)`, 'm');
    const bars = optdesk(['bars', 'SPY', '--tf', '5m', '--from', '2013-10-07', '--to', '2013-10-07', '--db', db]);
    assert.match(bars.stderr, warning, 'bars');
    const check = optdesk(['check', 'GOOG', '--from', '2015-12-24', '--to', '2015-12-24', '--db', db]);
    assert.match(check.stderr, warning, 'check');
    assert.match(check.stdout, /incomplete import \(killed or still running\): .*2015-12-24\.csv\.gz/);
    const chain = optdesk(['chain', 'GOOG', '--at', '2015-12-24T11:00', '--db', db]);
    assert.match(chain.stderr, warning, 'chain (whether or not it can print a chain)');

    const redo = optdesk(['import', QUOTES, '--db', db]);
    assert.equal(redo.code, 0, redo.stderr);
    const after = optdesk(['bars', 'SPY', '--tf', '5m', '--from', '2013-10-07', '--to', '2013-10-07', '--db', db]);
    assert.doesNotMatch(after.stderr, /incomplete import/);
  });
});

describe('two imports into one database at once', () => {
  test('both finish, and each counts as ok exactly the rows of every file', async () => {
    const db = path.join(dir, 'concurrent.db');
    const [a, b] = await Promise.all([
      optdeskAsync(['import', DATA_DIR, '--db', db, '--format', 'json']).done,
      optdeskAsync(['import', DATA_DIR, '--db', db, '--format', 'json']).done,
    ]);
    const expected = dataRowsPerFile();
    for (const [name, r] of [['first', a], ['second', b]] as const) {
      assert.equal(r.code, 0, `${name} import: ${r.stderr}`);
      assert.doesNotMatch(r.stderr + r.stdout, /database is locked/);
      const report = JSON.parse(r.stdout) as { files: { path: string; rowsOk: number; rowsBad: number; rowsUnwritten: number; error?: string }[] };
      assert.equal(report.files.length, expected.size);
      for (const f of report.files) {
        assert.equal(f.error, undefined, f.path);
        assert.equal(f.rowsUnwritten, 0);
        assert.equal(f.rowsOk + f.rowsBad, expected.get(f.path), f.path);
      }
    }
    const check = optdesk(['check', 'SPY', '--from', '2013-10-07', '--to', '2013-10-07', '--db', db]);
    assert.doesNotMatch(check.stderr, /incomplete import/);
  });
});

describe('duplicates and out-of-order rows seen on import', () => {
  test('check reports them for the symbol asked about, not for the whole log', () => {
    const db = path.join(dir, 'anomalies.db');
    const t = Date.parse('2024-01-02T14:30:00Z'); // 09:30 New York
    const row = (sym: string, minute: number, close = 10) => `${sym},100,10,${close},11,9,${(t + minute * 60_000) * 1_000_000},`;
    const file = path.join(dir, 'flat/us_stocks_sip/minute_aggs_v1/2024/01/2024-01-02.csv.gz');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, gzipSync([
      'ticker,volume,open,close,high,low,window_start,transactions',
      row('AAA', 0), row('AAA', 1), row('AAA', 1), // one duplicate
      row('AAA', 3), row('AAA', 2), // one out of order
      row('AAA', 4), row('AAA', 4, 10.5), row('AAA', 4), // two duplicates (a corrected print, then the same again)
      row('BBB', 0), row('BBB', 1), // clean
      'CCC,100,10,abc,11,9,1704205800000000000,', // bad row for CCC
    ].join('\n') + '\n'));
    const imported = optdesk(['import', path.join(dir, 'flat'), '--db', db]);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /rows 10 ok, 1 bad; 3 duplicates, 1 out of order/);

    const checkOf = (symbol: string) => optdesk(['check', symbol, '--from', '2024-01-02', '--to', '2024-01-02', '--db', db, '--format', 'json']);
    const aaa = JSON.parse(checkOf('AAA').stdout).importLog;
    assert.deepEqual([aaa.files, aaa.rows, aaa.badRows, aaa.duplicateRows, aaa.outOfOrderRows], [1, 8, 0, 3, 1]);
    const bbb = JSON.parse(checkOf('BBB').stdout).importLog;
    assert.deepEqual([bbb.files, bbb.rows, bbb.badRows, bbb.duplicateRows, bbb.outOfOrderRows], [1, 2, 0, 0, 0]);
    const ccc = JSON.parse(checkOf('CCC').stdout).importLog;
    assert.deepEqual([ccc.badRows, ccc.duplicateRows], [1, 0]);
    assert.match(checkOf('AAA').stdout, /"duplicateRows": 3/);
    const text = optdesk(['check', 'AAA', '--from', '2024-01-02', '--to', '2024-01-02', '--db', db]).stdout;
    assert.match(text, /Input seen on import \(8 AAA rows in 1 files\): 0 bad rows, 3 duplicates, 1 out of order/);

    // Importing the same file again replaces its tallies: still 3 duplicates, not 6.
    optdesk(['import', path.join(dir, 'flat'), '--db', db]);
    assert.equal(JSON.parse(checkOf('AAA').stdout).importLog.duplicateRows, 3);
  });
});
