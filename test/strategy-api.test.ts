/**
 * The strategy automation API on a real server replaying SPY 2013-10-10 (paused; the test
 * moves the replay with POST /api/replay as the replay bar does): instances stored per
 * account, bad input named by field, `signal` emits a signal with a pre-filled order and
 * sends nothing, levels kept for the chart, and `auto` refused by the risk engine while the
 * kill switch is on — both the switch and the signals of an instance already in `auto`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Socket } from 'socket.io-client';
import { nyTimeToMs } from '../src/calendar/index.js';
import { ManualTicker } from '../src/feeds/replay/index.js';
import { TRADING_EVENTS } from '../src/hub/trading-hub.js';
import { readAggregates, stockMinuteFile } from './helpers/data.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { connect, next } from './helpers/socket.js';

let server: TestServer;
let socket: Socket;

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: await res.json() };
}

/** The first five regular minutes of SPY on `date`, read straight from the flat file. */
function openingRange(date: string): { high: number; low: number } {
  const open = nyTimeToMs(date, '09:30');
  const bars = readAggregates(stockMinuteFile(date), 'SPY').filter((b) => b.start >= open && b.start < open + 5 * 60_000);
  return { high: Math.max(...bars.map((b) => b.high)), low: Math.min(...bars.map((b) => b.low)) };
}

before(async () => {
  process.env.OPTDESK_PAPER_ACCOUNTS = 'paper:100000,paper-a:100000,paper-b:100000,paper-c:100000';
  server = await startTestServer({ session: '2013-10-10', time: '09:30', state: 'pause', ticker: new ManualTicker() });
  socket = await connect(server.url);
  socket.emit(TRADING_EVENTS.subscribe);
  await next(socket, TRADING_EVENTS.snapshot);
});
after(async () => {
  socket?.close();
  await server?.close();
  delete process.env.OPTDESK_PAPER_ACCOUNTS;
});

describe('strategy instances API', () => {
  it('creates instances on three paper accounts with their own settings, lists them, and names bad fields', async () => {
    const made = [];
    for (const [name, account, params] of [['orb 2R', 'paper-a', { targetR: 2 }], ['orb 3R', 'paper-b', { targetR: 3 }], ['blocks 30m', 'paper-c', {}]] as const) {
      const res = await api('POST', '/api/strategies/instances', { name, strategy: name.startsWith('orb') ? 'orb' : 'timeblock', symbol: 'spy', account, params });
      assert.equal(res.status, 201, JSON.stringify(res.json));
      made.push(res.json.instance);
    }
    assert.equal(made[0].symbol, 'SPY');
    assert.equal(made[0].mode, 'off', 'a new instance is off until switched');
    assert.equal(made[0].instrument, 'underlying');
    assert.equal(made[0].status, 'off');
    assert.deepEqual(made[0].stats.trades, 0);
    assert.equal(made[0].openPosition, null);

    const list = (await api('GET', '/api/strategies/instances')).json.instances;
    assert.deepEqual(list.map((i: any) => [i.name, i.account, i.params.targetR ?? null]), [['orb 2R', 'paper-a', 2], ['orb 3R', 'paper-b', 3], ['blocks 30m', 'paper-c', null]]);

    const bad = async (body: unknown, field: string) => {
      const res = await api('POST', '/api/strategies/instances', body);
      assert.equal(res.status, 400, JSON.stringify(res.json));
      assert.match(res.json.error, new RegExp(`^${field.replace('.', '\\.')}: `), JSON.stringify(res.json));
      return res.json.error as string;
    };
    await bad({ name: 'x', strategy: 'macd', symbol: 'SPY', account: 'paper' }, 'strategy');
    assert.match(await bad({ name: 'x', strategy: 'orb', symbol: 'SPY', account: 'paper', params: { targetR: -1 } }, 'params.targetR'), /from 0\.1/);
    await bad({ name: 'x', strategy: 'orb', symbol: 'SPY', account: 'paper', params: { nope: 1 } }, 'params.nope');
    await bad({ name: 'x', strategy: 'orb', symbol: 'SPY', account: 'nobody' }, 'account');
    await bad({ name: 'orb 2R', strategy: 'orb', symbol: 'SPY', account: 'paper' }, 'name');
    await bad({ name: 'x', strategy: 'orb', symbol: 'O:SPY', account: 'paper' }, 'symbol');
    await bad({ name: 'x', strategy: 'orb', symbol: 'SPY', account: 'paper', mode: 'sometimes' }, 'mode');

    const patchBad = await api('PATCH', `/api/strategies/instances/${made[0].id}`, { mode: 'on' });
    assert.equal(patchBad.status, 400);
    assert.match(patchBad.json.error, /^mode: /);
    assert.equal((await api('PATCH', '/api/strategies/instances/si_nothere', { mode: 'signal' })).status, 404);

    const del = await api('DELETE', `/api/strategies/instances/${made[2].id}`);
    assert.equal(del.status, 200);
    assert.equal((await api('GET', '/api/strategies/instances')).json.instances.length, 2);
    assert.equal((await api('GET', `/api/strategies/instances/${made[2].id}/report`)).status, 404);
  });

  it('signal: the ORB break emits a signal with its rationale and a pre-filled order; nothing reaches the broker', async () => {
    const [orb] = (await api('GET', '/api/strategies/instances')).json.instances;
    const switched = await api('PATCH', `/api/strategies/instances/${orb.id}`, { mode: 'signal' });
    assert.equal(switched.status, 200, JSON.stringify(switched.json));
    assert.equal(switched.json.instance.mode, 'signal');
    assert.equal(switched.json.instance.status, 'watching');

    const signal = next(socket, 'strategy:signal', (s: any) => s.instanceId === orb.id);
    const levels = next(socket, 'strategy:update', (u: any) => u.instanceId === orb.id && Array.isArray(u.levels));
    assert.equal((await api('POST', '/api/replay', { time: '10:00' })).status, 200);
    const s = await signal;
    const range = openingRange('2013-10-10');
    // The first 5-minute bar closing at/after 09:45 above the range high decides: long.
    assert.equal(s.at, '2013-10-10T09:45:00-04:00');
    assert.equal(s.symbol, 'SPY');
    assert.equal(s.side, 'long');
    assert.equal(s.reason, 'orb-long');
    assert.equal(s.rationale.bar.tf, '5m');
    assert.equal(s.rationale.bar.start, '2013-10-10T09:40:00-04:00');
    assert.ok(s.rationale.bar.close > range.high, 'the signal bar closed above the range high');
    assert.deepEqual(s.rationale.level, { name: 'orb', high: range.high, low: range.low });
    assert.equal(s.rationale.setup, null);
    assert.match(s.rationale.text, new RegExp(`^orb-long: the 5m bar from 09:40 closed at ${s.rationale.bar.close}, above the orb high ${range.high}; stop ${range.low}`));
    assert.equal(s.rationale.stop, range.low, 'stop at the opposite side of the range');
    assert.equal(s.rationale.targetR, 2);
    const r = Math.abs(s.rationale.bar.close - range.low);
    assert.ok(Math.abs(s.rationale.r - r) < 1e-9);
    assert.ok(Math.abs(s.rationale.target - (s.rationale.bar.close + 2 * r)) < 0.006);
    assert.deepEqual(s.order, { symbol: 'SPY', side: 'buy', qty: 100, type: 'market', stop: range.low, target: s.rationale.target });
    assert.equal(s.outcome, null, 'signal mode sends nothing');
    assert.deepEqual((await levels).levels.map((l: any) => [l.name, l.date, l.high, l.low]), [['orb', '2013-10-10', range.high, range.low]]);

    assert.deepEqual((await api('GET', '/api/orders')).json.orders, [], 'no order reached the broker');
    const report = (await api('GET', `/api/strategies/instances/${orb.id}/report`)).json;
    assert.deepEqual(report.trades, []);
    assert.equal(report.signals.length, 1);
    assert.equal(report.signals[0].reason, 'orb-long');
    assert.deepEqual(report.levels.map((l: any) => [l.date, l.from, l.high, l.low]), [['2013-10-10', '2013-10-10T09:35:00-04:00', range.high, range.low]]);
    assert.equal(report.stats.trades, 0);
    assert.deepEqual(report.equity.length, 1);
  });

  it('auto is refused by the risk engine while the kill switch is on: the switch, and the signals of an instance already in auto', async () => {
    const [, orb3] = (await api('GET', '/api/strategies/instances')).json.instances;
    const armed = await api('POST', '/api/strategies/instances', { name: 'orb auto', strategy: 'orb', symbol: 'SPY', account: 'paper', mode: 'auto' });
    assert.equal(armed.status, 201, JSON.stringify(armed.json));
    assert.equal(armed.json.instance.mode, 'auto');

    assert.equal((await api('POST', '/api/risk/kill', { reason: 'test halt' })).status, 200);
    const refused = await api('PATCH', `/api/strategies/instances/${orb3.id}`, { mode: 'auto' });
    assert.equal(refused.status, 422, JSON.stringify(refused.json));
    assert.equal(refused.json.error.check, 'kill_switch');
    assert.match(refused.json.error.message, /kill switch is on \(test halt\)/);
    assert.equal((await api('GET', '/api/strategies/instances')).json.instances.find((i: any) => i.id === orb3.id).mode, 'off', 'the refused switch changed nothing');
    const refusedCreate = await api('POST', '/api/strategies/instances', { name: 'orb auto 2', strategy: 'orb', symbol: 'SPY', account: 'paper-b', mode: 'auto' });
    assert.equal(refusedCreate.status, 422);
    assert.equal(refusedCreate.json.error.check, 'kill_switch');

    // The instance switched on before the halt signals on the next session: the desk refuses its order.
    const signal = next(socket, 'strategy:signal', (s: any) => s.instanceId === armed.json.instance.id);
    assert.equal((await api('POST', '/api/replay', { session: '2013-10-11', time: '09:30' })).status, 200);
    assert.equal((await api('POST', '/api/replay', { time: '10:00' })).status, 200);
    const s = await signal;
    assert.equal(s.at, '2013-10-11T09:45:00-04:00');
    assert.equal(s.side, 'long');
    assert.equal(s.outcome.sent, false);
    assert.equal(s.outcome.check, 'kill_switch');
    assert.match(s.outcome.message, /kill switch is on/);
    assert.deepEqual((await api('GET', '/api/orders')).json.orders, [], 'no order reached the broker');
    const report = (await api('GET', `/api/strategies/instances/${armed.json.instance.id}/report`)).json;
    assert.equal(report.signals.at(-1).outcome.check, 'kill_switch');
    assert.equal(report.instance.status, 'watching', 'no entry is pending after the refusal');
  });
});
