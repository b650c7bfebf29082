/**
 * Headless Debian Chromium for the browser tests, driven by playwright-core. Without a
 * browser the tests fail with the fix in the message — never a silent skip.
 * The flags keep Chromium off the (closed) network and let it run as root in CI.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DEFAULT_WAIT_MS } from './timeouts.js';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  // Every page waits as long as the other tests do (playwright's own default is 30 s, which a
  // busy 2-core box running four test files at once has exceeded); a wait still ends as soon
  // as its condition holds.
  const newPage = browser.newPage.bind(browser);
  browser.newPage = async (...args: Parameters<Browser['newPage']>) => {
    const page = await newPage(...args);
    page.setDefaultTimeout(DEFAULT_WAIT_MS);
    return page;
  };
  return browser;
}

/** Collects console errors and uncaught exceptions of `page` into the returned array. */
export function collectConsoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  return errors;
}
