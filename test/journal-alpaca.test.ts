/**
 * Alpaca account activities into the journal, against the fake Alpaca (test/fakes) through
 * the official SDK: FILL activities paged with page_token, turned into fills of the named
 * account (partial fills included), a round trip with the exact P&L, idempotent on the
 * activity id; the API route (`source: 'alpaca'`) and the CLI flag; bad input named.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { alpacaSettings } from '../src/broker/alpaca/index.js';
import { runJournalAlpacaImport } from '../src/cli/commands/journal.js';
import { fetchFillActivities, fillFromActivity } from '../src/journal/alpaca-activities.js';
import { JournalService } from '../src/journal/service.js';
import { openStore } from '../src/store/index.js';
import { journalRepository } from '../src/store/journal.js';
import { tradingRepository } from '../src/store/trading.js';
import { FakeAlpaca } from './fakes/alpaca-server.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const CONTRACT = 'GOOG151224C00750000';

describe('Alpaca FILL activities → journal', () => {
  let fake: FakeAlpaca;
  let settings: ReturnType<typeof alpacaSettings>;
  let dir: string;

  const order = async (side: 'buy' | 'sell', qty: number, limit: string): Promise<string> => {
    const res = await fetch(`${fake.restUrl}/v2/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'APCA-API-KEY-ID': fake.keyId, 'APCA-API-SECRET-KEY': fake.secret },
      body: JSON.stringify({ symbol: CONTRACT, qty: String(qty), side, type: 'limit', limit_price: limit, time_in_force: 'day', client_order_id: `c-${side}-${Math.random()}` }),
    });
    const body = (await res.json()) as { id?: string; message?: string };
    assert.equal(res.status, 200, JSON.stringify(body));
    return body.id!;
  };

  before(async () => {
    fake = await FakeAlpaca.start();
    settings = alpacaSettings({ keyId: fake.keyId, secret: fake.secret, restUrl: fake.restUrl, streamUrl: fake.streamUrl, accountName: 'alpaca-paper' });
    dir = mkdtempSync(path.join(os.tmpdir(), 'optdesk-journal-alpaca-'));
    // Bought 3 in two partial fills (1 @ 0.60, 2 @ 0.61), sold 3 @ 0.70.
    const buy = await order('buy', 3, '0.61');
    fake.fill(buy, '0.60', '1');
    fake.fill(buy, '0.61', '2');
    const sell = await order('sell', 3, '0.70');
    fake.fill(sell, '0.70');
  });
  after(async () => {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pages through every FILL activity (page_token) oldest first, and each becomes a fill with Alpaca\'s fees', async () => {
    const all = await fetchFillActivities(settings, { pageSize: 2 });
    assert.equal(all.length, 3, 'two pages of 2 and 1');
    assert.deepEqual(all.map((a) => [a.side, a.qty, a.price, a.type]), [['buy', '1', '0.6', 'partial_fill'], ['buy', '2', '0.61', 'fill'], ['sell', '3', '0.7', 'fill']]);
    assert.deepEqual(await fetchFillActivities(settings), all, 'one page of 100 gives the same list');
    const f = fillFromActivity(all[1]!, 'alpaca-paper');
    assert.ok(!('message' in f));
    assert.deepEqual([f.id, f.account, f.symbol, f.side, f.qty, f.price, f.time], [`alpaca:${all[1]!.id}`, 'alpaca-paper', `O:${CONTRACT}`, 'buy', 2, 6_100, Date.parse(String(all[1]!.transaction_time))]);
    // ORF $0.02685 and OCC $0.02 per contract on a buy of 2, rounded up per the fee table: 6 + 4 cents.
    assert.equal(f.fees.total, 10);
  });

  it('imports a round trip with the exact P&L; a second import adds nothing; a bad activity is named and nothing is written', async () => {
    const store = openStore(path.join(dir, 'svc.db'));
    const svc = new JournalService({ trading: tradingRepository(store), journal: journalRepository(store) });
    const activities = await fetchFillActivities(settings);
    const first = svc.importAlpacaActivities(activities, 'alpaca-paper');
    assert.deepEqual([first.ok, first.imported, first.alreadyImported], [true, 3, 0]);
    const [t] = svc.trades();
    assert.equal(svc.trades().length, 1);
    const fees = t!.trade.legs[0]!.pieces.reduce((s, p) => s + p.fees, 0);
    // (0.70 × 3 − 0.60 × 1 − 0.61 × 2) × 100 = $28.00, less the modelled fees.
    assert.equal(t!.trade.realized, 2_800 - fees);
    assert.equal(t!.trade.account, 'alpaca-paper');
    assert.deepEqual(svc.importAlpacaActivities(activities, 'alpaca-paper'), { ok: true, imported: 0, alreadyImported: 3, bookedByBroker: 0, problems: [] });
    const bad = svc.importAlpacaActivities([...activities, { ...activities[0], id: 'x1', price: 'abc' }, { ...activities[0], id: 'x2', side: 'hold' }], 'alpaca-paper');
    assert.deepEqual(bad.problems.map((p) => [p.activity, p.field]), [['x1', 'price'], ['x2', 'side']]);
    assert.equal(svc.fills().length, 3, 'nothing written');
    store.close();
  });

  it('fills the connected broker already booked are not imported again (their order has fills in the trading store)', async () => {
    const store = openStore(path.join(dir, 'booked.db'));
    const trading = tradingRepository(store);
    const activities = await fetchFillActivities(settings);
    const booked = fillFromActivity(activities[2]!, 'alpaca-paper');
    assert.ok(!('message' in booked));
    trading.insertFill({ ...booked, id: 'execution-from-the-stream' });
    const svc = new JournalService({ trading, journal: journalRepository(store) });
    const r = svc.importAlpacaActivities(activities, 'alpaca-paper');
    assert.deepEqual([r.imported, r.bookedByBroker], [2, 1]);
    store.close();
  });

  it('POST /api/journal/import {source: alpaca}: keys from the environment, idempotent; no keys is a 400 naming source', async () => {
    const keys = { ALPACA_KEY_ID: fake.keyId, ALPACA_SECRET_KEY: fake.secret, ALPACA_BASE_URL: fake.restUrl, ALPACA_ACCOUNT_NAME: 'alpaca-paper' };
    const saved = Object.fromEntries(Object.keys(keys).map((k) => [k, process.env[k]]));
    let server: TestServer | undefined;
    const post = async (body: unknown) => {
      const res = await fetch(`${server!.url}/api/journal/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, json: (await res.json()) as any };
    };
    try {
      for (const k of Object.keys(keys)) delete process.env[k];
      server = await startTestServer({ session: '2015-12-24', time: '10:00', state: 'pause' });
      const none = await post({ source: 'alpaca' });
      assert.equal(none.status, 400);
      assert.equal(none.json.error.field, 'source');
      assert.match(none.json.error.message, /^source: Alpaca is not configured/);
      const ftp = (await post({ source: 'ftp' })).json.error;
      assert.equal(ftp.code, 'INVALID_FIELD');
      assert.match(ftp.message, /^source: must be csv or alpaca/);
      Object.assign(process.env, keys);
      const first = await post({ source: 'alpaca' });
      assert.equal(first.status, 201, JSON.stringify(first.json));
      assert.deepEqual(first.json, { source: 'alpaca', imported: 3, alreadyImported: 0, bookedByBroker: 0 });
      assert.equal((await post({ source: 'alpaca' })).json.imported, 0);
      const trades = (await (await fetch(`${server.url}/api/journal/trades?account=alpaca-paper`)).json()) as any;
      assert.equal(trades.trades.length, 1);
      assert.equal(trades.trades[0].fills.length, 3);
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
      await server?.close();
    }
  });

  it('optdesk journal import --alpaca: counts on the first run, nothing new on the second; no keys names the flag', async () => {
    const db = path.join(dir, 'cli.db');
    openStore(db).close();
    const env = { ALPACA_KEY_ID: fake.keyId, ALPACA_SECRET_KEY: fake.secret, ALPACA_BASE_URL: fake.restUrl };
    const run = async (e: NodeJS.ProcessEnv) => {
      const out = new PassThrough();
      const err = new PassThrough();
      const code = await runJournalAlpacaImport({ db, account: 'mine' }, out, err, e);
      return { code, out: String(out.read() ?? '') };
    };
    assert.deepEqual(await run(env), { code: 0, out: 'alpaca: 3 fill activities; imported 3 into mine, 0 already imported, 0 booked by the connected broker\n' });
    assert.match((await run(env)).out, /imported 0 into mine, 3 already imported/);
    await assert.rejects(run({}), /--alpaca: Alpaca is not configured/);
  });
});
