/**
 * DashboardStateRepository — what the dashboard saves in the SQLite store: settings as JSON
 * values (watchlist, matrix, scanner universes, replay position, …), the quarantine of values
 * that could not be read, and chart drawings per symbol. Tables: migrations 1 and 2
 * (settings_quarantine).
 *
 * A stored value that is not valid JSON must not fail every request that reads it: it is
 * moved to settings_quarantine (kept, never deleted), reads as unset, and the warning handler
 * is told.
 */
import type Database from 'better-sqlite3';
import { InputError } from '../core/errors.js';
import type { Drawing } from './types.js';

export class DashboardStateRepository {
  private readonly s;
  private warn: (message: string) => void = (message) => process.emitWarning(message, { code: 'OPTDESK_STORE' });

  constructor(private readonly db: Database.Database) {
    this.s = {
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

  setting<T = unknown>(key: string): T | undefined {
    const json = this.s.getSetting.get(key) as string | undefined;
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
      moved = this.s.quarantineSetting.run(reason, Date.now(), key).changes;
      this.s.deleteSetting.run(key);
    }).immediate();
    if (moved > 0) this.warn(`setting "${key}": ${reason}; it now reads as unset and the stored value was kept in settings_quarantine`);
  }

  quarantinedSettings(): { key: string; value: string; reason: string; quarantinedAt: number }[] {
    return this.s.quarantined.all() as { key: string; value: string; reason: string; quarantinedAt: number }[];
  }

  setWarningHandler(handler: (message: string) => void): void {
    this.warn = handler;
  }

  setSetting(key: string, value: unknown): void {
    if (value === undefined) throw new InputError(`setting ${key}`, 'value must not be undefined');
    this.s.setSetting.run(key, JSON.stringify(value));
  }

  drawings(symbol: string): Drawing[] {
    return (this.s.drawings.all(symbol) as string[]).map((json) => JSON.parse(json) as Drawing);
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
      this.s.deleteDrawings.run(symbol);
      list.forEach((d, i) => this.s.insertDrawing.run(symbol, d.id, i, JSON.stringify(d)));
    }).immediate();
  }
}
