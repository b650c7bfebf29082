/**
 * store/ — where optdesk keeps what it must remember: vendor minute and daily bars (every
 * other timeframe is derived in memory by src/bars, never stored), option quotes / minute
 * bars / open interest with their parsed contracts, the flat-file import log, dashboard
 * settings and chart drawings; and, through their own repositories, the trading books
 * (trading.ts) and the journal (journal.ts).
 *
 * Callers depend on the `MarketStore` interface only. The default backend is one SQLite
 * file (WAL mode, numbered migrations), composed in sqlite.ts from one repository per
 * domain (bars.ts, options.ts, imports.ts, dashboard-state.ts); a Postgres backend can
 * implement the same interface later. The store does not merge or derive bars — src/bars
 * is the single writer of every series and decides what to upsert.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { SqliteMarketStore } from './sqlite.js';

export type {
  Drawing,
  ImportKind,
  ImportRecord,
  ImportStart,
  ImportSymbolTally,
  MarketStore,
  OpenInterest,
  SymbolImportSummary,
  SymbolSummary,
  UpsertCounts,
} from './types.js';
export { SqliteMarketStore } from './sqlite.js';
export { MIGRATIONS, type AppliedMigration, type Migration } from './migrations.js';

/** Where the database lives when nobody says otherwise (relative to the working directory). */
export const DEFAULT_DB_PATH = './data/optdesk.db';

/**
 * The database path a command should use: the `--db` flag, else `$OPTDESK_DB`, else
 * `./data/optdesk.db`. Returned absolute so logs and errors name the real file.
 */
export function resolveDbPath(opts: { db?: string } = {}, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = opts.db?.trim() || env.OPTDESK_DB?.trim() || DEFAULT_DB_PATH;
  return resolve(chosen);
}

/**
 * Opens the store at `path` (creating the file and its parent directories on first use)
 * and brings its schema up to date. `:memory:` opens a throw-away in-memory database.
 */
export function openStore(path: string): SqliteMarketStore {
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  return new SqliteMarketStore(path);
}
