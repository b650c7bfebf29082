/** Named scans the traders use every morning. Thresholds are ordinary conditions: copy one and edit it to make a custom scan. */
import { InputError } from '../core/errors.js';
import type { ScanSpec } from './filter.js';

export interface Preset extends ScanSpec {
  name: string;
  title: string;
  about: string;
}

export const PRESETS: readonly Preset[] = [
  {
    name: 'gappers', title: 'Gappers', about: 'gapped at least 1% either way from the prior close (big for a large cap), price above $5',
    filter: { all: [{ field: 'abs_gap_pct', op: '>=', value: 1 }, { field: 'last', op: '>', value: 5 }] },
    sort: { field: 'abs_gap_pct', dir: 'desc' }, limit: 10,
  },
  {
    name: 'orb', title: 'ORB candidates', about: 'opening range set and broken with at least its usual volume, price above $5',
    filter: { all: [{ field: 'or_state', op: 'in', value: ['broke_up', 'broke_down'] }, { field: 'or_rel_volume', op: '>=', value: 1 }, { field: 'last', op: '>', value: 5 }] },
    sort: { field: 'or_rel_volume', dir: 'desc' }, limit: 10,
  },
  {
    name: 'high-rvol', title: 'High relative volume', about: 'trading at least twice its usual volume for this time of day',
    filter: { all: [{ field: 'rel_volume', op: '>=', value: 2 }] },
    sort: { field: 'rel_volume', dir: 'desc' }, limit: 10,
  },
  {
    name: 'in-play', title: 'Stocks in play', about: 'price > $5, 14-day average volume ≥ 1M, ATR > $0.50, opening range relative volume ≥ 100%',
    filter: { all: [{ field: 'last', op: '>', value: 5 }, { field: 'avg_volume_14', op: '>=', value: 1_000_000 }, { field: 'atr_14', op: '>', value: 0.5 }, { field: 'or_rel_volume', op: '>=', value: 1 }] },
    sort: { field: 'or_rel_volume', dir: 'desc' }, limit: 10,
  },
];

export function presetNamed(name: string, field = 'preset'): Preset {
  const p = PRESETS.find((x) => x.name === name.trim().toLowerCase());
  if (!p) throw new InputError(field, `unknown preset ${JSON.stringify(name)} (presets: ${PRESETS.map((x) => x.name).join(', ')})`);
  return p;
}
