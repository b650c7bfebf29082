/**
 * REST for the scanner, the entry checklist and the covered-call screener (shapes in
 * src/wire/scanner-protocol.ts):
 *
 * - `GET /api/scan?preset=&universe=&limit=` and `POST /api/scan {preset?, universe?, filter?, sort?, limit?}`
 *   → ScanResponse at the current (replay) clock; an unknown field or bad condition is a 400 naming it;
 * - `GET /api/scan/presets` → presets and the field list (for the dashboard's picker);
 * - `PUT /api/scan/universes/:name {symbols}` → saves the big-caps / small-caps list;
 * - `GET /api/checklist?symbol=&direction=long|short&contract=` → the graded checklist;
 * - `GET /api/screener/covered-calls?underlying=&expiration=&minOtm=&…&rank=` → the screen;
 * - `GET /api/indicators?symbol=&tf=&extended=` → chart overlays (VWAP, EMA 21/50, session levels).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ChecklistQuerySchema, CoveredCallsQuerySchema, IndicatorsQuerySchema, ScanRequestSchema } from '../wire/scanner-protocol.js';
import { FIELDS, FIELD_NAMES, PRESETS, type FieldDef } from '../scanner/index.js';
import { OptionDataNotFound, OptionDataUnavailable } from '../services/options/index.js';
import { HttpError, parseOr400 } from './errors.js';
import type { ScanService } from './scan-service.js';

const UniverseBodySchema = z.object({
  symbols: z.array(z.string().trim().toUpperCase().regex(/^[A-Z][A-Z0-9.]{0,9}$/, 'must be tickers like SPY')).max(5000, 'at most 5000 symbols'),
}).strict();

export function registerScanRoutes(app: FastifyInstance, scans: ScanService): void {
  app.get('/api/scan', async (request) => scans.scan(parseOr400(ScanRequestSchema, request.query ?? {}, 'query')));
  app.post('/api/scan', async (request) => scans.scan(parseOr400(ScanRequestSchema, request.body ?? {}, 'body')));

  app.get('/api/scan/presets', async () => ({
    presets: PRESETS,
    fields: FIELD_NAMES.map((name) => {
      const def = FIELDS[name] as FieldDef;
      return { name, type: def.type, about: def.about, ...(def.type === 'string' ? { values: def.values } : {}) };
    }),
  }));

  app.put('/api/scan/universes/:name', async (request) => {
    const { name } = request.params as { name: string };
    const { symbols } = parseOr400(UniverseBodySchema, request.body ?? {}, 'body');
    scans.setUniverseList(name, symbols);
    return { name, symbols };
  });

  app.get('/api/checklist', async (request) => {
    const q = parseOr400(ChecklistQuerySchema, request.query ?? {}, 'query');
    return scans.grade(q.symbol, q.direction, q.contract);
  });

  app.get('/api/indicators', async (request) => {
    const q = parseOr400(IndicatorsQuerySchema, request.query ?? {}, 'query');
    return scans.overlays(q.symbol, q.tf, q.extended === 'true');
  });

  app.get('/api/screener/covered-calls', async (request) => {
    const q = parseOr400(CoveredCallsQuerySchema, request.query ?? {}, 'query');
    try {
      return await scans.coveredCalls(q);
    } catch (err) {
      if (err instanceof OptionDataNotFound || err instanceof OptionDataUnavailable) throw new HttpError(err.statusCode, err.message);
      throw err;
    }
  });
}
