/**
 * An `auto` instance survives a server restart mid-trade: the instance is stored, the new
 * engine warms up on the session's bars so far, takes over the open position and its bracket
 * from the paper account, and the day ends with the backtester's trade — no second entry.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import { nyTimeToMs } from '../src/calendar/index.js';
import { ManualTicker } from '../src/feeds/replay/index.js';
import { runBacktest, SqliteDaySource } from '../src/backtest/index.js';
import { copyRecordedDb } from './helpers/store.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { until } from './helpers/wait.js';

const DATE = '2013-10-10';
const dir = mkdtempSync(path.join(os.tmpdir(), 'optdesk-restart-'));
const dbPath = path.join(dir, 'optdesk.db');
let server: TestServer | undefined;
after(async () => {
  await server?.close();
  delete process.env.OPTDESK_PAPER_ACCOUNTS;
  rmSync(dir, { recursive: true, force: true });
});

async function api(method: string, p: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${server!.url}${p}`, { method, ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
  return { status: res.status, json: await res.json() };
}

async function settled(ms: number): Promise<void> {
  const paper = server!.server.app.trading.paper;
  await until(`the paper broker at ${new Date(ms).toISOString()}`, () => (paper.processedUntil() ?? 0) >= ms);
  await paper.idle();
}

it('an auto ORB instance restarted mid-trade keeps its trade and makes the backtester\'s day', async () => {
  process.env.OPTDESK_PAPER_ACCOUNTS = 'paper:100000,orb:100000';
  await copyRecordedDb(dbPath);
  server = await startTestServer({ dbPath, session: DATE, time: '09:30', state: 'pause', ticker: new ManualTicker() });
  assert.equal((await api('PUT', '/api/risk', { maxNotionalPerOrder: 1_000_000 })).status, 200);
  const made = await api('POST', '/api/strategies/instances', { name: 'orb', strategy: 'orb', symbol: 'SPY', account: 'orb', mode: 'auto' });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  const id = made.json.instance.id;
  assert.equal((await api('POST', '/api/replay', { time: '11:00' })).status, 200);
  await settled(nyTimeToMs(DATE, '11:00'));
  assert.equal((await api('GET', '/api/strategies/instances')).json.instances[0].status, 'in_position');
  await server.close();

  server = await startTestServer({ dbPath, session: DATE, time: '11:00', state: 'pause', ticker: new ManualTicker() });
  const again = (await api('GET', '/api/strategies/instances')).json.instances;
  assert.deepEqual(again.map((i: any) => [i.id, i.mode, i.status]), [[id, 'auto', 'in_position']]);
  assert.equal((await api('POST', '/api/replay', { time: '16:00' })).status, 200);
  await settled(nyTimeToMs(DATE, '16:00'));
  const source = new SqliteDaySource(dbPath);
  const expected = runBacktest(source, { strategy: 'orb', symbol: 'SPY', from: DATE, to: DATE }).trades;
  source.close();
  const live = (await api('GET', `/api/strategies/instances/${id}/report`)).json.trades;
  const keys = ['entryTime', 'exitTime', 'side', 'entryPrice', 'exitPrice', 'qty', 'stop', 'target', 'reasonIn', 'reasonOut'];
  const pick = (ts: any[]) => ts.map((t) => Object.fromEntries(keys.map((k) => [k, t[k]])));
  assert.equal(expected.length, 1);
  assert.deepEqual(pick(live), pick(expected));
  const entries = (await api('GET', '/api/orders?account=orb')).json.orders.filter((o: any) => o.role === 'entry');
  assert.equal(entries.length, 1, 'no second entry after the restart');
});
