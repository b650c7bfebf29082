/**
 * A small local stand-in for Massive's full-market stocks snapshot endpoint
 * (`GET /v2/snapshot/locale/us/markets/stocks/tickers`), speaking its documented shape, so
 * the scanner's live source is tested through the official client. Kept apart from
 * massive-server.ts (the feed's fake) on purpose: one endpoint, one small file.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SnapshotTickerWire {
  ticker: string;
  todaysChangePerc?: number;
  todaysChange?: number;
  updated?: number;
  day?: { o: number; h: number; l: number; c: number; v: number; vw: number };
  min?: { av: number; t: number; n: number; o: number; h: number; l: number; c: number; v: number; vw: number };
  prevDay?: { o: number; h: number; l: number; c: number; v: number; vw: number };
  lastTrade?: { c: number[]; i: string; p: number; s: number; t: number; x: number; ds?: string };
}

export interface FakeSnapshotServer {
  url: string;
  /** What the next request answers: tickers (status 200) or an HTTP error. */
  respond(next: { tickers: unknown[] } | { status: number; body: unknown }): void;
  /** Every request's path and query, oldest first. */
  requests: Array<{ path: string; query: URLSearchParams }>;
  close(): Promise<void>;
}

export async function startFakeSnapshotServer(apiKey = 'test-key'): Promise<FakeSnapshotServer> {
  let next: { tickers: unknown[] } | { status: number; body: unknown } = { tickers: [] };
  const requests: FakeSnapshotServer['requests'] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push({ path: url.pathname, query: url.searchParams });
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.searchParams.get('apiKey') !== apiKey) return send(401, { status: 'ERROR', request_id: 'x', error: 'Unknown API Key' });
    if (url.pathname !== '/v2/snapshot/locale/us/markets/stocks/tickers') return send(404, { status: 'NOT_FOUND', message: 'Route not found' });
    if ('status' in next) return send(next.status, next.body);
    const wanted = url.searchParams.get('tickers')?.split(',');
    const tickers = wanted ? next.tickers.filter((t) => wanted.includes((t as { ticker: string }).ticker)) : next.tickers;
    return send(200, { status: 'OK', count: tickers.length, tickers });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    respond: (n) => {
      next = n;
    },
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
