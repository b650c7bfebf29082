/**
 * cli/ — the `optdesk` command. Each command lives in ./commands and validates its own
 * arguments (naming the bad flag); this file only wires them to commander and turns
 * errors into one clear line and an exit code, never a stack trace.
 */
import { Command, CommanderError } from 'commander';
import { InputError } from '../core/errors.js';
import { runBars } from './commands/bars.js';
import { runCheck } from './commands/check.js';
import { runImport } from './commands/import.js';
import { runChain } from './commands/chain.js';
import { runAuditVerify } from './commands/audit.js';
import { runKill } from './commands/kill.js';
import { registerJournalCommands } from './commands/journal.js';

function fail(command: string, error: unknown): never {
  if (error instanceof InputError) {
    process.stderr.write(`optdesk ${command}: ${error.message}\n`);
    process.exit(2);
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`optdesk ${command}: ${message}\n`);
  process.exit(1);
}

const program = new Command()
  .name('optdesk')
  .description('Self-hosted options day-trading desk: charts, options chain, strategies, risk, journal.')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

program
  .command('serve')
  .description('Start the server and dashboard (replay of the recorded data by default; Massive with MASSIVE_API_KEY).')
  .option('--port <port>', 'port to listen on (default: $PORT or 3000)')
  .option('--host <host>', 'address to bind (default 127.0.0.1; any other needs OPTDESK_TOKEN)')
  .option('--db <file>', 'SQLite database file (default: $OPTDESK_DB or ./data/optdesk.db)')
  .action(async (opts: { port?: string; host?: string; db?: string }) => {
    try {
      if (opts.port) process.env.PORT = opts.port;
      if (opts.host) process.env.HOST = opts.host;
      if (opts.db) process.env.OPTDESK_DB = opts.db;
      const { startServer } = await import('../server/main.js');
      await startServer();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        fail('serve', new Error(`port ${process.env.PORT ?? 3000} is already in use (another optdesk running?); stop it or pick another port with --port or PORT`));
      }
      fail('serve', e);
    }
  });

program
  .command('import')
  .description('Import every Massive flat file (gzip CSV) under a directory: stock minute/day aggregates, option minute aggregates and quotes, open interest.')
  .argument('<dir>', 'directory (searched recursively) or a single .csv.gz file')
  .option('--db <file>', 'SQLite database file (default: $OPTDESK_DB or ./data/optdesk.db)')
  .option('--format <format>', 'report format: text or json', 'text')
  .action(async (dir: string, opts: { db?: string; format?: string }) => {
    try {
      process.exitCode = await runImport(dir, opts, process.stdout, process.stderr);
    } catch (e) {
      fail('import', e);
    }
  });

program
  .command('bars')
  .description('Print one bar series built from the stored 1-minute bars (1D of a closed session: the vendor daily bar when imported).')
  .argument('<SYMBOL>', 'ticker, e.g. SPY')
  .requiredOption('--tf <tf>', 'timeframe: 1m 2m 3m 5m 10m 15m 30m 1h 2h 4h 1D 1W')
  .requiredOption('--from <date>', 'first New York trading date, YYYY-MM-DD')
  .requiredOption('--to <date>', 'last New York trading date, YYYY-MM-DD (inclusive)')
  .option('--extended', 'include pre-market (04:00) and after-hours (to 20:00) bars', false)
  .option('--format <format>', 'csv or json', 'csv')
  .option('--db <file>', 'SQLite database file (default: $OPTDESK_DB or ./data/optdesk.db)')
  .action((symbol: string, opts) => {
    try {
      process.exitCode = runBars(symbol, opts, process.stdout, process.stderr);
    } catch (e) {
      fail('bars', e);
    }
  });

program
  .command('check')
  .description('Integrity report: missing minutes, bad/duplicate/out-of-order input, bad ticks, suspected splits, vendor vs minute-derived daily bars.')
  .argument('<SYMBOL>', 'ticker, e.g. SPY')
  .requiredOption('--from <date>', 'first date, YYYY-MM-DD')
  .requiredOption('--to <date>', 'last date, YYYY-MM-DD (inclusive)')
  .option('--format <format>', 'text or json', 'text')
  .option('--db <file>', 'SQLite database file (default: $OPTDESK_DB or ./data/optdesk.db)')
  .action((symbol: string, opts) => {
    try {
      process.exitCode = runCheck(symbol, opts, process.stdout, process.stderr);
    } catch (e) {
      fail('check', e);
    }
  });

program
  .command('chain')
  .description('Print the option chain of an underlying at a New York time from the stored quotes: bid/ask/mid, IV and greeks (or why no IV), break-even, open interest.')
  .argument('<UNDERLYING>', 'underlying ticker, e.g. GOOG')
  .requiredOption('--at <time>', 'New York time, YYYY-MM-DDTHH:MM (e.g. 2015-12-24T11:00)')
  .option('--expiration <date>', 'only this expiration, YYYY-MM-DD')
  .option('--rate <r>', 'risk-free rate as a decimal (default: approximate 3-month T-bill average of that year)')
  .option('--div <q>', 'continuous dividend yield as a decimal', '0')
  .option('--format <format>', 'csv or json', 'csv')
  .option('--db <file>', 'SQLite database file (default: $OPTDESK_DB or ./data/optdesk.db)')
  .action((underlying: string, opts) => {
    try {
      process.exitCode = runChain(underlying, opts, process.stdout, process.stderr);
    } catch (e) {
      fail('chain', e);
    }
  });

program
  .command('kill')
  .description('Kill switch: cancel every working order and block new ones (asks the running server; without one, sets it in the database).')
  .option('--release', 'release the kill switch instead', false)
  .option('--reason <text>', 'why (kept in the audit trail)')
  .option('--url <url>', 'the server (default http://127.0.0.1:$PORT or 3000); OPTDESK_TOKEN is sent when set')
  .option('--db <file>', 'SQLite database file when no server answers (default: $OPTDESK_DB or ./data/optdesk.db)')
  .action(async (opts) => {
    try {
      process.exitCode = await runKill(opts, process.stdout);
    } catch (e) {
      fail('kill', e);
    }
  });

program
  .command('audit')
  .description('The audit trail of intents, risk decisions, order events, fills and setting changes.')
  .command('verify')
  .description('Check the hash chain: exit 0 when intact, 1 naming the first edited, deleted or reordered row.')
  .option('--db <file>', 'SQLite database file (default: $OPTDESK_DB or ./data/optdesk.db)')
  .action((opts: { db?: string }) => {
    try {
      process.exitCode = runAuditVerify(opts, process.stdout);
    } catch (e) {
      fail('audit verify', e);
    }
  });

registerJournalCommands(program, fail);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
  throw e;
}
