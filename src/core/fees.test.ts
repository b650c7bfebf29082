import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ALPACA_FEES, contractCents, optionOrderFees, secFeeCents, stockOrderFees } from './fees.js';
import { InputError } from './errors.js';

test('one option contract sold at $1.50: ORF 3¢ (2.685 up), OCC 2¢, TAF 1¢ (0.279 up), SEC 1¢ on $150', () => {
  assert.deepEqual(optionOrderFees('sell', 1, 15_000), { orfCents: 3, occCents: 2, tafCents: 1, secCents: 1, totalCents: 7 });
});

test('buys pay ORF and OCC and nothing else; 10 contracts: ORF 26.85¢ → 27¢, OCC 20¢', () => {
  assert.deepEqual(optionOrderFees('buy', 10, 15_000), { orfCents: 27, occCents: 20, tafCents: 0, secCents: 0, totalCents: 47 });
});

test('OCC fee is capped at $55 per order (3,000 contracts would be $60)', () => {
  assert.equal(optionOrderFees('buy', 3000, 100).occCents, 5_500);
  assert.equal(optionOrderFees('buy', 2750, 100).occCents, 5_500);
  assert.equal(optionOrderFees('buy', 2749, 100).occCents, 5_498);
});

test('SEC fee: $27.80 per million, rounded up to the cent ($1,000,000 → $27.80; $100,000.01 → $2.79)', () => {
  assert.equal(secFeeCents(100_000_000), 2_780);
  assert.equal(secFeeCents(10_000_001), 279);
  assert.equal(secFeeCents(0), 0);
});

test('stock sells: TAF $0.000166/share capped at $8.30; buys are free', () => {
  assert.equal(stockOrderFees('sell', 100, 75_000).tafCents, 2);
  assert.equal(stockOrderFees('sell', 100_000, 100).tafCents, 830);
  assert.equal(stockOrderFees('buy', 100, 75_000).totalCents, 0);
});

test('fees never decrease with more contracts and are whole cents (property)', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 1_000_000 }), (n, p) => {
    const a = optionOrderFees('sell', n, p);
    const b = optionOrderFees('sell', n + 1, p);
    assert.ok(b.totalCents >= a.totalCents);
    assert.ok(Number.isInteger(a.totalCents));
    assert.equal(a.totalCents, a.orfCents + a.occCents + a.tafCents + a.secCents);
  }));
  assert.equal(ALPACA_FEES.orfMicrosPerContract, 26_850);
});

test('contractCents is exact for 4-decimal prices; bad inputs are InputErrors naming the field', () => {
  assert.equal(contractCents(1.235), 12_350);
  assert.equal(contractCents(2044.0001), 20_440_001);
  assert.throws(() => optionOrderFees('sell', 0, 100), (e: unknown) => e instanceof InputError && e.field === 'contracts');
  assert.throws(() => optionOrderFees('sell', 1, 1.5), (e: unknown) => e instanceof InputError && e.field === 'premiumCentsPerContract');
});
