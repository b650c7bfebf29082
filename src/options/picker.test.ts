/**
 * Contract picker: property tests over random chains (whatever it picks meets every rule;
 * when it refuses, a brute-force scan finds no contract that meets them all, and the refusal
 * names why) and the expiration rules on the calendar (2015-12-24 is a Thursday weekly).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from '../../test/helpers/fast-check.js';
import type { ChainExpiration, ChainRow } from './chain.js';
import { chooseExpiration, isWeekEndExpiration, parseExpirationRule, pickContract, type PickRules } from './picker.js';

const EXPIRATIONS: ChainExpiration[] = [
  { expiration: '2015-12-24', dte: 0, years: 0.0003, contracts: 0, atmStrike: 750 },
  { expiration: '2015-12-31', dte: 7, years: 0.02, contracts: 0, atmStrike: 750 },
  { expiration: '2016-01-15', dte: 22, years: 0.06, contracts: 0, atmStrike: 750 },
];

const rowArb = fc.record({
  strike: fc.integer({ min: 700, max: 800 }),
  right: fc.constantFrom('call' as const, 'put' as const),
  bid: fc.option(fc.integer({ min: 1, max: 2000 }).map((c) => c / 100), { nil: null }),
  width: fc.integer({ min: 0, max: 300 }).map((c) => c / 100),
  noAsk: fc.boolean(),
  delta: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }),
  oi: fc.option(fc.integer({ min: 0, max: 5000 }), { nil: null }),
});

interface RawRow { strike: number; right: 'call' | 'put'; bid: number | null; width: number; noAsk: boolean; delta: number | null; oi: number | null }

function toRow(r: RawRow, expiration: string): ChainRow {
  const ask = r.noAsk ? null : Math.round(((r.bid ?? 0) + r.width + 0.05) * 100) / 100;
  const mid = r.bid !== null && ask !== null ? (r.bid + ask) / 2 : null;
  const delta = r.delta === null ? null : r.right === 'call' ? r.delta : -r.delta;
  return {
    ticker: `O:GOOG${expiration.slice(2).replaceAll('-', '')}${r.right === 'call' ? 'C' : 'P'}${String(r.strike * 1000).padStart(8, '0')}`,
    expiration, strike: r.strike, right: r.right, bid: r.bid, ask, bidSize: 1, askSize: 1, mid, last: null, volume: null,
    openInterest: r.oi, iv: delta === null ? null : 0.3, ivReason: delta === null ? 'below_intrinsic' : null, delta, gamma: null, theta: null, vega: null,
    breakEven: null, intrinsic: 0, extrinsic: null, spreadPct: mid ? (ask! - r.bid!) / mid : null, quoteTs: 0, quoteAgeMs: 0, crossed: false, locked: false, model: false,
  };
}

const rulesArb = fc.record({
  expiration: fc.constantFrom(parseExpirationRule('0dte'), parseExpirationRule('weekly'), parseExpirationRule('min-days:5'), parseExpirationRule('min-days:30')),
  deltaMin: fc.double({ min: 0, max: 0.5, noNaN: true }),
  deltaWidth: fc.double({ min: 0, max: 0.5, noNaN: true }),
  maxSpread: fc.double({ min: 0.01, max: 1, noNaN: true }),
  minOpenInterest: fc.integer({ min: 0, max: 1000 }),
  budget: fc.option(fc.integer({ min: 1, max: 3000 }), { nil: null }),
  contracts: fc.integer({ min: 1, max: 5 }),
}).map(({ deltaWidth, ...r }): PickRules => ({ ...r, deltaMax: r.deltaMin + deltaWidth }));

/** Every rule checked directly, independent of the picker's funnel. */
function meets(r: ChainRow, rules: PickRules, right: 'call' | 'put'): boolean {
  return r.right === right && r.bid !== null && r.ask !== null && r.delta !== null
    && Math.abs(r.delta) >= rules.deltaMin && Math.abs(r.delta) <= rules.deltaMax
    && (r.ask - r.bid) / ((r.ask + r.bid) / 2) <= rules.maxSpread + 1e-12
    && (rules.minOpenInterest === 0 || r.openInterest === null || r.openInterest >= rules.minOpenInterest)
    && (rules.budget === null || r.ask * 100 * rules.contracts <= rules.budget + 1e-9);
}

test('picker property: a pick is a call for long / a put for short of the rule\'s expiration with |delta| in range, spread within the max, enough open interest and within the budget; a refusal starts "no contract:" and no contract of that expiration meets every rule', () => {
  fc.assert(fc.property(
    fc.constantFrom('long' as const, 'short' as const), rulesArb,
    fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), rowArb), { maxLength: 40 }),
    (side, rules, raw) => {
      const rows = raw.map(([e, r]) => toRow(r, EXPIRATIONS[e]!.expiration));
      const right = side === 'long' ? 'call' : 'put';
      const res = pickContract({ side, underlyingPrice: 750, expirations: EXPIRATIONS, rowsOf: (e) => rows.filter((r) => r.expiration === e), rules });
      const exp = chooseExpiration(EXPIRATIONS, rules.expiration);
      if (res.ok) {
        assert.ok(exp && res.row.expiration === exp.expiration);
        assert.ok(meets(res.row, rules, right), `picked ${JSON.stringify(res.row)}`);
        assert.equal(res.ask, res.row.ask);
        assert.ok(Math.abs(res.breakEven - (right === 'call' ? res.row.strike + res.ask : res.row.strike - res.ask)) < 1e-9);
        assert.match(res.reason, new RegExp(`^${res.row.ticker}: .*break-even`));
      } else {
        assert.match(res.why, /^no contract: /);
        if (exp) assert.ok(!rows.some((r) => r.expiration === exp.expiration && meets(r, rules, right)), res.why);
        else assert.match(res.why, /no open expiration matches/);
      }
    },
  ));
});

test('picker: among contracts that pass, the |delta| nearest the middle of the range wins; a refusal counts what each rule removed', () => {
  const rows = [
    toRow({ strike: 745, right: 'put', bid: 1, width: 0.1, noAsk: false, delta: 0.31, oi: 500 }, '2015-12-24'),
    toRow({ strike: 750, right: 'put', bid: 2, width: 0.1, noAsk: false, delta: 0.47, oi: 500 }, '2015-12-24'),
    toRow({ strike: 755, right: 'put', bid: 5, width: 0.1, noAsk: false, delta: 0.7, oi: 500 }, '2015-12-24'),
  ];
  const rules: PickRules = { expiration: { kind: '0dte' }, deltaMin: 0.3, deltaMax: 0.6, maxSpread: 0.5, minOpenInterest: 100, budget: null, contracts: 1 };
  const pick = pickContract({ side: 'short', underlyingPrice: 749, expirations: EXPIRATIONS, rowsOf: () => rows, rules });
  assert.ok(pick.ok);
  assert.equal(pick.row.strike, 750);
  assert.equal(pick.breakEven, 750 - 2.15);
  const poor = pickContract({ side: 'short', underlyingPrice: 749, expirations: EXPIRATIONS, rowsOf: () => rows, rules: { ...rules, budget: 100 } });
  assert.deepEqual(poor, { ok: false, why: 'no contract: 2015-12-24 puts at underlying 749: 3 listed, 1 with |delta| outside 0.30–0.60, 2 costing more than the $100.00 budget for 1 contract' });
  // The 745 put (ask 1.15 → $115) is the one that fits a $150 budget.
  const cheap = pickContract({ side: 'short', underlyingPrice: 749, expirations: EXPIRATIONS, rowsOf: () => rows, rules: { ...rules, budget: 150 } });
  assert.ok(cheap.ok && cheap.row.strike === 745);
  const none = pickContract({ side: 'long', underlyingPrice: 749, expirations: EXPIRATIONS.slice(1), rowsOf: () => rows, rules });
  assert.deepEqual(none, { ok: false, why: 'no contract: no open expiration matches 0dte (open: 2015-12-31, 2016-01-15)' });
});

test('expiration rules: weekly is the week\'s last session (Thursday 2015-12-24 before the Christmas holiday, Friday 2013-10-11), min-days:N the first with ≥ N days; bad rules are refused naming the field', () => {
  assert.equal(isWeekEndExpiration('2015-12-24'), true);
  assert.equal(isWeekEndExpiration('2015-12-23'), false);
  assert.equal(isWeekEndExpiration('2013-10-11'), true);
  assert.equal(isWeekEndExpiration('2016-01-16'), true, 'an old Saturday monthly counts as its Friday');
  assert.equal(chooseExpiration(EXPIRATIONS, { kind: 'weekly' })?.expiration, '2015-12-24');
  assert.equal(chooseExpiration(EXPIRATIONS, { kind: 'min-days', days: 8 })?.expiration, '2016-01-15');
  assert.equal(chooseExpiration(EXPIRATIONS, { kind: 'min-days', days: 30 }), null);
  assert.throws(() => parseExpirationRule('monthly', '--param expiration'), /--param expiration: must be 0dte, weekly or min-days:N/);
  assert.throws(() => parseExpirationRule('min-days:x'), /min-days:N/);
});
