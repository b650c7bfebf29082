/**
 * The REST API end to end on a real server over the recorded data: bars checked against
 * the flat file itself, validation errors naming the field, persistence, the HOST/token rule.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManualTicker } from '../src/feeds/replay/index.js';
import { nyTimeToMs } from '../src/calendar/index.js';
import { createServer } from '../src/server/app.js';
import type { WireBar, WatchlistRow, HealthResponse, ReplayStatus } from '../src/wire/protocol.js';
import { readAggregates, stockMinuteFile } from './helpers/data.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { connect } from './helpers/socket.js';

let srv: TestServer;

before(async () => {
  srv = await startTestServer({ session: '2013-10-10', time: '11:00', state: 'pause', ticker: new ManualTicker() });
});
after(async () => {
  await srv.close();
});

async function get<T = any>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const res = await fetch(`${srv.url}${url}`, init);
  return { status: res.status, body: (await res.json()) as T };
}

function send(method: string, url: string, body: unknown) {
  return get(url, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

test('paused at 2013-10-10 11:00, /api/bars SPY 5m is the flat file regular session aggregated up to 11:00', async () => {
  const { status, body } = await get<{ symbol: string; tf: string; bars: WireBar[] }>('/api/bars?symbol=SPY&tf=5m&from=2013-10-10&to=2013-10-10');
  assert.equal(status, 200);
  const open = nyTimeToMs('2013-10-10', '09:30');
  const eleven = nyTimeToMs('2013-10-10', '11:00');
  // Independent aggregation straight from the file (test helper parser, not the importer).
  const want = new Map<number, WireBar>();
  for (const m of readAggregates(stockMinuteFile('2013-10-10'), 'SPY')) {
    if (m.start < open || m.start + 60_000 > eleven) continue;
    const start = open + Math.floor((m.start - open) / 300_000) * 300_000;
    const b = want.get(start);
    if (!b) want.set(start, { start, open: m.open, high: m.high, low: m.low, close: m.close, volume: m.volume, closed: true });
    else Object.assign(b, { high: Math.max(b.high, m.high), low: Math.min(b.low, m.low), close: m.close, volume: b.volume + m.volume });
  }
  assert.equal(body.bars.length, 18, '09:30 … 10:55');
  assert.deepEqual(body.bars, [...want.values()]);
  assert.ok(body.bars.every((b) => b.start < eleven && b.closed), 'no bar of the future, all final');

  const all = await get<{ bars: WireBar[] }>('/api/bars?symbol=SPY&tf=1m&extended=true');
  assert.ok(all.body.bars.every((b) => b.start + 60_000 <= eleven));
  assert.ok(all.body.bars[0]!.start < nyTimeToMs('2013-10-04', '09:30'), 'history starts with the 2013-10-04 pre-market');

  const daily = await get<{ bars: WireBar[] }>('/api/bars?symbol=SPY&tf=1D');
  const last = daily.body.bars.at(-1)!;
  assert.equal(last.start, nyTimeToMs('2013-10-10', '00:00'), 'the forming daily bar of the replay day');
  assert.equal(last.closed, false);
  // The daily window is the calendar's 500 sessions before the replay day; SPY has a vendor bar for each.
  assert.equal(daily.body.bars.length, 501, 'vendor daily history of the window, then the replay day');
  assert.deepEqual((daily.body as { coverage?: unknown }).coverage, { from: nyDateOf(daily.body.bars[0]!.start), to: '2013-10-10', missing: [] });
});

function nyDateOf(ms: number): string {
  return new Date(ms).toLocaleDateString('en-CA', { timeZone: 'America/New_York' });
}

test('bad inputs answer 400 naming the field, and the server keeps running', async () => {
  const cases: Array<[string, string, unknown, RegExp]> = [
    ['GET', '/api/bars?symbol=SPY&tf=7m', undefined, /^tf: must be one of/],
    ['GET', '/api/bars?symbol=S%20P&tf=5m', undefined, /^symbol: must be a ticker/],
    ['GET', '/api/bars?tf=5m', undefined, /^symbol: is required/],
    ['GET', '/api/bars?symbol=SPY&tf=5m&from=2013-13-01', undefined, /^from: /],
    ['GET', '/api/bars?symbol=SPY&tf=5m&from=2013-10-10&to=2013-10-01', undefined, /^to: /],
    ['GET', '/api/bars?symbol=SPY&tf=5m&extended=maybe', undefined, /^extended: must be true or false/],
    ['POST', '/api/replay', { speed: 10000 }, /^speed: must be between 1 and 600/],
    ['POST', '/api/replay', { time: '25:00' }, /^time: must be New York wall time like 10:30 or 9:45/],
    ['POST', '/api/replay', { state: 'stop' }, /^state: /],
    ['POST', '/api/replay', { session: '2013-10-12' }, /^session: no recorded data for 2013-10-12/],
    ['POST', '/api/watchlist', { symbol: '' }, /^symbol: /],
    ['POST', '/api/watchlist', {}, /^symbol: is required/],
    ['PUT', '/api/drawings/SPY', { drawings: [{ id: 'a', kind: 'hline', price: 'x' }] }, /^drawings\.0\.price: /],
    ['PUT', '/api/drawings/SPY', { drawings: [{ id: 'a', kind: 'ray', price: 1 }] }, /^drawings\.0\.kind: /],
  ];
  for (const [method, url, body, want] of cases) {
    const res = method === 'GET' ? await get(url) : await send(method, url, body);
    assert.equal(res.status, 400, `${method} ${url}`);
    assert.match(res.body.error.message, want, `${method} ${url}: ${res.body.error.message}`);
    assert.equal(res.body.error.code, 'INVALID_FIELD', `${method} ${url}`);
    // The field the sentence names is also given on its own: "drawings.0.price" for /^drawings\.0\.price: /.
    const field = /^\^([\w\\.]+): /.exec(want.source)![1]!.replace(/\\\./g, '.');
    assert.equal(res.body.error.field, field, `${method} ${url}`);
  }
  const broken = await get('/api/replay', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"speed":' });
  assert.equal(broken.status, 400);
  assert.match(broken.body.error.message, /^body: /);
  assert.equal(broken.body.error.code, 'MALFORMED_REQUEST');
  assert.equal(broken.body.error.field, 'body');
  const unknown = await get('/api/nope');
  assert.equal(unknown.status, 404);
  assert.match(unknown.body.error.message, /^path: /);
  assert.equal(unknown.body.error.code, 'NO_ROUTE');
  assert.equal((await get('/api/health')).status, 200);
});

test('health, sessions and the watchlist with last price and change at the replay time', async () => {
  const health = await get<HealthResponse>('/api/health');
  assert.equal(health.body.status, 'ok');
  assert.deepEqual(health.body.feed, { kind: 'replay', mode: 'replay' });
  assert.equal(health.body.replay!.time, '11:00');
  assert.equal(health.body.replay!.state, 'pause');

  const sessions = await get<{ sessions: Array<{ date: string; symbols: string[] }> }>('/api/replay/sessions');
  assert.deepEqual(sessions.body.sessions.find((s) => s.date === '2013-10-10')!.symbols, ['AIG', 'BAC', 'SPY']);

  const { body } = await get<{ symbols: WatchlistRow[] }>('/api/symbols');
  assert.deepEqual(body.symbols.map((r) => r.symbol), ['SPY', 'AIG', 'BAC', 'GOOG']);
  const spy = body.symbols[0]!;
  const file = readAggregates(stockMinuteFile('2013-10-10'), 'SPY');
  const eleven = nyTimeToMs('2013-10-10', '11:00');
  const lastMinute = file.filter((m) => m.start + 60_000 <= eleven).at(-1)!;
  assert.equal(spy.last, lastMinute.close);
  assert.equal(spy.hasData, true);
  assert.ok(spy.change !== null && spy.changePct !== null);
  const goog = body.symbols[3]!;
  assert.equal(goog.hasData, false);
  assert.match(goog.message!, /^No data for GOOG on 2013-10-10/);
  assert.deepEqual(goog.sessions, ['2015-12-23', '2015-12-24', '2015-12-28']);
});

test('watchlist and drawings persist in the store across a restart', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'optdesk-persist-'));
  const dbPath = path.join(dir, 'db.sqlite');
  try {
    const first = await startTestServer({ dbPath, state: 'pause', ticker: new ManualTicker() });
    const call = (method: string, url: string, body?: unknown) =>
      fetch(`${first.url}${url}`, { method, ...(body ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
    assert.equal((await call('POST', '/api/watchlist', { symbol: 'qqq' })).status, 200);
    assert.equal((await call('DELETE', '/api/watchlist/AIG')).status, 200);
    assert.equal((await call('DELETE', '/api/watchlist/AIG')).status, 404);
    const drawings = [{ id: 'l1', kind: 'hline', price: 167.5, color: '#f00', label: 'ORB high' }];
    assert.equal((await call('PUT', '/api/drawings/SPY', { drawings })).status, 200);
    await first.close();

    const second = await startTestServer({ dbPath, state: 'pause', ticker: new ManualTicker() });
    const symbols = (await (await fetch(`${second.url}/api/symbols`)).json()) as { symbols: WatchlistRow[] };
    assert.deepEqual(symbols.symbols.map((r) => r.symbol), ['SPY', 'BAC', 'GOOG', 'QQQ']);
    const got = (await (await fetch(`${second.url}/api/drawings/SPY`)).json()) as { drawings: unknown[] };
    assert.deepEqual(got.drawings, drawings);
    await second.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('replay control returns the new status', async () => {
  const status = (await send('POST', '/api/replay', { time: '12:00', speed: 120 })).body as ReplayStatus;
  assert.equal(status.time, '12:00');
  assert.equal(status.speed, 120);
  assert.equal(status.state, 'pause');
  const back = (await send('POST', '/api/replay', { time: '11:00' })).body as ReplayStatus;
  assert.equal(back.time, '11:00');
});

test('without a built dashboard, / says how to build it', async () => {
  const empty = mkdtempSync(path.join(os.tmpdir(), 'optdesk-web-'));
  const s = await startTestServer({ webDist: empty, state: 'pause', ticker: new ManualTicker() });
  try {
    const res = await fetch(`${s.url}/`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /vite build/);
  } finally {
    await s.close();
    rmSync(empty, { recursive: true, force: true });
  }
});

test('HOST other than 127.0.0.1 needs OPTDESK_TOKEN, then every request and socket must carry it', async () => {
  assert.throws(() => createServer({ host: '0.0.0.0', port: 0 }), /Refusing to listen on 0\.0\.0\.0.*OPTDESK_TOKEN/);
  const token = 'test-token-0123456789';
  const server = createServer({ host: '0.0.0.0', port: 0, token, ticker: new ManualTicker(), replay: { state: 'pause' } });
  const { url } = await server.listen();
  const local = url.replace('0.0.0.0', '127.0.0.1');
  try {
    const denied = await fetch(`${local}/api/health`);
    assert.equal(denied.status, 401);
    const deniedBody = (await denied.json()) as { error: { code: string; message: string } };
    assert.match(deniedBody.error.message, /^token: /);
    assert.equal(deniedBody.error.code, 'UNAUTHORIZED');
    assert.equal((await fetch(`${local}/api/health`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
    assert.equal((await fetch(`${local}/api/health`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
    const viaQuery = await fetch(`${local}/api/health?token=${token}`);
    assert.equal(viaQuery.status, 200);
    const cookie = viaQuery.headers.get('set-cookie')!.split(';')[0]!;
    assert.equal((await fetch(`${local}/api/symbols`, { headers: { cookie } })).status, 200, 'the dashboard cookie works');

    await assert.rejects(connect(local), /token/);
    const ok = await connect(local, { token });
    ok.close();
  } finally {
    await server.close();
  }
});

test('a made-up ticker is refused with a sentence naming it; tickers with data in any form are accepted', async () => {
  const zzzz = await send('POST', '/api/watchlist', { symbol: 'zzzz' });
  assert.equal(zzzz.status, 400);
  assert.match(zzzz.body.error.message, /^symbol: ZZZZ is not a ticker optdesk has data for/);
  assert.match(zzzz.body.error.message, /recorded: AIG, BAC, GOOG, SPY/);
  assert.equal(zzzz.body.error.code, 'INVALID_FIELD');
  assert.equal(zzzz.body.error.field, 'symbol');
  const option = await send('POST', '/api/watchlist', { symbol: 'O:ZZZZ151224C00750000' });
  assert.equal(option.status, 400, 'an option on an unknown underlying is as unknown');
  // AAPL has only vendor daily bars; a GOOG contract has a known underlying.
  for (const symbol of ['AAPL', 'O:GOOG151224C00750000']) {
    const res = await send('POST', '/api/watchlist', { symbol });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal((await send('DELETE', `/api/watchlist/${symbol}`, {})).status, 200);
  }
  const list = await get<{ symbols: WatchlistRow[] }>('/api/symbols');
  assert.ok(!list.body.symbols.some((r) => r.symbol === 'ZZZZ'), 'nothing was added');
});

test('replay time: "9:45" is 09:45; a time outside the session\'s data is refused with the session\'s hours', async () => {
  const ok = await send('POST', '/api/replay', { time: '9:45' });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal((ok.body as ReplayStatus).time, '09:45');
  const early = await send('POST', '/api/replay', { time: '03:00' });
  assert.equal(early.status, 400);
  assert.equal(early.body.error.message, "time: 03:00 is before the session's data, which starts at 04:00 ET (pre-market) on 2013-10-10");
  assert.deepEqual([early.body.error.code, early.body.error.field], ['INVALID_FIELD', 'time']);
  const late = await send('POST', '/api/replay', { time: '21:15' });
  assert.equal(late.status, 400);
  assert.match(late.body.error.message, /^time: 21:15 is after the session's data, which ends at 20:00 ET/);
  assert.equal(((await get<HealthResponse>('/api/health')).body.replay!).time, '09:45', 'a refused time moves nothing');
  assert.equal((await send('POST', '/api/replay', { time: '9:4' })).status, 400);
  await send('POST', '/api/replay', { time: '11:00' });
});
