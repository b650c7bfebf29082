import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { DATA_DIR, readAggregates, stockMinuteFile } from '../../test/helpers/data.js';
import type { Order } from '../broker/types.js';
import type { OptionQuote } from '../core/types.js';
import { openStore } from '../store/index.js';
import { buildTrades } from './roundtrip.js';
import { cooldownsFromAudit, reviewTrade } from './review.js';
import { fill } from '../../test/helpers/fills.js';

const C750 = 'O:GOOG151224C00750000';
const ENTRY = Date.parse('2015-12-24T10:00:00-05:00');
const EXIT = Date.parse('2015-12-24T11:30:00-05:00');

/** The contract's rows of the raw flat file, parsed here independently of the importer. */
function rawQuotes(ticker: string): { ts: number; bid: number | null; ask: number | null; line: string }[] {
  const file = path.join(DATA_DIR, 'flatfiles/us_options_opra/quotes_v1/2015/12/2015-12-24.csv.gz');
  return gunzipSync(readFileSync(file)).toString('utf8').split(/\r?\n/).filter((l) => l.startsWith(`${ticker},`)).map((line) => {
    const c = line.split(',');
    return { ts: Number(c[8]!.slice(0, -6)), ask: c[2] === '' ? null : Number(c[2]), bid: c[5] === '' ? null : Number(c[5]), line };
  });
}

function storeWith(ticker: string) {
  const store = openStore(':memory:');
  const rows = rawQuotes(ticker);
  store.upsertOptionQuotes(rows.map((r, i): OptionQuote => {
    const c = r.line.split(',');
    return { ticker, ts: r.ts, bid: r.bid, ask: r.ask, bidSize: c[6] ? Number(c[6]) : null, askSize: c[3] ? Number(c[3]) : null, sequence: Number(c[7]) || i };
  }));
  return { store, rows };
}

/** Quotes in force while open: the last one at or before entry, then every one until exit. */
function whileOpen<T extends { ts: number }>(rows: T[]): T[] {
  const before = rows.filter((r) => r.ts <= ENTRY).at(-1);
  return [...(before ? [before] : []), ...rows.filter((r) => r.ts > ENTRY && r.ts < EXIT)];
}

describe('trade review: MAE/MFE on recorded GOOG quotes (2015-12-24)', () => {
  it('a long call is marked at its bid: MAE/MFE are the extremes of (bid − entry) × 100 × qty while open', () => {
    const { store, rows } = storeWith(C750);
    const open = whileOpen(rows).filter((r) => r.bid !== null);
    assert.ok(open.length > 20, 'the contract quotes all morning');
    const entryPrice = 1_2500;
    const [trade] = buildTrades([
      fill({ symbol: C750, side: 'buy', qty: 2, price: entryPrice, time: ENTRY, fees: 13 }),
      fill({ symbol: C750, side: 'sell', qty: 2, price: 9000, time: EXIT, fees: 14 }),
    ]);
    const review = reviewTrade(trade!, { orders: new Map(), history: store });
    // Cents: price × 100 (contract) × 100 (cents) × qty; the entry Price unit is 1/10,000 $, so its cost is entryPrice × qty cents.
    const pnl = open.map((r) => Math.round(r.bid! * 100 * 100 * 2) - entryPrice * 2);
    assert.equal(review.mae, Math.min(...pnl));
    assert.equal(review.mfe, Math.max(...pnl));
    assert.ok(review.mae! < review.mfe!);
    store.close();
  });

  it('a short call is marked at its ask', () => {
    const { store, rows } = storeWith(C750);
    const open = whileOpen(rows).filter((r) => r.ask !== null);
    const entryPrice = 1_0000;
    const [trade] = buildTrades([
      fill({ symbol: C750, side: 'sell', qty: 1, price: entryPrice, time: ENTRY }),
      fill({ symbol: C750, side: 'buy', qty: 1, price: 5000, time: EXIT }),
    ]);
    const review = reviewTrade(trade!, { orders: new Map(), history: store });
    const pnl = open.map((r) => entryPrice - Math.round(r.ask! * 100 * 100));
    assert.equal(review.mae, Math.min(...pnl));
    assert.equal(review.mfe, Math.max(...pnl));
    store.close();
  });

  it('a stock trade uses the minute bars: a long\'s worst is the lowest low, its best the highest high', () => {
    const store = openStore(':memory:');
    const bars = readAggregates(stockMinuteFile('2015-12-24'), 'GOOG');
    store.upsertMinuteBars(bars);
    const [trade] = buildTrades([
      fill({ symbol: 'GOOG', side: 'buy', qty: 10, price: 750_0000, time: ENTRY + 30_000 }),
      fill({ symbol: 'GOOG', side: 'sell', qty: 10, price: 751_0000, time: EXIT }),
    ]);
    const review = reviewTrade(trade!, { orders: new Map(), history: store });
    const inside = bars.filter((b) => b.start + 60_000 > ENTRY + 30_000 && b.start < EXIT);
    assert.equal(review.mae, Math.round((Math.min(...inside.map((b) => b.low)) - 750) * 100 * 10));
    assert.equal(review.mfe, Math.round((Math.max(...inside.map((b) => b.high)) - 750) * 100 * 10));
    store.close();
  });
});

function order(p: Partial<Order> & { id: string }): Order {
  return {
    clientOrderId: p.id, account: 'paper', symbol: C750, assetClass: 'option', side: 'buy', qty: 1, filledQty: 1, type: 'limit',
    timeInForce: 'day', limitPrice: null, stopPrice: null, avgFillPrice: null, status: 'filled', role: 'entry', parentId: null,
    replaces: null, replacedBy: null, triggered: false, exits: null, extendedHours: false, reason: null, createdAt: ENTRY,
    updatedAt: ENTRY, source: 'manual', ...p,
  };
}

describe('trade review: plan, R and rule breaks', () => {
  it('planned stop and target from the entry order → R; strategy and mode from its source', () => {
    const o = order({ id: 'o-entry', source: 'strategy:orb-1', exits: { stopLoss: { stopPrice: 1_5000 }, takeProfit: { percent: 10 } } });
    const [trade] = buildTrades([
      fill({ symbol: C750, side: 'buy', qty: 2, price: 2_0000, time: ENTRY, orderId: 'o-entry' }),
      fill({ symbol: C750, side: 'sell', qty: 2, price: 2_7500, time: EXIT, fees: 0 }),
    ]);
    const r = reviewTrade(trade!, { orders: new Map([[o.id, o]]) });
    assert.equal(r.mode, 'auto');
    assert.equal(r.strategy, 'orb-1');
    assert.equal(r.plannedStop, 1_5000);
    assert.equal(r.plannedTarget, 2_2000);
    assert.equal(r.risk, 100_00); // $0.50 × 100 × 2
    assert.equal(r.r, 1.5); // +$150 on $100 of risk
    assert.deepEqual(r.ruleBreaks, []);
  });

  it('flags no stop, size above the risk setting, 0-DTE past the flatten time and an entry in cooldown', () => {
    const o = order({ id: 'o-big', qty: 12 });
    const [trade] = buildTrades([
      fill({ symbol: C750, side: 'buy', qty: 12, price: 1_0000, time: ENTRY, orderId: 'o-big' }),
      // 2015-12-24 closes at 13:00, so the flatten is due at 12:15.
      fill({ symbol: C750, side: 'sell', qty: 12, price: 0, time: Date.parse('2015-12-24T13:00:00-05:00'), reason: 'expiration_otm' }),
    ]);
    const cooldowns = cooldownsFromAudit([
      { kind: 'risk_decision', account: 'paper', data: JSON.stringify({ ok: false, check: 'loss_cooldown', message: '3 losing trades in a row: entries pause until 2015-12-24T10:20:00-05:00 (30-minute cooldown)' }) },
      { kind: 'risk_decision', account: 'other', data: JSON.stringify({ ok: false, check: 'loss_cooldown', message: '3 losing trades in a row: entries pause until 2015-12-24T12:00:00-05:00 (30-minute cooldown)' }) },
    ]);
    assert.equal(cooldowns.length, 2);
    const r = reviewTrade(trade!, { orders: new Map([[o.id, o]]), risk: { maxContractsPerOrder: 10, maxSharesPerOrder: 1000, maxNotionalPerOrder: 1_000_000_00 }, cooldowns });
    assert.deepEqual(r.ruleBreaks.map((b) => b.code).sort(), ['entered_in_cooldown', 'held_0dte_past_flatten', 'no_stop', 'size_above_risk']);
    const early = buildTrades([
      fill({ symbol: C750, side: 'buy', qty: 1, price: 1_0000, time: ENTRY, orderId: 'o-ok' }),
      fill({ symbol: C750, side: 'sell', qty: 1, price: 1_0000, time: Date.parse('2015-12-24T12:14:00-05:00') }),
    ])[0]!;
    const ok = order({ id: 'o-ok', exits: { stopLoss: { stopPrice: 5000 } } });
    const overnight = buildTrades([
      fill({ symbol: C750, side: 'buy', qty: 1, price: 1_0000, time: Date.parse('2015-12-23T15:00:00-05:00') }),
      fill({ symbol: C750, side: 'sell', qty: 1, price: 1_0000, time: Date.parse('2015-12-24T12:30:00-05:00') }),
    ])[0]!;
    assert.deepEqual(reviewTrade(overnight, { orders: new Map() }).ruleBreaks.map((b) => b.code), ['held_0dte_past_flatten'], 'carried into its expiration day past the flatten');
    assert.deepEqual(reviewTrade(early, { orders: new Map([[ok.id, ok]]), cooldowns: cooldowns.filter((c) => c.account === 'other') }).ruleBreaks, []);
  });
});
