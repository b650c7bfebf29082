/**
 * Rebuilding fills the stream missed: FILL activities placed by cum_qty, skipped when
 * already booked, and the rest at the exact average-implied price.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { missedExecutions } from '../src/broker/alpaca/fill-history.js';

const act = (id: string, qty: string, cum: string, price: string, orderId = 'o1'): Record<string, unknown> => ({
  id: `20151224150000000::${id}`,
  activity_type: 'FILL',
  order_id: orderId,
  qty,
  cum_qty: cum,
  price,
  transaction_time: '2015-12-24T15:00:00Z',
});

test('activities after what was booked, in cum_qty order, whatever their ids; other orders and booked ones skipped', () => {
  const activities = [act('c', '1', '3', '0.68'), act('a', '1', '1', '0.70'), act('x', '5', '5', '9.99', 'o2'), act('b', '1', '2', '0.69')];
  const got = missedExecutions({ orderId: 'o1', bookedQty: 1, bookedAvgPrice: '0.7', filledQty: 3, filledAvgPrice: '0.69' }, activities, new Set());
  assert.deepEqual(got.map((x) => [x.id, x.qty, x.price, x.fromAverage]), [['b', 1, '0.69', false], ['c', 1, '0.68', false]]);
  assert.equal(got[0]?.time, Date.parse('2015-12-24T15:00:00Z'));
});

test('no activities: one execution at the price that makes the average come out, exactly', () => {
  const got = missedExecutions({ orderId: 'o1', bookedQty: 1, bookedAvgPrice: '0.7', filledQty: 3, filledAvgPrice: '0.69' }, [], new Set());
  assert.deepEqual(got.map((x) => [x.qty, x.price, x.fromAverage]), [[2, '0.685', true]]);
});

test('an execution already seen is not booked twice, and activities that do not chain on from the booked quantity are not trusted: the rest comes from the average', () => {
  const activities = [act('b', '1', '2', '0.69'), act('d', '2', '5', '0.60')];
  const got = missedExecutions({ orderId: 'o1', bookedQty: 1, bookedAvgPrice: '0.7', filledQty: 5, filledAvgPrice: '0.66' }, activities, new Set(['b']));
  // 5 × 0.66 = 3.30; booked 0.70 → 2.60 over 4 missing = 0.65 (activity b was seen, d does not chain on from 1).
  assert.deepEqual(got.map((x) => [x.qty, x.price, x.fromAverage]), [[4, '0.65', true]]);
});
