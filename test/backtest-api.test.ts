/**
 * The dashboard's backtest API against a real server on the recorded data: POST starts a run
 * on a worker thread, progress arrives on the socket, GET returns the report the CLI prints
 * for the same run, and bad input is a 400 naming the field.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'socket.io-client';
import { startTestServer, type TestServer } from './helpers/server.js';
import { connect, next } from './helpers/socket.js';
import { optdesk } from './helpers/optdesk.js';
import { readAggregates, stockMinuteFile } from './helpers/data.js';
import { nyTimeToMs } from '../src/calendar/index.js';
import type { BacktestJobView, BacktestProgress } from '../src/wire/backtest-protocol.js';

const RUN = { strategy: 'orb', symbol: 'SPY', from: '2013-10-07', to: '2013-10-11' };

async function post(base: string, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${base}/api/backtests`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

describe('backtest API (POST /api/backtests, backtest:progress, GET /api/backtests/:id)', () => {
  let t: TestServer;
  let socket: Socket;
  before(async () => {
    t = await startTestServer({ state: 'pause' });
    socket = await connect(t.url);
  });
  after(async () => {
    socket?.close();
    await t?.close();
  });

  test('an ORB run on SPY 2013-10-07..11: progress to 5/5 on the socket, then the same report as optdesk backtest --format json', async () => {
    const progress: BacktestProgress[] = [];
    socket.on('backtest:progress', (p: BacktestProgress) => progress.push(p));
    const started = await post(t.url, RUN);
    assert.equal(started.status, 202, JSON.stringify(started.json));
    const id = started.json.id as string;
    const done = await next(socket, 'backtest:done', (m: { id: string; status: string }) => m.id === id);
    assert.equal(done.status, 'done', JSON.stringify(done));
    const mine = progress.filter((p) => p.id === id);
    assert.ok(mine.length >= 1);
    assert.deepEqual(mine.at(-1), { id, done: 5, total: 5 });
    for (let i = 1; i < mine.length; i++) assert.ok(mine[i]!.done >= mine[i - 1]!.done, 'progress never goes back');

    const view = (await (await fetch(`${t.url}/api/backtests/${id}`)).json()) as BacktestJobView;
    assert.equal(view.status, 'done');
    assert.deepEqual(view.progress, { done: 5, total: 5 });
    const r = view.result!;
    // Levels: the first five minutes of each session in the raw flat file.
    assert.equal(r.levels.length, 5);
    for (const lv of r.levels) {
      const raw = readAggregates(stockMinuteFile(lv.date), 'SPY').filter((b) => b.start >= nyTimeToMs(lv.date, '09:30') && b.start < nyTimeToMs(lv.date, '09:35'));
      assert.deepEqual([lv.high, lv.low], [Math.max(...raw.map((b) => b.high)), Math.min(...raw.map((b) => b.low))]);
    }
    assert.ok(r.stats.warnings.some((w) => w.startsWith('Too few trades')), 'the too-few-trades warning travels with the stats');
    assert.ok(r.stats.ci95 && 'winRate' in r.stats.ci95);
    // The CLI (another process, reading the same database file) prints the same report.
    const cli = optdesk(['backtest', '--strategy', 'orb', '--symbol', 'SPY', '--from', RUN.from, '--to', RUN.to, '--db', t.dbPath]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.deepEqual(r, JSON.parse(cli.stdout));
  });

  test('parameters are passed through: targetR=1 gives targets one R from the entry', async () => {
    const started = await post(t.url, { ...RUN, params: { targetR: 1 } });
    assert.equal(started.status, 202, JSON.stringify(started.json));
    const done = await next(socket, 'backtest:done', (m: { id: string; status: string }) => m.id === started.json.id);
    assert.equal(done.status, 'done');
    const view = (await (await fetch(`${t.url}/api/backtests/${started.json.id}`)).json()) as BacktestJobView;
    assert.equal(view.result!.params.targetR, 1);
    assert.ok(view.result!.trades.length >= 1);
    for (const tr of view.result!.trades) assert.ok(Math.abs(Math.abs(tr.target! - tr.entryPrice) - Math.abs(tr.entryPrice - tr.stop)) <= 0.01 + 1e-9, JSON.stringify(tr));
  });

  test('mode options on SPY 2013 (no recorded option quotes): the run uses MODEL quotes and the report says so, as the CLI does', async () => {
    const body = { ...RUN, mode: 'options', params: { maxSpreadPct: 25 } };
    const started = await post(t.url, body);
    assert.equal(started.status, 202, JSON.stringify(started.json));
    const done = await next(socket, 'backtest:done', (m: { id: string; status: string }) => m.id === started.json.id);
    assert.equal(done.status, 'done', JSON.stringify(done));
    const r = ((await (await fetch(`${t.url}/api/backtests/${started.json.id}`)).json()) as BacktestJobView).result! as any;
    assert.equal(r.mode, 'options');
    assert.ok(r.trades.length >= 1, 'ORB trades SPY that week');
    for (const tr of r.trades) assert.equal(tr.quoteSource, 'MODEL', JSON.stringify(tr));
    assert.match(JSON.stringify(r.options), /MODEL quotes: theoretical prices, not market quotes/);
    const cli = optdesk(['backtest', '--strategy', 'orb', '--symbol', 'SPY', '--from', RUN.from, '--to', RUN.to, '--mode', 'options', '--param', 'maxSpreadPct=25', '--db', t.dbPath]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.deepEqual(r, JSON.parse(cli.stdout));
  });

  test('bad input is a 400 naming the field; an unknown id is a 404', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ ...RUN, strategy: 'nope' }, /^strategy: must be one of orb, timeblock/],
      [{ ...RUN, params: { targetR: 'x' } }, /^params\.targetR: must be a number/],
      [{ ...RUN, params: { targetR: -1 } }, /^params\.targetR: must be from 0\.1 to 100/],
      [{ ...RUN, params: { bogus: 1 } }, /^params\.bogus: unknown parameter of orb/],
      [{ ...RUN, from: '2013-13-01' }, /^from: /],
      [{ ...RUN, from: '2013-10-11', to: '2013-10-07' }, /^from: must not be after to/],
      [{ ...RUN, to: '10/11/2013' }, /^to: must be a date like 2013-10-07/],
      [{ ...RUN, symbol: 'ZZZZ' }, /^symbol: no ZZZZ minute bars stored between 2013-10-07 and 2013-10-11/],
      [{ ...RUN, mode: 'options', params: { maxSpreadPct: -5 } }, /^params\.maxSpreadPct: /],
      [{ ...RUN, mode: 'shares' }, /^mode: must be underlying or options/],
      [{ ...RUN, extra: 1 }, /extra/],
      [{ symbol: 'SPY', from: RUN.from, to: RUN.to }, /^strategy: is required/],
    ];
    for (const [body, want] of cases) {
      const r = await post(t.url, body);
      assert.equal(r.status, 400, `${JSON.stringify(body)} → ${r.status} ${JSON.stringify(r.json)}`);
      assert.equal(r.json.error.code, 'INVALID_FIELD', JSON.stringify(r.json));
      assert.match(r.json.error.message, want, JSON.stringify(body));
    }
    const missing = await fetch(`${t.url}/api/backtests/nope`);
    assert.equal(missing.status, 404);
    const missingError = ((await missing.json()) as { error: { code: string; message: string } }).error;
    assert.equal(missingError.code, 'NOT_FOUND');
    assert.match(missingError.message, /^id: no backtest "nope"/);
  });

  test('GET /api/backtests/strategies lists each strategy with its parameters and defaults', async () => {
    const r = (await (await fetch(`${t.url}/api/backtests/strategies`)).json()) as { strategies: Array<{ name: string; params: Record<string, { default: unknown }> }> };
    const orb = r.strategies.find((s) => s.name === 'orb')!;
    assert.equal(orb.params.rangeMinutes!.default, 5);
    assert.equal(orb.params.targetR!.default, 2);
    assert.ok(r.strategies.some((s) => s.name === 'timeblock'));
  });
});
