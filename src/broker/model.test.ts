import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { canTransition, InvalidTransitionError, isTerminal, transition, TRANSITIONS } from './state.js';
import { ORDER_EVENT_TYPES, ORDER_STATUSES, type ApprovedIntent, type Fill, type OrderEventType, type OrderStatus, type Position } from './types.js';
import { formatCents, formatPrice, notional, onTick, pennyEverywhere, roundToTick, toPrice } from './money.js';
import { ALPACA_FEES, feesFor } from './fees.js';
import { applyFill } from './ledger.js';
import { newOrder, withEvent, withFill } from './order.js';

const arbStatus = fc.constantFrom(...ORDER_STATUSES);
const arbEvent = fc.constantFrom(...ORDER_EVENT_TYPES);

describe('order lifecycle table', () => {
  it('walks the everyday Alpaca paths', () => {
    const walk = (events: OrderEventType[], filled = 0): OrderStatus =>
      events.reduce<OrderStatus>((s, e) => transition(s, e, filled), 'accepted');
    assert.equal(walk(['pending_new', 'new', 'partial_fill', 'fill']), 'filled');
    assert.equal(walk(['new', 'pending_cancel', 'canceled']), 'canceled');
    assert.equal(walk(['new', 'pending_replace', 'replaced']), 'replaced');
    assert.equal(walk(['new', 'pending_cancel', 'order_cancel_rejected'], 0), 'new');
    assert.equal(walk(['new', 'partial_fill', 'pending_cancel', 'order_cancel_rejected'], 1), 'partially_filled');
    assert.equal(walk(['new', 'done_for_day', 'new', 'expired']), 'expired');
    assert.equal(walk(['rejected']), 'rejected');
  });

  it('refuses impossible transitions with a named error', () => {
    assert.throws(() => transition('filled', 'canceled', 1), (e: unknown) => e instanceof InvalidTransitionError && /filled cannot take event canceled/.test(e.message));
    assert.throws(() => transition('rejected', 'new', 0), InvalidTransitionError);
    assert.throws(() => transition('new', 'new', 0), InvalidTransitionError);
    assert.throws(() => transition('replaced', 'fill', 0), InvalidTransitionError);
    assert.throws(() => transition('accepted', 'replaced', 0), InvalidTransitionError);
  });

  it('terminal statuses take nothing but a racing fill after a cancel', () => {
    fc.assert(fc.property(arbStatus, arbEvent, (s, e) => {
      if (!isTerminal(s)) return;
      const allowed = canTransition(s, e);
      assert.equal(allowed, s === 'canceled' && (e === 'fill' || e === 'partial_fill'), `${s} + ${e}`);
    }));
  });

  it('filled comes from a fill event, canceled from a cancel, expired from expiry, and from nothing else', () => {
    fc.assert(fc.property(arbStatus, arbEvent, fc.nat(5), (s, e, filled) => {
      if (!canTransition(s, e)) {
        assert.throws(() => transition(s, e, filled), InvalidTransitionError);
        return;
      }
      const t = transition(s, e, filled);
      if (t === 'filled') assert.equal(e, 'fill');
      if (t === 'canceled' && s !== 'canceled') assert.equal(e, 'canceled');
      if (t === 'expired') assert.equal(e, 'expired');
      if (t === 'replaced') assert.equal(e, 'replaced');
      if (t === 'rejected') assert.equal(e, 'rejected');
    }));
  });

  it('random event sequences never leave the status set and never revive a terminal order', () => {
    fc.assert(fc.property(fc.array(arbEvent, { maxLength: 30 }), (events) => {
      let s: OrderStatus = 'accepted';
      let terminalSeen: OrderStatus | null = null;
      for (const e of events) {
        if (!canTransition(s, e)) continue;
        s = transition(s, e, 0);
        assert.ok(ORDER_STATUSES.includes(s));
        if (terminalSeen && terminalSeen !== 'canceled') assert.fail(`${terminalSeen} moved to ${s}`);
        if (terminalSeen === 'canceled') assert.ok(s === 'canceled' || s === 'filled');
        if (isTerminal(s)) terminalSeen = s;
      }
    }));
  });

  it('every status is reachable from accepted', () => {
    const seen = new Set<OrderStatus>(['accepted']);
    const queue: OrderStatus[] = ['accepted'];
    while (queue.length) {
      const s = queue.shift()!;
      for (const e of ORDER_EVENT_TYPES) {
        if (!canTransition(s, e)) continue;
        for (const filled of [0, 1]) {
          const t = transition(s, e, filled);
          if (!seen.has(t)) { seen.add(t); queue.push(t); }
        }
      }
    }
    assert.deepEqual([...seen].sort(), [...ORDER_STATUSES].sort());
    assert.equal(Object.keys(TRANSITIONS).length, ORDER_STATUSES.length);
  });
});

describe('money', () => {
  it('converts decimal prices exactly and refuses sub-unit ones', () => {
    assert.equal(toPrice(2.1), 21_000);
    assert.equal(toPrice(0.07), 700);
    assert.equal(toPrice(1.0001), 10_001);
    assert.equal(toPrice(1.00005), null);
    assert.equal(toPrice(Number.NaN), null);
    assert.equal(formatPrice(21_000), '2.10');
    assert.equal(formatPrice(10_001), '1.0001');
    assert.equal(formatCents(-123_456), '-$1,234.56');
  });
  it('knows option and stock ticks', () => {
    assert.ok(onTick('option', toPrice(2.37)!));
    assert.ok(!onTick('option', toPrice(3.37)!));
    assert.ok(onTick('option', toPrice(3.35)!));
    assert.ok(onTick('option', toPrice(3.37)!, true));
    assert.ok(!onTick('stock', toPrice(12.345)!));
    assert.ok(onTick('stock', toPrice(0.1234)!));
  });
  it('SPY, QQQ and IWM options trade in pennies at every price; others move to $0.05 from $3', () => {
    assert.equal(pennyEverywhere('O:SPY230901C00430000'), true);
    assert.equal(pennyEverywhere('O:GOOG151224C00750000'), false);
    assert.equal(pennyEverywhere('SPY'), false);
    assert.equal(roundToTick('option', toPrice(3.371)!, 'up'), toPrice(3.4));
    assert.equal(roundToTick('option', toPrice(3.371)!, 'up', true), toPrice(3.38));
    assert.equal(roundToTick('option', toPrice(2.991)!, 'up'), toPrice(3.0));
    assert.equal(roundToTick('option', toPrice(3.04)!, 'down'), toPrice(3.0));
  });
  it('option notional is premium × 100 × qty in cents', () => {
    assert.equal(notional(toPrice(2.1)!, 3, 'option'), 63_000);
    assert.equal(notional(toPrice(2.1)!, 3, 'stock'), 630);
  });
});

describe('fees', () => {
  it('charges ORF and OCC on buys; TAF and SEC on sells; rounds each up to the cent', () => {
    // 10 contracts at $2.00: ORF 10 × 0.02685 = 0.2685 → 27¢; OCC 10 × 0.02 = 20¢.
    assert.deepEqual(feesFor(ALPACA_FEES, 'option', 'buy', 10, toPrice(2)!), { orf: 27, occ: 20, taf: 0, sec: 0, commission: 0, total: 47 });
    // Sell adds TAF 10 × 0.00279 = 0.0279 → 3¢ and SEC $2,000 × 27.80/1e6 = 0.0556 → 6¢.
    assert.deepEqual(feesFor(ALPACA_FEES, 'option', 'sell', 10, toPrice(2)!), { orf: 27, occ: 20, taf: 3, sec: 6, commission: 0, total: 56 });
  });
  it('caps OCC at $55 per trade', () => {
    assert.equal(feesFor(ALPACA_FEES, 'option', 'buy', 5_000, toPrice(1)!).occ, 5_500);
    assert.equal(feesFor(ALPACA_FEES, 'option', 'buy', 2_750, toPrice(1)!).occ, 5_500);
    assert.equal(feesFor(ALPACA_FEES, 'option', 'buy', 2_749, toPrice(1)!).occ, 5_498);
  });
  it('stocks pay sell-side TAF (capped) and SEC, nothing on buys', () => {
    assert.equal(feesFor(ALPACA_FEES, 'stock', 'buy', 100, toPrice(50)!).total, 0);
    const sell = feesFor(ALPACA_FEES, 'stock', 'sell', 1_000_000, toPrice(50)!);
    assert.equal(sell.taf, 830);
    assert.equal(sell.orf + sell.occ, 0);
  });
});

function fillOf(side: 'buy' | 'sell', qty: number, price: number, time: number): Fill {
  return {
    id: `f${time}`, orderId: 'o', account: 'paper', symbol: 'O:GOOG151224C00750000', side, qty, price, time,
    fees: feesFor(ALPACA_FEES, 'option', side, qty, price), reason: 'execution', note: null,
  };
}

describe('ledger', () => {
  it('the $2.00 → $2.10 round trip: +$10 per contract less fees', () => {
    const buy = fillOf('buy', 1, toPrice(2)!, 1);
    const a = applyFill(null, buy, 'option');
    assert.equal(a.position!.qty, 1);
    assert.equal(a.position!.avgPrice, 20_000);
    assert.equal(a.cashDelta, -20_000 - buy.fees.total);
    const sell = fillOf('sell', 1, toPrice(2.1)!, 2);
    const b = applyFill(a.position, sell, 'option');
    assert.equal(b.position, null);
    assert.equal(a.realized + b.realized, 1_000 - buy.fees.total - sell.fees.total);
  });

  it('property: the books balance — Δcash = Σ realized − open basis, Σ fills = position', () => {
    const arbFill = fc.record({ buy: fc.boolean(), qty: fc.integer({ min: 1, max: 40 }), cents: fc.integer({ min: 0, max: 5_000 }) });
    fc.assert(fc.property(fc.array(arbFill, { minLength: 1, maxLength: 60 }), (fills) => {
      let pos: Position | null = null;
      let cash = 0;
      let realized = 0;
      let qty = 0;
      let fees = 0;
      let gross = 0;
      fills.forEach((f, i) => {
        const fill = fillOf(f.buy ? 'buy' : 'sell', f.qty, f.cents * 100, i);
        const r = applyFill(pos, fill, 'option');
        pos = r.position;
        cash += r.cashDelta;
        realized += r.realized;
        qty += f.buy ? f.qty : -f.qty;
        fees += fill.fees.total;
        gross += (f.buy ? -1 : 1) * f.cents * 100 * f.qty;
        assert.ok(Number.isSafeInteger(cash) && Number.isSafeInteger(realized));
      });
      const p = pos as Position | null;
      assert.equal(p?.qty ?? 0, qty);
      assert.equal(cash, realized - (p?.costBasis ?? 0));
      assert.equal(cash, gross - fees);
      if (p) assert.equal(Math.sign(p.costBasis) === 0 || Math.sign(p.costBasis) === Math.sign(p.qty), true);
    }));
  });
});

describe('orders', () => {
  const intent: ApprovedIntent = {
    account: 'paper', symbol: 'O:GOOG151224C00750000', side: 'buy', qty: 5, type: 'limit', limitPrice: 20_000,
    timeInForce: 'day', clientOrderId: 'c1', role: 'entry', approval: { decisionId: 'd1', at: 0 },
  };
  it('fills by parts: partial, then fill; refuses an overfill; averages the price', () => {
    let o = withEvent(newOrder('o1', intent, 0), 'new', 1);
    assert.equal(o.assetClass, 'option');
    let r = withFill(o, { qty: 2, price: 20_000, time: 2 });
    assert.equal(r.type, 'partial_fill');
    assert.equal(r.order.status, 'partially_filled');
    r = withFill(r.order, { qty: 3, price: 19_500, time: 3 });
    assert.equal(r.type, 'fill');
    assert.equal(r.order.status, 'filled');
    assert.equal(r.order.avgFillPrice, 19_700);
    assert.throws(() => withFill(r.order, { qty: 1, price: 1, time: 4 }), /overfill/);
    o = withEvent(o, 'canceled', 5);
    assert.equal(o.status, 'canceled');
  });
  it('property: filledQty never exceeds qty and status is filled exactly when it equals qty', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 50 }), fc.array(fc.integer({ min: 1, max: 20 }), { maxLength: 20 }), (qty, parts) => {
      let o = withEvent(newOrder('o', { ...intent, qty }, 0), 'new', 0);
      for (const p of parts) {
        if (o.filledQty + p > o.qty) { assert.throws(() => withFill(o, { qty: p, price: 100, time: 1 })); continue; }
        if (o.status === 'filled') break;
        o = withFill(o, { qty: p, price: 100, time: 1 }).order;
        assert.ok(o.filledQty <= o.qty);
        assert.equal(o.status === 'filled', o.filledQty === o.qty);
      }
    }));
  });
});
