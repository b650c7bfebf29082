/**
 * The traders' workflow on Alpaca through the same code path as on paper: the TradingDesk
 * (audit → risk → broker) and its ExitManager drive the Alpaca adapter, through the
 * official SDK, against the fake Alpaca server trading on the recorded GOOG 2015-12-24
 * quotes. Buy at the recorded ask with a take-profit and a stop: on the fill the
 * take-profit rests at Alpaca; when the recorded bid reaches the stop optdesk cancels the
 * take-profit, waits for Alpaca's confirmation, then sells.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AuditTrail } from '../src/audit/index.js';
import { TradingDesk } from '../src/risk/index.js';
import { openStore } from '../src/store/index.js';
import { tradingRepository } from '../src/store/trading.js';
import type { Price } from '../src/broker/types.js';
import { alpacaRig, orderEvents, recordedOptionQuotes, type RecordedQuote } from './alpaca-helpers.js';
import { until } from './helpers/wait.js';

const CONTRACT = 'O:GOOG151224C00750000';
const OCC = CONTRACT.slice(2);
const price = (s: string): Price => Math.round(Number(s) * 10_000);

/** A TradingDesk over the Alpaca adapter over the fake; `play` moves the recorded market (the fake venue and the desk's NBBO). */
async function deskOnAlpaca(exits: { cancelTimeoutMs?: number } = {}) {
  const quotes = recordedOptionQuotes(CONTRACT);
  const rig = await alpacaRig({ fake: { cash: '100000' } });
  const store = openStore(':memory:');
  const repo = tradingRepository(store);
  const market = { now: quotes[0] as RecordedQuote };
  /** The NBBO the desk's risk checks see, per optdesk symbol. */
  const book = new Map<string, { bid: Price; ask: Price }>();
  const desk = new TradingDesk({
    repo,
    brokers: [rig.broker],
    audit: new AuditTrail(repo),
    marketNow: () => market.now.t,
    quote: (symbol) => book.get(symbol) ?? null,
    exits: { flattenAt: null, ...exits },
  });
  const play = (q: RecordedQuote): void => {
    market.now = q;
    book.set(CONTRACT, { bid: price(q.bid), ask: price(q.ask) });
    rig.fake.quote(OCC, { bid: q.bid, ask: q.ask, bidSize: q.bidSize, askSize: q.askSize, t: q.t });
  };
  const quoteStock = (symbol: string, bid: string, ask: string, t: number): void => {
    book.set(symbol, { bid: price(bid), ask: price(ask) });
    rig.fake.quote(symbol, { bid, ask, bidSize: 100, askSize: 100, t });
  };
  const close = async (): Promise<void> => {
    desk.stop();
    await rig.close();
    store.close();
  };
  return { quotes, rig, desk, market, play, quoteStock, close };
}

test('desk on Alpaca: entry at the recorded ask, take-profit resting at Alpaca, stop watched by optdesk (cancel, confirm, then sell)', async () => {
  const { quotes, rig, desk, market, play, close } = await deskOnAlpaca({ cancelTimeoutMs: 10_000 });
  try {
    // An entry from which the recorded bid later falls 20%: the stop's day.
    const i = quotes.findIndex((q, k) => quotes.slice(k + 1).some((l) => price(l.bid) <= price(q.ask) * 0.8));
    assert.ok(i >= 0);
    for (const q of quotes.slice(0, i + 1)) play(q);
    const entryPrice = price(market.now.ask);
    const stop = Math.floor((entryPrice * 0.8) / 100) * 100;
    const outcome = await desk.submit({ account: 'alpaca-paper', symbol: CONTRACT, side: 'buy', qty: 1, type: 'limit', limitPrice: entryPrice, takeProfit: { percent: 50 }, stopLoss: { stopPrice: stop } });
    assert.ok(outcome.ok, outcome.ok ? '' : `${outcome.check}: ${outcome.message}`);
    const entry = outcome.order;

    await until('entry filled at the recorded ask', () => orderEvents(rig.events, entry.id).some((e) => e.type === 'fill'));
    assert.deepEqual((await rig.broker.fills({ orderId: entry.id })).map((f) => f.price), [entryPrice]);
    await until('take-profit resting at Alpaca', () => rig.fake.allOrders().some((o) => o.side === 'sell' && o.status === 'new'));
    const tp = rig.fake.allOrders().find((o) => o.side === 'sell');
    assert.equal(tp?.type, 'limit');
    assert.equal(tp?.order_class, 'simple');
    assert.equal(price(tp?.limit_price ?? '0'), Math.ceil((entryPrice * 1.5) / 100) * 100, '+50% on the $0.01 tick');

    // The recorded bid falls to the stop: optdesk's stop, not Alpaca's.
    const j = quotes.findIndex((q, k) => k > i && price(q.bid) <= stop);
    let triggered: Promise<unknown> | void = undefined;
    for (const q of quotes.slice(i + 1, j + 1)) {
      play(q);
      triggered = desk.exits.onQuote({ symbol: CONTRACT, bid: price(q.bid), ask: price(q.ask) }) ?? triggered;
    }
    await triggered;
    await until('the stop exit sold', () => rig.fake.positionQty(OCC) === '0', 15_000);
    const sells = rig.fake.allOrders().filter((o) => o.side === 'sell');
    assert.deepEqual(sells.map((o) => [o.type, o.status]), [['limit', 'canceled'], ['market', 'filled']], 'take-profit canceled first, then the market exit');
    const cancelAt = rig.fake.requests.findIndex((r) => r.method === 'DELETE');
    const exitPostAt = rig.fake.requests.findIndex((r, k) => k > cancelAt && r.method === 'POST' && r.body?.side === 'sell');
    assert.ok(cancelAt >= 0 && exitPostAt > cancelAt, 'the exit was sent after the cancel');
    await until('the exit fill booked', () => rig.events.some((e) => e.kind === 'order' && e.event.fill?.side === 'sell'));
    const exitFill = (await rig.broker.fills()).find((f) => f.side === 'sell');
    assert.equal(exitFill?.price, price(market.now.bid), 'the market exit sold at the recorded bid');
  } finally {
    await close();
  }
});

test('desk on Alpaca: the $2.00 → $2.10 workflow — the take-profit placed on the fill sells when the recorded bid reaches it', async () => {
  const { quotes, rig, desk, market, play, close } = await deskOnAlpaca();
  try {
    const tpOf = (ask: string): Price => Math.ceil((price(ask) * 1.05) / 100) * 100;
    const i = quotes.findIndex((q, k) => quotes.slice(k + 1).some((l) => price(l.bid) >= tpOf(q.ask)));
    assert.ok(i >= 0, 'the recorded bid rises 5% above some recorded ask');
    for (const q of quotes.slice(0, i + 1)) play(q);
    const entryPrice = price(market.now.ask);
    const outcome = await desk.submit({ account: 'alpaca-paper', symbol: CONTRACT, side: 'buy', qty: 1, type: 'limit', limitPrice: entryPrice, takeProfit: { percent: 5 } });
    assert.ok(outcome.ok, outcome.ok ? '' : `${outcome.check}: ${outcome.message}`);
    await until('take-profit resting at Alpaca', () => rig.fake.allOrders().some((o) => o.side === 'sell' && o.status === 'new'));
    const tp = rig.fake.allOrders().find((o) => o.side === 'sell');
    assert.equal(price(tp?.limit_price ?? '0'), tpOf(quotes[i]!.ask));
    const j = quotes.findIndex((q, k) => k > i && price(q.bid) >= tpOf(quotes[i]!.ask));
    for (const q of quotes.slice(i + 1, j + 1)) play(q);
    assert.equal(rig.fake.order(tp!.id).status, 'filled', 'sold at the first recorded bid that reaches the take-profit');
    await until('take-profit fill booked', () => rig.events.some((e) => e.kind === 'order' && e.event.fill?.side === 'sell'));
    const fills = await rig.broker.fills();
    assert.deepEqual(fills.map((f) => [f.side, f.price]), [['buy', entryPrice], ['sell', tpOf(quotes[i]!.ask)]]);
    await until('flat', () => rig.events.some((e) => e.kind === 'position' && e.position.symbol === CONTRACT && e.position.qty === 0));
  } finally {
    await close();
  }
});

test('desk on Alpaca: a stock entry with both exits goes as one native bracket; the exit manager arms nothing of its own', async () => {
  const { rig, desk, quoteStock, close } = await deskOnAlpaca();
  try {
    const t = Date.parse('2015-12-24T15:30:00Z');
    quoteStock('GOOG', '749.9', '750', t);
    const outcome = await desk.submit({ account: 'alpaca-paper', symbol: 'GOOG', side: 'buy', qty: 10, type: 'limit', limitPrice: 7_500_000, takeProfit: { limitPrice: 7_650_000 }, stopLoss: { stopPrice: 7_400_000 } });
    assert.ok(outcome.ok, outcome.ok ? '' : `${outcome.check}: ${outcome.message}`);
    await until('entry filled, legs working', () => rig.fake.allOrders().filter((o) => o.status === 'new').length === 2);
    quoteStock('GOOG', '765', '765.1', t + 60_000);
    await until('take-profit leg filled, stop leg canceled', () => rig.fake.allOrders().every((o) => o.status === 'filled' || o.status === 'canceled'));
    await until('the leg fill booked', () => rig.events.some((e) => e.kind === 'order' && e.event.fill?.side === 'sell'));
    assert.equal(rig.fake.requests.filter((r) => r.method === 'POST' && r.path === '/v2/orders').length, 1, 'one POST: the bracket');
    assert.equal(rig.fake.positionQty('GOOG'), '0');
    assert.equal(desk.exits.armed().length, 0);
  } finally {
    await close();
  }
});
