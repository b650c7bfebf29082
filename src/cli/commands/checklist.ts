/**
 * `optdesk checklist` — the 8-point entry checklist and grade of a symbol at a New York
 * time, from the store (minute and vendor daily bars; option quotes where recorded).
 */
import { z } from 'zod';
import { InputError } from '../../core/errors.js';
import { MINUTE_MS } from '../../core/types.js';
import { formatNyIso, nyTimeToMs, sessionOn } from '../../calendar/index.js';
import { daysToExpiry, defaultRiskFreeRate } from '../../options/index.js';
import { openStore, resolveDbPath, type MarketStore } from '../../store/index.js';
import { storeReader } from '../../indicators/index.js';
import { ChecklistService, type ChecklistResult, type ContractLookup } from '../../checklist/index.js';
import { OptionTickerSchema } from '../../wire/options-protocol.js';
import { dateArg, parseArg, symbolArg } from '../args.js';
import { buildChain } from './chain.js';

export interface ChecklistOptions {
  direction?: string;
  at?: string;
  contract?: string;
  thresholds?: string;
  format?: string;
  db?: string;
}

/** `--at`: a New York time, or a date alone (= that session's close). */
export const atOrDateArg = z.string({ error: 'is required' }).regex(/^\d{4}-\d{2}-\d{2}(T([01]\d|2[0-3]):[0-5]\d)?$/, 'must be a New York time like 2015-12-24T10:30 or a date like 2021-03-31');
const directionArg = z.enum(['long', 'short'], { error: 'must be long or short' });
const textOrJson = z.enum(['text', 'json'], { error: 'must be text or json' });

/** `--at` → epoch ms; a date alone means that session's close (daily scans). */
export function parseAt(raw: string): number {
  const text = parseArg('--at', atOrDateArg, raw);
  const date = parseArg('--at', dateArg, text.slice(0, 10));
  if (text.length > 10) return nyTimeToMs(date, text.slice(11));
  const session = sessionOn(date);
  if (!session) throw new InputError('--at', `${date} is not a trading day`);
  return session.close;
}

/** Option contracts from the stored quotes (every open expiration at `at`). */
export function storeContracts(store: MarketStore): ContractLookup {
  return {
    chainAt: async (underlying, at) => {
      const date = formatNyIso(at).slice(0, 10);
      try {
        const snap = buildChain(store, underlying, at, date, { rate: defaultRiskFreeRate(date), div: 0 });
        return { rows: snap.rows, dteOf: (e) => daysToExpiry(at, e) };
      } catch (e) {
        return { missing: e instanceof InputError ? e.reason : String(e) };
      }
    },
  };
}

export async function runChecklist(symbolInput: string, opts: ChecklistOptions, out: NodeJS.WritableStream): Promise<number> {
  const symbol = parseArg('SYMBOL', symbolArg, symbolInput);
  const direction = parseArg('--direction', directionArg, opts.direction);
  const format = parseArg('--format', textOrJson, opts.format ?? 'text');
  const contract = opts.contract === undefined ? undefined : parseArg('--contract', OptionTickerSchema, opts.contract);
  let thresholds: unknown = {};
  if (opts.thresholds !== undefined) {
    try {
      thresholds = JSON.parse(opts.thresholds);
    } catch {
      throw new InputError('--thresholds', 'must be JSON like {"minRelVolume":2}');
    }
  }
  const store = openStore(resolveDbPath(opts));
  try {
    let at: number;
    if (opts.at !== undefined) at = parseAt(opts.at);
    else {
      const summary = store.symbols().find((s) => s.symbol === symbol);
      if (!summary?.minuteTo) throw new InputError('--at', `no ${symbol} minute bars in the store to default to; give --at`);
      at = summary.minuteTo + MINUTE_MS;
    }
    const service = new ChecklistService({ reader: storeReader(store), contracts: storeContracts(store), thresholds: thresholds as object });
    const result = await service.grade(symbol, direction, at, contract);
    out.write(format === 'json' ? JSON.stringify(result, null, 2) + '\n' : checklistText(result));
    return 0;
  } finally {
    store.close();
  }
}

export function checklistText(r: ChecklistResult): string {
  const lines = [`${r.symbol} ${r.direction} at ${r.at}: ${r.grade} (${r.score}/8)${r.contract ? ` with ${r.contract}` : ''}`];
  for (const p of r.points) lines.push(`  ${p.pass ? 'PASS' : 'fail'}  ${p.name.padEnd(18)} ${p.reason}`);
  return lines.join('\n') + '\n';
}
