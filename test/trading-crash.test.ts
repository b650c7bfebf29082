/**
 * kill -9 in the middle of a trade: the server (a child process, the real `optdesk serve`)
 * holds a position with an armed take-profit and stop and a resting entry; it is killed
 * with SIGKILL and started again on the same database. Orders, positions, accounts and
 * armed exits must be intact, and the stop must still be watched (it fires after restart).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DATA_DIR } from './helpers/data.js';
import { at, C745, C750, recordedQuotes } from './helpers/trading.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/optdesk.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'optdesk-crash-'));
const db = path.join(dir, 'crash.db');
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function startServer(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--db', db], {
    env: {
      ...process.env, OPTDESK_DATA: DATA_DIR, OPTDESK_REPLAY_SESSION: '2015-12-24', OPTDESK_REPLAY_TIME: '11:00',
      OPTDESK_REPLAY_STATE: 'pause', OPTDESK_FLATTEN_AT: 'off', PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /optdesk listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening: ${out}`)));
  });
  return { url, child };
}

async function api(url: string, method: string, p: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${url}${p}`, { method, ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
  return { status: res.status, json: await res.json() };
}

async function waitFor(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function books(j: { orders: any[] }) {
  return j.orders.map((o) => ({ id: o.id, status: o.status, filledQty: o.filledQty, role: o.role, limitPrice: o.limitPrice, fills: o.fills.length }));
}

describe('kill -9 mid-trade', () => {
  it('restarts with orders, positions, accounts and armed exits intact, and the stop still fires', async () => {
    const a = await startServer();
    const entry = await api(a.url, 'POST', '/api/orders', { symbol: C750, side: 'buy', qty: 2, type: 'market', takeProfit: { percent: 100 }, stopLoss: { stopPrice: 0.5 } });
    assert.equal(entry.status, 201, JSON.stringify(entry.json));
    const resting = await api(a.url, 'POST', '/api/orders', { symbol: C745, side: 'buy', qty: 1, type: 'limit', limitPrice: 1, takeProfit: { amount: 0.5 } });
    assert.equal(resting.status, 201, JSON.stringify(resting.json));
    await waitFor('the take-profit', async () => (await api(a.url, 'GET', '/api/orders?status=open')).json.orders.some((o: any) => o.role === 'take_profit'));
    const before = {
      orders: books((await api(a.url, 'GET', '/api/orders')).json),
      positions: (await api(a.url, 'GET', '/api/positions')).json.positions,
      accounts: (await api(a.url, 'GET', '/api/accounts')).json.accounts,
    };
    assert.equal(before.positions[0].takeProfit.orderId !== null, true);

    a.child.kill('SIGKILL');
    await new Promise((r) => a.child.once('exit', r));

    const b = await startServer();
    assert.deepEqual(books((await api(b.url, 'GET', '/api/orders')).json), before.orders);
    const positions = (await api(b.url, 'GET', '/api/positions')).json.positions;
    assert.deepEqual(positions.map((p: any) => [p.symbol, p.qty, p.avgPrice, p.costBasis, p.takeProfit, p.stopLoss]),
      before.positions.map((p: any) => [p.symbol, p.qty, p.avgPrice, p.costBasis, p.takeProfit, p.stopLoss]));
    assert.deepEqual((await api(b.url, 'GET', '/api/accounts')).json.accounts.map((x: any) => [x.name, x.cash, x.totalFees]),
      before.accounts.map((x: any) => [x.name, x.cash, x.totalFees]));

    // The stop is watched again: moving the replay past the recorded bid ≤ 0.50 sends the exit.
    const trigger = recordedQuotes(C750).find((q) => q.ts > at('11:00') && q.bid !== null && q.bid <= 0.5)!;
    const jump = await api(b.url, 'POST', '/api/replay', { time: '11:50' });
    assert.equal(jump.status, 200, JSON.stringify(jump.json));
    await waitFor('the stop exit', async () => !(await api(b.url, 'GET', '/api/positions')).json.positions.some((p: any) => p.symbol === C750));
    const orders = (await api(b.url, 'GET', '/api/orders')).json.orders;
    const stop = orders.find((o: any) => o.role === 'stop_loss');
    assert.equal(stop.status, 'filled');
    assert.equal(Date.parse(stop.fills[0].time), trigger.ts);
    assert.equal(stop.fills[0].price, trigger.bid);
    assert.equal(orders.find((o: any) => o.role === 'take_profit' && o.symbol === C750).status, 'canceled');
    b.child.kill('SIGKILL');
    await new Promise((r) => b.child.once('exit', r));

    const verify = spawnSync(process.execPath, [BIN, 'audit', 'verify', '--db', db], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
  });
});
