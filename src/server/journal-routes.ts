/**
 * The journal's HTTP API (src/journal over the store's fills and entries):
 *
 *   GET  /api/journal/trades?account&from&to&tag&setup        → {trades}
 *   GET  /api/journal/trades/:id                               → {trade, noteHistory}
 *   PUT  /api/journal/trades/:id {notes?, tags?, setup?, rating?} → {trade}
 *   POST /api/journal/trades/:id/screenshots?kind=entry|exit|attached  (body: the PNG/JPEG/WebP bytes) → 201 {screenshot}
 *   POST /api/journal/fills/:fillId/screenshots?kind=entry|exit  (the dashboard's capture at a fill) → 201 {screenshot}
 *   GET  /api/journal/screenshots/:id                          → the image
 *   POST /api/journal/overrides {kind: split_at|merge|unlink_legs, …} → 201 {trades}
 *   GET  /api/journal/stats?groupBy=account|strategy|setup|tag|weekday|hour[&ruleBreaks=exclude][&account…] → {groupBy, groups}
 *   POST /api/journal/import {csv, map?, account?, dryRun?}   → 201 {imported} | 400 {error, problems}
 *   POST /api/journal/import {source: 'alpaca', account?}      → 201 {imported, alreadyImported, bookedByBroker} (Alpaca FILL activities, idempotent)
 *   GET  /api/journal/review?week=YYYY-MM-DD[&account]         → the week's trades, rule-break counts, stats with/without them
 *   GET|PUT /api/journal/settings {minGrade: 'A+'…'F' | null}  → {settings}
 *   GET  /api/journal/export?format=csv|json[&what=trades|fills][&account&from&to]
 *
 * `from`/`to` are New York dates (YYYY-MM-DD, `to` inclusive) or ISO-8601 instants with an
 * offset. Every input goes through zod; a 400 names the field.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { z } from 'zod';
import { addDays, nyDate, nyMidnight } from '../calendar/index.js';
import type { Broker } from '../broker/types.js';
import type { ChecklistService } from '../checklist/service.js';
import { parseMapping } from '../journal/csv.js';
import { RecordedHistory } from '../journal/recorded-history.js';
import { MAX_SCREENSHOT_BYTES } from '../journal/screenshots.js';
import { GRADES } from '../checklist/grade.js';
import { GROUP_BY, JournalService, type AlpacaImportReport, type EntryGrader, type TradeFilter } from '../journal/service.js';
import { fetchFillActivities } from '../journal/alpaca-activities.js';
import { AlpacaConfigError, alpacaSettingsFromEnv, type AlpacaSettings } from '../broker/alpaca/config.js';
import { journalRepository } from '../store/journal.js';
import { tradingRepository } from '../store/trading.js';
import type { MarketStore } from '../store/types.js';
import { HttpError, parseOr400 } from './errors.js';
import { errorBody } from '../core/errors.js';

export interface JournalRouteDeps {
  store: MarketStore;
  /** Recorded flat files, for excursions on days the store has not imported. */
  dataDir?: string;
  /** The exit manager's 0-DTE flatten time ('HH:MM' | null); default OPTDESK_FLATTEN_AT or 15:15. */
  flattenAt?: string | null;
  /** The entry checklist at a past instant (the server's ChecklistService); without it trades carry no grade. */
  grader?: EntryGrader;
  /** Alpaca's settings for `POST /api/journal/import {source: 'alpaca'}` (default: from ALPACA_KEY_ID / ALPACA_SECRET_KEY …). */
  alpaca?: () => AlpacaSettings | null;
  /** Brokers whose fills are graded as they arrive (not only when the journal is next read). */
  fillEvents?: readonly Pick<Broker, 'onEvent'>[];
}

const IMPORT_BODY_LIMIT = 10 * 1024 * 1024;

const dateOrInstant = (bound: 'from' | 'to') => z.string().trim().transform((s, ctx) => {
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) {
    const t = Date.parse(`${s}T00:00:00Z`);
    if (Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== s) {
      ctx.addIssue({ code: 'custom', message: 'is not a real calendar date' });
      return z.NEVER;
    }
    return nyMidnight(bound === 'from' ? s : addDays(s, 1));
  }
  if (/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s))) return Date.parse(s);
  ctx.addIssue({ code: 'custom', message: 'must be a date like 2015-12-24 or an ISO-8601 time with an offset like 2015-12-24T10:00:00-05:00' });
  return z.NEVER;
});

const FilterQuery = z.object({
  account: z.string().trim().min(1).max(64).optional(),
  from: dateOrInstant('from').optional(),
  to: dateOrInstant('to').optional(),
  tag: z.string().trim().min(1).max(64).optional(),
  setup: z.string().trim().min(1).max(128).optional(),
});

const tag = z.string().trim().min(1, 'must not be empty').max(64, 'must be at most 64 characters');
const EntryBody = z.object({
  notes: z.string().max(100_000, 'must be at most 100,000 characters').optional(),
  tags: z.array(tag).max(50, 'at most 50 tags').transform((t) => [...new Set(t)]).optional(),
  setup: z.string().trim().max(128, 'must be at most 128 characters').transform((v) => v || null).nullable().optional(),
  rating: z.number().int('must be a whole number from 1 to 5').min(1, 'must be from 1 to 5').max(5, 'must be from 1 to 5').nullable().optional(),
}).strict();

const OverrideBody = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('split_at'), fillId: z.string().min(1) }).strict(),
  z.object({ kind: z.literal('merge'), tradeIds: z.array(z.string().min(1)).min(2, 'needs at least two trades') }).strict(),
  z.object({ kind: z.literal('unlink_legs'), tradeId: z.string().min(1) }).strict(),
], { error: 'kind: must be split_at, merge or unlink_legs' });

const AlpacaImportBody = z.object({
  source: z.literal('alpaca'),
  account: z.string().trim().min(1).max(64).optional(),
}).strict();

const ImportBody = z.object({
  source: z.literal('csv').optional(),
  csv: z.string({ error: 'is required: the CSV text (or source: "alpaca")' }).min(1, 'is empty'),
  map: z.string().max(2_000).optional(),
  account: z.string().trim().min(1).max(64).optional(),
  dryRun: z.boolean().optional(),
}).strict();

/**
 * The entry grader over the server's checklist: only an instant of the session on the feed's
 * clock is graded (the charts' engine holds that session's bars; another day answers null,
 * so it is asked again when the replay is back on it). A symbol without data → `missing`.
 */
export function checklistGrader(scans: { now(): number; checklist: Pick<ChecklistService, 'grade'> }): EntryGrader {
  return async (symbol, direction, at, contract) => {
    const now = scans.now();
    if (at > now || nyDate(at) !== nyDate(now)) return null;
    try {
      const r = await scans.checklist.grade(symbol, direction, at, contract);
      return { grade: r.grade, score: r.score };
    } catch (e) {
      return { missing: (e as Error).message };
    }
  };
}

/**
 * Reads every FILL activity of the Alpaca account and imports the new ones. Missing or bad
 * keys are a 400 naming the variable; Alpaca's own refusals keep their sentence.
 */
export async function importFromAlpaca(svc: JournalService, settings: () => AlpacaSettings | null, account?: string): Promise<AlpacaImportReport> {
  let s: AlpacaSettings | null;
  try {
    s = settings();
  } catch (e) {
    if (e instanceof AlpacaConfigError) throw new HttpError(400, e.message);
    throw e;
  }
  if (!s) throw new HttpError(400, 'source: Alpaca is not configured (set ALPACA_KEY_ID and ALPACA_SECRET_KEY; ALPACA_BASE_URL for another host)');
  let activities: Record<string, unknown>[];
  try {
    activities = await fetchFillActivities(s);
  } catch (e) {
    throw new HttpError(502, `alpaca: ${(e as Error).message}`);
  }
  return svc.importAlpacaActivities(activities, account ?? s.accountName);
}

function envFlatten(): string | null {
  const v = process.env.OPTDESK_FLATTEN_AT?.trim();
  return !v ? '15:15' : v === 'off' ? null : v;
}

export function registerJournalRoutes(app: FastifyInstance, deps: JournalRouteDeps): JournalService {
  const history = new RecordedHistory(deps.store, deps.dataDir);
  const trading = tradingRepository(deps.store);
  const svc = new JournalService({
    trading, journal: journalRepository(deps.store), history,
    flattenAt: deps.flattenAt === undefined ? envFlatten() : deps.flattenAt,
  });
  const ready = async () => {
    await history.prepare(svc.fills());
    if (deps.grader) await svc.gradeEntries(deps.grader);
  };
  // Grade an entry while its session is still on the clock: after each fill, once the
  // ledger has stored it (next turn of the event loop), one grading pass at a time.
  const grader = deps.grader;
  if (grader && deps.fillEvents?.length) {
    let running: Promise<unknown> | null = null;
    let again = false;
    const pass = (): void => {
      if (running) { again = true; return; }
      running = svc.gradeEntries(grader).catch((e: unknown) => app.log.warn(`journal: entry grading failed: ${(e as Error).message}`)).finally(() => {
        running = null;
        if (again) { again = false; setImmediate(pass); }
      });
    };
    const offs = deps.fillEvents.map((b) => b.onEvent((e) => { if (e.kind === 'order' && e.event.fill) setImmediate(pass); }));
    app.addHook('onClose', async () => { for (const off of offs) off(); await running; });
  }
  const filterOf = (q: z.output<typeof FilterQuery>): TradeFilter => {
    if (q.from !== undefined && q.to !== undefined && q.to <= q.from) throw new HttpError(400, 'to: must be after from');
    return Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined)) as TradeFilter;
  };
  const notFound = (id: string) => new HttpError(404, `id: no journal trade ${id} (trade ids come from GET /api/journal/trades)`);

  app.get('/api/journal/trades', async (request) => {
    const filter = filterOf(parseOr400(FilterQuery.strict(), request.query, 'query'));
    await ready();
    return { trades: svc.trades(filter).map((t) => svc.wire(t)) };
  });

  app.get<{ Params: { id: string } }>('/api/journal/trades/:id', async (request) => {
    await ready();
    const t = svc.trade(request.params.id);
    if (!t) throw notFound(request.params.id);
    return { trade: svc.wire(t), noteHistory: svc.noteHistory(t.trade.id) };
  });

  app.put<{ Params: { id: string } }>('/api/journal/trades/:id', async (request) => {
    const patch = parseOr400(EntryBody, request.body, 'body');
    await ready();
    const t = svc.updateEntry(request.params.id, patch);
    if (!t) throw notFound(request.params.id);
    return { trade: svc.wire(t) };
  });

  app.post('/api/journal/overrides', async (request, reply) => {
    const o = parseOr400(OverrideBody, request.body, 'body');
    svc.addOverride(o);
    await ready();
    void reply.code(201);
    return { trades: svc.trades().map((t) => svc.wire(t)) };
  });

  // Screenshots: raw image bytes. Its own scope so the catch-all body parser and the larger
  // body limit apply to this route only; the type is decided by the bytes, not the header.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_SCREENSHOT_BYTES }, (_req, body, done) => done(null, body));
    const tooLarge = (err: FastifyError, _request: unknown, reply: { code: (n: number) => { send: (b: unknown) => void } }) => {
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        reply.code(400).send({ error: errorBody('PAYLOAD_TOO_LARGE', `screenshot: larger than the limit of ${MAX_SCREENSHOT_BYTES} bytes (${MAX_SCREENSHOT_BYTES / 1024 / 1024} MiB)`) });
        return;
      }
      throw err;
    };
    const imageOf = (body: unknown): Buffer => {
      if (!Buffer.isBuffer(body)) throw new HttpError(400, `screenshot: send the image bytes (PNG, JPEG or WebP, at most ${MAX_SCREENSHOT_BYTES} bytes) as the request body`);
      return body;
    };
    const KindQuery = z.object({ kind: z.enum(['entry', 'exit', 'attached'], { error: 'must be entry, exit or attached' }).default('attached') }).strict();
    scope.post<{ Params: { id: string } }>('/api/journal/trades/:id/screenshots', { errorHandler: tooLarge }, async (request, reply) => {
      const q = parseOr400(KindQuery, request.query, 'query');
      const body = imageOf(request.body);
      const meta = svc.addScreenshot(request.params.id, body, q.kind);
      if (!meta) throw notFound(request.params.id);
      void reply.code(201);
      return { screenshot: meta };
    });
    // The dashboard's automatic pictures at entry and exit: filed by the fill, which it knows.
    scope.post<{ Params: { fillId: string } }>('/api/journal/fills/:fillId/screenshots', { errorHandler: tooLarge }, async (request, reply) => {
      const q = parseOr400(KindQuery.extend({ kind: z.enum(['entry', 'exit'], { error: 'must be entry or exit' }) }), request.query, 'query');
      const body = imageOf(request.body);
      const tradeId = svc.tradeOfFill(request.params.fillId, q.kind);
      if (!tradeId) throw new HttpError(404, `fillId: no journal trade holds fill ${request.params.fillId}`);
      const meta = svc.addScreenshot(tradeId, body, q.kind)!;
      void reply.code(201);
      return { screenshot: meta };
    });
  });

  app.get<{ Params: { id: string } }>('/api/journal/screenshots/:id', async (request, reply) => {
    const shot = svc.screenshot(request.params.id);
    if (!shot) throw new HttpError(404, `id: no screenshot ${request.params.id}`);
    void reply.type(shot.mime).header('cache-control', 'private, max-age=31536000, immutable').header('x-content-type-options', 'nosniff');
    return shot.data;
  });

  app.get('/api/journal/stats', async (request) => {
    const q = parseOr400(FilterQuery.extend({
      groupBy: z.enum(GROUP_BY, { error: `must be one of ${GROUP_BY.join(', ')}` }),
      ruleBreaks: z.enum(['include', 'exclude'], { error: 'must be include or exclude' }).default('include'),
    }).strict(), request.query, 'query');
    const { groupBy, ruleBreaks, ...rest } = q;
    await ready();
    const groups = svc.stats(groupBy, filterOf(rest), ruleBreaks === 'include');
    return { groupBy, ruleBreaks, groups: groups.map((g) => ({ key: g.key, ...g.stats })) };
  });

  app.get('/api/journal/review', async (request) => {
    const q = parseOr400(z.object({
      week: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2015-12-24 (any day of the week)'),
      account: z.string().trim().min(1).max(64).optional(),
    }).strict(), request.query, 'query');
    await ready();
    const w = svc.weekReview(q.week, q.account ? { account: q.account } : {});
    return { ...w, trades: w.trades.map((t) => svc.wire(t)) };
  });

  const SettingsBody = z.object({
    minGrade: z.enum(GRADES, { error: `must be one of ${GRADES.join(', ')} or null` }).nullable().optional(),
  }).strict();
  app.get('/api/journal/settings', async () => ({ settings: svc.settings() }));
  app.put('/api/journal/settings', async (request) => {
    const patch = parseOr400(SettingsBody, request.body, 'body');
    return { settings: svc.updateSettings(patch.minGrade === undefined ? {} : { minGrade: patch.minGrade }) };
  });

  app.post('/api/journal/import', { bodyLimit: IMPORT_BODY_LIMIT }, async (request, reply) => {
    const source = (request.body as { source?: unknown } | null)?.source;
    if (source !== undefined && source !== 'csv' && source !== 'alpaca') throw new HttpError(400, 'source: must be csv or alpaca');
    if (source === 'alpaca') {
      const q = parseOr400(AlpacaImportBody, request.body, 'body');
      const report = await importFromAlpaca(svc, deps.alpaca ?? (() => alpacaSettingsFromEnv(process.env)), q.account);
      void reply.code(report.ok ? 201 : 400);
      return report.ok ? { source: 'alpaca', imported: report.imported, alreadyImported: report.alreadyImported, bookedByBroker: report.bookedByBroker }
        : { error: `alpaca: ${report.problems.length} bad activit${report.problems.length === 1 ? 'y' : 'ies'}; nothing was imported (${report.problems[0]!.activity}, ${report.problems[0]!.field}: ${report.problems[0]!.message})`, problems: report.problems };
    }
    const b = parseOr400(ImportBody, request.body, 'body');
    const mapping = parseMapping(b.map, 'map');
    const opts = { mapping, ...(b.account ? { account: b.account } : {}) };
    const report = b.dryRun ? svc.checkCsv(b.csv, opts) : svc.importCsv(b.csv, 'api', opts);
    if (!report.ok) {
      void reply.code(400);
      return { error: errorBody('INVALID_FIELD', `csv: ${report.problems.length} bad line(s); nothing was imported (line ${report.problems[0]!.line}, ${report.problems[0]!.field}: ${report.problems[0]!.message})`), problems: report.problems };
    }
    if ('fills' in report) return { dryRun: true, fills: report.fills };
    void reply.code(201);
    return { imported: report.imported };
  });

  app.get('/api/journal/export', async (request, reply) => {
    const q = parseOr400(FilterQuery.extend({
      format: z.enum(['csv', 'json'], { error: 'must be csv or json' }),
      what: z.enum(['trades', 'fills'], { error: 'must be trades or fills' }).default('trades'),
    }).strict(), request.query, 'query');
    const { format, what, ...rest } = q;
    const filter = filterOf(rest);
    await ready();
    const body = what === 'trades' ? svc.exportTrades(format, filter) : svc.exportFills(format, filter);
    void reply
      .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="optdesk-${what}.${format}"`);
    return body;
  });

  return svc;
}
