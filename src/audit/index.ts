/**
 * audit/ — the append-only audit trail: every intent, risk decision, order event, fill,
 * kill-switch change and setting change, in order. Each row carries the SHA-256 of the
 * previous row, and the newest row's (seq, hash) is also kept as the trail's head, so an
 * edit, a deletion (anywhere, the last row included) or a reordering breaks the chain at
 * a row `verifyAudit` can name.
 *
 * Rows are never updated or deleted by optdesk (the table's triggers refuse it too).
 */
import { createHash } from 'node:crypto';
import type { AuditRow, TradingRepository } from '../store/trading.js';

export type AuditKind = 'intent' | 'risk_decision' | 'order_event' | 'fill' | 'kill_switch' | 'setting' | 'exit' | 'error';

export const GENESIS_HASH = '0'.repeat(64);
const HEAD_KEY = 'audit.head';

export function rowHash(row: Omit<AuditRow, 'hash'>): string {
  return createHash('sha256')
    .update([row.prevHash, row.seq, row.at, row.kind, row.account ?? '', row.ref ?? '', row.data].join('\n'))
    .digest('hex');
}

export class AuditTrail {
  constructor(
    private readonly repo: TradingRepository,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Appends one row (in the caller's transaction when there is one) and returns it. */
  append(kind: AuditKind, data: unknown, opts: { account?: string; ref?: string; at?: number } = {}): AuditRow {
    return this.repo.transaction(() => {
      const last = this.repo.lastAudit();
      const base = {
        seq: (last?.seq ?? 0) + 1,
        at: opts.at ?? this.clock(),
        kind,
        account: opts.account ?? null,
        ref: opts.ref ?? null,
        data: JSON.stringify(data),
        prevHash: last?.hash ?? GENESIS_HASH,
      };
      const row: AuditRow = { ...base, hash: rowHash(base) };
      this.repo.insertAudit(row);
      this.repo.setState(HEAD_KEY, { seq: row.seq, hash: row.hash });
      return row;
    });
  }

  /** The newest rows, newest first. */
  tail(n = 100): AuditRow[] {
    return this.repo.auditTail(n);
  }
}

export type VerifyResult =
  | { ok: true; rows: number }
  | { ok: false; rows: number; seq: number; message: string };

/** Walks the chain from the first row; stops at the first row that does not hold. */
export function verifyAudit(repo: TradingRepository): VerifyResult {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let rows = 0;
  for (const row of repo.auditRows()) {
    rows++;
    if (row.seq !== expectedSeq) {
      return row.seq > expectedSeq
        ? { ok: false, rows, seq: expectedSeq, message: `row ${expectedSeq} is missing (the next row is ${row.seq}): rows were deleted` }
        : { ok: false, rows, seq: row.seq, message: `row ${row.seq} is out of sequence (expected ${expectedSeq})` };
    }
    if (row.prevHash !== prevHash) {
      return { ok: false, rows, seq: row.seq, message: `row ${row.seq} does not link to row ${row.seq - 1} (previous-hash mismatch): a row was deleted, reordered or edited before it` };
    }
    if (rowHash(row) !== row.hash) {
      return { ok: false, rows, seq: row.seq, message: `row ${row.seq} (${row.kind}) does not match its hash: it was edited` };
    }
    prevHash = row.hash;
    expectedSeq++;
  }
  const head = repo.getState<{ seq: number; hash: string }>(HEAD_KEY);
  const lastSeq = expectedSeq - 1;
  if (head && (head.seq !== lastSeq || head.hash !== prevHash)) {
    return head.seq > lastSeq
      ? { ok: false, rows, seq: lastSeq + 1, message: `row ${lastSeq + 1} is missing: the trail ended at row ${head.seq} (${head.seq - lastSeq} newest row(s) deleted)` }
      : { ok: false, rows, seq: head.seq, message: `the trail's head (row ${head.seq}) does not match row ${lastSeq}: rows were edited or added outside optdesk` };
  }
  if (!head && rows > 0) return { ok: false, rows, seq: lastSeq, message: 'the trail has rows but no head record: it was not written by optdesk' };
  return { ok: true, rows };
}
