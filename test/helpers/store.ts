/**
 * Stores holding the recorded data, for tests of everything that plays the store (the
 * replay, the chain, the server). Importing all of ../shared/data costs a few CPU seconds,
 * so it happens once: `npm test` (scripts/test.mjs) imports it into one template file
 * before the test processes start and names it in OPTDESK_TEST_TEMPLATE_DB (with the data
 * directory it came from in OPTDESK_TEST_TEMPLATE_DATA). A test file run on its own has no
 * template and imports the data once per process instead, exactly as the template was made.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importDirectory } from '../../src/feeds/flatfile/index.js';
import { openStore, type SqliteMarketStore } from '../../src/store/index.js';
import { DATA_DIR } from './data.js';

let shared: Promise<SqliteMarketStore> | undefined;
let template: Promise<string> | undefined;

/** Imports all of `dataDir` into a new database file `file` and closes it. */
export async function buildTemplateDb(file: string, dataDir = DATA_DIR): Promise<void> {
  const store = openStore(file);
  try {
    await importDirectory(dataDir, store);
  } finally {
    store.close(); // checkpoints the WAL: the file alone is the whole database
  }
}

/** A scratch directory removed when the process exits. */
function scratchDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The prepared template of the run when it holds DATA_DIR, else one imported by this process. */
function templateDb(): Promise<string> {
  template ??= (async () => {
    const prepared = process.env.OPTDESK_TEST_TEMPLATE_DB;
    if (prepared && process.env.OPTDESK_TEST_TEMPLATE_DATA === DATA_DIR) {
      if (!existsSync(prepared)) throw new Error(`OPTDESK_TEST_TEMPLATE_DB: ${prepared} does not exist`);
      return prepared;
    }
    const file = path.join(scratchDir('optdesk-template-'), 'template.db');
    await buildTemplateDb(file);
    return file;
  })();
  return template;
}

/**
 * One store per test process with all of DATA_DIR imported (a private copy of the
 * template). Do not write to it.
 */
export function recordedStore(): Promise<SqliteMarketStore> {
  shared ??= (async () => {
    const file = path.join(scratchDir('optdesk-recorded-'), 'recorded.db');
    copyFileSync(await templateDb(), file);
    const store = openStore(file);
    return store;
  })();
  return shared;
}

/** Copies a database file holding all of DATA_DIR to `dest`. */
export async function copyRecordedDb(dest: string): Promise<void> {
  copyFileSync(await templateDb(), dest);
}
