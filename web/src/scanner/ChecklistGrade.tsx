/**
 * The entry-checklist grade beside the chart header: long and short grades of the charted
 * symbol at the current clock minute, refreshed when the minute changes; hover (or click)
 * shows the eight points with the value that decided each.
 */
import { useEffect, useState } from 'react';
import { gradeClass } from './ScannerPanel.js';
import { scannerApi, type ChecklistResponse } from './scannerApi.js';

/**
 * `hasData`: whether the session on screen has data for the symbol (the quotes stream says);
 * null while unknown. The grade is asked for only when it has: otherwise the request could
 * only be refused (a 400 in the console for something the chart already explains).
 */
export function ChecklistGrade({ symbol, clock, hasData = true }: { symbol: string; clock: number | null; hasData?: boolean | null }) {
  const minute = clock === null ? null : Math.floor(clock / 60_000);
  const [grades, setGrades] = useState<{ symbol: string; long: ChecklistResponse | null; short: ChecklistResponse | null; error: string | null } | null>(null);
  const [open, setOpen] = useState<'long' | 'short' | null>(null);

  useEffect(() => {
    if (hasData !== true) return;
    let live = true;
    const get = (d: 'long' | 'short') => scannerApi.checklist(symbol, d).then((r) => r, (e: Error) => e);
    void Promise.all([get('long'), get('short')]).then(([l, s]) => {
      if (!live) return;
      const error = l instanceof Error ? l.message : s instanceof Error ? s.message : null;
      setGrades({ symbol, long: l instanceof Error ? null : l, short: s instanceof Error ? null : s, error });
    });
    return () => {
      live = false;
    };
  }, [symbol, minute, hasData]);

  const g = grades?.symbol === symbol ? grades : null;
  const shown = open && g ? g[open] : null;
  return (
    <div className="checklist-grade" data-testid="checklist-grade" data-symbol={g?.symbol ?? ''} data-long={g?.long?.grade ?? ''} data-short={g?.short?.grade ?? ''} onMouseLeave={() => setOpen(null)}>
      <span className="muted">Entry grade</span>
      {hasData === false ? (
        <span className="muted" title={`No data for ${symbol} in this session`}>—</span>
      ) : g?.error && !g.long && !g.short ? (
        <span className="muted" title={g.error}>—</span>
      ) : (
        (['long', 'short'] as const).map((d) => (
          <button key={d} type="button" className="grade-pill" onMouseEnter={() => setOpen(d)} onClick={() => setOpen(open === d ? null : d)} data-testid={`grade-${d}`}>
            {d} <b className={`grade g-${gradeClass(g?.[d]?.grade)}`}>{g?.[d]?.grade ?? '…'}</b>
            {g?.[d] ? <span className="muted"> {g[d]!.score}/8</span> : null}
          </button>
        ))
      )}
      {shown ? (
        <div className="checklist-pop" role="tooltip">
          <div className="checklist-pop-title">
            {shown.symbol} {shown.direction} · {shown.at.slice(11, 16)} ET{shown.contract ? ` · ${shown.contract.slice(2)}` : ''}
          </div>
          {shown.points.map((p) => (
            <div key={p.name} className={`checklist-point ${p.pass ? 'pass' : 'fail'}`}>
              <span className="mark">{p.pass ? '✓' : '✗'}</span>
              <span className="name">{p.name.replace(/_/g, ' ')}</span>
              <span className="why">{p.reason}</span>
            </div>
          ))}
        </div>
      ) : null}
    </div>
  );
}
