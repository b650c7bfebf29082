/**
 * A provider problem must reach the trader as a sentence, never as a silently empty chart:
 * the dashboard runs on the Massive feed against the fake server, whose stocks cluster
 * answers "not authorized", and the chart's health badge must say so.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { createServer, type OptdeskServer } from '../../src/server/app.js';
import { nyTimeToMs } from '../../src/calendar/index.js';
import { startFakeMassive, type FakeMassive } from '../fakes/massive-server.js';
import { readAggregates, stockMinuteFile } from '../helpers/data.js';
import { massiveFeedFor } from '../helpers/massive.js';
import { scaled } from '../helpers/timeouts.js';

let fake: FakeMassive;
let server: OptdeskServer;
let url: string;
let dir: string;
let browser: Browser;

before(async () => {
  fake = await startFakeMassive();
  fake.setMinuteBars('SPY', readAggregates(stockMinuteFile('2013-10-10'), 'SPY'));
  fake.entitlementError('stocks');
  const feed = massiveFeedFor(fake, { reconnect: { initialMs: 50, maxMs: 200 } });
  dir = mkdtempSync(path.join(os.tmpdir(), 'optdesk-e2e-feed-'));
  server = createServer({ port: 0, feed, dbPath: path.join(dir, 'db.sqlite'), hub: { now: () => nyTimeToMs('2013-10-10', '11:00'), historySessions: 1 } });
  ({ url } = await server.listen());
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('an entitlement error shows in the health badge as a sentence', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
  await page.goto(url);
  const badge = page.getByTestId('health-badge');
  await badge.waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid="health-badge"]')?.getAttribute('data-state') === 'DEGRADED', null, { timeout: scaled(30_000) });
  const text = (await badge.innerText()).replace(/\s+/g, ' ');
  assert.match(text, /not (authorized|entitled)/i, text);
  const health = (await (await fetch(`${url}/api/health`)).json()) as { feed: { message?: string } };
  assert.match(health.feed.message ?? '', /not (authorized|entitled)/i);
  await page.close();
});
