/**
 * `optdesk journal export|import` — the trade journal from a terminal.
 *
 *   optdesk journal export [--what trades|fills] [--format csv|json] [--account A] [--from D] [--to D] [--out FILE] [--db FILE]
 *   optdesk journal import FILE [--map FIELD=COLUMN,…] [--account NAME] [--dry-run] [--db FILE]
 *
 * Import is all-or-nothing: a file with any bad line changes nothing, and each bad line is
 * printed as `FILE:LINE: field: why` (exit 1). Bad flags exit 2 naming the flag.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { nyMidnight, addDays } from '../../calendar/index.js';
import { InputError } from '../../core/errors.js';
import { parseMapping } from '../../journal/csv.js';
import { JournalService, type TradeFilter } from '../../journal/service.js';
import { openStore, resolveDbPath } from '../../store/index.js';
import { journalRepository } from '../../store/journal.js';
import { tradingRepository } from '../../store/trading.js';
import { dateArg, formatArg, parseArg } from '../args.js';

function withService<T>(db: string | undefined, fn: (svc: JournalService) => T): T {
  const store = openStore(resolveDbPath({ ...(db ? { db } : {}) }));
  try {
    return fn(new JournalService({ trading: tradingRepository(store), journal: journalRepository(store), history: store }));
  } finally {
    store.close();
  }
}

export interface JournalExportOptions {
  what?: string;
  format?: string;
  account?: string;
  from?: string;
  to?: string;
  out?: string;
  db?: string;
}

export function runJournalExport(opts: JournalExportOptions, out: NodeJS.WritableStream): number {
  const what = parseArg('--what', z.enum(['trades', 'fills'], { error: 'must be trades or fills' }), opts.what ?? 'trades');
  const format = parseArg('--format', formatArg, opts.format ?? 'csv');
  const filter: TradeFilter = {};
  if (opts.account !== undefined) filter.account = parseArg('--account', z.string().trim().min(1, 'must not be empty'), opts.account);
  if (opts.from !== undefined) filter.from = nyMidnight(parseArg('--from', dateArg, opts.from));
  if (opts.to !== undefined) {
    const to = parseArg('--to', dateArg, opts.to);
    if (opts.from !== undefined && to < opts.from) throw new InputError('--to', `must not be before --from (${opts.from})`);
    filter.to = nyMidnight(addDays(to, 1));
  }
  const text = withService(opts.db, (svc) => (what === 'trades' ? svc.exportTrades(format, filter) : svc.exportFills(format, filter)));
  if (opts.out) writeFileSync(opts.out, text);
  else out.write(text);
  return 0;
}

export interface JournalImportOptions {
  map?: string;
  account?: string;
  dryRun?: boolean;
  db?: string;
}

export function runJournalImport(file: string, opts: JournalImportOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): number {
  const mapping = parseMapping(opts.map, '--map');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError('FILE', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return withService(opts.db, (svc) => {
    const account = opts.account?.trim() || undefined;
    if (opts.dryRun) {
      const report = svc.checkCsv(text, { mapping, ...(account ? { account } : {}) });
      for (const p of report.problems) err.write(`${file}:${p.line}: ${p.field}: ${p.message}\n`);
      out.write(report.ok ? `${file}: ${report.fills} fill(s) would import (dry run, nothing written)\n` : `${file}: ${report.problems.length} bad line(s); nothing would be imported\n`);
      return report.ok ? 0 : 1;
    }
    const report = svc.importCsv(text, file, { mapping, ...(account ? { account } : {}) });
    for (const p of report.problems) err.write(`${file}:${p.line}: ${p.field}: ${p.message}\n`);
    out.write(report.ok ? `${file}: imported ${report.imported} fill(s)\n` : `${file}: ${report.problems.length} bad line(s); nothing was imported\n`);
    return report.ok ? 0 : 1;
  });
}

/** Adds `optdesk journal …` to the program; `fail` is main's error reporter (exit 2 for InputError). */
