/**
 * Backtest/live parity (DESIGN.md principle 3, issue #10): ORB and the time-block strategy
 * run by the backtester over SPY 2013-10-07..11, and run in `auto` on paper accounts on the
 * replay feed (bars from the hub's BarEngine → engine → risk engine → paper broker with the
 * bar fill rules), produce the same trades: entry/exit times, prices, qty, side, reasons.
 *
 * The replay is moved the way the replay bar moves it: a session is picked at 09:30, then
 * either jumped to 16:00 in one step (every minute played at once) or played with the clock
 * ticking at 600× (one minute per tick, candles built from partial pieces) — the broker's
 * clock paces the engine, so the speed does not change a trade.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { nyTimeToMs } from '../src/calendar/index.js';
import { ManualTicker } from '../src/feeds/replay/index.js';
import { runBacktest, SqliteDaySource } from '../src/backtest/index.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { until } from './helpers/wait.js';

const SESSIONS = ['2013-10-07', '2013-10-08', '2013-10-09', '2013-10-10', '2013-10-11'];
const KEYS = ['entryTime', 'exitTime', 'side', 'entryPrice', 'exitPrice', 'qty', 'stop', 'target', 'reasonIn', 'reasonOut'] as const;

let server: TestServer;
const ticker = new ManualTicker();

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: await res.json() };
}

function pick(trades: any[]): Record<string, unknown>[] {
  return trades.map((t) => Object.fromEntries(KEYS.map((k) => [k, t[k]])));
}

function backtestTrades(strategy: string, from: string, to: string): Record<string, unknown>[] {
  const source = new SqliteDaySource(server.dbPath);
  try {
    return pick(runBacktest(source, { strategy, symbol: 'SPY', from, to }).trades);
  } finally {
    source.close();
  }
}

/** Waits until the paper broker (and with it every engine it paces) has worked through `ms`. */
async function settled(ms: number): Promise<void> {
  const paper = server.server.app.trading.paper;
  await until(`the paper broker at ${new Date(ms).toISOString()}`, () => (paper.processedUntil() ?? 0) >= ms);
  await paper.idle();
}

async function instance(name: string, strategy: string, account: string): Promise<string> {
  const res = await api('POST', '/api/strategies/instances', { name, strategy, symbol: 'SPY', account, mode: 'auto' });
  assert.equal(res.status, 201, JSON.stringify(res.json));
  return res.json.instance.id as string;
}

before(async () => {
  process.env.OPTDESK_PAPER_ACCOUNTS = 'paper:100000,orb-jump:100000,tb-jump:100000,orb-play:100000,tb-play:100000';
  server = await startTestServer({ session: SESSIONS[0], time: '09:30', state: 'pause', speed: 600, ticker });
  // Replayed sessions pass in seconds of wall time: the wall-clock order caps (per minute,
  // duplicates) would refuse the next day's identical order, and the backtester knows no
  // cooldown or notional cap. Everything else the risk engine checks stays on.
  const risk = await api('PUT', '/api/risk', { maxNotionalPerOrder: 1_000_000, ordersPerMinute: 10_000, duplicateWindowSeconds: 0, maxConsecutiveLosses: 100, dailyLossLimit: 100_000 });
  assert.equal(risk.status, 200, JSON.stringify(risk.json));
});
after(async () => {
  await server?.close();
  delete process.env.OPTDESK_PAPER_ACCOUNTS;
});

describe('backtest/live parity on SPY 2013-10-07..11', () => {
  it('ORB and time-block in auto on the replay (jumping a session at a time) trade exactly as the backtester', async () => {
    const orb = await instance('orb parity', 'orb', 'orb-jump');
    const tb = await instance('timeblock parity', 'timeblock', 'tb-jump');
    for (const [k, date] of SESSIONS.entries()) {
      if (k > 0) assert.equal((await api('POST', '/api/replay', { session: date, time: '09:30' })).status, 200);
      await settled(nyTimeToMs(date, '09:30'));
      assert.equal((await api('POST', '/api/replay', { time: '16:00' })).status, 200);
      await settled(nyTimeToMs(date, '16:00'));
    }
    const live = {
      orb: pick((await api('GET', `/api/strategies/instances/${orb}/report`)).json.trades),
      timeblock: pick((await api('GET', `/api/strategies/instances/${tb}/report`)).json.trades),
    };
    const expected = { orb: backtestTrades('orb', SESSIONS[0]!, SESSIONS.at(-1)!), timeblock: backtestTrades('timeblock', SESSIONS[0]!, SESSIONS.at(-1)!) };
    assert.ok(expected.orb.length >= 5 && expected.timeblock.length >= 10, 'the week has trades to compare');
    assert.ok(expected.timeblock.some((t) => t.reasonOut === 'stop') && expected.timeblock.some((t) => t.reasonOut === 'target'), 'stops and targets both happen');
    assert.ok(expected.orb.some((t) => t.reasonOut === 'flat'), 'a flat exit happens');
    assert.ok(expected.orb.some((t) => t.side === 'short'), 'a short entry happens');
    assert.deepEqual(live.orb, expected.orb);
    assert.deepEqual(live.timeblock, expected.timeblock);

    // The paper account's own books agree: every fill is at a trade's price and minute.
    const orders = (await api('GET', '/api/orders?account=orb-jump')).json.orders;
    const fills = orders.flatMap((o: any) => o.fills.map((f: any) => [f.time, f.price])).sort();
    const fromTrades = expected.orb.flatMap((t) => [[t.entryTime, t.entryPrice], [t.exitTime, t.exitPrice]]).sort();
    assert.deepEqual(fills, fromTrades);
    assert.deepEqual((await api('GET', '/api/positions?account=orb-jump')).json.positions, [], 'flat at the end');
    const instances = (await api('GET', '/api/strategies/instances')).json.instances;
    assert.equal(instances.find((i: any) => i.id === orb).stats.trades, expected.orb.length);
  });

  it('played at 600× with candles building (one minute per tick), a session trades the same as in the backtest', async () => {
    for (const id of (await api('GET', '/api/strategies/instances')).json.instances.map((i: any) => i.id)) {
      await api('PATCH', `/api/strategies/instances/${id}`, { mode: 'off' });
    }
    const date = '2013-10-09';
    assert.equal((await api('POST', '/api/replay', { session: date, time: '09:30', state: 'play', speed: 600 })).status, 200);
    await settled(nyTimeToMs(date, '09:30'));
    const orb = await instance('orb played', 'orb', 'orb-play');
    const tb = await instance('timeblock played', 'timeblock', 'tb-play');
    const close = nyTimeToMs(date, '16:00');
    // 100 ms of wall time at 600× is one replay minute; the ticks do not wait for the broker.
    while (server.server.replay!.now() < close) ticker.tick(100);
    await settled(close);
    const live = {
      orb: pick((await api('GET', `/api/strategies/instances/${orb}/report`)).json.trades),
      timeblock: pick((await api('GET', `/api/strategies/instances/${tb}/report`)).json.trades),
    };
    const expected = { orb: backtestTrades('orb', date, date), timeblock: backtestTrades('timeblock', date, date) };
    assert.ok(expected.timeblock.length >= 3);
    assert.deepEqual(live.orb, expected.orb);
    assert.deepEqual(live.timeblock, expected.timeblock);
  });

  it('switched off and on mid-trade, an instance takes over its open position and the day\'s entry: the same trade, no second entry', async () => {
    for (const i of (await api('GET', '/api/strategies/instances')).json.instances) await api('PATCH', `/api/strategies/instances/${i.id}`, { mode: 'off' });
    const date = '2013-10-10';
    assert.equal((await api('POST', '/api/replay', { session: date, time: '09:30', state: 'pause' })).status, 200);
    await settled(nyTimeToMs(date, '09:30'));
    const id = await instance('orb restarted', 'orb', 'orb-play');
    assert.equal((await api('POST', '/api/replay', { time: '10:30' })).status, 200);
    await settled(nyTimeToMs(date, '10:30'));
    const held = (await api('GET', '/api/strategies/instances')).json.instances.find((i: any) => i.id === id);
    assert.equal(held.status, 'in_position');
    assert.equal((await api('PATCH', `/api/strategies/instances/${id}`, { mode: 'off' })).status, 200);
    const back = await api('PATCH', `/api/strategies/instances/${id}`, { mode: 'auto' });
    assert.equal(back.status, 200, JSON.stringify(back.json));
    assert.equal(back.json.instance.status, 'in_position', 'the new engine adopted the position');
    assert.deepEqual(back.json.instance.openPosition.entryTime, '2013-10-10T09:45:00-04:00');
    assert.equal((await api('POST', '/api/replay', { time: '16:00' })).status, 200);
    await settled(nyTimeToMs(date, '16:00'));
    const live = pick((await api('GET', `/api/strategies/instances/${id}/report`)).json.trades);
    assert.deepEqual(live, backtestTrades('orb', date, date));
    const entries = (await api('GET', '/api/orders?account=orb-play')).json.orders.filter((o: any) => o.role === 'entry' && o.createdAt.startsWith(date));
    assert.equal(entries.length, 1, 'one entry that day');
  });
});
