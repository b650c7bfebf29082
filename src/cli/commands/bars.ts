/** `optdesk bars` — prints one bar series from the store, built by the same engine as the live chart. */
import { historyBars } from '../../bars/load.js';
import { openStore, resolveDbPath } from '../../store/index.js';
import { parseArg, parseRange, symbolArg, timeframeArg, formatArg, hasSession } from '../args.js';
import { barsToCsv, barsToJson } from '../output.js';
import { warnIncompleteImports } from '../warnings.js';

export interface BarsOptions {
  tf?: string;
  from?: string;
  to?: string;
  extended?: boolean;
  format?: string;
  db?: string;
}

export function runBars(symbolInput: string, opts: BarsOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): number {
  const symbol = parseArg('SYMBOL', symbolArg, symbolInput);
  const tf = parseArg('--tf', timeframeArg, opts.tf);
  const { from, to } = parseRange(opts.from, opts.to);
  const format = parseArg('--format', formatArg, opts.format ?? 'csv');
  const store = openStore(resolveDbPath(opts));
  try {
    warnIncompleteImports(store, err);
    const bars = historyBars(store, { symbol, tf, from, to, extended: opts.extended ?? false });
    out.write(format === 'json' ? barsToJson(symbol, bars, tf) : barsToCsv(bars, tf));
    if (bars.length === 0) {
      err.write(
        hasSession(from, to)
          ? `No ${symbol} bars between ${from} and ${to} in ${resolveDbPath(opts)}. Import data first: optdesk import <dir>\n`
          : `No trading session between ${from} and ${to} (weekend or market holiday).\n`,
      );
    }
    return 0;
  } finally {
    store.close();
  }
}
