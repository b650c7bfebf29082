/**
 * First run: an empty store gets the recorded flat files under the data dir (OPTDESK_DATA,
 * default ../shared/data) imported before the replay starts, so `npm start` on a fresh
 * checkout shows charts. Any later start finds data and skips this: the store is the one
 * source the replay plays, and `optdesk import` adds to it.
 *
 * A first-run import that was interrupted (Ctrl-C, kill) is remembered as started in the
 * settings, so the next start finishes it — skipping the files the import log already
 * shows as complete — instead of replaying half a data dir forever.
 */
import { existsSync } from 'node:fs';
import { importDirectory, type DirectoryImportReport, type ImportProgress } from '../feeds/flatfile/index.js';
import type { MarketStore } from '../store/types.js';

/** Settings key: `{ dataDir, state: 'started' | 'finished', at }` of the first-run import. */
export const FIRST_RUN_SETTING = 'first_run_import';

interface FirstRunState {
  dataDir: string;
  state: 'started' | 'finished';
  at: number;
}

export interface FirstRunImportOptions {
  /** Progress of the import (the terminal bar in `optdesk serve`). */
  onProgress?: (progress: ImportProgress) => void;
  /** Called when the import has finished, before the summary is logged (stops a progress bar). */
  onDone?: () => void;
  /** Sentences about what happens (what it imports, or why it cannot). */
  log?: (line: string) => void;
}

/** Imports `dataDir` into `store` when the store is empty (or a first-run import was interrupted); undefined when skipped. */
export async function importOnFirstRun(
  store: MarketStore,
  dataDir: string,
  opts: FirstRunImportOptions = {},
): Promise<DirectoryImportReport | undefined> {
  const previous = readState(store);
  const resume = previous?.state === 'started';
  if (!resume && !store.isEmpty()) return undefined;
  const dir = resume ? previous.dataDir : dataDir;
  if (!existsSync(dir)) {
    opts.log?.(`the database is empty and ${dir} does not exist: nothing to replay (set OPTDESK_DATA or run optdesk import DIR)`);
    return undefined;
  }
  opts.log?.(
    resume
      ? `first run: finishing the interrupted import of ${dir} (files already imported are skipped)`
      : `first run: importing the recorded data in ${dir} into the database (later starts skip this)`,
  );
  store.setSetting(FIRST_RUN_SETTING, { dataDir: dir, state: 'started', at: Date.now() } satisfies FirstRunState);
  const report = await importDirectory(dir, store, { skipImported: true, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
  store.setSetting(FIRST_RUN_SETTING, { dataDir: dir, state: 'finished', at: Date.now() } satisfies FirstRunState);
  opts.onDone?.();
  const skipped = report.files.filter((f) => f.skipped).length;
  opts.log?.(
    `first run: imported ${report.files.length - skipped} files (${report.rowsOk} rows` +
      (report.rowsBad ? `, ${report.rowsBad} bad rows skipped` : '') +
      `) in ${(report.elapsedMs / 1000).toFixed(1)} s` +
      (skipped ? `; ${skipped} already imported` : '') +
      (report.failedFiles ? `; ${report.failedFiles} file(s) stopped early: ${report.files.filter((f) => f.error).map((f) => `${f.path}: ${f.error}`).join('; ')}` : ''),
  );
  return report;
}

function readState(store: MarketStore): FirstRunState | undefined {
  try {
    const s = store.setting<Partial<FirstRunState>>(FIRST_RUN_SETTING);
    return s && typeof s.dataDir === 'string' && (s.state === 'started' || s.state === 'finished') ? (s as FirstRunState) : undefined;
  } catch {
    return undefined; // an unreadable row must not stop the server; the emptiness check decides
  }
}
