/**
 * `optdesk serve` with Alpaca keys: the broker is built from the environment only beside the
 * live feed, and the server's trading runtime starts it (reconciling against the fake Alpaca
 * server through the official SDK), lists its account beside the paper one, and stops it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { AlpacaBroker, AlpacaConfigError } from '../src/broker/alpaca/index.js';
import { createServer } from '../src/server/app.js';
import { alpacaFromEnv } from '../src/server/main.js';
import { FakeAlpaca } from './fakes/alpaca-server.js';
import { until } from './helpers/wait.js';

const KEYS = { ALPACA_KEY_ID: 'PKTESTKEY', ALPACA_SECRET_KEY: 'secret-never-shown' };

test('Alpaca is built from its keys, and only beside the live feed', () => {
  const lines: string[] = [];
  assert.equal(alpacaFromEnv({}, true, (l) => lines.push(l)), null, 'no keys: no Alpaca');
  assert.throws(
    () => alpacaFromEnv(KEYS, false, (l) => lines.push(l)),
    (e: unknown) => e instanceof AlpacaConfigError && e.variable === 'MASSIVE_API_KEY' && /years ago/.test(e.message),
  );
  const broker = alpacaFromEnv(KEYS, true, (l) => lines.push(l));
  assert.ok(broker instanceof AlpacaBroker);
  assert.equal(broker.live, false, 'paper unless OPTDESK_LIVE=1');
  assert.deepEqual(broker.accountNames(), ['alpaca-paper']);
  assert.throws(() => alpacaFromEnv({ ...KEYS, OPTDESK_LIVE: 'yes' }, true, () => {}), /OPTDESK_LIVE/);
});

test('the server starts the Alpaca broker, lists its account beside paper, and stops it', async () => {
  const fake = await FakeAlpaca.start({ cash: '25000' });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'optdesk-alpaca-wiring-'));
  const lines: string[] = [];
  const broker = alpacaFromEnv(
    { ALPACA_KEY_ID: fake.keyId, ALPACA_SECRET_KEY: fake.secret, ALPACA_BASE_URL: fake.restUrl, ALPACA_STREAM_URL: fake.streamUrl },
    true,
    (l) => lines.push(l),
  )!;
  const server = createServer({ port: 0, dbPath: path.join(dir, 'optdesk.db'), firstRunImport: false, logFile: undefined, trading: { brokers: [broker] } });
  try {
    const { url } = await server.listen();
    await until('the trade_updates stream is listening', () => broker.status().streamListening);
    const res = await fetch(`${url}/api/accounts`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { accounts: { name: string; cash: number }[] };
    const names = body.accounts.map((a) => a.name).sort();
    assert.deepEqual(names, ['alpaca-paper', 'paper']);
    assert.equal(body.accounts.find((a) => a.name === 'alpaca-paper')!.cash, 25_000, 'the account is read from Alpaca');
    assert.ok(!JSON.stringify(body).includes(fake.secret), 'the secret never reaches an answer');
    assert.ok(!lines.join('\n').includes(fake.secret), 'nor a log line');
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
  await until('the stream is closed by the server', () => !broker.status().streamListening);
  await fake.close();
});
