/** `optdesk import <dir>` — imports every Massive flat file under a directory into the store. */
import { importDirectory, createImportProgressBar } from '../../feeds/flatfile/index.js';
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
    const report = await importDirectory(dir, store, { onProgress: bar?.onProgress.bind(bar) });
    bar?.stop();
    if (opts.format === 'json') {
      out.write(JSON.stringify(report, null, 2) + '\n');
    } else {
      for (const f of report.files) {
        const status = f.error ? `STOPPED: ${f.error}` : 'ok';
        out.write(`${f.kind.padEnd(15)} ${f.path}\n  rows ${f.rowsOk} ok, ${f.rowsBad} bad; inserted ${f.inserted}, updated ${f.updated}, unchanged ${f.unchanged} — ${status}\n`);
        for (const e of f.errors) out.write(`  ${e.message}\n`);
        if (f.rowsBad > f.errors.length) out.write(`  … and ${f.rowsBad - f.errors.length} more bad rows\n`);
      }
      for (const i of report.ignored) out.write(`ignored         ${i.path}: ${i.reason}\n`);
      out.write(
        `\nImported ${report.files.length} files into ${dbPath} in ${(report.elapsedMs / 1000).toFixed(1)} s: ` +
          `${report.rowsOk} rows ok, ${report.rowsBad} bad; ${report.inserted} inserted, ${report.updated} updated, ${report.unchanged} unchanged` +
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
