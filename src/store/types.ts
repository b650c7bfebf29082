/**
 * The storage contract. Callers (bar engine, importer, server, backtests) talk to
 * `MarketStore` only, so a Postgres backend can be added later without touching them.
 *
 * Conventions every implementation keeps:
 * - timestamps are epoch ms UTC; ranges are half-open `[fromMs, toMs)` and come back ascending;
 * - upserts are idempotent: writing an identical row again counts as `unchanged` and changes
 *   nothing, a row whose values differ replaces the stored one (`updated`);
 * - a missing option bid/ask is `null`, never 0.
 */
import type {
  DailyAggregate,
  IsoDate,
  MinuteAggregate,
  OptionQuote,
} from '../core/types.js';
import type { ListedOptionContract } from '../core/occ.js';

/** What a batch upsert did, row by row. */
export interface UpsertCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

/** Open interest of one contract at the start of a trading day. */
export interface OpenInterest {
  date: IsoDate;
  ticker: string;
  openInterest: number;
}

/** What the store holds for one (stock/ETF) symbol. */
export interface SymbolSummary {
  symbol: string;
  /** Start of the first stored minute bar, epoch ms; null when there are no minute bars. */
  minuteFrom: number | null;
  /** Start of the last stored minute bar, epoch ms (inclusive); null when there are none. */
  minuteTo: number | null;
  /** Number of stored minute bars. */
  minuteBars: number;
  /** America/New_York dates that have at least one minute bar, ascending. */
  minuteDates: IsoDate[];
  /** Whether the vendor's official daily bars exist for this symbol. */
  hasVendorDaily: boolean;
  /** Start of the first / last vendor daily bar, epoch ms; null without daily bars. */
  dailyFrom: number | null;
  dailyTo: number | null;
}

/** Flat-file kinds the importer knows; stored in the import log. */
export type ImportKind =
  | 'stocks-minute'
  | 'stocks-day'
  | 'options-minute'
  | 'options-quotes'
  | 'open-interest';

/** One line of the import log: which file, what it held, what happened. */
export interface ImportRecord {
  path: string;
  /** File size in bytes and modification time (epoch ms) when it was read. */
  size: number;
  mtimeMs: number;
  kind: ImportKind;
  rowsOk: number;
  rowsBad: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** Why the file stopped early (truncated gzip, bad header…); absent when it was read to the end. */
  error?: string;
  /** 0 while the import is still marked `started`. */
  finishedAt: number;
  /** `started`: the import began and never finished (killed, or still running). Default `finished`. */
  status?: 'started' | 'finished';
  startedAt?: number;
  /** Process that ran the import. */
  pid?: number;
  /** Per-symbol tallies (written with `finishImport`; not read back by `imports()`). */
  symbols?: ImportSymbolTally[];
}

/** What one import saw for one symbol (contract ticker for option files). */
export interface ImportSymbolTally {
  symbol: string;
  rows: number;
  /** Malformed rows whose ticker could still be read. */
  bad: number;
  /** Rows repeating the (symbol, start) of the row before them. */
  duplicates: number;
  /** Rows starting before the symbol's previous row. */
  outOfOrder: number;
}

/** The start of an import, recorded before the first row is read. */
export interface ImportStart {
  path: string;
  size: number;
  mtimeMs: number;
  kind: ImportKind;
  startedAt: number;
  pid?: number;
}

/** What the latest import of each file saw for one symbol. */
export interface SymbolImportSummary {
  /** Files whose latest finished import had rows of the symbol. */
  files: number;
  rows: number;
  bad: number;
  duplicates: number;
  outOfOrder: number;
  /** `path: error` of those files that stopped early. */
  filesStoppedEarly: string[];
}

/**
 * A chart drawing the dashboard persists per symbol (today: horizontal lines).
 * The store keeps it as opaque JSON; only `id` is interpreted.
 */
export interface Drawing {
  id: string;
  [field: string]: unknown;
}

export interface MarketStore {
  /** Vendor/live 1-minute aggregates keyed (symbol, start). */
  upsertMinuteBars(bars: readonly MinuteAggregate[]): UpsertCounts;
  minuteBars(symbol: string, fromMs: number, toMs: number): MinuteAggregate[];

  /** The vendor's official daily aggregates keyed (symbol, start = 00:00 New York). */
  upsertDailyBars(bars: readonly DailyAggregate[]): UpsertCounts;
  dailyBars(symbol: string, fromMs: number, toMs: number): DailyAggregate[];

  /**
   * Option NBBO quotes keyed (ticker, ts, sequence). Throws InputError for a ticker that is
   * not an OCC option ticker (nothing of that batch is written).
   */
  upsertOptionQuotes(quotes: readonly OptionQuote[]): UpsertCounts;
  /** Every contract's quotes of one underlying in [fromMs, toMs), ascending by ts then ticker. */
  optionQuotes(underlying: string, fromMs: number, toMs: number): OptionQuote[];
  /** One contract's quotes in [fromMs, toMs), ascending. */
  contractQuotes(ticker: string, fromMs: number, toMs: number): OptionQuote[];

  /** Option 1-minute aggregates (symbol = `O:` ticker) keyed (symbol, start). */
  upsertOptionMinuteBars(bars: readonly MinuteAggregate[]): UpsertCounts;
  optionMinuteBars(ticker: string, fromMs: number, toMs: number): MinuteAggregate[];

  /** Open interest keyed (date, ticker). */
  upsertOpenInterest(rows: readonly OpenInterest[]): UpsertCounts;
  /** Open interest on `date`, optionally only for one underlying; ascending by ticker. */
  openInterest(date: IsoDate, underlying?: string): OpenInterest[];

  /** Contracts seen in any option data (quotes, bars, open interest). */
  optionContracts(underlying: string): ListedOptionContract[];
  optionUnderlyings(): string[];
  /** Stock/ETF symbols with minute or vendor daily bars, ascending. */
  symbols(): SymbolSummary[];

  /** New York dates holding stock/ETF minute bars, ascending, each with its symbols (ascending). */
  minuteSessions(): { date: IsoDate; symbols: string[] }[];
  /** The dates in [fromDate, toDate] (inclusive) on which `symbol` has stock minute bars, ascending. */
  minuteDates(symbol: string, fromDate: IsoDate, toDate: IsoDate): IsoDate[];
  /**
   * Every contract's quotes of one underlying in [fromMs, toMs), grouped by contract (each
   * contract's quotes together, ascending by ts): what a chain index is built from. About
   * twice as fast as `optionQuotes` for a whole chain-day (no sort, no per-row ticker join).
   */
  optionQuotesByContract(underlying: string, fromMs: number, toMs: number): OptionQuote[];
  /** Option 1-minute aggregates of every contract of `underlying` in [fromMs, toMs), ascending by start then ticker. */
  optionMinuteBarsOf(underlying: string, fromMs: number, toMs: number): MinuteAggregate[];
  /** Whether any contract of `underlying` has a quote in [fromMs, toMs) (an index seek, not a read of the quotes). */
  hasOptionQuotes(underlying: string, fromMs: number, toMs: number): boolean;
  /** Whether nothing was ever imported and no market data is stored (a fresh database). */
  isEmpty(): boolean;

  /** Records a finished import in one step. */
  recordImport(record: ImportRecord): void;
  /** Marks a file's import as started; returns its log id for `finishImport`. */
  beginImport(start: ImportStart): number;
  /** Completes the `started` row `id` with the outcome and per-symbol tallies (one transaction). */
  finishImport(id: number, record: ImportRecord): void;
  /** Files whose latest import is still `started`: killed mid-import, or running now. */
  incompleteImports(): ImportRecord[];
  /** Rows, bad rows, duplicates and out-of-order rows of `symbol` over the latest finished import of each file. */
  importSummary(symbol: string): SymbolImportSummary;
  /** Import log, newest first. */
  imports(limit?: number): ImportRecord[];
  /** The newest log entry for a file path, if any. */
  lastImport(path: string): ImportRecord | undefined;

  /**
   * Dashboard settings as JSON values. A value that is not valid JSON reads as undefined:
   * it is moved to `settings_quarantine` and reported to the warning handler.
   */
  setting<T = unknown>(key: string): T | undefined;
  setSetting(key: string, value: unknown): void;
  /** Moves the stored value of `key` aside (settings_quarantine, with `reason` and time) and deletes it. */
  quarantineSetting(key: string, reason: string): void;
  /** Quarantined values, newest first. */
  quarantinedSettings(): { key: string; value: string; reason: string; quarantinedAt: number }[];
  /** Where the store reports recoverable problems (a corrupt setting). Default: process warnings. */
  setWarningHandler(handler: (message: string) => void): void;

  /** A symbol's drawings in the order they were saved. */
  drawings(symbol: string): Drawing[];
  /** Replaces all drawings of a symbol. */
  saveDrawings(symbol: string, list: readonly Drawing[]): void;

  close(): void;
}
