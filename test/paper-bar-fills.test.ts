/**
 * The paper broker's bar-rule fills (orders with `barFill`) on the recorded SPY minutes of
 * 2013-10-10, checked against the rules as the issue states them, re-read here straight
 * from the flat file: entry at the open of the first minute starting at/after the order;
 * stop at its level or at the open when the open is beyond it; target likewise; the stop
 * first when one minute touches both; one leg's fill cancels the other. Property-tested over
 * random entry times, sides and bracket sizes; plus the cases that must not fill.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { nyTimeToMs } from '../src/calendar/index.js';
import { priceToDollars } from '../src/broker/money.js';
import type { Fill, Order } from '../src/broker/types.js';
import fc from './helpers/fast-check.js';
import { readAggregates, stockMinuteFile } from './helpers/data.js';
import { approved, paperKit, type PaperKit } from './helpers/trading.js';
import { LiveMarket } from '../src/broker/paper/market.js';

const DAY = '2013-10-10';
const open = nyTimeToMs(DAY, '09:30');
const close = nyTimeToMs(DAY, '16:00');
const MINUTES = readAggregates(stockMinuteFile(DAY), 'SPY').filter((m) => m.start >= open && m.start < close).sort((a, b) => a.start - b.start);
const round2 = (x: number) => Math.round(x * 100) / 100;

const kits: PaperKit[] = [];
after(() => kits.forEach((k) => k.close()));

/** The rules, written out plainly over the file's minutes. */
function expected(side: 'long' | 'short', placedAt: number, stopDistance: number, targetR: number) {
  const dir = side === 'long' ? 1 : -1;
  const i = MINUTES.findIndex((m) => m.start >= placedAt);
  if (i < 0) return null;
  const entry = MINUTES[i]!;
  const stop = round2(entry.open - dir * stopDistance);
  const target = round2(entry.open + dir * targetR * Math.abs(entry.open - stop));
  for (let k = i; k < MINUTES.length; k++) {
    const m = MINUTES[k]!;
    const beyond = (p: number, level: number) => (p - level) * dir;
    let exit: [number, string] | null = null;
    if (beyond(m.open, stop) <= 0) exit = [m.open, 'stop'];
    else if (beyond(m.open, target) >= 0) exit = [m.open, 'target'];
    else if (beyond(side === 'long' ? m.low : m.high, stop) <= 0) exit = [stop, 'stop'];
    else if (beyond(side === 'long' ? m.high : m.low, target) >= 0) exit = [target, 'target'];
    if (exit) return { entry: [entry.start, entry.open], exit: [m.start, exit[0], exit[1]] as const };
  }
  return { entry: [entry.start, entry.open], exit: null };
}

async function run(side: 'long' | 'short', placedAt: number, bracket: { stopDistance: number; targetR: number }, notAfter = close) {
  const kit = paperKit({ start: placedAt, accounts: [{ name: 'paper', cash: 1_000_000_00 }] });
  kits.push(kit);
  const events: { order: Order; fill?: Fill }[] = [];
  kit.broker.onEvent((e) => { if (e.kind === 'order') events.push(e.event); });
  await kit.broker.submit(approved({ account: 'paper', symbol: 'SPY', side: side === 'long' ? 'buy' : 'sell', qty: 10, type: 'market', barFill: { notAfter, bracket } }));
  kit.clock.ms = close;
  await kit.broker.advanceTo(close);
  await kit.broker.idle();
  return events;
}

describe('paper broker: bar-rule fills on SPY 2013-10-10', () => {
  it('entry at the next open, bracket at its level or the gapped open, stop first, one-cancels-other (property)', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1, max: 370 }), fc.boolean(), fc.integer({ min: 3, max: 60 }), fc.constantFrom(0.5, 1, 2, 3),
      async (minute, long, cents, targetR) => {
        const side = long ? 'long' : 'short';
        // Decisions happen on minute boundaries (a bar's close), sometimes mid-minute (a timer).
        const placedAt = open + minute * 60_000 + (minute % 3 === 0 ? 20_000 : 0);
        const events = await run(side, placedAt, { stopDistance: cents / 100, targetR });
        const want = expected(side, placedAt, cents / 100, targetR);
        const fills = events.filter((e) => e.fill).map((e) => ({ role: e.order.role, time: e.fill!.time, price: priceToDollars(e.fill!.price), qty: e.fill!.qty }));
        assert.ok(want);
        assert.deepEqual(fills[0], { role: 'entry', time: want.entry[0], price: want.entry[1], qty: 10 });
        if (want.exit === null) {
          assert.equal(fills.length, 1, 'no exit: the bracket still works at the close');
          return;
        }
        assert.deepEqual(fills.slice(1), [{ role: want.exit[2] === 'stop' ? 'stop_loss' : 'take_profit', time: want.exit[0], price: want.exit[1], qty: 10 }]);
        const other = events.filter((e) => e.order.role === (want.exit[2] === 'stop' ? 'take_profit' : 'stop_loss') && e.order.status === 'canceled');
        assert.equal(other.length, 1, 'the other leg is canceled');
        assert.match(other[0]!.order.reason!, /one-cancels-other/);
      },
    ), { numRuns: 25 });
  });

  it('an entry placed at/after its notAfter minute is canceled with the reason, never filled', async () => {
    const placedAt = nyTimeToMs(DAY, '15:54') + 30_000;
    const events = await run('long', placedAt, { stopDistance: 0.2, targetR: 2 }, nyTimeToMs(DAY, '15:55'));
    assert.equal(events.filter((e) => e.fill).length, 0);
    const canceled = events.find((e) => e.order.status === 'canceled')!;
    assert.match(canceled.order.reason!, /^no fill before 2013-10-10T15:55:00-04:00/);
  });

  it('a short entry opens a short position in shares (bar-rule orders may sell short; plain orders still may not)', async () => {
    const events = await run('short', nyTimeToMs(DAY, '10:00'), { stopDistance: 5, targetR: 5 });
    const entry = events.find((e) => e.fill && e.order.role === 'entry')!;
    assert.equal(entry.order.side, 'sell');
    const kit = kits.at(-1)!;
    assert.deepEqual((await kit.broker.positions('paper')).map((p) => p.qty), [-10]);
    await assert.rejects(
      kit.broker.submit(approved({ account: 'paper', symbol: 'SPY', side: 'sell', qty: 1, type: 'market' })),
      /short selling is off/,
    );
  });

  it('live: closed minutes pushed from the hub fill a bar-rule entry at the next open and its stop at the level', async () => {
    const t0 = nyTimeToMs(DAY, '10:00');
    const last = MINUTES.find((m) => m.start === t0 - 60_000)!;
    const market = new LiveMarket({ lastTrade: () => last.close });
    const kit = paperKit({ start: t0, market: market as never, accounts: [{ name: 'paper', cash: 1_000_000_00 }] });
    kits.push(kit);
    const events: { order: Order; fill?: Fill }[] = [];
    kit.broker.onEvent((e) => { if (e.kind === 'order') events.push(e.event); });
    await kit.broker.submit(approved({ account: 'paper', symbol: 'SPY', side: 'buy', qty: 5, type: 'market', barFill: { notAfter: close, bracket: { stopDistance: 0.01, targetR: 50 } } }));
    market.pushBar('SPY', last); // a minute that started before the order: not a fill
    const firstTwo = MINUTES.filter((m) => m.start >= t0).slice(0, 2);
    for (const m of firstTwo) market.pushBar('SPY', m);
    kit.clock.ms = firstTwo[1]!.start + 60_000;
    await kit.broker.advanceTo(kit.clock.ms);
    await kit.broker.idle();
    const fills = events.filter((e) => e.fill).map((e) => [e.order.role, e.fill!.time, priceToDollars(e.fill!.price)]);
    const want = expected('long', t0, 0.01, 50)!;
    assert.deepEqual(fills[0], ['entry', want.entry[0], want.entry[1]]);
    assert.ok(want.exit && want.exit[0] <= firstTwo[1]!.start, 'a one-cent stop is hit within two minutes of SPY');
    assert.deepEqual(fills.slice(1), [[want.exit[2] === 'stop' ? 'stop_loss' : 'take_profit', want.exit[0], want.exit[1]]]);
  });
});
