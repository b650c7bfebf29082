/**
 * Alpaca configuration (paper by default, live only with OPTDESK_LIVE=1), the secret
 * never leaving the server (no log line, event, status or error carries the keys), and
 * the exact decimal ↔ Price conversions of the wire.
 */
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { AlpacaBroker, AlpacaConfigError, alpacaSettings, alpacaSettingsFromEnv } from '../src/broker/alpaca/index.js';
import { dec, decDiv, decInt, decMul, decStr } from '../src/broker/alpaca/decimal.js';
import { priceFromWire, priceFromWireRounded, priceToWire } from '../src/broker/alpaca/wire.js';
import { BrokerError } from '../src/broker/types.js';
import { alpacaRig, intent } from './alpaca-helpers.js';
import { FakeAlpaca } from './fakes/alpaca-server.js';
import { until } from './helpers/wait.js';

describe('Alpaca settings from the environment', () => {
  test('no keys: Alpaca is not configured', () => {
    assert.equal(alpacaSettingsFromEnv({}), null);
  });

  test('keys alone: paper, on the paper hosts', () => {
    const s = alpacaSettingsFromEnv({ ALPACA_KEY_ID: 'PK1', ALPACA_SECRET_KEY: 'sec' });
    assert.equal(s?.mode, 'paper');
    assert.equal(s?.restUrl, 'https://paper-api.alpaca.markets');
    assert.equal(s?.streamUrl, 'wss://paper-api.alpaca.markets/stream');
    assert.equal(s?.accountName, 'alpaca-paper');
  });

  test('OPTDESK_LIVE=1: live, on the live hosts', () => {
    const s = alpacaSettingsFromEnv({ ALPACA_KEY_ID: 'AK1', ALPACA_SECRET_KEY: 'sec', OPTDESK_LIVE: '1' });
    assert.equal(s?.mode, 'live');
    assert.equal(s?.restUrl, 'https://api.alpaca.markets');
    assert.equal(s?.streamUrl, 'wss://api.alpaca.markets/stream');
    assert.equal(s?.accountName, 'alpaca-live');
  });

  test('bad configurations name the variable and why', () => {
    const cases: [NodeJS.ProcessEnv, string, RegExp][] = [
      [{ ALPACA_KEY_ID: 'PK1' }, 'ALPACA_SECRET_KEY', /missing/],
      [{ ALPACA_SECRET_KEY: 'sec' }, 'ALPACA_KEY_ID', /missing/],
      [{ ALPACA_KEY_ID: 'PK1', ALPACA_SECRET_KEY: 'sec', OPTDESK_LIVE: 'yes' }, 'OPTDESK_LIVE', /must be 1/],
      [{ ALPACA_KEY_ID: 'PK1', ALPACA_SECRET_KEY: 'sec', ALPACA_BASE_URL: 'https://api.alpaca.markets' }, 'ALPACA_BASE_URL', /live host.*OPTDESK_LIVE=1/],
      [{ ALPACA_KEY_ID: 'PK1', ALPACA_SECRET_KEY: 'sec', ALPACA_STREAM_URL: 'wss://api.alpaca.markets/stream' }, 'ALPACA_STREAM_URL', /live host/],
      [{ ALPACA_KEY_ID: 'PK1', ALPACA_SECRET_KEY: 'sec', ALPACA_BASE_URL: 'not a url' }, 'ALPACA_BASE_URL', /not a URL/],
    ];
    for (const [env, variable, why] of cases) {
      assert.throws(() => alpacaSettingsFromEnv(env), (err: unknown) => err instanceof AlpacaConfigError && err.variable === variable && why.test(err.message));
    }
  });

  test('the settings object cannot print the secret', () => {
    const s = alpacaSettings({ keyId: 'PKSHOWNOWHERE', secret: 'very-secret-value' });
    for (const text of [JSON.stringify(s), inspect(s, { depth: 5, showHidden: true }), String(Object.values(s))]) {
      assert.ok(!text.includes('very-secret-value') && !text.includes('PKSHOWNOWHERE'), text);
    }
    assert.equal(s.credentials().secret, 'very-secret-value');
  });
});

describe('Alpaca keys stay on the server', () => {
  test('no log line, event, status, account, order or error sentence of a whole session carries the key id or secret', async () => {
    const keyId = 'PKLEAKCANARY0001';
    const secret = 'secret-canary-do-not-print-7f3a';
    const fake = await FakeAlpaca.start({ keyId, secret, cash: '1000' });
    const rig = await alpacaRig({ reuse: fake });
    const texts: string[] = [];
    try {
      const buy = await rig.broker.submit(intent({ symbol: 'O:GOOG151224C00750000', side: 'buy', type: 'limit', limitPrice: 7_000 }));
      fake.fill(buy.id, '0.7');
      fake.faults.rateLimit = { count: 1, match: (m) => m === 'GET' };
      texts.push(JSON.stringify(await rig.broker.accounts()), JSON.stringify(await rig.broker.positions()), JSON.stringify(await rig.broker.orders()));
      for (const attempt of [
        () => rig.broker.submit(intent({ symbol: 'O:GOOG151224C00750000', side: 'buy', type: 'limit', limitPrice: 90_000, qty: 5 })),
        () => rig.broker.submit(intent({ symbol: 'O:GOOG151224C00750000', side: 'sell', type: 'market', qty: 3 })),
        () => rig.broker.cancel('alpaca-paper', 'no-such-order'),
      ]) {
        await assert.rejects(attempt(), (err: unknown) => {
          texts.push((err as Error).message, inspect(err));
          return err instanceof BrokerError;
        });
      }
      fake.dropStreams();
      await until('the reconcile after the reconnect', () => rig.broker.status().reconciliations >= 2);
      // A REST call with a wrong secret: the 401 sentence names variables, not values.
      const wrong = new AlpacaBroker({ settings: alpacaSettings({ keyId, secret: `${secret}-wrong`, restUrl: fake.restUrl, streamUrl: fake.streamUrl }) });
      await assert.rejects(wrong.accounts(), (err: unknown) => {
        texts.push((err as Error).message);
        return err instanceof BrokerError && /ALPACA_KEY_ID and ALPACA_SECRET_KEY/.test((err as Error).message);
      });
      texts.push(...rig.logs, JSON.stringify(rig.events), JSON.stringify(rig.broker), inspect(rig.broker, { depth: 10, showHidden: true }), JSON.stringify(rig.broker.status()), inspect(wrong, { depth: 10 }));
    } finally {
      await rig.close();
      await fake.close();
    }
    assert.ok(texts.length > 10 && rig.logs.length > 0);
    for (const t of texts) {
      assert.ok(!t.includes(secret), `secret leaked in: ${t.slice(0, 200)}`);
      assert.ok(!t.includes(keyId), `key id leaked in: ${t.slice(0, 200)}`);
    }
  });
});

describe('Alpaca live mode is visible', () => {
  test('a live connection says so on the broker and on its account (the dashboard shows the LIVE banner from it)', async () => {
    const fake = await FakeAlpaca.start();
    const broker = new AlpacaBroker({ settings: alpacaSettings({ keyId: fake.keyId, secret: fake.secret, live: true, restUrl: fake.restUrl, streamUrl: fake.streamUrl }) });
    try {
      assert.equal(broker.live, true);
      assert.equal(broker.accountName, 'alpaca-live');
      const [account] = await broker.accounts();
      assert.equal(account?.mode, 'live');
      assert.equal(account?.name, 'alpaca-live');
    } finally {
      broker.stop();
      await fake.close();
    }
  });
});

describe('exact decimals on the wire', () => {
  test('Price → wire string → Price is the identity', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000_000 }), (p) => {
        assert.equal(priceFromWire(priceToWire(p)), p);
        assert.equal(priceFromWireRounded(priceToWire(p)), p);
      }),
    );
  });

  test('decimal strings round-trip, and average prices rebuild the notional within half a unit', () => {
    const decimalText = fc.tuple(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 0, max: 99_999_999 })).map(([w, f]) => `${w}.${String(f).padStart(8, '0')}`);
    fc.assert(
      fc.property(decimalText, (s) => {
        assert.equal(dec(decStr(dec(s))), dec(s));
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 100_000_000 })), { minLength: 1, maxLength: 8 }), (fills) => {
        // qty whole, price in Price units: the notional is exact; the average divides it back.
        let notional = 0n;
        let qty = 0n;
        for (const [q, p] of fills) {
          notional += decMul(dec(priceToWire(p)), decInt(q));
          qty += BigInt(q);
        }
        const avg = decDiv(notional, decInt(qty));
        const back = decMul(avg, decInt(qty));
        assert.ok(back - notional <= qty && notional - back <= qty, 'rounding the average loses at most half a unit per share');
      }),
    );
  });

  test('malformed wire amounts are refused, not guessed', () => {
    for (const bad of ['', '1e3', 'NaN', '1.2.3', ' ', '0x10']) assert.throws(() => dec(bad), RangeError);
    assert.throws(() => priceFromWire('1.23456'), /more than 4 decimal places/);
    assert.equal(priceFromWireRounded('2.10335'), 21_034);
  });
});

describe('alpacaBrokerFromEnv', () => {
  test('null without keys; a paper broker with them; live only with OPTDESK_LIVE=1', async () => {
    const { alpacaBrokerFromEnv } = await import('../src/broker/alpaca/index.js');
    assert.equal(alpacaBrokerFromEnv({}), null);
    assert.equal(alpacaBrokerFromEnv({ ALPACA_KEY_ID: 'PK1', ALPACA_SECRET_KEY: 's' })?.live, false);
    assert.equal(alpacaBrokerFromEnv({ ALPACA_KEY_ID: 'AK1', ALPACA_SECRET_KEY: 's', OPTDESK_LIVE: '1' })?.live, true);
  });
});
