/**
 * The TradingDesk on the paper broker and the recorded GOOG quotes: the kill switch, the
 * daily loss halt, idempotent retries, and the audit trail of it all.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { verifyAudit } from '../src/audit/index.js';
import { toPrice } from '../src/broker/money.js';
import { at, C745, C750, deskKit } from './helpers/trading.js';

const $ = (dollars: number): number => toPrice(dollars)!;

describe('trading desk', () => {
  it('the kill switch cancels working orders, blocks new ones, and the exits stay suspended until released', async () => {
    const kit = deskKit({ start: at('11:00') });
    const a = await kit.desk.submit({ account: 'paper', symbol: C750, side: 'buy', qty: 1, type: 'limit', limitPrice: $(0.5) });
    const b = await kit.desk.submit({ account: 'paper', symbol: C745, side: 'buy', qty: 1, type: 'limit', limitPrice: $(4) });
    assert.ok(a.ok && b.ok);
    const { canceled } = await kit.desk.kill('test halt', 'test');
    assert.deepEqual(canceled.sort(), [a.order.id, b.order.id].sort());
    assert.deepEqual(await kit.broker.orders({ status: 'open' }), []);
    const refused = await kit.desk.submit({ account: 'paper', symbol: C750, side: 'buy', qty: 1, type: 'limit', limitPrice: $(0.6) });
    assert.equal(refused.ok, false);
    assert.equal(!refused.ok && refused.check, 'kill_switch');
    await kit.desk.release('test');
    const after = await kit.desk.submit({ account: 'paper', symbol: C750, side: 'buy', qty: 1, type: 'limit', limitPrice: $(0.6) });
    assert.ok(after.ok);
    kit.close();
  });

  it('the daily loss limit trips the kill switch', async () => {
    const kit = deskKit({ start: at('11:31') });
    kit.desk.updateRiskSettings({ dailyLossLimit: 50 }, 'test');
    const out = await kit.desk.submit({ account: 'paper', symbol: C750, side: 'buy', qty: 2, type: 'market' });
    assert.ok(out.ok, JSON.stringify(out));
    // C750 falls from ~$1.20 to ~$0.35 by 11:37: 2 contracts lose well over $50 at the marks.
    for (let t = at('11:32'); t <= at('11:45') && !kit.desk.killSwitch().engaged; t += 60_000) {
      kit.clock.ms = t;
      await kit.broker.advanceTo(t);
      await kit.broker.idle();
    }
    assert.equal(kit.desk.killSwitch().engaged, true);
    assert.match(kit.desk.killSwitch().reason!, /daily loss limit: account paper is down \$\d+\.\d\d today \(limit \$50\.00\)/);
    const [acct] = await kit.broker.accounts();
    assert.ok(acct!.dayPnl <= -5_000);
    const refused = await kit.desk.submit({ account: 'paper', symbol: C745, side: 'buy', qty: 1, type: 'market' });
    assert.equal(!refused.ok && refused.check, 'kill_switch');
    kit.close();
  });

  it('a retried intent with the same client order id returns the first order, never a second one', async () => {
    const kit = deskKit({ start: at('11:00') });
    const intent = { account: 'paper', symbol: C750, side: 'buy' as const, qty: 1, type: 'limit' as const, limitPrice: $(0.5), clientOrderId: 'ticket-42' };
    const first = await kit.desk.submit(intent);
    const again = await kit.desk.submit(intent);
    assert.ok(first.ok && again.ok);
    assert.equal(again.order.id, first.order.id);
    assert.equal((await kit.broker.orders()).length, 1);
    kit.close();
  });

  it('audits intents, decisions, order events and fills in an intact chain', async () => {
    const kit = deskKit({ start: at('11:45') });
    await kit.desk.submit({ account: 'paper', symbol: C750, side: 'buy', qty: 1, type: 'market', takeProfit: { percent: 10 } });
    await kit.desk.submit({ account: 'paper', symbol: C750, side: 'buy', qty: 99, type: 'market' });
    await kit.broker.idle();
    const kinds = kit.audit.tail(200).map((r) => r.kind);
    for (const k of ['intent', 'risk_decision', 'order_event', 'fill', 'exit']) assert.ok(kinds.includes(k), `audit has ${k}`);
    const refusal = kit.audit.tail(200).find((r) => r.kind === 'risk_decision' && JSON.parse(r.data).ok === false)!;
    assert.equal(JSON.parse(refusal.data).check, 'max_qty');
    assert.deepEqual(verifyAudit(kit.repo), { ok: true, rows: kinds.length });
    kit.close();
  });
});
