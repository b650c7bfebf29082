/**
 * The REST API. Every input goes through a zod schema from src/hub/protocol.ts; replies
 * are the shapes declared there. Bars come from the hub's engine — the same series the
 * socket snapshots carry — so a chart and /api/bars can never disagree.
 */
import type { FastifyInstance } from 'fastify';

import { InputError } from '../core/errors.js';
import { addDays, nyDate, nyMidnight, previousSession } from '../calendar/index.js';
import type { MarketStore } from '../store/types.js';
import type { ChartHub } from '../hub/hub.js';
import { toWireBar } from '../hub/hub.js';
import {
  type BarsResponse,
  type HealthResponse,
  type WatchlistRow,
  BarsQuerySchema,
  DrawingsBodySchema,
  ReplayControlSchema,
  SymbolParamSchema,
  WatchlistAddSchema,
} from '../hub/protocol.js';
import type { ReplayFeed } from '../feeds/replay/index.js';
import { HttpError, parseOr400 } from './errors.js';

export const DEFAULT_WATCHLIST = ['SPY', 'AIG', 'BAC', 'GOOG'];
const WATCHLIST_KEY = 'watchlist';
const WATCHLIST_MAX = 100;

export interface RouteDeps {
  hub: ChartHub;
  store: MarketStore;
  /** Present when the server runs the replay feed. */
  replay?: ReplayFeed;
}

export function registerApiRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { hub, store, replay } = deps;

  const watchlist = (): string[] => {
    const saved = store.setting<unknown>(WATCHLIST_KEY);
    return Array.isArray(saved) && saved.every((s) => typeof s === 'string') ? (saved as string[]) : [...DEFAULT_WATCHLIST];
  };

  app.get('/api/health', async (): Promise<HealthResponse> => {
    const feed = hub.feedHealth();
    const replayStatus = hub.replayStatus();
    const degraded = feed.mode === 'degraded' || feed.mode === 'down';
    return { status: degraded ? 'degraded' : 'ok', feed, ...(replayStatus ? { replay: replayStatus } : {}) };
  });

  app.get('/api/symbols', async () => {
    const rows: WatchlistRow[] = [];
    for (const symbol of watchlist()) rows.push(await watchlistRow(deps, symbol));
    return { symbols: rows };
  });

  app.post('/api/watchlist', async (request) => {
    const { symbol } = parseOr400(WatchlistAddSchema, request.body ?? {}, 'body');
    const list = watchlist();
    if (!list.includes(symbol)) {
      if (list.length >= WATCHLIST_MAX) throw new HttpError(400, `symbol: the watchlist already holds ${WATCHLIST_MAX} symbols`);
      list.push(symbol);
      store.setSetting(WATCHLIST_KEY, list);
    }
    return { watchlist: list };
  });

  app.delete('/api/watchlist/:symbol', async (request) => {
    const { symbol } = parseOr400(SymbolParamSchema, request.params, 'symbol');
    const list = watchlist();
    if (!list.includes(symbol)) throw new HttpError(404, `symbol: ${symbol} is not on the watchlist`);
    const next = list.filter((s) => s !== symbol);
    store.setSetting(WATCHLIST_KEY, next);
    return { watchlist: next };
  });

  app.get('/api/bars', async (request): Promise<BarsResponse> => {
    const q = parseOr400(BarsQuerySchema, request.query, 'query');
    const fromMs = q.from !== undefined ? dayStart('from', q.from) : undefined;
    const toMs = q.to !== undefined ? dayStart('to', addDays(q.to, 1)) : undefined;
    if (fromMs !== undefined && toMs !== undefined && toMs <= fromMs) throw new HttpError(400, `to: ${q.to} is before from ${q.from}`);
    const bars = await hub.bars({ symbol: q.symbol, tf: q.tf, extended: q.extended }, fromMs, toMs);
    const coverage = hub.coverage(q);
    return { symbol: q.symbol, tf: q.tf, bars: bars.map(toWireBar), ...(coverage ? { coverage } : {}) };
  });

  app.get('/api/replay', async () => {
    const status = hub.replayStatus();
    if (!status) throw new HttpError(409, replayUnavailable(deps));
    return status;
  });

  app.post('/api/replay', async (request) => {
    const control = parseOr400(ReplayControlSchema, request.body ?? {}, 'body');
    if (!replay || !hub.replayStatus()) throw new HttpError(409, replayUnavailable(deps));
    return replay.control(control);
  });

  app.get('/api/replay/sessions', async () => {
    if (!replay) throw new HttpError(409, replayUnavailable(deps));
    return { sessions: replay.recordedSessions().map((s) => ({ date: s.date, symbols: s.symbols })) };
  });

  app.get('/api/drawings/:symbol', async (request) => {
    const { symbol } = parseOr400(SymbolParamSchema, request.params, 'symbol');
    return { drawings: store.drawings(symbol) };
  });

  app.put('/api/drawings/:symbol', async (request) => {
    const { symbol } = parseOr400(SymbolParamSchema, request.params, 'symbol');
    const { drawings } = parseOr400(DrawingsBodySchema, request.body ?? {}, 'body');
    const seen = new Set<string>();
    drawings.forEach((d, i) => {
      if (seen.has(d.id)) throw new HttpError(400, `drawings.${i}.id: duplicate id "${d.id}"`);
      seen.add(d.id);
    });
    store.saveDrawings(symbol, drawings);
    return { drawings };
  });

  // Unknown /api paths answer in the API's own error shape, not an HTML page.
  app.all('/api/*', async (request) => {
    throw new HttpError(404, `path: no API route ${request.method} ${request.url.split('?')[0]}`);
  });
}

function dayStart(field: string, date: string): number {
  try {
    return nyMidnight(date);
  } catch (err) {
    if (err instanceof InputError) throw new InputError(field, err.reason);
    throw err;
  }
}

function replayUnavailable(deps: RouteDeps): string {
  if (deps.replay) return `replay: ${deps.replay.status().message ?? 'the replay has no recorded sessions'}`;
  return `replay: the server runs the ${deps.hub.feed.kind} feed; replay controls need the replay feed (unset MASSIVE_API_KEY)`;
}

/** One watchlist row: last price at the current (replay) time and change versus the previous session's close. */
async function watchlistRow(deps: RouteDeps, symbol: string): Promise<WatchlistRow> {
  const { hub, replay } = deps;
  await hub.ensureLoaded(symbol);
  const engine = hub.engine;
  const date = replay?.currentSession() || nyDate(hub.feedNow());
  const sessionStart = nyMidnight(date);
  const lastMinute = engine.lastBar(symbol, '1m', true);
  const last = lastMinute && lastMinute.start >= sessionStart ? lastMinute.close : null;
  const previousDaily = engine.series(symbol, '1D', false, undefined, sessionStart).at(-1);
  // Only the previous session's close: an older bar (a gap in the data) is no reference for "change".
  const prevClose = previousDaily && previousDaily.start === previousSession(date).midnight ? previousDaily.close : null;
  const change = last !== null && prevClose !== null ? round(last - prevClose, 4) : null;
  const changePct = change !== null && prevClose ? round((change / prevClose) * 100, 2) : null;
  const hasData = replay ? replay.hasData(symbol) : last !== null;
  const message = replay ? replay.noDataMessage(symbol) : hasData ? undefined : `No data for ${symbol} on ${date}`;
  return {
    symbol,
    last,
    change,
    changePct,
    hasData,
    ...(message ? { message } : {}),
    sessions: replay ? replay.sessionsOf(symbol) : [],
  };
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

