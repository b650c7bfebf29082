/**
 * The scanner panel (left column, under the watchlist): pick a preset and a universe, see
 * the top N stream in as the clock moves, with each symbol's entry grade long/short. A click
 * charts the symbol.
 */
import { useEffect, useState } from 'react';
import { formatPct, formatPrice } from '../format.js';
import { PickTable, type PickColumn } from '../components/PickTable.js';
import { scannerApi, type PresetInfo, type ScanResultRow } from './scannerApi.js';
import { useScanStream } from './useScanStream.js';

const FALLBACK: PresetInfo[] = [
  { name: 'gappers', title: 'Gappers', about: '' },
  { name: 'orb', title: 'ORB candidates', about: '' },
  { name: 'high-rvol', title: 'High relative volume', about: '' },
  { name: 'in-play', title: 'Stocks in play', about: '' },
];
const UNIVERSES = [
  { value: 'all', label: 'All symbols' },
  { value: 'watchlist', label: 'Watchlist' },
  { value: 'big-caps', label: 'Big caps' },
  { value: 'small-caps', label: 'Small caps' },
];
const PREF = 'optdesk.scanner';

function loadPref(): { preset: string; universe: string } {
  try {
    const p = JSON.parse(localStorage.getItem(PREF) ?? '{}') as { preset?: string; universe?: string };
    return { preset: p.preset ?? 'gappers', universe: p.universe ?? 'all' };
  } catch {
    return { preset: 'gappers', universe: 'all' };
  }
}

const num = (v: unknown) => (typeof v === 'number' ? v : null);

const SCAN_COLUMNS: PickColumn<ScanResultRow>[] = [
  { head: 'Sym', cellClass: () => 'sym', cell: (r) => r.symbol },
  { head: 'Chg', title: 'Change vs prior close', className: 'num', cellClass: (r) => ((num(r.change_pct) ?? 0) >= 0 ? 'up' : 'down'), cell: (r) => formatPct(num(r.change_pct)) },
  { head: 'Gap', title: 'Gap: open vs prior close', className: 'num', cell: (r) => formatPct(num(r.gap_pct)) },
  { head: 'RVol', title: 'Relative volume (1 = usual for this minute)', className: 'num', cell: (r) => (num(r.rel_volume) === null ? '—' : `${num(r.rel_volume)!.toFixed(1)}×`) },
  {
    head: 'Grade',
    title: 'Entry checklist grade, long / short',
    className: 'num',
    cellClass: () => 'grade-cell',
    cell: (r) => (
      <>
        <span className={`grade g-${gradeClass(r.grade_long)}`}>{r.grade_long ?? '—'}</span>/<span className={`grade g-${gradeClass(r.grade_short)}`}>{r.grade_short ?? '—'}</span>
      </>
    ),
  },
];

export function ScannerPanel({ selected, onSelect }: { selected: string; onSelect(symbol: string): void }) {
  const [pref, setPref] = useState(loadPref);
  const [presets, setPresets] = useState<PresetInfo[]>(FALLBACK);
  const view = useScanStream(pref.preset, pref.universe);
  useEffect(() => {
    scannerApi.presets().then(setPresets, () => undefined);
  }, []);
  useEffect(() => localStorage.setItem(PREF, JSON.stringify(pref)), [pref]);
  const about = presets.find((p) => p.name === pref.preset)?.about;

  return (
    <section className="panel scanner" data-testid="panel-scanner" data-preset={pref.preset} data-rows={view.rows.length} data-at={view.at ?? ''}>
      <div className="panel-title">
        <span>Scanner</span>
        <span className="muted scanner-count">{view.loading ? '…' : `${view.rows.length}/${view.withData}`}</span>
      </div>
      <div className="scanner-controls">
        <select aria-label="Scan preset" data-testid="scan-preset" value={pref.preset} onChange={(e) => setPref((p) => ({ ...p, preset: e.target.value }))} title={about}>
          {presets.map((p) => (
            <option key={p.name} value={p.name}>{p.title}</option>
          ))}
        </select>
        <select aria-label="Universe" data-testid="scan-universe" value={pref.universe} onChange={(e) => setPref((p) => ({ ...p, universe: e.target.value }))}>
          {UNIVERSES.map((u) => (
            <option key={u.value} value={u.value}>{u.label}</option>
          ))}
        </select>
      </div>
      {view.error ? (
        <div className="empty-state"><p className="muted">{view.error}</p></div>
      ) : view.rows.length === 0 ? (
        <div className="empty-state">
          <p className="muted">{view.loading ? 'Scanning…' : `No symbol matches right now (${view.withData} with data).`}</p>
          {about ? <p className="muted">{about}</p> : null}
        </div>
      ) : (
        <div className="scanner-scroll">
          <PickTable
            className="scanner-table"
            testId="scan-results"
            columns={SCAN_COLUMNS}
            rows={view.rows}
            rowKey={(r) => r.symbol}
            rowAttrs={(r) => ({ 'data-testid': 'scan-row', 'data-symbol': r.symbol })}
            rowTitle={(r) => `${r.symbol} ${formatPrice(num(r.last))}: OR ${String(r.or_state).replace('_', ' ')}, ATR ${formatPrice(num(r.atr_14))}, VWAP ${formatPrice(num(r.vwap))}, trend ${r.trend ?? '—'}`}
            isSelected={(r) => r.symbol === selected}
            onPick={(r) => onSelect(r.symbol)}
          />
        </div>
      )}
    </section>
  );
}

export function gradeClass(g: string | null | undefined): string {
  return g === 'A+' ? 'ap' : g ? g.toLowerCase() : 'none';
}
