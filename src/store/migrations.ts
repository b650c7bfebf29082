/**
 * Numbered schema migrations. Append new ones at the end with the next number; never edit
 * one that has shipped — existing databases have already applied it and will not re-run it.
 */
import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'market data, import log, settings, drawings',
    sql: `
      -- WITHOUT ROWID: bars are read by (symbol, start) ranges, so clustering rows on the key
      -- makes a chart load one sequential scan and saves the separate rowid index.
      CREATE TABLE minute_bars (
        symbol TEXT NOT NULL,
        start INTEGER NOT NULL,
        open REAL NOT NULL, high REAL NOT NULL, low REAL NOT NULL, close REAL NOT NULL,
        volume REAL NOT NULL,
        vwap REAL,
        trades INTEGER,
        PRIMARY KEY (symbol, start)
      ) WITHOUT ROWID;

      -- Which New York dates have minute bars, maintained on insert so listing a symbol's
      -- days never scans the bars.
      CREATE TABLE minute_days (
        symbol TEXT NOT NULL,
        date TEXT NOT NULL,
        bars INTEGER NOT NULL,
        PRIMARY KEY (symbol, date)
      ) WITHOUT ROWID;

      CREATE TABLE daily_bars (
        symbol TEXT NOT NULL,
        start INTEGER NOT NULL,
        open REAL NOT NULL, high REAL NOT NULL, low REAL NOT NULL, close REAL NOT NULL,
        volume REAL NOT NULL,
        vwap REAL,
        trades INTEGER,
        PRIMARY KEY (symbol, start)
      ) WITHOUT ROWID;

      CREATE TABLE bars (
        symbol TEXT NOT NULL,
        timeframe TEXT NOT NULL,
        start INTEGER NOT NULL,
        open REAL NOT NULL, high REAL NOT NULL, low REAL NOT NULL, close REAL NOT NULL,
        volume REAL NOT NULL,
        vwap REAL,
        trades INTEGER,
        closed INTEGER NOT NULL,
        source TEXT NOT NULL,
        PRIMARY KEY (symbol, timeframe, start)
      ) WITHOUT ROWID;

      -- Contracts are normalised out of the quotes: a day of one chain is ~275k quotes over
      -- ~2k contracts, and repeating the 21-byte ticker plus its parsed fields on every row
      -- would more than double the table.
      CREATE TABLE option_contracts (
        id INTEGER PRIMARY KEY,
        ticker TEXT NOT NULL UNIQUE,
        underlying TEXT NOT NULL,
        expiration TEXT NOT NULL,
        strike REAL NOT NULL,
        "right" TEXT NOT NULL CHECK ("right" IN ('call', 'put'))
      );
      CREATE INDEX option_contracts_by_underlying ON option_contracts (underlying, expiration, strike);

      -- sequence = -1 when the source gave none (it is part of the key, so it cannot be NULL).
      -- bid/ask NULL = no bid/ask; 0 would be a real (if odd) price.
      CREATE TABLE option_quotes (
        contract_id INTEGER NOT NULL REFERENCES option_contracts (id),
        ts INTEGER NOT NULL,
        sequence INTEGER NOT NULL,
        bid REAL, bid_size REAL,
        ask REAL, ask_size REAL,
        PRIMARY KEY (contract_id, ts, sequence)
      ) WITHOUT ROWID;

      -- The quotes as the design describes them: keyed (ticker, ts, sequence) with the
      -- contract's parsed columns, for ad-hoc SQL and reports.
      CREATE VIEW option_quotes_view AS
        SELECT c.ticker, q.ts, q.sequence, c.underlying, c.expiration, c.strike, c."right",
               q.bid, q.bid_size, q.ask, q.ask_size
        FROM option_quotes q JOIN option_contracts c ON c.id = q.contract_id;

      CREATE TABLE option_minute_bars (
        symbol TEXT NOT NULL,
        start INTEGER NOT NULL,
        open REAL NOT NULL, high REAL NOT NULL, low REAL NOT NULL, close REAL NOT NULL,
        volume REAL NOT NULL,
        vwap REAL,
        trades INTEGER,
        PRIMARY KEY (symbol, start)
      ) WITHOUT ROWID;

      CREATE TABLE open_interest (
        date TEXT NOT NULL,
        contract_id INTEGER NOT NULL REFERENCES option_contracts (id),
        oi INTEGER NOT NULL,
        PRIMARY KEY (date, contract_id)
      ) WITHOUT ROWID;

      CREATE TABLE imports (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime_ms INTEGER NOT NULL,
        kind TEXT NOT NULL,
        rows_ok INTEGER NOT NULL,
        rows_bad INTEGER NOT NULL,
        inserted INTEGER NOT NULL,
        updated INTEGER NOT NULL,
        unchanged INTEGER NOT NULL,
        error TEXT,
        finished_at INTEGER NOT NULL
      );
      CREATE INDEX imports_by_path ON imports (path, id);

      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );

      CREATE TABLE drawings (
        symbol TEXT NOT NULL,
        id TEXT NOT NULL,
        position INTEGER NOT NULL,
        json TEXT NOT NULL,
        PRIMARY KEY (symbol, id)
      );
    `,
  },
  {
    version: 2,
    name: 'import start/finish and per-symbol import anomalies; settings quarantine',
    sql: `
      -- An import is recorded when it starts (status 'started', finished_at 0) and updated
      -- when it ends: a row left 'started' is an import that was killed or is still running.
      ALTER TABLE imports ADD COLUMN status TEXT NOT NULL DEFAULT 'finished' CHECK (status IN ('started', 'finished'));
      ALTER TABLE imports ADD COLUMN started_at INTEGER;
      ALTER TABLE imports ADD COLUMN pid INTEGER;

      -- What each import saw per symbol (contract ticker for options): rows, malformed rows,
      -- repeated (symbol, start) rows and rows older than the symbol's previous one.
      CREATE TABLE import_symbols (
        import_id INTEGER NOT NULL REFERENCES imports (id),
        symbol TEXT NOT NULL,
        rows INTEGER NOT NULL,
        bad INTEGER NOT NULL,
        duplicates INTEGER NOT NULL,
        out_of_order INTEGER NOT NULL,
        PRIMARY KEY (symbol, import_id)
      ) WITHOUT ROWID;

      -- Settings values that could not be read, kept aside instead of failing every request.
      CREATE TABLE settings_quarantine (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        reason TEXT NOT NULL,
        quarantined_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: 'trading: accounts, orders, fills, positions, armed exits, trading state, audit trail',
    sql: `
      -- Trading rows keep their full shape as JSON (the broker types evolve additively) next
      -- to the columns they are looked up by. Read and written by src/store/trading.ts only.
      CREATE TABLE trading_accounts (
        name TEXT PRIMARY KEY,
        broker TEXT NOT NULL,
        json TEXT NOT NULL
      );
      CREATE TABLE trading_orders (
        id TEXT PRIMARY KEY,
        account TEXT NOT NULL,
        client_order_id TEXT NOT NULL,
        symbol TEXT NOT NULL,
        status TEXT NOT NULL,
        is_open INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        json TEXT NOT NULL,
        UNIQUE (account, client_order_id)
      );
      CREATE INDEX trading_orders_open ON trading_orders (is_open, created_at);
      CREATE TABLE trading_fills (
        id TEXT PRIMARY KEY,
        order_id TEXT NOT NULL,
        account TEXT NOT NULL,
        symbol TEXT NOT NULL,
        time INTEGER NOT NULL,
        json TEXT NOT NULL
      );
      CREATE INDEX trading_fills_by_order ON trading_fills (order_id);
      CREATE INDEX trading_fills_by_time ON trading_fills (account, time);
      CREATE TABLE trading_positions (
        account TEXT NOT NULL,
        symbol TEXT NOT NULL,
        json TEXT NOT NULL,
        PRIMARY KEY (account, symbol)
      );
      -- Attached exits of an entry (take-profit order, watched stop), re-armed after a restart.
      CREATE TABLE trading_exits (
        entry_id TEXT PRIMARY KEY,
        account TEXT NOT NULL,
        state TEXT NOT NULL,
        json TEXT NOT NULL
      );
      -- Small named values: risk settings, kill switch, the paper broker's clock.
      CREATE TABLE trading_state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
      -- Append-only: every row carries the hash of the previous one (src/audit). The triggers
      -- stop accidental edits; deliberate tampering (dropping them) is what verify detects.
      CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        kind TEXT NOT NULL,
        account TEXT,
        ref TEXT,
        data TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      );
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    `,
  },
  {
    version: 4,
    name: 'minute blocks: one symbol-day of minutes packed as typed-array columns',
    sql: `
      -- A read cache of minute_bars (see src/store/minute-columns.ts): per symbol and day, the
      -- minutes as eight packed little-endian Float64 columns. \`day\` is (start − 6 h) / 1 day,
      -- which puts every 04:00–20:00 New York minute on its New York date in both EST and EDT.
      CREATE TABLE minute_blocks (
        symbol TEXT NOT NULL,
        day INTEGER NOT NULL,
        n INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (symbol, day)
      ) WITHOUT ROWID;
      -- Days whose minutes changed since their block was built (or that never had one): the
      -- reader rebuilds them before answering, so a block is never stale. The triggers cost
      -- one primary-key probe per written minute.
      CREATE TABLE minute_blocks_dirty (
        symbol TEXT NOT NULL,
        day INTEGER NOT NULL,
        PRIMARY KEY (symbol, day)
      ) WITHOUT ROWID;
      INSERT OR IGNORE INTO minute_blocks_dirty (symbol, day)
        SELECT symbol, (start - 21600000) / 86400000 FROM minute_bars;
      CREATE TRIGGER minute_blocks_on_insert AFTER INSERT ON minute_bars BEGIN
        INSERT OR IGNORE INTO minute_blocks_dirty (symbol, day) VALUES (NEW.symbol, (NEW.start - 21600000) / 86400000);
      END;
      CREATE TRIGGER minute_blocks_on_update AFTER UPDATE ON minute_bars BEGIN
        INSERT OR IGNORE INTO minute_blocks_dirty (symbol, day) VALUES (OLD.symbol, (OLD.start - 21600000) / 86400000);
        INSERT OR IGNORE INTO minute_blocks_dirty (symbol, day) VALUES (NEW.symbol, (NEW.start - 21600000) / 86400000);
      END;
      CREATE TRIGGER minute_blocks_on_delete AFTER DELETE ON minute_bars BEGIN
        INSERT OR IGNORE INTO minute_blocks_dirty (symbol, day) VALUES (OLD.symbol, (OLD.start - 21600000) / 86400000);
      END;
    `,
  },
  {
    version: 5,
    name: 'journal: entries, note history, screenshots, imported fills, trade overrides',
    sql: `
      -- Read and written by src/store/journal.ts only. Trades themselves are not stored: they
      -- are rebuilt from the fills (src/journal), so an entry is keyed by the trade's stable id.
      CREATE TABLE journal_entries (
        trade_id TEXT PRIMARY KEY,
        setup TEXT,
        tags TEXT NOT NULL DEFAULT '[]',
        notes TEXT NOT NULL DEFAULT '',
        rating INTEGER CHECK (rating BETWEEN 1 AND 5),
        updated_at INTEGER NOT NULL
      );
      -- Every earlier version of a trade's notes, kept when they are edited.
      CREATE TABLE journal_note_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        trade_id TEXT NOT NULL,
        notes TEXT NOT NULL,
        saved_at INTEGER NOT NULL
      );
      CREATE INDEX journal_note_history_by_trade ON journal_note_history (trade_id, id);
      -- Images as BLOBs: one file to back up, saved in the same transaction as the entry.
      CREATE TABLE journal_screenshots (
        id TEXT PRIMARY KEY,
        trade_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        mime TEXT NOT NULL,
        size INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        data BLOB NOT NULL
      );
      CREATE INDEX journal_screenshots_by_trade ON journal_screenshots (trade_id, created_at);
      CREATE TABLE journal_imports (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        source TEXT NOT NULL,
        rows INTEGER NOT NULL,
        imported_at INTEGER NOT NULL
      );
      -- Fills that came from outside optdesk's brokers (CSV import), in the broker Fill shape.
      CREATE TABLE journal_fills (
        id TEXT PRIMARY KEY,
        import_id INTEGER NOT NULL REFERENCES journal_imports (id),
        account TEXT NOT NULL,
        symbol TEXT NOT NULL,
        time INTEGER NOT NULL,
        json TEXT NOT NULL
      );
      CREATE INDEX journal_fills_by_time ON journal_fills (account, symbol, time);
      -- A trader's splits, merges and unlinks of the builder's trades, applied in order.
      CREATE TABLE journal_overrides (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        json TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 6,
    name: 'strategy instances and what they published (signals, levels, trades)',
    sql: `
      -- Read and written by src/store/strategies.ts only. One row per automated strategy
      -- instance (bound to one account); its full shape is the JSON.
      CREATE TABLE strategy_instances (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        account TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        json TEXT NOT NULL
      );
      -- What an instance emitted, in order: signals, published levels/setups, closed trades.
      CREATE TABLE strategy_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        instance_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        at INTEGER NOT NULL,
        json TEXT NOT NULL
      );
      CREATE INDEX strategy_events_by_instance ON strategy_events (instance_id, kind, id);
    `,
  },
];

export interface AppliedMigration {
  version: number;
  name: string;
  appliedAt: number;
}

/**
 * Applies every migration the database has not seen, each in its own transaction together
 * with its `schema_migrations` row, so a crash leaves the schema at a known version.
 */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): AppliedMigration[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  const applied = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
  );
  const newest = Math.max(0, ...applied);
  const known = Math.max(0, ...migrations.map((m) => m.version));
  if (newest > known) {
    throw new Error(
      `database schema is version ${newest} but this optdesk knows only up to ${known}: it was written by a newer optdesk`,
    );
  }
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const isApplied = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').pluck();
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version)) continue;
    // IMMEDIATE and re-checked inside: two processes opening a fresh file at once (an import
    // and the server) apply each migration once instead of racing to CREATE the same table.
    db.transaction(() => {
      if (isApplied.get(m.version)) return;
      db.exec(m.sql);
      record.run(m.version, m.name, Date.now());
    }).immediate();
  }
  return (
    db.prepare('SELECT version, name, applied_at AS appliedAt FROM schema_migrations ORDER BY version').all() as AppliedMigration[]
  );
}
