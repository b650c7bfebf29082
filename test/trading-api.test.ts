/**
 * The trading HTTP API and its Socket.IO stream on a real server replaying GOOG 2015-12-24
 * (paused; the test moves the replay with POST /api/replay, as the replay bar does).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Socket } from 'socket.io-client';
import { ManualTicker } from '../src/feeds/replay/index.js';
import { TRADING_EVENTS, type TradingDelta, type TradingSnapshot } from '../src/hub/trading-hub.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { connect, next } from './helpers/socket.js';
import { at, C745, C750, quoteAtOrBefore, recordedQuotes } from './helpers/trading.js';
import { until } from './helpers/wait.js';

let server: TestServer;

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: await res.json() };
}

async function waitFor(what: string, check: () => Promise<boolean>): Promise<void> {
  let ok = false;
  const deadline = Date.now() + 60_000;
  while (!ok) {
    ok = await check();
    if (!ok) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

before(async () => {
  server = await startTestServer({ session: '2015-12-24', time: '11:45', state: 'pause', ticker: new ManualTicker() });
});
after(async () => server.close());

describe('trading API on the GOOG 2015-12-24 replay', () => {
  it('buy with a +10% take-profit: fills at the recorded ask, the take-profit rests, then sells when the bid reaches it', async () => {
    const ask = quoteAtOrBefore(C750, at('11:45')).ask!;
    const res = await api('POST', '/api/orders', { symbol: C750, side: 'buy', qty: 1, type: 'limit', limitPrice: ask, takeProfit: { percent: 10 } });
    assert.equal(res.status, 201, JSON.stringify(res.json));
    const order = res.json.order;
    assert.equal(order.status, 'filled');
    assert.equal(order.account, 'paper');
    assert.equal(order.role, 'entry');
    assert.equal(order.fills[0].price, ask);
    assert.equal(order.fills[0].time, '2015-12-24T11:45:00-05:00', 'filled on arrival, stamped with the replay clock');
    assert.ok(order.fills[0].fees > 0);

    await waitFor('the take-profit', async () => (await api('GET', '/api/orders?status=open')).json.orders.length === 1);
    const [tp] = (await api('GET', '/api/orders?status=open')).json.orders;
    assert.equal(tp.role, 'take_profit');
    assert.equal(tp.parentId, order.id);
    const tpPrice = Math.ceil(ask * 1.1 * 100 - 1e-9) / 100;
    assert.equal(tp.limitPrice, tpPrice);
    const positions = (await api('GET', '/api/positions')).json.positions;
    assert.equal(positions.length, 1);
    assert.equal(positions[0].qty, 1);
    assert.equal(positions[0].avgPrice, ask);
    assert.equal(positions[0].takeProfit.limitPrice, tpPrice);
    assert.equal(typeof positions[0].mark, 'number');

    const hit = recordedQuotes(C750).find((q) => q.ts > at('11:45') && q.bid !== null && q.bid >= tpPrice)!;
    const jump = await api('POST', '/api/replay', { time: '12:30' });
    assert.equal(jump.status, 200, JSON.stringify(jump.json));
    await waitFor('the take-profit fill', async () => (await api('GET', '/api/positions')).json.positions.length === 0);
    const closed = (await api('GET', '/api/orders?status=closed')).json.orders;
    const sold = closed.find((o: any) => o.role === 'take_profit' && o.status === 'filled');
    assert.equal(sold.fills[0].price, tpPrice);
    assert.equal(Date.parse(sold.fills[0].time), hit.ts);
    const [account] = (await api('GET', '/api/accounts')).json.accounts;
    assert.equal(account.name, 'paper');
    assert.ok(account.totalFees > 0);
  });

  it('bad input is a 400 naming the field', async () => {
    const base = { symbol: C745, side: 'buy', qty: 1, type: 'limit', limitPrice: 5.0 };
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ ...base, qty: -1 }, /^qty: must be more than 0/],
      [{ ...base, qty: 1.5 }, /^qty: must be a whole number/],
      [{ ...base, limitPrice: 5.37 }, /^limitPrice: 5.37 is off the tick: options at \$3 and above trade in \$0.05 steps/],
      [{ ...base, limitPrice: 2.001 }, /^limitPrice: 2.001 is off the tick/],
      [{ ...base, symbol: 'O:GOOG151224C00751000' }, /^symbol: no quotes for O:GOOG151224C00751000/],
      [{ ...base, symbol: 'O:GOOG151218C00750000' }, /^symbol: O:GOOG151218C00750000 expired at the close of 2015-12-18/],
      [{ ...base, symbol: 'O:GOOG151324C00750000' }, /^symbol: expiration "151324"/],
      [{ ...base, extendedHours: true }, /^extendedHours: options trade in regular hours only/],
      [{ ...base, type: 'market' }, /^limitPrice: market orders take no limit price/],
      [{ ...base, type: 'stop_limit' }, /^stopPrice: is required for stop_limit orders/],
      [{ ...base, side: 'short' }, /^side: must be buy or sell/],
      [{ ...base, account: 'nope' }, /^account: no account named nope/],
      [{ ...base, takeProfit: { percent: 10, amount: 0.1 } }, /^takeProfit: must have exactly one/],
      [{ ...base, takeProfit: { limitPrice: 4.5 } }, /^takeProfit.limitPrice: must be above the buy limit 5.00/],
      [{ ...base, stopLoss: { stopPrice: 5.5 } }, /^stopLoss.stopPrice: must be below the buy limit/],
      [{ ...base, surprise: 1 }, /surprise/],
    ];
    for (const [body, message] of cases) {
      const res = await api('POST', '/api/orders', body);
      assert.equal(res.status, 400, `${JSON.stringify(body)} → ${JSON.stringify(res.json)}`);
      assert.match(res.json.error.message, message, JSON.stringify(body));
      assert.equal(res.json.error.code, 'INVALID_FIELD', JSON.stringify(body));
      // Where the expected sentence starts with its field, the body names that field on its own.
      const named = /^\^([\w.]+): /.exec(message.source)?.[1];
      if (named) assert.equal(res.json.error.field, named, JSON.stringify(body));
    }
    assert.equal((await api('GET', '/api/orders?status=nope')).status, 400);
  });

  it('a risk rejection is a 422 naming the check', async () => {
    const res = await api('POST', '/api/orders', { symbol: C745, side: 'buy', qty: 11, type: 'limit', limitPrice: 5 });
    assert.equal(res.status, 422);
    assert.equal(res.json.error.code, 'RISK_DENIED');
    assert.equal(res.json.error.reason, 'max_qty');
    assert.equal(res.json.error.field, undefined, 'a risk refusal blames no field');
    assert.match(res.json.error.message, /11 contracts is more than the 10 allowed/);
  });

  it('risk settings: GET, PUT validated by field', async () => {
    const got = await api('GET', '/api/risk');
    assert.equal(got.json.settings.maxContractsPerOrder, 10);
    assert.equal(got.json.settings.dailyLossLimit, 1000);
    const bad = await api('PUT', '/api/risk', { maxContractsPerOrder: 0 });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error.message, /^maxContractsPerOrder: /);
    assert.deepEqual([bad.json.error.code, bad.json.error.field], ['INVALID_FIELD', 'maxContractsPerOrder']);
    const ok = await api('PUT', '/api/risk', { maxContractsPerOrder: 12, dailyLossLimit: 500.5 });
    assert.equal(ok.status, 200);
    assert.equal(ok.json.settings.maxContractsPerOrder, 12);
    assert.equal(ok.json.settings.dailyLossLimit, 500.5);
    await api('PUT', '/api/risk', { maxContractsPerOrder: 10, dailyLossLimit: 1000 });
  });

  it('while orders work the replay may only go forward; the kill switch cancels them and blocks new ones', async () => {
    const placed = await api('POST', '/api/orders', { symbol: C750, side: 'buy', qty: 1, type: 'limit', limitPrice: 0.05 });
    assert.equal(placed.status, 201, JSON.stringify(placed.json));
    const open = (await api('GET', '/api/orders?status=open')).json.orders;
    assert.equal(open.length, 1, JSON.stringify(open));
    const back = await api('POST', '/api/replay', { time: '10:00' });
    assert.equal(back.status, 409);
    assert.match(back.json.error.message, /^replay: 1 paper order\(s\) are working; jumping back in time/);
    assert.deepEqual([back.json.error.code, back.json.error.field], ['CONFLICT', 'time'], 'the field is the one that asks for the jump');
    const other = await api('POST', '/api/replay', { session: '2015-12-23' });
    assert.equal(other.status, 409);
    assert.deepEqual([other.json.error.code, other.json.error.field], ['CONFLICT', 'session']);

    const killed = await api('POST', '/api/risk/kill', { reason: 'test' });
    assert.equal(killed.status, 200);
    assert.deepEqual(killed.json.canceled, [placed.json.order.id]);
    assert.equal(killed.json.killSwitch.engaged, true);
    assert.deepEqual((await api('GET', '/api/orders?status=open')).json.orders, []);
    const blocked = await api('POST', '/api/orders', { symbol: C750, side: 'buy', qty: 1, type: 'limit', limitPrice: 0.05 });
    assert.equal(blocked.status, 422);
    assert.deepEqual([blocked.json.error.code, blocked.json.error.reason], ['RISK_DENIED', 'kill_switch']);
    const released = await api('DELETE', '/api/risk/kill');
    assert.equal(released.json.killSwitch.engaged, false);
    assert.equal((await api('POST', '/api/replay', { time: '12:00' })).status, 200, 'no working orders: any jump is fine');
  });

  it('DELETE /api/orders/:id cancels; unknown ids are 404, finished ones 409', async () => {
    const placed = await api('POST', '/api/orders', { symbol: C750, side: 'buy', qty: 1, type: 'limit', limitPrice: 0.06 });
    assert.equal(placed.status, 201, JSON.stringify(placed.json));
    const id = placed.json.order.id;
    const del = await api('DELETE', `/api/orders/${id}`);
    assert.equal(del.status, 200);
    assert.equal(del.json.order.status, 'canceled');
    const again = await api('DELETE', `/api/orders/${id}`);
    assert.equal(again.status, 409);
    assert.deepEqual([again.json.error.code, again.json.error.reason, again.json.error.field], ['CONFLICT', 'not_cancelable', 'id']);
    const unknown = await api('DELETE', '/api/orders/po_nope');
    assert.equal(unknown.status, 404);
    assert.deepEqual([unknown.json.error.code, unknown.json.error.field, unknown.json.error.message], ['NOT_FOUND', 'id', 'id: no order po_nope']);
  });

  it('pushes a snapshot, then order/account/position deltas numbered seq + 1', async () => {
    const socket: Socket = await connect(server.url);
    try {
      const snap = next<TradingSnapshot>(socket, TRADING_EVENTS.snapshot, () => true, 30_000);
      socket.emit(TRADING_EVENTS.subscribe);
      const snapshot = await snap;
      assert.ok(Array.isArray(snapshot.orders) && Array.isArray(snapshot.accounts));
      const deltas: TradingDelta[] = [];
      socket.on(TRADING_EVENTS.delta, (d: TradingDelta) => deltas.push(d));
      const res = await api('POST', '/api/orders', { symbol: C745, side: 'buy', qty: 1, type: 'market' });
      assert.equal(res.status, 201, JSON.stringify(res.json));
      await until('a fill delta and a positions delta', () => deltas.some((d) => d.kind === 'order' && d.fill) && deltas.some((d) => d.kind === 'positions'), 30_000);
      deltas.forEach((d, i) => assert.equal(d.seq, snapshot.seq + i + 1));
      const fillDelta = deltas.find((d) => d.kind === 'order' && d.fill)!;
      assert.equal(fillDelta.kind === 'order' && fillDelta.order.symbol, C745);
      const pos = deltas.filter((d) => d.kind === 'positions').pop()!;
      assert.ok(pos.kind === 'positions' && pos.positions.some((p) => p.symbol === C745 && p.qty === 1));
    } finally {
      socket.close();
    }
  });
});
