/**
 * Browser test: one price on screen. With the replay playing at 600× (ten market minutes a
 * second) the watchlist, the toolbar and the options chain's spot marker must show the
 * same SPY price at every sampled moment — they all come from the hub's quotes stream.
 * The prototype-era dashboard polled /api/symbols every 2 s, so the three drifted apart.
 * Each sample reads all three in one page.evaluate (one synchronous look at the DOM).
 *
 * Needs Chromium (CHROMIUM_PATH, default /usr/bin/chromium) and a built web/dist.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, collectConsoleErrors } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { replayControl } from '../helpers/replay.js';
import { DEFAULT_WAIT_MS } from '../helpers/timeouts.js';

let srv: TestServer;
let browser: Browser;
let page: Page;
let errors: string[];

before(async () => {
  srv = await startTestServer({ session: '2013-10-10', time: '10:00', speed: 600, state: 'pause' });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  errors = collectConsoleErrors(page);
  await page.addInitScript(() => localStorage.setItem('optdesk.chart', JSON.stringify({ symbol: 'SPY', tf: '5m', extended: false })));
  await page.goto(srv.url);
});

after(async () => {
  await browser?.close();
  await srv?.close();
});

interface Sample {
  clock: string;
  watchlist: string;
  toolbar: string;
  marker: string;
}

/** The three prices as printed, read in one synchronous pass over the DOM. */
function readPrices(): Promise<Sample> {
  // A string, not a function: tsx would wrap inner arrow functions in a helper the page lacks.
  return page.evaluate(`(() => {
    const text = (sel) => document.querySelector(sel)?.textContent?.trim() ?? '';
    const firstNumber = (s) => /\\d[\\d,]*\\.\\d+/.exec(s)?.[0] ?? '';
    return {
      clock: text('[data-testid="replay-clock"] .rb-time'),
      watchlist: firstNumber(text('[data-testid="watchlist-SPY"] .wl-last')),
      toolbar: firstNumber(text('[data-testid="toolbar-symbol"] .tb-last')),
      marker: firstNumber(text('[data-testid="chain-spot"]')),
    };
  })()`);
}

/** The next sample whose replay clock differs from `prev`, or null once the replay has ended. */
async function nextClockOnScreen(prev: string): Promise<Sample | null> {
  const deadline = Date.now() + DEFAULT_WAIT_MS;
  for (;;) {
    const s = await readPrices();
    if (s.clock !== '' && s.clock !== prev) return s;
    const status = (await (await fetch(`${srv.url}/api/replay`)).json()) as { state: string };
    if (status.state === 'ended') return null;
    if (Date.now() > deadline) throw new Error(`the replay clock on screen stayed at ${prev} for ${DEFAULT_WAIT_MS} ms while playing`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('at 600× the watchlist, toolbar and chain marker show the same price at every sampled moment', async () => {
  await page.waitForSelector('[data-testid="chain-spot"]', { timeout: DEFAULT_WAIT_MS });
  await page.waitForFunction(() => /\d/.test(document.querySelector('[data-testid="watchlist-SPY"] .wl-last')?.textContent ?? ''), null, { timeout: DEFAULT_WAIT_MS });
  await replayControl(srv.url, { state: 'play' });

  const samples: Sample[] = [];
  let lastClock = '';
  while (samples.length < 12) {
    // Wait for the replay clock on screen to move: a new market minute has been played. On a
    // very busy machine the page may draw so few frames that the replay reaches the session's
    // end first; then the samples taken so far are what there is to compare.
    const s = await nextClockOnScreen(lastClock);
    if (!s) break;
    lastClock = s.clock;
    samples.push(s);
  }
  assert.ok(samples.length >= 4, `at least four moments sampled while playing: ${JSON.stringify(samples)}`);
  await replayControl(srv.url, { state: 'pause' });
  // Paused, the chart's last candle closes at that same price too (5m RTH chart, RTH clock).
  await page.waitForFunction(
    () => {
      const chart = document.querySelector<HTMLElement>('[data-testid="chart"]')?.dataset.lastClose;
      const shown = document.querySelector('[data-testid="watchlist-SPY"] .wl-last')?.textContent?.trim();
      return !!chart && Number(chart).toFixed(2) === shown;
    },
    null,
    { timeout: DEFAULT_WAIT_MS },
  );

  const moved = new Set(samples.map((s) => s.watchlist));
  assert.ok(moved.size > 1, `the price should move while playing at 600×: ${JSON.stringify(samples)}`);
  for (const s of samples) {
    assert.ok(s.watchlist !== '', `watchlist shows a price at ${s.clock}`);
    assert.equal(s.toolbar, s.watchlist, `toolbar vs watchlist at ${s.clock}: ${JSON.stringify(s)}`);
    assert.equal(s.marker, s.watchlist, `chain marker vs watchlist at ${s.clock}: ${JSON.stringify(s)}`);
  }
  assert.deepEqual(errors, []);
});

test('nothing polls /api/symbols: prices arrive over the socket', async () => {
  const polled: string[] = [];
  const onRequest = (r: { url(): string }) => {
    if (r.url().includes('/api/symbols')) polled.push(r.url());
  };
  page.on('request', onRequest);
  // From 10:00 again: on a slow machine the first test may have played the session to its close,
  // and a replay at the close has no clock changes left to wait for.
  await replayControl(srv.url, { time: '10:00', state: 'play' });
  const start = await readPrices();
  const startedAt = Date.now();
  // 25 clock changes on screen take several seconds of wall time at 600× — longer than the old 2 s poll
  // (fewer if the replay reaches the session's end first on a busy machine; the wall time is asserted).
  let prev = start.clock;
  for (let i = 0; i < 25; i++) {
    const s = await nextClockOnScreen(prev);
    if (!s) break;
    prev = s.clock;
  }
  const watchedMs = Date.now() - startedAt;
  page.off('request', onRequest);
  assert.ok(watchedMs > 4_000, `watched the playing replay for ${watchedMs} ms: more than two of the old 2 s polls`);
  await replayControl(srv.url, { state: 'pause' });
  assert.deepEqual(polled, [], 'the dashboard must not poll the watchlist');
});
