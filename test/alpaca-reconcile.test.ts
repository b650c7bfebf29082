/**
 * Property: whatever mix of partial fills and stream drops happens, once the stream is
 * back the adapter's book agrees with Alpaca's (the fake's): every order's filled
 * quantity, each fill booked once, and the fills' notional equal to Alpaca's average ×
 * quantity, exactly.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { dec, decInt, decMul } from '../src/broker/alpaca/decimal.js';
import { priceToWire } from '../src/broker/alpaca/wire.js';
import { alpacaRig, intent, type AlpacaRig } from './alpaca-helpers.js';
import { until } from './helpers/wait.js';

let rig: AlpacaRig;
before(async () => {
  rig = await alpacaRig({ fake: { cash: '100000000' } });
});
after(async () => rig.close());

type Action = { kind: 'fill'; order: number; qty: number; cents: number } | { kind: 'down' } | { kind: 'up' };

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('fill' as const), order: fc.nat(2), qty: fc.integer({ min: 1, max: 3 }), cents: fc.integer({ min: 5, max: 500 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'down' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'up' as const }) },
);

async function streamUp(): Promise<void> {
  if (!rig.fake.refuseStreams) return;
  const before = rig.broker.status().reconciliations;
  rig.fake.refuseStreams = false;
  await until('reconnected and reconciled', () => rig.broker.status().streamListening && rig.broker.status().reconciliations > before, 20_000);
}

async function streamDown(): Promise<void> {
  if (rig.fake.refuseStreams) return;
  rig.fake.refuseStreams = true;
  rig.fake.dropStreams();
  await until('the broker noticed the drop', () => !rig.broker.status().streamListening);
}

test('after fills and stream drops in any order, the book matches Alpaca: filled quantities, fills once each, exact notional', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 10 }), async (actions) => {
      const orders = await Promise.all(
        [0, 1, 2].map((i) => rig.broker.submit(intent({ symbol: i === 2 ? 'GOOG' : 'O:GOOG151224C00750000', side: 'buy', type: 'limit', limitPrice: 50_000, qty: 6 }))),
      );
      await until('orders working', () => orders.every((o) => rig.fake.order(o.id).status === 'new'));
      for (const a of actions) {
        if (a.kind === 'down') await streamDown();
        else if (a.kind === 'up') await streamUp();
        else {
          const o = rig.fake.order((orders[a.order] as { id: string }).id);
          const left = Number(o.qty) - Number(o.filled_qty);
          if (left > 0) rig.fake.fill(o.id, priceToWire(a.cents * 100), String(Math.min(left, a.qty)));
        }
      }
      await streamUp();
      const settled = async (): Promise<boolean> => {
        for (const o of orders) if ((await rig.broker.order('alpaca-paper', o.id))?.filledQty !== Number(rig.fake.order(o.id).filled_qty)) return false;
        return true;
      };
      let ok = false;
      await until('the book caught up', () => {
        void settled().then((v) => (ok = v));
        return ok;
      });
      for (const o of orders) {
        const remote = rig.fake.order(o.id);
        const fills = await rig.broker.fills({ orderId: o.id });
        assert.equal(new Set(fills.map((f) => f.id)).size, fills.length, 'no fill twice');
        assert.equal(fills.reduce((s, f) => s + f.qty, 0), Number(remote.filled_qty));
        const notional = fills.reduce((s, f) => s + decMul(dec(priceToWire(f.price)), decInt(f.qty)), 0n);
        const expected = remote.filled_avg_price ? decMul(dec(remote.filled_avg_price), dec(remote.filled_qty)) : 0n;
        // Alpaca's average may be rounded to 1e-8; over ≤ 6 units the products differ by < 1e-7.
        assert.ok(notional - expected < 10n && expected - notional < 10n, `notional ${notional} vs ${expected}`);
      }
      for (const o of orders) if (rig.fake.order(o.id).status === 'new' || rig.fake.order(o.id).status === 'partially_filled') await rig.broker.cancelAndConfirm('alpaca-paper', o.id);
    }),
    { numRuns: 12 },
  );
});
