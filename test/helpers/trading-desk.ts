/**
 * Browser kit for the trading e2e files: a test server on the GOOG 2015-12-24 replay
 * (paused), GOOG in the watchlist, an empty quote matrix, and a Chromium page on it.
 */
import type { Browser, Page } from 'playwright-core';
import { collectConsoleErrors, launchChromium } from './browser.js';
import { startTestServer, type TestServer } from './server.js';

export async function json(method: string, url: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method, ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
  return { status: res.status, body: await res.json() };
}

export interface TradingDesk {
  server: TestServer;
  browser: Browser;
  page: Page;
  /** Console errors of the page, collected from the start. */
  errors: string[];
  close(): Promise<void>;
}

export async function openGoogDesk(time: string, viewport: { width: number; height: number }): Promise<TradingDesk> {
  const server = await startTestServer({ session: '2015-12-24', time, state: 'pause' });
  await json('POST', `${server.url}/api/watchlist`, { symbol: 'GOOG' });
  await json('PUT', `${server.url}/api/matrix`, { entries: [] });
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport });
  const errors = collectConsoleErrors(page);
  return {
    server, browser, page, errors,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}
