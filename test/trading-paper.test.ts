/**
 * The paper broker on the real GOOG 2015-12-24 option quotes (a 13:00 early close with
 * same-day expirations). Expectations come from the recorded files, read independently.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { toPrice } from '../src/broker/money.js';
import type { Fill, OrderEvent } from '../src/broker/types.js';
import { approved, at, C745, C750, googLastClose, paperKit, quoteAtOrBefore, recordedQuotes } from './helpers/trading.js';

const $ = (dollars: number): number => toPrice(dollars)!;

function fillsOf(kit: ReturnType<typeof paperKit>): Promise<Fill[]> {
  return kit.broker.fills();
}

describe('paper broker on recorded GOOG quotes', () => {
  it('a marketable buy fills at the recorded ask, its size at most the quoted size', async () => {
    const kit = paperKit({ start: at('09:40') });
    const q = quoteAtOrBefore(C750, at('09:40'));
    const order = await kit.broker.submit(approved({ account: 'paper', symbol: C750, side: 'buy', qty: 1, type: 'limit', limitPrice: $(q.ask! + 0.3) }));
    assert.equal(order.status, 'filled');
    const [fill] = await fillsOf(kit);
    assert.equal(fill!.price, $(q.ask!));
    assert.equal(fill!.qty, 1);
    assert.ok(fill!.fees.total > 0);
    const [account] = await kit.broker.accounts();
    assert.equal(account!.cash, 10_000_00 - $(q.ask!) * 100 / 100 - fill!.fees.total, 'premium × 100 in cents, plus fees');
    const [pos] = await kit.broker.positions();
    assert.equal(pos!.qty, 1);
    assert.equal(pos!.avgPrice, $(q.ask!));
    kit.close();
  });

  it('a resting limit fills at its limit at the first recorded quote whose ask reaches it, not before', async () => {
    const kit = paperKit({ start: at('09:40') });
    const limit = 0.5;
    const first = recordedQuotes(C750).find((q) => q.ts > at('09:40') && q.ask !== null && q.ask <= limit)!;
    assert.ok(first, 'the recording has an ask at or below the limit later');
    const order = await kit.broker.submit(approved({ account: 'paper', symbol: C750, side: 'buy', qty: 1, type: 'limit', limitPrice: $(limit) }));
    assert.equal(order.status, 'new');
    await kit.broker.advanceTo(first.ts - 1);
    assert.equal((await fillsOf(kit)).length, 0, 'no fill before the ask reaches the limit');
    await kit.broker.advanceTo(at('11:00'));
    const fills = await fillsOf(kit);
    assert.equal(fills.length, 1);
    assert.equal(fills[0]!.time, first.ts);
    assert.equal(fills[0]!.price, $(limit));
    kit.close();
  });

  it('fills by parts when the quoted size is smaller than the order', async () => {
    const start = at('09:38'); // the 09:37 minute's NBBO is stamped 09:37:59.999
    const q = quoteAtOrBefore(C750, start);
    assert.ok(q.askSize! < 10, 'the 09:37 ask is smaller than the order');
    const kit = paperKit({ start });
    const order = await kit.broker.submit(approved({ account: 'paper', symbol: C750, side: 'buy', qty: 10, type: 'limit', limitPrice: $(2.5) }));
    assert.equal(order.status, 'partially_filled');
    assert.equal(order.filledQty, q.askSize);
    await kit.broker.advanceTo(at('10:00'));
    const fills = await fillsOf(kit);
    assert.ok(fills.length >= 2);
    assert.equal(fills.reduce((s, f) => s + f.qty, 0), 10);
    for (const f of fills.slice(1)) {
      const rq = quoteAtOrBefore(C750, f.time);
      assert.equal(rq.ts, f.time);
      assert.ok(f.qty <= rq.askSize!, 'never more than the quoted size');
      assert.equal(f.price, $(2.5), 'the resting rest fills at its limit');
    }
    const [pos] = await kit.broker.positions();
    assert.equal(pos!.qty, 10);
    kit.close();
  });

  it('a sell limit fills when the recorded bid reaches it; stops trigger on the bid', async () => {
    const kit = paperKit({ start: at('09:31') });
    await kit.broker.submit(approved({ account: 'paper', symbol: C750, side: 'buy', qty: 2, type: 'market' }));
    const bought = (await fillsOf(kit)).length;
    assert.ok(bought >= 1);
    await kit.broker.advanceTo(at('09:31'));
    const target = 1.7;
    const hit = recordedQuotes(C750).find((q) => q.ts > at('09:31') && q.bid !== null && q.bid >= target)!;
    await kit.broker.submit(approved({ account: 'paper', symbol: C750, side: 'sell', qty: 1, type: 'limit', limitPrice: $(target) }));
    await kit.broker.advanceTo(at('09:39'));
    const sells = (await fillsOf(kit)).filter((f) => f.side === 'sell');
    assert.equal(sells.length, 1);
    assert.equal(sells[0]!.time, hit.ts);
    assert.equal(sells[0]!.price, $(target));

    const stop = 0.7;
    const trigger = recordedQuotes(C750).find((q) => q.ts > at('09:39') && q.bid !== null && q.bid <= stop)!;
    await kit.broker.submit(approved({ account: 'paper', symbol: C750, side: 'sell', qty: 1, type: 'stop', stopPrice: $(stop) }));
    await kit.broker.advanceTo(at('10:30'));
    const stopFill = (await fillsOf(kit)).filter((f) => f.side === 'sell')[1]!;
    assert.equal(stopFill.time, trigger.ts);
    assert.equal(stopFill.price, $(trigger.bid!), 'a triggered stop sells at the bid');
    assert.deepEqual(await kit.broker.positions(), []);
    kit.close();
  });

  it('market orders take the quote plus the configured slippage; latency delays the arrival to a later quote', async () => {
    const slip = paperKit({ start: at('11:45'), slippage: $(0.05) });
    await slip.broker.submit(approved({ account: 'paper', symbol: C750, side: 'buy', qty: 1, type: 'market' }));
    assert.equal((await slip.broker.fills())[0]!.price, $(quoteAtOrBefore(C750, at('11:45')).ask!) + $(0.05));
    slip.close();

    const slow = paperKit({ start: at('11:45'), latencyMs: 90_000 });
    const order = await slow.broker.submit(approved({ account: 'paper', symbol: C750, side: 'buy', qty: 1, type: 'market' }));
    assert.equal(order.status, 'accepted', 'not at the market before the latency has passed');
    await slow.broker.advanceTo(at('11:50'));
    const [fill] = await slow.broker.fills();
    const arrival = at('11:45') + 90_000;
    assert.equal(fill!.time, arrival);
    assert.equal(fill!.price, $(quoteAtOrBefore(C750, arrival).ask!), 'fills at the ask standing when it arrives');
    slow.close();
  });

  it('a day order on a later expiration expires at the 13:00 early close with a reason', async () => {
    const kit = paperKit({ start: at('12:00') });
    const dec31 = 'O:GOOG151231C00750000';
    await kit.broker.submit(approved({ account: 'paper', symbol: dec31, side: 'buy', qty: 1, type: 'limit', limitPrice: $(0.5) }));
    await kit.broker.advanceTo(at('12:59'));
    assert.equal((await kit.broker.orders({ status: 'open' })).length, 1);
    await kit.broker.advanceTo(at('13:30'));
    const [o] = await kit.broker.orders();
    assert.equal(o!.status, 'expired');
    assert.equal(o!.updatedAt, at('13:00'));
    assert.equal(o!.reason, 'day order expired at the close');
    kit.close();
  });

  it('refuses a second sell covering the same contract (held for orders) and a buy beyond the cash', async () => {
    const kit = paperKit({ start: at('09:40') });
    await kit.broker.submit(approved({ account: 'paper', symbol: C750, side: 'buy', qty: 1, type: 'market' }));
    await kit.broker.submit(approved({ account: 'paper', symbol: C750, side: 'sell', qty: 1, type: 'limit', limitPrice: $(5) }));
    await assert.rejects(
      kit.broker.submit(approved({ account: 'paper', symbol: C750, side: 'sell', qty: 1, type: 'limit', limitPrice: $(6) })),
      (e: Error) => /insufficient qty available.*held_for_orders/.test(e.message),
    );
    await assert.rejects(
      kit.broker.submit(approved({ account: 'paper', symbol: C750, side: 'buy', qty: 100, type: 'limit', limitPrice: $(2) })),
      (e: Error) => /insufficient buying power/.test(e.message),
    );
    kit.close();
  });

  it('0-DTE contracts settle at the 13:00 early close: in the money at intrinsic vs GOOG last, out of the money at 0', async () => {
    const kit = paperKit({ start: at('12:30') });
    await kit.broker.submit(approved({ account: 'paper', symbol: C745, side: 'buy', qty: 1, type: 'market' }));
    await kit.broker.submit(approved({ account: 'paper', symbol: C750, side: 'buy', qty: 1, type: 'market' }));
    await kit.broker.submit(approved({ account: 'paper', symbol: C750, side: 'buy', qty: 1, type: 'limit', limitPrice: $(0.01) }));
    await kit.broker.advanceTo(at('12:59'));
    assert.equal((await kit.broker.positions()).length, 2);
    await kit.broker.advanceTo(at('13:30'));
    assert.deepEqual(await kit.broker.positions(), []);
    const expiries = (await fillsOf(kit)).filter((f) => f.reason !== 'execution');
    assert.equal(expiries.length, 2);
    const last = googLastClose(at('13:00'));
    const itm = expiries.find((f) => f.symbol === C745)!;
    assert.equal(itm.reason, 'expiration_itm');
    assert.equal(itm.price, $(last) - $(745));
    assert.equal(itm.time, at('13:00'));
    assert.match(itm.note!, /in the money/);
    const otm = expiries.find((f) => f.symbol === C750)!;
    assert.equal(otm.reason, 'expiration_otm');
    assert.equal(otm.price, 0);
    const working = await kit.broker.orders({ status: 'all' });
    const resting = working.find((o) => o.limitPrice === $(0.01))!;
    assert.equal(resting.status, 'expired');
    assert.equal(working.filter((o) => o.role === 'expiry').length, 2);
    kit.close();
  });

  it('an alarm fires once at its instant, however the clock advances after it', async () => {
    const kit = paperKit({ start: at('12:00') });
    const fired: number[] = [];
    const alarmAt = at('12:15');
    kit.broker.addAlarmSource({ nextAlarm: (after) => (alarmAt > after ? alarmAt : null), fire: (t) => void fired.push(t) });
    for (const t of ['12:10', '12:15', '12:16', '12:30', '13:30']) await kit.broker.advanceTo(at(t));
    assert.deepEqual(fired, [alarmAt]);
    kit.close();
  });

  it('a forward replay jump with positions held but no working order still settles the 0-DTE expiry at 13:00', async () => {
    const kit = paperKit({ start: at('12:30') });
    await kit.broker.submit(approved({ account: 'paper', symbol: C745, side: 'buy', qty: 1, type: 'market' }));
    await kit.broker.advanceTo(at('12:31'));
    assert.equal(kit.broker.hasWorkingOrders(), false);
    assert.equal((await kit.broker.positions()).length, 1);
    // The replay jumps to 13:30 (a reset, as the server reports it), then its clock ticks there.
    assert.equal(kit.broker.followReset(at('13:30')).followed, true);
    await kit.broker.advanceTo(at('13:30'));
    assert.deepEqual(await kit.broker.positions(), [], 'the held contract settled at its expiration');
    const expiry = (await fillsOf(kit)).find((f) => f.reason !== 'execution')!;
    assert.equal(expiry.reason, 'expiration_itm');
    assert.equal(expiry.time, at('13:00'));
    assert.equal(expiry.price, $(googLastClose(at('13:00'))) - $(745));
    kit.close();
  });

  it('a replay jump with working orders skips no fill: one jump = minute-by-minute steps', async () => {
    const run = async (steps: number[]): Promise<string[]> => {
      const kit = paperKit({ start: at('09:35') });
      await kit.broker.submit(approved({ account: 'paper', symbol: C750, side: 'buy', qty: 30, type: 'limit', limitPrice: $(1.6) }));
      await kit.broker.submit(approved({ account: 'paper', symbol: C745, side: 'buy', qty: 5, type: 'limit', limitPrice: $(2) }));
      for (const t of steps) { kit.clock.ms = t; await kit.broker.advanceTo(t); }
      const fills = (await kit.broker.fills()).map((f) => `${f.symbol} ${f.side} ${f.qty}@${f.price} t=${f.time}`);
      kit.close();
      return fills;
    };
    const minutes: number[] = [];
    for (let t = at('09:36'); t <= at('12:00'); t += 60_000) minutes.push(t);
    const stepwise = await run(minutes);
    const jumped = await run([at('12:00')]);
    assert.ok(stepwise.length >= 2, `expected several fills, got ${stepwise.length}`);
    assert.deepEqual(jumped, stepwise);
  });

  it('restores orders, positions and accounts from the store after a restart', async () => {
    const dir = await import('node:fs/promises').then((fs) => fs.mkdtemp('/tmp/trading-paper-'));
    const db = `${dir}/t.db`;
    const a = paperKit({ start: at('09:40'), db });
    await a.broker.submit(approved({ account: 'paper', symbol: C750, side: 'buy', qty: 1, type: 'market' }));
    await a.broker.submit(approved({ account: 'paper', symbol: C750, side: 'sell', qty: 1, type: 'limit', limitPrice: $(3) }));
    const before = { orders: await a.broker.orders(), positions: await a.broker.positions(), accounts: await a.broker.accounts() };
    a.close();
    const b = paperKit({ start: at('09:41'), db });
    assert.deepEqual((await b.broker.orders()).map((o) => [o.id, o.status, o.filledQty]), before.orders.map((o) => [o.id, o.status, o.filledQty]));
    assert.deepEqual(await b.broker.positions(), before.positions);
    assert.equal((await b.broker.accounts())[0]!.cash, before.accounts[0]!.cash);
    assert.ok(b.broker.hasWorkingOrders());
    b.close();
  });

  it('follows the feed back in time only while no order works', async () => {
    const kit = paperKit({ start: at('11:00') });
    await kit.broker.advanceTo(at('12:00'));
    assert.deepEqual(kit.broker.followReset(at('10:00')), { followed: true });
    assert.equal(kit.broker.processedUntil(), at('10:00'));
    kit.clock.ms = at('10:00');
    await kit.broker.submit(approved({ account: 'paper', symbol: C750, side: 'buy', qty: 1, type: 'limit', limitPrice: $(0.05) }));
    const refused = kit.broker.followReset(at('09:45'));
    assert.equal(refused.followed, false);
    assert.match(refused.message!, /keeps its clock .* while 1 order\(s\) work/);
    assert.equal(kit.broker.processedUntil(), at('10:00'));
    kit.close();
  });

  it('emits Alpaca-shaped events in lifecycle order', async () => {
    const kit = paperKit({ start: at('09:38') });
    const events: OrderEvent[] = [];
    kit.broker.onEvent((e) => { if (e.kind === 'order') events.push(e.event); });
    await kit.broker.submit(approved({ account: 'paper', symbol: C750, side: 'buy', qty: 3, type: 'limit', limitPrice: $(2.5) }));
    await kit.broker.advanceTo(at('09:45'));
    assert.deepEqual(events.map((e) => e.type).slice(0, 3), ['accepted', 'new', 'partial_fill']);
    assert.equal(events[events.length - 1]!.type, 'fill');
    assert.equal(events[events.length - 1]!.positionQty, 3);
    kit.close();
  });

  it('property: random orders on the recorded day keep the books exact', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({
        minute: fc.integer({ min: 0, max: 180 }),
        buy: fc.boolean(),
        qty: fc.integer({ min: 1, max: 8 }),
        limitCents: fc.integer({ min: 20, max: 400 }),
        contract: fc.constantFrom(C745, C750),
      }), { minLength: 1, maxLength: 12 }),
      async (plan) => {
        const kit = paperKit({ start: at('09:30') });
        plan.sort((x, y) => x.minute - y.minute);
        for (const p of plan) {
          const t = at('09:30') + p.minute * 60_000;
          kit.clock.ms = t;
          await kit.broker.advanceTo(t);
          try {
            await kit.broker.submit(approved({ account: 'paper', symbol: p.contract, side: p.buy ? 'buy' : 'sell', qty: p.qty, type: 'limit', limitPrice: p.limitCents * 100 }));
          } catch { /* refused sells/buys are part of the game */ }
        }
        kit.clock.ms = at('13:30');
        await kit.broker.advanceTo(at('13:30'));
        const fills = await kit.broker.fills();
        const [acct] = await kit.broker.accounts();
        let cash = 10_000_00;
        for (const f of fills) cash += (f.side === 'buy' ? -1 : 1) * f.price * f.qty - f.fees.total; // Price units × 100 shares / 100 = cents
        assert.equal(acct!.cash, cash);
        assert.equal(acct!.totalFees, fills.reduce((s, f) => s + f.fees.total, 0));
        assert.deepEqual(await kit.broker.positions(), [], 'everything expired at the close');
        for (const o of await kit.broker.orders()) {
          const own = fills.filter((f) => f.orderId === o.id).reduce((s, f) => s + f.qty, 0);
          assert.equal(own, o.filledQty);
        }
        kit.close();
      }), { numRuns: 15 });
  });
});
