/**
 * Risk settings: the limits every intent is checked against. Stored in the trading state
 * table, edited through `PUT /api/risk` (validated by `riskSettingsPatch`). Money in
 * cents, like the rest of the trading core; the API speaks dollars.
 */
import { z } from 'zod';
import type { Cents } from '../broker/types.js';

export interface RiskSettings {
  /** Largest option order, contracts. */
  maxContractsPerOrder: number;
  /** Largest stock order, shares. */
  maxSharesPerOrder: number;
  /** Largest order value (price × multiplier × qty), cents. */
  maxNotionalPerOrder: Cents;
  /** Most symbols held at once per account; an entry opening one more is refused. */
  maxOpenPositions: number;
  /** Day loss (realized + unrealized, net of fees) at which the kill switch trips, cents > 0. */
  dailyLossLimit: Cents;
  /** Most new orders per rolling minute (all accounts). */
  ordersPerMinute: number;
  /** How far a limit may be through the NBBO, percent of the quote (buy above the ask / sell below the bid). */
  collarPercent: number;
  /** … but never less than this many cents (cheap contracts move in whole ticks). */
  collarMinCents: number;
  /** The same intent (account, symbol, side, qty, type, prices) again within this many seconds is refused. */
  duplicateWindowSeconds: number;
  /** After this many losing round trips in a row, entries pause … */
  maxConsecutiveLosses: number;
  /** … for this many minutes of market time. */
  cooldownMinutes: number;
  /** Refuse orders outside the session (options: regular hours only). */
  enforceMarketHours: boolean;
}

export const DEFAULT_RISK_SETTINGS: Readonly<RiskSettings> = Object.freeze({
  maxContractsPerOrder: 10,
  maxSharesPerOrder: 1_000,
  maxNotionalPerOrder: 10_000_00,
  maxOpenPositions: 5,
  dailyLossLimit: 1_000_00,
  ordersPerMinute: 20,
  collarPercent: 10,
  collarMinCents: 10,
  duplicateWindowSeconds: 5,
  maxConsecutiveLosses: 3,
  cooldownMinutes: 30,
  enforceMarketHours: true,
});

const positiveInt = z.number().int().positive();
const dollars = z.number().positive().finite().refine((v) => Math.abs(v * 100 - Math.round(v * 100)) < 1e-6, 'must be whole cents');

/** The API's view: money in dollars. Every field optional for PUT (a partial update). */
export const riskSettingsPatch = z.object({
  maxContractsPerOrder: positiveInt.max(10_000),
  maxSharesPerOrder: positiveInt.max(10_000_000),
  maxNotionalPerOrder: dollars,
  maxOpenPositions: positiveInt.max(1_000),
  dailyLossLimit: dollars,
  ordersPerMinute: positiveInt.max(10_000),
  collarPercent: z.number().positive().max(100),
  collarMinCents: z.number().int().nonnegative().max(10_000),
  duplicateWindowSeconds: z.number().int().nonnegative().max(3_600),
  maxConsecutiveLosses: positiveInt.max(100),
  cooldownMinutes: z.number().int().nonnegative().max(24 * 60),
  enforceMarketHours: z.boolean(),
}).partial().strict();

export type RiskSettingsPatch = z.infer<typeof riskSettingsPatch>;

export function toApiSettings(s: RiskSettings): Record<string, number | boolean> {
  return { ...s, maxNotionalPerOrder: s.maxNotionalPerOrder / 100, dailyLossLimit: s.dailyLossLimit / 100 };
}

export function applyPatch(s: RiskSettings, patch: RiskSettingsPatch): RiskSettings {
  const next: RiskSettings = { ...s, ...patch } as RiskSettings;
  if (patch.maxNotionalPerOrder !== undefined) next.maxNotionalPerOrder = Math.round(patch.maxNotionalPerOrder * 100);
  if (patch.dailyLossLimit !== undefined) next.dailyLossLimit = Math.round(patch.dailyLossLimit * 100);
  return next;
}
