/**
 * Validation of command-line arguments with zod, so every command rejects bad input the
 * same way: the flag's name and why, never a stack trace.
 */
import { z } from 'zod';
import { InputError } from '../core/errors.js';
import { TIMEFRAMES } from '../core/types.js';
import { sessionOn, CALENDAR_FIRST_YEAR, CALENDAR_LAST_YEAR } from '../calendar/index.js';

export const dateArg = z
  .string({ error: 'is required (a date like 2013-10-07)' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2013-10-07')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'is not a real calendar date')
  .refine((d) => {
    const y = Number(d.slice(0, 4));
    return y >= CALENDAR_FIRST_YEAR && y <= CALENDAR_LAST_YEAR;
  }, `must be between ${CALENDAR_FIRST_YEAR} and ${CALENDAR_LAST_YEAR}`);

export const symbolArg = z
  .string()
  .trim()
  .min(1, 'is required')
  .regex(/^[A-Za-z][A-Za-z0-9.]{0,9}$/, 'must be a ticker like SPY')
  .transform((s) => s.toUpperCase());

export const timeframeArg = z.enum(TIMEFRAMES, { error: `must be one of ${TIMEFRAMES.join(', ')}` });

export const formatArg = z.enum(['csv', 'json'], { error: 'must be csv or json' });

/** Parses `value` for the flag `name`, throwing an InputError that names the flag. */
export function parseArg<T>(name: string, schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new InputError(name, result.error.issues[0]?.message ?? 'is invalid');
}

/** --from/--to as an ordered pair. */
export function parseRange(from: unknown, to: unknown): { from: string; to: string } {
  const f = parseArg('--from', dateArg, from);
  const t = parseArg('--to', dateArg, to);
  if (t < f) throw new InputError('--to', `must not be before --from (${f})`);
  return { from: f, to: t };
}

/** True when the range holds at least one trading session (used for friendly empty-result messages). */
export function hasSession(from: string, to: string): boolean {
  for (let d = from; d <= to; d = nextDay(d)) if (sessionOn(d)) return true;
  return false;
}

function nextDay(d: string): string {
  const t = new Date(`${d}T00:00:00Z`);
  t.setUTCDate(t.getUTCDate() + 1);
  return t.toISOString().slice(0, 10);
}
