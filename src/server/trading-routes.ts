/**
 * Trading on the server: builds the trading runtime (paper broker on the active feed, the
 * TradingDesk with risk, audit and exits, the TradingHub) and its HTTP API:
 *
 *   POST   /api/orders            {account?, symbol, side, qty, type, limitPrice?, stopPrice?, timeInForce?,
 *                                   clientOrderId?, extendedHours?, takeProfit?: {limitPrice}|{percent}|{amount},
 *                                   stopLoss?: {stopPrice}}           → 201 {order} | 400 naming the field | 422 {error: {check, message}}
 *   GET    /api/orders?status=open|closed|all&account=                → {orders}
 *   DELETE /api/orders/:id                                            → {order}
 *   GET    /api/positions?account=                                    → {positions}
 *   POST   /api/positions/close {account?, symbol}                    → 201 {order} | 422
 *   GET    /api/accounts                                              → {accounts}
 *   GET|PUT /api/risk, POST|DELETE /api/risk/kill
 *
 * Prices and money are decimal dollars on the wire, exact integers inside (src/broker/money).
 * While paper orders work, the replay may only move forward (every recorded quote in
 * between is evaluated in order); a jump back or to another session is refused with a 409.
 */
import type { FastifyInstance } from 'fastify';
import type { Server } from 'socket.io';
import { z } from 'zod';
import { AuditTrail } from '../audit/index.js';
import { PaperBroker, type PaperAccountSeed } from '../broker/paper/broker.js';
import { LiveMarket, RecordedMarket, fromOptionQuote, type PaperMarket } from '../broker/paper/market.js';
import { formatPrice, onTick, pennyEverywhere, PRICE_SCALE, tickSize, toPrice } from '../broker/money.js';
import { assetClassOf } from '../broker/order.js';
import { type Broker, BrokerError, type Fill, type OrderIntent, type Price } from '../broker/types.js';
import { wireAccount, wireFill, wireOrder, wirePosition } from '../broker/wire.js';
import { formatNyIso, nyTimeToMs, sessionOn, CALENDAR_LAST_YEAR } from '../calendar/index.js';
import { InputError } from '../core/errors.js';
import type { ChartHub } from '../hub/hub.js';
import { ReplayControlSchema } from '../hub/protocol.js';
import { TradingHub, type TradingSnapshotBody } from '../hub/trading-hub.js';
import { parseOptionTicker } from '../options/occ.js';
import { connectPaper, RISK_CHECKS, riskSettingsPatch, toApiSettings, TradingDesk, type KillSwitchState } from '../risk/index.js';
import type { MarketStore } from '../store/types.js';
import { tradingRepository } from '../store/trading.js';
import { HttpError, parseOr400 } from './errors.js';

export interface TradingConfig {
  /** Paper accounts (default `paper` with $100,000; or OPTDESK_PAPER_ACCOUNTS="paper:100000,paper-orb:25000"). */
  paperAccounts?: PaperAccountSeed[];
  /** Paper latency, ms (default 0). */
  latencyMs?: number;
  /** Paper market-order slippage in dollars (default 0). */
  slippage?: number;
  /** 0-DTE flatten time 'HH:MM' or null (default 15:15; OPTDESK_FLATTEN_AT, "off" disables). */
  flattenAt?: string | null;
  /** OPTDESK_LIVE=1. */
  liveAllowed?: boolean;
  /** More brokers (the Alpaca adapter), their accounts beside the paper ones. */
  brokers?: Broker[];
}

export interface TradingDeps {
  hub: ChartHub;
  store: MarketStore;
  io: Server;
  /** The replay feed, when the server runs one. */
  replay?: { replayStatus(): { session: string; clock: number } | undefined };
  config?: TradingConfig;
  env?: NodeJS.ProcessEnv;
}

export interface TradingRuntime {
  desk: TradingDesk;
  paper: PaperBroker;
  hub: TradingHub;
  /** OPTDESK_LIVE=1 was given (automation of live accounts needs it too). */
  liveAllowed: boolean;
  start(): Promise<void>;
  stop(): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    trading: TradingRuntime;
  }
}

/** Builds the trading runtime, registers its routes, and starts/stops it with the app. */
export function registerTradingRoutes(app: FastifyInstance, deps: TradingDeps): TradingRuntime {
  const runtime = createTradingRuntime(deps);
  app.decorate('trading', runtime);
  app.addHook('onReady', async () => runtime.start());
  app.addHook('onClose', async () => runtime.stop());
  registerRoutes(app, runtime, deps);
  return runtime;
}

function envConfig(env: NodeJS.ProcessEnv): TradingConfig {
  const out: TradingConfig = {};
  const accounts = env.OPTDESK_PAPER_ACCOUNTS?.trim();
  if (accounts) {
    out.paperAccounts = accounts.split(',').map((part) => {
      const m = /^([a-z][a-z0-9-]{0,31}):(\d+(?:\.\d{1,2})?)$/.exec(part.trim());
      if (!m) throw new InputError('OPTDESK_PAPER_ACCOUNTS', `"${part}" must be name:dollars like paper-orb:25000`);
      return { name: m[1]!, cash: Math.round(Number(m[2]) * 100) };
    });
  }
  if (env.OPTDESK_FLATTEN_AT?.trim()) out.flattenAt = env.OPTDESK_FLATTEN_AT.trim() === 'off' ? null : env.OPTDESK_FLATTEN_AT.trim();
  if (env.OPTDESK_LIVE === '1') out.liveAllowed = true;
  return out;
}

export function createTradingRuntime(deps: TradingDeps): TradingRuntime {
  const config: TradingConfig = { ...envConfig(deps.env ?? process.env), ...deps.config };
  const { hub } = deps;
  const repo = tradingRepository(deps.store);
  const live = deps.replay ? undefined : new LiveMarket({
    subscribe: (s) => hub.feed.subscribe([s]),
    lastTrade: (s, at) => {
      const bars = hub.engine.series(s, '1m', true, undefined, at + 1);
      return bars.length ? bars[bars.length - 1]!.close : null;
    },
  });
  const market: PaperMarket = live ?? new RecordedMarket(deps.store);
  const paper = new PaperBroker({
    repo, market, now: () => hub.feedNow(),
    ...(config.paperAccounts ? { accounts: config.paperAccounts } : {}),
    ...(config.latencyMs !== undefined ? { latencyMs: config.latencyMs } : {}),
    ...(config.slippage !== undefined ? { slippage: Math.round(config.slippage * PRICE_SCALE) } : {}),
  });
  const audit = new AuditTrail(repo);
  const brokers: Broker[] = [paper, ...(config.brokers ?? [])];
  const desk = new TradingDesk({
    repo, brokers, audit,
    marketNow: (account) => (paper.accountNames().includes(account) ? paper.currentTime() : hub.feedNow()),
    quote: (symbol) => paper.quoteNow(symbol),
    liveAllowed: config.liveAllowed ?? false,
    exits: { flattenAt: config.flattenAt === undefined ? '15:15' : config.flattenAt },
  });
  const tradingHub = new TradingHub(() => snapshot(desk, paper));
  tradingHub.attach(deps.io);

  // Pushes: order events as they happen; positions (with marks) on fills and at most once a
  // second while the clock moves; accounts on change.
  let positionsQueued = false;
  let lastPositionsPush = 0;
  const pushPositions = (): void => {
    if (positionsQueued) return;
    positionsQueued = true;
    queueMicrotask(() => {
      positionsQueued = false;
      lastPositionsPush = Date.now();
      void positionsView(desk, paper).then((positions) => tradingHub.publish({ kind: 'positions', positions }), () => undefined);
    });
  };
  const offEvents = brokers.map((b) => b.onEvent((e) => {
    if (e.kind === 'order') {
      tradingHub.publish({ kind: 'order', event: e.event.type, order: wireOrder(e.event.order, e.event.fill ? [e.event.fill] : []), ...(e.event.fill ? { fill: wireFill(e.event.fill) } : {}) });
      // Exit orders change what a position shows (its armed take-profit / stop).
      if (e.event.order.role !== 'entry') pushPositions();
    } else if (e.kind === 'position') {
      pushPositions();
    } else {
      tradingHub.publish({ kind: 'account', account: wireAccount(e.account) });
    }
  }));

  let liveTimer: NodeJS.Timeout | undefined;
  // The once-a-second position push needs a trailing edge: a paused replay jump right after
  // a fill is a single clock event, and dropping it left the marks (and P&L) stale.
  let trailingPositions: NodeJS.Timeout | undefined;
  const positionsOnClock = (): void => {
    const wait = 1_000 - (Date.now() - lastPositionsPush);
    if (wait > 0) {
      trailingPositions ??= setTimeout(() => {
        trailingPositions = undefined;
        positionsOnClock();
      }, wait);
      return;
    }
    void paper.positions().then((p) => { if (p.length) pushPositions(); });
  };
  const unobserve = hub.observe({
    onClock: (ms) => {
      paper.advanceTo(ms).catch((e: unknown) => audit.append('error', { during: 'paper advance', message: (e as Error).message }));
      positionsOnClock();
    },
    onReset: () => {
      const followed = paper.followReset(hub.feedNow());
      if (!followed.followed) audit.append('error', { during: 'replay reset', message: followed.message });
    },
    // Live: closed regular minutes are what a strategy's bar-rule orders fill on.
    onBar: (d) => {
      if (live && d.tf === '1m' && !d.extended && d.bar.closed) live.pushBar(d.symbol, d.bar);
    },
    onQuote: (q) => {
      const pq = fromOptionQuote(q);
      live?.push(pq);
      // Other brokers' stops are watched on the feed's quotes (the paper broker's on its own, in order).
      if (config.brokers?.length) void desk.exits.onQuote(pq);
    },
  });
  const disconnectPaper = connectPaper(desk, paper);

  return {
    desk,
    paper,
    hub: tradingHub,
    liveAllowed: config.liveAllowed ?? false,
    async start() {
      if (live || config.brokers?.length) {
        liveTimer = setInterval(() => {
          if (live) void paper.advanceTo(hub.feedNow()).catch(() => undefined);
          // The paper broker fires the 0-DTE flatten on its own clock; other brokers need the tick.
          if (config.brokers?.length) void desk.exits.tick(hub.feedNow());
        }, 1_000);
        liveTimer.unref();
      }
      // A restart may bring the replay up at another instant than the stored paper clock:
      // with nothing working the broker follows the feed, else its orders wait for it.
      if (!paper.hasWorkingOrders()) paper.followReset(hub.feedNow());
      const kill = desk.killSwitch();
      // Started halted (optdesk kill without a server, or a halt before a crash): what still works is canceled.
      if (kill.engaged && (await paper.orders({ status: 'open' })).length) await desk.kill(kill.reason ?? 'kill switch on at start-up', kill.by ?? 'startup');
      await desk.start();
      // Connected brokers (Alpaca) learn what the store booked, then connect and reconcile.
      for (const b of config.brokers ?? []) {
        const mine = new Set(b.accountNames());
        const orders = repo.orders().filter((o) => mine.has(o.account));
        b.remember?.(orders, repo.fills().filter((f) => mine.has(f.account)).map((f) => f.id));
        await b.start?.();
      }
    },
    stop() {
      for (const b of config.brokers ?? []) b.stop?.();
      clearInterval(liveTimer);
      clearTimeout(trailingPositions);
      unobserve();
      disconnectPaper();
      for (const off of offEvents) off();
      desk.stop();
    },
  };
}

// ───────────────────────────── views ─────────────────────────────

async function positionsView(desk: TradingDesk, paper: PaperBroker, account?: string) {
  const exits = desk.exits.armed();
  const out = [];
  for (const name of desk.accountNames()) {
    if (account && name !== account) continue;
    for (const p of await desk.brokerFor(name).positions(name)) {
      const q = paper.quote(p.symbol);
      out.push(wirePosition(p, q ? { bid: q.bid, ask: q.ask, mark: paper.mark(p.symbol) } : null, exits));
    }
  }
  return out;
}

async function ordersView(desk: TradingDesk, status: 'open' | 'closed' | 'all', account?: string) {
  const out = [];
  for (const broker of new Set(desk.accountNames().map((a) => desk.brokerFor(a)))) {
    const orders = await broker.orders({ status, ...(account ? { account } : {}) });
    const fills = orders.length ? await broker.fills(account ? { account } : {}) : [];
    const byOrder = new Map<string, Fill[]>();
    for (const f of fills) {
      let list = byOrder.get(f.orderId);
      if (!list) byOrder.set(f.orderId, (list = []));
      list.push(f);
    }
    for (const o of orders) out.push(wireOrder(o, byOrder.get(o.id) ?? []));
  }
  return out.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
}

async function accountsView(desk: TradingDesk) {
  const out = [];
  for (const broker of new Set(desk.accountNames().map((a) => desk.brokerFor(a)))) out.push(...(await broker.accounts()).map(wireAccount));
  return out;
}

function killView(k: KillSwitchState): TradingSnapshotBody['killSwitch'] {
  return { engaged: k.engaged, reason: k.reason, at: k.at === null ? null : new Date(k.at).toISOString(), by: k.by };
}

async function snapshot(desk: TradingDesk, paper: PaperBroker): Promise<TradingSnapshotBody> {
  const [orders, positions, accounts] = await Promise.all([ordersView(desk, 'all'), positionsView(desk, paper), accountsView(desk)]);
  return { orders: orders.slice(-500), positions, accounts, killSwitch: killView(desk.killSwitch()), time: formatNyIso(paper.currentTime()) };
}

// ───────────────────────────── input ─────────────────────────────

const dollars = z.number({ error: 'must be a number of dollars' }).finite('must be a finite number').positive('must be more than 0');

const OrderBodySchema = z.object({
  account: z.string({ error: 'must be an account name' }).min(1, 'must not be empty').max(64, 'is too long').optional(),
  symbol: z.string({ error: 'is required (a stock ticker or an option ticker like O:GOOG151224C00750000)' }).trim().min(1, 'is required').max(40, 'is too long'),
  side: z.enum(['buy', 'sell'], { error: 'must be buy or sell' }),
  qty: z.number({ error: 'must be a number' }).int('must be a whole number of shares or contracts').positive('must be more than 0').max(1_000_000, 'is too large'),
  type: z.enum(['market', 'limit', 'stop', 'stop_limit'], { error: 'must be market, limit, stop or stop_limit' }),
  limitPrice: dollars.optional(),
  stopPrice: dollars.optional(),
  timeInForce: z.enum(['day', 'gtc'], { error: 'must be day or gtc' }).optional(),
  clientOrderId: z.string({ error: 'must be a string' }).min(1, 'must not be empty').max(128, 'must be at most 128 characters (Alpaca’s limit)').regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces').optional(),
  extendedHours: z.boolean({ error: 'must be true or false' }).optional(),
  takeProfit: z.object({
    limitPrice: dollars.optional(),
    percent: z.number({ error: 'must be a number' }).positive('must be more than 0').max(1_000, 'must be at most 1000').optional(),
    amount: dollars.optional(),
  }, { error: 'must be {limitPrice}, {percent} or {amount}' }).strict().optional(),
  stopLoss: z.object({ stopPrice: dollars }, { error: 'must be {stopPrice}' }).strict().optional(),
}).strict();

const CloseBodySchema = z.object({
  account: z.string().min(1).max(64).optional(),
  symbol: z.string({ error: 'is required' }).trim().min(1, 'is required').max(40),
}).strict();

const OrdersQuerySchema = z.object({
  status: z.enum(['open', 'closed', 'all'], { error: 'must be open, closed or all' }).optional(),
  account: z.string().min(1).max(64).optional(),
});

const KillBodySchema = z.object({ reason: z.string().max(500, 'is too long').optional() }).strict().optional();

function bad(field: string, why: string): never {
  throw new HttpError(400, `${field}: ${why}`);
}

function tickWords(assetClass: 'stock' | 'option', price: Price): string {
  const tick = tickSize(assetClass, price);
  if (assetClass === 'option') return tick === 100 ? 'options under $3 trade in $0.01 steps' : 'options at $3 and above trade in $0.05 steps (SPY, QQQ and IWM in pennies)';
  return tick === 100 ? 'stocks at $1 and above trade in $0.01 steps' : 'stocks under $1 trade in $0.0001 steps';
}

function priceField(field: string, value: number | undefined, assetClass: 'stock' | 'option', symbol: string): Price | undefined {
  if (value === undefined) return undefined;
  const p = toPrice(value);
  if (p === null) bad(field, `${value} has more than 4 decimals`);
  if (!onTick(assetClass, p, pennyEverywhere(symbol))) bad(field, `${value} is off the tick: ${tickWords(assetClass, p)}`);
  return p;
}

/** The order body → an intent, or a 400 naming the field (shape, tick, contract, session rules). */
async function parseOrder(body: unknown, runtime: TradingRuntime): Promise<OrderIntent> {
  const b = parseOr400(OrderBodySchema, body, 'body');
  const { desk, paper } = runtime;
  const account = b.account ?? desk.accountNames()[0]!;
  if (!desk.accountNames().includes(account)) bad('account', `no account named ${account} (accounts: ${desk.accountNames().join(', ')})`);
  const symbol = b.symbol.toUpperCase();
  const assetClass = symbol.startsWith('O:') ? 'option' : assetClassOf(symbol);
  const now = desk.brokerFor(account) === paper ? paper.currentTime() : Date.now();
  if (assetClass === 'option') {
    let contract;
    try {
      contract = parseOptionTicker(symbol, 'symbol');
    } catch (e) {
      if (e instanceof InputError) bad('symbol', e.reason);
      throw e;
    }
    if (Number(contract.expiration.slice(0, 4)) > CALENDAR_LAST_YEAR) bad('symbol', `${symbol} expires ${contract.expiration}, beyond the calendar (${CALENDAR_LAST_YEAR}): not a listed contract`);
    const session = sessionOn(contract.expiration);
    const close = session ? session.close : nyTimeToMs(contract.expiration, '16:00');
    if (now >= close) bad('symbol', `${symbol} expired at the close of ${contract.expiration} (it is now ${formatNyIso(now)})`);
    if (b.extendedHours) bad('extendedHours', 'options trade in regular hours only (09:30–16:00 New York); extended hours are for stocks');
    if (desk.brokerFor(account) === paper && !(await paper.quoteNow(symbol))) {
      bad('symbol', `no quotes for ${symbol} at ${formatNyIso(now)}: not a listed contract (or nothing recorded for it this session)`);
    }
  } else if (!/^[A-Z][A-Z0-9.]{0,9}$/.test(symbol)) {
    bad('symbol', 'must be a stock ticker like GOOG or an option ticker like O:GOOG151224C00750000');
  }
  const needsLimit = b.type === 'limit' || b.type === 'stop_limit';
  const needsStop = b.type === 'stop' || b.type === 'stop_limit';
  if (needsLimit && b.limitPrice === undefined) bad('limitPrice', `is required for ${b.type} orders`);
  if (!needsLimit && b.limitPrice !== undefined) bad('limitPrice', `${b.type} orders take no limit price`);
  if (needsStop && b.stopPrice === undefined) bad('stopPrice', `is required for ${b.type} orders`);
  if (!needsStop && b.stopPrice !== undefined) bad('stopPrice', `${b.type} orders take no stop price (use stopLoss for an attached stop)`);
  const limitPrice = priceField('limitPrice', b.limitPrice, assetClass, symbol);
  const stopPrice = priceField('stopPrice', b.stopPrice, assetClass, symbol);

  let takeProfit: OrderIntent['takeProfit'];
  if (b.takeProfit) {
    const given = (['limitPrice', 'percent', 'amount'] as const).filter((k) => b.takeProfit![k] !== undefined);
    if (given.length !== 1) bad('takeProfit', 'must have exactly one of limitPrice, percent or amount');
    if (b.takeProfit.limitPrice !== undefined) {
      const tp = priceField('takeProfit.limitPrice', b.takeProfit.limitPrice, assetClass, symbol)!;
      if (limitPrice !== undefined && (b.side === 'buy' ? tp <= limitPrice : tp >= limitPrice)) {
        bad('takeProfit.limitPrice', `must be ${b.side === 'buy' ? 'above' : 'below'} the ${b.side} limit ${formatPrice(limitPrice)}`);
      }
      takeProfit = { limitPrice: tp };
    } else if (b.takeProfit.amount !== undefined) {
      const amount = toPrice(b.takeProfit.amount);
      if (amount === null) bad('takeProfit.amount', `${b.takeProfit.amount} has more than 4 decimals`);
      takeProfit = { amount };
    } else {
      takeProfit = { percent: b.takeProfit.percent! };
    }
  }
  let stopLoss: OrderIntent['stopLoss'];
  if (b.stopLoss) {
    const sp = priceField('stopLoss.stopPrice', b.stopLoss.stopPrice, assetClass, symbol)!;
    if (limitPrice !== undefined && (b.side === 'buy' ? sp >= limitPrice : sp <= limitPrice)) {
      bad('stopLoss.stopPrice', `must be ${b.side === 'buy' ? 'below' : 'above'} the ${b.side} limit ${formatPrice(limitPrice)}`);
    }
    stopLoss = { stopPrice: sp };
  }
  return {
    account, symbol, side: b.side, qty: b.qty, type: b.type,
    ...(limitPrice !== undefined ? { limitPrice } : {}),
    ...(stopPrice !== undefined ? { stopPrice } : {}),
    ...(b.timeInForce ? { timeInForce: b.timeInForce } : {}),
    ...(b.clientOrderId ? { clientOrderId: b.clientOrderId } : {}),
    ...(b.extendedHours !== undefined ? { extendedHours: b.extendedHours } : {}),
    ...(takeProfit ? { takeProfit } : {}),
    ...(stopLoss ? { stopLoss } : {}),
    role: 'entry',
    source: 'manual',
  };
}

// ───────────────────────────── routes ─────────────────────────────

function registerRoutes(app: FastifyInstance, runtime: TradingRuntime, deps: TradingDeps): void {
  const { desk, paper } = runtime;

  app.post('/api/orders', async (request, reply) => {
    const intent = await parseOrder(request.body, runtime);
    const out = await desk.submit(intent);
    if (!out.ok) return reply.code(422).send({ error: { check: out.check, message: out.message } });
    const fills = await desk.brokerFor(out.order.account).fills({ orderId: out.order.id });
    return reply.code(201).send({ order: wireOrder(out.order, fills) });
  });

  app.get('/api/orders', async (request) => {
    const q = parseOr400(OrdersQuerySchema, request.query, 'query');
    return { orders: await ordersView(desk, q.status ?? 'all', q.account) };
  });

  app.delete('/api/orders/:id', async (request) => {
    const { id } = request.params as { id: string };
    for (const account of desk.accountNames()) {
      const broker = desk.brokerFor(account);
      const order = await broker.order(account, id);
      if (!order) continue;
      try {
        const canceled = await desk.cancel(account, id, 'api');
        return { order: wireOrder(canceled, await broker.fills({ orderId: id })) };
      } catch (e) {
        if (e instanceof BrokerError && e.code === 'not_cancelable') throw new HttpError(409, `id: ${e.message}`);
        throw e;
      }
    }
    throw new HttpError(404, `id: no order ${id}`);
  });

  app.get('/api/positions', async (request) => {
    const q = parseOr400(z.object({ account: z.string().min(1).max(64).optional() }), request.query, 'query');
    return { positions: await positionsView(desk, paper, q.account) };
  });

  app.post('/api/positions/close', async (request, reply) => {
    const b = parseOr400(CloseBodySchema, request.body, 'body');
    const account = b.account ?? desk.accountNames()[0]!;
    if (!desk.accountNames().includes(account)) bad('account', `no account named ${account}`);
    const out = await desk.closePosition(account, b.symbol.toUpperCase());
    if (!out.ok) return reply.code(422).send({ error: { check: out.check, message: out.message } });
    return reply.code(201).send({ order: wireOrder(out.order) });
  });

  app.get('/api/accounts', async () => ({ accounts: await accountsView(desk) }));

  app.get('/api/risk', async () => ({
    settings: toApiSettings(desk.riskSettings()),
    killSwitch: killView(desk.killSwitch()),
    lossStreak: desk.risk.lossStreak(),
    checks: RISK_CHECKS,
  }));

  app.put('/api/risk', async (request) => {
    const patch = parseOr400(riskSettingsPatch, request.body, 'body');
    return { settings: toApiSettings(desk.updateRiskSettings(patch, 'api')) };
  });

  app.post('/api/risk/kill', async (request) => {
    const b = parseOr400(KillBodySchema, request.body ?? undefined, 'body');
    const result = await desk.kill(b?.reason?.trim() || 'kill switch (dashboard/API)', 'api');
    const killSwitch = killView(result.state);
    runtime.hub.publish({ kind: 'kill_switch', killSwitch, canceled: result.canceled });
    return { killSwitch, canceled: result.canceled, failed: result.failed };
  });

  app.delete('/api/risk/kill', async () => {
    const killSwitch = killView(await desk.release('api'));
    runtime.hub.publish({ kind: 'kill_switch', killSwitch });
    return { killSwitch };
  });

  // A replay jump back in time or to another session cannot be evaluated quote by quote:
  // refuse it while paper orders work (forward jumps are evaluated in order).
  app.addHook('preHandler', async (request) => {
    if (request.method !== 'POST' || request.routeOptions.url !== '/api/replay' || !paper.hasWorkingOrders()) return;
    const status = deps.replay?.replayStatus();
    const control = ReplayControlSchema.safeParse(request.body);
    if (!status || !control.success) return;
    const session = control.data.session ?? status.session;
    const working = (await paper.orders({ status: 'open' })).length;
    const why = `replay: ${working} paper order(s) are working; `;
    if (session !== status.session) {
      throw new HttpError(409, `${why}switching the session would skip or repeat their fills — cancel them first (or let them fill)`);
    }
    if (control.data.time !== undefined && nyTimeToMs(session, control.data.time) < status.clock) {
      throw new HttpError(409, `${why}jumping back in time would repeat their fills — cancel them first; jumps forward are evaluated quote by quote`);
    }
  });
}
