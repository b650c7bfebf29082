/**
 * Stores holding the recorded data, for tests of everything that plays the store (the
 * replay, the chain, the server). Importing all of ../shared/data takes a second or two,
 * so each test process imports it once: into one shared in-memory store for read-only
 * use, and into a template file that servers copy (they write settings and drawings).
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importDirectory } from '../../src/feeds/flatfile/index.js';
import { openStore, type SqliteMarketStore } from '../../src/store/index.js';
import { DATA_DIR } from './data.js';

let shared: Promise<SqliteMarketStore> | undefined;
let template: Promise<string> | undefined;

/** One in-memory store per test process with all of DATA_DIR imported. Do not write to it. */
export function recordedStore(): Promise<SqliteMarketStore> {
  shared ??= (async () => {
    const store = openStore(':memory:');
    await importDirectory(DATA_DIR, store);
    return store;
  })();
  return shared;
}

/** Copies a database file holding all of DATA_DIR to `dest` (imported once per process). */
export async function copyRecordedDb(dest: string): Promise<void> {
  template ??= (async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'optdesk-template-'));
    const file = path.join(dir, 'template.db');
    const store = openStore(file);
    try {
      await importDirectory(DATA_DIR, store);
    } finally {
      store.close(); // checkpoints the WAL: the file alone is the whole database
    }
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    return file;
  })();
  copyFileSync(await template, dest);
}
