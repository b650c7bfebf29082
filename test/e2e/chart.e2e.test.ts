/**
 * Browser test of the chart against the real server (the prototype's failure: candles went
 * wrong when clicking through symbols and timeframes).
 *
 * 1. Replay paused at a fixed time: 100 shuffled symbol × timeframe switches (by click and
 *    by keyboard shortcut, with bursts of unchecked fast clicks in between so late
 *    messages for abandoned series really occur). After each, the chart's data-bar-count /
 *    data-last-start / data-last-close must equal GET /api/bars for the same series.
 * 2. Replay playing: the forming bar updates and new bars appear without a reload, and the
 *    chart still equals GET /api/bars once paused again.
 * No console errors throughout.
 *
 * Needs Chromium (CHROMIUM_PATH, default /usr/bin/chromium) and a built web/dist.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, collectConsoleErrors } from '../helpers/browser.js';
import type { ReplayStatus, WireBar } from '../../src/wire/protocol.js';
import { startTestServer } from '../helpers/server.js';
import { scaled } from '../helpers/timeouts.js';

const SESSION = '2013-10-10';
const TIME = '11:00';
const SYMBOLS = ['SPY', 'AIG', 'BAC'];
const TIMEFRAMES = ['1m', '3m', '5m', '15m', '1h', '4h', '1D'] as const;
const SWITCHES = 100;

interface ChartAttrs {
  symbol?: string;
  tf?: string;
  barCount?: string;
  firstStart?: string;
  lastStart?: string;
  lastClose?: string;
  lastVolume?: string;
  loading?: string;
}

/** Deterministic shuffle so a failure can be replayed (seed printed on failure). */
function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffledSwitches(n: number, rand: () => number): Array<{ symbol: string; tf: string }> {
  const all = SYMBOLS.flatMap((symbol) => TIMEFRAMES.map((tf) => ({ symbol, tf: tf as string })));
  const out: Array<{ symbol: string; tf: string }> = [];
  while (out.length < n) {
    const deck = [...all];
    for (let i = deck.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [deck[i], deck[j]] = [deck[j]!, deck[i]!];
    }
    for (const s of deck) {
      const prev = out[out.length - 1];
      if (prev && prev.symbol === s.symbol && prev.tf === s.tf) continue; // a switch must switch
      out.push(s);
    }
  }
  return out.slice(0, n);
}

const nyDateFmt = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York', year: 'numeric', month: '2-digit', day: '2-digit' });
const nyDate = (ms: number) => nyDateFmt.format(new Date(ms));

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  assert.equal(res.status, 200, `GET ${url} → ${res.status}`);
  return (await res.json()) as T;
}

async function postJson<T>(url: string, body: unknown): Promise<T> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.ok(res.ok, `POST ${url} ${JSON.stringify(body)} → ${res.status} ${await res.clone().text()}`);
  return (await res.json()) as T;
}

async function chartAttrs(page: Page): Promise<ChartAttrs> {
  return page.$eval('[data-testid="chart"]', (el) => ({ ...(el as HTMLElement).dataset }));
}

/** Wait until the chart has drawn the snapshot of exactly this series. */
async function waitForSeries(page: Page, symbol: string, tf: string): Promise<void> {
  await page.waitForFunction(
    ([s, t]) => {
      const el = document.querySelector<HTMLElement>('[data-testid="chart"]');
      return !!el && el.dataset.symbol === s && el.dataset.tf === t && el.dataset.loading === undefined && el.dataset.barCount !== undefined;
    },
    [symbol, tf],
    { timeout: scaled(30_000) },
  );
}

/**
 * The chart must show exactly what GET /api/bars returns for its series: same number of
 * bars from the chart's first bar on, same last bar start and close. Retries briefly so a
 * delta in flight (while playing) doesn't fail the check.
 */
async function assertChartMatchesApi(page: Page, base: string, symbol: string, tf: string, context: string): Promise<void> {
  let detail = '';
  for (let attempt = 0; attempt < 20; attempt++) {
    const a = await chartAttrs(page);
    const firstStart = Number(a.firstStart);
    if (a.symbol === symbol && a.tf === tf && a.loading === undefined && Number.isFinite(firstStart) && a.firstStart !== '') {
      const q = new URLSearchParams({ symbol, tf, from: nyDate(firstStart), to: SESSION });
      const { bars } = await getJson<{ bars: WireBar[] }>(`${base}/api/bars?${q}`);
      const expected = bars.filter((b) => b.start >= firstStart);
      const last = expected[expected.length - 1];
      const ok =
        Number(a.barCount) === expected.length &&
        last !== undefined &&
        Number(a.lastStart) === last.start &&
        Number(a.lastClose) === last.close;
      if (ok) return;
      detail = `chart ${JSON.stringify(a)} vs api count=${expected.length} lastStart=${last?.start} lastClose=${last?.close}`;
    } else {
      detail = `chart not showing ${symbol} ${tf}: ${JSON.stringify(a)}`;
    }
    await page.waitForTimeout(150);
  }
  assert.fail(`${context}: ${symbol} ${tf}: ${detail}`);
}

async function selectSeries(page: Page, symbol: string, tf: string, viaKeyboard: boolean): Promise<void> {
  // Always click: data-symbol shows the last *drawn* series, which after a burst of fast
  // clicks may differ from the selected one. Clicking the selected row is a no-op.
  await page.click(`[data-testid="watchlist-${symbol}"]`);
  if (viaKeyboard) {
    await page.keyboard.press(String(TIMEFRAMES.indexOf(tf as (typeof TIMEFRAMES)[number]) + 1));
  } else {
    await page.click(`[data-testid="tf-${tf}"]`);
  }
}

describe('chart e2e', () => {
  let server: { url: string; close(): Promise<void> };
  let browser: Browser;
  let page: Page;
  let consoleErrors: string[] = [];

  before(async () => {
    server = await startTestServer({ session: SESSION, time: TIME });
    await postJson<ReplayStatus>(`${server.url}/api/replay`, { session: SESSION, time: TIME, state: 'pause' });
    const { symbols } = await getJson<{ symbols: Array<{ symbol: string }> }>(`${server.url}/api/symbols`);
    for (const s of SYMBOLS) {
      if (!symbols.some((r) => r.symbol === s)) await postJson(`${server.url}/api/watchlist`, { symbol: s });
    }
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    consoleErrors = collectConsoleErrors(page);
    await page.goto(server.url);
    await page.waitForSelector('[data-testid="watchlist-SPY"]');
    await page.waitForSelector('[data-testid="chart"][data-bar-count]');
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test(`${SWITCHES} shuffled symbol × timeframe switches match GET /api/bars (replay paused at ${SESSION} ${TIME})`, async () => {
    const seed = Number(process.env.E2E_SEED ?? 20131010);
    const rand = mulberry32(seed);
    const plan = shuffledSwitches(SWITCHES, rand);
    for (const [i, s] of plan.entries()) {
      if (i % 10 === 5) {
        // Fast unchecked clicks: the server is still answering these when we move on.
        for (let k = 0; k < 3; k++) {
          const sym = SYMBOLS[Math.floor(rand() * SYMBOLS.length)]!;
          const tf = TIMEFRAMES[Math.floor(rand() * TIMEFRAMES.length)]!;
          await page.click(`[data-testid="watchlist-${sym}"]`);
          await page.click(`[data-testid="tf-${tf}"]`);
        }
      }
      await selectSeries(page, s.symbol, s.tf, i % 2 === 1);
      await waitForSeries(page, s.symbol, s.tf);
      await assertChartMatchesApi(page, server.url, s.symbol, s.tf, `switch ${i + 1}/${SWITCHES} (seed ${seed})`);
    }
    assert.deepEqual(consoleErrors, [], 'no console errors');
  });

  test('replay playing: the forming bar updates and new bars appear without reload', async () => {
    await selectSeries(page, 'SPY', '5m', false);
    await waitForSeries(page, 'SPY', '5m');
    await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
    const start = await chartAttrs(page);

    // 30×: a replay minute every 2 s, so a 5-minute bar is seen forming, then closing.
    await postJson<ReplayStatus>(`${server.url}/api/replay`, { speed: 30, state: 'play' });
    let formingUpdated = false;
    let newBar = false;
    let prev = start;
    const deadline = Date.now() + scaled(45_000);
    try {
      while (Date.now() < deadline && !(formingUpdated && newBar)) {
        await page.waitForTimeout(100);
        const a = await chartAttrs(page);
        if (a.lastStart === prev.lastStart && (a.lastVolume !== prev.lastVolume || a.lastClose !== prev.lastClose)) formingUpdated = true;
        if (Number(a.lastStart) > Number(prev.lastStart) && Number(a.barCount) > Number(prev.barCount)) newBar = true;
        prev = a;
      }
    } finally {
      await postJson<ReplayStatus>(`${server.url}/api/replay`, { state: 'pause' });
    }
    assert.ok(formingUpdated, `the forming 5m bar never updated (last ${JSON.stringify(prev)})`);
    assert.ok(newBar, `no new 5m bar appeared (start ${JSON.stringify(start)}, last ${JSON.stringify(prev)})`);
    assert.equal(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload), true, 'page reloaded');
    await assertChartMatchesApi(page, server.url, 'SPY', '5m', 'after playing');
    assert.deepEqual(consoleErrors, [], 'no console errors');
  });
});
