/** Thresholds and grading of the entry checklist. */
import { z } from 'zod';
import { InputError } from '../core/errors.js';

const num = (lo: number, hi: number) => z.number({ error: 'must be a number' }).refine((v) => Number.isFinite(v) && v >= lo && v <= hi, `must be between ${lo} and ${hi}`);

export const ChecklistThresholdsSchema = z
  .object({
    /** 3) regular volume so far ÷ the average to the same minute. */
    minRelVolume: num(0, 100).default(1.5),
    /** 4) room to the next level (prior day / previous block high for longs, low for shorts), in daily ATRs. */
    minRoomAtr: num(0, 20).default(0.5),
    /** 5) (ask − bid) ÷ mid and open interest of the contract. */
    maxSpreadPct: num(0, 100).default(10),
    minOpenInterest: num(0, 1e9).default(100),
    /** 6) IV ÷ 20-day realised volatility must lie in this band. */
    minIvToRv: num(0, 100).default(0.5),
    maxIvToRv: num(0, 100).default(1.5),
    /** 7) |delta| band and how many daily ATRs the break-even may be away. */
    deltaLo: num(0, 1).default(0.3),
    deltaHi: num(0, 1).default(0.6),
    maxBreakevenAtr: num(0, 20).default(1),
    /** 8) no 0-DTE entries in the last N minutes of the session; entries only after the opening range has set. */
    noZeroDteLastMinutes: num(0, 390).default(60),
    openingRangeMinutes: num(1, 390).default(5),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.minIvToRv > t.maxIvToRv) ctx.addIssue({ code: 'custom', path: ['maxIvToRv'], message: `must be ≥ minIvToRv (${t.minIvToRv})` });
    if (t.deltaLo > t.deltaHi) ctx.addIssue({ code: 'custom', path: ['deltaHi'], message: `must be ≥ deltaLo (${t.deltaLo})` });
  });
export type ChecklistThresholds = z.output<typeof ChecklistThresholdsSchema>;

/** Validated thresholds with defaults; throws an InputError naming the first bad field. */
export function checklistThresholds(input: unknown = {}): ChecklistThresholds {
  const r = ChecklistThresholdsSchema.safeParse(input ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') throw new InputError(`thresholds.${(issue as { keys: string[] }).keys[0]}`, 'is not a checklist threshold');
  throw new InputError(`thresholds.${String(issue.path[0] ?? '')}`, issue.message);
}

export const GRADES = ['A+', 'A', 'B', 'C', 'D', 'F'] as const;
export type Grade = (typeof GRADES)[number];

/** 8 → A+, 7 → A, 6 → B, 5 → C, 4 → D, 0–3 → F. */
export function gradeOf(score: number): Grade {
  if (!Number.isInteger(score) || score < 0 || score > 8) throw new InputError('score', `must be a whole number 0–8, got ${String(score)}`);
  return score === 8 ? 'A+' : score === 7 ? 'A' : score === 6 ? 'B' : score === 5 ? 'C' : score === 4 ? 'D' : 'F';
}
