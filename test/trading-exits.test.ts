/**
 * Attached exits through the desk (risk + audit) on the paper broker and the recorded GOOG
 * 2015-12-24 quotes: the take-profit placed on each fill and resized, the stop watched by
 * optdesk (cancel the take-profit, then exit), the 0-DTE flatten, re-arming after a crash.
 */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { toPrice } from '../src/broker/money.js';
import { approved, at, C745, C750, deskKit, paperKit, quoteAtOrBefore, recordedQuotes } from './helpers/trading.js';

const $ = (dollars: number): number => toPrice(dollars)!;
const TICK = 100; // $0.01 in Price units

describe('attached exits on the recorded GOOG day', () => {
  it('the take-profit (+10%) is placed on the fill and sells when the recorded bid reaches it', async () => {
    const kit = deskKit({ start: at('11:45') });
    const entryQuote = quoteAtOrBefore(C750, at('11:45'));
    const out = await kit.desk.submit({ account: 'paper', symbol: C750, side: 'buy', qty: 1, type: 'limit', limitPrice: $(entryQuote.ask!), takeProfit: { percent: 10 } });
    assert.ok(out.ok, JSON.stringify(out));
    await kit.broker.idle();
    const tpPrice = Math.ceil(($(entryQuote.ask!) * 1.1) / TICK) * TICK;
    const open = await kit.broker.orders({ status: 'open' });
    assert.equal(open.length, 1);
    assert.equal(open[0]!.role, 'take_profit');
    assert.equal(open[0]!.limitPrice, tpPrice);
    assert.equal(open[0]!.parentId, out.order.id);
    const hit = recordedQuotes(C750).find((q) => q.ts > at('11:45') && q.bid !== null && $(q.bid) >= tpPrice)!;
    await kit.broker.advanceTo(at('12:30'));
    const sell = (await kit.broker.fills()).find((f) => f.side === 'sell')!;
    assert.equal(sell.time, hit.ts);
    assert.equal(sell.price, tpPrice);
    assert.deepEqual(await kit.broker.positions(), []);
    assert.deepEqual(kit.desk.exits.armed(), []);
    kit.close();
  });

  it('partial fills: one working take-profit, resized as fills add up, covering exactly what is filled', async () => {
    const kit = deskKit({ start: at('09:38') });
    // 10 contracts lose more than the default $1,000 day limit by 09:42: that would (rightly) halt everything.
    kit.desk.updateRiskSettings({ dailyLossLimit: 100_000 }, 'test');
    const out = await kit.desk.submit({ account: 'paper', symbol: C750, side: 'buy', qty: 10, type: 'limit', limitPrice: $(2.4), takeProfit: { amount: $(3) } });
    assert.ok(out.ok, JSON.stringify(out));
    await kit.broker.idle();
    const check = async (): Promise<void> => {
      const entry = (await kit.broker.order('paper', out.order.id))!;
      const tps = (await kit.broker.orders({ status: 'open' })).filter((o) => o.role === 'take_profit');
      assert.equal(tps.length, entry.filledQty > 0 ? 1 : 0, `exactly one working take-profit at ${new Date(kit.clock.ms).toISOString()}: ${JSON.stringify([kit.desk.exits.armed(), (await kit.broker.orders()).map((o) => [o.role, o.status, o.qty, o.filledQty, o.reason])])}`);
      if (tps[0]) assert.equal(tps[0].qty - tps[0].filledQty, entry.filledQty);
    };
    await check();
    for (let t = at('09:39'); t <= at('09:50'); t += 60_000) {
      kit.clock.ms = t;
      await kit.broker.advanceTo(t);
      await kit.broker.idle();
      await check();
    }
    const all = await kit.broker.orders();
    assert.ok(all.filter((o) => o.role === 'take_profit' && o.status === 'replaced').length >= 1, 'the take-profit was replaced as fills added up');
    kit.close();
  });

  it('with broker latency, a take-profit not yet working when more fills come is resized once it works', async () => {
    const kit = deskKit({ start: at('09:38'), latencyMs: 30_000 });
    kit.desk.updateRiskSettings({ dailyLossLimit: 100_000 }, 'test');
    const out = await kit.desk.submit({ account: 'paper', symbol: C750, side: 'buy', qty: 10, type: 'limit', limitPrice: $(2.4), takeProfit: { amount: $(3) } });
    assert.ok(out.ok, JSON.stringify(out));
    kit.clock.ms = at('09:41');
    await kit.broker.advanceTo(at('09:41'));
    await kit.broker.idle();
    const entry = (await kit.broker.order('paper', out.order.id))!;
    assert.equal(entry.status, 'filled');
    const tps = (await kit.broker.orders({ status: 'open' })).filter((o) => o.role === 'take_profit');
    assert.equal(tps.length, 1);
    assert.equal(tps[0]!.qty - tps[0]!.filledQty, 10, 'the working take-profit covers all 10 contracts');
    assert.ok((await kit.broker.orders()).some((o) => o.role === 'take_profit' && o.status === 'replaced'));
    kit.close();
  });

  it('the stop is watched by optdesk: the take-profit is canceled first, then the exit sells at the recorded bid', async () => {
    const kit = deskKit({ start: at('11:31') });
    const stop = 0.5;
    const out = await kit.desk.submit({ account: 'paper', symbol: C750, side: 'buy', qty: 2, type: 'market', takeProfit: { percent: 100 }, stopLoss: { stopPrice: $(stop) } });
    assert.ok(out.ok, JSON.stringify(out));
    await kit.broker.idle();
    const trigger = recordedQuotes(C750).find((q) => q.ts > at('11:31') && q.bid !== null && q.bid <= stop)!;
    await kit.broker.advanceTo(at('12:00'));
    await kit.broker.idle();
    const orders = await kit.broker.orders();
    const tp = orders.find((o) => o.role === 'take_profit')!;
    const sl = orders.find((o) => o.role === 'stop_loss')!;
    assert.equal(tp.status, 'canceled');
    assert.equal(sl.status, 'filled');
    assert.ok(tp.updatedAt <= sl.createdAt, 'the take-profit was canceled before the stop exit was sent');
    const exitFill = (await kit.broker.fills({ orderId: sl.id }))[0]!;
    assert.equal(exitFill.time, trigger.ts);
    assert.equal(exitFill.price, $(trigger.bid!));
    assert.deepEqual(await kit.broker.positions(), []);
    assert.equal(orders.filter((o) => o.role === 'take_profit' && o.status !== 'canceled').length, 0, 'the take-profit is not placed again (one-cancels-other)');
    kit.close();
  });

  it('flattens 0-DTE positions at 12:15 on the 13:00 early close, at the recorded bid, after canceling the take-profit', async () => {
    const kit = deskKit({ start: at('12:00'), flattenAt: '15:15' });
    const out = await kit.desk.submit({ account: 'paper', symbol: C745, side: 'buy', qty: 1, type: 'market', takeProfit: { percent: 100 } });
    assert.ok(out.ok, JSON.stringify(out));
    await kit.broker.idle();
    await kit.broker.advanceTo(at('12:30'));
    await kit.broker.idle();
    const flatten = (await kit.broker.orders()).find((o) => o.role === 'flatten')!;
    assert.ok(flatten, 'a flatten order');
    const fill = (await kit.broker.fills({ orderId: flatten.id }))[0]!;
    assert.equal(fill.time, at('12:15'));
    assert.equal(fill.price, $(quoteAtOrBefore(C745, at('12:15')).bid!));
    assert.equal((await kit.broker.orders()).find((o) => o.role === 'take_profit')!.status, 'canceled');
    assert.deepEqual(await kit.broker.positions(), []);
    kit.close();
  });

  it('a live tick at a clock outside the calendar (0: no replay session yet) flattens nothing and does not throw', async () => {
    const kit = deskKit({ start: at('12:00'), flattenAt: '15:15' });
    // The server's live timer calls tick() with the feed's clock; a throw there ended the process.
    assert.doesNotThrow(() => kit.desk.exits.tick(0));
    assert.doesNotThrow(() => kit.desk.exits.tick(Date.UTC(2040, 0, 2, 20)));
    assert.deepEqual((await kit.broker.orders()).filter((o) => o.role === 'flatten'), []);
    kit.close();
  });

  it('arms nothing for an entry whose broker holds the exits natively (an Alpaca equity bracket)', async () => {
    const kit = deskKit({ start: at('11:45') });
    (kit.broker as unknown as { handlesExitsNatively(e: { exits: unknown }): boolean }).handlesExitsNatively = (e) => e.exits !== null;
    const out = await kit.desk.submit({ account: 'paper', symbol: C750, side: 'buy', qty: 1, type: 'market', takeProfit: { percent: 10 } });
    assert.ok(out.ok);
    await kit.broker.idle();
    assert.deepEqual(await kit.broker.orders({ status: 'open' }), []);
    assert.deepEqual(kit.desk.exits.armed(), []);
    kit.close();
  });

  it('a tick before the feed has a time (clock 0: an empty replay) is ignored, not thrown out of the timer', () => {
    const kit = deskKit({ start: at('11:45'), flattenAt: '15:45' });
    // The server's live timer calls tick(feedNow()) every second; a throw there ended the process.
    assert.doesNotThrow(() => kit.desk.exits.tick(0));
    assert.equal(kit.desk.exits.tick(0), undefined, 'nothing to flatten without a session');
    kit.close();
  });

  it('re-arms after a crash between the entry fill and the take-profit placement', async () => {
    const db = `${await mkdtemp('/tmp/trading-exits-')}/t.db`;
    // "Before the crash": the broker fills an entry carrying a take-profit, but no desk ran to place it.
    const before = paperKit({ start: at('11:45'), db });
    const entry = await before.broker.submit(approved({ account: 'paper', symbol: C750, side: 'buy', qty: 2, type: 'market', takeProfit: { amount: $(0.2) } }));
    assert.equal(entry.status, 'filled');
    before.close();
    // "After the restart".
    const kit = deskKit({ start: at('11:46'), db });
    await kit.desk.start();
    await kit.broker.idle();
    const tp = (await kit.broker.orders({ status: 'open' })).find((o) => o.role === 'take_profit')!;
    assert.ok(tp, 'the take-profit was placed on restart');
    assert.equal(tp.qty, 2);
    assert.equal(tp.limitPrice, entry.avgFillPrice! + $(0.2));
    // A second restart places nothing twice.
    kit.close();
    const again = deskKit({ start: at('11:46'), db });
    await again.desk.start();
    await again.broker.idle();
    assert.equal((await again.broker.orders({ status: 'open' })).filter((o) => o.role === 'take_profit').length, 1);
    again.close();
  });
});
