/**
 * CSV import and export of fills and trades.
 *
 * Import is all-or-nothing: every row is checked (mapped columns present, no unknown
 * columns, numbers, dates, sides, duplicates, and no position going short without the
 * row's short flag) and the report names each bad line; only a file with no bad line is
 * handed back as fills to store. Export writes fills in the default mapping's columns,
 * so an exported file imports again unchanged.
 */
import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import type { Fill, Side } from '../broker/types.js';
import { formatPrice, toPrice } from '../broker/money.js';
import { formatNyIso } from '../calendar/index.js';
import { InputError } from '../core/errors.js';
import { formatOptionTicker, tryParseOptionTicker } from '../core/occ.js';

// ── parsing ──

/** RFC 4180 records with the file line each starts on (quoted fields may span lines). */
export function parseCsv(text: string): { line: number; cells: string[] }[] {
  const out: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  let any = false;
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (quoted) {
      if (c === '"') {
        if (body[i + 1] === '"') { cell += '"'; i++; } else quoted = false;
      } else {
        if (c === '\n') line++;
        cell += c;
      }
      continue;
    }
    if (c === '"' && cell === '') { quoted = true; any = true; continue; }
    if (c === ',') { cells.push(cell); cell = ''; any = true; continue; }
    if (c === '\r' && body[i + 1] === '\n') continue;
    if (c === '\n' || c === '\r') {
      cells.push(cell);
      if (any || cells.some((x) => x !== '')) out.push({ line: start, cells });
      cells = []; cell = ''; any = false;
      line++;
      start = line;
      continue;
    }
    cell += c;
    any = true;
  }
  if (any || cell !== '' || cells.length) {
    cells.push(cell);
    if (cells.some((x) => x !== '')) out.push({ line: start, cells });
  }
  return out;
}

export const IMPORT_FIELDS = ['time', 'symbol', 'side', 'qty', 'price', 'fees', 'account', 'id', 'short'] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];
const REQUIRED: readonly ImportField[] = ['time', 'symbol', 'side', 'qty', 'price'];

export interface ColumnMapping {
  /** Our field → the CSV column holding it. */
  columns: Partial<Record<ImportField, string>>;
  /** CSV columns to ignore (anything else not mapped is an unknown column). */
  ignore: string[];
}

/**
 * `time=Date,symbol=Symbol,side=Action,qty=Quantity,price=Price,fees=Fees,ignore=Notes|Desc`.
 * Fields not named map to the column of the same name.
 */
export function parseMapping(spec: string | undefined, field = 'map'): ColumnMapping {
  const m: ColumnMapping = { columns: {}, ignore: [] };
  if (!spec?.trim()) return m;
  for (const part of spec.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new InputError(field, `"${part}" is not FIELD=COLUMN (fields: ${IMPORT_FIELDS.join(', ')}, ignore)`);
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 'ignore') { m.ignore.push(...value.split('|').map((s) => s.trim()).filter(Boolean)); continue; }
    if (!(IMPORT_FIELDS as readonly string[]).includes(key)) throw new InputError(field, `unknown field "${key}" (fields: ${IMPORT_FIELDS.join(', ')}, ignore)`);
    if (!value) throw new InputError(field, `${key}: needs a column name`);
    m.columns[key as ImportField] = value;
  }
  return m;
}

export interface ImportProblem {
  /** File line (1 = the header). */
  line: number;
  field: string;
  message: string;
}

export interface ImportCheck {
  ok: boolean;
  fills: Fill[];
  problems: ImportProblem[];
}

export interface ImportOptions {
  mapping?: ColumnMapping;
  /** Account for rows without an account column. Default `imported`. */
  account?: string;
  /** Fill ids already stored (duplicates of them are bad lines). */
  existingIds?: ReadonlySet<string>;
  /** Fills already stored, for the running position (a row may not take it short unflagged). */
  existingFills?: readonly Fill[];
}

const SIDES: Record<string, Side> = { buy: 'buy', b: 'buy', bot: 'buy', bought: 'buy', sell: 'sell', s: 'sell', sld: 'sell', sold: 'sell' };
const TRUE = new Set(['true', '1', 'yes', 'y', 'short']);
const FALSE = new Set(['false', '0', 'no', 'n', '']);
const STOCK_RE = /^[A-Z][A-Z0-9.]{0,9}$/;

/** Checks a whole file; `ok` only when no line is bad. */
export function checkImport(text: string, options: ImportOptions = {}): ImportCheck {
  const records = parseCsv(text);
  const problems: ImportProblem[] = [];
  if (records.length === 0) return { ok: false, fills: [], problems: [{ line: 1, field: 'file', message: 'is empty: expected a header line and fills' }] };
  const header = records[0]!.cells.map((c) => c.trim());
  const mapping = options.mapping ?? { columns: {}, ignore: [] };
  const index = new Map<ImportField, number>();
  for (const f of IMPORT_FIELDS) {
    const col = mapping.columns[f] ?? f;
    const i = header.indexOf(col);
    if (i >= 0) index.set(f, i);
    else if (REQUIRED.includes(f) || mapping.columns[f]) problems.push({ line: 1, field: f, message: `column "${col}" is not in the header (${header.join(', ')})` });
  }
  const known = new Set([...index.values()]);
  header.forEach((h, i) => {
    if (!known.has(i) && !mapping.ignore.includes(h)) problems.push({ line: 1, field: h || `column ${i + 1}`, message: 'unknown column: map it (--map FIELD=COLUMN) or ignore it (--map ignore=COLUMN)' });
  });
  if (problems.length) return { ok: false, fills: [], problems };

  const fills: { fill: Fill; short: boolean; line: number }[] = [];
  const seen = new Map<string, number>();
  for (const rec of records.slice(1)) {
    const get = (f: ImportField): string | undefined => {
      const i = index.get(f);
      return i === undefined ? undefined : (rec.cells[i] ?? '').trim();
    };
    const bad = (field: string, message: string) => problems.push({ line: rec.line, field, message });
    const before = problems.length;
    if (rec.cells.length !== header.length) {
      problems.push({ line: rec.line, field: 'row', message: `has ${rec.cells.length} columns, the header has ${header.length}` });
      continue;
    }
    const time = parseTime(get('time')!);
    if (time === null) bad('time', `"${get('time')}" is not a date-time (ISO-8601 like 2015-12-24T10:05:00-05:00, or "2015-12-24 10:05[:00]" New York time)`);
    const symbol = parseSymbol(get('symbol')!);
    if (symbol === null) bad('symbol', `"${get('symbol')}" is neither a stock symbol nor an option ticker (O:GOOG151224C00750000)`);
    const side = SIDES[get('side')!.toLowerCase()];
    if (!side) bad('side', `"${get('side')}" must be buy or sell`);
    const qtyText = get('qty')!;
    const qty = /^\d+$/.test(qtyText) ? Number(qtyText) : NaN;
    if (!Number.isSafeInteger(qty) || qty <= 0) bad('qty', `"${qtyText}" must be a whole number above 0`);
    const priceText = get('price')!.replace(/^\$/, '');
    const price = /^\d+(\.\d+)?$/.test(priceText) ? toPrice(Number(priceText)) : null;
    if (price === null) bad('price', `"${get('price')}" must be a price ≥ 0 with at most 4 decimals`);
    const feesText = (get('fees') ?? '').replace(/^\$/, '') || '0';
    const feesDollars = /^\d+(\.\d{1,2})?$/.test(feesText) ? Number(feesText) : NaN;
    if (!Number.isFinite(feesDollars)) bad('fees', `"${get('fees')}" must be dollars ≥ 0 in whole cents`);
    const shortText = (get('short') ?? '').toLowerCase();
    if (!TRUE.has(shortText) && !FALSE.has(shortText)) bad('short', `"${get('short')}" must be true or false`);
    const account = get('account') || options.account || 'imported';
    if (problems.length > before) continue;
    const fees = Math.round(feesDollars * 100);
    const rawId = get('id');
    const id = rawId ? (rawId.startsWith('imp:') ? rawId : `imp:${rawId}`) : `imp:${createHash('sha256').update([account, time, symbol, side, qty, price, fees].join('|')).digest('hex').slice(0, 20)}`;
    const dup = seen.get(id);
    if (dup !== undefined) { bad(rawId ? 'id' : 'row', `duplicate fill: same ${rawId ? 'id' : 'time, symbol, side, quantity and price'} as line ${dup}`); continue; }
    if (options.existingIds?.has(id) || (rawId && options.existingIds?.has(rawId))) { bad(rawId ? 'id' : 'row', 'duplicate fill: already in the journal'); continue; }
    seen.set(id, rec.line);
    fills.push({
      line: rec.line,
      short: TRUE.has(shortText),
      fill: {
        id, orderId: id, account, symbol: symbol!, side: side!, qty, price: price!, time: time!,
        fees: { orf: 0, occ: 0, taf: 0, sec: 0, commission: fees, total: fees }, reason: 'execution', note: 'imported',
      },
    });
  }
  problems.push(...shortProblems(fills, options.existingFills ?? []));
  problems.sort((a, b) => a.line - b.line);
  return problems.length ? { ok: false, fills: [], problems } : { ok: true, fills: fills.map((f) => f.fill), problems };
}

/** A row that takes its position from flat or long to short needs its short flag (adding to a short does not). */
function shortProblems(rows: { fill: Fill; short: boolean; line: number }[], existing: readonly Fill[]): ImportProblem[] {
  const events = [
    ...existing.map((fill, i) => ({ fill, short: true, line: 0, order: i })),
    ...rows.map((r, i) => ({ ...r, order: existing.length + i })),
  ].sort((a, b) => a.fill.time - b.fill.time || a.order - b.order);
  const pos = new Map<string, number>();
  const out: ImportProblem[] = [];
  for (const e of events) {
    const key = `${e.fill.account}|${e.fill.symbol}`;
    const before = pos.get(key) ?? 0;
    const after = before + (e.fill.side === 'buy' ? e.fill.qty : -e.fill.qty);
    pos.set(key, after);
    if (e.line && after < 0 && before >= 0 && !e.short) {
      out.push({ line: e.line, field: 'short', message: `selling ${e.fill.qty} ${e.fill.symbol} makes the ${e.fill.account} position ${after}: mark the row short if it opens a short` });
    }
  }
  return out;
}

function parseTime(s: string): number | null {
  if (!s) return null;
  if (/^\d{4}-\d{2}-\d{2}T/.test(s) && /(Z|[+-]\d{2}:?\d{2})$/.test(s)) {
    const d = DateTime.fromISO(s, { setZone: true });
    return d.isValid ? d.toMillis() : null;
  }
  for (const fmt of ['yyyy-MM-dd HH:mm:ss', 'yyyy-MM-dd HH:mm', "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm"]) {
    const d = DateTime.fromFormat(s, fmt, { zone: 'America/New_York' });
    if (d.isValid) return d.toMillis();
  }
  return null;
}

function parseSymbol(s: string): string | null {
  const up = s.toUpperCase();
  const c = tryParseOptionTicker(up);
  if (c) return formatOptionTicker(c);
  return STOCK_RE.test(up) ? up : null;
}

// ── export ──

function csvCell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: readonly string[], rows: readonly (readonly (string | number | null | undefined)[])[]): string {
  return [header.join(','), ...rows.map((r) => r.map(csvCell).join(','))].join('\n') + '\n';
}

/** Fills in the import's default columns; `short` marks the rows that open a short. */
export function fillsToCsv(fills: readonly Fill[]): string {
  const pos = new Map<string, number>();
  const sorted = [...fills].sort((a, b) => a.time - b.time);
  const rows = sorted.map((f) => {
    const key = `${f.account}|${f.symbol}`;
    const before = pos.get(key) ?? 0;
    const after = before + (f.side === 'buy' ? f.qty : -f.qty);
    pos.set(key, after);
    return [f.id, f.account, formatNyIso(f.time), f.symbol, f.side, f.qty, formatPrice(f.price), (f.fees.total / 100).toFixed(2), after < 0 && before >= 0 ? 'true' : 'false'];
  });
  return toCsv(['id', 'account', 'time', 'symbol', 'side', 'qty', 'price', 'fees', 'short'], rows);
}
