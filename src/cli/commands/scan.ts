/**
 * `optdesk scan` — runs a preset (or a custom filter) over a universe at a New York time
 * from the store: minute bars where the session is recorded, vendor daily bars otherwise
 * (so `--at 2021-03-31` scans the 13-ticker daily history).
 */
import { InputError } from '../../core/errors.js';
import { MINUTE_MS } from '../../core/types.js';
import { formatNyIso, nyTimeToMs } from '../../calendar/index.js';
import { REPLAY_DEFAULTS } from '../../feeds/replay/feed.js';
import { openStore, resolveDbPath } from '../../store/index.js';
import { storeReader } from '../../indicators/index.js';
import {
  FIELD_NAMES, Scanner, liquidityFromContracts, parseGroup, parseLimit, parseSort, presetNamed, resolveUniverse, toWireScanRow,
  type ScanSpec, type WireScanRow,
} from '../../scanner/index.js';
import { formatArg, parseArg } from '../args.js';
import { parseAt, storeContracts } from './checklist.js';

export interface ScanOptions {
  preset?: string;
  universe?: string;
  at?: string;
  filter?: string;
  sort?: string;
  limit?: string;
  format?: string;
  db?: string;
}

function json(flag: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new InputError(flag, 'must be JSON');
  }
}

export function scanSpecFrom(opts: { preset?: string; filter?: unknown; sort?: unknown; limit?: unknown }, names = { preset: 'preset', filter: 'filter', sort: 'sort', limit: 'limit' }): ScanSpec & { preset?: string } {
  if (opts.preset === undefined && opts.filter === undefined) throw new InputError(names.preset, 'give a preset (gappers, orb, high-rvol, in-play) or a filter');
  const base = opts.preset !== undefined ? presetNamed(opts.preset, names.preset) : undefined;
  return {
    ...(base ? { preset: base.name } : {}),
    filter: opts.filter !== undefined ? parseGroup(opts.filter, names.filter) : base!.filter,
    sort: opts.sort !== undefined ? parseSort(opts.sort, names.sort) : base?.sort ?? { field: 'rel_volume', dir: 'desc' },
    limit: opts.limit !== undefined ? parseLimit(opts.limit, names.limit) : base?.limit ?? 10,
  };
}

/**
 * Without --at: the dashboard's default replay moment (2013-10-10 10:30, when the store has
 * that session), else just after the last stored minute.
 */
export function defaultScanTime(summaries: ReadonlyArray<{ minuteTo: number | null; minuteDates: string[] }>): number {
  if (summaries.some((s) => s.minuteDates.includes(REPLAY_DEFAULTS.session))) return nyTimeToMs(REPLAY_DEFAULTS.session, REPLAY_DEFAULTS.time);
  const last = Math.max(...summaries.map((s) => s.minuteTo ?? -Infinity));
  if (!Number.isFinite(last)) throw new InputError('--at', 'the store has no minute bars to default to; give --at');
  return last + MINUTE_MS;
}

const cell = (v: unknown) => (v === null || v === undefined ? '' : String(v));

export function scanCsv(rows: readonly WireScanRow[]): string {
  const cols = ['symbol', 'date', 'mode', ...FIELD_NAMES] as const;
  return [cols.join(','), ...rows.map((r) => cols.map((c) => cell((r as Record<string, unknown>)[c])).join(','))].join('\n') + '\n';
}

export async function runScan(opts: ScanOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const format = parseArg('--format', formatArg, opts.format ?? 'csv');
  const spec = scanSpecFrom(
    { preset: opts.preset, filter: opts.filter === undefined ? undefined : json('--filter', opts.filter), sort: opts.sort === undefined ? undefined : json('--sort', opts.sort), limit: opts.limit },
    { preset: '--preset', filter: '--filter', sort: '--sort', limit: '--limit' },
  );
  const store = openStore(resolveDbPath(opts));
  try {
    const reader = storeReader(store);
    const symbols = resolveUniverse(opts.universe, { all: () => reader.symbols() }, '--universe');
    let at: number;
    if (opts.at !== undefined) at = parseAt(opts.at);
    else at = defaultScanTime(store.symbols());
    const scanner = new Scanner({ reader, options: liquidityFromContracts(storeContracts(store)) });
    const result = await scanner.scan(symbols, at, spec);
    const rows = result.rows.map(toWireScanRow);
    if (format === 'json') out.write(JSON.stringify({ at: formatNyIso(at), ...(spec.preset ? { preset: spec.preset } : {}), filter: spec.filter, sort: spec.sort, limit: spec.limit, universe: result.universe, withData: result.withData, rows }, null, 2) + '\n');
    else out.write(scanCsv(rows));
    err.write(`${spec.preset ?? 'custom scan'} at ${formatNyIso(at)}: ${rows.length} match${rows.length === 1 ? '' : 'es'} among ${result.withData} symbols with data for that session (universe ${result.universe})\n`);
    return 0;
  } finally {
    store.close();
  }
}
