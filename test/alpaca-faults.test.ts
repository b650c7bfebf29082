/**
 * The Alpaca adapter under the failures Alpaca documents, through the official SDK
 * against the fake server: a POST that times out (or resets) but executed, a POST lost
 * before Alpaca saw it, duplicate client order ids, 429 with and without Retry-After,
 * the one-working-sell-per-contract rule and the cancel-then-exit that works around it,
 * a replace that fails after its 200, and a dropped stream reconciled against REST.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BrokerError } from '../src/broker/types.js';
import { alpacaRig, intent, orderEvents } from './alpaca-helpers.js';
import { until } from './helpers/wait.js';

const CONTRACT = 'O:GOOG151224C00750000';
const OCC = 'GOOG151224C00750000';
const postsOf = (rig: { fake: { requests: { method: string; path: string }[] } }): number =>
  rig.fake.requests.filter((r) => r.method === 'POST' && r.path === '/v2/orders').length;

describe('Alpaca adapter: an order POST never produces a second order', () => {
  test('a POST that times out but executed: looked up by client order id and adopted, not sent again', async () => {
    const rig = await alpacaRig({ broker: { requestTimeoutMs: 1_500 } });
    try {
      rig.fake.faults.post = 'hang';
      const want = intent({ symbol: CONTRACT, side: 'buy', type: 'limit', limitPrice: 7_000 });
      const order = await rig.broker.submit(want);
      assert.equal(order.clientOrderId, want.clientOrderId);
      assert.equal(postsOf(rig), 1, 'one POST only');
      assert.equal(rig.fake.allOrders().filter((o) => o.client_order_id === want.clientOrderId).length, 1);
      assert.ok(rig.logs.some((l) => l.includes('looking it up by client order id')));
    } finally {
      await rig.close();
    }
  });

  for (const fault of ['reset', 'error'] as const) {
    test(`a POST that executed but ${fault === 'reset' ? 'lost its connection' : 'answered 500'}: adopted the same way`, async () => {
      const rig = await alpacaRig();
      try {
        rig.fake.faults.post = fault;
        const want = intent({ symbol: CONTRACT, side: 'buy', type: 'limit', limitPrice: 7_000 });
        const order = await rig.broker.submit(want);
        assert.equal(order.id, rig.fake.order(want.clientOrderId).id);
        assert.equal(postsOf(rig), 1);
      } finally {
        await rig.close();
      }
    });
  }

  test('a POST lost before Alpaca saw it: not found after the lookups, sent once more with the same client order id', async () => {
    const rig = await alpacaRig();
    try {
      rig.fake.faults.post = 'drop';
      const want = intent({ symbol: CONTRACT, side: 'buy', type: 'limit', limitPrice: 7_000 });
      const order = await rig.broker.submit(want);
      assert.equal(postsOf(rig), 2);
      const lookups = rig.fake.requests.filter((r) => r.path === '/v2/orders:by_client_order_id');
      assert.ok(lookups.length >= 3, 'looked up before re-sending');
      assert.ok(lookups.every((r) => r.query.client_order_id === want.clientOrderId));
      const sent = rig.fake.requests.filter((r) => r.method === 'POST' && r.path === '/v2/orders');
      assert.equal(sent[1]?.body?.client_order_id, want.clientOrderId, 'the second POST reuses the client order id');
      assert.equal(rig.fake.allOrders().length, 1);
      assert.equal(order.clientOrderId, want.clientOrderId);
    } finally {
      await rig.close();
    }
  });

  test('duplicate client order id: a repeat is idempotent; after a restart Alpaca answers 422 and the same order is adopted, a different one is a sentence', async () => {
    const rig = await alpacaRig();
    try {
      const want = intent({ symbol: CONTRACT, side: 'buy', type: 'limit', limitPrice: 7_000 });
      const first = await rig.broker.submit(want);
      assert.equal((await rig.broker.submit(want)).id, first.id, 'a repeat is idempotent');
      assert.equal(postsOf(rig), 1);
      // Yesterday's order, closed since: a restarted optdesk does not load it at start-up.
      await rig.broker.cancelAndConfirm('alpaca-paper', first.id);
      rig.fake.backdate(first.id, 48);

      const again = await alpacaRig({ reuse: rig.fake });
      try {
        assert.equal(await again.broker.orderByClientId('alpaca-paper', 'no-such-id'), null);
        const adopted = await again.broker.submit(want);
        assert.equal(adopted.id, first.id, 'Alpaca said 422 duplicate; the lookup found the same order');
        assert.equal(postsOf(rig), 2);
        const other = intent({ symbol: CONTRACT, side: 'buy', type: 'limit', limitPrice: 8_000 });
        const fresh = await alpacaRig({ reuse: rig.fake });
        try {
          await assert.rejects(
            fresh.broker.submit({ ...other, clientOrderId: want.clientOrderId }),
            (err: unknown) => err instanceof BrokerError && err.code === 'duplicate_client_order_id' && err.message.includes(want.clientOrderId),
          );
        } finally {
          await fresh.close();
        }
        assert.equal(rig.fake.allOrders().length, 1);
      } finally {
        await again.close();
      }
    } finally {
      await rig.close();
    }
  });
});

describe('Alpaca adapter: 429 back-off', () => {
  test('honours Retry-After', async () => {
    const rig = await alpacaRig();
    try {
      rig.fake.faults.rateLimit = { count: 2, retryAfterSeconds: 1, match: (m, p) => m === 'POST' && p === '/v2/orders' };
      await rig.broker.submit(intent({ symbol: CONTRACT, side: 'buy', type: 'limit', limitPrice: 7_000 }));
      assert.deepEqual(
        rig.backoffs.map((b) => [b.delayMs, b.fromServer]),
        [
          [1000, true],
          [1000, true],
        ],
      );
      assert.equal(rig.fake.allOrders().length, 1);
    } finally {
      await rig.close();
    }
  });

  test('backs off exponentially without Retry-After, and gives up with a sentence', async () => {
    const rig = await alpacaRig();
    try {
      rig.fake.faults.rateLimit = { count: 3, match: (m) => m === 'GET' };
      await rig.broker.accounts();
      const delays = rig.backoffs.map((b) => b.delayMs);
      assert.equal(delays.length, 3);
      assert.ok(rig.backoffs.every((b) => !b.fromServer));
      // initialMs 20, doubling, equal jitter: [10,20], [20,40], [40,80].
      delays.forEach((d, i) => assert.ok(d >= 10 * 2 ** i && d <= 20 * 2 ** i, `delay ${i} = ${d}`));

      rig.fake.faults.rateLimit = { count: 10, match: (m) => m === 'POST' };
      await assert.rejects(
        rig.broker.submit(intent({ symbol: CONTRACT, side: 'buy', type: 'limit', limitPrice: 7_000 })),
        (err: unknown) => err instanceof BrokerError && err.code === 'rate_limited' && /rate-limiting/.test(err.message),
      );
      assert.equal(rig.fake.allOrders().length, 0);
    } finally {
      await rig.close();
    }
  });
});

describe('Alpaca adapter: reads within the rate limit', () => {
  test('positions and account reads are shared for a moment, and a fill makes the next read fresh', async () => {
    const rig = await alpacaRig({ broker: { holdingsTtlMs: 60_000 } });
    try {
      const gets = (path: string): number => rig.fake.requests.filter((r) => r.method === 'GET' && r.path === path).length;
      const o = await rig.broker.submit(intent({ symbol: CONTRACT, side: 'buy', type: 'limit', limitPrice: 7_000 }));
      await until('working', () => orderEvents(rig.events, o.id).some((e) => e.type === 'new'));
      const before = gets('/v2/positions');
      await Promise.all([rig.broker.positions(), rig.broker.positions(), rig.broker.accounts()]);
      await rig.broker.positions();
      assert.equal(gets('/v2/positions'), before + 1, 'one request for three position reads');
      rig.fake.fill(o.id, '0.7');
      await until('fill booked', () => orderEvents(rig.events, o.id).some((e) => e.type === 'fill'));
      const [pos] = await rig.broker.positions();
      assert.equal(pos?.qty, 1, 'the read after the fill is fresh');
    } finally {
      await rig.close();
    }
  });
});

describe('Alpaca adapter: one working sell per contract (held_for_orders)', () => {
  test('a second sell is refused with a sentence; the stop exit cancels the take-profit, waits for the confirmation, then sells', async () => {
    const rig = await alpacaRig();
    try {
      rig.fake.seedPosition(OCC, '1', '1.05');
      const tp = await rig.broker.submit(intent({ symbol: CONTRACT, side: 'sell', type: 'limit', limitPrice: 11_600, timeInForce: 'gtc', role: 'take_profit' }));
      await until('take-profit working', () => rig.fake.order(tp.id).status === 'new');
      const stop = intent({ symbol: CONTRACT, side: 'sell', type: 'market', role: 'stop_loss' });
      await assert.rejects(
        rig.broker.submit(stop),
        (err: unknown) => err instanceof BrokerError && err.code === 'insufficient_qty' && /held_for_orders/.test(err.message) && /one working sell per contract/.test(err.message),
      );

      rig.fake.faults.cancel = 'hold';
      const exiting = rig.broker.exitAfterCancel(tp.id, { ...stop, clientOrderId: `${stop.clientOrderId}-2` });
      await until('the cancel reached Alpaca', () => rig.fake.order(tp.id).status === 'pending_cancel');
      await until('the broker saw pending_cancel', () => orderEvents(rig.events, tp.id).some((e) => e.type === 'pending_cancel'));
      const postsWhileHeld = postsOf(rig);
      rig.fake.releaseCancels();
      const result = await exiting;
      assert.equal(postsWhileHeld, 2, 'no exit was sent before the cancel was confirmed');
      assert.equal(result.takeProfit.status, 'canceled');
      assert.equal(result.exit?.side, 'sell');
      assert.equal(result.exit?.qty, 1);
      assert.equal(rig.fake.order(result.exit!.id).type, 'market');
    } finally {
      await rig.close();
    }
  });

  test('with the stream down, the cancel is confirmed by asking REST', async () => {
    const rig = await alpacaRig();
    try {
      rig.fake.seedPosition(OCC, '1', '1.05');
      const tp = await rig.broker.submit(intent({ symbol: CONTRACT, side: 'sell', type: 'limit', limitPrice: 11_600, role: 'take_profit' }));
      await until('take-profit working', () => orderEvents(rig.events, tp.id).some((e) => e.type === 'new'));
      rig.fake.refuseStreams = true;
      rig.fake.dropStreams();
      await until('the broker noticed', () => !rig.broker.status().streamListening);
      const result = await rig.broker.exitAfterCancel(tp.id, intent({ symbol: CONTRACT, side: 'sell', type: 'market', role: 'stop_loss' }));
      assert.equal(result.takeProfit.status, 'canceled');
      assert.equal(rig.fake.order(result.exit!.id).side, 'sell');
      assert.ok(rig.fake.requests.filter((r) => r.method === 'GET' && r.path === `/v2/orders/${tp.id}`).length >= 1);
    } finally {
      await rig.close();
    }
  });

  test('when the take-profit fills while its cancel is pending, no stop exit is sent', async () => {
    const rig = await alpacaRig();
    try {
      rig.fake.seedPosition(OCC, '1', '1.05');
      const tp = await rig.broker.submit(intent({ symbol: CONTRACT, side: 'sell', type: 'limit', limitPrice: 11_600, role: 'take_profit' }));
      await until('take-profit working', () => rig.fake.order(tp.id).status === 'new');
      rig.fake.faults.cancel = 'hold';
      const exiting = rig.broker.exitAfterCancel(tp.id, intent({ symbol: CONTRACT, side: 'sell', type: 'market', role: 'stop_loss' }));
      await until('the cancel reached Alpaca', () => rig.fake.order(tp.id).status === 'pending_cancel');
      rig.fake.fill(tp.id, '1.16');
      const result = await exiting;
      assert.equal(result.takeProfit.status, 'filled');
      assert.equal(result.exit, null);
      assert.match(result.note ?? '', /filled before it could be canceled/);
      assert.equal(postsOf(rig), 1);
    } finally {
      await rig.close();
    }
  });
});

describe('Alpaca adapter: event delivery', () => {
  test('repeated trade updates are booked once and pushed once', async () => {
    const rig = await alpacaRig();
    try {
      rig.fake.faults.duplicateEvents = true;
      const o = await rig.broker.submit(intent({ symbol: CONTRACT, side: 'buy', type: 'limit', limitPrice: 7_000, qty: 2 }));
      await until('working', () => rig.fake.order(o.id).status === 'new');
      rig.fake.fill(o.id, '0.7', '1');
      rig.fake.fill(o.id, '0.69', '1');
      await until('filled', () => orderEvents(rig.events, o.id).some((e) => e.type === 'fill'));
      // Frames are handled in order: once a later order's event is in, the repeats before it were too.
      const marker = await rig.broker.submit(intent({ symbol: CONTRACT, side: 'buy', type: 'limit', limitPrice: 100 }));
      await until('a later event arrived', () => orderEvents(rig.events, marker.id).some((e) => e.type === 'new'));
      assert.deepEqual((await rig.broker.fills({ orderId: o.id })).map((f) => [f.qty, f.price]), [[1, 7_000], [1, 6_900]]);
      assert.deepEqual(orderEvents(rig.events, o.id).map((e) => e.type), ['new', 'partial_fill', 'fill']);
    } finally {
      await rig.close();
    }
  });

  test('events go to listeners in order, one at a time: a listener promise settles before the next event (as on the paper broker)', async () => {
    const rig = await alpacaRig();
    try {
      const o = await rig.broker.submit(intent({ symbol: CONTRACT, side: 'buy', type: 'limit', limitPrice: 7_000, qty: 2 }));
      let release: () => void = () => {};
      const gate = new Promise<void>((r) => {
        release = r;
      });
      const seen: string[] = [];
      rig.broker.onEvent((e) => {
        if (e.kind !== 'order' || e.event.order.id !== o.id) return;
        seen.push(e.event.type);
        if (e.event.type === 'partial_fill') return gate;
      });
      await until('working', () => rig.fake.order(o.id).status === 'new');
      rig.fake.fill(o.id, '0.7', '1');
      await until('partial fill delivered', () => seen.includes('partial_fill'));
      rig.fake.fill(o.id, '0.69', '1');
      let booked = 0;
      await until('the broker booked the second fill', () => {
        void rig.broker.fills({ orderId: o.id }).then((f) => (booked = f.length));
        return booked === 2;
      });
      assert.ok(!seen.includes('fill'), 'the fill waits for the listener of the partial fill');
      release();
      await until('fill delivered after the release', () => seen.includes('fill'));
      assert.deepEqual(seen.filter((t) => t === 'partial_fill' || t === 'fill'), ['partial_fill', 'fill']);
    } finally {
      await rig.close();
    }
  });
});

describe('Alpaca adapter: replace', () => {
  test('a replace answers with a new order id; the old one stays working until the stream says replaced', async () => {
    const rig = await alpacaRig();
    try {
      const old = await rig.broker.submit(intent({ symbol: CONTRACT, side: 'buy', type: 'limit', limitPrice: 7_000, role: 'entry' }));
      await until('working', () => rig.fake.order(old.id).status === 'new' && orderEvents(rig.events, old.id).some((e) => e.type === 'new'));
      const fresh = await rig.broker.replace('alpaca-paper', old.id, { limitPrice: 7_500 });
      assert.notEqual(fresh.id, old.id);
      assert.equal(fresh.limitPrice, 7_500);
      assert.equal(fresh.replaces, old.id);
      assert.equal(fresh.role, 'entry', 'the replacement keeps the role');
      await until('replaced event', () => orderEvents(rig.events, old.id).some((e) => e.type === 'replaced'));
      const after = await rig.broker.order('alpaca-paper', old.id);
      assert.equal(after?.status, 'replaced');
      assert.equal(after?.replacedBy, fresh.id);
    } finally {
      await rig.close();
    }
  });

  test('a replace that fails after its 200: the old order filled, the replacement rejected — the book follows the stream', async () => {
    const rig = await alpacaRig();
    try {
      const old = await rig.broker.submit(intent({ symbol: CONTRACT, side: 'buy', type: 'limit', limitPrice: 7_000 }));
      await until('working', () => rig.fake.order(old.id).status === 'new');
      rig.fake.faults.replace = 'fill-old-first';
      const fresh = await rig.broker.replace('alpaca-paper', old.id, { limitPrice: 7_500 });
      await until('old filled and new rejected', () =>
        orderEvents(rig.events, old.id).some((e) => e.type === 'fill') && orderEvents(rig.events, fresh.id).some((e) => e.type === 'rejected'),
      );
      assert.equal((await rig.broker.order('alpaca-paper', old.id))?.status, 'filled');
      assert.equal((await rig.broker.order('alpaca-paper', fresh.id))?.status, 'rejected');
      const fills = await rig.broker.fills();
      assert.deepEqual(fills.map((f) => [f.orderId, f.price]), [[old.id, 7_000]], 'filled at the old limit, once');
    } finally {
      await rig.close();
    }
  });
});

describe('Alpaca adapter: stream disconnect and reconciliation', () => {
  test('fills, a cancel and a new order made while the stream was down are recovered from REST after the reconnect, each fill once at its real price', async () => {
    const rig = await alpacaRig();
    try {
      const a = await rig.broker.submit(intent({ symbol: CONTRACT, side: 'buy', type: 'limit', limitPrice: 7_000, qty: 3 }));
      const b = await rig.broker.submit(intent({ symbol: 'GOOG', side: 'buy', type: 'limit', limitPrice: 7_400_000, qty: 5 }));
      await until('both working', () => orderEvents(rig.events, a.id).some((e) => e.type === 'new') && orderEvents(rig.events, b.id).some((e) => e.type === 'new'));
      rig.fake.fill(a.id, '0.7', '1');
      await until('first partial fill streamed', () => orderEvents(rig.events, a.id).some((e) => e.type === 'partial_fill'));
      const reconciledBefore = rig.broker.status().reconciliations;

      rig.fake.refuseStreams = true;
      rig.fake.dropStreams();
      await until('the broker noticed', () => !rig.broker.status().streamListening);
      rig.fake.fill(a.id, '0.69', '1');
      rig.fake.fill(a.id, '0.68', '1');
      rig.fake.fill(b.id, '740.12', '2');
      await fetch(`${rig.fake.restUrl}/v2/orders/${b.id}`, { method: 'DELETE', headers: { 'APCA-API-KEY-ID': rig.fake.keyId, 'APCA-API-SECRET-KEY': rig.fake.secret } });
      await until('fake canceled b', () => rig.fake.order(b.id).status === 'canceled');
      // An order placed elsewhere (Alpaca's dashboard) while optdesk was away.
      const elsewhere = await fetch(`${rig.fake.restUrl}/v2/orders`, {
        method: 'POST',
        headers: { 'APCA-API-KEY-ID': rig.fake.keyId, 'APCA-API-SECRET-KEY': rig.fake.secret, 'Content-Type': 'application/json' },
        body: JSON.stringify({ symbol: 'GOOG', qty: '1', side: 'buy', type: 'limit', limit_price: '700', time_in_force: 'day' }),
      }).then((r) => r.json() as Promise<{ id: string }>);
      assert.equal(rig.fake.listeners, 0, 'nothing was streamed to optdesk meanwhile');

      rig.fake.refuseStreams = false;
      await until('reconnected and reconciled', () => rig.broker.status().streamListening && rig.broker.status().reconciliations > reconciledBefore, 15_000);
      assert.ok(rig.broker.status().reconnects >= 1);

      const fa = await rig.broker.fills({ orderId: a.id });
      assert.deepEqual(fa.map((f) => [f.qty, f.price]), [[1, 7_000], [1, 6_900], [1, 6_800]], 'every fill once, at its own price');
      assert.equal((await rig.broker.order('alpaca-paper', a.id))?.status, 'filled');
      const fb = await rig.broker.fills({ orderId: b.id });
      assert.deepEqual(fb.map((f) => [f.qty, f.price]), [[2, 7_401_200]]);
      const bNow = await rig.broker.order('alpaca-paper', b.id);
      assert.equal(bNow?.status, 'canceled');
      assert.equal(bNow?.filledQty, 2);
      assert.ok(orderEvents(rig.events, b.id).some((e) => e.type === 'canceled'), 'the cancel is pushed to listeners');
      assert.equal((await rig.broker.order('alpaca-paper', elsewhere.id))?.status, 'new');

      // The stream works again, and a fill it carries is not double-counted against the reconcile.
      rig.fake.fill(elsewhere.id, '700');
      await until('live fill after reconnect', () => orderEvents(rig.events, elsewhere.id).some((e) => e.type === 'fill'));
      assert.equal((await rig.broker.fills()).length, 5);
    } finally {
      await rig.close();
    }
  });

  test('fills missed while the stream was down and missing from the activities too are rebuilt as one fill at the exact price that makes the order average', async () => {
    const rig = await alpacaRig();
    try {
      const o = await rig.broker.submit(intent({ symbol: CONTRACT, side: 'buy', type: 'limit', limitPrice: 7_000, qty: 3 }));
      await until('working', () => orderEvents(rig.events, o.id).some((e) => e.type === 'new'));
      rig.fake.fill(o.id, '0.7', '1');
      await until('first fill streamed', () => orderEvents(rig.events, o.id).some((e) => e.type === 'partial_fill'));
      rig.fake.refuseStreams = true;
      rig.fake.dropStreams();
      await until('the broker noticed', () => !rig.broker.status().streamListening);
      rig.fake.fill(o.id, '0.69', '1');
      rig.fake.fill(o.id, '0.68', '1');
      rig.fake.faults.activities = 'missing';
      const before = rig.broker.status().reconciliations;
      rig.fake.refuseStreams = false;
      await until('reconciled', () => rig.broker.status().reconciliations > before, 15_000);
      const fills = await rig.broker.fills({ orderId: o.id });
      // avg 0.69 over 3 → 2.07 total; 0.70 known → 1.37 over the 2 missed = 0.685.
      assert.deepEqual(fills.map((f) => [f.qty, f.price]), [[1, 7_000], [2, 6_850]]);
      assert.ok(rig.logs.some((l) => l.includes('rebuilt from the order average')));
    } finally {
      await rig.close();
    }
  });

  test('a restart reloads working orders from REST at start-up, with the roles and exits optdesk remembered', async () => {
    const rig = await alpacaRig();
    try {
      rig.fake.seedPosition(OCC, '2', '1.05');
      const tp = await rig.broker.submit(intent({ symbol: CONTRACT, side: 'sell', type: 'limit', limitPrice: 11_600, qty: 2, role: 'take_profit', parentId: 'entry-1', source: 'system:exits' }));
      const entry = await rig.broker.submit(intent({ symbol: CONTRACT, side: 'buy', type: 'limit', limitPrice: 7_000, takeProfit: { percent: 10 }, stopLoss: { stopPrice: 5_000 } }));
      const stored = await rig.broker.orders();
      rig.broker.stop();

      const forgetful = await alpacaRig({ reuse: rig.fake });
      const restarted = await alpacaRig({ reuse: rig.fake, beforeStart: (b) => b.remember(stored) });
      try {
        const byId = new Map((await restarted.broker.orders({ status: 'open' })).map((o) => [o.id, o]));
        assert.equal(byId.get(tp.id)?.role, 'take_profit');
        assert.equal(byId.get(tp.id)?.parentId, 'entry-1');
        assert.equal(byId.get(tp.id)?.source, 'system:exits');
        assert.deepEqual(byId.get(entry.id)?.exits, { takeProfit: { percent: 10 }, stopLoss: { stopPrice: 5_000 } });
        const blank = await forgetful.broker.order('alpaca-paper', tp.id);
        assert.equal(blank?.role, 'entry', 'without memory Alpaca alone cannot say it was a take-profit');
        assert.equal(blank?.source, 'alpaca');
      } finally {
        await forgetful.close();
        await restarted.close();
      }
    } finally {
      await rig.close();
    }
  });

  test('after a crash, a restart books what Alpaca did meanwhile (a fill of a remembered order) and nothing twice; older orders it never knew are listed without re-booking their fills', async () => {
    const rig = await alpacaRig();
    const headers = { 'APCA-API-KEY-ID': rig.fake.keyId, 'APCA-API-SECRET-KEY': rig.fake.secret, 'Content-Type': 'application/json' };
    try {
      // An order from before optdesk's time, already filled.
      const old = await fetch(`${rig.fake.restUrl}/v2/orders`, { method: 'POST', headers, body: JSON.stringify({ symbol: 'GOOG', qty: '1', side: 'buy', type: 'limit', limit_price: '740', time_in_force: 'day' }) }).then((r) => r.json() as Promise<{ id: string }>);
      await until('old order working', () => rig.fake.order(old.id).status === 'new');
      rig.fake.fill(old.id, '740');

      const o = await rig.broker.submit(intent({ symbol: CONTRACT, side: 'buy', type: 'limit', limitPrice: 7_000, qty: 2, role: 'entry', takeProfit: { percent: 10 } }));
      await until('working', () => rig.fake.order(o.id).status === 'new');
      rig.fake.fill(o.id, '0.7', '1');
      await until('first fill booked', () => orderEvents(rig.events, o.id).some((e) => e.type === 'partial_fill'));
      const storedOrders = (await rig.broker.orders()).filter((x) => x.id === o.id);
      const storedFills = await rig.broker.fills();
      rig.broker.stop(); // kill -9: nothing more is booked by this process

      rig.fake.fill(o.id, '0.69', '1');
      const restarted = await alpacaRig({ reuse: rig.fake, beforeStart: (b) => b.remember(storedOrders, storedFills.map((f) => f.id)) });
      try {
        const fills = await restarted.broker.fills();
        assert.deepEqual(fills.map((f) => [f.orderId, f.qty, f.price]), [[o.id, 1, 6_900]], 'only the fill made while optdesk was down');
        assert.ok(orderEvents(restarted.events, o.id).some((e) => e.type === 'fill'), 'pushed, so the exit manager arms the take-profit');
        const entry = await restarted.broker.order('alpaca-paper', o.id);
        assert.equal(entry?.status, 'filled');
        assert.deepEqual(entry?.exits, { takeProfit: { percent: 10 } });
        assert.equal((await restarted.broker.order('alpaca-paper', old.id))?.status, 'filled', 'the older order is listed');
        assert.equal(orderEvents(restarted.events, old.id).length, 0, 'and not announced as news');
      } finally {
        await restarted.close();
      }
    } finally {
      await rig.close();
    }
  });

  test('a wrong secret on the stream fails start() with a sentence that names the variables, not the values', async () => {
    const { FakeAlpaca } = await import('./fakes/alpaca-server.js');
    const fake = await FakeAlpaca.start();
    const { AlpacaBroker, alpacaSettings } = await import('../src/broker/alpaca/index.js');
    const broker = new AlpacaBroker({ settings: alpacaSettings({ keyId: fake.keyId, secret: 'wrong-secret-value', restUrl: fake.restUrl, streamUrl: fake.streamUrl }) });
    try {
      await assert.rejects(broker.start(), (err: unknown) => err instanceof BrokerError && /ALPACA_SECRET_KEY/.test(err.message) && !err.message.includes('wrong-secret-value'));
    } finally {
      broker.stop();
      await fake.close();
    }
  });
});
