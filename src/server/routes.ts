/**
 * The REST API. Every input goes through a zod schema from src/wire/protocol.ts; replies
 * are the shapes declared there. Bars come from the hub's engine — the same series the
 * socket snapshots carry — so a chart and /api/bars can never disagree.
 */
import type { FastifyInstance } from 'fastify';

import { InputError } from '../core/errors.js';
import { addDays, nyMidnight, nyTimeToMs, sessionOn } from '../calendar/index.js';
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
} from '../wire/protocol.js';
import type { ReplayFeed } from '../feeds/replay/index.js';
import type { QuotesHub } from '../hub/quotes-hub.js';
import { tryParseOptionTicker } from '../core/occ.js';
import { HttpError, parseOr400 } from './errors.js';

export const DEFAULT_WATCHLIST = ['SPY', 'AIG', 'BAC', 'GOOG'];
const WATCHLIST_KEY = 'watchlist';
const WATCHLIST_MAX = 100;

export interface RouteDeps {
  hub: ChartHub;
  store: MarketStore;
  /** Present when the server runs the replay feed. */
  replay?: ReplayFeed;
  /** Called after a replay control was applied (the server persists the position). */
  onReplayControl?: () => void;
  /** Watchlist rows (the same the quotes stream pushes). */
  quotes: QuotesHub;
}

export function registerApiRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { hub, store, replay, quotes } = deps;

  const watchlist = (): string[] => {
    const saved = store.setting<unknown>(WATCHLIST_KEY);
    if (saved === undefined) return [...DEFAULT_WATCHLIST];
    if (Array.isArray(saved) && saved.every((s) => typeof s === 'string')) return saved as string[];
    // Readable JSON of the wrong shape: keep it aside (the store warns) and start from the default.
    store.quarantineSetting(WATCHLIST_KEY, 'not a list of symbols');
    return [...DEFAULT_WATCHLIST];
  };

  app.get('/api/health', async (): Promise<HealthResponse> => {
    const feed = hub.feedHealth();
    const replayStatus = hub.replayStatus();
    const degraded = feed.mode === 'degraded' || feed.mode === 'down';
    return { status: degraded ? 'degraded' : 'ok', feed, ...(replayStatus ? { replay: replayStatus } : {}) };
  });

  app.get('/api/symbols', async () => {
    const rows: WatchlistRow[] = [];
    for (const symbol of watchlist()) {
      await hub.ensureLoaded(symbol);
      rows.push(quotes.row(symbol));
    }
    return { symbols: rows };
  });

  app.post('/api/watchlist', async (request) => {
    const { symbol } = parseOr400(WatchlistAddSchema, request.body ?? {}, 'body');
    const list = watchlist();
    if (!list.includes(symbol)) {
      const unknown = await unknownSymbol(deps, symbol);
      if (unknown) throw new HttpError(400, `symbol: ${unknown}`);
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
    const bars = await hub.bars({ symbol: q.symbol, tf: q.tf, extended: q.extended, badPrints: q.badPrints }, fromMs, toMs);
    const coverage = hub.coverage(q);
    return { symbol: q.symbol, tf: q.tf, bars: bars.map(toWireBar), ...(coverage ? { coverage } : {}) };
  });

  app.get('/api/replay', async () => {
    const status = hub.replayStatus();
    if (!status) throw new HttpError(409, replayUnavailable(deps), { field: null });
    return status;
  });

  app.post('/api/replay', async (request) => {
    const control = parseOr400(ReplayControlSchema, request.body ?? {}, 'body');
    if (!replay || !hub.replayStatus()) throw new HttpError(409, replayUnavailable(deps), { field: null });
    if (control.time !== undefined) checkReplayTime(control.session ?? replay.currentSession(), control.time);
    const status = await replay.control(control);
    deps.onReplayControl?.();
    return status;
  });

  app.get('/api/replay/sessions', async () => {
    if (!replay) throw new HttpError(409, replayUnavailable(deps), { field: null });
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
    throw new HttpError(404, `path: no API route ${request.method} ${request.url.split('?')[0]}`, { code: 'NO_ROUTE' });
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

/** A replay time outside the session's data (04:00–20:00 ET, less on early closes) is refused, not silently moved. */
function checkReplayTime(date: string, time: string): void {
  const session = sessionOn(date);
  if (!session) return; // the feed names an unknown session itself
  const at = nyTimeToMs(date, time);
  const hhmm = (ms: number) => new Intl.DateTimeFormat('en-GB', { timeZone: 'America/New_York', hour: '2-digit', minute: '2-digit', hour12: false }).format(ms);
  if (at < session.preOpen) {
    throw new HttpError(400, `time: ${time} is before the session's data, which starts at ${hhmm(session.preOpen)} ET (pre-market) on ${date}`);
  }
  if (at > session.postClose) {
    throw new HttpError(400, `time: ${time} is after the session's data, which ends at ${hhmm(session.postClose)} ET (after-hours) on ${date}`);
  }
}

function replayUnavailable(deps: RouteDeps): string {
  if (deps.replay) return `replay: ${deps.replay.status().message ?? 'the replay has no recorded sessions'}`;
  return `replay: the server runs the ${deps.hub.feed.kind} feed; replay controls need the replay feed (unset MASSIVE_API_KEY)`;
}

/**
 * Why `symbol` cannot go on the watchlist, or undefined when it can. The replay knows every
 * ticker it can show (recorded sessions, vendor daily files) and the store what was
 * imported; a live feed without a reference lookup accepts the ticker, and its row says
 * "No data for …" until a trade prints.
 */
async function unknownSymbol(deps: RouteDeps, symbol: string): Promise<string | undefined> {
  const { replay, store } = deps;
  if (!replay) return undefined;
  // An option contract is as known as its underlying (its own bars are another matter).
  const stock = symbol.startsWith('O:') ? (tryParseOptionTicker(symbol)?.underlying ?? symbol) : symbol;
  if (replay.sessionsOf(stock).length > 0) return undefined;
  if (store.symbols().some((s) => s.symbol === stock)) return undefined;
  if ((await replay.fetchDailyHistory(stock)).length > 0) return undefined;
  const known = [...new Set(replay.recordedSessions().flatMap((s) => s.symbols))].sort().join(', ');
  return `${symbol} is not a ticker optdesk has data for — it is in no recorded session, daily file or import (recorded: ${known}). Check the spelling.`;
}
