/**
 * Strategy automation API (src/engine/automation.ts):
 *
 *   GET    /api/strategies/instances              → {instances: [{id, name, strategy, symbol, account, params, mode, instrument,
 *                                                     status, openPosition, stats: {trades, wins, winRate, pnl, profitFactor,
 *                                                     expectancy, expectancyR, maxDrawdown}, createdAt, updatedAt}]}
 *   POST   /api/strategies/instances {name, strategy, symbol, account, params?, mode?, instrument?}  → 201 {instance}
 *   PATCH  /api/strategies/instances/:id {mode?, params?, instrument?}                              → {instance}
 *
 * `instrument`: `underlying` (shares, default) or `options` (src/engine/option-leg.ts; the
 * contract rules — expiration, deltaMin/Max, maxSpreadPct, minOpenInterest, budget, contracts —
 * ride in `params` next to the strategy's, checked like the backtester's options mode).
 *   DELETE /api/strategies/instances/:id                                               → {deleted: id}
 *   GET    /api/strategies/instances/:id/report   → {instance, trades, equity, stats, levels, setups, signals}
 *
 * Bad input is a 400 naming the field; a refused switch to `auto` (kill switch, live flag,
 * not a paper account) is a 422 {error: {code: RISK_DENIED, reason: <check>, message}} like a refused order.
 * Socket events on the trading stream: `strategy:signal`, `strategy:update`.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { errorBody } from '../core/errors.js';
import { nyDate, previousSession } from '../calendar/index.js';
import { Automation, AutomationRefused } from '../engine/automation.js';
import { refusalBody } from '../risk/index.js';
import type { ChartHub } from '../hub/hub.js';
import type { MarketStore } from '../store/types.js';
import { strategyRepository } from '../store/strategies.js';
import { STRATEGIES } from '../strategies/index.js';
import { HttpError, parseOr400 } from './errors.js';
import type { TradingRuntime } from './trading-routes.js';

export const STRATEGY_EVENTS = { signal: 'strategy:signal', update: 'strategy:update' } as const;

declare module 'fastify' {
  interface FastifyInstance {
    automation: Automation;
  }
}

const paramValue = z.union([z.number().finite(), z.string().max(64), z.boolean()], { error: 'must be a number, string or boolean' });
const params = z.record(z.string().max(64), paramValue, { error: 'must be an object of parameter values' });
const mode = z.enum(['off', 'signal', 'auto'], { error: 'must be off, signal or auto' });
const instrument = z.enum(['underlying', 'options'], { error: 'must be underlying (shares) or options' });

const CreateSchema = z.object({
  name: z.string({ error: 'is required' }).trim().min(1, 'is required').max(64, 'is too long'),
  strategy: z.string({ error: `is required (${Object.keys(STRATEGIES).join(' or ')})` }).refine((s) => s in STRATEGIES, { message: `must be one of ${Object.keys(STRATEGIES).join(', ')}` }),
  symbol: z.string({ error: 'is required (a stock ticker like SPY)' }).trim().regex(/^[A-Za-z][A-Za-z0-9.]{0,9}$/, 'must be a stock ticker like SPY (underlying mode trades shares)'),
  account: z.string({ error: 'is required (an account name)' }).min(1, 'is required').max(64, 'is too long'),
  params: params.optional(),
  mode: mode.optional(),
  instrument: instrument.optional(),
}).strict();

const PatchSchema = z.object({ mode: mode.optional(), params: params.optional(), instrument: instrument.optional() }).strict()
  .refine((b) => b.mode !== undefined || b.params !== undefined || b.instrument !== undefined, { message: 'give mode, params and/or instrument' });

export function registerStrategyRoutes(app: FastifyInstance, deps: { store: MarketStore; hub: ChartHub; trading: TradingRuntime }): Automation {
  const { trading } = deps;
  const automation = new Automation({
    repo: strategyRepository(deps.store),
    desk: trading.desk,
    paper: trading.paper,
    bars: deps.hub,
    liveAllowed: trading.liveAllowed,
    // Options mode reads the store's recorded quotes, and the chart's bars for MODEL quotes (as the chain service does).
    optionData: {
      recorded: deps.store,
      history: {
        minuteBars: (u, from, to) => deps.hub.engine.series(u, '1m', false, from, to),
        dailyCloses: (u, before) => deps.hub.engine.series(u, '1D', false, undefined, previousSession(nyDate(before)).midnight + 1).filter((b) => b.closed).map((b) => b.close),
      },
    },
    emit: (event, body) => trading.hub.broadcast(event, body),
  });
  app.decorate('automation', automation);
  app.addHook('onReady', async () => automation.start());
  app.addHook('onClose', async () => automation.stop());

  const refused = (e: unknown) => {
    if (!(e instanceof AutomationRefused)) throw e;
    // An account whose broker cannot run bar fills is a bad `account`, not a broker's rejection.
    if (e.check === 'broker') return errorBody('INVALID_FIELD', e.message, { field: 'account', reason: 'broker' });
    return refusalBody({ check: e.check, message: e.message });
    throw e;
  };

  app.get('/api/strategies/instances', async () => ({ instances: automation.list() }));

  app.post('/api/strategies/instances', async (request, reply) => {
    const b = parseOr400(CreateSchema, request.body, 'body');
    try {
      return reply.code(201).send({ instance: await automation.create(b) });
    } catch (e) {
      return reply.code(422).send({ error: refused(e) });
    }
  });

  app.patch('/api/strategies/instances/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    if (!automation.has(id)) throw new HttpError(404, `id: no strategy instance ${id}`);
    const b = parseOr400(PatchSchema, request.body, 'body');
    try {
      return { instance: await automation.update(id, b) };
    } catch (e) {
      return reply.code(422).send({ error: refused(e) });
    }
  });

  app.delete('/api/strategies/instances/:id', async (request) => {
    const { id } = request.params as { id: string };
    if (!automation.has(id)) throw new HttpError(404, `id: no strategy instance ${id}`);
    automation.remove(id);
    return { deleted: id };
  });

  app.get('/api/strategies/instances/:id/report', async (request) => {
    const { id } = request.params as { id: string };
    if (!automation.has(id)) throw new HttpError(404, `id: no strategy instance ${id}`);
    return automation.report(id);
  });

  return automation;
}
