/**
 * The embedded default store: one SQLite file through better-sqlite3.
 *
 * Upserts run as "INSERT OR IGNORE, then UPDATE only if a value differs": a fresh import
 * costs one statement per row, and the two `changes` counts tell inserted / updated /
 * unchanged apart without reading the row first. Each batch is one transaction, begun
 * IMMEDIATE: it holds the write lock from its first statement, so two processes importing
 * at once queue (busy timeout) instead of one failing halfway with "database is locked".
 */
import Database from 'better-sqlite3';
import type {
  Bar,
  BarSource,
  DailyAggregate,
  IsoDate,
  MinuteAggregate,
  OptionQuote,
  Timeframe,
} from '../core/types.js';
import { InputError } from '../core/errors.js';
import { migrate, type AppliedMigration } from './migrations.js';
import { nyDate } from '../calendar/index.js';
import { parseOccTicker, type ListedOptionContract } from '../core/occ.js';
import type {
  Drawing,
  ImportKind,
  ImportRecord,
  ImportStart,
  MarketStore,
  OpenInterest,
  SymbolImportSummary,
  SymbolSummary,
  UpsertCounts,
} from './types.js';
import { MinuteColumnReader, type MinuteColumnsRead } from './minute-columns.js';

/** Stored in the key when a quote has no sequence number (key columns cannot be NULL). */
const NO_SEQUENCE = -1;

type AggregateTableName = 'minute_bars' | 'daily_bars' | 'option_minute_bars';

interface AggregateRow {
  symbol: string;
  start: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  vwap: number | null;
  trades: number | null;
}

function counts(): UpsertCounts {
  return { inserted: 0, updated: 0, unchanged: 0 };
}

function rowToAggregate(r: AggregateRow): MinuteAggregate {
  const agg: MinuteAggregate = {
    symbol: r.symbol,
    start: r.start,
    open: r.open,
    high: r.high,
    low: r.low,
    close: r.close,
    volume: r.volume,
  };
  if (r.vwap !== null) agg.vwap = r.vwap;
  if (r.trades !== null) agg.trades = r.trades;
  return agg;
}

/** Prepared statements for the three tables that share the aggregate shape. */
class AggregateTable {
  private readonly insert: Database.Statement;
  private readonly update: Database.Statement;
  private readonly range: Database.Statement;

  constructor(db: Database.Database, table: AggregateTableName) {
    this.insert = db.prepare(
      `INSERT OR IGNORE INTO ${table} (symbol, start, open, high, low, close, volume, vwap, trades)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // IS NOT compares NULLs as values, so a vwap going from NULL to known counts as a change.
    this.update = db.prepare(
      `UPDATE ${table} SET open = @open, high = @high, low = @low, close = @close,
         volume = @volume, vwap = @vwap, trades = @trades
       WHERE symbol = @symbol AND start = @start
         AND (open IS NOT @open OR high IS NOT @high OR low IS NOT @low OR close IS NOT @close
              OR volume IS NOT @volume OR vwap IS NOT @vwap OR trades IS NOT @trades)`,
    );
    this.range = db.prepare(
      `SELECT symbol, start, open, high, low, close, volume, vwap, trades FROM ${table}
       WHERE symbol = ? AND start >= ? AND start < ? ORDER BY start`,
    );
  }

  /** Upserts one row; returns which of the three outcomes happened. Call inside a transaction. */
  upsert(b: MinuteAggregate): 'inserted' | 'updated' | 'unchanged' {
    const vwap = b.vwap ?? null;
    const trades = b.trades ?? null;
    if (this.insert.run(b.symbol, b.start, b.open, b.high, b.low, b.close, b.volume, vwap, trades).changes === 1) {
      return 'inserted';
    }
    const changed = this.update.run({
      symbol: b.symbol, start: b.start, open: b.open, high: b.high, low: b.low, close: b.close,
      volume: b.volume, vwap, trades,
    }).changes;
    return changed === 1 ? 'updated' : 'unchanged';
  }

  select(symbol: string, fromMs: number, toMs: number): MinuteAggregate[] {
    return (this.range.all(symbol, fromMs, toMs) as AggregateRow[]).map(rowToAggregate);
  }
}

interface QuoteRow {
  ticker: string;
  ts: number;
  sequence: number;
  bid: number | null;
  bid_size: number | null;
  ask: number | null;
  ask_size: number | null;
}

function rowToQuote(r: QuoteRow): OptionQuote {
  const q: OptionQuote = {
    ticker: r.ticker,
    ts: r.ts,
    bid: r.bid,
    bidSize: r.bid_size,
    ask: r.ask,
    askSize: r.ask_size,
  };
  if (r.sequence !== NO_SEQUENCE) q.sequence = r.sequence;
  return q;
}

interface ImportRow {
  path: string;
  size: number;
  mtime_ms: number;
  kind: ImportKind;
  rows_ok: number;
  rows_bad: number;
  inserted: number;
  updated: number;
  unchanged: number;
  error: string | null;
  finished_at: number;
  status: 'started' | 'finished';
  started_at: number | null;
  pid: number | null;
}

function rowToImport(r: ImportRow): ImportRecord {
  const rec: ImportRecord = {
    path: r.path,
    size: r.size,
    mtimeMs: r.mtime_ms,
    kind: r.kind,
    rowsOk: r.rows_ok,
    rowsBad: r.rows_bad,
    inserted: r.inserted,
    updated: r.updated,
    unchanged: r.unchanged,
    finishedAt: r.finished_at,
    status: r.status,
  };
  if (r.error !== null) rec.error = r.error;
  if (r.started_at !== null) rec.startedAt = r.started_at;
  if (r.pid !== null) rec.pid = r.pid;
  return rec;
}

export class SqliteMarketStore implements MarketStore {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly minute: AggregateTable;
  private readonly daily: AggregateTable;
  private readonly optionMinute: AggregateTable;
  /** ticker → option_contracts.id; contracts are few and hit on every quote. */
  private readonly contractIds = new Map<string, number>();
  private readonly migrations: AppliedMigration[];
  private readonly stmt;
  private warn: (message: string) => void = (message) => process.emitWarning(message, { code: 'OPTDESK_STORE' });

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
    this.minute = new AggregateTable(this.db, 'minute_bars');
    this.daily = new AggregateTable(this.db, 'daily_bars');
    this.optionMinute = new AggregateTable(this.db, 'option_minute_bars');
    const db = this.db;
    this.stmt = {
      addMinuteDays: db.prepare(
        `INSERT INTO minute_days (symbol, date, bars) VALUES (?, ?, ?)
         ON CONFLICT (symbol, date) DO UPDATE SET bars = bars + excluded.bars`,
      ),
      minuteDays: db.prepare('SELECT symbol, date, bars FROM minute_days ORDER BY symbol, date'),
      minuteSessions: db.prepare('SELECT date, symbol FROM minute_days WHERE bars > 0 ORDER BY date, symbol'),
      minuteDatesOf: db
        .prepare('SELECT date FROM minute_days WHERE symbol = ? AND date >= ? AND date <= ? AND bars > 0 ORDER BY date')
        .pluck(),
      optionMinutesOf: db.prepare(
        `SELECT b.symbol, b.start, b.open, b.high, b.low, b.close, b.volume, b.vwap, b.trades
         FROM option_contracts c JOIN option_minute_bars b ON b.symbol = c.ticker
         WHERE c.underlying = ? AND b.start >= ? AND b.start < ? ORDER BY b.start, b.symbol`,
      ),
      contractIdsOf: db.prepare('SELECT id, ticker FROM option_contracts WHERE underlying = ? ORDER BY id'),
      quotesOfContractId: db
        .prepare('SELECT ts, sequence, bid, bid_size, ask, ask_size FROM option_quotes WHERE contract_id = ? AND ts >= ? AND ts < ? ORDER BY ts, sequence')
        .raw(true),
      anyOptionQuote: db
        .prepare(
          `SELECT 1 FROM option_contracts c JOIN option_quotes q ON q.contract_id = c.id
           WHERE c.underlying = ? AND q.ts >= ? AND q.ts < ? LIMIT 1`,
        )
        .pluck(),
      anyData: db
        .prepare(
          `SELECT EXISTS (SELECT 1 FROM imports) OR EXISTS (SELECT 1 FROM minute_bars) OR EXISTS (SELECT 1 FROM daily_bars)
             OR EXISTS (SELECT 1 FROM option_quotes) OR EXISTS (SELECT 1 FROM option_minute_bars)`,
        )
        .pluck(),
      firstMinute: db.prepare('SELECT start FROM minute_bars WHERE symbol = ? ORDER BY start ASC LIMIT 1').pluck(),
      lastMinute: db.prepare('SELECT start FROM minute_bars WHERE symbol = ? ORDER BY start DESC LIMIT 1').pluck(),
      firstDaily: db.prepare('SELECT start FROM daily_bars WHERE symbol = ? ORDER BY start ASC LIMIT 1').pluck(),
      lastDaily: db.prepare('SELECT start FROM daily_bars WHERE symbol = ? ORDER BY start DESC LIMIT 1').pluck(),
      // Skip-scan over the primary key: one index seek per distinct symbol instead of a
      // full scan of what can be millions of daily rows.
      dailySymbols: db
        .prepare(
          `WITH RECURSIVE s(symbol) AS (
             SELECT MIN(symbol) FROM daily_bars
             UNION ALL
             SELECT (SELECT MIN(symbol) FROM daily_bars WHERE symbol > s.symbol) FROM s WHERE s.symbol IS NOT NULL
           ) SELECT symbol FROM s WHERE symbol IS NOT NULL`,
        )
        .pluck(),

      insertBar: db.prepare(
        `INSERT OR IGNORE INTO bars (symbol, timeframe, start, open, high, low, close, volume, vwap, trades, closed, source)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      updateBar: db.prepare(
        `UPDATE bars SET open = @open, high = @high, low = @low, close = @close, volume = @volume,
           vwap = @vwap, trades = @trades, closed = @closed, source = @source
         WHERE symbol = @symbol AND timeframe = @tf AND start = @start
           AND (open IS NOT @open OR high IS NOT @high OR low IS NOT @low OR close IS NOT @close
                OR volume IS NOT @volume OR vwap IS NOT @vwap OR trades IS NOT @trades
                OR closed IS NOT @closed OR source IS NOT @source)`,
      ),
      barRange: db.prepare(
        `SELECT start, open, high, low, close, volume, vwap, trades, closed, source FROM bars
         WHERE symbol = ? AND timeframe = ? AND start >= ? AND start < ? ORDER BY start`,
      ),

      contractId: db.prepare('SELECT id FROM option_contracts WHERE ticker = ?').pluck(),
      insertContract: db.prepare(
        'INSERT INTO option_contracts (ticker, underlying, expiration, strike, "right") VALUES (?, ?, ?, ?, ?)',
      ),
      contractsOf: db.prepare(
        `SELECT ticker, underlying, expiration, strike, "right" FROM option_contracts
         WHERE underlying = ? ORDER BY expiration, strike, "right", ticker`,
      ),
      underlyings: db.prepare('SELECT DISTINCT underlying FROM option_contracts ORDER BY underlying').pluck(),

      insertQuote: db.prepare(
        `INSERT OR IGNORE INTO option_quotes (contract_id, ts, sequence, bid, bid_size, ask, ask_size)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      updateQuote: db.prepare(
        `UPDATE option_quotes SET bid = @bid, bid_size = @bidSize, ask = @ask, ask_size = @askSize
         WHERE contract_id = @id AND ts = @ts AND sequence = @seq
           AND (bid IS NOT @bid OR bid_size IS NOT @bidSize OR ask IS NOT @ask OR ask_size IS NOT @askSize)`,
      ),
      quotesOfUnderlying: db.prepare(
        `SELECT c.ticker, q.ts, q.sequence, q.bid, q.bid_size, q.ask, q.ask_size
         FROM option_contracts c JOIN option_quotes q ON q.contract_id = c.id
         WHERE c.underlying = ? AND q.ts >= ? AND q.ts < ?
         ORDER BY q.ts, c.ticker, q.sequence`,
      ),
      quotesOfContract: db.prepare(
        `SELECT c.ticker, q.ts, q.sequence, q.bid, q.bid_size, q.ask, q.ask_size
         FROM option_contracts c JOIN option_quotes q ON q.contract_id = c.id
         WHERE c.ticker = ? AND q.ts >= ? AND q.ts < ?
         ORDER BY q.ts, q.sequence`,
      ),

      insertOi: db.prepare('INSERT OR IGNORE INTO open_interest (date, contract_id, oi) VALUES (?, ?, ?)'),
      updateOi: db.prepare('UPDATE open_interest SET oi = ? WHERE date = ? AND contract_id = ? AND oi IS NOT ?'),
      oiOfDate: db.prepare(
        `SELECT o.date, c.ticker, o.oi FROM open_interest o JOIN option_contracts c ON c.id = o.contract_id
         WHERE o.date = ? ORDER BY c.ticker`,
      ),
      oiOfUnderlying: db.prepare(
        `SELECT o.date, c.ticker, o.oi FROM option_contracts c JOIN open_interest o ON o.contract_id = c.id
         WHERE o.date = ? AND c.underlying = ? ORDER BY c.ticker`,
      ),

      insertImport: db.prepare(
        `INSERT INTO imports (path, size, mtime_ms, kind, rows_ok, rows_bad, inserted, updated, unchanged, error, finished_at)
         VALUES (@path, @size, @mtimeMs, @kind, @rowsOk, @rowsBad, @inserted, @updated, @unchanged, @error, @finishedAt)`,
      ),
      beginImport: db.prepare(
        `INSERT INTO imports (path, size, mtime_ms, kind, rows_ok, rows_bad, inserted, updated, unchanged, error, finished_at, status, started_at, pid)
         VALUES (@path, @size, @mtimeMs, @kind, 0, 0, 0, 0, 0, NULL, 0, 'started', @startedAt, @pid)`,
      ),
      finishImport: db.prepare(
        `UPDATE imports SET rows_ok = @rowsOk, rows_bad = @rowsBad, inserted = @inserted, updated = @updated,
           unchanged = @unchanged, error = @error, finished_at = @finishedAt, status = 'finished'
         WHERE id = @id`,
      ),
      insertImportSymbol: db.prepare(
        'INSERT INTO import_symbols (import_id, symbol, rows, bad, duplicates, out_of_order) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      // The newest row per path, when that row never finished.
      incompleteImports: db.prepare(
        `SELECT i.* FROM imports i
         WHERE i.status = 'started' AND i.id = (SELECT MAX(id) FROM imports j WHERE j.path = i.path)
         ORDER BY i.id`,
      ),
      // Per symbol, over the newest finished import of each path (a re-import replaces, not adds).
      importSummary: db.prepare(
        `SELECT i.path, i.error, s.rows, s.bad, s.duplicates, s.out_of_order AS outOfOrder
         FROM import_symbols s JOIN imports i ON i.id = s.import_id
         WHERE s.symbol = ?
           AND i.id = (SELECT MAX(id) FROM imports j WHERE j.path = i.path AND j.status = 'finished')`,
      ),
      imports: db.prepare('SELECT * FROM imports ORDER BY id DESC LIMIT ?'),
      lastImport: db.prepare('SELECT * FROM imports WHERE path = ? ORDER BY id DESC LIMIT 1'),

      getSetting: db.prepare('SELECT value FROM settings WHERE key = ?').pluck(),
      quarantineSetting: db.prepare(
        `INSERT INTO settings_quarantine (key, value, reason, quarantined_at)
         SELECT key, value, ?, ? FROM settings WHERE key = ?`,
      ),
      deleteSetting: db.prepare('DELETE FROM settings WHERE key = ?'),
      quarantined: db.prepare('SELECT key, value, reason, quarantined_at AS quarantinedAt FROM settings_quarantine ORDER BY id DESC'),
      setSetting: db.prepare(
        'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ),

      drawings: db.prepare('SELECT json FROM drawings WHERE symbol = ? ORDER BY position').pluck(),
      deleteDrawings: db.prepare('DELETE FROM drawings WHERE symbol = ?'),
      insertDrawing: db.prepare('INSERT INTO drawings (symbol, id, position, json) VALUES (?, ?, ?, ?)'),
    };
  }

  /** Migrations this database has applied, oldest first (diagnostics, tests). */
  appliedMigrations(): AppliedMigration[] {
    return this.migrations.map((m) => ({ ...m }));
  }

  // --- bars -------------------------------------------------------------------------------

  private readonly upsertMinuteTx = (bars: readonly MinuteAggregate[]): UpsertCounts => {
    const c = counts();
    // New bars per (symbol, NY date), written to minute_days once per batch.
    const newPerDay = new Map<string, number>();
    for (const b of bars) {
      const outcome = this.minute.upsert(b);
      c[outcome]++;
      if (outcome === 'inserted') {
        const key = `${b.symbol}\u0000${nyDate(b.start)}`;
        newPerDay.set(key, (newPerDay.get(key) ?? 0) + 1);
      }
    }
    for (const [key, n] of newPerDay) {
      const [symbol, date] = key.split('\u0000') as [string, string];
      this.stmt.addMinuteDays.run(symbol, date, n);
    }
    return c;
  };

  upsertMinuteBars(bars: readonly MinuteAggregate[]): UpsertCounts {
    return this.db.transaction(this.upsertMinuteTx).immediate(bars);
  }

  minuteBars(symbol: string, fromMs: number, toMs: number): MinuteAggregate[] {
    return this.minute.select(symbol, fromMs, toMs);
  }

  /** The same minutes as typed-array columns (src/store/minute-columns.ts): the bulk read path. */
  minuteColumns(symbol: string, fromMs: number, toMs: number): MinuteColumnsRead {
    return this.columns().read(symbol, fromMs, toMs);
  }

  /** Streams [from, to) day by day as column views on each day's block (valid during `visit`). */
  forEachMinuteDay(symbol: string, fromMs: number, toMs: number, visit: (day: MinuteColumnsRead) => void): void {
    this.columns().forEachDay(symbol, fromMs, toMs, visit);
  }

  private columnReader: MinuteColumnReader | undefined;
  private columns(): MinuteColumnReader {
    return (this.columnReader ??= new MinuteColumnReader(this.db));
  }

  upsertDailyBars(bars: readonly DailyAggregate[]): UpsertCounts {
    return this.db.transaction(() => {
      const c = counts();
      for (const b of bars) c[this.daily.upsert(b)]++;
      return c;
    }).immediate();
  }

  dailyBars(symbol: string, fromMs: number, toMs: number): DailyAggregate[] {
    return this.daily.select(symbol, fromMs, toMs);
  }

  upsertBars(symbol: string, tf: Timeframe, bars: readonly Bar[]): UpsertCounts {
    return this.db.transaction(() => {
      const c = counts();
      for (const b of bars) {
        const vwap = b.vwap ?? null;
        const trades = b.trades ?? null;
        const closed = b.closed ? 1 : 0;
        const inserted = this.stmt.insertBar.run(
          symbol, tf, b.start, b.open, b.high, b.low, b.close, b.volume, vwap, trades, closed, b.source,
        ).changes;
        if (inserted === 1) {
          c.inserted++;
          continue;
        }
        const updated = this.stmt.updateBar.run({
          symbol, tf, start: b.start, open: b.open, high: b.high, low: b.low, close: b.close,
          volume: b.volume, vwap, trades, closed, source: b.source,
        }).changes;
        c[updated === 1 ? 'updated' : 'unchanged']++;
      }
      return c;
    }).immediate();
  }

  bars(symbol: string, tf: Timeframe, fromMs: number, toMs: number): Bar[] {
    const rows = this.stmt.barRange.all(symbol, tf, fromMs, toMs) as {
      start: number; open: number; high: number; low: number; close: number; volume: number;
      vwap: number | null; trades: number | null; closed: number; source: BarSource;
    }[];
    return rows.map((r) => {
      const bar: Bar = {
        start: r.start, open: r.open, high: r.high, low: r.low, close: r.close, volume: r.volume,
        closed: r.closed === 1, source: r.source,
      };
      if (r.vwap !== null) bar.vwap = r.vwap;
      if (r.trades !== null) bar.trades = r.trades;
      return bar;
    });
  }

  // --- options ----------------------------------------------------------------------------

  /** The contract's row id, creating the contract on first sight. Call inside a transaction. */
  private contractIdOf(ticker: string): number {
    const cached = this.contractIds.get(ticker);
    if (cached !== undefined) return cached;
    let id = this.stmt.contractId.get(ticker) as number | undefined;
    if (id === undefined) {
      const c = parseOccTicker(ticker);
      if (!c) throw new InputError('ticker', `"${ticker}" is not an OCC option ticker like O:GOOG151224C00750000`);
      id = Number(this.stmt.insertContract.run(c.ticker, c.underlying, c.expiration, c.strike, c.right).lastInsertRowid);
    }
    this.contractIds.set(ticker, id);
    return id;
  }

  upsertOptionQuotes(quotes: readonly OptionQuote[]): UpsertCounts {
    try {
      return this.db.transaction(() => {
        const c = counts();
        for (const q of quotes) {
          const id = this.contractIdOf(q.ticker);
          const seq = q.sequence ?? NO_SEQUENCE;
          if (this.stmt.insertQuote.run(id, q.ts, seq, q.bid, q.bidSize, q.ask, q.askSize).changes === 1) {
            c.inserted++;
            continue;
          }
          const updated = this.stmt.updateQuote.run({
            id, ts: q.ts, seq, bid: q.bid, bidSize: q.bidSize, ask: q.ask, askSize: q.askSize,
          }).changes;
          c[updated === 1 ? 'updated' : 'unchanged']++;
        }
        return c;
      }).immediate();
    } catch (err) {
      // A rolled-back transaction may have cached ids of contracts that were never committed.
      this.contractIds.clear();
      throw err;
    }
  }

  optionQuotes(underlying: string, fromMs: number, toMs: number): OptionQuote[] {
    return (this.stmt.quotesOfUnderlying.all(underlying, fromMs, toMs) as QuoteRow[]).map(rowToQuote);
  }

  contractQuotes(ticker: string, fromMs: number, toMs: number): OptionQuote[] {
    return (this.stmt.quotesOfContract.all(ticker, fromMs, toMs) as QuoteRow[]).map(rowToQuote);
  }

  upsertOptionMinuteBars(bars: readonly MinuteAggregate[]): UpsertCounts {
    try {
      return this.db.transaction(() => {
        const c = counts();
        for (const b of bars) {
          this.contractIdOf(b.symbol);
          c[this.optionMinute.upsert(b)]++;
        }
        return c;
      }).immediate();
    } catch (err) {
      this.contractIds.clear();
      throw err;
    }
  }

  optionMinuteBars(ticker: string, fromMs: number, toMs: number): MinuteAggregate[] {
    return this.optionMinute.select(ticker, fromMs, toMs);
  }

  upsertOpenInterest(rows: readonly OpenInterest[]): UpsertCounts {
    try {
      return this.db.transaction(() => {
        const c = counts();
        for (const r of rows) {
          const id = this.contractIdOf(r.ticker);
          if (this.stmt.insertOi.run(r.date, id, r.openInterest).changes === 1) c.inserted++;
          else if (this.stmt.updateOi.run(r.openInterest, r.date, id, r.openInterest).changes === 1) c.updated++;
          else c.unchanged++;
        }
        return c;
      }).immediate();
    } catch (err) {
      this.contractIds.clear();
      throw err;
    }
  }

  openInterest(date: IsoDate, underlying?: string): OpenInterest[] {
    const rows = (
      underlying === undefined ? this.stmt.oiOfDate.all(date) : this.stmt.oiOfUnderlying.all(date, underlying)
    ) as { date: string; ticker: string; oi: number }[];
    return rows.map((r) => ({ date: r.date, ticker: r.ticker, openInterest: r.oi }));
  }

  optionContracts(underlying: string): ListedOptionContract[] {
    return this.stmt.contractsOf.all(underlying) as ListedOptionContract[];
  }

  optionUnderlyings(): string[] {
    return this.stmt.underlyings.all() as string[];
  }

  // --- catalogue --------------------------------------------------------------------------

  symbols(): SymbolSummary[] {
    const bySymbol = new Map<string, SymbolSummary>();
    const summaryOf = (symbol: string): SymbolSummary => {
      let s = bySymbol.get(symbol);
      if (!s) {
        s = {
          symbol, minuteFrom: null, minuteTo: null, minuteBars: 0, minuteDates: [],
          hasVendorDaily: false, dailyFrom: null, dailyTo: null,
        };
        bySymbol.set(symbol, s);
      }
      return s;
    };
    for (const r of this.stmt.minuteDays.all() as { symbol: string; date: string; bars: number }[]) {
      const s = summaryOf(r.symbol);
      s.minuteDates.push(r.date);
      s.minuteBars += r.bars;
    }
    for (const s of bySymbol.values()) {
      s.minuteFrom = (this.stmt.firstMinute.get(s.symbol) as number | undefined) ?? null;
      s.minuteTo = (this.stmt.lastMinute.get(s.symbol) as number | undefined) ?? null;
    }
    for (const symbol of this.stmt.dailySymbols.all() as string[]) {
      const s = summaryOf(symbol);
      s.hasVendorDaily = true;
      s.dailyFrom = (this.stmt.firstDaily.get(symbol) as number | undefined) ?? null;
      s.dailyTo = (this.stmt.lastDaily.get(symbol) as number | undefined) ?? null;
    }
    return [...bySymbol.values()].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  }

  minuteSessions(): { date: IsoDate; symbols: string[] }[] {
    const out: { date: IsoDate; symbols: string[] }[] = [];
    for (const r of this.stmt.minuteSessions.all() as { date: string; symbol: string }[]) {
      const last = out.at(-1);
      if (last?.date === r.date) last.symbols.push(r.symbol);
      else out.push({ date: r.date, symbols: [r.symbol] });
    }
    return out;
  }

  minuteDates(symbol: string, fromDate: IsoDate, toDate: IsoDate): IsoDate[] {
    return this.stmt.minuteDatesOf.all(symbol, fromDate, toDate) as IsoDate[];
  }

  optionQuotesByContract(underlying: string, fromMs: number, toMs: number): OptionQuote[] {
    const out: OptionQuote[] = [];
    // One primary-key range per contract, rows as arrays: no sort and no object per column.
    for (const c of this.stmt.contractIdsOf.all(underlying) as { id: number; ticker: string }[]) {
      for (const r of this.stmt.quotesOfContractId.all(c.id, fromMs, toMs) as [number, number, number | null, number | null, number | null, number | null][]) {
        const q: OptionQuote = { ticker: c.ticker, ts: r[0], bid: r[2], bidSize: r[3], ask: r[4], askSize: r[5] };
        if (r[1] !== NO_SEQUENCE) q.sequence = r[1];
        out.push(q);
      }
    }
    return out;
  }

  optionMinuteBarsOf(underlying: string, fromMs: number, toMs: number): MinuteAggregate[] {
    return (this.stmt.optionMinutesOf.all(underlying, fromMs, toMs) as AggregateRow[]).map(rowToAggregate);
  }

  hasOptionQuotes(underlying: string, fromMs: number, toMs: number): boolean {
    return this.stmt.anyOptionQuote.get(underlying, fromMs, toMs) !== undefined;
  }

  isEmpty(): boolean {
    return this.stmt.anyData.get() === 0;
  }

  // --- import log -------------------------------------------------------------------------

  recordImport(record: ImportRecord): void {
    this.stmt.insertImport.run({
      path: record.path, size: record.size, mtimeMs: record.mtimeMs, kind: record.kind, rowsOk: record.rowsOk,
      rowsBad: record.rowsBad, inserted: record.inserted, updated: record.updated, unchanged: record.unchanged,
      error: record.error ?? null, finishedAt: record.finishedAt,
    });
  }

  beginImport(start: ImportStart): number {
    return Number(this.stmt.beginImport.run({ ...start, pid: start.pid ?? null }).lastInsertRowid);
  }

  finishImport(id: number, record: ImportRecord): void {
    this.db.transaction(() => {
      const changed = this.stmt.finishImport.run({
        id, rowsOk: record.rowsOk, rowsBad: record.rowsBad, inserted: record.inserted, updated: record.updated,
        unchanged: record.unchanged, error: record.error ?? null, finishedAt: record.finishedAt,
      }).changes;
      if (changed !== 1) throw new Error(`import log: no import ${id} to finish`);
      for (const t of record.symbols ?? []) {
        this.stmt.insertImportSymbol.run(id, t.symbol, t.rows, t.bad, t.duplicates, t.outOfOrder);
      }
    }).immediate();
  }

  incompleteImports(): ImportRecord[] {
    return (this.stmt.incompleteImports.all() as ImportRow[]).map(rowToImport);
  }

  importSummary(symbol: string): SymbolImportSummary {
    const rows = this.stmt.importSummary.all(symbol) as {
      path: string; error: string | null; rows: number; bad: number; duplicates: number; outOfOrder: number;
    }[];
    const out: SymbolImportSummary = { files: rows.length, rows: 0, bad: 0, duplicates: 0, outOfOrder: 0, filesStoppedEarly: [] };
    for (const r of rows) {
      out.rows += r.rows;
      out.bad += r.bad;
      out.duplicates += r.duplicates;
      out.outOfOrder += r.outOfOrder;
      if (r.error !== null) out.filesStoppedEarly.push(`${r.path}: ${r.error}`);
    }
    return out;
  }

  imports(limit = 100): ImportRecord[] {
    return (this.stmt.imports.all(limit) as ImportRow[]).map(rowToImport);
  }

  lastImport(path: string): ImportRecord | undefined {
    const row = this.stmt.lastImport.get(path) as ImportRow | undefined;
    return row && rowToImport(row);
  }

  // --- dashboard state --------------------------------------------------------------------

  setting<T = unknown>(key: string): T | undefined {
    const json = this.stmt.getSetting.get(key) as string | undefined;
    if (json === undefined) return undefined;
    try {
      return JSON.parse(json) as T;
    } catch (err) {
      // One bad row must not fail every request that reads it: keep it aside, read as unset.
      const reason = `not valid JSON (${(err as Error).message})`;
      this.quarantineSetting(key, reason);
      return undefined;
    }
  }

  quarantineSetting(key: string, reason: string): void {
    let moved = 0;
    this.db.transaction(() => {
      moved = this.stmt.quarantineSetting.run(reason, Date.now(), key).changes;
      this.stmt.deleteSetting.run(key);
    }).immediate();
    if (moved > 0) this.warn(`setting "${key}": ${reason}; it now reads as unset and the stored value was kept in settings_quarantine`);
  }

  quarantinedSettings(): { key: string; value: string; reason: string; quarantinedAt: number }[] {
    return this.stmt.quarantined.all() as { key: string; value: string; reason: string; quarantinedAt: number }[];
  }

  setWarningHandler(handler: (message: string) => void): void {
    this.warn = handler;
  }

  setSetting(key: string, value: unknown): void {
    if (value === undefined) throw new InputError(`setting ${key}`, 'value must not be undefined');
    this.stmt.setSetting.run(key, JSON.stringify(value));
  }

  drawings(symbol: string): Drawing[] {
    return (this.stmt.drawings.all(symbol) as string[]).map((json) => JSON.parse(json) as Drawing);
  }

  saveDrawings(symbol: string, list: readonly Drawing[]): void {
    const seen = new Set<string>();
    list.forEach((d, i) => {
      if (typeof d?.id !== 'string' || d.id === '') {
        throw new InputError(`drawings[${i}].id`, 'must be a non-empty string');
      }
      if (seen.has(d.id)) throw new InputError(`drawings[${i}].id`, `"${d.id}" is used twice`);
      seen.add(d.id);
    });
    this.db.transaction(() => {
      this.stmt.deleteDrawings.run(symbol);
      list.forEach((d, i) => this.stmt.insertDrawing.run(symbol, d.id, i, JSON.stringify(d)));
    }).immediate();
  }

  /** The connection, for the repositories of other components (store/trading.ts). */
  get connection(): Database.Database {
    return this.db;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
