/**
 * createServer — Fastify (REST + the built dashboard) and Socket.IO (the hub protocol)
 * on one port, around one ChartHub.
 *
 * Nothing listens until `listen()`; tests start it on port 0 and `close()` it. A bind
 * address other than loopback without a token is refused here, before anything opens.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import fastifyStatic from '@fastify/static';
import { Server } from 'socket.io';
import { ChartHub, type ChartHubOptions } from '../hub/hub.js';
import type { MarketDataFeed } from '../feeds/types.js';
import { ReplayFeed, type ReplayTicker } from '../feeds/replay/index.js';
import { openStore } from '../store/index.js';
import type { MarketStore } from '../store/types.js';
import { assertBindAllowed, installAuth } from './auth.js';
import { HostPolicy, installHostPolicy, socketAllowRequest } from './security.js';
import { ReplayPositionKeeper, replayStart, savedReplayPosition } from './replay-position.js';
import { errorHandler } from './errors.js';
import { errorBody } from '../core/errors.js';
import { registerApiRoutes } from './routes.js';
import { registerOptionsRoutes } from './options-routes.js';
import { OptionsHub, type OptionsHubOptions } from '../services/options/options-hub.js';
import { QuotesHub } from '../hub/quotes-hub.js';
import { ChainService, MassiveChainSource, type MassiveChainSourceOptions } from '../services/options/index.js';
import { MassiveFeed } from '../feeds/massive/index.js';
import { registerTradingRoutes, type TradingConfig } from './trading-routes.js';
import { type FirstRunImportOptions, importOnFirstRun } from './first-run.js';
import { ScanService, storedWatchlist } from './scan-service.js';
import { MassiveSnapshotSource, type MassiveSnapshotOptions } from '../scanner/massive-snapshot.js';
import { registerScanRoutes } from './scan-routes.js';
import { ScannerHub } from '../hub/scanner-hub.js';
import { checklistGrader, registerJournalRoutes } from './journal-routes.js';
import { registerBacktestRoutes } from './backtest-routes.js';
import { registerStrategyRoutes } from './strategy-routes.js';

const require = createRequire(import.meta.url);
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DEFAULT_WEB_DIST = path.join(REPO_ROOT, 'web/dist');
export const DEFAULT_DATA_DIR = path.resolve(REPO_ROOT, '../shared/data');

export interface ServerConfig {
  /** Default 127.0.0.1. Anything else requires `token`. */
  host?: string;
  /** Default 3000; 0 picks a free port. */
  port?: number;
  /** OPTDESK_TOKEN: required on every request and socket when set. */
  token?: string;
  /** OPTDESK_ALLOWED_HOSTS: extra Host/Origin names (`name` or `name:port`) besides loopback at our port. */
  allowedHosts?: readonly string[];
  /** Recorded flat files imported into an empty store on first run (the replay plays the store). Default ../shared/data next to the repo. */
  dataDir?: string;
  /** The first-run import of `dataDir` into an empty store (progress, log); false: never import. */
  firstRunImport?: FirstRunImportOptions | false;
  /** SQLite file: the market data the replay plays, watchlist, drawings. Ignored when `store` is given. */
  dbPath?: string;
  store?: MarketStore;
  /** A ready feed (e.g. Massive). Default: the replay feed over the store. */
  feed?: MarketDataFeed;
  /** Replay start: session date, "HH:MM" New York, speed, play/pause (see REPLAY_DEFAULTS). */
  replay?: { session?: string; time?: string; speed?: number; state?: 'play' | 'pause' };
  /** Drives the replay clock; tests pass a ManualTicker. */
  ticker?: ReplayTicker;
  /** Built dashboard. Default web/dist in the repo. */
  webDist?: string;
  logger?: boolean;
  /**
   * OPTDESK_LOG: request and error log file, rotated (pino-roll: daily and at 10 MB, 7 old
   * files kept; the active file is FILE's name with a number, e.g. optdesk.1.log). Off when unset.
   */
  logFile?: string;
  hub?: Omit<ChartHubOptions, 'feed'>;
  /** Live scans of the whole market: Massive's full-market snapshot (key and, for tests, base URL). */
  scanSnapshot?: MassiveSnapshotOptions;
  /** Option streams (throttle) and, with the Massive feed, the live-contract budget. */
  options?: Omit<OptionsHubOptions, 'hub' | 'chains'> & { massive?: MassiveChainSourceOptions };
  /** Paper accounts, latency, slippage, flatten time, live flag, extra brokers (see trading-routes.ts). */
  trading?: TradingConfig;
}

export interface OptdeskServer {
  app: FastifyInstance;
  io: Server;
  hub: ChartHub;
  /** Option chains and the quote matrix (REST and streams). */
  chains: ChainService;
  optionsHub: OptionsHub;
  /** The quotes stream: one price per symbol for the watchlist, toolbar and chain marker. */
  quotesHub: QuotesHub;
  /** Scanner, entry checklist and covered-call screener (REST and the scan stream). */
  scans: ScanService;
  scannerHub: ScannerHub;
  store: MarketStore;
  /** The replay feed when the server runs one. */
  replay?: ReplayFeed;
  listen(): Promise<{ url: string }>;
  close(): Promise<void>;
}

export function createServer(config: ServerConfig = {}): OptdeskServer {
  const host = config.host ?? '127.0.0.1';
  const token = config.token?.trim() || undefined;
  assertBindAllowed(host, token);
  // Built first so a bad OPTDESK_ALLOWED_HOSTS fails before anything opens; the port is read per request.
  const hostPolicy = new HostPolicy({ bindHost: host, allowedHosts: config.allowedHosts }, () => (app.server.address() as AddressInfo | null)?.port);

  const dataDir = config.dataDir ?? DEFAULT_DATA_DIR;
  const ownStore = !config.store;
  const store = config.store ?? openStore(config.dbPath ?? ':memory:');
  // The saved replay position fills every field the caller (environment) leaves open.
  const replayAt = config.feed ? {} : replayStart(savedReplayPosition(store), config.replay);
  const feed =
    config.feed ??
    new ReplayFeed({
      store,
      storeLabel: config.dbPath ?? 'the database',
      ...replayAt,
      ...(config.ticker ? { ticker: config.ticker } : {}),
    });
  const replay = feed instanceof ReplayFeed ? feed : undefined;
  const hub = new ChartHub({ ...config.hub, feed });

  const app = Fastify({ logger: loggerOptions(config), bodyLimit: 1 << 20 });
  store.setWarningHandler((message) => app.log.warn(message));
  installHostPolicy(app, hostPolicy);
  // Browsers only send tiny subscribe messages: a small buffer limit keeps a bad client cheap.
  // allowRequest: the handshake bypasses Fastify's hooks, so Host/Origin are checked here too.
  const io = new Server(app.server, { serveClient: false, maxHttpBufferSize: 64 * 1024, allowRequest: socketAllowRequest(hostPolicy) });
  if (token) installAuth(app, io, token);
  hub.attach(io);
  const stopSlowConsumerSweep = hub.guard.watch(io);
  const { massive: massiveOptions, ...optionsHubOptions } = config.options ?? {};
  const chains = new ChainService({
    hub,
    recorded: store,
    ...(replay ? { replay } : {}),
    ...(feed instanceof MassiveFeed ? { massive: new MassiveChainSource(feed, massiveOptions) } : {}),
  });
  const optionsHub = new OptionsHub({ ...optionsHubOptions, hub, chains });
  optionsHub.attach(io);
  const quotesHub = new QuotesHub({ hub, ...(replay ? { replay } : {}) });
  quotesHub.attach(io);
  const scans = new ScanService({ hub, store, chains, replay, watchlist: () => storedWatchlist(store), ...(config.scanSnapshot ? { snapshot: new MassiveSnapshotSource(config.scanSnapshot) } : {}) });
  const scannerHub = new ScannerHub({ hub, run: (r) => scans.scan(r), validate: (r) => void [scans.spec(r), scans.symbolsOf(r)] });
  scannerHub.attach(io);

  const replayKeeper = replay ? new ReplayPositionKeeper(store, hub) : undefined;
  app.setErrorHandler(errorHandler);
  registerOptionsRoutes(app, { chains, store });
  registerApiRoutes(app, { hub, store, replay, quotes: quotesHub, onReplayControl: () => replayKeeper?.save() });
  const trading = registerTradingRoutes(app, { hub, store, io, ...(replay ? { replay } : {}), ...(config.trading ? { config: config.trading } : {}) });
  registerStrategyRoutes(app, { store, hub, trading });
  registerScanRoutes(app, scans);
  registerJournalRoutes(app, { store, grader: checklistGrader(scans), fillEvents: [app.trading.paper, ...(config.trading?.brokers ?? [])], ...(config.trading?.flattenAt !== undefined ? { flattenAt: config.trading.flattenAt } : {}) });
  const backtests = registerBacktestRoutes(app, { store, io, ...(config.dbPath && config.dbPath !== ':memory:' ? { dbPath: config.dbPath } : {}) });
  registerDashboard(app, config.webDist ?? DEFAULT_WEB_DIST);

  let closed = false;
  return {
    app,
    io,
    hub,
    chains,
    optionsHub,
    quotesHub,
    scans,
    scannerHub,
    store,
    replay,
    async listen() {
      if (replay && config.firstRunImport !== false) await importOnFirstRun(store, dataDir, config.firstRunImport ?? {});
      await hub.start();
      optionsHub.start();
      replayKeeper?.start();
      quotesHub.start();
      scannerHub.start();
      await app.listen({ host, port: config.port ?? 3000 });
      const addr = app.server.address() as AddressInfo;
      const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      return { url: `http://${shown}:${addr.port}` };
    },
    async close() {
      if (closed) return;
      closed = true;
      replayKeeper?.stop();
      stopSlowConsumerSweep();
      optionsHub.stop();
      quotesHub.stop();
      scannerHub.stop();
      scans.stop();
      await backtests.close();
      await hub.stop();
      io.disconnectSockets(true);
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await app.close();
      if (ownStore) store.close();
    },
  };
}

/** Fastify's logger: to a rotated file when `logFile` is set (the server logs nothing otherwise). */
function loggerOptions(config: ServerConfig): FastifyServerOptions['logger'] {
  if (!config.logFile) return config.logger ?? false;
  return {
    level: 'info',
    // Tokens can travel in headers and cookies: never write them to disk.
    redact: ['req.headers.authorization', 'req.headers.cookie'],
    transport: {
      target: require.resolve('pino-roll'),
      options: { file: path.resolve(config.logFile), frequency: 'daily', size: '10m', mkdir: true, limit: { count: 7 } },
    },
  };
}

/** Serves web/dist, or — when it has not been built — a page that says how to build it. */
function registerDashboard(app: FastifyInstance, webDist: string): void {
  if (existsSync(path.join(webDist, 'index.html'))) {
    void app.register(fastifyStatic, { root: webDist, prefix: '/', wildcard: false });
    // Client-side routes fall back to the app shell.
    app.setNotFoundHandler((request, reply) => {
      if (request.method === 'GET' && !request.url.startsWith('/api/')) return reply.sendFile('index.html');
      return reply.code(404).send({ error: errorBody('NO_ROUTE', `path: no route ${request.method} ${request.url.split('?')[0]}`) });
    });
    return;
  }
  app.get('/', async (_request, reply) => {
    void reply.type('text/html; charset=utf-8');
    return (
      '<!doctype html><meta charset="utf-8"><title>optdesk</title>' +
      '<h1>optdesk: dashboard not built</h1>' +
      `<p>The API is running, but <code>${escapeHtml(webDist)}</code> has no <code>index.html</code>.</p>` +
      '<p>Build it from the repo root with <code>npx vite build --config web/vite.config.ts</code>, then reload this page ' +
      '(or run <code>npx vite --config web/vite.config.ts</code> for the dev server, which proxies to this one).</p>' +
      '<p>API: <a href="/api/health">/api/health</a> · <a href="/api/symbols">/api/symbols</a></p>'
    );
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ error: errorBody('NO_ROUTE', `path: no route ${request.method} ${request.url.split('?')[0]}`) });
  });
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
