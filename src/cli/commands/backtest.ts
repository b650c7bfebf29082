/**
 * `optdesk backtest` — runs a strategy (src/strategies) over the stored minutes of one
 * symbol (src/backtest) and prints the report: JSON (trades, stats, levels, setups,
 * equity), CSV (the trades; the stats summary on stderr) or a self-contained HTML page.
 * `--sweep key=a,b` runs the grid on worker threads instead.
 */
import { writeFileSync } from 'node:fs';
import cliProgress from 'cli-progress';
import { z } from 'zod';
import { sessionsBetween } from '../../calendar/index.js';
import { InputError } from '../../core/errors.js';
import { resolveDbPath } from '../../store/index.js';
import { STRATEGIES, type RawParams } from '../../strategies/index.js';
import {
  backtestSetup, fiveMinuteCandles, htmlReport, parseSweepArg, runBacktest, runSweep, SqliteDaySource, tradeDataWarnings, tradesCsv,
  type BacktestReport, type DataWarning, type Grid,
} from '../../backtest/index.js';
import { parseArg, parseRange, symbolArg } from '../args.js';

export interface BacktestOptions {
  strategy?: string;
  symbol?: string;
  from?: string;
  to?: string;
  mode?: string;
  param?: string[];
  sweep?: string[];
  workers?: string;
  format?: string;
  out?: string;
  db?: string;
  seed?: string;
  equity?: string;
  progress?: boolean;
}

const formatArg = z.enum(['json', 'csv', 'html'], { error: 'must be json, csv or html' });
const modeArg = z.enum(['underlying', 'options'], { error: 'must be underlying or options' });
const seedArg = z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').min(0, 'must be ≥ 0').max(2 ** 32 - 1, 'must be < 2^32');
const equityArg = z.coerce.number({ error: 'must be a number of dollars' }).refine(Number.isFinite, 'must be a number').min(1, 'must be ≥ 1');
const workersArg = z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').min(1, 'must be ≥ 1').max(64, 'must be ≤ 64');

/** Longest range whose 5-minute candles the HTML report draws (longer: equity and table only). */
const MAX_CHART_SESSIONS = 60;

export function paramsFromArgs(list: readonly string[] = []): RawParams {
  const out: Record<string, string> = {};
  for (const p of list) {
    const eq = p.indexOf('=');
    if (eq <= 0 || eq === p.length - 1) throw new InputError('--param', `must look like key=value (got ${JSON.stringify(p)})`);
    out[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return out;
}

function progressBar(enabled: boolean, label: string): { update(done: number, total: number): void; stop(): void } {
  if (!enabled) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar({ stream: process.stderr, format: `${label} |{bar}| {percentage}% | {value}/{total}`, hideCursor: true, fps: 10 }, cliProgress.Presets.shades_classic);
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.update(done);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

function summary(r: BacktestReport, data: readonly DataWarning[]): string {
  const s = r.stats;
  const f = (x: number | null, d = 2) => (x === null ? 'n/a' : x.toFixed(d));
  return [
    `${r.strategy} ${r.symbol} ${r.from}..${r.to}${r.mode === 'options' ? ' (options mode)' : ''}: ${r.sessions} sessions, ${r.bars} minutes, ${s.trades} trades`,
    ...(r.options ? [`options: ${r.options.quoteSources.RECORDED} trades on RECORDED quotes, ${r.options.quoteSources.MODEL} on MODEL quotes; exits ${r.options.exits}; ${r.skippedEntries.length} entries skipped`] : []),
    ...(r.options?.notice ? [`warning: ${r.options.notice}`] : []),
    ...r.trades.filter((t) => t.contract).map((t) => `  ${t.entryTime.slice(0, 16)} ${t.side} ${t.contract} [${t.quoteSource}] ${t.qty} × ask ${t.entryAsk} → bid ${t.exitBid} (${t.reasonOut}), fees $${t.fees.toFixed(2)}, P&L $${t.pnl.toFixed(2)}, break-even ${t.breakEven}`),
    ...(r.options ? r.skippedEntries.slice(0, 5).map((k) => `  skipped ${k.at.slice(0, 16)} ${k.reason}: ${k.why}`) : []),
    ...(r.options && r.skippedEntries.length > 5 ? [`  … and ${r.skippedEntries.length - 5} more skipped entries (the strategy signals again after a refusal; all in skippedEntries of --format json)`] : []),
    `win rate ${s.winRate === null ? 'n/a' : (s.winRate * 100).toFixed(1) + '%'}, profit factor ${f(s.profitFactor)}, net $${s.netPnl.toFixed(2)}, expectancy $${f(s.expectancy)} (${f(s.expectancyR)} R), max drawdown $${s.maxDrawdown.toFixed(2)} (${(s.maxDrawdownPct * 100).toFixed(2)}%), Sharpe ${f(s.sharpe)}, Sortino ${f(s.sortino)}`,
    ...s.warnings.map((w) => `warning: ${w}`),
    ...data.map((d) => `data warning: ${d.time} ${d.detail} (trade entered ${d.trade})`),
  ].join('\n') + '\n';
}

export async function runBacktestCommand(opts: BacktestOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const strategy = opts.strategy ?? '';
  if (!opts.strategy) throw new InputError('--strategy', `is required: ${Object.keys(STRATEGIES).join(' or ')}`);
  const symbol = parseArg('--symbol', symbolArg, opts.symbol ?? '');
  const { from, to } = parseRange(opts.from, opts.to);
  const mode = parseArg('--mode', modeArg, opts.mode ?? 'underlying');
  const format = parseArg('--format', formatArg, opts.format ?? 'json');
  const params = paramsFromArgs(opts.param);
  backtestSetup({ strategy, symbol, mode, params }); // validates every --param before any work
  const seed = opts.seed === undefined ? undefined : parseArg('--seed', seedArg, opts.seed);
  const startEquityCents = opts.equity === undefined ? undefined : Math.round(parseArg('--equity', equityArg, opts.equity) * 100);
  const dbPath = resolveDbPath(opts);
  // commander's --no-progress makes `progress` default to true: the bar still needs a terminal.
  const showProgress = opts.progress !== false && Boolean((process.stderr as NodeJS.WriteStream).isTTY);
  const write = (text: string) => {
    if (opts.out) writeFileSync(opts.out, text);
    else out.write(text);
  };

  if (opts.sweep?.length) {
    const grid: Grid = {};
    for (const s of opts.sweep) parseSweepArg(s, grid);
    for (const [k, values] of Object.entries(grid)) for (const v of values) backtestSetup({ strategy, symbol, mode, params: { ...params, [k]: v } });
    const workers = opts.workers === undefined ? undefined : parseArg('--workers', workersArg, opts.workers);
    new SqliteDaySource(dbPath).close(); // a missing --db fails here, naming the flag
    const bar = progressBar(showProgress, 'sweep');
    try {
      const result = await runSweep({ dbPath, request: { strategy, symbol, from, to, mode, seed, startEquityCents }, base: params, grid, workers, onProgress: bar.update });
      bar.stop();
      if (format === 'json') write(JSON.stringify({ strategy, symbol, from, to, grid, ...result }, null, 2) + '\n');
      else {
        const keys = Object.keys(grid);
        const lines = [[...keys, 'trades', 'winRate', 'profitFactor', 'expectancy', 'expectancyR', 'maxDrawdownPct', 'sharpe'].join(',')];
        for (const r of result.runs) lines.push([...keys.map((k) => String(r.params[k])), r.stats.trades, r.stats.winRate ?? '', r.stats.profitFactor ?? '', r.stats.expectancy ?? '', r.stats.expectancyR ?? '', r.stats.maxDrawdownPct, r.stats.sharpe ?? ''].join(','));
        write(lines.join('\n') + '\n');
      }
      err.write(`${result.runs.length} runs on ${result.workers} worker threads in ${(result.elapsedMs / 1000).toFixed(1)} s\n${result.warning ? `warning: ${result.warning}\n` : ''}`);
      return 0;
    } finally {
      bar.stop();
    }
  }

  const source = new SqliteDaySource(dbPath);
  const bar = progressBar(showProgress, 'backtest');
  try {
    const report = runBacktest(source, { strategy, symbol, from, to, mode, params, seed, startEquityCents, onProgress: bar.update });
    bar.stop();
    if (report.sessions === 0) throw new InputError('--symbol', `no ${symbol} minute bars stored between ${from} and ${to} in ${dbPath} (import them with optdesk import)`);
    const dataWarnings = tradeDataWarnings(source, symbol, report.raw.trades);
    const { raw: _raw, ...json } = report;
    if (format === 'json') write(JSON.stringify({ ...json, dataWarnings }, null, 2) + '\n');
    else if (format === 'csv') write(tradesCsv(report));
    else {
      const sessions = sessionsBetween(from, to);
      const candles = sessions.length <= MAX_CHART_SESSIONS ? fiveMinuteCandles(source, symbol, sessions) : [];
      write(htmlReport(report, candles, dataWarnings));
    }
    if (format !== 'json' || opts.out || mode === 'options') err.write(summary(report, dataWarnings));
    if (opts.out) err.write(`wrote ${opts.out}\n`);
    return 0;
  } finally {
    bar.stop();
    source.close();
  }
}
