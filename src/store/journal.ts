/**
 * JournalRepository — what the journal keeps in the SQLite store: a trader's entry per
 * trade (setup, tags, Markdown notes with every earlier version kept, 1–5 rating),
 * screenshots, imported fills, manual trade overrides (migration 5) and the entry checklist
 * grade of each trade-opening fill (migration 6).
 *
 * Screenshots are BLOBs in the database rather than files under the data dir: the desk is
 * backed up by copying one file, an image is saved in the same transaction as its entry
 * (no orphan files after a crash), and the upload limit (src/journal/screenshots.ts)
 * keeps each row small enough that SQLite stores it without trouble.
 */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Fill } from '../broker/types.js';

export interface JournalEntry {
  tradeId: string;
  setup: string | null;
  tags: string[];
  notes: string;
  rating: number | null;
  updatedAt: number;
}

export interface JournalEntryPatch {
  setup?: string | null;
  tags?: string[];
  notes?: string;
  rating?: number | null;
}

export interface ScreenshotMeta {
  id: string;
  tradeId: string;
  /** `entry` / `exit`: captured by the dashboard; `attached`: uploaded by the trader. */
  kind: 'entry' | 'exit' | 'attached';
  mime: string;
  size: number;
  createdAt: number;
}

/** The checklist grade at a trade-opening fill: a grade, or why there is none. */
export interface EntryGrade {
  fillId: string;
  symbol: string;
  direction: 'long' | 'short';
  at: number;
  grade: string | null;
  score: number | null;
  missing: string | null;
}

interface EntryRow { trade_id: string; setup: string | null; tags: string; notes: string; rating: number | null; updated_at: number }

function toEntry(r: EntryRow): JournalEntry {
  return { tradeId: r.trade_id, setup: r.setup, tags: JSON.parse(r.tags) as string[], notes: r.notes, rating: r.rating, updatedAt: r.updated_at };
}

const SHOT_COLUMNS = 'id, trade_id AS tradeId, kind, mime, size, created_at AS createdAt';

export class JournalRepository {
  private readonly s;

  constructor(readonly db: Database.Database) {
    this.s = {
      entry: db.prepare('SELECT * FROM journal_entries WHERE trade_id = ?'),
      entries: db.prepare('SELECT * FROM journal_entries'),
      entryPut: db.prepare(
        `INSERT INTO journal_entries (trade_id, setup, tags, notes, rating, updated_at) VALUES (@tradeId, @setup, @tags, @notes, @rating, @updatedAt)
         ON CONFLICT (trade_id) DO UPDATE SET setup = excluded.setup, tags = excluded.tags, notes = excluded.notes, rating = excluded.rating, updated_at = excluded.updated_at`,
      ),
      historyPut: db.prepare('INSERT INTO journal_note_history (trade_id, notes, saved_at) VALUES (?, ?, ?)'),
      history: db.prepare('SELECT notes, saved_at AS savedAt FROM journal_note_history WHERE trade_id = ? ORDER BY id'),
      shotPut: db.prepare('INSERT INTO journal_screenshots (id, trade_id, kind, mime, size, created_at, data) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      shots: db.prepare(`SELECT ${SHOT_COLUMNS} FROM journal_screenshots WHERE trade_id = ? ORDER BY created_at, id`),
      shotsAll: db.prepare(`SELECT ${SHOT_COLUMNS} FROM journal_screenshots ORDER BY created_at, id`),
      shot: db.prepare(`SELECT ${SHOT_COLUMNS}, data FROM journal_screenshots WHERE id = ?`),
      importPut: db.prepare('INSERT INTO journal_imports (source, rows, imported_at) VALUES (?, ?, ?)'),
      fillPut: db.prepare('INSERT INTO journal_fills (id, import_id, account, symbol, time, json) VALUES (?, ?, ?, ?, ?, ?)'),
      fills: db.prepare('SELECT json FROM journal_fills ORDER BY time, rowid').pluck(),
      fillIds: db.prepare('SELECT id FROM journal_fills').pluck(),
      overridePut: db.prepare('INSERT INTO journal_overrides (json, created_at) VALUES (?, ?)'),
      overrides: db.prepare('SELECT json FROM journal_overrides ORDER BY id').pluck(),
      gradePut: db.prepare('INSERT OR IGNORE INTO journal_grades (fill_id, symbol, direction, at, grade, score, missing, graded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      grades: db.prepare('SELECT fill_id AS fillId, symbol, direction, at, grade, score, missing FROM journal_grades'),
      settingGet: db.prepare('SELECT value FROM settings WHERE key = ?').pluck(),
      settingPut: db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      // Everything the built trades and their reviews are derived from, as one cheap row:
      // fills (broker and imported), overrides, orders and the audit trail (cooldowns,
      // order changes), risk settings, grades and the journal's own settings.
      version: db.prepare(`SELECT
        (SELECT count(*) || '.' || coalesce(max(rowid), 0) FROM trading_fills) || '|' ||
        (SELECT count(*) || '.' || coalesce(max(rowid), 0) FROM trading_orders) || '|' ||
        (SELECT coalesce(max(seq), 0) FROM audit_log) || '|' ||
        (SELECT count(*) || '.' || coalesce(max(rowid), 0) FROM journal_fills) || '|' ||
        (SELECT coalesce(max(id), 0) FROM journal_overrides) || '|' ||
        (SELECT count(*) FROM journal_grades) || '|' ||
        (SELECT coalesce(group_concat(value, ','), '') FROM trading_state WHERE key = 'risk.settings') || '|' ||
        (SELECT coalesce(group_concat(value, ','), '') FROM settings WHERE key LIKE 'journal.%')`).pluck(),
    };
  }

  entry(tradeId: string): JournalEntry | null {
    const r = this.s.entry.get(tradeId) as EntryRow | undefined;
    return r ? toEntry(r) : null;
  }

  entries(): Map<string, JournalEntry> {
    return new Map((this.s.entries.all() as EntryRow[]).map((r) => [r.trade_id, toEntry(r)]));
  }

  /** Applies a partial update; notes that change keep their previous version in the history. */
  saveEntry(tradeId: string, patch: JournalEntryPatch, at: number): JournalEntry {
    return this.db.transaction(() => {
      const before = this.entry(tradeId);
      const next: JournalEntry = {
        tradeId,
        setup: patch.setup !== undefined ? patch.setup : before?.setup ?? null,
        tags: patch.tags ?? before?.tags ?? [],
        notes: patch.notes ?? before?.notes ?? '',
        rating: patch.rating !== undefined ? patch.rating : before?.rating ?? null,
        updatedAt: at,
      };
      if (before && patch.notes !== undefined && patch.notes !== before.notes && before.notes !== '') {
        this.s.historyPut.run(tradeId, before.notes, before.updatedAt);
      }
      this.s.entryPut.run({ ...next, tags: JSON.stringify(next.tags) });
      return next;
    })();
  }

  /** Earlier versions of the notes, oldest first (the current one is on the entry). */
  noteHistory(tradeId: string): { notes: string; savedAt: number }[] {
    return this.s.history.all(tradeId) as { notes: string; savedAt: number }[];
  }

  addScreenshot(s: { tradeId: string; kind: ScreenshotMeta['kind']; mime: string; data: Buffer; at: number }): ScreenshotMeta {
    const meta: ScreenshotMeta = { id: `s_${randomUUID()}`, tradeId: s.tradeId, kind: s.kind, mime: s.mime, size: s.data.length, createdAt: s.at };
    this.s.shotPut.run(meta.id, meta.tradeId, meta.kind, meta.mime, meta.size, meta.createdAt, s.data);
    return meta;
  }

  screenshots(tradeId?: string): ScreenshotMeta[] {
    return (tradeId === undefined ? this.s.shotsAll.all() : this.s.shots.all(tradeId)) as ScreenshotMeta[];
  }

  screenshot(id: string): (ScreenshotMeta & { data: Buffer }) | null {
    return (this.s.shot.get(id) as (ScreenshotMeta & { data: Buffer }) | undefined) ?? null;
  }

  /** Stores one import's fills in one transaction: all of them or none. */
  importFills(source: string, fills: readonly Fill[], at: number): number {
    return this.db.transaction(() => {
      const id = Number(this.s.importPut.run(source, fills.length, at).lastInsertRowid);
      for (const f of fills) this.s.fillPut.run(f.id, id, f.account, f.symbol, f.time, JSON.stringify(f));
      return id;
    })();
  }

  importedFills(): Fill[] {
    return (this.s.fills.all() as string[]).map((j) => JSON.parse(j) as Fill);
  }

  importedFillIds(): Set<string> {
    return new Set(this.s.fillIds.all() as string[]);
  }

  /** A manual trade override (src/journal's TradeOverride; opaque JSON here, so the store stays below the journal). */
  addOverride(o: unknown, at: number): void {
    this.s.overridePut.run(JSON.stringify(o), at);
  }

  overrides<T = unknown>(): T[] {
    return (this.s.overrides.all() as string[]).map((j) => JSON.parse(j) as T);
  }

  /** Keeps the first grade stored for a fill (a fill opens its trade once). */
  saveGrade(g: EntryGrade, at: number): void {
    this.s.gradePut.run(g.fillId, g.symbol, g.direction, g.at, g.grade, g.score, g.missing, at);
  }

  grades(): Map<string, EntryGrade> {
    return new Map((this.s.grades.all() as EntryGrade[]).map((g) => [g.fillId, g]));
  }

  /** A journal setting (`journal.` + key in the store's settings table), JSON. */
  setting<T>(key: string): T | undefined {
    const v = this.s.settingGet.get(`journal.${key}`) as string | undefined;
    return v === undefined ? undefined : (JSON.parse(v) as T);
  }

  setSetting(key: string, value: unknown): void {
    this.s.settingPut.run(`journal.${key}`, JSON.stringify(value));
  }

  /** Changes whenever anything the journal derives trades and reviews from changes (cache key). */
  sourceVersion(): string {
    return this.s.version.get() as string;
  }
}

/** The repository over a store that exposes its SQLite connection (the default store does). */
export function journalRepository(store: unknown): JournalRepository {
  const db = (store as { connection?: Database.Database }).connection;
  if (!db) throw new Error('the journal needs the SQLite store (this store exposes no SQLite connection)');
  return new JournalRepository(db);
}
