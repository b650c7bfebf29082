/**
 * Browser side of the scanner, checklist and covered-call screener APIs (shapes shared with
 * the server through src/wire/scanner-protocol.ts).
 */
import type { ChecklistResponse, CoveredCallsResponse, ScanDeltaMessage, ScanResultRow, ScanSnapshotMessage } from '../../../src/wire/scanner-protocol.js';
import { apiErrorOf } from '../apiError.js';

export type { ChecklistResponse, CoveredCallsResponse, ScanDeltaMessage, ScanResultRow, ScanSnapshotMessage };

/** Event names of the scan stream (kept literal here so the bundle does not pull the server's zod schemas). */
export const SCAN = { subscribe: 'scan:subscribe', unsubscribe: 'scan:unsubscribe', snapshot: 'scan:snapshot', delta: 'scan:delta' } as const;

export interface PresetInfo {
  name: string;
  title: string;
  about: string;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  const body = (await res.json().catch(() => ({}))) as T;
  if (!res.ok) throw apiErrorOf(res, body);
  return body;
}

export const scannerApi = {
  presets: () => getJson<{ presets: PresetInfo[] }>('/api/scan/presets').then((r) => r.presets),
  checklist: (symbol: string, direction: 'long' | 'short') =>
    getJson<ChecklistResponse>(`/api/checklist?${new URLSearchParams({ symbol, direction })}`),
  coveredCalls: (underlying: string, params: Record<string, string>) =>
    getJson<CoveredCallsResponse>(`/api/screener/covered-calls?${new URLSearchParams({ underlying, ...params })}`),
};
