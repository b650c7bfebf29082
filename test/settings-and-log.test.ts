/**
 * A corrupt settings row must not break the dashboard forever, and the server must leave
 * a trail: the watchlist and the matrix read as their defaults with a warning, the bad
 * values are kept in settings_quarantine, and requests, warnings and errors reach the
 * rotated log file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ManualTicker } from '../src/feeds/replay/index.js';
import { createServer } from '../src/server/app.js';
import { DEFAULT_WATCHLIST } from '../src/server/routes.js';
import { openStore } from '../src/store/index.js';
import { DATA_DIR } from './helpers/data.js';
import { until } from './helpers/wait.js';

function logText(dir: string): string {
  return readdirSync(dir).filter((f) => f.endsWith('.log')).map((f) => readFileSync(path.join(dir, f), 'utf8')).join('');
}

test('corrupt watchlist and matrix rows read as defaults with a logged warning; the values are quarantined; requests are logged to a file', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'optdesk-settings-'));
  const dbPath = path.join(dir, 'optdesk.db');
  const logDir = path.join(dir, 'logs');
  try {
    // A database as a crash or a hand edit could leave it: the watchlist is half-written
    // JSON, the matrix is JSON of the wrong shape.
    openStore(dbPath).close();
    const raw = new Database(dbPath);
    raw.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run('watchlist', '["SPY","AI');
    raw.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run('matrix', '{"entries":"nope"}');
    raw.close();

    const server = createServer({ host: '127.0.0.1', port: 0, dataDir: DATA_DIR, dbPath, logFile: path.join(logDir, 'optdesk.log'), ticker: new ManualTicker(), replay: { session: '2013-10-10', time: '11:00', state: 'pause' } });
    const { url } = await server.listen();
    try {
      for (let i = 0; i < 2; i++) {
        const symbols = await fetch(`${url}/api/symbols`);
        assert.equal(symbols.status, 200, `/api/symbols, request ${i + 1}`);
        assert.deepEqual(((await symbols.json()) as { symbols: { symbol: string }[] }).symbols.map((r) => r.symbol), DEFAULT_WATCHLIST);
        const matrix = await fetch(`${url}/api/matrix`);
        assert.equal(matrix.status, 200, `/api/matrix, request ${i + 1}`);
        assert.deepEqual(await matrix.json(), { entries: [] });
      }
      const quarantined = server.store.quarantinedSettings();
      assert.deepEqual(quarantined.map((q) => [q.key, q.value]).sort(), [['matrix', '{"entries":"nope"}'], ['watchlist', '["SPY","AI']]);
      assert.match(quarantined.find((q) => q.key === 'watchlist')!.reason, /not valid JSON/);
      // The watchlist works again: adding a symbol saves a fresh list.
      const added = await fetch(`${url}/api/watchlist`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ symbol: 'QQQ' }) });
      assert.deepEqual(((await added.json()) as { watchlist: string[] }).watchlist, [...DEFAULT_WATCHLIST, 'QQQ']);
      await fetch(`${url}/api/bars?symbol=SPY&tf=7m`); // a 400, logged as a completed request
    } finally {
      await server.close();
    }
    await until('the log file has the warnings and the requests', () => {
      const text = logText(logDir);
      return /setting \\"watchlist\\": not valid JSON/.test(text) && /setting \\"matrix\\": not a list of matrix entries/.test(text) && /"statusCode":400/.test(text);
    }, 30_000);
    const lines = logText(logDir).trim().split('\n').map((l) => JSON.parse(l) as { level: number; msg: string; req?: { url: string }; res?: { statusCode: number } });
    assert.ok(lines.some((l) => l.req?.url === '/api/symbols'), 'requests are logged');
    assert.ok(lines.filter((l) => /^setting "/.test(l.msg)).every((l) => l.level === 40), 'settings problems are warnings');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
