/**
 * cli/ — the `optdesk` command. Each command lives in ./commands and validates its own
 * arguments (naming the bad flag); this file only wires them to commander and turns
 * errors into one clear line and an exit code, never a stack trace.
 */
import { Command, CommanderError } from 'commander';
import { InputError } from '../core/errors.js';
// Commands are imported when they run, so `optdesk --help` loads neither SQLite nor the engine.
import { backtestParamHelp } from './commands/backtest-help.js'; // parameter tables only: no SQLite, no engine
import { registerJournalCommands } from './commands/journal-register.js';

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
  .description('Start the server and dashboard: replay of the market data in the database (an empty database first imports $OPTDESK_DATA, default ../shared/data, with a progress bar); Massive with MASSIVE_API_KEY.')
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
      const { runImport } = await import('./commands/import.js');
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
  .action(async (symbol: string, opts) => {
    try {
      const { runBars } = await import('./commands/bars.js');
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
  .action(async (symbol: string, opts) => {
    try {
      const { runCheck } = await import('./commands/check.js');
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
  .action(async (underlying: string, opts) => {
    try {
      const { runChain } = await import('./commands/chain.js');
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
      const { runKill } = await import('./commands/kill.js');
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
  .action(async (opts: { db?: string }) => {
    try {
      const { runAuditVerify } = await import('./commands/audit.js');
      process.exitCode = runAuditVerify(opts, process.stdout);
    } catch (e) {
      fail('audit verify', e);
    }
  });

program
  .command('covered-calls')
  .description('0-DTE covered-call screener on the stored chain: OTM calls by moneyness, bid, spread, delta and open interest, with yields, break-even, max profit and probability of profit; --mark settles it at the close, --backtest screens and marks every recorded session.')
  .argument('<UNDERLYING>', 'underlying ticker, e.g. GOOG')
  .option('--at <time>', 'New York time, YYYY-MM-DDTHH:MM (e.g. 2015-12-24T11:00); required unless --backtest')
  .option('--expiration <date>', 'expiration, YYYY-MM-DD (default: the session\'s own, 0-DTE)')
  .option('--expiration-days <n>', 'the first expiration at least N calendar days out')
  .option('--rate <r>', 'risk-free rate as a decimal (default: approximate 3-month T-bill average of that year)')
  .option('--div <q>', 'continuous dividend yield as a decimal', '0')
  .option('--min-otm-pct <pct>', 'strike at least spot × (1 + pct/100) (default 0)')
  .option('--max-otm-pct <pct>', 'strike at most spot × (1 + pct/100) (default 3)')
  .option('--delta-lo <d>', 'lowest |delta| (default 0.15)')
  .option('--delta-hi <d>', 'highest |delta| (default 0.35)')
  .option('--min-bid <price>', 'lowest bid (default 0.05)')
  .option('--min-open-interest <n>', 'lowest open interest (default 1)')
  .option('--max-spread-to-mid <x>', 'highest (ask − bid) ÷ mid (default 0.75)')
  .option('--rank <key>', 'premium_yield, max_profit or pop', 'premium_yield')
  .option('--mark', 'also settle each row at the expiration session\'s recorded close (P&L net of fees, on stderr and in JSON)', false)
  .option('--backtest', 'screen at --time on every recorded session with a chain, sell the top row, mark it at the close', false)
  .option('--time <hh:mm>', 'with --backtest: New York time of each day\'s screen', '11:00')
  .option('--format <format>', 'csv or json', 'csv')
  .option('--db <file>', 'SQLite database file (default: $OPTDESK_DB or ./data/optdesk.db)')
  .action(async (underlying: string, opts) => {
    try {
      const { runCoveredCalls } = await import('./commands/covered-calls.js');
      process.exitCode = runCoveredCalls(underlying, opts, process.stdout, process.stderr);
    } catch (e) {
      fail('covered-calls', e);
    }
  });

program
  .command('checklist')
  .description('The 8-point entry checklist and grade (A+ … F) of a symbol at a New York time: daily trend, intraday momentum, relative volume, room to the next level, option liquidity, IV vs realised volatility, delta and break-even, time-of-day/DTE rules.')
  .argument('<SYMBOL>', 'ticker, e.g. GOOG')
  .requiredOption('--direction <dir>', 'long or short')
  .option('--at <time>', 'New York time YYYY-MM-DDTHH:MM, or a date (= its close); default: after the last stored minute')
  .option('--contract <occ>', 'grade this option contract (default: the ATM call/put of the nearest expiration)')
  .option('--thresholds <json>', 'override thresholds, e.g. \'{"minRelVolume":2,"maxSpreadPct":15}\'')
  .option('--format <format>', 'text or json', 'text')
  .option('--db <file>', 'SQLite database file (default: $OPTDESK_DB or ./data/optdesk.db)')
  .action(async (symbol: string, opts) => {
    try {
      const { runChecklist } = await import('./commands/checklist.js');
      process.exitCode = await runChecklist(symbol, opts, process.stdout);
    } catch (e) {
      fail('checklist', e);
    }
  });

program
  .command('scan')
  .description('Scan a universe with a preset (gappers, orb, high-rvol, in-play) or a custom filter at a New York time: gap, relative volume, opening range, ATR, VWAP, EMA trend, levels, option liquidity. Daily-only symbols use their vendor daily bars.')
  .option('--preset <name>', 'gappers, orb, high-rvol or in-play')
  .option('--universe <list>', 'all, big-caps, small-caps, or tickers like SPY,AIG,BAC (default all)')
  .option('--at <time>', 'New York time YYYY-MM-DDTHH:MM, or a date (= its close); default: the replay default 2013-10-10T10:30 when stored, else after the last stored minute')
  .option('--filter <json>', 'custom filter, e.g. \'{"all":[{"field":"gap_pct","op":">=","value":1}]}\' (replaces the preset\'s)')
  .option('--sort <json>', 'e.g. \'{"field":"rel_volume","dir":"desc"}\'')
  .option('--limit <n>', 'top N rows (default 10)')
  .option('--format <format>', 'csv or json', 'csv')
  .option('--db <file>', 'SQLite database file (default: $OPTDESK_DB or ./data/optdesk.db)')
  .action(async (opts) => {
    try {
      const { runScan } = await import('./commands/scan.js');
      process.exitCode = await runScan(opts, process.stdout, process.stderr);
    } catch (e) {
      fail('scan', e);
    }
  });

program
  .command('backtest')
  .description('Backtest a strategy (orb, timeblock) on the stored 1-minute bars of one symbol: every trade with fees, P&L, R, MAE/MFE, the equity curve, published levels and statistics with bootstrap confidence intervals; --sweep runs a parameter grid on worker threads.')
  .option('--strategy <name>', 'orb or timeblock')
  .option('--symbol <SYMBOL>', 'ticker, e.g. SPY')
  .option('--from <date>', 'first New York trading date, YYYY-MM-DD')
  .option('--to <date>', 'last date, YYYY-MM-DD (inclusive)')
  .option('--mode <mode>', 'underlying (shares) or options (calls for longs, puts for shorts: recorded quotes when stored, else MODEL quotes)', 'underlying')
  .option('--param <key=value>', 'strategy parameter (repeat the flag for several)', (v: string, acc: string[]) => [...acc, v], [] as string[])
  .option('--sweep <key=v1,v2>', 'sweep a parameter over values (repeat for a grid); reports every run', (v: string, acc: string[]) => [...acc, v], [] as string[])
  .option('--workers <n>', 'worker threads for --sweep (default: one per core)')
  .option('--seed <n>', 'seed of the bootstrap confidence intervals (default 1)')
  .option('--equity <dollars>', 'starting equity (default 100000)')
  .option('--format <format>', 'json, csv (trades) or html (self-contained report with charts)', 'json')
  .option('--out <file>', 'write the report to a file instead of stdout')
  .option('--no-progress', 'no progress bar (it is shown only on a terminal anyway)')
  .option('--db <file>', 'SQLite database file (default: $OPTDESK_DB or ./data/optdesk.db)')
  .addHelpText('after', backtestParamHelp())
  .action(async (opts) => {
    try {
      // Loaded when it runs: --help needs only the parameter specs.
      const { runBacktestCommand } = await import('./commands/backtest.js');
      process.exitCode = await runBacktestCommand(opts, process.stdout, process.stderr);
    } catch (e) {
      fail('backtest', e);
    }
  });

registerJournalCommands(program, fail);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
  throw e;
}
