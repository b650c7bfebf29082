/**
 * The terminal progress bar for imports, kept apart so the importer stays UI-free.
 * The CLI passes `bar.onProgress` to importDirectory/importFile and calls `bar.stop()`.
 */
import cliProgress from 'cli-progress';
import { basename } from 'node:path';
import type { ImportProgress } from './importer.js';

export interface ImportProgressReporter {
  onProgress(progress: ImportProgress): void;
  /** Finishes the bar (idempotent). Call in a finally block so the cursor comes back. */
  stop(): void;
}

function mib(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}

/**
 * A progress bar over the compressed bytes of the whole run, or undefined when `stream`
 * is not a terminal (piped output and CI logs should not fill up with redraws).
 */
export function createImportProgressBar(
  stream: NodeJS.WriteStream = process.stderr,
): ImportProgressReporter | undefined {
  if (!stream.isTTY) return undefined;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: 'import |{bar}| {percentage}% | {read}/{size} MiB | file {fileIndex}/{fileCount} {file} | {rows} rows, {bad} bad',
      hideCursor: true,
      clearOnComplete: false,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let stopped = false;
  let rowsBefore = 0;
  let badBefore = 0;
  return {
    onProgress(p) {
      if (stopped) return;
      const payload = {
        read: mib(p.totalBytesRead), size: mib(p.totalBytes), fileIndex: p.fileIndex, fileCount: p.fileCount,
        file: basename(p.file), rows: rowsBefore + p.rowsOk, bad: badBefore + p.rowsBad,
      };
      if (!started) {
        bar.start(Math.max(1, p.totalBytes), p.totalBytesRead, payload);
        started = true;
      } else {
        bar.update(p.totalBytesRead, payload);
      }
      if (p.done) {
        rowsBefore += p.rowsOk;
        badBefore += p.rowsBad;
      }
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (started) bar.stop();
    },
  };
}
