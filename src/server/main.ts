/**
 * `optdesk serve` / `node --import tsx src/server/main.ts`: starts the server from the
 * environment and prints its URL.
 *
 * Environment:
 * - PORT (default 3000), HOST (default 127.0.0.1; any other address needs OPTDESK_TOKEN)
 * - OPTDESK_TOKEN: required on every request/socket when set
 * - OPTDESK_ALLOWED_HOSTS: comma-separated extra names the desk is reached by (Host/Origin allow-list)
 * - OPTDESK_DB: SQLite file (default ./data/optdesk.db): market data the replay plays,
 *   watchlist, drawings
 * - OPTDESK_DATA: Massive flat files imported into an empty database on first run, with a
 *   progress bar (default ../shared/data next to the repo); later starts skip it
 * - OPTDESK_LOG: request/error log, rotated daily and at 10 MB (default ./data/logs/optdesk.log; "off" to disable)
 * - MASSIVE_API_KEY: use the Massive live feed instead of the replay
 *   (MASSIVE_DELAYED=1 for 15-minute delayed data on both clusters; MASSIVE_STOCKS_DELAYED /
 *   MASSIVE_OPTIONS_DELAYED choose per cluster)
 * - OPTDESK_REPLAY_SESSION / OPTDESK_REPLAY_TIME / OPTDESK_REPLAY_SPEED / OPTDESK_REPLAY_STATE:
 *   where the replay starts (default 2013-10-10 10:30, playing at 60×, so candles build
 *   right away on a fresh start)
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { MassiveFeed, delayedFromEnv } from '../feeds/massive/index.js';
import type { MarketDataFeed } from '../feeds/types.js';
import { resolveDbPath } from '../store/index.js';
import { createImportProgressBar } from '../feeds/flatfile/index.js';
import { DEFAULT_DATA_DIR, type OptdeskServer, type ServerConfig, createServer } from './app.js';
import { parseAllowedHosts } from './security.js';
import { type AlpacaBroker, AlpacaConfigError, alpacaBrokerFromEnv, alpacaSettingsFromEnv } from '../broker/alpaca/index.js';

export const DEFAULT_LOG_FILE = './data/logs/optdesk.log';

export interface StartServerOptions {
  port?: number;
  host?: string;
  dataDir?: string;
  db?: string;
  env?: NodeJS.ProcessEnv;
  /** Where the startup lines go. Default console.log. */
  log?: (line: string) => void;
}

export interface RunningServer {
  url: string;
  server: OptdeskServer;
  close(): Promise<void>;
}

/** Reads the environment (flags in `opts` win), starts the server and prints where it listens. */
export async function startServer(opts: StartServerOptions = {}): Promise<RunningServer> {
  const startedAt = performance.now();
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((line: string) => console.log(line));
  const port = opts.port ?? parsePort(env.PORT);
  const host = opts.host ?? (env.HOST?.trim() || '127.0.0.1');
  const dataDir = path.resolve(opts.dataDir ?? env.OPTDESK_DATA ?? DEFAULT_DATA_DIR);
  const dbPath = resolveDbPath({ db: opts.db }, env);
  const logSetting = env.OPTDESK_LOG?.trim() || DEFAULT_LOG_FILE;
  const logFile = logSetting === 'off' ? undefined : path.resolve(logSetting);

  let feed: MarketDataFeed | undefined;
  let feedLine = `replay of the recorded sessions in the database`;
  const apiKey = env.MASSIVE_API_KEY?.trim();
  if (apiKey) {
    const delayed = delayedFromEnv(env);
    feed = new MassiveFeed({ apiKey, delayed, logger: { warn: (m) => log(`massive: ${m}`) } });
    feedLine = `Massive feed: stocks ${delayed.stocks ? 'delayed' : 'real-time'}, options ${delayed.options ? 'delayed' : 'real-time'}`;
  }

  const replay: ServerConfig['replay'] = {
    ...(env.OPTDESK_REPLAY_SESSION ? { session: env.OPTDESK_REPLAY_SESSION } : {}),
    ...(env.OPTDESK_REPLAY_TIME ? { time: env.OPTDESK_REPLAY_TIME } : {}),
    ...(env.OPTDESK_REPLAY_SPEED ? { speed: Number(env.OPTDESK_REPLAY_SPEED) } : {}),
    ...(env.OPTDESK_REPLAY_STATE === 'pause' || env.OPTDESK_REPLAY_STATE === 'play' ? { state: env.OPTDESK_REPLAY_STATE } : {}),
  };

  const bar = opts.log ? undefined : createImportProgressBar(process.stderr);
  const firstRunImport = {
    log,
    ...(bar ? { onProgress: bar.onProgress.bind(bar), onDone: () => bar.stop() } : {}),
  };
  const alpaca = alpacaFromEnv(env, feed !== undefined, log);
  const trading = alpaca ? { brokers: [alpaca], liveAllowed: env.OPTDESK_LIVE?.trim() === '1' } : undefined;
  const server = createServer({ host, port, token: env.OPTDESK_TOKEN, allowedHosts: parseAllowedHosts(env.OPTDESK_ALLOWED_HOSTS), logFile, dataDir, dbPath, feed, replay, firstRunImport, ...(apiKey ? { scanSnapshot: { apiKey } } : {}), ...(trading ? { trading } : {}) });
  let url: string;
  try {
    ({ url } = await server.listen());
  } finally {
    bar?.stop();
  }
  log(`optdesk listening on ${url} (ready in ${((performance.now() - startedAt) / 1000).toFixed(1)} s)`);
  log(`  feed: ${feedLine}`);
  const status = server.hub.replayStatus();
  if (status) log(`  replay: ${status.session} ${status.time} ET, ${status.state} at ${status.speed}× (control it from the dashboard's replay bar)`);
  const feedMessage = server.hub.feedHealth().message;
  if (feedMessage) log(`  note: ${feedMessage}`);
  if (alpaca) log(`  orders: Alpaca ${alpaca.live ? 'LIVE (real money)' : 'paper'} account "${alpaca.accountName}" beside the built-in paper broker`);
  log(`  database: ${dbPath}`);
  log(`  log: ${logFile ? `${path.dirname(logFile)}/ (rotated)` : 'off'}`);
  return { url, server, close: () => server.close() };
}

/**
 * The Alpaca broker when its keys are set (ALPACA_KEY_ID, ALPACA_SECRET_KEY), else null.
 * It trades today's market, so it needs the live Massive feed: on the replay the risk
 * engine's price collar and the exits would read quotes from years ago.
 */
export function alpacaFromEnv(env: NodeJS.ProcessEnv, liveFeed: boolean, log: (line: string) => void): AlpacaBroker | null {
  if (!liveFeed && alpacaSettingsFromEnv(env)) {
    throw new AlpacaConfigError('MASSIVE_API_KEY', 'is needed to trade on Alpaca: without the live feed the desk replays recorded sessions, and the risk checks and exits would price Alpaca orders on quotes from years ago');
  }
  const line = (msg: string, fields?: Record<string, unknown>) => log(`alpaca: ${msg}${fields ? ` ${JSON.stringify(fields)}` : ''}`);
  return alpacaBrokerFromEnv(env, { log: { info: line, warn: line } });
}

function parsePort(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 3000;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`PORT: must be a port number 0–65535, got "${raw}"`);
  return n;
}

// Run directly: `node --import tsx src/server/main.ts`.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  startServer().then(
    (running) => {
      const shutdown = (): void => {
        void running.close().then(() => process.exit(0));
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    },
    (err: unknown) => {
      console.error(`optdesk: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}

