/**
 * ImportLogRepository — the flat-file import log in the SQLite store: one row per import of
 * a file (started, then finished with its counts or the error that stopped it) and its
 * per-symbol tallies. A file's newest row decides whether it is done; a row left `started`
 * is an import that was killed (or is running now). Tables: migrations 1 (imports) and 2
 * (status, import_symbols).
 */
import type Database from 'better-sqlite3';
import type { ImportKind, ImportRecord, ImportStart, SymbolImportSummary } from './types.js';

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

export class ImportLogRepository {
  private readonly s;

  constructor(private readonly db: Database.Database) {
    this.s = {
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
    };
  }

  recordImport(record: ImportRecord): void {
    this.s.insertImport.run({
      path: record.path, size: record.size, mtimeMs: record.mtimeMs, kind: record.kind, rowsOk: record.rowsOk,
      rowsBad: record.rowsBad, inserted: record.inserted, updated: record.updated, unchanged: record.unchanged,
      error: record.error ?? null, finishedAt: record.finishedAt,
    });
  }

  beginImport(start: ImportStart): number {
    return Number(this.s.beginImport.run({ ...start, pid: start.pid ?? null }).lastInsertRowid);
  }

  finishImport(id: number, record: ImportRecord): void {
    this.db.transaction(() => {
      const changed = this.s.finishImport.run({
        id, rowsOk: record.rowsOk, rowsBad: record.rowsBad, inserted: record.inserted, updated: record.updated,
        unchanged: record.unchanged, error: record.error ?? null, finishedAt: record.finishedAt,
      }).changes;
      if (changed !== 1) throw new Error(`import log: no import ${id} to finish`);
      for (const t of record.symbols ?? []) {
        this.s.insertImportSymbol.run(id, t.symbol, t.rows, t.bad, t.duplicates, t.outOfOrder);
      }
    }).immediate();
  }

  incompleteImports(): ImportRecord[] {
    return (this.s.incompleteImports.all() as ImportRow[]).map(rowToImport);
  }

  importSummary(symbol: string): SymbolImportSummary {
    const rows = this.s.importSummary.all(symbol) as {
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
    return (this.s.imports.all(limit) as ImportRow[]).map(rowToImport);
  }

  lastImport(path: string): ImportRecord | undefined {
    const row = this.s.lastImport.get(path) as ImportRow | undefined;
    return row && rowToImport(row);
  }
}
