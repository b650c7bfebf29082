/**
 * A local fake of Alpaca's Trading API for tests: one node:http server for REST plus a `ws`
 * WebSocketServer at `/stream` for `trade_updates`, bound to 127.0.0.1 only. It speaks the
 * documented wire shapes, so the official SDK (`@alpacahq/alpaca-trade-api` v4) is pointed
 * at it unchanged through `trading.Configuration({ basePath })` and
 * `streaming.TradingStream({ url })`.
 *
 * REST (auth: `APCA-API-KEY-ID` + `APCA-API-SECRET-KEY` headers, else 401):
 * - `GET /v2/account`; `GET /v2/positions`, `GET /v2/positions/{symbol}`;
 * - `POST /v2/orders` (simple and equity `bracket`), `GET /v2/orders?status&limit&after&
 *   until&direction&nested&symbols`, `GET /v2/orders/{id}`,
 *   `GET /v2/orders:by_client_order_id?client_order_id=`, `DELETE /v2/orders/{id}` (204),
 *   `PATCH /v2/orders/{id}` (replace: a new order id; the old one becomes `replaced`);
 * - `GET /v2/account/activities[/{type}]` (FILL, and OPEXP/OPEXC/OPTRD from
 *   `expireOptions()`; `activity_types`, `page_token` paging).
 * Errors use Alpaca's `{code, message}` envelope: 422 40010001 "client_order_id must be
 * unique"; 403 40310000 "insufficient buying power"; 403 40310000 "insufficient qty
 * available for order (requested: N, available: M)" with `held_for_orders`/`existing_qty`;
 * 429 "rate limit exceeded" (with or without `Retry-After`); 404 40410000.
 *
 * Options rules enforced as Alpaca documents them: market/limit/stop/stop_limit only, order
 * class simple (or mleg), `day`/`gtc`, whole contracts, no extended hours, long-only
 * (a sell needs an uncovered long: one working sell per contract), options level ≥ 1.
 *
 * Stream: `{"action":"authenticate","data":{key_id,secret_key}}` →
 * `{"stream":"authorization","data":{"action":"authenticate","status":"authorized"}}`
 * (or "unauthorized" + close); `{"action":"listen","data":{"streams":["trade_updates"]}}` →
 * `{"stream":"listening","data":{"streams":["trade_updates"]}}`; then
 * `{"stream":"trade_updates","data":{event, execution_id?, order, timestamp, position_qty?,
 * price?, qty?}}`. Frames are sent as binary, as Alpaca's paper stream does.
 *
 * The test drives the market: `quote()` (a venue-like fill engine on real recorded quotes),
 * or directly `fill()`, `expire()`, `rejectOrder()`, `expireOptions()`; and injects faults:
 * `dropStreams()`, `refuseStreams`, `faults.post` (executes then hangs, resets or answers
 * 500; or is lost before executing), `faults.rateLimit`, `faults.cancel = 'hold'`,
 * `faults.replace = 'fill-old-first'`, `faults.activities = 'missing'`,
 * `faults.duplicateEvents`. Messages we could not confirm from public docs are marked
 * "assumed"; so are the options-rule messages (the rules themselves are documented).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { dec, decDiv, decInt, decIsWhole, decMul, decStr, type Dec } from '../../src/broker/alpaca/decimal.js';

export interface FakeAlpacaOptions {
  keyId?: string;
  secret?: string;
  /** Starting cash, e.g. "100000". */
  cash?: string;
  /** 0 = not approved for options. Default 2. */
  optionsLevel?: number;
  marketOpen?: boolean;
}

type Json = Record<string, unknown>;

/** One order as the fake keeps it (wire field names, string amounts). */
export interface FakeOrder {
  id: string;
  client_order_id: string;
  created_at: string;
  updated_at: string;
  submitted_at: string;
  filled_at: string | null;
  expired_at: string | null;
  canceled_at: string | null;
  failed_at: string | null;
  replaced_at: string | null;
  replaced_by: string | null;
  replaces: string | null;
  asset_id: string;
  symbol: string;
  asset_class: 'us_equity' | 'us_option';
  notional: null;
  qty: string;
  filled_qty: string;
  filled_avg_price: string | null;
  order_class: string;
  order_type: string;
  type: string;
  side: 'buy' | 'sell';
  position_intent?: string;
  time_in_force: string;
  limit_price: string | null;
  stop_price: string | null;
  status: string;
  extended_hours: boolean;
  legs: FakeOrder[] | null;
  trail_percent: null;
  trail_price: null;
  hwm: null;
  /** Bracket bookkeeping (not on the wire). */
  parentId?: string;
}

/** One NBBO quote; a missing side means no bid / no ask. Sizes in contracts or shares. */
export interface FakeQuote {
  bid?: string;
  ask?: string;
  bidSize?: number;
  askSize?: number;
  t?: number;
}

export interface FakeStreamEvent {
  event: string;
  execution_id?: string;
  order: FakeOrder;
  timestamp: string;
  position_qty?: string;
  price?: string;
  qty?: string;
}

interface FakePosition {
  symbol: string;
  assetClass: 'us_equity' | 'us_option';
  qty: Dec;
  costBasis: Dec;
}

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: Json | undefined;
  /** Header names seen (values are never kept, so a test log can't hold the secret). */
  headerNames: string[];
}

export interface FakeFaults {
  /** The next order POST executes, then never answers (`hang`, until the client gives up), drops the connection (`reset`) or answers 500 (`error`); `drop` drops it without executing. */
  post?: 'hang' | 'reset' | 'error' | 'drop';
  /** The next `count` requests matching `match` get 429; `retryAfterSeconds` adds a Retry-After header. */
  rateLimit?: { count: number; retryAfterSeconds?: number; match?: (method: string, path: string) => boolean };
  /** `hold`: DELETE answers 204 with the order pending_cancel; it is canceled only on `releaseCancels()`. */
  cancel?: 'hold';
  /** `fill-old-first`: the next PATCH answers 200, then the old order fills and the replacement is rejected. */
  replace?: 'fill-old-first';
  /** `missing`: account activities answer an empty list (Alpaca has been seen to omit records). */
  activities?: 'missing';
  /** Every stream frame is sent twice (Alpaca has been seen to repeat order events). */
  duplicateEvents?: boolean;
}

const OPEN_STATUSES = new Set(['new', 'accepted', 'pending_new', 'partially_filled', 'pending_cancel', 'pending_replace', 'held', 'accepted_for_bidding']);
const OPTION_RE = /^[A-Z0-9.]{1,6}\d{6}[CP]\d{8}$/;
const OPTION_TYPES = new Set(['market', 'limit', 'stop', 'stop_limit']);

export class FakeAlpaca {
  readonly keyId: string;
  readonly secret: string;
  readonly restUrl: string;
  readonly streamUrl: string;
  readonly faults: FakeFaults = {};
  /** While true, new stream connections are closed at once (the client keeps retrying). */
  refuseStreams = false;
  marketOpen: boolean;
  optionsLevel: number;
  readonly requests: LoggedRequest[] = [];
  /** Every trade update the fake produced, delivered or not. */
  readonly events: FakeStreamEvent[] = [];
  /** Marks used by `setQuote` for positions' current price and market-order buying power. */
  readonly quotes = new Map<string, string>();

  private cash: Dec;
  private readonly orders = new Map<string, FakeOrder>();
  private readonly positions = new Map<string, FakePosition>();
  private readonly activities: Json[] = [];
  private readonly streamClients = new Set<WebSocket>();
  private readonly listening = new Set<WebSocket>();
  private readonly hungResponses = new Set<http.ServerResponse>();
  private readonly heldCancels = new Set<string>();
  private executionSeq = 0;
  private clock = 0;
  /** Set by `quote({t})`: the market's time replaces the wall clock. */
  private marketClock: number | null = null;
  private readonly book = new Map<string, FakeQuote>();
  private readonly triggered = new Set<string>();

  private constructor(
    private readonly server: http.Server,
    private readonly wss: WebSocketServer,
    port: number,
    opts: FakeAlpacaOptions,
  ) {
    this.keyId = opts.keyId ?? 'PKFAKEKEYID0000000';
    this.secret = opts.secret ?? 'fake-secret-0123456789abcdefghij';
    this.cash = dec(opts.cash ?? '100000');
    this.optionsLevel = opts.optionsLevel ?? 2;
    this.marketOpen = opts.marketOpen ?? true;
    this.restUrl = `http://127.0.0.1:${port}`;
    this.streamUrl = `ws://127.0.0.1:${port}/stream`;
  }

  static async start(opts: FakeAlpacaOptions = {}): Promise<FakeAlpaca> {
    const server = http.createServer();
    const wss = new WebSocketServer({ noServer: true });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const fake = new FakeAlpaca(server, wss, (server.address() as AddressInfo).port, opts);
    server.on('request', (req, res) => fake.onRequest(req, res));
    server.on('upgrade', (req, socket, head) => {
      if (!req.url?.startsWith('/stream')) return socket.destroy();
      wss.handleUpgrade(req, socket, head, (ws) => fake.onStream(ws));
    });
    return fake;
  }

  async close(): Promise<void> {
    for (const res of this.hungResponses) res.destroy();
    for (const ws of this.streamClients) ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- test controls -------------------------------------------------------------

  /** Number of authenticated clients listening to trade_updates. */
  get listeners(): number {
    return this.listening.size;
  }

  /** Connections ever accepted on /stream (a reconnect adds one). */
  streamConnections = 0;

  /** Terminates every stream connection (no close frame), as a network drop would. */
  dropStreams(): void {
    for (const ws of this.streamClients) ws.terminate();
  }

  setQuote(symbol: string, price: string): void {
    this.quotes.set(symbol, price);
  }

  order(ref: string): FakeOrder {
    const o = this.orders.get(ref) ?? [...this.orders.values()].find((x) => x.client_order_id === ref);
    if (!o) throw new Error(`fake alpaca: no order ${ref}`);
    return o;
  }

  allOrders(): FakeOrder[] {
    return [...this.orders.values()];
  }

  positionQty(symbol: string): string {
    return decStr(this.positions.get(symbol)?.qty ?? 0n);
  }

  /**
   * A market quote for `symbol` (Alpaca's symbol: bare OCC for options). Working orders
   * trade against it as at a venue: buys at the ask, sells at the bid, at most the quoted
   * size per quote; an order marketable when it arrives fills at the opposite quote, one
   * resting before fills at its limit once the quote reaches it; stops trigger on the ask
   * (buy) or bid (sell). A quote's `t` (epoch ms) becomes the fake's clock.
   */
  quote(symbol: string, q: FakeQuote): void {
    if (q.t !== undefined) this.marketClock = q.t;
    this.book.set(symbol, q);
    for (const o of [...this.orders.values()]) if (o.symbol === symbol) this.trade(o, false);
  }

  private trade(o: FakeOrder, onArrival: boolean): void {
    if (o.status !== 'new' && o.status !== 'partially_filled') return;
    const q = this.book.get(o.symbol);
    const buy = o.side === 'buy';
    const opposite = buy ? q?.ask : q?.bid;
    if (!q || !opposite) return;
    const px = dec(opposite);
    if ((o.type === 'stop' || o.type === 'stop_limit') && !this.triggered.has(o.id)) {
      const stop = dec(o.stop_price as string);
      if (buy ? px < stop : px > stop) return;
      this.triggered.add(o.id);
      onArrival = true; // a triggered stop arrives at the market as a market / limit order
    }
    let fillPx = px;
    if (o.type === 'limit' || o.type === 'stop_limit') {
      const limit = dec(o.limit_price as string);
      if (buy ? px > limit : px < limit) return;
      if (!onArrival) fillPx = limit;
    }
    const remaining = dec(o.qty) - dec(o.filled_qty);
    const size = buy ? q.askSize : q.bidSize;
    const qty = size === undefined || decInt(size) >= remaining ? remaining : decInt(size);
    if (qty > 0n) this.fill(o.id, decStr(fillPx), decStr(qty));
  }

  /** Executes `qty` (default: the rest) of an open order at `price`. */
  fill(ref: string, price: string, qty?: string): FakeOrder {
    const o = this.order(ref);
    if (!OPEN_STATUSES.has(o.status) || o.status === 'held') throw new Error(`fake alpaca: order ${o.id} is ${o.status}, not fillable`);
    const remaining = dec(o.qty) - dec(o.filled_qty);
    const q = qty === undefined ? remaining : dec(qty);
    if (q <= 0n || q > remaining) throw new Error(`fake alpaca: fill qty ${decStr(q)} outside 0..${decStr(remaining)}`);
    const px = dec(price);
    const filledBefore = dec(o.filled_qty);
    const avgBefore = o.filled_avg_price ? dec(o.filled_avg_price) : 0n;
    const filledNow = filledBefore + q;
    o.filled_avg_price = decStr(decDiv(decMul(avgBefore, filledBefore) + decMul(px, q), filledNow));
    o.filled_qty = decStr(filledNow);
    const done = filledNow === dec(o.qty);
    o.status = done ? 'filled' : 'partially_filled';
    const now = this.tick();
    o.updated_at = now;
    if (done) o.filled_at = now;
    const positionQty = this.applyFill(o, q, px);
    const executionId = randomUUID();
    this.executionSeq++;
    this.activities.push({
      // Its own uuid, not the execution_id: nothing documents that the two are related.
      id: `${now.replace(/\D/g, '').slice(0, 17)}::${randomUUID()}`,
      activity_type: 'FILL',
      transaction_time: now,
      type: done ? 'fill' : 'partial_fill',
      price: decStr(px),
      qty: decStr(q),
      side: o.side,
      symbol: o.symbol,
      leaves_qty: decStr(dec(o.qty) - filledNow),
      order_id: o.id,
      cum_qty: o.filled_qty,
      order_status: o.status,
    });
    this.emit(done ? 'fill' : 'partial_fill', o, { execution_id: executionId, price: decStr(px), qty: decStr(q), position_qty: positionQty });
    if (done) this.afterFill(o);
    return o;
  }

  expire(ref: string): void {
    this.finish(this.order(ref), 'expired');
  }

  rejectOrder(ref: string): void {
    this.finish(this.order(ref), 'rejected');
  }

  /** Completes every cancel held by `faults.cancel = 'hold'` whose order is still open. */
  releaseCancels(): void {
    for (const id of this.heldCancels) {
      const o = this.orders.get(id);
      if (o && OPEN_STATUSES.has(o.status)) this.finish(o, 'canceled');
    }
    this.heldCancels.clear();
  }

  /**
   * The options expiration of `date` (YYYY-MM-DD) with the underlyings' last prices, as
   * Alpaca books it: out of the money → OPEXP (position gone); in the money by $0.01 or
   * more → exercised: OPEXC for the contracts and OPTRD for the shares bought (call) or
   * sold (put) at the strike. Nothing is streamed: these appear only as activities.
   */
  expireOptions(date: string, lastPrices: Record<string, string>): void {
    const yymmdd = date.slice(2).replace(/-/g, '');
    for (const pos of [...this.positions.values()]) {
      const m = /^([A-Z0-9.]{1,6})(\d{6})([CP])(\d{8})$/.exec(pos.symbol);
      if (!m || m[2] !== yymmdd || pos.qty === 0n) continue;
      const [, root, , right, strikeDigits] = m as unknown as [string, string, string, 'C' | 'P', string];
      const last = lastPrices[root];
      if (last === undefined) throw new Error(`fake alpaca: no last price for ${root}`);
      const strike = decDiv(decInt(Number(strikeDigits)), decInt(1000));
      const intrinsic = right === 'C' ? dec(last) - strike : strike - dec(last);
      const id = (): string => `${date.replace(/-/g, '')}160000000::${randomUUID()}`;
      const base = { date, net_amount: '0', symbol: pos.symbol, qty: decStr(-pos.qty), status: 'executed' };
      this.positions.delete(pos.symbol);
      if (intrinsic < dec('0.01')) {
        this.activities.push({ id: id(), activity_type: 'OPEXP', description: 'Option Expiry', ...base });
        continue;
      }
      this.activities.push({ id: id(), activity_type: 'OPEXC', description: 'Option Exercise', ...base });
      const shares = decMul(pos.qty, decInt(100));
      const signed = right === 'C' ? shares : -shares;
      const cashMove = decMul(strike, signed);
      this.cash -= cashMove;
      this.activities.push({ id: id(), activity_type: 'OPTRD', description: 'Option Trade', date, symbol: root, qty: decStr(signed), price: decStr(strike), net_amount: decStr(-cashMove), status: 'executed' });
      const stock = this.positions.get(root) ?? { symbol: root, assetClass: 'us_equity' as const, qty: 0n, costBasis: 0n };
      stock.qty += signed;
      stock.costBasis += cashMove;
      this.positions.set(root, stock);
    }
  }

  /** Moves an order's timestamps `hours` into the past (an order from an earlier session). */
  backdate(ref: string, hours: number): void {
    const o = this.order(ref);
    const shift = (t: string | null): string | null => (t ? new Date(Date.parse(t) - hours * 3600_000).toISOString() : t);
    o.created_at = shift(o.created_at) as string;
    o.submitted_at = shift(o.submitted_at) as string;
    o.updated_at = shift(o.updated_at) as string;
    o.canceled_at = shift(o.canceled_at);
  }

  /** Adds a position directly (as if bought earlier). */
  seedPosition(symbol: string, qty: string, avgPrice: string): void {
    const assetClass = OPTION_RE.test(symbol) ? 'us_option' : 'us_equity';
    const q = dec(qty);
    this.positions.set(symbol, { symbol, assetClass, qty: q, costBasis: decMul(decMul(dec(avgPrice), q), decInt(multiplier(assetClass))) });
  }

  // ---- stream --------------------------------------------------------------------

  private onStream(ws: WebSocket): void {
    this.streamConnections++;
    if (this.refuseStreams) {
      ws.terminate();
      return;
    }
    this.streamClients.add(ws);
    let authed = false;
    ws.on('close', () => {
      this.streamClients.delete(ws);
      this.listening.delete(ws);
    });
    ws.on('message', (raw) => {
      let msg: { action?: string; data?: Json };
      try {
        msg = JSON.parse(raw.toString()) as typeof msg;
      } catch {
        this.sendFrame(ws, { stream: 'error', data: { error_message: 'invalid syntax' } }); // assumed
        return;
      }
      if (msg.action === 'authenticate' || msg.action === 'auth') {
        const ok = msg.data?.key_id === this.keyId && msg.data?.secret_key === this.secret;
        this.sendFrame(ws, { stream: 'authorization', data: { action: 'authenticate', status: ok ? 'authorized' : 'unauthorized' } });
        if (!ok) ws.close();
        authed = ok;
        return;
      }
      if (msg.action === 'listen') {
        if (!authed) {
          this.sendFrame(ws, { stream: 'authorization', data: { action: 'listen', status: 'unauthorized' } }); // assumed
          return;
        }
        const streams = Array.isArray(msg.data?.streams) ? (msg.data.streams as string[]) : [];
        if (streams.includes('trade_updates')) this.listening.add(ws);
        else this.listening.delete(ws);
        this.sendFrame(ws, { stream: 'listening', data: { streams: streams.filter((s) => s === 'trade_updates') } });
      }
    });
  }

  private sendFrame(ws: WebSocket, frame: Json): void {
    if (ws.readyState === WebSocket.OPEN) ws.send(Buffer.from(JSON.stringify(frame)), { binary: true });
  }

  private emit(event: string, order: FakeOrder, extra: Partial<FakeStreamEvent> = {}): void {
    const payload: FakeStreamEvent = { event, order: wire(order), timestamp: order.updated_at, ...extra };
    this.events.push(payload);
    for (const ws of this.listening) {
      this.sendFrame(ws, { stream: 'trade_updates', data: payload as unknown as Json });
      if (this.faults.duplicateEvents) this.sendFrame(ws, { stream: 'trade_updates', data: payload as unknown as Json });
    }
  }

  // ---- REST ----------------------------------------------------------------------

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const method = req.method ?? 'GET';
      let body: Json | undefined;
      if (chunks.length) {
        try {
          body = JSON.parse(Buffer.concat(chunks).toString()) as Json;
        } catch {
          return send(res, 400, { code: 40010000, message: 'request body format is invalid' });
        }
      }
      this.requests.push({ method, path: url.pathname, query: Object.fromEntries(url.searchParams), body, headerNames: Object.keys(req.headers) });
      if (req.headers['apca-api-key-id'] !== this.keyId || req.headers['apca-api-secret-key'] !== this.secret) {
        return send(res, 401, { code: 40110000, message: 'request is not authorized' });
      }
      const rl = this.faults.rateLimit;
      if (rl && rl.count > 0 && (!rl.match || rl.match(method, url.pathname))) {
        rl.count--;
        const headers: Record<string, string> = { 'X-RateLimit-Limit': '200', 'X-RateLimit-Remaining': '0' };
        if (rl.retryAfterSeconds !== undefined) headers['Retry-After'] = String(rl.retryAfterSeconds);
        return send(res, 429, { code: 42910000, message: 'rate limit exceeded' }, headers);
      }
      try {
        this.route(method, url, body, req, res);
      } catch (err) {
        send(res, 500, { code: 50010000, message: `internal error: ${(err as Error).message}` });
      }
    });
  }

  private route(method: string, url: URL, body: Json | undefined, req: http.IncomingMessage, res: http.ServerResponse): void {
    const p = url.pathname;
    const q = url.searchParams;
    if (method === 'GET' && p === '/v2/account') return send(res, 200, this.accountJson());
    if (method === 'GET' && p === '/v2/positions') return send(res, 200, [...this.positions.values()].filter((x) => x.qty !== 0n).map((x) => this.positionJson(x)));
    if (method === 'GET' && p.startsWith('/v2/positions/')) {
      const pos = this.positions.get(decodeURIComponent(p.slice('/v2/positions/'.length)));
      return pos && pos.qty !== 0n ? send(res, 200, this.positionJson(pos)) : send(res, 404, { code: 40410000, message: 'position does not exist' });
    }
    if (method === 'GET' && (p === '/v2/account/activities' || p.startsWith('/v2/account/activities/'))) return send(res, 200, this.activitiesJson(p, q));
    if (method === 'GET' && p === '/v2/orders:by_client_order_id') {
      const coid = q.get('client_order_id') ?? '';
      const o = [...this.orders.values()].find((x) => x.client_order_id === coid);
      return o ? send(res, 200, wire(o)) : send(res, 404, { code: 40410000, message: 'order not found' });
    }
    if (method === 'GET' && p === '/v2/orders') return send(res, 200, this.listOrders(q));
    if (method === 'POST' && p === '/v2/orders') return this.postOrder(body ?? {}, req, res);
    const m = /^\/v2\/orders\/([^/]+)$/.exec(p);
    if (m) {
      const o = this.orders.get(decodeURIComponent(m[1] as string));
      if (!o) return send(res, 404, { code: 40410000, message: 'order not found' });
      if (method === 'GET') return send(res, 200, wire(o, q.get('nested') === 'true'));
      if (method === 'DELETE') return this.cancelOrder(o, res);
      if (method === 'PATCH') return this.replaceOrder(o, body ?? {}, res);
    }
    send(res, 404, { code: 40410000, message: 'endpoint not found' });
  }

  private postOrder(b: Json, req: http.IncomingMessage, res: http.ServerResponse): void {
    const fault = this.faults.post;
    this.faults.post = undefined;
    if (fault === 'drop') {
      req.socket.destroy();
      return;
    }
    const err = this.validateOrder(b);
    if (err) return send(res, err.status, err.body);
    const order = this.createOrder(b);
    if (fault === 'hang') {
      // Executed, but the answer never comes: the client's timeout decides.
      this.hungResponses.add(res);
      res.on('close', () => this.hungResponses.delete(res));
      setImmediate(() => this.accept(order));
      return;
    }
    if (fault === 'reset') {
      this.accept(order);
      req.socket.destroy();
      return;
    }
    if (fault === 'error') {
      send(res, 500, { code: 50010000, message: 'internal server error occurred' });
      setImmediate(() => this.accept(order));
      return;
    }
    send(res, 200, wire(order, true));
    setImmediate(() => this.accept(order));
  }

  private validateOrder(b: Json, replacing?: FakeOrder): { status: number; body: Json } | undefined {
    const bad = (message: string, status = 422, code = 40010000): { status: number; body: Json } => ({ status, body: { code, message } });
    const symbol = String(b.symbol ?? '');
    if (!symbol) return bad('symbol is required');
    const side = b.side;
    if (side !== 'buy' && side !== 'sell') return bad('side must be buy or sell');
    const type = String(b.type ?? '');
    if (!['market', 'limit', 'stop', 'stop_limit', 'trailing_stop'].includes(type)) return bad(`invalid order type: ${type}`);
    const tif = String(b.time_in_force ?? '');
    if (!['day', 'gtc', 'opg', 'cls', 'ioc', 'fok'].includes(tif)) return bad(`invalid time_in_force: ${tif}`);
    let qty: Dec;
    try {
      qty = dec(String(b.qty ?? ''));
    } catch {
      return bad('qty is required');
    }
    if (qty <= 0n) return bad('qty must be > 0');
    if ((type === 'limit' || type === 'stop_limit') && !b.limit_price) return bad('limit_price is required for limit orders');
    if ((type === 'stop' || type === 'stop_limit') && !b.stop_price) return bad('stop_price is required for stop orders');
    const coid = b.client_order_id === undefined ? undefined : String(b.client_order_id);
    if (coid !== undefined && coid.length > 128) return bad('client_order_id must be no more than 128 characters');
    if (coid !== undefined && [...this.orders.values()].some((o) => o.client_order_id === coid)) {
      return bad('client_order_id must be unique', 422, 40010001);
    }
    const isOption = OPTION_RE.test(symbol);
    const orderClass = String(b.order_class ?? 'simple') || 'simple';
    if (isOption) {
      // Alpaca's options rules (assumed wording; the rules themselves are documented).
      if (this.optionsLevel < 1) return bad('account is not approved to trade options', 403, 40310000);
      if (!OPTION_TYPES.has(type)) return bad(`${type} orders are not supported for options`, 422, 42210000);
      if (orderClass !== 'simple' && orderClass !== 'mleg') return bad(`order_class ${orderClass} is not supported for options`, 422, 42210000);
      if (tif !== 'day' && tif !== 'gtc') return bad('options orders must have time_in_force day or gtc', 422, 42210000);
      if (!decIsWhole(qty)) return bad('qty must be a whole number for options', 422, 42210000);
      if (b.extended_hours === true) return bad('extended hours orders are not supported for options', 422, 42210000);
      if (type === 'market' && !this.marketOpen) return bad('options market orders are only allowed during market hours', 422, 42210000);
    } else if (orderClass === 'bracket') {
      const tp = (b.take_profit as Json | undefined)?.limit_price;
      const sl = (b.stop_loss as Json | undefined)?.stop_price;
      if (!tp || !sl) return bad('bracket orders require take_profit.limit_price and stop_loss.stop_price');
      const base = b.limit_price ? dec(String(b.limit_price)) : dec(this.quotes.get(symbol) ?? String(tp));
      const cent = dec('0.01');
      if (side === 'buy' && dec(String(tp)) < base + cent) return bad(`take_profit.limit_price must be >= base_price + 0.01`);
      if (side === 'buy' && dec(String(sl)) > base - cent) return bad(`stop_loss.stop_price must be <= base_price - 0.01`);
      if (side === 'sell' && dec(String(tp)) > base - cent) return bad(`take_profit.limit_price must be <= base_price - 0.01`);
      if (side === 'sell' && dec(String(sl)) < base + cent) return bad(`stop_loss.stop_price must be >= base_price + 0.01`);
    }
    if (side === 'sell') {
      // One working sell per share/contract: what other working sells hold is not available.
      const pos = this.positions.get(symbol);
      const existing = pos?.qty ?? 0n;
      const held = this.heldForOrders(symbol, replacing?.id);
      const available = existing - held;
      if (qty > available) {
        return {
          status: 403,
          body: {
            code: 40310000,
            message: `insufficient qty available for order (requested: ${decStr(qty)}, available: ${decStr(available < 0n ? 0n : available)})`,
            symbol,
            requested: decStr(qty),
            available: decStr(available < 0n ? 0n : available),
            existing_qty: decStr(existing),
            held_for_orders: decStr(held),
          },
        };
      }
    } else {
      const px = b.limit_price ?? b.stop_price ?? this.quotes.get(symbol);
      if (px !== undefined) {
        const cost = decMul(decMul(dec(String(px)), qty), decInt(isOption ? 100 : 1));
        const open = this.openBuyCost(replacing?.id);
        if (cost + open > this.cash) return bad('insufficient buying power', 403, 40310000);
      }
    }
    return undefined;
  }

  private createOrder(b: Json, replaces?: FakeOrder): FakeOrder {
    const now = this.tick();
    const symbol = String(b.symbol);
    const isOption = OPTION_RE.test(symbol);
    const type = String(b.type);
    const orderClass = String(b.order_class ?? 'simple') || 'simple';
    const o: FakeOrder = {
      id: randomUUID(),
      client_order_id: b.client_order_id === undefined ? randomUUID() : String(b.client_order_id),
      created_at: now,
      updated_at: now,
      submitted_at: now,
      filled_at: null,
      expired_at: null,
      canceled_at: null,
      failed_at: null,
      replaced_at: null,
      replaced_by: null,
      replaces: replaces?.id ?? null,
      asset_id: `asset-${symbol}`,
      symbol,
      asset_class: isOption ? 'us_option' : 'us_equity',
      notional: null,
      qty: decStr(dec(String(b.qty))),
      filled_qty: '0',
      filled_avg_price: null,
      order_class: orderClass,
      order_type: type,
      type,
      side: b.side as 'buy' | 'sell',
      time_in_force: String(b.time_in_force),
      limit_price: b.limit_price === undefined ? null : decStr(dec(String(b.limit_price))),
      stop_price: b.stop_price === undefined ? null : decStr(dec(String(b.stop_price))),
      status: 'pending_new',
      extended_hours: b.extended_hours === true,
      legs: null,
      trail_percent: null,
      trail_price: null,
      hwm: null,
    };
    if (isOption) o.position_intent = o.side === 'buy' ? 'buy_to_open' : 'sell_to_close';
    this.orders.set(o.id, o);
    if (orderClass === 'bracket') {
      const exitSide = o.side === 'buy' ? 'sell' : 'buy';
      const leg = (type: string, limit: string | null, stop: string | null): FakeOrder => {
        const l: FakeOrder = { ...o, id: randomUUID(), client_order_id: randomUUID(), type, order_type: type, side: exitSide, limit_price: limit, stop_price: stop, status: 'held', legs: null, parentId: o.id, time_in_force: o.time_in_force };
        this.orders.set(l.id, l);
        return l;
      };
      const tp = (b.take_profit as Json).limit_price;
      const sl = b.stop_loss as Json;
      o.legs = [
        leg('limit', decStr(dec(String(tp))), null),
        leg(sl.limit_price ? 'stop_limit' : 'stop', sl.limit_price ? decStr(dec(String(sl.limit_price))) : null, decStr(dec(String(sl.stop_price)))),
      ];
    }
    return o;
  }

  private accept(o: FakeOrder): void {
    if (o.status !== 'pending_new') return;
    o.status = 'new';
    o.updated_at = this.tick();
    this.emit('new', o);
    this.trade(o, true);
  }

  private cancelOrder(o: FakeOrder, res: http.ServerResponse): void {
    if (!OPEN_STATUSES.has(o.status) || o.status === 'pending_cancel') {
      return send(res, 422, { code: 42210000, message: 'order is not cancelable' });
    }
    if (this.faults.cancel === 'hold') {
      o.status = 'pending_cancel';
      o.updated_at = this.tick();
      this.heldCancels.add(o.id);
      this.emit('pending_cancel', o);
      return send(res, 204);
    }
    send(res, 204);
    setImmediate(() => {
      if (OPEN_STATUSES.has(o.status)) this.finish(o, 'canceled');
    });
  }

  private replaceOrder(o: FakeOrder, b: Json, res: http.ServerResponse): void {
    if (o.status !== 'new' && o.status !== 'partially_filled') {
      return send(res, 422, { code: 42210000, message: `order is not replaceable while ${o.status}` }); // assumed wording
    }
    const merged: Json = {
      symbol: o.symbol,
      side: o.side,
      type: o.type,
      qty: b.qty ?? o.qty,
      time_in_force: b.time_in_force ?? o.time_in_force,
      limit_price: b.limit_price ?? o.limit_price ?? undefined,
      stop_price: b.stop_price ?? o.stop_price ?? undefined,
      client_order_id: b.client_order_id,
      order_class: 'simple',
    };
    const err = this.validateOrder(merged, o);
    if (err) return send(res, err.status, err.body);
    const fresh = this.createOrder(merged, o);
    o.status = 'pending_replace';
    o.updated_at = this.tick();
    send(res, 200, wire(fresh));
    const fault = this.faults.replace;
    this.faults.replace = undefined;
    setImmediate(() => {
      if (fault === 'fill-old-first') {
        // The old order executed before the replacement reached the venue.
        o.status = 'new';
        this.fill(o.id, o.limit_price ?? o.stop_price ?? '0');
        fresh.status = 'rejected';
        fresh.failed_at = fresh.updated_at = this.tick();
        this.emit('rejected', fresh);
        return;
      }
      o.status = 'replaced';
      o.replaced_by = fresh.id;
      o.replaced_at = o.updated_at = this.tick();
      this.emit('replaced', o);
      this.accept(fresh);
    });
  }

  private finish(o: FakeOrder, status: 'canceled' | 'expired' | 'rejected'): void {
    o.status = status;
    const now = this.tick();
    o.updated_at = now;
    if (status === 'canceled') o.canceled_at = now;
    if (status === 'expired') o.expired_at = now;
    if (status === 'rejected') o.failed_at = now;
    this.emit(status, o);
    if (o.legs) for (const leg of o.legs) if (OPEN_STATUSES.has(leg.status)) this.finish(leg, 'canceled');
  }

  private afterFill(o: FakeOrder): void {
    if (o.legs) {
      for (const leg of o.legs) {
        leg.status = 'new';
        leg.updated_at = this.tick();
        this.emit('new', leg);
      }
      for (const leg of o.legs) this.trade(leg, true);
    }
    if (o.parentId) {
      const parent = this.orders.get(o.parentId);
      for (const sib of parent?.legs ?? []) if (sib.id !== o.id && OPEN_STATUSES.has(sib.status)) this.finish(sib, 'canceled');
    }
  }

  private applyFill(o: FakeOrder, q: Dec, px: Dec): string {
    const mult = decInt(multiplier(o.asset_class));
    const notional = decMul(decMul(px, q), mult);
    const pos = this.positions.get(o.symbol) ?? { symbol: o.symbol, assetClass: o.asset_class, qty: 0n, costBasis: 0n };
    if (o.side === 'buy') {
      this.cash -= notional;
      pos.costBasis += notional;
      pos.qty += q;
    } else {
      this.cash += notional;
      const avg = pos.qty === 0n ? 0n : decDiv(pos.costBasis, pos.qty);
      pos.qty -= q;
      pos.costBasis = pos.qty === 0n ? 0n : decMul(avg, pos.qty);
    }
    this.positions.set(o.symbol, pos);
    return decStr(pos.qty);
  }

  private heldForOrders(symbol: string, exceptId?: string): Dec {
    let held = 0n;
    for (const o of this.orders.values()) {
      if (o.symbol !== symbol || o.side !== 'sell' || o.id === exceptId || !OPEN_STATUSES.has(o.status) || o.status === 'held') continue;
      held += dec(o.qty) - dec(o.filled_qty);
    }
    return held;
  }

  private openBuyCost(exceptId?: string): Dec {
    let total = 0n;
    for (const o of this.orders.values()) {
      if (o.side !== 'buy' || o.id === exceptId || !OPEN_STATUSES.has(o.status)) continue;
      const px = o.limit_price ?? o.stop_price ?? this.quotes.get(o.symbol);
      if (px) total += decMul(decMul(dec(px), dec(o.qty) - dec(o.filled_qty)), decInt(multiplier(o.asset_class)));
    }
    return total;
  }

  private listOrders(q: URLSearchParams): FakeOrder[] {
    const status = q.get('status') ?? 'open';
    const nested = q.get('nested') === 'true';
    const limit = Math.min(Number(q.get('limit') ?? 50), 500);
    const after = q.get('after') ? Date.parse(q.get('after') as string) : -Infinity;
    const until = q.get('until') ? Date.parse(q.get('until') as string) : Infinity;
    const symbols = q.get('symbols')?.split(',');
    let list = [...this.orders.values()].filter((o) => {
      if (nested && o.parentId) return false;
      const open = OPEN_STATUSES.has(o.status);
      if (status === 'open' && !open) return false;
      if (status === 'closed' && open) return false;
      const t = Date.parse(o.submitted_at);
      return t > after && t < until && (!symbols || symbols.includes(o.symbol));
    });
    list.sort((a, b) => Date.parse(a.submitted_at) - Date.parse(b.submitted_at));
    if (q.get('direction') !== 'asc') list.reverse();
    list = list.slice(0, limit);
    return list.map((o) => wire(o, nested));
  }

  private accountJson(): Json {
    let longValue = 0n;
    for (const p of this.positions.values()) longValue += this.marketValue(p);
    const equity = this.cash + longValue;
    const bp = this.cash - this.openBuyCost();
    return {
      id: 'fake-account-id',
      account_number: 'PA0000FAKE',
      status: 'ACTIVE',
      crypto_status: 'INACTIVE',
      currency: 'USD',
      cash: decStr(this.cash),
      buying_power: decStr(bp),
      regt_buying_power: decStr(bp),
      non_marginable_buying_power: decStr(bp),
      options_buying_power: decStr(bp),
      options_approved_level: this.optionsLevel,
      options_trading_level: this.optionsLevel,
      portfolio_value: decStr(equity),
      equity: decStr(equity),
      last_equity: '100000',
      long_market_value: decStr(longValue),
      short_market_value: '0',
      initial_margin: '0',
      maintenance_margin: '0',
      last_maintenance_margin: '0',
      sma: '0',
      multiplier: '1',
      shorting_enabled: false,
      trading_blocked: false,
      transfers_blocked: false,
      account_blocked: false,
      trade_suspended_by_user: false,
      created_at: '2025-01-02T15:00:00Z',
      accrued_fees: '0',
      pending_transfer_in: '0',
    };
  }

  private marketValue(p: FakePosition): Dec {
    const mark = this.quotes.get(p.symbol);
    if (!mark) return p.costBasis;
    return decMul(decMul(dec(mark), p.qty), decInt(multiplier(p.assetClass)));
  }

  private positionJson(p: FakePosition): Json {
    const mult = decInt(multiplier(p.assetClass));
    const avg = p.qty === 0n ? 0n : decDiv(decDiv(p.costBasis, p.qty), mult);
    const mv = this.marketValue(p);
    return {
      asset_id: `asset-${p.symbol}`,
      symbol: p.symbol,
      exchange: p.assetClass === 'us_option' ? '' : 'NASDAQ',
      asset_class: p.assetClass,
      asset_marginable: p.assetClass === 'us_equity',
      avg_entry_price: decStr(avg),
      qty: decStr(p.qty),
      qty_available: decStr(p.qty - this.heldForOrders(p.symbol)),
      side: 'long',
      market_value: decStr(mv),
      cost_basis: decStr(p.costBasis),
      unrealized_pl: decStr(mv - p.costBasis),
      unrealized_plpc: p.costBasis === 0n ? '0' : decStr(decDiv(mv - p.costBasis, p.costBasis)),
      unrealized_intraday_pl: decStr(mv - p.costBasis),
      unrealized_intraday_plpc: '0',
      current_price: this.quotes.get(p.symbol) ?? decStr(avg),
      lastday_price: decStr(avg),
      change_today: '0',
    };
  }

  private activitiesJson(path: string, q: URLSearchParams): Json[] {
    if (this.faults.activities === 'missing') return [];
    const typeInPath = path.split('/')[4];
    const types = typeInPath ? [typeInPath] : q.get('activity_types')?.split(',');
    let list = this.activities.filter((a) => !types || types.includes(String(a.activity_type)));
    list = [...list].sort((a, b) => String(a.id).localeCompare(String(b.id)));
    if (q.get('direction') !== 'asc') list.reverse();
    const token = q.get('page_token');
    if (token) {
      const at = list.findIndex((a) => a.id === token);
      list = at >= 0 ? list.slice(at + 1) : [];
    }
    return list.slice(0, Math.min(Number(q.get('page_size') ?? 100), 100));
  }

  /** A strictly increasing wall clock, so timestamps order events even within one ms. */
  private tick(): string {
    this.clock = Math.max(this.clock + 1, this.marketClock ?? Date.now());
    return new Date(this.clock).toISOString();
  }
}

function multiplier(assetClass: string): number {
  return assetClass === 'us_option' ? 100 : 1;
}

/** The wire form of an order: legs nested only when asked. */
function wire(o: FakeOrder, nested = true): FakeOrder {
  const { parentId: _parent, ...rest } = o;
  return { ...rest, legs: nested && o.legs ? o.legs.map((l) => wire(l, false)) : null };
}

function send(res: http.ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  if (res.writableEnded || res.destroyed) return;
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  res.writeHead(status, { 'Content-Type': 'application/json', 'X-Request-ID': randomUUID(), ...headers }).end(JSON.stringify(body));
}
