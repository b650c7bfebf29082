/**
 * A local fake of Massive (formerly Polygon.io) for tests: one node:http server for REST
 * plus a `ws` WebSocketServer for the `/stocks` and `/options` clusters, bound to
 * 127.0.0.1 only. It speaks the documented wire shapes so the vendor's official client
 * (`@massive.com/client-js`) can be pointed at it unchanged:
 *
 * REST (key as `apiKey` query param or `Authorization: Bearer`):
 * - `GET /v2/aggs/ticker/{t}/range/1/{minute|day}/{from}/{to}` — from/to ms or YYYY-MM-DD
 *   (inclusive), `sort`, `limit` (default 5,000, max 50,000 base bars), `next_url` with
 *   the next bar's time in the path and a `cursor`, as Massive does (absolute, optionally on
 *   another host: `nextUrlBase`); `"status":"DELAYED"` with `restDelayed`.
 * - `GET /v3/snapshot/options/{underlying}` — limit ≤ 250, cursor pagination.
 * - `GET /v3/reference/options/contracts` — limit ≤ 1,000, `expired`, cursor pagination.
 * - Errors: 401 `{"status":"ERROR","error":"Unknown API Key"}`, 429 with `Retry-After`.
 *
 * WebSocket: `[{"ev":"status","status":"connected"}]` on open, `{"action":"auth"}` →
 * `auth_success` / `auth_failed` (+ close), `subscribe`/`unsubscribe` with
 * `"AM.SPY,A.SPY"` / `"Q.O:…"` params → `success` statuses, one connection per cluster
 * (`max_connections` for the next), at most 1,000 option contracts per connection.
 *
 * Facts we could not confirm from public docs are marked "assumed" below.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import type { MinuteAggregate } from '../../src/core/types.js';

export type FakeCluster = 'stocks' | 'options';

/** One contract the fake's option endpoints know, with its latest NBBO. */
export interface FakeOptionContract {
  ticker: string;
  underlying: string;
  type: 'call' | 'put';
  strike: number;
  /** YYYY-MM-DD */
  expiration: string;
  bid?: number;
  bidSize?: number;
  ask?: number;
  askSize?: number;
  /** Epoch ms of the last quote. */
  quoteTs?: number;
  openInterest?: number;
  impliedVolatility?: number;
  underlyingPrice?: number;
  /** Massive's own greeks for the snapshot row; omitted when absent (deep ITM, or no quote). */
  greeks?: { delta: number; gamma: number; theta: number; vega: number };
  /** The row comes without `last_quote` at all (assumed: what a plan without option quotes gets). */
  noQuote?: boolean;
}

/** A raw options `Q` event; omit a side to model "no bid"/"no ask". */
export interface FakeQuoteEvent {
  sym: string;
  t: number;
  bp?: number;
  ap?: number;
  bs?: number;
  as?: number;
  bx?: number;
  ax?: number;
  q?: number;
}

export interface FakeMassiveOptions {
  port?: number;
  apiKey?: string;
  /** Massive allows one connection per cluster per account. */
  maxConnectionsPerCluster?: number;
  /** Massive allows 1,000 option contracts per connection. */
  maxOptionContracts?: number;
  /**
   * Largest aggregates page the server hands out (default 50,000, Massive's cap). Tests
   * lower it to exercise `next_url` pagination without shipping months of bars.
   */
  aggsMaxLimit?: number;
  /** "Today" for the contracts endpoint's `expired` filter when no `as_of` is given (default: real today). */
  today?: string;
  /** How long a closed connection still counts against the account's limit (default 0). */
  releaseDelayMs?: number;
  /** A missing quote side is sent as price 0 (`bid: 0` in snapshots) instead of being left out. */
  missingSidesAsZero?: boolean;
  /** REST aggregates answer `"status":"DELAYED"` (a delayed plan) instead of `"OK"`. */
  restDelayed?: boolean;
  /**
   * `next_url`s point at this base instead of the fake's own address — Massive's are absolute
   * (`https://api.massive.com/...`), whatever host the request went to.
   */
  nextUrlBase?: string;
}

export interface FakeMassive {
  readonly restUrl: string;
  readonly wsUrl: string;
  readonly optionsWsUrl: string;
  readonly apiKey: string;
  /** Every REST request seen: path and query (apiKey removed). */
  readonly requests: Array<{ path: string; query: Record<string, string> }>;
  /** Every client WebSocket message seen, parsed when JSON. */
  readonly received: Array<{ cluster: FakeCluster; message: unknown }>;
  close(): Promise<void>;
  setMinuteBars(symbol: string, bars: readonly MinuteAggregate[]): void;
  /** The vendor's daily bars (`/range/1/day/`), each starting at 00:00 New York. */
  setDailyBars(symbol: string, bars: readonly MinuteAggregate[]): void;
  setOptionContracts(contracts: readonly FakeOptionContract[]): void;
  /** Sends an `AM` to stocks sockets subscribed to it; resolves to the number of recipients. */
  pushAM(agg: MinuteAggregate): number;
  pushA(agg: MinuteAggregate, durationMs?: number): number;
  pushQuote(quote: FakeQuoteEvent): number;
  delayRest(ms: number): void;
  failAuth(on?: boolean): void;
  /** Subscriptions on `cluster` answer with a "not authorized" status error. */
  entitlementError(cluster: FakeCluster, message?: string): void;
  /**
   * A per-minute request budget like Massive's plans (free tier: 5 a minute): requests past
   * `limit` within the last 60 s of `now()` answer 429 *without* Retry-After, as Massive does.
   */
  rateLimitPerMinute(limit: number, now?: () => number): void;
  /** The next `n` REST requests answer 429 with `Retry-After: retryAfterSeconds`. */
  rateLimit(nRequests: number, retryAfterSeconds?: number): void;
  dropConnections(): void;
  refuseConnectionsFor(ms: number): void;
  /**
   * The cluster's current sockets become a black hole without closing: nothing is sent to
   * them, nothing they send (pings, close frames) is read. Massive still counts them as
   * connected (`connections()`, `max_connections`) until `expireStalled()`.
   */
  stall(cluster: FakeCluster): void;
  /** Ends the stalled sockets, as Massive eventually does with a dead peer. */
  expireStalled(): void;
  /** The next pushed event is sent twice in one frame. */
  duplicateNext(): void;
  /** The next pushed event is held back and sent after the one following it. */
  reorderNext(): void;
  sendRaw(text: string, cluster?: FakeCluster): number;
  /**
   * One stocks frame holding several events, as Massive batches them: aggregates of any
   * symbol and status messages in between. Sent to every authenticated stocks socket.
   */
  pushMixed(items: ReadonlyArray<['AM' | 'A', MinuteAggregate] | ['status', string, string]>): number;
  /** Authenticated connections per cluster. */
  connections(cluster: FakeCluster): number;
  /** Union of the subscription params of authenticated sockets on a cluster. */
  subscriptions(cluster: FakeCluster): Set<string>;
}

interface Client {
  socket: WebSocket;
  cluster: FakeCluster;
  authed: boolean;
  subs: Set<string>;
  stalled: boolean;
}

const AGGS_DEFAULT_LIMIT = 5000;
const AGGS_MAX_LIMIT = 50_000;
const SNAPSHOT_DEFAULT_LIMIT = 10;
const SNAPSHOT_MAX_LIMIT = 250;
const CONTRACTS_DEFAULT_LIMIT = 10;
const CONTRACTS_MAX_LIMIT = 1000;

export async function startFakeMassive(options: FakeMassiveOptions = {}): Promise<FakeMassive> {
  const apiKey = options.apiKey ?? 'test-key';
  const maxConnections = options.maxConnectionsPerCluster ?? 1;
  const maxOptionContracts = options.maxOptionContracts ?? 1000;
  const today = options.today ?? new Date().toISOString().slice(0, 10);

  const bars = new Map<string, MinuteAggregate[]>();
  const dailyBars = new Map<string, MinuteAggregate[]>();
  let contracts: FakeOptionContract[] = [];
  const clients = new Set<Client>();
  const timers = new Set<NodeJS.Timeout>();
  const requests: FakeMassive['requests'] = [];
  const received: FakeMassive['received'] = [];
  const dayVolume = new Map<string, { day: number; volume: number; open: number }>();

  let restDelayMs = 0;
  let authFails = false;
  const entitlement = new Map<FakeCluster, string>();
  let rateLimitLeft = 0;
  let perMinute: { limit: number; now: () => number; accepted: number[] } | undefined;
  let retryAfterSeconds = 1;
  let refuseUntil = 0;
  let duplicatePending = false;
  let reorderPending = false;
  let held: { cluster: FakeCluster; topic: string; event: object } | undefined;
  let requestSeq = 0;
  let restUrl = '';
  const nextBase = (): string => options.nextUrlBase ?? restUrl;

  // ------------------------------------------------------------------ REST

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const query = Object.fromEntries(url.searchParams);
    const givenKey = query.apiKey ?? /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    delete query.apiKey;
    requests.push({ path: url.pathname, query });
    const requestId = `fake-${++requestSeq}`;

    const reply = (status: number, body: object, headers: Record<string, string> = {}): void => {
      const send = (): void => {
        if (res.destroyed) return;
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify({ request_id: requestId, ...body }));
      };
      if (restDelayMs > 0) later(restDelayMs, send);
      else send();
    };

    if (req.method !== 'GET') return reply(405, { status: 'ERROR', error: 'Method not allowed' });
    if (!givenKey) return reply(401, { status: 'ERROR', error: 'API Key was not provided' });
    if (givenKey !== apiKey || authFails) return reply(401, { status: 'ERROR', error: 'Unknown API Key' });
    if (perMinute) {
      const t = perMinute.now();
      perMinute.accepted = perMinute.accepted.filter((at) => at > t - 60_000);
      if (perMinute.accepted.length >= perMinute.limit) {
        return reply(429, {
          status: 'ERROR',
          error: "You've exceeded the maximum requests per minute, please wait or upgrade your subscription to continue. https://massive.com/pricing",
        });
      }
      perMinute.accepted.push(t);
    }
    if (rateLimitLeft > 0) {
      rateLimitLeft--;
      return reply(
        429,
        {
          status: 'ERROR',
          error: "You've exceeded the maximum requests per minute, please wait or upgrade your subscription to continue. https://massive.com/pricing",
        },
        { 'retry-after': String(retryAfterSeconds) },
      );
    }

    let m: RegExpExecArray | null;
    if ((m = /^\/v2\/aggs\/ticker\/([^/]+)\/range\/(\d+)\/([a-z]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname))) {
      const [, ticker, multiplier, timespan, fromRaw, toRaw] = m as unknown as [string, string, string, string, string, string];
      return reply(...aggregates(decodeURIComponent(ticker), multiplier, timespan, fromRaw, toRaw, query));
    }
    if ((m = /^\/v3\/snapshot\/options\/([^/]+)$/.exec(url.pathname))) {
      return reply(...chainSnapshot(decodeURIComponent(m[1] ?? ''), query));
    }
    if (url.pathname === '/v3/reference/options/contracts') {
      return reply(...contractsReference(query));
    }
    return reply(404, { status: 'NOT_FOUND', message: 'Route not found' });
  });

  function aggregates(
    ticker: string,
    multiplier: string,
    timespan: string,
    fromRaw: string,
    toRaw: string,
    query: Record<string, string>,
  ): [number, object] {
    if (multiplier !== '1' || (timespan !== 'minute' && timespan !== 'day')) {
      return [400, { status: 'ERROR', error: 'The fake Massive server only serves 1/minute and 1/day aggregates.' }];
    }
    const cursor = decodeCursor(query.cursor);
    const sort = String(cursor.sort ?? query.sort ?? 'asc');
    const adjusted = String(cursor.adjusted ?? query.adjusted ?? 'true') !== 'false';
    const limit = clamp(Number(cursor.limit ?? query.limit ?? AGGS_DEFAULT_LIMIT), 1, options.aggsMaxLimit ?? AGGS_MAX_LIMIT);
    const from = parseBound(fromRaw, 'start');
    const to = parseBound(toRaw, 'end');
    if (from === undefined || to === undefined) {
      return [400, { status: 'ERROR', error: `Could not parse the 'from'/'to' parameters (${fromRaw}, ${toRaw}).` }];
    }
    const all = ((timespan === 'day' ? dailyBars : bars).get(ticker) ?? []).filter((b) => b.start >= from && b.start <= to);
    if (sort === 'desc') all.reverse();
    const page = all.slice(0, limit);
    const rest = all[limit];
    const base = {
      ticker,
      queryCount: page.length,
      resultsCount: page.length,
      adjusted,
      status: options.restDelayed ? 'DELAYED' : 'OK',
      ...(page.length > 0 && {
        results: page.map((b) => ({
          v: b.volume,
          ...(b.vwap !== undefined && { vw: b.vwap }),
          o: b.open,
          c: b.close,
          h: b.high,
          l: b.low,
          t: b.start,
          ...(b.trades !== undefined && { n: b.trades }),
        })),
      }),
    };
    if (!rest) return [200, base];
    // Massive moves the window edge in the path to the next bar and keeps the rest in `cursor`.
    const nextFrom = sort === 'desc' ? fromRaw : String(rest.start);
    const nextTo = sort === 'desc' ? String(rest.start) : toRaw;
    const nextCursor = encodeCursor({ limit, sort, adjusted });
    return [
      200,
      {
        ...base,
        next_url: `${nextBase()}/v2/aggs/ticker/${encodeURIComponent(ticker)}/range/1/${timespan}/${nextFrom}/${nextTo}?cursor=${nextCursor}`,
      },
    ];
  }

  function chainSnapshot(underlying: string, query: Record<string, string>): [number, object] {
    const cursor = decodeCursor(query.cursor);
    const limit = clamp(Number(cursor.limit ?? query.limit ?? SNAPSHOT_DEFAULT_LIMIT), 1, SNAPSHOT_MAX_LIMIT);
    const offset = Number(cursor.offset ?? 0);
    const expiration = (cursor.expiration_date ?? query.expiration_date) as string | undefined;
    const type = (cursor.contract_type ?? query.contract_type) as string | undefined;
    const matching = contracts
      .filter((c) => c.underlying === underlying && (!expiration || c.expiration === expiration) && (!type || c.type === type))
      .sort(byExpirationStrike);
    const page = matching.slice(offset, offset + limit);
    const zeroSide = options.missingSidesAsZero ?? false;
    const results = page.map((c) => {
      const hasBid = c.bid !== undefined;
      const hasAsk = c.ask !== undefined;
      return {
        break_even_price: c.type === 'call' ? c.strike + (c.ask ?? 0) : c.strike - (c.ask ?? 0),
        day: {},
        details: {
          contract_type: c.type,
          exercise_style: 'american',
          expiration_date: c.expiration,
          shares_per_contract: 100,
          strike_price: c.strike,
          ticker: c.ticker,
        },
        ...(c.impliedVolatility !== undefined && { implied_volatility: c.impliedVolatility }),
        ...(c.greeks && { greeks: c.greeks }),
        // Assumed: a missing side is omitted (Massive's docs don't say), or sent as 0 with
        // `missingSidesAsZero`; the adapter maps both to null.
        ...(!c.noQuote && {
          last_quote: {
            ...(hasAsk ? { ask: c.ask, ask_size: c.askSize ?? 0 } : zeroSide && { ask: 0, ask_size: 0 }),
            ...(hasBid ? { bid: c.bid, bid_size: c.bidSize ?? 0 } : zeroSide && { bid: 0, bid_size: 0 }),
            ...(hasAsk && hasBid && { midpoint: ((c.ask ?? 0) + (c.bid ?? 0)) / 2 }),
            ...(c.quoteTs !== undefined && { last_updated: c.quoteTs * 1_000_000 }),
            timeframe: 'REAL-TIME',
          },
        }),
        open_interest: c.openInterest ?? 0,
        underlying_asset: { ticker: underlying, ...(c.underlyingPrice !== undefined && { price: c.underlyingPrice }), timeframe: 'REAL-TIME' },
      };
    });
    const next =
      offset + limit < matching.length
        ? { next_url: `${nextBase()}/v3/snapshot/options/${encodeURIComponent(underlying)}?cursor=${encodeCursor({ limit, offset: offset + limit, expiration_date: expiration, contract_type: type })}` }
        : {};
    return [200, { status: 'OK', results, ...next }];
  }

  function contractsReference(query: Record<string, string>): [number, object] {
    const cursor = decodeCursor(query.cursor);
    const limit = clamp(Number(cursor.limit ?? query.limit ?? CONTRACTS_DEFAULT_LIMIT), 1, CONTRACTS_MAX_LIMIT);
    const offset = Number(cursor.offset ?? 0);
    const underlying = (cursor.underlying_ticker ?? query.underlying_ticker) as string | undefined;
    const expiration = (cursor.expiration_date ?? query.expiration_date) as string | undefined;
    const type = (cursor.contract_type ?? query.contract_type) as string | undefined;
    const expired = String(cursor.expired ?? query.expired ?? 'false') === 'true';
    const asOf = String(cursor.as_of ?? query.as_of ?? today);
    const matching = contracts
      .filter(
        (c) =>
          (!underlying || c.underlying === underlying) &&
          (!expiration || c.expiration === expiration) &&
          (!type || c.type === type) &&
          // Massive: expired=false (default) lists live contracts only, expired=true expired ones only.
          c.expiration < asOf === expired,
      )
      .sort(byExpirationStrike);
    const page = matching.slice(offset, offset + limit);
    const results = page.map((c) => ({
      cfi: c.type === 'call' ? 'OCASPS' : 'OPASPS',
      contract_type: c.type,
      exercise_style: 'american',
      expiration_date: c.expiration,
      primary_exchange: 'BATO',
      shares_per_contract: 100,
      strike_price: c.strike,
      ticker: c.ticker,
      underlying_ticker: c.underlying,
    }));
    const next =
      offset + limit < matching.length
        ? {
            next_url: `${nextBase()}/v3/reference/options/contracts?cursor=${encodeCursor({ limit, offset: offset + limit, underlying_ticker: underlying, expiration_date: expiration, contract_type: type, expired, as_of: asOf })}`,
          }
        : {};
    return [200, { status: 'OK', results, ...next }];
  }

  // ------------------------------------------------------------------ WebSocket

  const wss = new WebSocketServer({ noServer: true });

  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const cluster: FakeCluster | undefined = path === '/stocks' ? 'stocks' : path === '/options' ? 'options' : undefined;
    if (!cluster || Date.now() < refuseUntil) {
      socket.end(`HTTP/1.1 ${cluster ? '503 Service Unavailable' : '404 Not Found'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, cluster));
  });

  function onConnection(socket: WebSocket, cluster: FakeCluster): void {
    const client: Client = { socket, cluster, authed: false, subs: new Set(), stalled: false };
    clients.add(client);
    // Massive may count a closed connection a little longer (releaseDelayMs): a quick reconnect then meets max_connections.
    socket.on('close', () => (options.releaseDelayMs ? later(options.releaseDelayMs, () => clients.delete(client)) : clients.delete(client)));
    socket.on('error', () => clients.delete(client));
    status(client, 'connected', 'Connected Successfully');
    socket.on('message', (data) => {
      const text = data.toString();
      let msg: unknown;
      try {
        msg = JSON.parse(text);
      } catch {
        received.push({ cluster, message: text });
        return status(client, 'error', 'invalid message');
      }
      received.push({ cluster, message: msg });
      const { action, params } = (msg ?? {}) as { action?: unknown; params?: unknown };
      if (action === 'auth') return auth(client, params);
      if (!client.authed) return status(client, 'error', 'not authenticated'); // assumed wording
      if ((action === 'subscribe' || action === 'unsubscribe') && typeof params === 'string') {
        return action === 'subscribe' ? subscribe(client, params) : unsubscribe(client, params);
      }
      status(client, 'error', `unknown action: ${String(action)}`);
    });
  }

  function auth(client: Client, params: unknown): void {
    if (params !== apiKey || authFails) {
      status(client, 'auth_failed', 'authentication failed');
      client.socket.close(1008, 'authentication failed');
      return;
    }
    const others = [...clients].filter((c) => c !== client && c.authed && c.cluster === client.cluster).length;
    if (others >= maxConnections) {
      // As observed on the real service: the login succeeds, then the refusal, then close 1008.
      status(client, 'auth_success', 'authenticated');
      status(
        client,
        'max_connections',
        'Maximum number of websocket connections exceeded. You have reached the connection limit for your account. Please contact support at https://massive.com/contact to increase your limit.',
      );
      client.socket.close(1008, 'max connections');
      return;
    }
    client.authed = true;
    status(client, 'auth_success', 'authenticated');
  }

  function subscribe(client: Client, params: string): void {
    const denied = entitlement.get(client.cluster);
    if (denied) return status(client, 'error', denied);
    for (const param of params.split(',').map((p) => p.trim()).filter(Boolean)) {
      if (client.cluster === 'options' && param.includes('O:')) {
        const contractsHeld = new Set([...client.subs].map((s) => s.slice(s.indexOf('.') + 1)));
        const contract = param.slice(param.indexOf('.') + 1);
        if (!contractsHeld.has(contract) && contractsHeld.size >= maxOptionContracts) {
          // Assumed wording; Massive documents the limit, not the message.
          status(client, 'error', `subscription limit reached: at most ${maxOptionContracts} option contracts per connection (${param} refused)`);
          continue;
        }
      }
      client.subs.add(param);
      status(client, 'success', `subscribed to: ${param}`);
    }
  }

  function unsubscribe(client: Client, params: string): void {
    for (const param of params.split(',').map((p) => p.trim()).filter(Boolean)) {
      client.subs.delete(param);
      status(client, 'success', `unsubscribed to: ${param}`);
    }
  }

  function status(client: Client, statusValue: string, message: string): void {
    if (!client.stalled) safeSend(client.socket, JSON.stringify([{ ev: 'status', status: statusValue, message }]));
  }

  function deliver(cluster: FakeCluster, topic: string, event: object): number {
    if (reorderPending) {
      reorderPending = false;
      held = { cluster, topic, event };
      return 0;
    }
    const sent = sendEvent(cluster, topic, event);
    if (held) {
      const h = held;
      held = undefined;
      sendEvent(h.cluster, h.topic, h.event);
    }
    return sent;
  }

  function sendEvent(cluster: FakeCluster, topic: string, event: object): number {
    const wildcard = `${topic.slice(0, topic.indexOf('.'))}.*`;
    const frame = duplicatePending ? [event, event] : [event];
    duplicatePending = false;
    let n = 0;
    for (const c of clients) {
      if (c.cluster !== cluster || !c.authed || c.stalled || !(c.subs.has(topic) || c.subs.has(wildcard))) continue;
      if (safeSend(c.socket, JSON.stringify(frame))) n++;
    }
    return n;
  }

  function aggregateEvent(ev: 'AM' | 'A', agg: MinuteAggregate, durationMs: number): object {
    const day = Math.floor(agg.start / 86_400_000);
    let acc = dayVolume.get(agg.symbol);
    if (!acc || acc.day !== day) dayVolume.set(agg.symbol, (acc = { day, volume: 0, open: agg.open }));
    if (ev === 'AM') acc.volume += agg.volume;
    return {
      ev,
      sym: agg.symbol,
      v: agg.volume,
      av: acc.volume,
      op: acc.open,
      vw: agg.vwap ?? Number(((agg.high + agg.low + agg.close) / 3).toFixed(4)),
      o: agg.open,
      c: agg.close,
      h: agg.high,
      l: agg.low,
      a: agg.vwap ?? agg.close,
      z: agg.trades ? Math.round(agg.volume / agg.trades) : agg.volume,
      s: agg.start,
      e: agg.start + durationMs,
    };
  }

  // ------------------------------------------------------------------ lifecycle

  function later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  restUrl = `http://127.0.0.1:${port}`;

  return {
    restUrl,
    wsUrl: `ws://127.0.0.1:${port}/stocks`,
    optionsWsUrl: `ws://127.0.0.1:${port}/options`,
    apiKey,
    requests,
    received,
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const c of clients) c.socket.terminate();
      clients.clear();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    setMinuteBars(symbol, list) {
      bars.set(symbol, [...list].sort((a, b) => a.start - b.start));
    },
    setDailyBars(symbol, list) {
      dailyBars.set(symbol, [...list].sort((a, b) => a.start - b.start));
    },
    setOptionContracts(list) {
      contracts = [...list];
    },
    pushAM(agg) {
      // Option contracts' minute aggregates come over the options cluster (`AM.O:…`).
      return deliver(agg.symbol.startsWith('O:') ? 'options' : 'stocks', `AM.${agg.symbol}`, aggregateEvent('AM', agg, 60_000));
    },
    pushA(agg, durationMs = 1000) {
      return deliver('stocks', `A.${agg.symbol}`, aggregateEvent('A', agg, durationMs));
    },
    pushQuote(q) {
      return deliver('options', `Q.${q.sym}`, { ev: 'Q', ...q });
    },
    delayRest(ms) {
      restDelayMs = ms;
    },
    failAuth(on = true) {
      authFails = on;
    },
    entitlementError(cluster, message = `not authorized for this cluster: your plan doesn't include ${cluster} data`) {
      entitlement.set(cluster, message);
    },
    rateLimitPerMinute(limit, now = Date.now) {
      perMinute = { limit, now, accepted: [] };
    },
    rateLimit(n, seconds = 1) {
      rateLimitLeft = n;
      retryAfterSeconds = seconds;
    },
    dropConnections() {
      for (const c of clients) c.socket.terminate();
    },
    stall(cluster) {
      for (const c of clients) {
        if (c.cluster !== cluster || c.stalled) continue;
        c.stalled = true;
        // Stop reading: the client's pings and close frame never arrive, so no pong, no close.
        (c.socket as unknown as { _socket: { pause(): void } })._socket.pause();
      }
    },
    expireStalled() {
      for (const c of clients) if (c.stalled) c.socket.terminate();
    },
    refuseConnectionsFor(ms) {
      refuseUntil = Date.now() + ms;
    },
    duplicateNext() {
      duplicatePending = true;
    },
    reorderNext() {
      reorderPending = true;
    },
    pushMixed(items) {
      const frame = items.map((item) =>
        item[0] === 'status' ? { ev: 'status', status: item[1], message: item[2] } : aggregateEvent(item[0], item[1], item[0] === 'AM' ? 60_000 : 1000),
      );
      let n = 0;
      for (const c of clients) if (c.cluster === 'stocks' && c.authed && !c.stalled && safeSend(c.socket, JSON.stringify(frame))) n++;
      return n;
    },
    sendRaw(text, cluster) {
      let n = 0;
      for (const c of clients) if ((!cluster || c.cluster === cluster) && c.authed && !c.stalled && safeSend(c.socket, text)) n++;
      return n;
    },
    connections(cluster) {
      return [...clients].filter((c) => c.cluster === cluster && c.authed).length;
    },
    subscriptions(cluster) {
      const all = new Set<string>();
      for (const c of clients) if (c.cluster === cluster && c.authed) for (const s of c.subs) all.add(s);
      return all;
    },
  };
}

function safeSend(socket: WebSocket, text: string): boolean {
  if (socket.readyState !== WebSocket.OPEN) return false;
  socket.send(text);
  return true;
}

function clamp(n: number, lo: number, hi: number): number {
  return Number.isFinite(n) ? Math.min(hi, Math.max(lo, Math.trunc(n))) : lo;
}

function encodeCursor(state: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(state)).toString('base64url');
}

function decodeCursor(cursor: string | undefined): Record<string, unknown> {
  if (!cursor) return {};
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** `from`/`to`: epoch ms, or a YYYY-MM-DD New York trading day (start or end of it). */
function parseBound(raw: string, edge: 'start' | 'end'): number | undefined {
  if (/^\d+$/.test(raw)) return Number(raw);
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw);
  if (!m) return undefined;
  const utcMidnight = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const start = utcMidnight - nyOffsetMs(utcMidnight + 12 * 3_600_000);
  return edge === 'start' ? start : start + 86_400_000 - 1;
}

/** New York's UTC offset (negative, ms) at an instant. */
function nyOffsetMs(at: number): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', timeZoneName: 'shortOffset' })
    .formatToParts(at)
    .find((p) => p.type === 'timeZoneName')?.value;
  const m = /GMT([+-]\d+)(?::(\d+))?/.exec(name ?? '');
  return m ? (Number(m[1]) * 60 + Math.sign(Number(m[1])) * Number(m[2] ?? 0)) * 60_000 : 0;
}

function byExpirationStrike(a: FakeOptionContract, b: FakeOptionContract): number {
  return a.expiration.localeCompare(b.expiration) || a.strike - b.strike || a.type.localeCompare(b.type);
}
