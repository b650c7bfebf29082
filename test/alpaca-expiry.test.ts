/**
 * 0-DTE expiration through Alpaca's protocol, on GOOG's real 2015-12-24 early close
 * (13:00): Alpaca does not stream expirations or exercises, it reports them as activities
 * (OPEXP, OPEXC + OPTRD); the adapter polls them and books each once as an `expiry`
 * order: out of the money at 0, in the money exercised into shares at the strike.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { test } from 'node:test';
import { nyTimeToMs } from '../src/calendar/index.js';
import { alpacaRig, intent, recordedOptionQuotes } from './alpaca-helpers.js';
import { DATA_DIR, readAggregates, stockMinuteFile } from './helpers/data.js';
import { until } from './helpers/wait.js';

test('expiring 0-DTE GOOG calls: the OTM one expires at 0, the ITM one is exercised into 100 shares at the strike, each booked once at the 13:00 close', async () => {
  const close = nyTimeToMs('2015-12-24', '13:00');
  const bars = readAggregates(stockMinuteFile('2015-12-24'), 'GOOG').filter((b) => b.start < close);
  const last = (bars[bars.length - 1] as { close: number }).close;
  const file = path.join(DATA_DIR, 'flatfiles/us_options_opra/quotes_v1/2015/12/2015-12-24.csv.gz');
  const strikes = [...new Set(gunzipSync(readFileSync(file)).toString('utf8').split('\n').filter((l) => l.startsWith('O:GOOG151224C')).map((l) => Number(l.slice(13, 21)) / 1000))].sort((a, b) => a - b);
  const itmStrike = Math.max(...strikes.filter((k) => k < last - 1));
  const otmStrike = Math.min(...strikes.filter((k) => k > last + 1));
  const ticker = (k: number): string => `O:GOOG151224C${String(Math.round(k * 1000)).padStart(8, '0')}`;
  const itm = ticker(itmStrike);
  const otm = ticker(otmStrike);

  const rig = await alpacaRig({ fake: { cash: '1000000' } });
  try {
    for (const sym of [itm, otm]) {
      const q = recordedOptionQuotes(sym)[0];
      assert.ok(q, `recorded quotes for ${sym}`);
      const buy = await rig.broker.submit(intent({ symbol: sym, side: 'buy', type: 'limit', limitPrice: Math.round(Number(q.ask) * 10_000) }));
      await until('working', () => rig.fake.order(buy.id).status === 'new');
      rig.fake.fill(buy.id, q.ask);
    }
    await until('both bought', () => rig.fake.positionQty(itm.slice(2)) === '1' && rig.fake.positionQty(otm.slice(2)) === '1');

    rig.fake.expireOptions('2015-12-24', { GOOG: String(last) });
    assert.equal(await rig.broker.checkOptionEvents(), 3);
    const fills = (await rig.broker.fills()).filter((f) => f.reason !== 'execution');
    const bySymbol = new Map(fills.map((f) => [f.symbol, f]));
    assert.deepEqual(
      [bySymbol.get(otm)?.side, bySymbol.get(otm)?.qty, bySymbol.get(otm)?.price, bySymbol.get(otm)?.reason],
      ['sell', 1, 0, 'expiration_otm'],
    );
    assert.deepEqual([bySymbol.get(itm)?.side, bySymbol.get(itm)?.qty, bySymbol.get(itm)?.reason], ['sell', 1, 'expiration_itm']);
    assert.match(bySymbol.get(itm)?.note ?? '', /Exercised/);
    const shares = bySymbol.get('GOOG');
    assert.deepEqual([shares?.side, shares?.qty, shares?.price], ['buy', 100, Math.round(itmStrike * 10_000)]);
    assert.ok(fills.every((f) => f.time === close), 'booked at the early close, 13:00');
    const orders = await rig.broker.orders();
    assert.ok(fills.every((f) => orders.find((o) => o.id === f.orderId)?.role === 'expiry'));

    await until('positions pushed', () => rig.events.some((e) => e.kind === 'position' && e.position.symbol === 'GOOG' && e.position.qty === 100));
    const positions = await rig.broker.positions();
    assert.deepEqual(positions.map((p) => [p.symbol, p.qty]), [['GOOG', 100]]);

    assert.equal(await rig.broker.checkOptionEvents(), 0, 'each activity is booked once');
    const restarted = await alpacaRig({ reuse: rig.fake, beforeStart: (b) => b.remember([], fills.map((f) => f.id)) });
    try {
      assert.equal((await restarted.broker.fills()).filter((f) => f.reason !== 'execution').length, 0, 'a restart that remembers its fills books none again');
    } finally {
      await restarted.close();
    }
  } finally {
    await rig.close();
  }
});
