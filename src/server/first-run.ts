/**
 * First run: an empty store gets the recorded flat files under the data dir (OPTDESK_DATA,
 * default ../shared/data) imported before the replay starts, so `npm start` on a fresh
 * checkout shows charts. Any later start finds data (or an import log) and skips this:
 * the store is the one source the replay plays, and `optdesk import` adds to it.
 */
import { existsSync } from 'node:fs';
import { importDirectory, type DirectoryImportReport, type ImportProgress } from '../feeds/flatfile/index.js';
import type { MarketStore } from '../store/types.js';

export interface FirstRunImportOptions {
  /** Progress of the import (the terminal bar in `optdesk serve`). */
  onProgress?: (progress: ImportProgress) => void;
  /** Called when the import has finished, before the summary is logged (stops a progress bar). */
  onDone?: () => void;
  /** Sentences about what happens (what it imports, or why it cannot). */
  log?: (line: string) => void;
}

/** Imports `dataDir` into `store` when the store is empty; undefined when it was skipped. */
export async function importOnFirstRun(
  store: MarketStore,
  dataDir: string,
  opts: FirstRunImportOptions = {},
): Promise<DirectoryImportReport | undefined> {
  if (!store.isEmpty()) return undefined;
  if (!existsSync(dataDir)) {
    opts.log?.(`the database is empty and ${dataDir} does not exist: nothing to replay (set OPTDESK_DATA or run optdesk import DIR)`);
    return undefined;
  }
  opts.log?.(`first run: importing the recorded data in ${dataDir} into the database (later starts skip this)`);
  const report = await importDirectory(dataDir, store, { ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
  opts.onDone?.();
  opts.log?.(
    `first run: imported ${report.files.length} files (${report.rowsOk} rows` +
      (report.rowsBad ? `, ${report.rowsBad} bad rows skipped` : '') +
      `) in ${(report.elapsedMs / 1000).toFixed(1)} s` +
      (report.failedFiles ? `; ${report.failedFiles} file(s) stopped early: ${report.files.filter((f) => f.error).map((f) => `${f.path}: ${f.error}`).join('; ')}` : ''),
  );
  return report;
}
