import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openStore } from '../store/index.js';
import { tradingRepository } from '../store/trading.js';
import { AuditTrail, verifyAudit } from './index.js';

function trail(rows = 6) {
  const store = openStore(':memory:');
  const repo = tradingRepository(store);
  const audit = new AuditTrail(repo, () => 1_700_000_000_000);
  for (let i = 1; i <= rows; i++) audit.append(i % 2 ? 'intent' : 'fill', { n: i, price: 20_000 + i }, { account: 'paper', ref: `o${i}` });
  // Tampering needs the append-only triggers out of the way — as a tamperer would do.
  const raw = repo.db;
  const untrigger = (): void => {
    raw.exec('DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;');
  };
  return { store, repo, audit, raw, untrigger };
}

describe('audit trail', () => {
  it('an untouched trail verifies', () => {
    const t = trail();
    assert.deepEqual(verifyAudit(t.repo), { ok: true, rows: 6 });
    t.store.close();
  });

  it('the table refuses updates and deletes', () => {
    const t = trail();
    assert.throws(() => t.raw.prepare('UPDATE audit_log SET data = ? WHERE seq = 2').run('{}'), /append-only/);
    assert.throws(() => t.raw.prepare('DELETE FROM audit_log WHERE seq = 2').run(), /append-only/);
    t.store.close();
  });

  it('an edited row is named', () => {
    const t = trail();
    t.untrigger();
    t.raw.prepare('UPDATE audit_log SET data = ? WHERE seq = 3').run(JSON.stringify({ n: 3, price: 1 }));
    const r = verifyAudit(t.repo);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.seq, 3);
    assert.match(!r.ok ? r.message : '', /row 3 \(intent\) does not match its hash: it was edited/);
    t.store.close();
  });

  it('an edit that recomputes the row hash breaks the next link', () => {
    const t = trail();
    t.untrigger();
    t.raw.prepare("UPDATE audit_log SET hash = 'f' || substr(hash, 2) WHERE seq = 4").run();
    const r = verifyAudit(t.repo);
    assert.equal(!r.ok && r.seq, 4);
    t.store.close();
  });

  it('a deleted middle row is named', () => {
    const t = trail();
    t.untrigger();
    t.raw.prepare('DELETE FROM audit_log WHERE seq = 2').run();
    const r = verifyAudit(t.repo);
    assert.equal(!r.ok && r.seq, 2);
    assert.match(!r.ok ? r.message : '', /row 2 is missing/);
    t.store.close();
  });

  it('deleting the newest rows is detected through the head record', () => {
    const t = trail();
    t.untrigger();
    t.raw.prepare('DELETE FROM audit_log WHERE seq >= 5').run();
    const r = verifyAudit(t.repo);
    assert.equal(!r.ok && r.seq, 5);
    assert.match(!r.ok ? r.message : '', /2 newest row\(s\) deleted/);
    t.store.close();
  });

  it('reordered rows are named', () => {
    const t = trail();
    t.untrigger();
    t.raw.exec('UPDATE audit_log SET seq = 100 WHERE seq = 3; UPDATE audit_log SET seq = 3 WHERE seq = 4; UPDATE audit_log SET seq = 4 WHERE seq = 100;');
    const r = verifyAudit(t.repo);
    assert.equal(!r.ok && r.seq, 3);
    assert.match(!r.ok ? r.message : '', /row 3 does not link to row 2/);
    t.store.close();
  });

  it('appending continues the chain across reopenings', async () => {
    const dir = await import('node:fs/promises').then((fs) => fs.mkdtemp('/tmp/audit-'));
    const a = openStore(`${dir}/a.db`);
    new AuditTrail(tradingRepository(a)).append('setting', { x: 1 });
    a.close();
    const b = openStore(`${dir}/a.db`);
    const row = new AuditTrail(tradingRepository(b)).append('setting', { x: 2 });
    assert.equal(row.seq, 2);
    assert.deepEqual(verifyAudit(tradingRepository(b)), { ok: true, rows: 2 });
    b.close();
  });
});
