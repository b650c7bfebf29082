/**
 * `optdesk journal export|import` — the trade journal from a terminal.
 *
 *   optdesk journal export [--what trades|fills] [--format csv|json] [--account A] [--from D] [--to D] [--out FILE] [--db FILE]
 *   optdesk journal import FILE [--map FIELD=COLUMN,…] [--account NAME] [--dry-run] [--db FILE]
 *   optdesk journal import --alpaca [--account NAME] [--db FILE]   (Alpaca FILL activities; keys from ALPACA_KEY_ID/…)
 *
 * Import is all-or-nothing: a file with any bad line changes nothing, and each bad line is
 * printed as `FILE:LINE: field: why` (exit 1). Bad flags exit 2 naming the flag.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { nyMidnight, addDays } from '../../calendar/index.js';
import { InputError } from '../../core/errors.js';
import { AlpacaConfigError, alpacaSettingsFromEnv } from '../../broker/alpaca/config.js';
import { fetchFillActivities } from '../../journal/alpaca-activities.js';
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
  alpaca?: boolean;
}

/**
 * `optdesk journal import --alpaca`: every FILL activity of the Alpaca account (keys from
 * the environment, like `optdesk serve`) into the journal; new ones only, so it can run
 * again any time. Exit 0 with the counts, 1 when Alpaca sent an activity it cannot read.
 */
export async function runJournalAlpacaImport(opts: JournalImportOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let settings;
  try {
    settings = alpacaSettingsFromEnv(env);
  } catch (e) {
    if (e instanceof AlpacaConfigError) throw new InputError(e.variable, e.message.slice(e.variable.length + 2));
    throw e;
  }
  if (!settings) throw new InputError('--alpaca', 'Alpaca is not configured: set ALPACA_KEY_ID and ALPACA_SECRET_KEY (ALPACA_BASE_URL for another host)');
  const activities = await fetchFillActivities(settings);
  const account = opts.account?.trim() || settings.accountName;
  return withService(opts.db, (svc) => {
    const report = svc.importAlpacaActivities(activities, account);
    for (const p of report.problems) err.write(`alpaca activity ${p.activity}: ${p.field}: ${p.message}\n`);
    out.write(report.ok
      ? `alpaca: ${activities.length} fill activit${activities.length === 1 ? 'y' : 'ies'}; imported ${report.imported} into ${account}, ${report.alreadyImported} already imported, ${report.bookedByBroker} booked by the connected broker\n`
      : `alpaca: ${report.problems.length} bad activit${report.problems.length === 1 ? 'y' : 'ies'}; nothing was imported\n`);
    return report.ok ? 0 : 1;
  });
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
