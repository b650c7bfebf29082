import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from '../../test/helpers/fast-check.js';
import type { Fill } from '../broker/types.js';
import { notional } from '../broker/money.js';
import { assetClassOf } from '../broker/order.js';
import { buildTrades, cashFlow } from './roundtrip.js';
import { fill } from '../../test/helpers/fills.js';
import type { TradeOverride } from './types.js';

const C750 = 'O:GOOG151224C00750000';
const P745 = 'O:GOOG151224P00745000';
const T0 = Date.parse('2015-12-24T15:00:00Z'); // 10:00 New York

describe('round-trip builder', () => {
  it('scale in, scale out: one trade, average-cost P&L net of fees', () => {
    const fills = [
      fill({ symbol: C750, side: 'buy', qty: 2, price: 2_0000, time: T0, fees: 10 }),
      fill({ symbol: C750, side: 'buy', qty: 2, price: 3_0000, time: T0 + 60_000, fees: 10 }),
      fill({ symbol: C750, side: 'sell', qty: 1, price: 4_0000, time: T0 + 120_000, fees: 5 }),
      fill({ symbol: C750, side: 'sell', qty: 3, price: 2_5000, time: T0 + 180_000, fees: 7 }),
    ];
    const [t, ...rest] = buildTrades(fills);
    assert.equal(rest.length, 0);
    // Cost 400 + 600 = $1,000 for 4 → avg $2.50; sold 1 @ 4 (+$150) and 3 @ 2.50 ($0); fees 32¢.
    assert.equal(t!.realized, 150_00 - 32);
    assert.equal(t!.status, 'closed');
    assert.equal(t!.legs[0]!.entryPrice, 2_5000);
    assert.equal(t!.legs[0]!.exitPrice, 2_8750);
    assert.equal(t!.legs[0]!.maxQty, 4);
    assert.equal(t!.exitTime, T0 + 180_000);
  });

  it('a flip closes one trade and opens the next, splitting the fill and its fees', () => {
    const fills = [
      fill({ symbol: 'GOOG', side: 'buy', qty: 10, price: 750_0000, time: T0, fees: 0 }),
      fill({ symbol: 'GOOG', side: 'sell', qty: 30, price: 751_0000, time: T0 + 60_000, fees: 3 }),
      fill({ symbol: 'GOOG', side: 'buy', qty: 20, price: 749_0000, time: T0 + 120_000, fees: 0 }),
    ];
    const trades = buildTrades(fills);
    assert.equal(trades.length, 2);
    assert.deepEqual(trades.map((t) => t.side), ['buy', 'sell']);
    assert.equal(trades[0]!.realized, 10_00 - 1); // +$1 × 10, a third of the 3¢ fee
    assert.equal(trades[1]!.realized, 40_00 - 2); // short 20 @ 751 covered @ 749
    assert.equal(trades[1]!.id, `t_${fills[1]!.id}`);
  });

  it('an expiry fill closes its trade as expired at 0', () => {
    const fills = [
      fill({ symbol: C750, side: 'buy', qty: 3, price: 1_2000, time: T0, fees: 9 }),
      fill({ symbol: C750, side: 'sell', qty: 3, price: 0, time: T0 + 3 * 3600_000, reason: 'expiration_otm' }),
    ];
    const [t] = buildTrades(fills);
    assert.equal(t!.status, 'expired');
    assert.equal(t!.realized, -360_00 - 9);
    assert.equal(t!.exitTime, fills[1]!.time);
  });

  it('options on one underlying opened together are one trade with legs; unlink and merge override it', () => {
    const fills = [
      fill({ symbol: C750, side: 'buy', qty: 1, price: 2_0000, time: T0 }),
      fill({ symbol: P745, side: 'buy', qty: 1, price: 1_5000, time: T0 + 20_000 }),
      fill({ symbol: C750, side: 'sell', qty: 1, price: 2_6000, time: T0 + 600_000 }),
      fill({ symbol: P745, side: 'sell', qty: 1, price: 1_1000, time: T0 + 600_000 }),
      fill({ symbol: 'GOOG', side: 'buy', qty: 5, price: 750_0000, time: T0 + 30_000 }),
    ];
    const trades = buildTrades(fills);
    assert.equal(trades.length, 2);
    const straddle = trades.find((t) => t.legs.length === 2)!;
    assert.equal(straddle.symbol, 'GOOG');
    assert.equal(straddle.realized, 60_00 - 40_00);
    const unlinked = buildTrades(fills, { overrides: [{ kind: 'unlink_legs', tradeId: straddle.id }] });
    assert.equal(unlinked.length, 3);
    const merged = buildTrades(fills, { overrides: [{ kind: 'unlink_legs', tradeId: straddle.id }, { kind: 'merge', tradeIds: [straddle.id, `t_${fills[1]!.id}`] }] });
    assert.equal(merged.length, 2);
    assert.equal(merged.find((t) => t.id === straddle.id)!.legs.length, 2);
  });

  it('split at a fill carries the open quantity over at its average cost', () => {
    const fills = [
      fill({ symbol: 'GOOG', side: 'buy', qty: 10, price: 100_0000, time: T0 }),
      fill({ symbol: 'GOOG', side: 'sell', qty: 5, price: 101_0000, time: T0 + 1000 }),
      fill({ symbol: 'GOOG', side: 'buy', qty: 5, price: 102_0000, time: T0 + 2000 }),
      fill({ symbol: 'GOOG', side: 'sell', qty: 10, price: 103_0000, time: T0 + 3000 }),
    ];
    const whole = buildTrades(fills);
    const split = buildTrades(fills, { overrides: [{ kind: 'split_at', fillId: fills[2]!.id }] });
    assert.equal(whole.length, 1);
    assert.equal(split.length, 2);
    assert.equal(split[0]!.realized, 5_00);
    assert.equal(split[1]!.legs[0]!.carriedQty, 5);
    assert.equal(split[1]!.legs[0]!.entryPrice, 101_0000); // 5 @ 100 carried + 5 @ 102
    assert.equal(split[0]!.realized + split[1]!.realized, whole[0]!.realized);
  });

  it('merging the two parts of a split undoes the split (the carried position is not held twice)', () => {
    const fills = [
      fill({ symbol: 'GOOG', side: 'buy', qty: 10, price: 100_0000, time: T0 }),
      fill({ symbol: 'GOOG', side: 'sell', qty: 10, price: 101_5000, time: T0 + 900_000 }),
      fill({ symbol: 'GOOG', side: 'buy', qty: 3, price: 99_0000, time: T0 + 1_800_000 }),
      fill({ symbol: 'GOOG', side: 'sell', qty: 3, price: 99_5000, time: T0 + 1_900_000 }),
    ];
    const split: TradeOverride = { kind: 'split_at', fillId: fills[1]!.id };
    const parts = buildTrades(fills, { overrides: [split] });
    assert.deepEqual(parts.map((t) => t.id), [`t_${fills[0]!.id}`, `t_${fills[1]!.id}~split`, `t_${fills[2]!.id}`]);
    const rejoined = buildTrades(fills, { overrides: [split, { kind: 'merge', tradeIds: [parts[0]!.id, parts[1]!.id] }] });
    assert.deepEqual(rejoined, buildTrades(fills), 'the same trades as without the split');
    assert.equal(rejoined[0]!.legs.length, 1);
    assert.equal(rejoined[0]!.legs[0]!.maxQty, 10);
    // A merge with an unrelated trade keeps the split.
    const other = buildTrades(fills, { overrides: [split, { kind: 'merge', tradeIds: [parts[1]!.id, parts[2]!.id] }] });
    assert.equal(other.length, 2);
    assert.equal(other.find((t) => t.id === parts[1]!.id)!.legs[0]!.carriedQty, 10);
  });
});

// ── property: any fills → trades whose quantities and P&L add up exactly ──

type Step = { kind: 'trade'; side: 'buy' | 'sell'; qty: number; price: number; fees: number; dt: number } | { kind: 'expire'; price: number; dt: number };
const SYMBOLS = [C750, P745, 'GOOG', 'SPY'];

const arbStep: fc.Arbitrary<Step> = fc.oneof(
  { weight: 9, arbitrary: fc.record({ kind: fc.constant('trade' as const), side: fc.constantFrom('buy' as const, 'sell' as const), qty: fc.integer({ min: 1, max: 12 }), price: fc.integer({ min: 1, max: 9_999_999 }), fees: fc.integer({ min: 0, max: 500 }), dt: fc.integer({ min: 0, max: 120_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('expire' as const), price: fc.constantFrom(0, 1_2300, 5_0000), dt: fc.integer({ min: 0, max: 60_000 }) }) },
);

const arbFills = fc
  .array(fc.record({ account: fc.constantFrom('paper', 'alpaca-paper'), symbol: fc.constantFrom(...SYMBOLS), steps: fc.array(arbStep, { maxLength: 25 }) }), { maxLength: 5 })
  .map((books) => {
    const fills: Fill[] = [];
    let id = 0;
    for (const b of books) {
      let pos = 0;
      let t = T0;
      for (const s of b.steps) {
        t += s.dt;
        const option = assetClassOf(b.symbol) === 'option';
        // Option prices on the cent; stocks may be sub-penny (exercises the rounding of split fills).
        const price = (p: number) => (option ? p - (p % 100) : p);
        if (s.kind === 'expire') {
          if (pos === 0 || !option) continue;
          fills.push(fill({ id: `x${++id}`, account: b.account, symbol: b.symbol, side: pos > 0 ? 'sell' : 'buy', qty: Math.abs(pos), price: s.price, time: t, reason: s.price ? 'expiration_itm' : 'expiration_otm' }));
          pos = 0;
          continue;
        }
        fills.push(fill({ id: `x${++id}`, account: b.account, symbol: b.symbol, side: s.side, qty: s.qty, price: price(s.price), time: t, fees: s.fees }));
        pos += s.side === 'buy' ? s.qty : -s.qty;
      }
    }
    return fills;
  });

function checkInvariants(fills: Fill[], overrides: TradeOverride[]): void {
  const trades = buildTrades(fills, { overrides });
  const legs = trades.flatMap((t) => t.legs);
  assert.equal(new Set(trades.map((t) => t.id)).size, trades.length, 'trade ids are unique');
  // P&L: realized plus what is still held at cost is exactly the cash the fills moved.
  assert.equal(legs.reduce((s, l) => s + l.realized - l.openBasis, 0), cashFlow(fills));
  assert.equal(trades.reduce((s, t) => s + t.realized, 0), legs.reduce((s, l) => s + l.realized, 0));
  // Quantities: bought and sold add up to the fills', per side.
  const sum = (side: 'buy' | 'sell') => fills.filter((f) => f.side === side).reduce((s, f) => s + f.qty, 0);
  assert.equal(legs.reduce((s, l) => s + l.boughtQty, 0), sum('buy'));
  assert.equal(legs.reduce((s, l) => s + l.soldQty, 0), sum('sell'));
  // Every fill's pieces add back to the fill (qty, value, fees).
  for (const f of fills) {
    const pieces = legs.flatMap((l) => l.pieces).filter((p) => p.fill === f);
    assert.equal(pieces.reduce((s, p) => s + p.qty, 0), f.qty);
    assert.equal(pieces.reduce((s, p) => s + p.value, 0), notional(f.price, f.qty, assetClassOf(f.symbol)));
    assert.equal(pieces.reduce((s, p) => s + p.fees, 0), f.fees.total);
  }
  for (const l of legs) {
    const carriedSigned = l.side === 'buy' ? l.carriedQty : -l.carriedQty;
    if (l.status === 'open') {
      assert.equal(l.boughtQty - l.soldQty + carriedSigned, l.openQty);
    } else {
      assert.equal(l.openQty, 0);
      assert.equal(l.openBasis, 0);
      assert.equal(l.exitTime !== null, true);
    }
    // A closed leg that neither carried quantity in nor out: P&L is exactly its sells − buys − fees.
    if (l.status !== 'open' && l.carriedQty === 0 && l.boughtQty === l.soldQty) {
      const flow = l.pieces.reduce((s, p) => s + (p.fill.side === 'sell' ? p.value : -p.value) - p.fees, 0);
      assert.equal(l.realized, flow);
    }
  }
  // At most one open leg per account and symbol, and it is the last one.
  const open = legs.filter((l) => l.status === 'open').map((l) => `${l.account}|${l.symbol}`);
  assert.equal(new Set(open).size, open.length);
}

describe('round-trip builder (property)', () => {
  it('any fills (partials, scale in/out, flips, expirations): quantities and P&L sum exactly to the fills', () => {
    fc.assert(fc.property(arbFills, (fills) => checkInvariants(fills, [])), { numRuns: 300 });
  });

  it('… and still with manual splits and merges', () => {
    const arb = arbFills.chain((fills) =>
      fc.tuple(fc.constant(fills), fc.subarray(fills.map((f) => f.id)), fc.array(fc.subarray(fills.map((f) => `t_${f.id}`)), { maxLength: 2 })),
    );
    fc.assert(
      fc.property(arb, ([fills, splits, merges]) =>
        checkInvariants(fills, [...splits.map((fillId) => ({ kind: 'split_at' as const, fillId })), ...merges.map((tradeIds) => ({ kind: 'merge' as const, tradeIds }))]),
      ),
      { numRuns: 200 },
    );
  });
});
