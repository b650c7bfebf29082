/**
 * Browser: the backtest panel in options mode on the recorded SPY week (no option quotes are
 * recorded for it, so MODEL quotes price every trade): the mode selector shows options mode's
 * parameters with the defaults from the API's spec, and a run shows the MODEL notice and each
 * trade's contract, quote source and break-even as the API reports them for the same run.
 * Screenshots go to /work/shots/liveopts/ (or $SHOTS_DIR).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { openStrategiesDock } from '../helpers/strategies-desk.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import type { BacktestJobView } from '../../src/wire/backtest-protocol.js';

const SHOTS = process.env.SHOTS_DIR ?? '/work/shots/liveopts';
const WAIT = { timeout: 120_000 };

describe('backtest panel e2e, options mode (ORB on SPY 2013-10-07..11)', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let errors: string[] = [];

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startTestServer({ session: '2013-10-11', time: '15:00', state: 'pause' });
    ({ browser, page, errors } = await openStrategiesDock(server.url, WAIT.timeout));
    await page.waitForSelector('[data-testid="bt-run"]', WAIT);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('options mode on SPY 2013-10-07..11 (no recorded option quotes): the MODEL notice, and each trade\'s contract, quote source and break-even as the API reports them', async () => {
    await page.setViewportSize({ width: 1600, height: 900 });
    await page.selectOption('[data-testid="bt-strategy"]', 'orb');
    await page.fill('[data-testid="bt-symbol"]', 'SPY');
    await page.fill('[data-testid="bt-from"]', '2013-10-07');
    await page.fill('[data-testid="bt-to"]', '2013-10-11');
    await page.selectOption('[data-testid="bt-mode"]', 'options');
    if (!(await page.$('[data-testid="bt-params"]'))) await page.click('.bt-params-toggle');
    assert.equal(await page.inputValue('[data-testid="bt-param-maxSpreadPct"]'), '10', 'the default from the options parameter spec');
    assert.equal(await page.inputValue('[data-testid="bt-param-expiration"]'), 'weekly');
    await page.fill('[data-testid="bt-param-maxSpreadPct"]', '25');
    await page.click('[data-testid="bt-run"]');
    // MODEL pricing of a week is the slowest run here: the wait is long on a busy machine.
    // A page error (the app crashing) fails at once, with its message.
    const crashed = new Promise<never>((_, reject) => page.on('pageerror', (e) => reject(e)));
    await Promise.race([page.waitForSelector('[data-testid="bt-model-notice"], [data-testid="bt-error"]', { timeout: 4 * WAIT.timeout }), crashed]);
    assert.equal(await page.$('[data-testid="bt-error"]'), null, (await page.textContent('[data-testid="bt-error"]').catch(() => '')) ?? '');
    const body = { strategy: 'orb', symbol: 'SPY', from: '2013-10-07', to: '2013-10-11', mode: 'options', params: { maxSpreadPct: 25 } };
    const started = await (await fetch(`${server.url}/api/backtests`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json() as { id: string };
    let view: BacktestJobView;
    do view = (await (await fetch(`${server.url}/api/backtests/${started.id}`)).json()) as BacktestJobView;
    while (view.status === 'running' && (await new Promise((r) => setTimeout(r, 50)), true));
    const r = view.result!;
    assert.equal(r.mode, 'options');
    const notice = (await page.textContent('[data-testid="bt-model-notice"]'))!;
    assert.ok(notice.startsWith('MODEL quotes: theoretical prices, not market quotes'), notice);
    assert.equal(notice, r.options!.notice);
    assert.ok(r.trades.length >= 1);
    const cells = async (id: string, attr?: string) => page.$$eval(`[data-testid="bt-trades"] [data-testid="${id}"]`, (els, a) => els.map((e) => (a ? e.getAttribute(a) : e.textContent)), attr);
    assert.deepEqual(await cells('bt-contract', 'data-contract'), r.trades.map((t) => t.contract));
    for (const t of r.trades) assert.match(t.contract!, /^O:SPY\d{6}[CP]\d{8}$/);
    // Shown short: strike, right and expiry ("167.5C 10/11"), then the quote source.
    assert.deepEqual(await cells('bt-contract'), r.trades.map((t) => `${Number(t.contract!.slice(-8)) / 1000}${t.contract!.at(-9)} ${t.contract!.slice(7, 9)}/${t.contract!.slice(9, 11)} MODEL`));
    assert.deepEqual(await cells('bt-quote-source', 'data-source'), r.trades.map(() => 'MODEL'));
    assert.deepEqual(await cells('bt-break-even'), r.trades.map((t) => t.breakEven!.toFixed(2)));
    assert.ok((await page.textContent('.bt-summary'))!.includes('mode options'));
    await page.$eval('[data-testid="bt-model-notice"]', (e) => e.scrollIntoView());
    await page.screenshot({ path: path.join(SHOTS, 'e2e-3-options-model-1600x900.png') });
    assert.deepEqual(errors, []);
  });
});
