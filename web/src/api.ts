/**
 * The REST API the optdesk server exposes to the dashboard. Response shapes mirror the
 * server's routes; errors come back as `{error: {code, field?, message}}` and surface as an
 * ApiError whose message is the server's own sentence (apiError.ts).
 */
import type {
  BarsResponse,
  Drawing,
  FeedHealth,
  HealthResponse,
  ReplayControl,
  ReplaySessionInfo,
  ReplayStatus,
  WatchlistRow,
} from '../../src/wire/protocol.js';
import type { ChainResponse, ExpirationsResponse, MatrixEntry } from '../../src/wire/options-protocol.js';
import { apiErrorOf } from './apiError.js';

// Shapes are shared with the server through protocol.ts so the two cannot drift apart.
export type { Drawing, FeedHealth, HealthResponse, ReplayControl, WatchlistRow };
export type ReplaySession = ReplaySessionInfo;

async function request<T>(method: string, url: string, body?: unknown): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // A non-JSON body (proxy error page) falls through to the status-line message below.
  }
  if (!res.ok) throw apiErrorOf(res, parsed);
  return parsed as T;
}

export const api = {
  health: () => request<HealthResponse>('GET', '/api/health'),
  symbols: () => request<{ symbols: WatchlistRow[] }>('GET', '/api/symbols').then((r) => r.symbols),
  addSymbol: (symbol: string) => request<{ watchlist: string[] }>('POST', '/api/watchlist', { symbol }),
  removeSymbol: (symbol: string) => request<{ watchlist: string[] }>('DELETE', `/api/watchlist/${encodeURIComponent(symbol)}`),
  bars: (q: { symbol: string; tf: string; from: string; to: string; extended?: boolean }) =>
    request<BarsResponse>(
      'GET',
      `/api/bars?${new URLSearchParams({ symbol: q.symbol, tf: q.tf, from: q.from, to: q.to, ...(q.extended ? { extended: 'true' } : {}) })}`,
    ),
  replay: (control: ReplayControl) => request<ReplayStatus>('POST', '/api/replay', control),
  replaySessions: () => request<{ sessions: ReplaySession[] }>('GET', '/api/replay/sessions').then((r) => r.sessions),
  drawings: (symbol: string) =>
    request<{ drawings: Drawing[] }>('GET', `/api/drawings/${encodeURIComponent(symbol)}`).then((r) => r.drawings ?? []),
  saveDrawings: (symbol: string, drawings: Drawing[]) =>
    request<unknown>('PUT', `/api/drawings/${encodeURIComponent(symbol)}`, { drawings }),
  optionExpirations: (underlying: string) =>
    request<ExpirationsResponse>('GET', `/api/options/expirations?${new URLSearchParams({ underlying })}`),
  optionChain: (underlying: string, expiration: string) =>
    request<ChainResponse>('GET', `/api/options/chain?${new URLSearchParams({ underlying, expiration })}`),
  matrix: () => request<{ entries?: MatrixEntry[] }>('GET', '/api/matrix').then((r) => r?.entries ?? []),
  saveMatrix: (entries: MatrixEntry[]) => request<unknown>('PUT', '/api/matrix', { entries }),
};
