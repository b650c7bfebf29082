/**
 * One data path: the store is what the replay plays. A fresh database imports the data dir
 * once on first start; `optdesk import` run while the server is up adds sessions the
 * dashboard's replay can play right away.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { nyDate, nyTimeToMs } from '../src/calendar/index.js';
import type { SeriesCoverage, WatchlistRow, WireBar } from '../src/wire/protocol.js';
import { startServer, type RunningServer } from '../src/server/main.js';
import { openStore } from '../src/store/index.js';
import { importDirectory } from '../src/feeds/flatfile/index.js';
import { FIRST_RUN_SETTING } from '../src/server/first-run.js';
import { DATA_DIR, readAggregates, stockMinuteFile } from './helpers/data.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/optdesk.js');
const MINUTES = 'flatfiles/us_stocks_sip/minute_aggs_v1';

let dir: string;
let fixture: string;
let later: string;
let db: string;

/** Copies data files (paths relative to DATA_DIR) into `root`, keeping Massive's layout (the importer reads kinds from it). */
function copyData(root: string, files: string[]): void {
  for (const f of files) {
    mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    copyFileSync(path.join(DATA_DIR, f), path.join(root, f));
  }
}

async function start(lines: string[]): Promise<RunningServer> {
  return startServer({
    port: 0,
    db,
    dataDir: fixture,
    log: (line) => lines.push(line),
    // The replay sits at the end of 2013-10-10 so every recorded minute is history.
    env: { OPTDESK_REPLAY_SESSION: '2013-10-10', OPTDESK_REPLAY_TIME: '20:00', OPTDESK_REPLAY_STATE: 'pause' },
  });
}

async function get<T>(url: string): Promise<T> {
  const res = await fetch(url);
  assert.equal(res.status, 200, `${url}: ${res.status}`);
  return (await res.json()) as T;
}

before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'optdesk-datapath-'));
  fixture = path.join(dir, 'data');
  later = path.join(dir, 'later');
  db = path.join(dir, 'optdesk.db');
  copyData(fixture, [`${MINUTES}/2013/10/2013-10-09.csv.gz`, `${MINUTES}/2013/10/2013-10-10.csv.gz`]);
  copyData(later, [`${MINUTES}/2015/12/2015-12-23.csv.gz`, `${MINUTES}/2015/12/2015-12-24.csv.gz`]);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('a fresh database imports the data dir on first start, and the replay plays exactly what was imported', async () => {
  const lines: string[] = [];
  const running = await start(lines);
  try {
    assert.equal(lines.filter((l) => l.startsWith('first run: importing')).length, 1, lines.join('\n'));
    assert.ok(lines.some((l) => /^first run: imported 2 files/.test(l)), lines.join('\n'));

    const { sessions } = await get<{ sessions: { date: string; symbols: string[] }[] }>(`${running.url}/api/replay/sessions`);
    assert.deepEqual(sessions, [
      { date: '2013-10-09', symbols: ['AIG', 'BAC', 'SPY'] },
      { date: '2013-10-10', symbols: ['AIG', 'BAC', 'SPY'] },
    ]);
    // Every minute of both files, as the files hold them (independent parser), nothing else.
    const bars = await get<{ bars: WireBar[]; coverage: SeriesCoverage }>(`${running.url}/api/bars?symbol=SPY&tf=1m&extended=true`);
    const want = ['2013-10-09', '2013-10-10'].flatMap((d) => readAggregates(stockMinuteFile(d), 'SPY'));
    assert.deepEqual(
      bars.bars.map((b) => [b.start, b.open, b.high, b.low, b.close, b.volume]),
      want.map((m) => [m.start, m.open, m.high, m.low, m.close, m.volume]),
    );
    // The rest of the calendar window was not imported: it is listed, not filled from elsewhere.
    assert.deepEqual(bars.coverage.missing, [{ from: '2013-10-03', to: '2013-10-08', sessions: 4 }]);
    const daily = await get<{ bars: WireBar[] }>(`${running.url}/api/bars?symbol=SPY&tf=1D`);
    assert.deepEqual(daily.bars.map((b) => nyDate(b.start)), ['2013-10-09', '2013-10-10'], 'no vendor dailies imported: only the two sessions');
  } finally {
    await running.close();
  }
});

test('a later start skips the import; a symbol imported with `optdesk import` while the server runs appears on its replay', async () => {
  const store = openStore(db);
  const importsBefore = store.imports().length;
  store.close();
  const lines: string[] = [];
  const running = await start(lines);
  try {
    assert.deepEqual(lines.filter((l) => l.startsWith('first run')), [], 'no first-run import on a second start');

    const r = await promisify(execFile)(process.execPath, [BIN, 'import', later, '--db', db], { timeout: 120_000 });
    assert.match(r.stdout, /Imported 2 files/);

    const { sessions } = await get<{ sessions: { date: string; symbols: string[] }[] }>(`${running.url}/api/replay/sessions`);
    assert.deepEqual(sessions.map((s) => s.date), ['2013-10-09', '2013-10-10', '2015-12-23', '2015-12-24']);
    const res = await fetch(`${running.url}/api/replay`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ session: '2015-12-24', time: '12:00' }),
    });
    assert.equal(res.status, 200, await res.text());
    const rows = (await get<{ symbols: WatchlistRow[] }>(`${running.url}/api/symbols`)).symbols;
    const goog = rows.find((row) => row.symbol === 'GOOG')!;
    assert.equal(goog.hasData, true);
    assert.deepEqual(goog.sessions, ['2015-12-23', '2015-12-24']);
    const noon = nyTimeToMs('2015-12-24', '12:00');
    const bars = await get<{ bars: WireBar[] }>(`${running.url}/api/bars?symbol=GOOG&tf=1m&extended=true&from=2015-12-24&to=2015-12-24`);
    const want = readAggregates(stockMinuteFile('2015-12-24'), 'GOOG').filter((m) => m.start + 60_000 <= noon);
    assert.deepEqual(bars.bars.map((b) => [b.start, b.close, b.volume]), want.map((m) => [m.start, m.close, m.volume]));
  } finally {
    await running.close();
  }
  const store2 = openStore(db);
  try {
    assert.equal(store2.imports().length, importsBefore + 2, 'only the two `optdesk import` files were added to the log');
  } finally {
    store2.close();
  }
});

test('a first-run import that was interrupted is finished on the next start, skipping the files already in', async () => {
  const interrupted = path.join(dir, 'interrupted.db');
  // As a kill after the first file would leave it: marked started, one of two files imported.
  const store = openStore(interrupted);
  store.setSetting(FIRST_RUN_SETTING, { dataDir: fixture, state: 'started', at: Date.now() });
  await importDirectory(path.join(fixture, `${MINUTES}/2013/10/2013-10-09.csv.gz`), store);
  store.close();

  const lines: string[] = [];
  const running = await startServer({
    port: 0, db: interrupted, dataDir: fixture, log: (line) => lines.push(line),
    env: { OPTDESK_REPLAY_SESSION: '2013-10-10', OPTDESK_REPLAY_TIME: '20:00', OPTDESK_REPLAY_STATE: 'pause' },
  });
  try {
    assert.ok(lines.some((l) => l.startsWith('first run: finishing the interrupted import')), lines.join('\n'));
    assert.ok(lines.some((l) => /^first run: imported 1 files .*; 1 already imported/.test(l)), lines.join('\n'));
    const { sessions } = await get<{ sessions: { date: string }[] }>(`${running.url}/api/replay/sessions`);
    assert.deepEqual(sessions.map((s) => s.date), ['2013-10-09', '2013-10-10']);
  } finally {
    await running.close();
  }
  const reopened = openStore(interrupted);
  try {
    assert.equal(reopened.setting<{ state: string }>(FIRST_RUN_SETTING)!.state, 'finished');
  } finally {
    reopened.close();
  }
});
