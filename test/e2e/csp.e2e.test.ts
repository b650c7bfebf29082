/**
 * The built dashboard runs under the server's Content-Security-Policy: the chart draws,
 * the socket streams, the options chain loads, and the browser reports no CSP violation
 * and no console error. Needs Chromium and a built web/dist (npm test builds it).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { collectConsoleErrors, launchChromium } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { scaled } from '../helpers/timeouts.js';

let srv: TestServer;
let browser: Browser;

before(async () => {
  srv = await startTestServer({ session: '2015-12-24', time: '11:00', state: 'play', speed: 60 });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await srv?.close();
});

test('the dashboard works under the CSP: chart, socket and options chain, with no violation reported', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors = collectConsoleErrors(page);
  // Recorded before any app script runs, so nothing the app does can hide a violation.
  await page.addInitScript(() => {
    const w = window as unknown as { __cspViolations: string[] };
    w.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => w.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}:${e.columnNumber} ${e.sample}`));
  });
  const response = await page.goto(srv.url);
  assert.match(response!.headers()['content-security-policy'] ?? '', /default-src 'self'/);
  await page.click('[data-testid="watchlist-GOOG"]');
  // The chart drew on canvas from socket data and the chain streamed over the socket.
  await page.waitForSelector('[data-testid="options-chain"][data-underlying="GOOG"][data-source="recorded"][data-live="true"]', { timeout: scaled(60_000) });
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart"]')?.getAttribute('data-bar-count') ?? 0) > 0, null, { timeout: scaled(60_000) });
  await page.waitForSelector('canvas', { timeout: scaled(60_000) });
  const violations = await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations);
  await page.screenshot({ path: path.join(os.tmpdir(), 'optdesk-csp.png') });
  assert.deepEqual(violations, []);
  assert.deepEqual(errors.filter((e) => /Content Security Policy|Refused to/i.test(e)), []);
  assert.deepEqual(errors, []);
  await page.close();
});
