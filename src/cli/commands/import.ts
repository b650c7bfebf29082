/** `optdesk import <dir>` — imports every Massive flat file under a directory into the store. */
import { importDirectory, createImportProgressBar, type ImportProgress } from '../../feeds/flatfile/index.js';
import { openStore, resolveDbPath } from '../../store/index.js';

export interface ImportCommandOptions {
  db?: string;
  format?: string;
}

export async function runImport(dir: string, opts: ImportCommandOptions, out: NodeJS.WritableStream, err: NodeJS.WriteStream): Promise<number> {
  const dbPath = resolveDbPath(opts);
  const store = openStore(dbPath);
  const bar = createImportProgressBar(err);
  try {
    // Without a terminal (logs, CI, a parent process) one line per file says what is being read.
    const onProgress = bar
      ? bar.onProgress.bind(bar)
      : (p: ImportProgress) => {
          if (!p.done && p.fileBytesRead === 0) err.write(`importing ${p.fileIndex}/${p.fileCount} ${p.file}\n`);
        };
    const report = await importDirectory(dir, store, { onProgress });
    bar?.stop();
    if (opts.format === 'json') {
      out.write(JSON.stringify(report, null, 2) + '\n');
    } else {
      for (const f of report.files) {
        const status = f.error ? `STOPPED: ${f.error}` : 'ok';
        const input = f.duplicates || f.outOfOrder ? `; ${f.duplicates} duplicates, ${f.outOfOrder} out of order` : '';
        out.write(`${f.kind.padEnd(15)} ${f.path}\n  rows ${f.rowsOk} ok, ${f.rowsBad} bad${input}; inserted ${f.inserted}, updated ${f.updated}, unchanged ${f.unchanged} — ${status}\n`);
        for (const e of f.errors) out.write(`  ${e.message}\n`);
        if (f.rowsBad > f.errors.length) out.write(`  … and ${f.rowsBad - f.errors.length} more bad rows\n`);
      }
      for (const i of report.ignored) out.write(`ignored         ${i.path}: ${i.reason}\n`);
      out.write(
        `\nImported ${report.files.length} files into ${dbPath} in ${(report.elapsedMs / 1000).toFixed(1)} s: ` +
          `${report.rowsOk} rows ok, ${report.rowsBad} bad` +
          (report.rowsUnwritten ? `, ${report.rowsUnwritten} read but NOT written` : '') +
          `; ${report.inserted} inserted, ${report.updated} updated, ${report.unchanged} unchanged` +
          (report.failedFiles ? `; ${report.failedFiles} file(s) stopped early (see above)` : '') + '\n',
      );
    }
    // Bad rows are reported, not fatal: the good rows are in. A file that stopped early is worth a non-zero exit.
    return report.failedFiles > 0 ? 1 : 0;
  } finally {
    bar?.stop();
    store.close();
  }
}
