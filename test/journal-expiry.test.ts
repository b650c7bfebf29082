/**
 * The journal on the paper broker's expiry fills: two 0-DTE GOOG calls bought on the
 * 2015-12-24 replay (flatten off) and held to the 13:00 early close are trades closed as
 * `expired` — the 745 call at its intrinsic value against GOOG's last price, the 750 at 0.
 * Bought together on one underlying, they are one trade with two legs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from './helpers/server.js';
import { at, C745, C750, googLastClose, quoteAtOrBefore } from './helpers/trading.js';

let server: TestServer;
const saved = process.env.OPTDESK_FLATTEN_AT;

async function api(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${server.url}${path}`, { method, ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
  return { status: res.status, ...(await res.json()) };
}

before(async () => {
  process.env.OPTDESK_FLATTEN_AT = 'off';
  server = await startTestServer({ session: '2015-12-24', time: '12:30', state: 'pause' });
});
after(async () => {
  await server.close();
  if (saved === undefined) delete process.env.OPTDESK_FLATTEN_AT;
  else process.env.OPTDESK_FLATTEN_AT = saved;
});

describe('journal: expirations', () => {
  it('0-DTE calls held through the close: trades expired at intrinsic and at 0, P&L net of fees', async () => {
    for (const symbol of [C745, C750]) {
      const ask = quoteAtOrBefore(symbol, at('12:30')).ask!;
      const r = await api('POST', '/api/orders', { symbol, side: 'buy', qty: 1, type: 'limit', limitPrice: ask, stopLoss: { stopPrice: 0.01 }, takeProfit: { limitPrice: 50 } });
      assert.equal(r.status, 201, JSON.stringify(r));
    }
    // The take-profits (far away) stay working through the jump. Without a working order the
    // paper broker follows a replay jump without evaluating the close, and a held 0-DTE
    // contract is not settled (trading core, reported to the coordinator).
    const deadline0 = Date.now() + 60_000;
    while ((await api('GET', '/api/orders?status=open')).orders.length < 2) {
      if (Date.now() > deadline0) throw new Error('timed out waiting for the take-profits');
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal((await api('POST', '/api/replay', { time: '13:30' })).status, 200);
    // The paper broker settles at the close as its clock passes it: wait for the positions to go.
    const deadline = Date.now() + 60_000;
    while ((await api('GET', '/api/positions')).positions.length > 0) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for the expiry fills: ${JSON.stringify(await api('GET', '/api/health'))} ${JSON.stringify((await api('GET', '/api/orders?status=all')).orders.map((o: any) => [o.role, o.status, o.reason]))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const { trades } = await api('GET', '/api/journal/trades');
    assert.equal(trades.length, 1, 'two GOOG contracts opened together: one trade with legs');
    const t = trades[0];
    assert.equal(t.status, 'expired');
    assert.equal(t.symbol, 'GOOG');
    assert.equal(t.exitTime, '2015-12-24T13:00:00-05:00');
    const leg = (s: string) => t.legs.find((l: any) => l.symbol === s);
    const intrinsic = Math.round((googLastClose(at('13:00')) - 745) * 100) / 100;
    assert.ok(intrinsic > 0, 'GOOG closed above 745');
    assert.deepEqual([leg(C745).status, leg(C745).exitPrice], ['expired', intrinsic]);
    assert.deepEqual([leg(C750).status, leg(C750).exitPrice], ['expired', 0]);
    const reasons = t.fills.filter((f: any) => f.reason !== 'execution').map((f: any) => f.reason).sort();
    assert.deepEqual(reasons, ['expiration_itm', 'expiration_otm']);
    const cents = (x: number) => Math.round(x * 100);
    const gross = [C745, C750].reduce((sum, s) => sum + cents((leg(s).exitPrice - leg(s).entryPrice) * 100), 0);
    assert.equal(cents(t.pnl), gross - cents(t.fees));
    // The entry grade (checklist at the entry, default minimum C) is the one rule it may break.
    assert.deepEqual(t.ruleBreaks.filter((b: any) => b.code !== 'grade_below_minimum'), [], 'flatten off: holding to expiry breaks no rule');
    assert.equal(t.ruleBreaks.some((b: any) => b.code === 'grade_below_minimum'), t.grade === 'D' || t.grade === 'F');
  });
});
