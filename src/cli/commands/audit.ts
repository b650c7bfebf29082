/**
 * `optdesk audit verify [--db FILE]` — walks the audit trail's hash chain. Exit 0 when it
 * is intact, 1 naming the first row that does not hold (edited, deleted or reordered).
 */
import { existsSync } from 'node:fs';
import { verifyAudit } from '../../audit/index.js';
import { InputError } from '../../core/errors.js';
import { openStore, resolveDbPath } from '../../store/index.js';
import { tradingRepository } from '../../store/trading.js';

export function runAuditVerify(opts: { db?: string }, out: NodeJS.WritableStream): number {
  const path = resolveDbPath(opts);
  if (!existsSync(path)) throw new InputError('--db', `${path} does not exist`);
  const store = openStore(path);
  try {
    const result = verifyAudit(tradingRepository(store));
    if (result.ok) {
      out.write(`audit trail intact: ${result.rows} rows (${path})\n`);
      return 0;
    }
    out.write(`audit trail broken at row ${result.seq}: ${result.message} (${path})\n`);
    return 1;
  } finally {
    store.close();
  }
}
