/** One sweep worker: runs the backtests it is sent against its own read-only store connection. */
import { parentPort } from 'node:worker_threads';
import { InputError } from '../core/errors.js';
import { runBacktest, type BacktestRequest } from './backtest.js';
import { SqliteDaySource } from './minutes.js';

let source: SqliteDaySource | null = null;
let path = '';
parentPort!.on('message', (m: { i: number; dbPath: string; request: BacktestRequest }) => {
  try {
    if (!source || path !== m.dbPath) {
      source?.close();
      source = new SqliteDaySource(m.dbPath);
      path = m.dbPath;
    }
    const r = runBacktest(source, m.request);
    parentPort!.postMessage({ i: m.i, run: { params: m.request.params, stats: r.stats, bars: r.bars } });
  } catch (e) {
    const err = e as Error;
    parentPort!.postMessage({ i: m.i, error: { message: err.message, ...(e instanceof InputError ? { field: e.field, reason: e.reason } : {}) } });
  }
});
