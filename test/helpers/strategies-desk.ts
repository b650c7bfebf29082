/**
 * The desk in headless Chromium with the SPY 5-minute chart loaded and the Strategies dock open,
 * for the backtest panel and strategy instances browser tests.
 */
import type { Browser, Page } from 'playwright-core';
import { collectConsoleErrors, launchChromium } from './browser.js';

export async function openStrategiesDock(url: string, timeout: number): Promise<{ browser: Browser; page: Page; errors: string[] }> {
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  const errors = collectConsoleErrors(page);
  await page.addInitScript(() => localStorage.setItem('optdesk.chart', JSON.stringify({ symbol: 'SPY', tf: '5m', extended: false })));
  await page.goto(url);
  await page.waitForSelector('[data-testid="chart"][data-symbol="SPY"][data-tf="5m"]', { timeout });
  await page.click('[data-testid="strategies-open"]');
  return { browser, page, errors };
}
