/**
 * The HTML backtest report in Chromium: ORB on SPY 2013-10-07..11 from a store imported from
 * ../shared/data. The page must load offline (everything inlined), draw both charts without
 * console errors, and hand the charts the candles of the raw file (5-minute buckets of the
 * regular session), one entry and one exit marker per trade, and the equity after each trade.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium, collectConsoleErrors } from '../helpers/browser.js';
import { readAggregates, stockMinuteFile } from '../helpers/data.js';
import { optdesk } from '../helpers/optdesk.js';
import { nyTimeToMs } from '../../src/calendar/index.js';

const DAYS = ['2013-10-07', '2013-10-08', '2013-10-09', '2013-10-10', '2013-10-11'];

describe('backtest HTML report in Chromium', () => {
  let dir: string;
  let browser: Browser;
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'optdesk-bt-html-'));
    for (const d of DAYS) assert.equal(optdesk(['import', stockMinuteFile(d), '--db', path.join(dir, 't.db')]).code, 0);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('draws the equity curve and the candles with every trade\'s entry and exit, offline and without errors', async () => {
    const html = path.join(dir, 'orb.html');
    const json = optdesk(['backtest', '--strategy', 'orb', '--symbol', 'SPY', '--from', DAYS[0]!, '--to', DAYS.at(-1)!, '--db', path.join(dir, 't.db')]);
    const report = JSON.parse(json.stdout);
    assert.equal(optdesk(['backtest', '--strategy', 'orb', '--symbol', 'SPY', '--from', DAYS[0]!, '--to', DAYS.at(-1)!, '--format', 'html', '--out', html, '--db', path.join(dir, 't.db')]).code, 0);
    const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
    const errors = collectConsoleErrors(page);
    await page.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
    await page.goto(`file://${html}`);
    await page.waitForFunction(() => (window as unknown as { reportReady?: boolean }).reportReady === true);
    const drawn = await page.evaluate(() => {
      const d = (window as unknown as { reportData: { candles: unknown[]; markers: unknown[]; equity: unknown[] } }).reportData;
      return { candles: d.candles.length, markers: d.markers.length, equity: d.equity.length, canvases: document.querySelectorAll('#equity canvas, #price canvas').length, rows: document.querySelectorAll('#trades tr').length - 1 };
    });
    let buckets = 0;
    for (const day of DAYS) {
      const open = nyTimeToMs(day, '09:30');
      const starts = new Set(readAggregates(stockMinuteFile(day), 'SPY').filter((b) => b.start >= open && b.start < nyTimeToMs(day, '16:00')).map((b) => Math.floor((b.start - open) / 300_000)));
      buckets += starts.size;
    }
    assert.equal(drawn.candles, buckets);
    assert.equal(drawn.markers, 2 * report.trades.length);
    assert.equal(drawn.equity, report.trades.length + 1);
    assert.equal(drawn.rows, report.trades.length);
    assert.ok(drawn.canvases >= 2);
    assert.deepEqual(errors, []);
    // Screenshots for a human to look at, when the shots folder exists (it does on the dev machine).
    const shots = process.env.OPTDESK_SHOTS ?? '/work/shots/strategies';
    if (existsSync(shots)) await page.screenshot({ path: path.join(shots, 'orb-report-test.png'), fullPage: true });
    await page.close();
  });
});
