/**
 * The Alpaca adapter through the official SDK against the fake Alpaca server: the
 * $2-ish → +10% option workflow on real recorded GOOG quotes, Alpaca's options rules
 * refused before sending, the native equity bracket, and errors as sentences.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ALPACA_FEES, feesFor } from '../src/broker/fees.js';
import { BrokerError, type Order } from '../src/broker/types.js';
import { alpacaRig, intent, orderEvents, recordedOptionQuotes, type AlpacaRig } from './alpaca-helpers.js';
import { until } from './helpers/wait.js';

const CONTRACT = 'O:GOOG151224C00750000';
const price = (s: string): number => Math.round(Number(s) * 10_000);

describe('Alpaca adapter: the option workflow on recorded GOOG quotes', () => {
  let rig: AlpacaRig;
  before(async () => {
    rig = await alpacaRig();
  });
  after(async () => rig.close());

  test('buy at the recorded ask, the fill arrives over trade_updates, the take-profit rests at Alpaca and sells when the recorded bid reaches it', async () => {
    const quotes = recordedOptionQuotes(CONTRACT);
    assert.ok(quotes.length > 100, 'recorded quotes for the contract');
    // The first recorded ask from which the recorded bid later rises 10%: the trader's winning trade of the day.
    const tpOf = (ask: string): number => Math.ceil((price(ask) * 1.1) / 100) * 100; // +10%, up to the $0.01 tick
    const entryQuote = quotes.find((q, i) => quotes.slice(i + 1).some((later) => price(later.bid) >= tpOf(q.ask)));
    assert.ok(entryQuote, 'the recorded bid rises 10% above some recorded ask');
    const entry = price(entryQuote.ask);
    const tp = tpOf(entryQuote.ask);

    const buy = await rig.broker.submit(intent({ symbol: CONTRACT, side: 'buy', type: 'limit', limitPrice: entry, takeProfit: { percent: 10 } }));
    assert.equal(buy.symbol, CONTRACT);
    assert.equal(buy.assetClass, 'option');
    const post = rig.fake.requests.find((r) => r.method === 'POST' && r.path === '/v2/orders');
    assert.equal(post?.body?.symbol, 'GOOG151224C00750000', 'Alpaca gets the bare OCC symbol');
    assert.equal(post?.body?.order_class, 'simple', 'options are never sent as a bracket');
    assert.equal(post?.body?.limit_price, entryQuote.ask);
    assert.equal(rig.broker.handlesExitsNatively({ symbol: CONTRACT, takeProfit: { percent: 10 }, stopLoss: { stopPrice: 100 } }), false, 'optdesk arms option exits itself');

    rig.fake.fill(buy.id, entryQuote.ask);
    await until('the fill event', () => orderEvents(rig.events, buy.id).some((e) => e.type === 'fill'));
    const [fill] = await rig.broker.fills({ orderId: buy.id });
    assert.equal(fill?.price, entry, 'filled at the recorded ask, exactly');
    assert.equal(fill?.qty, 1);
    assert.deepEqual(fill?.fees, feesFor(ALPACA_FEES, 'option', 'buy', 1, entry), 'fees modeled from the fee table (Alpaca paper charges none)');
    assert.ok((fill?.fees.total ?? 0) > 0);
    assert.equal((await rig.broker.order('alpaca-paper', buy.id))?.status, 'filled');
    assert.equal((await rig.broker.order('alpaca-paper', buy.id))?.exits?.takeProfit && 'percent' in (buy.exits?.takeProfit ?? {}), true);

    const [pos] = await rig.broker.positions();
    assert.equal(pos?.symbol, CONTRACT);
    assert.equal(pos?.qty, 1);
    assert.equal(pos?.avgPrice, entry);
    assert.equal(pos?.costBasis, (entry * 100) / 100, 'cost basis in cents: premium × 100 contracts-multiplier, at 100 Price units per cent');

    const sell = await rig.broker.submit(intent({ symbol: CONTRACT, side: 'sell', type: 'limit', limitPrice: tp, timeInForce: 'gtc', role: 'take_profit', parentId: buy.id }));
    assert.equal(sell.role, 'take_profit');
    assert.equal(sell.parentId, buy.id);
    await until('take-profit working', () => rig.fake.order(sell.id).status === 'new');
    rig.fake.fill(sell.id, (tp / 10_000).toFixed(2));
    await until('take-profit fill event', () => orderEvents(rig.events, sell.id).some((e) => e.type === 'fill'));
    await until('the flat position pushed', () => rig.events.some((e) => e.kind === 'position' && e.position.symbol === CONTRACT && e.position.qty === 0));
    assert.deepEqual(await rig.broker.positions(), []);

    const [account] = await rig.broker.accounts();
    assert.equal(account?.mode, 'paper');
    assert.equal(account?.broker, 'alpaca');
    assert.equal(account?.cash, 100_000_00 - entry + tp, 'cash moves by exactly premium × 100 each way');
    const fees = feesFor(ALPACA_FEES, 'option', 'buy', 1, entry).total + feesFor(ALPACA_FEES, 'option', 'sell', 1, tp).total;
    assert.equal(account?.dayFees, fees);
    assert.equal(account?.dayPnl, tp - entry - fees, 'day P&L: the premium gained × 100, net of the modeled fees (paper charges none)');
    const activities = await rig.broker.activities();
    assert.deepEqual(activities.map((a) => a.order_id ?? a.orderId).sort(), [buy.id, sell.id].sort());
  });
});

describe('Alpaca adapter: options rules are refused before sending', () => {
  let rig: AlpacaRig;
  before(async () => {
    rig = await alpacaRig();
  });
  after(async () => rig.close());

  const cases: [string, Parameters<typeof intent>[0], RegExp][] = [
    ['extended hours', { symbol: CONTRACT, side: 'buy', type: 'limit', limitPrice: 18_500, extendedHours: true }, /extended hours/],
    ['a fractional contract', { symbol: CONTRACT, side: 'buy', type: 'limit', limitPrice: 18_500, qty: 1.5 }, /whole option contracts/],
    ['time in force ioc', { symbol: CONTRACT, side: 'buy', type: 'limit', limitPrice: 18_500, timeInForce: 'ioc' as 'day' }, /day or gtc/],
    ['a trailing stop', { symbol: CONTRACT, side: 'sell', type: 'trailing_stop' as 'stop', stopPrice: 10_000 }, /no trailing stops for options/],
    ['a limit order without a price', { symbol: CONTRACT, side: 'buy', type: 'limit' }, /needs a limit price/],
    ['a client order id over 128 characters', { symbol: CONTRACT, side: 'buy', type: 'market', clientOrderId: 'x'.repeat(129) }, /1 to 128 characters/],
  ];
  for (const [name, input, sentence] of cases) {
    test(`${name}: a sentence, and nothing reaches Alpaca`, async () => {
      const before = rig.fake.requests.length;
      await assert.rejects(rig.broker.submit(intent(input)), (err: unknown) => err instanceof BrokerError && err.code === 'rejected' && sentence.test(err.message));
      assert.equal(rig.fake.requests.length, before);
    });
  }

  test('the fake enforces the same rules when they are bypassed (it is a faithful stand-in)', async () => {
    const res = await fetch(`${rig.fake.restUrl}/v2/orders`, {
      method: 'POST',
      headers: { 'APCA-API-KEY-ID': rig.fake.keyId, 'APCA-API-SECRET-KEY': rig.fake.secret, 'Content-Type': 'application/json' },
      body: JSON.stringify({ symbol: 'GOOG151224C00750000', qty: '1', side: 'buy', type: 'limit', limit_price: '1.85', time_in_force: 'day', order_class: 'bracket' }),
    });
    assert.equal(res.status, 422);
    assert.match(((await res.json()) as { message: string }).message, /order_class bracket is not supported for options/);
  });
});

describe('Alpaca adapter: equity entry with both exits is a native bracket', () => {
  let rig: AlpacaRig;
  before(async () => {
    rig = await alpacaRig();
  });
  after(async () => rig.close());

  test('POST carries order_class bracket, take_profit.limit_price and stop_loss.stop_price; the legs work after the entry fills and one cancels the other', async () => {
    const bracket = intent({ symbol: 'GOOG', side: 'buy', type: 'limit', qty: 10, limitPrice: 7_500_000, takeProfit: { percent: 2 }, stopLoss: { stopPrice: 7_400_000 } });
    assert.equal(rig.broker.handlesExitsNatively(bracket), true);
    const entry = await rig.broker.submit(bracket);
    const post = rig.fake.requests.find((r) => r.method === 'POST' && r.path === '/v2/orders');
    assert.equal(post?.body?.order_class, 'bracket');
    assert.deepEqual(post?.body?.take_profit, { limit_price: '765' }, '+2% of the 750.00 entry');
    assert.deepEqual(post?.body?.stop_loss, { stop_price: '740' });

    assert.equal(rig.broker.handlesExitsNatively(entry), true, 'the entry order says so too (for the exit manager)');
    const legs = (await rig.broker.orders()).filter((o) => o.parentId === entry.id);
    assert.deepEqual(legs.map((l) => l.role).sort(), ['stop_loss', 'take_profit']);
    const tpLeg = legs.find((l) => l.role === 'take_profit') as Order;
    const slLeg = legs.find((l) => l.role === 'stop_loss') as Order;
    assert.equal(tpLeg.limitPrice, 7_650_000);
    assert.equal(slLeg.stopPrice, 7_400_000);

    rig.fake.fill(entry.id, '750');
    await until('legs working', () => orderEvents(rig.events, tpLeg.id).some((e) => e.type === 'new') && orderEvents(rig.events, slLeg.id).some((e) => e.type === 'new'));
    rig.fake.fill(tpLeg.id, '765');
    await until('the stop leg canceled', () => orderEvents(rig.events, slLeg.id).some((e) => e.type === 'canceled'));
    assert.equal((await rig.broker.order('alpaca-paper', tpLeg.id))?.status, 'filled');
    assert.deepEqual(await rig.broker.positions(), []);
  });

  test('exits on the wrong side of the entry, or a relative take-profit on a market entry, are refused with a sentence', async () => {
    const before = rig.fake.requests.length;
    await assert.rejects(
      rig.broker.submit(intent({ symbol: 'GOOG', side: 'buy', type: 'limit', limitPrice: 7_500_000, takeProfit: { limitPrice: 7_300_000 }, stopLoss: { stopPrice: 7_400_000 } })),
      /take-profit 730 must be above the stop 740 for a buy bracket/,
    );
    await assert.rejects(
      rig.broker.submit(intent({ symbol: 'GOOG', side: 'buy', type: 'market', takeProfit: { percent: 5 }, stopLoss: { stopPrice: 7_400_000 } })),
      /needs the take-profit as a price/,
    );
    assert.equal(rig.fake.requests.length, before);
  });
});

describe('Alpaca adapter: errors become sentences', () => {
  test('insufficient buying power, market closed, not approved for options, unknown account', async () => {
    const rig = await alpacaRig({ fake: { cash: '100', marketOpen: false } });
    try {
      await assert.rejects(
        rig.broker.submit(intent({ symbol: CONTRACT, side: 'buy', type: 'limit', limitPrice: 18_500, qty: 5 })),
        (err: unknown) => err instanceof BrokerError && err.code === 'insufficient_funds' && /not enough buying power/.test(err.message),
      );
      await assert.rejects(
        rig.broker.submit(intent({ symbol: CONTRACT, side: 'buy', type: 'market' })),
        (err: unknown) => err instanceof BrokerError && err.code === 'market_closed' && /market is closed/i.test(err.message),
      );
      await assert.rejects(rig.broker.submit(intent({ account: 'paper', symbol: CONTRACT, side: 'buy', type: 'market' })), (err: unknown) => err instanceof BrokerError && err.code === 'unknown_account');
      rig.fake.optionsLevel = 0;
      await assert.rejects(
        rig.broker.submit(intent({ symbol: CONTRACT, side: 'buy', type: 'limit', limitPrice: 100 })),
        (err: unknown) => err instanceof BrokerError && /not approved for options trading/.test(err.message),
      );
      assert.equal(rig.fake.allOrders().length, 0);
    } finally {
      await rig.close();
    }
  });
});
