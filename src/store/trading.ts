/**
 * TradingRepository — where the trading core keeps its books in the SQLite store:
 * accounts, orders, fills, positions, armed exits, small state values (risk settings,
 * kill switch, the paper broker's clock) and the audit trail's rows.
 *
 * Every method is synchronous (better-sqlite3), so a caller can put a fill, its order,
 * its position and its account into one `transaction()` and a crash leaves either all
 * or none of them. Rows keep their full shape as JSON beside the columns they are found by.
 */
import type Database from 'better-sqlite3';
import type { Account, Fill, Order, Position } from '../broker/types.js';
import { isOpen } from '../broker/state.js';

/** One stored audit row (see src/audit for what the fields mean). */
export interface AuditRow {
  seq: number;
  at: number;
  kind: string;
  account: string | null;
  ref: string | null;
  data: string;
  prevHash: string;
  hash: string;
}

/** What the exit manager remembers per entry (opaque JSON here). */
export interface StoredExit {
  entryId: string;
  account: string;
  state: string;
  [field: string]: unknown;
}

export class TradingRepository {
  private readonly s;

  constructor(readonly db: Database.Database) {
    this.s = {
      accountGet: db.prepare('SELECT json FROM trading_accounts ORDER BY name').pluck(),
      accountPut: db.prepare(
        'INSERT INTO trading_accounts (name, broker, json) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET broker = excluded.broker, json = excluded.json',
      ),
      orderPut: db.prepare(
        `INSERT INTO trading_orders (id, account, client_order_id, symbol, status, is_open, created_at, json)
         VALUES (@id, @account, @clientOrderId, @symbol, @status, @isOpen, @createdAt, @json)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, is_open = excluded.is_open, json = excluded.json`,
      ),
      orderById: db.prepare('SELECT json FROM trading_orders WHERE id = ?').pluck(),
      orderByClient: db.prepare('SELECT json FROM trading_orders WHERE account = ? AND client_order_id = ?').pluck(),
      ordersOpen: db.prepare('SELECT json FROM trading_orders WHERE is_open = 1 ORDER BY created_at, id').pluck(),
      ordersAll: db.prepare('SELECT json FROM trading_orders ORDER BY created_at, id').pluck(),
      fillPut: db.prepare('INSERT INTO trading_fills (id, order_id, account, symbol, time, json) VALUES (?, ?, ?, ?, ?, ?)'),
      fillsAll: db.prepare('SELECT json FROM trading_fills ORDER BY time, rowid').pluck(),
      fillsByOrder: db.prepare('SELECT json FROM trading_fills WHERE order_id = ? ORDER BY time, rowid').pluck(),
      positionPut: db.prepare(
        'INSERT INTO trading_positions (account, symbol, json) VALUES (?, ?, ?) ON CONFLICT (account, symbol) DO UPDATE SET json = excluded.json',
      ),
      positionDelete: db.prepare('DELETE FROM trading_positions WHERE account = ? AND symbol = ?'),
      positionsAll: db.prepare('SELECT json FROM trading_positions ORDER BY account, symbol').pluck(),
      exitPut: db.prepare(
        'INSERT INTO trading_exits (entry_id, account, state, json) VALUES (?, ?, ?, ?) ON CONFLICT (entry_id) DO UPDATE SET state = excluded.state, json = excluded.json',
      ),
      exitsActive: db.prepare("SELECT json FROM trading_exits WHERE state <> 'done' ORDER BY rowid").pluck(),
      exitsAll: db.prepare('SELECT json FROM trading_exits ORDER BY rowid').pluck(),
      stateGet: db.prepare('SELECT value FROM trading_state WHERE key = ?').pluck(),
      statePut: db.prepare(
        'INSERT INTO trading_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ),
      auditLast: db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1'),
      auditPut: db.prepare(
        'INSERT INTO audit_log (seq, at, kind, account, ref, data, prev_hash, hash) VALUES (@seq, @at, @kind, @account, @ref, @data, @prevHash, @hash)',
      ),
      auditAll: db.prepare(
        'SELECT seq, at, kind, account, ref, data, prev_hash AS prevHash, hash FROM audit_log ORDER BY seq',
      ),
      auditTail: db.prepare(
        'SELECT seq, at, kind, account, ref, data, prev_hash AS prevHash, hash FROM audit_log ORDER BY seq DESC LIMIT ?',
      ),
    };
  }

  /** Runs `fn` in one transaction (nested calls join the outer one). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // ── accounts ──
  accounts(): Account[] {
    return (this.s.accountGet.all() as string[]).map((j) => JSON.parse(j) as Account);
  }
  saveAccount(a: Account): void {
    this.s.accountPut.run(a.name, a.broker, JSON.stringify(a));
  }

  // ── orders ──
  saveOrder(o: Order): void {
    this.s.orderPut.run({
      id: o.id, account: o.account, clientOrderId: o.clientOrderId, symbol: o.symbol, status: o.status,
      isOpen: isOpen(o.status) ? 1 : 0, createdAt: o.createdAt, json: JSON.stringify(o),
    });
  }
  order(id: string): Order | null {
    const j = this.s.orderById.get(id) as string | undefined;
    return j ? (JSON.parse(j) as Order) : null;
  }
  orderByClientId(account: string, clientOrderId: string): Order | null {
    const j = this.s.orderByClient.get(account, clientOrderId) as string | undefined;
    return j ? (JSON.parse(j) as Order) : null;
  }
  orders(open = false): Order[] {
    const stmt = open ? this.s.ordersOpen : this.s.ordersAll;
    return (stmt.all() as string[]).map((j) => JSON.parse(j) as Order);
  }

  // ── fills ──
  insertFill(f: Fill): void {
    this.s.fillPut.run(f.id, f.orderId, f.account, f.symbol, f.time, JSON.stringify(f));
  }
  fills(orderId?: string): Fill[] {
    const rows = (orderId === undefined ? this.s.fillsAll.all() : this.s.fillsByOrder.all(orderId)) as string[];
    return rows.map((j) => JSON.parse(j) as Fill);
  }

  // ── positions ──
  savePosition(p: Position): void {
    this.s.positionPut.run(p.account, p.symbol, JSON.stringify(p));
  }
  deletePosition(account: string, symbol: string): void {
    this.s.positionDelete.run(account, symbol);
  }
  positions(): Position[] {
    return (this.s.positionsAll.all() as string[]).map((j) => JSON.parse(j) as Position);
  }

  // ── armed exits ──
  saveExit(e: StoredExit): void {
    this.s.exitPut.run(e.entryId, e.account, e.state, JSON.stringify(e));
  }
  exits(activeOnly = true): StoredExit[] {
    const stmt = activeOnly ? this.s.exitsActive : this.s.exitsAll;
    return (stmt.all() as string[]).map((j) => JSON.parse(j) as StoredExit);
  }

  // ── state values ──
  getState<T>(key: string): T | undefined {
    const j = this.s.stateGet.get(key) as string | undefined;
    return j === undefined ? undefined : (JSON.parse(j) as T);
  }
  setState(key: string, value: unknown): void {
    this.s.statePut.run(key, JSON.stringify(value));
  }

  // ── audit rows (the hash chain itself is src/audit's) ──
  lastAudit(): { seq: number; hash: string } | null {
    return (this.s.auditLast.get() as { seq: number; hash: string } | undefined) ?? null;
  }
  insertAudit(row: AuditRow): void {
    this.s.auditPut.run(row);
  }
  auditRows(): IterableIterator<AuditRow> {
    return this.s.auditAll.iterate() as IterableIterator<AuditRow>;
  }
  /** The newest `n` rows, newest first. */
  auditTail(n: number): AuditRow[] {
    return this.s.auditTail.all(n) as AuditRow[];
  }
}

/** The repository over a store that exposes its SQLite connection (the default store does). */
export function tradingRepository(store: unknown): TradingRepository {
  const db = (store as { connection?: Database.Database }).connection;
  if (!db) throw new Error('trading needs the SQLite store (this store exposes no SQLite connection)');
  return new TradingRepository(db);
}
