/**
 * `optdesk journal import|export` as a user runs them, through the real bin script.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/optdesk.js');
function optdesk(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const GOOD = [
  'Date,Sym,B/S,Qty,Px,Fee,Comment',
  '2015-12-24 10:00:00,O:GOOG151224C00750000,BOT,2,1.25,1.30,entry',
  '2015-12-24 10:20:00,O:GOOG151224C00750000,SLD,1,1.50,0.65,',
  '2015-12-24 10:40:00,O:GOOG151224C00750000,SLD,1,1.10,0.65,"late, weak"',
].join('\n');
const MAP = 'time=Date,symbol=Sym,side=B/S,qty=Qty,price=Px,fees=Fee,ignore=Comment';

describe('optdesk journal (CLI)', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'optdesk-journal-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a bad file names each bad line, exits 1 and imports nothing; a good one imports and round-trips through export', () => {
    const db = path.join(dir, 'a.db');
    const bad = path.join(dir, 'bad.csv');
    writeFileSync(bad, GOOD + '\n2015-12-24 10:50:00,O:GOOG151224C00750000,SLD,1,1.00,0,oops\n2015-12-24 10:55,GOOG,BUY,1,7x0,0,');
    const r1 = optdesk(['journal', 'import', bad, '--map', MAP, '--db', db]);
    assert.equal(r1.code, 1, r1.stderr);
    assert.match(r1.stderr, /bad\.csv:5: short: selling 1 O:GOOG151224C00750000 makes the imported position -1/);
    assert.match(r1.stderr, /bad\.csv:6: price: "7x0" must be a price/);
    assert.equal(optdesk(['journal', 'export', '--what', 'fills', '--db', db]).stdout.trim().split('\n').length, 1, 'only the header: nothing imported');

    const good = path.join(dir, 'good.csv');
    writeFileSync(good, GOOD);
    const r2 = optdesk(['journal', 'import', good, '--map', MAP, '--account', 'tos', '--db', db]);
    assert.equal(r2.code, 0, r2.stderr);
    assert.match(r2.stdout, /imported 3 fill\(s\)/);
    const trades = optdesk(['journal', 'export', '--format', 'json', '--db', db]);
    const t = (JSON.parse(trades.stdout) as { trades: { account: string; qty: number; pnl: number; fees: number; holdingSeconds: number }[] }).trades;
    assert.equal(t.length, 1);
    assert.deepEqual({ account: t[0]!.account, qty: t[0]!.qty, pnl: t[0]!.pnl, fees: t[0]!.fees, holdingSeconds: t[0]!.holdingSeconds }, { account: 'tos', qty: 2, pnl: 150 + 110 - 250 - 2.6, fees: 2.6, holdingSeconds: 2400 });

    const exported = path.join(dir, 'fills.csv');
    assert.equal(optdesk(['journal', 'export', '--what', 'fills', '--out', exported, '--db', db]).code, 0);
    const db2 = path.join(dir, 'b.db');
    assert.equal(optdesk(['journal', 'import', exported, '--db', db2]).code, 0);
    assert.equal(optdesk(['journal', 'export', '--db', db2]).stdout, optdesk(['journal', 'export', '--db', db]).stdout);
    assert.equal(optdesk(['journal', 'export', '--what', 'fills', '--db', db2]).stdout, readFileSync(exported, 'utf8'));
  });

  it('bad flags exit 2 naming the flag', () => {
    const r = optdesk(['journal', 'export', '--from', '2015-02-30', '--db', path.join(dir, 'c.db')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /optdesk journal export: --from: is not a real calendar date/);
    const m = optdesk(['journal', 'import', path.join(dir, 'missing.csv'), '--db', path.join(dir, 'c.db')]);
    assert.equal(m.code, 2);
    assert.match(m.stderr, /optdesk journal import: FILE: cannot read .*missing\.csv: ENOENT/);
  });
});
