import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nyTimeToMs } from '../calendar/index.js';
import type { Account, OrderIntent, Position } from '../broker/types.js';
import { RiskEngine, type RiskContext, type RiskDecision } from './engine.js';
import { DEFAULT_RISK_SETTINGS, riskSettingsPatch } from './settings.js';

const OPT = 'O:GOOG151224C00750000';
const NOON = nyTimeToMs('2015-12-23', '12:00');

function account(over: Partial<Account> = {}): Account {
  return {
    name: 'paper', broker: 'paper', mode: 'paper', cash: 10_000_00, buyingPower: 10_000_00, equity: 10_000_00, startOfDayEquity: 10_000_00,
    dayPnl: 0, dayRealizedPnl: 0, dayFees: 0, totalFees: 0, tradingDay: '2015-12-23', updatedAt: 0, ...over,
  };
}
function ctx(over: Partial<RiskContext> = {}): RiskContext {
  return { now: NOON, wallNow: 1_000_000, account: account(), positions: [], quote: { bid: 19_000, ask: 20_000 }, liveAllowed: false, ...over };
}
const buy: OrderIntent = { account: 'paper', symbol: OPT, side: 'buy', qty: 1, type: 'limit', limitPrice: 20_000, clientOrderId: 'a' };

function rejected(d: RiskDecision, check: string, message: RegExp): void {
  assert.equal(d.ok, false, `expected ${check} to reject`);
  if (!d.ok) {
    assert.equal(d.check, check);
    assert.match(d.message, message);
  }
}

function position(symbol: string): Position {
  return { account: 'paper', symbol, assetClass: 'option', qty: 1, costBasis: 100, avgPrice: 100, realizedPnl: 0, fees: 0, openedAt: 0, updatedAt: 0 };
}

describe('risk checks: each rejects with its name and a sentence', () => {
  it('passes an ordinary order', () => {
    assert.deepEqual(new RiskEngine().check(buy, ctx()), { ok: true });
  });
  it('kill_switch', () => {
    const r = new RiskEngine();
    r.setKillSwitch(true, 'manual stop', 'test', 0);
    rejected(r.check(buy, ctx()), 'kill_switch', /kill switch is on \(manual stop\)/);
    rejected(r.check({ ...buy, role: 'take_profit', side: 'sell' }, ctx()), 'kill_switch', /kill switch/);
  });
  it('live_trading', () => {
    rejected(new RiskEngine().check(buy, ctx({ account: account({ mode: 'live' }) })), 'live_trading', /OPTDESK_LIVE=1/);
    assert.equal(new RiskEngine().check(buy, ctx({ account: account({ mode: 'live' }), liveAllowed: true })).ok, true);
  });
  it('market_hours: options trade in the regular session alone, 13:00 on early closes; stocks may use extended hours', () => {
    const r = new RiskEngine();
    rejected(r.check(buy, ctx({ now: nyTimeToMs('2015-12-23', '09:29') })), 'market_hours', /closed.*options trade 09:30–16:00/);
    rejected(r.check(buy, ctx({ now: nyTimeToMs('2015-12-24', '13:00') })), 'market_hours', /closed/);
    assert.equal(r.check(buy, ctx({ now: nyTimeToMs('2015-12-24', '12:59') })).ok, true);
    rejected(r.check(buy, ctx({ now: nyTimeToMs('2015-12-25', '12:00') })), 'market_hours', /closed/);
    const stock: OrderIntent = { ...buy, symbol: 'GOOG', limitPrice: 7_500_000, qty: 1 };
    rejected(r.check(stock, ctx({ now: nyTimeToMs('2015-12-23', '08:00'), quote: null })), 'market_hours', /extended hours/);
    assert.equal(r.check({ ...stock, extendedHours: true }, ctx({ now: nyTimeToMs('2015-12-23', '08:00'), quote: null })).ok, true);
  });
  it('max_qty and max_notional', () => {
    const r = new RiskEngine();
    rejected(r.check({ ...buy, qty: 11 }, ctx()), 'max_qty', /11 contracts is more than the 10/);
    r.updateSettings({ maxNotionalPerOrder: 1_000 });
    rejected(r.check({ ...buy, qty: 6 }, ctx()), 'max_notional', /worth \$1,200\.00, more than the \$1,000\.00/);
  });
  it('max_open_positions counts symbols held; adding to a held one is fine', () => {
    const r = new RiskEngine();
    r.updateSettings({ maxOpenPositions: 2 });
    const held = [position('O:GOOG151224C00745000'), position('O:GOOG151224C00755000')];
    rejected(r.check(buy, ctx({ positions: held })), 'max_open_positions', /already holds 2 positions/);
    assert.equal(r.check({ ...buy, symbol: 'O:GOOG151224C00745000' }, ctx({ positions: held, quote: null })).ok, true);
  });
  it('daily_loss asks to trip the kill switch', () => {
    const d = new RiskEngine().check(buy, ctx({ account: account({ dayPnl: -DEFAULT_RISK_SETTINGS.dailyLossLimit }) }));
    rejected(d, 'daily_loss', /daily limit: trading halts/);
    assert.equal(!d.ok && d.tripKillSwitch, true);
  });
  it('orders_per_minute counts approved intents in a rolling minute', () => {
    const r = new RiskEngine();
    r.updateSettings({ ordersPerMinute: 3, duplicateWindowSeconds: 0 });
    for (let i = 0; i < 3; i++) r.record({ ...buy, clientOrderId: `c${i}` }, 1_000_000 - i);
    rejected(r.check(buy, ctx()), 'orders_per_minute', /3 orders in the last minute/);
    assert.equal(r.check(buy, ctx({ wallNow: 1_000_000 + 60_001 })).ok, true);
  });
  it('price_collar: a limit too far through the NBBO', () => {
    const r = new RiskEngine();
    rejected(r.check({ ...buy, limitPrice: 22_100 }, ctx()), 'price_collar', /buy limit 2.21 is more than 10% above the ask 2.00/);
    assert.equal(r.check({ ...buy, limitPrice: 22_000 }, ctx()).ok, true);
    rejected(r.check({ ...buy, side: 'sell', limitPrice: 17_000 }, ctx()), 'price_collar', /sell limit 1.70 is more than 10% below the bid 1.90/);
    // cheap contracts: the collar is at least 10 cents
    assert.equal(r.check({ ...buy, limitPrice: 1_900 }, ctx({ quote: { bid: 500, ask: 1_000 } })).ok, true);
  });
  it('duplicate_intent: the same order again inside the window, with another client id', () => {
    const r = new RiskEngine();
    r.record(buy, 1_000_000);
    rejected(r.check({ ...buy, clientOrderId: 'b' }, ctx({ wallNow: 1_002_000 })), 'duplicate_intent', /same order was sent 2 s ago/);
    assert.equal(r.check({ ...buy, clientOrderId: 'b' }, ctx({ wallNow: 1_006_000 })).ok, true);
    assert.equal(r.check({ ...buy, clientOrderId: 'b', qty: 2 }, ctx({ wallNow: 1_002_000 })).ok, true);
  });
  it('loss_cooldown: N losing round trips in a row pause entries, not exits', () => {
    const r = new RiskEngine();
    for (let i = 0; i < 3; i++) r.recordRoundTrip(-100, NOON - 60_000);
    rejected(r.check(buy, ctx()), 'loss_cooldown', /3 losing trades in a row: entries pause until 2015-12-23T12:29:00-05:00/);
    assert.equal(r.check({ ...buy, side: 'sell', role: 'stop_loss' }, ctx()).ok, true);
    assert.equal(r.check(buy, ctx({ now: NOON + 30 * 60_000 })).ok, true);
    r.recordRoundTrip(50, NOON);
    assert.equal(r.lossStreak().count, 0, 'a win ends the streak');
  });
  it('exits skip the size, rate, position, loss and duplicate checks', () => {
    const r = new RiskEngine();
    r.updateSettings({ maxOpenPositions: 1, ordersPerMinute: 1 });
    r.record(buy, 1_000_000);
    const exit: OrderIntent = { ...buy, side: 'sell', qty: 50, role: 'take_profit', limitPrice: 30_000 };
    assert.equal(r.check(exit, ctx({ positions: [position('X'), position('Y')], account: account({ dayPnl: -10_000_00 }) })).ok, true);
  });
  it('settings patches are validated field by field', () => {
    assert.equal(riskSettingsPatch.safeParse({ maxContractsPerOrder: 5 }).success, true);
    const bad = riskSettingsPatch.safeParse({ maxContractsPerOrder: -1 });
    assert.equal(bad.success, false);
    assert.equal(riskSettingsPatch.safeParse({ dailyLossLimit: 10.005 }).success, false);
    assert.equal(riskSettingsPatch.safeParse({ nonsense: 1 }).success, false);
  });
});
