/**
 * Browser test of the bad-print toggle on SPY 2013-10-08 (prints at 15:03 and 15:36 far above
 * the market): by default the chart subscribes with bad prints clamped and marks the two
 * bars; the toolbar toggle re-subscribes to the series as printed, still marked, and the
 * choice survives a reload. The values themselves are checked in test/bad-prints.test.ts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, collectConsoleErrors } from '../helpers/browser.js';
import type { WireBar } from '../../src/wire/protocol.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { DEFAULT_WAIT_MS } from '../helpers/timeouts.js';

let srv: TestServer;
let browser: Browser;
let page: Page;
let errors: string[];

before(async () => {
  srv = await startTestServer({ session: '2013-10-08', time: '16:00', state: 'pause' });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  errors = collectConsoleErrors(page);
  await page.addInitScript(() => {
    if (!localStorage.getItem('optdesk.chart')) localStorage.setItem('optdesk.chart', JSON.stringify({ symbol: 'SPY', tf: '5m', extended: false }));
  });
  await page.goto(srv.url);
});

after(async () => {
  await browser?.close();
  await srv?.close();
});

async function chart(): Promise<Record<string, string | undefined>> {
  return page.$eval('[data-testid="chart"]', (el) => ({ ...(el as HTMLElement).dataset }));
}

async function waitFor(mode: 'hide' | 'show'): Promise<void> {
  await page.waitForFunction(
    (m) => {
      const d = document.querySelector<HTMLElement>('[data-testid="chart"]')?.dataset;
      return !!d && d.badPrints === m && d.loading === undefined && d.barCount !== undefined;
    },
    mode,
    { timeout: DEFAULT_WAIT_MS },
  );
}

test('bad prints are hidden and marked by default; the toggle shows them as printed', async () => {
  await waitFor('hide');
  const api = async (q: string) => ((await (await fetch(`${srv.url}/api/bars?symbol=SPY&tf=5m&from=2013-10-08&to=2013-10-08${q}`)).json()) as { bars: WireBar[] }).bars;
  const marked = (await api('')).filter((b) => b.badPrint).length;
  assert.equal(marked, 2);
  assert.equal((await chart()).badPrintBars, String(marked));
  assert.equal(await page.getAttribute('[data-testid="toggle-bad-prints"]', 'aria-pressed'), 'false');

  await page.click('[data-testid="toggle-bad-prints"]');
  await waitFor('show');
  assert.equal((await chart()).badPrintBars, String((await api('&badPrints=show')).filter((b) => b.badPrint).length));
  assert.equal(await page.getAttribute('[data-testid="toggle-bad-prints"]', 'aria-pressed'), 'true');

  await page.reload();
  await waitFor('show');
  await page.click('[data-testid="toggle-bad-prints"]');
  await waitFor('hide');
  assert.deepEqual(errors, []);
});
