/**
 * Instances in options mode (`instrument: 'options'`, src/engine/option-leg.ts) on the replay
 * with the paper broker: ORB on GOOG 2015-12-24 (recorded option quotes; an early close at
 * 13:00) in `auto` buys the contract the backtester's options mode buys for that day and
 * sells it on the underlying's exit, at the recorded ask and bid the backtester used; in
 * `signal` the rationale names the contract, its ask and break-even; bad contract rules are
 * refused naming the field.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { nyMidnight, nyTimeToMs } from '../src/calendar/index.js';
import { runBacktest, SqliteDaySource } from '../src/backtest/index.js';
import { recordedStore } from './helpers/store.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { until } from './helpers/wait.js';

const DATE = '2015-12-24';
const PARAMS = { maxSpreadPct: 60 };
let server: TestServer;

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: await res.json() };
}

async function settled(ms: number): Promise<void> {
  const paper = server.server.app.trading.paper;
  await until(`the paper broker at ${new Date(ms).toISOString()}`, () => (paper.processedUntil() ?? 0) >= ms);
  await paper.idle();
}

before(async () => {
  process.env.OPTDESK_PAPER_ACCOUNTS = 'paper:100000,opt-auto:100000,opt-signal:100000';
  server = await startTestServer({ session: DATE, time: '09:30', state: 'pause' });
  const risk = await api('PUT', '/api/risk', { maxNotionalPerOrder: 1_000_000, ordersPerMinute: 10_000, duplicateWindowSeconds: 0, maxConsecutiveLosses: 100, dailyLossLimit: 100_000 });
  assert.equal(risk.status, 200, JSON.stringify(risk.json));
});
after(async () => {
  await server?.close();
  delete process.env.OPTDESK_PAPER_ACCOUNTS;
});

describe('strategy instances in options mode (GOOG 2015-12-24, recorded quotes)', () => {
  it('bad contract rules are refused naming the field; option rules are unknown parameters of an underlying instance', async () => {
    const base = { name: 'bad', strategy: 'orb', symbol: 'GOOG', account: 'opt-auto', instrument: 'options' };
    const cases: Array<[unknown, RegExp]> = [
      [{ ...base, params: { maxSpreadPct: -5 } }, /^params\.maxSpreadPct: must be from 0 to 1000, got -5/],
      [{ ...base, params: { deltaMin: 0.7, deltaMax: 0.5 } }, /^params\.deltaMin: must be ≤ deltaMax/],
      [{ ...base, params: { expiration: 'monthly' } }, /^params\.expiration: must be 0dte, weekly or min-days:N/],
      [{ ...base, params: { optionStopPct: 20 } }, /^params\.optionStopPct: instances exit on the underlying's stop/],
      [{ ...base, params: { targetR: 'x' } }, /^params\.targetR: must be a number/],
      [{ ...base, instrument: 'shares' }, /^instrument: must be underlying \(shares\) or options/],
      [{ ...base, instrument: 'underlying', params: { maxSpreadPct: 60 } }, /^params\.maxSpreadPct: unknown parameter of orb/],
    ];
    for (const [body, want] of cases) {
      const r = await api('POST', '/api/strategies/instances', body);
      assert.equal(r.status, 400, `${JSON.stringify(body)} → ${r.status} ${JSON.stringify(r.json)}`);
      assert.equal(r.json.error.code, 'INVALID_FIELD');
      assert.match(r.json.error.message, want, JSON.stringify(body));
    }
    assert.equal((await api('GET', '/api/strategies/instances')).json.instances.length, 0, 'nothing stored');
  });

  it('ORB in auto trades the backtester\'s contract at the recorded ask and bid; in signal the rationale names contract, ask and break-even', async () => {
    const created = await api('POST', '/api/strategies/instances', { name: 'orb options', strategy: 'orb', symbol: 'GOOG', account: 'opt-auto', mode: 'auto', instrument: 'options', params: PARAMS });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    assert.equal(created.json.instance.instrument, 'options');
    const id = created.json.instance.id as string;
    const sig = await api('POST', '/api/strategies/instances', { name: 'orb options signal', strategy: 'orb', symbol: 'GOOG', account: 'opt-signal', mode: 'signal', instrument: 'options', params: PARAMS });
    assert.equal(sig.status, 201, JSON.stringify(sig.json));
    const close = nyTimeToMs(DATE, '13:00'); // Christmas Eve closes early
    assert.equal((await api('POST', '/api/replay', { time: '13:00' })).status, 200);
    await settled(close);

    const source = new SqliteDaySource(server.dbPath);
    let expected: any[];
    try {
      expected = runBacktest(source, { strategy: 'orb', symbol: 'GOOG', from: DATE, to: DATE, mode: 'options', params: PARAMS }).trades;
    } finally {
      source.close();
    }
    assert.equal(expected.length, 1, 'the backtester trades GOOG options that day');
    const bt = expected[0]!;
    assert.equal(bt.quoteSource, 'RECORDED');

    const report = (await api('GET', `/api/strategies/instances/${id}/report`)).json;
    assert.equal(report.trades.length, 1, JSON.stringify(report.signals));
    const t = report.trades[0]!;
    for (const k of ['contract', 'quoteSource', 'side', 'entryTime', 'exitTime', 'stop', 'target', 'reasonIn', 'reasonOut', 'qty', 'underlyingEntry', 'underlyingExit', 'breakEven']) {
      assert.deepEqual(t[k], bt[k], `${k}: live ${JSON.stringify(t[k])}, backtest ${JSON.stringify(bt[k])}`);
    }
    assert.equal(t.entryPrice, bt.entryAsk, 'bought at the ask the backtester paid');
    assert.equal(t.exitPrice, bt.exitBid, 'sold at the bid the backtester got');
    assert.equal(t.pnl, bt.pnl, 'same fees and P&L');

    // The fills against the recorded quotes themselves: the contract's latest quote at each
    // order's instant (the paper broker's market-at-ask/bid) carries that ask and bid.
    const store = await recordedStore();
    const quotes = store.optionQuotesByContract('GOOG', nyMidnight(DATE), close + 1).filter((q) => q.ticker === t.contract);
    const latestAt = (ms: number) => quotes.filter((q) => q.ts <= ms).at(-1)!;
    const orders = (await api('GET', '/api/orders?account=opt-auto')).json.orders as any[];
    assert.deepEqual(orders.map((o) => [o.symbol, o.side, o.status]), [[t.contract, 'buy', 'filled'], [t.contract, 'sell', 'filled']]);
    const [buy, sell] = orders.map((o) => o.fills[0]);
    assert.equal(buy.price, t.entryPrice);
    assert.equal(sell.price, t.exitPrice);
    assert.equal(latestAt(Date.parse(buy.time)).ask, t.entryPrice, 'the buy filled at the standing ask');
    assert.equal(latestAt(Date.parse(sell.time)).bid, t.exitPrice, 'the sell filled at the standing bid');
    // The order goes in once the underlying's fill minute has closed: its quote is the one the backtester used.
    assert.equal(Date.parse(buy.time), Date.parse(bt.entryTime) + 60_000);
    assert.equal(latestAt(Date.parse(buy.time)).ts, Date.parse(bt.optionEntryTime));
    assert.equal(latestAt(Date.parse(sell.time)).ts, Date.parse(bt.optionExitTime));
    assert.deepEqual((await api('GET', '/api/positions?account=opt-auto')).json.positions, [], 'flat at the end');

    // Signal mode: nothing sent; the entry signal carries the contract, its ask and break-even.
    const sreport = (await api('GET', `/api/strategies/instances/${sig.json.instance.id}/report`)).json;
    assert.deepEqual((await api('GET', '/api/orders?account=opt-signal')).json.orders, []);
    const entry = sreport.signals.find((s: any) => s.side === bt.side)!;
    assert.ok(entry, JSON.stringify(sreport.signals));
    const o = entry.rationale.option;
    assert.match(o.contract, /^O:GOOG151224[CP]\d{8}$/);
    assert.equal(o.contract[12], bt.side === 'long' ? 'C' : 'P');
    assert.equal(o.breakEven, Math.round((Number(o.contract.slice(13)) / 1000 + (bt.side === 'long' ? o.ask : -o.ask)) * 1e4) / 1e4);
    assert.equal(entry.order.symbol, o.contract);
    assert.equal(entry.order.side, 'buy');
    assert.ok(entry.rationale.text.includes(`at the ask ${o.ask.toFixed(2)}, break-even ${o.breakEven}`), entry.rationale.text);
    assert.equal(entry.outcome, null);
  });
});
