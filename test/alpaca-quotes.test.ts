/**
 * The paper-broker cases again, but through Alpaca's protocol: the official SDK against
 * the fake Alpaca server, whose venue-like fill engine trades on the real recorded NBBO of
 * GOOG 2015-12-24 options. What the adapter books must be what the venue did: marketable
 * buys at the recorded ask, resting limits at their limit once the ask reaches it, fills
 * capped by the quoted size, and the take-profit sold when the recorded bid reaches it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Order } from '../src/broker/types.js';
import { alpacaRig, intent, orderEvents, recordedOptionQuotes, type AlpacaRig, type RecordedQuote } from './alpaca-helpers.js';
import { until } from './helpers/wait.js';

const CONTRACT = 'O:GOOG151224C00750000';
const OCC = CONTRACT.slice(2);
const price = (s: string): number => Math.round(Number(s) * 10_000);

describe('Alpaca adapter on recorded quotes (fake venue)', () => {
  let rig: AlpacaRig;
  let quotes: RecordedQuote[];
  let at = 0;
  /** Plays recorded quotes from the cursor until `stop(index)` holds after a quote (or the tape ends); returns that index. */
  const playUntil = (stop: (i: number) => boolean): number => {
    for (; at < quotes.length; at++) {
      const q = quotes[at] as RecordedQuote;
      rig.fake.quote(OCC, { bid: q.bid, ask: q.ask, bidSize: q.bidSize, askSize: q.askSize, t: q.t });
      if (stop(at)) return at++;
    }
    return -1;
  };
  const bookedFills = async (o: Order, n: number): Promise<{ qty: number; price: number }[]> => {
    await until(`${n} fills of ${o.id} booked`, () => orderEvents(rig.events, o.id).filter((e) => e.type === 'fill' || e.type === 'partial_fill').length >= n);
    return (await rig.broker.fills({ orderId: o.id })).map((f) => ({ qty: f.qty, price: f.price }));
  };

  before(async () => {
    quotes = recordedOptionQuotes(CONTRACT);
    rig = await alpacaRig({ fake: { cash: '1000000' } });
  });
  after(async () => rig.close());

  test('a marketable buy fills at the recorded ask, not at its limit', async () => {
    playUntil(() => true);
    const q = quotes[at - 1] as RecordedQuote;
    const buy = await rig.broker.submit(intent({ symbol: CONTRACT, side: 'buy', type: 'limit', limitPrice: price(q.ask) + 1_500 }));
    assert.deepEqual(await bookedFills(buy, 1), [{ qty: 1, price: price(q.ask) }]);
  });

  test('a resting buy limit fills only when the recorded ask reaches it, at its limit', async () => {
    const now = quotes[at - 1] as RecordedQuote;
    // A limit below the current ask that a later recorded ask reaches.
    const later = quotes.slice(at).find((q) => price(q.ask) < price(now.ask));
    assert.ok(later, 'the recorded ask drops below the current one later');
    const limit = price(later.ask);
    const buy = await rig.broker.submit(intent({ symbol: CONTRACT, side: 'buy', type: 'limit', limitPrice: limit }));
    await until('working at the venue', () => rig.fake.order(buy.id).status === 'new');
    const first = quotes.findIndex((q, i) => i >= at && price(q.ask) <= limit);
    const filledAt = playUntil(() => rig.fake.order(buy.id).status === 'filled');
    assert.equal(filledAt, first, 'filled at the first recorded quote whose ask reaches the limit, not before');
    assert.deepEqual(await bookedFills(buy, 1), [{ qty: 1, price: limit }]);
  });

  test('fills are capped by the quoted size: a buy larger than the ask size fills in parts', async () => {
    const small = quotes.findIndex((q, i) => i >= at && q.askSize > 0 && q.askSize <= 3);
    assert.ok(small > 0, 'a recorded quote with a small ask size');
    playUntil((i) => i === small - 1);
    const q = quotes[small] as RecordedQuote;
    const qty = q.askSize + 4;
    const limit = price(q.ask) + 2_000;
    playUntil(() => true);
    const buy = await rig.broker.submit(intent({ symbol: CONTRACT, side: 'buy', type: 'limit', limitPrice: limit, qty }));
    await until('first part', () => Number(rig.fake.order(buy.id).filled_qty) > 0);
    assert.equal(Number(rig.fake.order(buy.id).filled_qty), q.askSize, 'the first fill takes the quoted size');
    playUntil(() => rig.fake.order(buy.id).status === 'filled');
    const fills = await bookedFills(buy, 2);
    assert.equal(fills[0]?.qty, q.askSize);
    assert.equal(fills[0]?.price, price(q.ask));
    assert.equal(fills.reduce((s, f) => s + f.qty, 0), qty);
    assert.equal((await rig.broker.order('alpaca-paper', buy.id))?.status, 'filled');
  });

  test('the take-profit rests at Alpaca and sells when the recorded bid reaches it', async () => {
    const [pos] = await rig.broker.positions();
    assert.ok(pos && pos.qty > 0);
    // The best bid recorded for the rest of the day: a take-profit the market does reach.
    const tp = Math.max(...quotes.slice(at).map((q) => price(q.bid)));
    const reach = quotes.findIndex((q, i) => i >= at && price(q.bid) >= tp);
    assert.ok(reach > at, 'the best bid comes later than now');
    const sell = await rig.broker.submit(intent({ symbol: CONTRACT, side: 'sell', type: 'limit', limitPrice: tp, qty: pos.qty, timeInForce: 'gtc', role: 'take_profit' }));
    await until('working at the venue', () => rig.fake.order(sell.id).status === 'new');
    const filledAt = playUntil(() => rig.fake.order(sell.id).status === 'filled');
    assert.equal(filledAt, reach, 'sold at the first recorded quote whose bid reaches the take-profit, not before');
    const fills = await bookedFills(sell, 1);
    assert.ok(fills.every((f) => f.price === tp), 'sold at the take-profit price');
    assert.equal(fills.reduce((s, f) => s + f.qty, 0), pos.qty);
    await until('flat', () => rig.events.some((e) => e.kind === 'position' && e.position.symbol === CONTRACT && e.position.qty === 0));
  });
});
