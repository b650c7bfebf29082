/**
 * Scan requests: `all`/`any` groups of conditions, sort and top N. Validation walks the
 * request and names the exact path of the first problem ("filter.all.1.field: unknown
 * field \"gapp\""), so the API can answer 400 with it.
 */
import { z } from 'zod';
import { InputError } from '../core/errors.js';
import { FIELDS, FIELD_NAMES, isFieldName, type FieldDef, type FieldName, type ScanRow } from './fields.js';

export const NUMBER_OPS = ['>', '>=', '<', '<=', '==', '!=', 'between'] as const;
export const STRING_OPS = ['==', '!=', 'in'] as const;
export type Op = (typeof NUMBER_OPS)[number] | (typeof STRING_OPS)[number];

export interface Condition {
  field: FieldName;
  op: Op;
  value: number | string | [number, number] | string[];
}
export type Group = { all: Array<Condition | Group> } | { any: Array<Condition | Group> };

export interface ScanSpec {
  filter: Group;
  sort: { field: FieldName; dir: 'asc' | 'desc' };
  limit: number;
}

export const MAX_LIMIT = 500;
const MAX_DEPTH = 5;
const MAX_CONDITIONS = 100;

/** Validates a filter group; throws InputError with the path of the first problem. */
export function parseGroup(raw: unknown, path = 'filter', depth = 0, counter = { n: 0 }): Group {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InputError(path, 'must be an object {all: [...]} or {any: [...]}');
  const keys = Object.keys(raw);
  if (keys.length !== 1 || (keys[0] !== 'all' && keys[0] !== 'any')) throw new InputError(path, `must have exactly one key, all or any (got ${keys.map((k) => JSON.stringify(k)).join(', ') || 'none'})`);
  if (depth >= MAX_DEPTH) throw new InputError(path, `groups nest at most ${MAX_DEPTH} deep`);
  const kind = keys[0] as 'all' | 'any';
  const list = (raw as Record<string, unknown>)[kind];
  if (!Array.isArray(list)) throw new InputError(`${path}.${kind}`, 'must be a list of conditions or groups');
  const items = list.map((item, i) => {
    const at = `${path}.${kind}.${i}`;
    if (typeof item === 'object' && item !== null && !Array.isArray(item) && ('all' in item || 'any' in item)) return parseGroup(item, at, depth + 1, counter);
    if (++counter.n > MAX_CONDITIONS) throw new InputError(at, `a scan takes at most ${MAX_CONDITIONS} conditions`);
    return parseCondition(item, at);
  });
  return kind === 'all' ? { all: items } : { any: items };
}

export function parseCondition(raw: unknown, path: string): Condition {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InputError(path, 'must be a condition {field, op, value} or a group {all|any: [...]}');
  const c = raw as Record<string, unknown>;
  const extra = Object.keys(c).filter((k) => k !== 'field' && k !== 'op' && k !== 'value');
  if (extra.length) throw new InputError(`${path}.${extra[0]}`, 'is not part of a condition (field, op, value)');
  const field = c.field;
  if (typeof field !== 'string' || !isFieldName(field)) {
    throw new InputError(`${path}.field`, `unknown field ${JSON.stringify(field)} (fields: ${FIELD_NAMES.join(', ')})`);
  }
  const def = FIELDS[field] as FieldDef;
  const op = c.op;
  const ops: readonly string[] = def.type === 'number' ? NUMBER_OPS : STRING_OPS;
  if (typeof op !== 'string' || !ops.includes(op)) throw new InputError(`${path}.op`, `${JSON.stringify(op)} is not an operator for ${def.type} field ${field} (use ${ops.join(' ')})`);
  const v = c.value;
  if (def.type === 'number') {
    if (op === 'between') {
      if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => typeof x === 'number' && Number.isFinite(x)) || v[0] > v[1]) throw new InputError(`${path}.value`, 'between needs [low, high] numbers with low ≤ high');
      return { field, op, value: [v[0], v[1]] };
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new InputError(`${path}.value`, `must be a number for ${field}`);
    return { field, op: op as Op, value: v };
  }
  const allowed = def.values;
  if (op === 'in') {
    if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string' && allowed.includes(x))) throw new InputError(`${path}.value`, `in needs a list of ${allowed.join(', ')}`);
    return { field, op, value: v as string[] };
  }
  if (typeof v !== 'string' || !allowed.includes(v)) throw new InputError(`${path}.value`, `must be one of ${allowed.join(', ')} for ${field}`);
  return { field, op: op as Op, value: v };
}

const SortSchema = z.object({ field: z.string(), dir: z.enum(['asc', 'desc']).default('desc') }).strict();

export function parseSort(raw: unknown, path = 'sort'): ScanSpec['sort'] {
  const r = SortSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const key = issue.code === 'unrecognized_keys' ? (issue as { keys: string[] }).keys[0] : issue.path.join('.');
    throw new InputError(key ? `${path}.${key}` : path, issue.code === 'unrecognized_keys' ? 'is not a sort setting (field, dir)' : issue.path[0] === 'dir' ? 'must be asc or desc' : 'must be {field, dir}');
  }
  if (!isFieldName(r.data.field)) throw new InputError(`${path}.field`, `unknown field ${JSON.stringify(r.data.field)} (fields: ${FIELD_NAMES.join(', ')})`);
  return { field: r.data.field, dir: r.data.dir };
}

export function parseLimit(raw: unknown, path = 'limit'): number {
  const v = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_LIMIT) throw new InputError(path, `must be a whole number from 1 to ${MAX_LIMIT}`);
  return v;
}

export function matches(row: ScanRow, g: Group | Condition): boolean {
  if ('all' in g) return g.all.every((x) => matches(row, x));
  if ('any' in g) return g.any.some((x) => matches(row, x));
  const v = (FIELDS[g.field] as FieldDef).get(row);
  if (v === null || v === undefined) return false; // unknown never matches
  switch (g.op) {
    case '>': return (v as number) > (g.value as number);
    case '>=': return (v as number) >= (g.value as number);
    case '<': return (v as number) < (g.value as number);
    case '<=': return (v as number) <= (g.value as number);
    case '==': return v === g.value;
    case '!=': return v !== g.value;
    case 'between': return (v as number) >= (g.value as [number, number])[0] && (v as number) <= (g.value as [number, number])[1];
    case 'in': return (g.value as string[]).includes(v as string);
  }
}

/** Filters, sorts (rows missing the sort field go last, ties by symbol) and keeps the top `limit`. */
export function applySpec(rows: readonly ScanRow[], spec: ScanSpec): ScanRow[] {
  const get = (FIELDS[spec.sort.field] as FieldDef).get;
  const sign = spec.sort.dir === 'desc' ? -1 : 1;
  const keyed = rows.filter((r) => matches(r, spec.filter)).map((r) => ({ r, k: get(r) }));
  keyed.sort((a, b) => {
    if (a.k === null && b.k === null) return a.r.symbol < b.r.symbol ? -1 : 1;
    if (a.k === null) return 1;
    if (b.k === null) return -1;
    const c = typeof a.k === 'number' ? (a.k - (b.k as number)) : String(a.k).localeCompare(String(b.k));
    return c !== 0 ? sign * c : a.r.symbol < b.r.symbol ? -1 : 1;
  });
  return keyed.slice(0, spec.limit).map((x) => x.r);
}
