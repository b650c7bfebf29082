/**
 * The embedded default store: one SQLite file through better-sqlite3. This file opens the
 * database (pragmas, migrations) and composes the repositories, one per domain, each owning
 * its tables and prepared statements:
 *
 * - bars.ts: stock/ETF minute and daily bars, the minute catalogue, bulk column reads;
 * - options.ts: option contracts, quotes, minute bars, open interest;
 * - imports.ts: the flat-file import log;
 * - dashboard-state.ts: settings (and their quarantine), chart drawings;
 * - trading.ts and journal.ts (built on `connection`): the trading books and the journal.
 *
 * `SqliteMarketStore` is the `MarketStore` callers use; its methods hand off to the
 * repositories. Upserts run as "INSERT OR IGNORE, then UPDATE only if a value differs"
 * (aggregate-table.ts). Each batch is one transaction, begun IMMEDIATE: it holds the write
 * lock from its first statement, so two processes importing at once queue (busy timeout)
 * instead of one failing halfway with "database is locked".
 */
import Database from 'better-sqlite3';
import type { DailyAggregate, IsoDate, MinuteAggregate, OptionQuote } from '../core/types.js';
import { migrate, type AppliedMigration } from './migrations.js';
import { BarsRepository } from './bars.js';
import { DashboardStateRepository } from './dashboard-state.js';
import { ImportLogRepository } from './imports.js';
import { OptionDataRepository } from './options.js';
import type { MinuteColumnsRead } from './minute-columns.js';
import type { ListedOptionContract } from '../core/occ.js';
import type {
  Drawing,
  ImportRecord,
  ImportStart,
  MarketStore,
  OpenInterest,
  SymbolImportSummary,
  SymbolSummary,
  UpsertCounts,
} from './types.js';

export class SqliteMarketStore implements MarketStore {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly migrations: AppliedMigration[];
  private readonly anyData: Database.Statement;
  readonly barData: BarsRepository;
  readonly optionData: OptionDataRepository;
  readonly importLog: ImportLogRepository;
  readonly dashboard: DashboardStateRepository;

  /** Opens (creating if needed) the database file and applies pending migrations. */
  constructor(path: string) {
    this.path = path;
    this.db = new Database(path);
    try {
      // WAL: the server reads charts while an import writes; readers never block the writer.
      this.db.pragma('journal_mode = WAL');
      // NORMAL is durable across application crashes in WAL mode and much faster than FULL.
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
      // Writers take the lock up front (BEGIN IMMEDIATE) and a second writer (another import,
      // the server saving a setting) waits for it this long instead of failing "database is locked".
      this.db.pragma('busy_timeout = 30000');
      // 64 MiB page cache: an options day touches thousands of contracts' pages per batch.
      this.db.pragma('cache_size = -65536');
      this.migrations = migrate(this.db);
    } catch (err) {
      this.db.close();
      throw err;
    }
    this.barData = new BarsRepository(this.db);
    this.optionData = new OptionDataRepository(this.db);
    this.importLog = new ImportLogRepository(this.db);
    this.dashboard = new DashboardStateRepository(this.db);
    this.anyData = this.db
      .prepare(
        `SELECT EXISTS (SELECT 1 FROM imports) OR EXISTS (SELECT 1 FROM minute_bars) OR EXISTS (SELECT 1 FROM daily_bars)
           OR EXISTS (SELECT 1 FROM option_quotes) OR EXISTS (SELECT 1 FROM option_minute_bars)`,
      )
      .pluck();
  }

  /** Migrations this database has applied, oldest first (diagnostics, tests). */
  appliedMigrations(): AppliedMigration[] {
    return this.migrations.map((m) => ({ ...m }));
  }

  /** Whether nothing was ever imported and no market data is stored: spans every domain. */
  isEmpty(): boolean {
    return this.anyData.get() === 0;
  }

  // --- bars (bars.ts) ---------------------------------------------------------------------

  upsertMinuteBars(bars: readonly MinuteAggregate[]): UpsertCounts { return this.barData.upsertMinuteBars(bars); }
  minuteBars(symbol: string, fromMs: number, toMs: number): MinuteAggregate[] { return this.barData.minuteBars(symbol, fromMs, toMs); }
  /** The same minutes as typed-array columns (src/store/minute-columns.ts): the bulk read path. */
  minuteColumns(symbol: string, fromMs: number, toMs: number): MinuteColumnsRead { return this.barData.minuteColumns(symbol, fromMs, toMs); }
  /** Streams [from, to) day by day as column views on each day's block (valid during `visit`). */
  forEachMinuteDay(symbol: string, fromMs: number, toMs: number, visit: (day: MinuteColumnsRead) => void): void {
    this.barData.forEachMinuteDay(symbol, fromMs, toMs, visit);
  }
  upsertDailyBars(bars: readonly DailyAggregate[]): UpsertCounts { return this.barData.upsertDailyBars(bars); }
  dailyBars(symbol: string, fromMs: number, toMs: number): DailyAggregate[] { return this.barData.dailyBars(symbol, fromMs, toMs); }
  symbols(): SymbolSummary[] { return this.barData.symbols(); }
  minuteSessions(): { date: IsoDate; symbols: string[] }[] { return this.barData.minuteSessions(); }
  minuteDates(symbol: string, fromDate: IsoDate, toDate: IsoDate): IsoDate[] { return this.barData.minuteDates(symbol, fromDate, toDate); }

  // --- options (options.ts) ---------------------------------------------------------------

  upsertOptionQuotes(quotes: readonly OptionQuote[]): UpsertCounts { return this.optionData.upsertOptionQuotes(quotes); }
  optionQuotes(underlying: string, fromMs: number, toMs: number): OptionQuote[] { return this.optionData.optionQuotes(underlying, fromMs, toMs); }
  contractQuotes(ticker: string, fromMs: number, toMs: number): OptionQuote[] { return this.optionData.contractQuotes(ticker, fromMs, toMs); }
  optionQuotesByContract(underlying: string, fromMs: number, toMs: number): OptionQuote[] { return this.optionData.optionQuotesByContract(underlying, fromMs, toMs); }
  hasOptionQuotes(underlying: string, fromMs: number, toMs: number): boolean { return this.optionData.hasOptionQuotes(underlying, fromMs, toMs); }
  upsertOptionMinuteBars(bars: readonly MinuteAggregate[]): UpsertCounts { return this.optionData.upsertOptionMinuteBars(bars); }
  optionMinuteBars(ticker: string, fromMs: number, toMs: number): MinuteAggregate[] { return this.optionData.optionMinuteBars(ticker, fromMs, toMs); }
  optionMinuteBarsOf(underlying: string, fromMs: number, toMs: number): MinuteAggregate[] { return this.optionData.optionMinuteBarsOf(underlying, fromMs, toMs); }
  upsertOpenInterest(rows: readonly OpenInterest[]): UpsertCounts { return this.optionData.upsertOpenInterest(rows); }
  openInterest(date: IsoDate, underlying?: string): OpenInterest[] { return this.optionData.openInterest(date, underlying); }
  optionContracts(underlying: string): ListedOptionContract[] { return this.optionData.optionContracts(underlying); }
  optionUnderlyings(): string[] { return this.optionData.optionUnderlyings(); }

  // --- import log (imports.ts) ------------------------------------------------------------

  recordImport(record: ImportRecord): void { this.importLog.recordImport(record); }
  beginImport(start: ImportStart): number { return this.importLog.beginImport(start); }
  finishImport(id: number, record: ImportRecord): void { this.importLog.finishImport(id, record); }
  incompleteImports(): ImportRecord[] { return this.importLog.incompleteImports(); }
  importSummary(symbol: string): SymbolImportSummary { return this.importLog.importSummary(symbol); }
  imports(limit = 100): ImportRecord[] { return this.importLog.imports(limit); }
  lastImport(path: string): ImportRecord | undefined { return this.importLog.lastImport(path); }

  // --- dashboard state (dashboard-state.ts) -----------------------------------------------

  setting<T = unknown>(key: string): T | undefined { return this.dashboard.setting<T>(key); }
  setSetting(key: string, value: unknown): void { this.dashboard.setSetting(key, value); }
  quarantineSetting(key: string, reason: string): void { this.dashboard.quarantineSetting(key, reason); }
  quarantinedSettings(): { key: string; value: string; reason: string; quarantinedAt: number }[] { return this.dashboard.quarantinedSettings(); }
  setWarningHandler(handler: (message: string) => void): void { this.dashboard.setWarningHandler(handler); }
  drawings(symbol: string): Drawing[] { return this.dashboard.drawings(symbol); }
  saveDrawings(symbol: string, list: readonly Drawing[]): void { this.dashboard.saveDrawings(symbol, list); }

  /** The connection, for the repositories of other components (store/trading.ts, store/journal.ts). */
  get connection(): Database.Database {
    return this.db;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
