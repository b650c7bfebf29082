/**
 * StrategyRepository — the automation's rows in the SQLite store (migration 6): strategy
 * instances (each bound to one account, with its strategy, symbol, parameters, instrument
 * mode and `off | signal | auto` switch) and, per instance, what it emitted: signals,
 * published levels and setups, and its closed trades. Rows keep their full shape as JSON.
 */
import type Database from 'better-sqlite3';

export type AutomationMode = 'off' | 'signal' | 'auto';
export const AUTOMATION_MODES: readonly AutomationMode[] = ['off', 'signal', 'auto'];

export interface StoredInstance {
  id: string;
  name: string;
  strategy: string;
  symbol: string;
  account: string;
  /** Raw parameters as given (checked by the strategy's spec). */
  params: Record<string, string | number | boolean>;
  mode: AutomationMode;
  /** `underlying` trades shares; `options` the contract the picker chooses (src/engine/option-leg.ts). */
  instrument: 'underlying' | 'options';
  createdAt: number;
  updatedAt: number;
}

export type StrategyEventKind = 'signal' | 'levels' | 'setup' | 'trade';

export interface StoredStrategyEvent<T = unknown> {
  id: number;
  instanceId: string;
  kind: StrategyEventKind;
  at: number;
  data: T;
}

export class StrategyRepository {
  private readonly s;

  constructor(readonly db: Database.Database) {
    this.s = {
      all: db.prepare('SELECT json FROM strategy_instances ORDER BY created_at, id').pluck(),
      get: db.prepare('SELECT json FROM strategy_instances WHERE id = ?').pluck(),
      byName: db.prepare('SELECT json FROM strategy_instances WHERE name = ?').pluck(),
      put: db.prepare(
        'INSERT INTO strategy_instances (id, name, account, created_at, json) VALUES (@id, @name, @account, @createdAt, @json) ' +
          'ON CONFLICT (id) DO UPDATE SET name = excluded.name, account = excluded.account, json = excluded.json',
      ),
      del: db.prepare('DELETE FROM strategy_instances WHERE id = ?'),
      delEvents: db.prepare('DELETE FROM strategy_events WHERE instance_id = ?'),
      addEvent: db.prepare('INSERT INTO strategy_events (instance_id, kind, at, json) VALUES (?, ?, ?, ?)'),
      events: db.prepare('SELECT id, instance_id AS instanceId, kind, at, json FROM strategy_events WHERE instance_id = ? ORDER BY id'),
      eventsOfKind: db.prepare('SELECT id, instance_id AS instanceId, kind, at, json FROM strategy_events WHERE instance_id = ? AND kind = ? ORDER BY id'),
    };
  }

  instances(): StoredInstance[] {
    return (this.s.all.all() as string[]).map((j) => JSON.parse(j) as StoredInstance);
  }
  instance(id: string): StoredInstance | null {
    const j = this.s.get.get(id) as string | undefined;
    return j ? (JSON.parse(j) as StoredInstance) : null;
  }
  instanceByName(name: string): StoredInstance | null {
    const j = this.s.byName.get(name) as string | undefined;
    return j ? (JSON.parse(j) as StoredInstance) : null;
  }
  save(i: StoredInstance): void {
    this.s.put.run({ id: i.id, name: i.name, account: i.account, createdAt: i.createdAt, json: JSON.stringify(i) });
  }
  /** Removes the instance and what it emitted (the account's orders and fills stay in the trading books). */
  remove(id: string): void {
    this.db.transaction(() => {
      this.s.delEvents.run(id);
      this.s.del.run(id);
    })();
  }

  addEvent(instanceId: string, kind: StrategyEventKind, at: number, data: unknown): void {
    this.s.addEvent.run(instanceId, kind, at, JSON.stringify(data));
  }
  events<T = unknown>(instanceId: string, kind?: StrategyEventKind): StoredStrategyEvent<T>[] {
    const rows = (kind ? this.s.eventsOfKind.all(instanceId, kind) : this.s.events.all(instanceId)) as { id: number; instanceId: string; kind: StrategyEventKind; at: number; json: string }[];
    return rows.map((r) => ({ id: r.id, instanceId: r.instanceId, kind: r.kind, at: r.at, data: JSON.parse(r.json) as T }));
  }
}

/** The repository over a store that exposes its SQLite connection (the default store does). */
export function strategyRepository(store: unknown): StrategyRepository {
  const db = (store as { connection?: Database.Database }).connection;
  if (!db) throw new Error('automation needs the SQLite store (this store exposes no SQLite connection)');
  return new StrategyRepository(db);
}
