/**
 * Browser test: on replay session 2023-08-03 the SPY chart shows only that day, says which
 * sessions before it have no data, and the watchlist shows "—" for a change it cannot know;
 * an option contract on the watchlist charts its recorded minutes on 2015-12-24.
 *
 * Needs Chromium (CHROMIUM_PATH, default /usr/bin/chromium) and a built web/dist.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, collectConsoleErrors } from '../helpers/browser.js';
import { ManualTicker } from '../../src/feeds/replay/index.js';
import { nyTimeToMs } from '../../src/calendar/index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const CONTRACT = 'O:GOOG151224C00750000';

let server: TestServer;
let browser: Browser;
let page: Page;
let consoleErrors: string[] = [];

async function post(url: string, body: unknown): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200, await res.text());
}

before(async () => {
  server = await startTestServer({ session: '2023-08-03', time: '11:00', state: 'pause', ticker: new ManualTicker() });
  await post(`${server.url}/api/watchlist`, { symbol: CONTRACT });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  consoleErrors = collectConsoleErrors(page);
  await page.goto(server.url);
  await page.waitForSelector('[data-testid="watchlist-SPY"]');
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('2023-08-03 SPY 5m: one day drawn, the five empty sessions before it named, change "—"', async () => {
  await page.click('[data-testid="watchlist-SPY"]');
  await page.click('[data-testid="tf-5m"]');
  await page.waitForSelector('[data-testid="chart"][data-symbol="SPY"][data-tf="5m"][data-phase="ready"]');
  const first = Number(await page.getAttribute('[data-testid="chart"]', 'data-first-start'));
  assert.ok(first >= nyTimeToMs('2023-08-03', '04:00'), `first bar ${new Date(first).toISOString()} is on 2023-08-03`);
  const gaps = await page.textContent('[data-testid="chart-gaps"]');
  assert.equal(gaps, 'No recorded data for 2023-07-27 – 2023-08-02 (5 sessions)');
  const change = await page.textContent('[data-testid="watchlist-SPY"] .wl-change');
  assert.equal(change?.replace(/\s+/g, ''), '——', 'no previous-session close: no change');
  assert.deepEqual(consoleErrors, []);
});

test(`${CONTRACT} on 2015-12-24 charts its recorded minutes`, async () => {
  await post(`${server.url}/api/replay`, { session: '2015-12-24', time: '13:30' });
  await page.click(`[data-testid="watchlist-${CONTRACT}"]`);
  await page.click('[data-testid="tf-1m"]');
  await page.waitForSelector(`[data-testid="chart"][data-symbol="${CONTRACT}"][data-tf="1m"][data-phase="ready"]`);
  const res = await fetch(`${server.url}/api/bars?symbol=${CONTRACT}&tf=1m`);
  const { bars } = (await res.json()) as { bars: { start: number; close: number }[] };
  assert.ok(bars.length > 10);
  assert.equal(await page.getAttribute('[data-testid="chart"]', 'data-bar-count'), String(bars.length));
  assert.equal(await page.getAttribute('[data-testid="chart"]', 'data-last-close'), String(bars.at(-1)!.close));
  assert.equal(await page.$('[data-testid="chart-empty"]'), null, 'no "No data" pane');
});
