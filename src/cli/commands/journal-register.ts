/**
 * The `optdesk journal` command tree. Kept apart from ./journal.ts so `optdesk --help` loads
 * only the field names, not SQLite or the journal service (commands load when they run).
 */
import type { Command } from 'commander';
import { IMPORT_FIELDS } from '../../journal/csv.js';
import type { JournalExportOptions, JournalImportOptions } from './journal.js';

export function registerJournalCommands(program: Command, fail: (command: string, error: unknown) => never): void {
  const journal = program.command('journal').description('The trade journal: trades built from every account\'s fills, with notes, tags, R and rule breaks.');
  journal
    .command('export')
    .description('Print (or write) the journal\'s trades or fills as CSV or JSON; a fills CSV imports again unchanged.')
    .option('--what <what>', 'trades or fills', 'trades')
    .option('--format <format>', 'csv or json', 'csv')
    .option('--account <name>', 'only this account')
    .option('--from <date>', 'first New York date, YYYY-MM-DD (by entry time)')
    .option('--to <date>', 'last New York date, YYYY-MM-DD (inclusive)')
    .option('--out <file>', 'write to this file instead of standard output')
    .option('--db <file>', 'SQLite database file (default: $OPTDESK_DB or ./data/optdesk.db)')
    .action(async (opts: JournalExportOptions) => {
      try {
        const { runJournalExport } = await import('./journal.js');
        process.exitCode = runJournalExport(opts, process.stdout);
      } catch (e) {
        fail('journal export', e);
      }
    });
  journal
    .command('import')
    .description('Import fills from a CSV file (all rows or none; each bad line is named FILE:LINE: field: why), or with --alpaca the Alpaca account\'s FILL activities (new ones only).')
    .argument('[FILE]', 'CSV file with a header line (not with --alpaca)')
    .option('--map <spec>', `FIELD=COLUMN pairs, comma-separated (fields: ${IMPORT_FIELDS.join(', ')}; ignore=COL|COL for columns to skip). Unnamed fields use the column of the same name; required: time, symbol, side, qty, price. "short" marks a row that opens a short position.`)
    .option('--account <name>', 'account for rows without an account column (default: imported)')
    .option('--dry-run', 'check the file and report, write nothing', false)
    .option('--alpaca', 'import the FILL activities of the Alpaca account (keys: ALPACA_KEY_ID, ALPACA_SECRET_KEY; ALPACA_BASE_URL, ALPACA_ACCOUNT_NAME)', false)
    .option('--db <file>', 'SQLite database file (default: $OPTDESK_DB or ./data/optdesk.db)')
    .action(async (file: string | undefined, opts: JournalImportOptions) => {
      try {
        const { runJournalImport, runJournalAlpacaImport } = await import('./journal.js');
        const { InputError } = await import('../../core/errors.js');
        if (opts.alpaca && file) throw new InputError('FILE', 'give a CSV file or --alpaca, not both');
        if (opts.alpaca && (opts.map || opts.dryRun)) throw new InputError('--alpaca', '--map and --dry-run are for CSV files');
        if (!opts.alpaca && !file) throw new InputError('FILE', 'is required: a CSV file with a header line (or --alpaca)');
        process.exitCode = opts.alpaca ? await runJournalAlpacaImport(opts, process.stdout, process.stderr) : runJournalImport(file!, opts, process.stdout, process.stderr);
      } catch (e) {
        fail('journal import', e);
      }
    });
}
