/**
 * One full backtest on a worker thread (the server runs them here so a long range never
 * blocks its event loop): opens its own read-only store connection, posts `progress`
 * after each session and then the report exactly as `optdesk backtest --format json` prints
 * it (trades, stats, levels, setups, equity, dataWarnings), or the error naming the field.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { InputError } from '../core/errors.js';
import { runBacktest, type BacktestRequest } from './backtest.js';
import { tradeDataWarnings } from './data-check.js';
import { SqliteDaySource } from './minutes.js';

export type ReportWorkerMessage =
  | { kind: 'progress'; done: number; total: number }
  | { kind: 'result'; report: Record<string, unknown> }
  | { kind: 'error'; message: string; field?: string; reason?: string };

const { dbPath, request } = workerData as { dbPath: string; request: Omit<BacktestRequest, 'onProgress'> };
const post = (m: ReportWorkerMessage) => parentPort!.postMessage(m);
let source: SqliteDaySource | null = null;
try {
  source = new SqliteDaySource(dbPath);
  const report = runBacktest(source, { ...request, onProgress: (done, total) => post({ kind: 'progress', done, total }) });
  const dataWarnings = tradeDataWarnings(source, request.symbol, report.raw.trades);
  const { raw: _raw, ...json } = report;
  post({ kind: 'result', report: { ...json, dataWarnings } });
} catch (e) {
  const err = e as Error;
  post({ kind: 'error', message: err.message, ...(e instanceof InputError ? { field: e.field, reason: e.reason } : {}) });
} finally {
  source?.close();
}
