/**
 * Browser test of the small things a trader notices, at a laptop's 1280×800:
 * - a made-up ticker (ZZZZ) is refused with a sentence naming it, and nothing is added;
 * - the replay jump takes "9:45", and refuses 03:00 saying the session's data starts at 04:00;
 * - the health badge's sentence is shown whole (never cut with an ellipsis);
 * - in-the-money cells are visibly shaded;
 * - with every optional chain column picked, the puts stay in view (no horizontal scroll).
 *
 * Needs Chromium (CHROMIUM_PATH, default /usr/bin/chromium) and a built web/dist.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, collectConsoleErrors } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { DEFAULT_WAIT_MS } from '../helpers/timeouts.js';

let srv: TestServer;
let browser: Browser;
let page: Page;
let errors: string[];

before(async () => {
  srv = await startTestServer({ session: '2015-12-24', time: '11:00', state: 'pause' });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  errors = collectConsoleErrors(page);
  await page.addInitScript(() => {
    localStorage.setItem('optdesk.chart', JSON.stringify({ symbol: 'GOOG', tf: '5m', extended: false }));
    localStorage.setItem('optdesk.chain.columns', JSON.stringify(['last', 'volume', 'oi', 'iv', 'delta']));
  });
  await page.goto(srv.url);
  await page.waitForSelector('[data-testid="chain-spot"]', { timeout: DEFAULT_WAIT_MS });
});

after(async () => {
  await browser?.close();
  await srv?.close();
});

test('a made-up ticker is refused with a sentence naming it', async () => {
  await page.fill('[aria-label="Add symbol"]', 'zzzz');
  await page.click('.watchlist-add button[type="submit"]');
  const alert = page.locator('.watchlist [role="alert"]');
  await alert.waitFor({ timeout: DEFAULT_WAIT_MS });
  const text = (await alert.textContent()) ?? '';
  assert.match(text, /^ZZZZ is not a ticker optdesk has data for/);
  assert.doesNotMatch(text, /^symbol:/);
  assert.equal(await page.locator('[data-testid="watchlist-ZZZZ"]').count(), 0);
});

test('the replay jump takes 9:45 and refuses 03:00 with the session\'s hours', async () => {
  const clock = page.locator('[data-testid="replay-clock"] .rb-time');
  await page.fill('[aria-label="Jump to New York time"]', '9:45');
  await page.click('.rb-jump button[type="submit"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="replay-clock"] .rb-time')?.textContent === '09:45', null, { timeout: DEFAULT_WAIT_MS });
  await page.fill('[aria-label="Jump to New York time"]', '03:00');
  await page.click('.rb-jump button[type="submit"]');
  const alert = page.locator('.replaybar [role="alert"]');
  await alert.waitFor({ timeout: DEFAULT_WAIT_MS });
  assert.match((await alert.textContent()) ?? '', /03:00 is before the session's data, which starts at 04:00 ET/);
  assert.equal(await clock.textContent(), '09:45', 'nothing moved');
  await page.fill('[aria-label="Jump to New York time"]', '11:00');
  await page.click('.rb-jump button[type="submit"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="replay-clock"] .rb-time')?.textContent === '11:00', null, { timeout: DEFAULT_WAIT_MS });
});

test('the health badge shows its whole sentence', async () => {
  const m = await page.$eval('[data-testid="health-badge"] .health-sentence', (el) => {
    const r = el.getBoundingClientRect();
    const bar = el.closest('.toolbar')!.getBoundingClientRect();
    return { text: el.textContent, sw: el.scrollWidth, cw: el.clientWidth, sh: el.scrollHeight, ch: el.clientHeight, right: r.right, barRight: bar.right, w: r.width };
  });
  assert.match(m.text ?? '', /showing replay of 2015-12-24/);
  assert.ok(m.w > 0 && m.sw <= m.cw + 1 && m.sh <= m.ch + 1, `sentence cut: ${JSON.stringify(m)}`);
  assert.ok(m.right <= m.barRight + 1, `sentence beyond the toolbar: ${JSON.stringify(m)}`);
});

test('in-the-money cells are visibly shaded and the puts stay in view with every column picked', async () => {
  await page.waitForSelector('[data-testid="options-chain"] td.itm');
  const alpha = await page.$eval('[data-testid="options-chain"] td.itm', (el) => {
    const m = /rgba?\(([^)]+)\)/.exec(getComputedStyle(el).backgroundColor);
    const parts = m ? m[1]!.split(',').map(Number) : [];
    return parts.length === 4 ? parts[3]! : parts.length === 3 ? 1 : 0;
  });
  assert.ok(alpha >= 0.12, `ITM shading alpha ${alpha}`);
  const fit = await page.$eval('[data-testid="options-chain"]', (el) => {
    const box = el.querySelector('.chain-scroll')!;
    const panel = el.getBoundingClientRect();
    const heads = [...el.querySelectorAll('thead tr:nth-child(2) th')];
    const last = heads[heads.length - 1]!.getBoundingClientRect();
    return { sw: box.scrollWidth, cw: box.clientWidth, lastRight: last.right, panelRight: panel.right, columns: (el as HTMLElement).dataset.columns };
  });
  assert.ok(fit.sw <= fit.cw + 1, `the chain scrolls sideways: ${JSON.stringify(fit)}`);
  assert.ok(fit.lastRight <= fit.panelRight + 1, `the last put column is cut: ${JSON.stringify(fit)}`);
  assert.match(fit.columns ?? '', /delta/, 'delta is the last column to give way');
  assert.match((await page.textContent('[data-testid="chain-columns"]')) ?? '', /hidden/, 'the picker says columns were hidden for room');
  assert.deepEqual(errors.filter((e) => !/400 \(Bad Request\)/.test(e)), []);
});
