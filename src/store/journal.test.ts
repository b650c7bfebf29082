import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { openStore } from './index.js';
import { MIGRATIONS } from './migrations.js';
import { journalRepository } from './journal.js';
import { fill } from '../../test/helpers/fills.js';
import { checkScreenshot, MAX_SCREENSHOT_BYTES } from '../journal/screenshots.js';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

describe('journal repository', () => {
  it('migration numbers are unique and increasing (a merge that repeats one would skip it on existing databases)', () => {
    const v = MIGRATIONS.map((m) => m.version);
    assert.deepEqual(v, [...new Set(v)].sort((a, b) => a - b));
  });

  it('entries: partial updates, notes history kept, rating 1–5 enforced, all survive a reopen', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'journal-'));
    const file = path.join(dir, 'j.db');
    try {
      let store = openStore(file);
      let repo = journalRepository(store);
      repo.saveEntry('t_1', { notes: 'first take', tags: ['orb'], setup: 'ORB' }, 1000);
      repo.saveEntry('t_1', { rating: 4 }, 2000);
      repo.saveEntry('t_1', { notes: 'second take' }, 3000);
      repo.saveEntry('t_1', { notes: '**third**' }, 4000);
      assert.throws(() => repo.saveEntry('t_1', { rating: 6 }, 5000), /CHECK constraint/);
      store.close();
      store = openStore(file);
      repo = journalRepository(store);
      const e = repo.entry('t_1')!;
      assert.deepEqual({ ...e }, { tradeId: 't_1', setup: 'ORB', tags: ['orb'], notes: '**third**', rating: 4, updatedAt: 4000 });
      assert.deepEqual(repo.noteHistory('t_1').map((h) => h.notes), ['first take', 'second take']);
      store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('screenshots keep their bytes; imported fills go in all or nothing', () => {
    const store = openStore(':memory:');
    const repo = journalRepository(store);
    const meta = repo.addScreenshot({ tradeId: 't_1', kind: 'attached', mime: 'image/png', data: PNG, at: 1 });
    assert.deepEqual(repo.screenshot(meta.id)!.data, PNG);
    assert.equal(repo.screenshots('t_1').length, 1);
    const a = fill({ id: 'imp-1', symbol: 'GOOG', side: 'buy', qty: 1, price: 1, time: 1 });
    const b = fill({ id: 'imp-2', symbol: 'GOOG', side: 'sell', qty: 1, price: 1, time: 2 });
    repo.importFills('a.csv', [a], 10);
    assert.throws(() => repo.importFills('b.csv', [b, a], 11), /UNIQUE/);
    assert.deepEqual(repo.importedFills().map((f) => f.id), ['imp-1']);
    store.close();
  });

  it('screenshot check: by magic bytes and size, naming the limit', () => {
    assert.equal(checkScreenshot(PNG), 'image/png');
    assert.equal(checkScreenshot(Buffer.from([0xff, 0xd8, 0xff, 0xe0])), 'image/jpeg');
    assert.equal(checkScreenshot(Buffer.from('RIFF\0\0\0\0WEBPVP8 ')), 'image/webp');
    assert.throws(() => checkScreenshot(Buffer.from('GIF89a........')), /screenshot: is not a PNG, JPEG or WebP image/);
    assert.throws(() => checkScreenshot(Buffer.concat([PNG, Buffer.alloc(MAX_SCREENSHOT_BYTES)])), new RegExp(`the limit is ${MAX_SCREENSHOT_BYTES} bytes`));
  });
});
