/**
 * REST and socket events for backtests from the dashboard (shapes in src/wire/backtest-protocol.ts).
 *
 * A POST is checked whole before any work (strategy, every parameter against its spec, the
 * dates, that the symbol has stored minutes in the range), then runs on its own worker thread
 * (src/backtest/report-worker.ts) with its own read-only connection to the database file, so
 * the server's event loop never waits on a long range. Progress goes to every socket as
 * `backtest:progress` (at most ~10 a second per run) and the end as `backtest:done`; the
 * result is kept for GET until more than KEEP runs have finished.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { FastifyInstance } from 'fastify';
import type { Server } from 'socket.io';
import { sessionsBetween } from '../calendar/index.js';
import { InputError } from '../core/errors.js';
import { STRATEGIES } from '../strategies/index.js';
import { EXPIRATION_PARAM_HELP, OPTION_PARAMS } from '../backtest/options-params.js';
import { backtestSetup } from '../backtest/backtest.js';
import { workerEntry } from '../backtest/sweep.js';
import type { ReportWorkerMessage } from '../backtest/report-worker.js';
import { BacktestStartSchema, type BacktestJobView, type BacktestResult, type BacktestStart, type BacktestStrategiesResponse } from '../wire/backtest-protocol.js';
import type { MarketStore } from '../store/types.js';
import { HttpError, parseOr400 } from './errors.js';

/** Finished runs kept for GET (oldest dropped first). */
const KEEP = 20;
/** Runs at once: each holds a core; more would only slow the desk's own work. */
const MAX_RUNNING = 2;
const PROGRESS_EVERY_MS = 100;

export interface BacktestRoutesOptions {
  store: MarketStore;
  io: Server;
  /** The database file the workers open read-only; without one (an in-memory store) runs are refused. */
  dbPath?: string;
}

interface Job extends BacktestJobView {
  worker?: Worker;
}

/** CLI flags in strategy errors (`--param targetR`) become the body's field names (`params.targetR`). */
function bodyField(e: InputError): InputError {
  const field = e.field.startsWith('--param ') ? `params.${e.field.slice(8)}` : e.field.startsWith('--') ? e.field.slice(2) : e.field;
  return new InputError(field, e.reason);
}

export function registerBacktestRoutes(app: FastifyInstance, opts: BacktestRoutesOptions): { close(): Promise<void> } {
  const jobs = new Map<string, Job>();
  let closed = false;

  const view = (j: Job): BacktestJobView => {
    const { worker: _w, ...rest } = j;
    return rest;
  };

  const check = (body: BacktestStart): void => {
    try {
      // The CLI's own check: the strategy's parameters, and options mode's in that mode.
      backtestSetup({ strategy: body.strategy, symbol: body.symbol, mode: body.mode, params: body.params });
    } catch (e) {
      throw e instanceof InputError ? bodyField(e) : e;
    }
    if (body.from > body.to) throw new InputError('from', `must not be after to (${body.from} > ${body.to})`);
    if (sessionsBetween(body.from, body.to).length === 0) throw new InputError('from', `no NYSE session between ${body.from} and ${body.to}`);
    if (opts.store.minuteDates(body.symbol, body.from, body.to).length === 0) {
      throw new InputError('symbol', `no ${body.symbol} minute bars stored between ${body.from} and ${body.to} (import them with optdesk import)`);
    }
  };

  const prune = () => {
    const finished = [...jobs.values()].filter((j) => j.status !== 'running');
    for (const j of finished.slice(0, Math.max(0, finished.length - KEEP))) jobs.delete(j.id);
  };

  const start = (body: BacktestStart): Job => {
    const id = randomUUID();
    const job: Job = { id, status: 'running', progress: { done: 0, total: sessionsBetween(body.from, body.to).length }, request: body };
    jobs.set(id, job);
    const worker = new Worker(workerEntry('report-worker-boot.mjs'), {
      workerData: { dbPath: opts.dbPath, request: { strategy: body.strategy, symbol: body.symbol, from: body.from, to: body.to, mode: body.mode, params: body.params, seed: body.seed } },
    });
    job.worker = worker;
    let lastSent = 0;
    const finish = (status: 'done' | 'error', error?: string) => {
      if (job.status !== 'running' || closed) return;
      job.status = status;
      if (error) job.error = error;
      delete job.worker;
      opts.io.emit('backtest:progress', { id, ...job.progress });
      opts.io.emit('backtest:done', { id, status, ...(error ? { error } : {}) });
      prune();
    };
    worker.on('message', (m: ReportWorkerMessage) => {
      if (m.kind === 'progress') {
        job.progress = { done: m.done, total: m.total };
        const now = Date.now();
        if (now - lastSent >= PROGRESS_EVERY_MS || m.done === m.total) {
          lastSent = now;
          opts.io.emit('backtest:progress', { id, done: m.done, total: m.total });
        }
      } else if (m.kind === 'result') {
        job.result = m.report as unknown as BacktestResult;
        job.progress = { done: job.progress.total, total: job.progress.total };
        finish('done');
      } else {
        finish('error', m.field ? bodyField(new InputError(m.field, m.reason ?? m.message)).message : `backtest: ${m.message}`);
      }
    });
    worker.on('error', (e: Error) => finish('error', `backtest: ${e.message}`));
    worker.on('exit', (code) => finish('error', `backtest: the worker stopped (exit code ${code}) before reporting`));
    return job;
  };

  app.get('/api/backtests/strategies', async (): Promise<BacktestStrategiesResponse> => ({
    strategies: Object.entries(STRATEGIES).map(([name, f]) => ({ name, params: f.params })),
    optionParams: OPTION_PARAMS,
    expirationHelp: EXPIRATION_PARAM_HELP,
  }));

  app.post('/api/backtests', async (request, reply) => {
    const body = parseOr400(BacktestStartSchema, request.body ?? {}, 'body');
    check(body);
    if (!opts.dbPath || !existsSync(opts.dbPath)) throw new HttpError(503, 'backtest: this server runs on an in-memory store; start it with a database file (--db) to run backtests');
    const running = [...jobs.values()].filter((j) => j.status === 'running').length;
    if (running >= MAX_RUNNING) throw new HttpError(429, `backtest: ${running} runs are already going; wait for one to finish`);
    const job = start(body);
    void reply.code(202);
    return { id: job.id };
  });

  app.get('/api/backtests/:id', async (request) => {
    const { id } = request.params as { id: string };
    const job = jobs.get(id);
    if (!job) throw new HttpError(404, `id: no backtest ${JSON.stringify(id)} (finished runs are kept for the last ${KEEP})`);
    return view(job);
  });

  return {
    async close() {
      closed = true;
      await Promise.all([...jobs.values()].map((j) => j.worker?.terminate()));
    },
  };
}
