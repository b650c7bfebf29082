/**
 * `optdesk audit verify` and `optdesk kill` through the real bin script.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AuditTrail } from '../src/audit/index.js';
import { RiskEngine } from '../src/risk/engine.js';
import { openStore } from '../src/store/index.js';
import { tradingRepository } from '../src/store/trading.js';
import { ManualTicker } from '../src/feeds/replay/index.js';
import { startTestServer } from './helpers/server.js';
import { Writable } from 'node:stream';
import { createServer } from '../src/server/app.js';
import { runKill } from '../src/cli/commands/kill.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/optdesk.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'optdesk-trading-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function optdesk(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function dbWithTrail(name: string, rows: number): string {
  const db = path.join(dir, name);
  const store = openStore(db);
  const audit = new AuditTrail(tradingRepository(store));
  for (let i = 0; i < rows; i++) audit.append('intent', { i });
  store.close();
  return db;
}

describe('optdesk audit verify', () => {
  it('exits 0 on an intact trail and 1 naming the first bad row after an edit', () => {
    const db = dbWithTrail('a.db', 5);
    const ok = optdesk(['audit', 'verify', '--db', db]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /audit trail intact: 5 rows/);
    const store = openStore(db);
    const raw = tradingRepository(store).db;
    raw.exec("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET data = '{\"i\":99}' WHERE seq = 4;");
    store.close();
    const bad = optdesk(['audit', 'verify', '--db', db]);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /audit trail broken at row 4: .*edited/);
  });
  it('names a missing database file and exits 2', () => {
    const r = optdesk(['audit', 'verify', '--db', path.join(dir, 'nope.db')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /optdesk audit verify: --db: .*does not exist/);
  });
  it('has --help', () => {
    const r = optdesk(['audit', 'verify', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /exit 0 when intact/);
  });
});

describe('optdesk kill without a server', () => {
  it('sets the kill switch in the database (audited), and --release clears it', () => {
    const db = dbWithTrail('k.db', 1);
    const on = optdesk(['kill', '--db', db, '--url', 'http://127.0.0.1:9', '--reason', 'desk on fire']);
    assert.equal(on.code, 0, on.stderr);
    assert.match(on.stdout, /no optdesk server at http:\/\/127\.0\.0\.1:9: kill switch set/);
    let store = openStore(db);
    assert.deepEqual(
      (({ engaged, reason }) => ({ engaged, reason }))(new RiskEngine(tradingRepository(store)).killSwitch()),
      { engaged: true, reason: 'desk on fire' },
    );
    store.close();
    const off = optdesk(['kill', '--release', '--db', db, '--url', 'http://127.0.0.1:9']);
    assert.equal(off.code, 0, off.stderr);
    store = openStore(db);
    assert.equal(new RiskEngine(tradingRepository(store)).killSwitch().engaged, false);
    store.close();
    const verify = optdesk(['audit', 'verify', '--db', db]);
    assert.match(verify.stdout, /intact: 3 rows/);
  });
  it('names a bad --url', () => {
    const r = optdesk(['kill', '--url', 'not a url', '--db', path.join(dir, 'x.db')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--url: must be the server's base URL/);
  });
});

describe('optdesk kill with a running server', () => {
  it('engages the server\'s kill switch (working orders canceled) and --release lifts it', async () => {
    const server = await startTestServer({ session: '2015-12-24', time: '11:00', state: 'pause', ticker: new ManualTicker() });
    try {
      const placed = await fetch(`${server.url}/api/orders`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ symbol: 'O:GOOG151224C00750000', side: 'buy', qty: 1, type: 'limit', limitPrice: 0.05 }),
      });
      assert.equal(placed.status, 201);
      // spawnSync would block this process's event loop (and the server in it): run the CLI asynchronously.
      const run = (args: string[]) => new Promise<{ code: number | null; stdout: string }>((resolve) => {
        const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
        child.on('exit', (code) => resolve({ code, stdout }));
      });
      const on = await run(['kill', '--url', server.url, '--reason', 'cli test']);
      assert.equal(on.code, 0, on.stdout);
      assert.match(on.stdout, /kill switch ON at .*: 1 working order\(s\) canceled/);
      const risk = await (await fetch(`${server.url}/api/risk`)).json() as { killSwitch: { engaged: boolean; reason: string } };
      assert.deepEqual([risk.killSwitch.engaged, risk.killSwitch.reason], [true, 'cli test']);
      const off = await run(['kill', '--release', '--url', server.url]);
      assert.equal(off.code, 0);
      const after = await (await fetch(`${server.url}/api/risk`)).json() as { killSwitch: { engaged: boolean } };
      assert.equal(after.killSwitch.engaged, false);
    } finally {
      await server.close();
    }
  });
});

describe('optdesk kill refused by the server', () => {
  it('prints the server\'s sentence and its code, and exits 1', async () => {
    const token = 'cli-test-token-0123456789';
    const server = createServer({ host: '127.0.0.1', port: 0, token, ticker: new ManualTicker(), replay: { state: 'pause' }, firstRunImport: false, dbPath: path.join(dir, 'refused.db') });
    const { url } = await server.listen();
    try {
      let printed = '';
      const out = new Writable({ write(chunk, _enc, done) { printed += String(chunk); done(); } });
      const code = await runKill({ url, db: path.join(dir, 'unused.db') }, out, { OPTDESK_TOKEN: 'wrong' });
      assert.equal(code, 1);
      assert.match(printed, /^the server at http:\/\/127\.0\.0\.1:\d+ refused: HTTP 401 token: missing or wrong; .* \[UNAUTHORIZED\]\n$/);
    } finally {
      await server.close();
    }
  });
});
