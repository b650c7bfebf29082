/**
 * The entry grade in the order ticket: the checklist of the selected contract's underlying,
 * graded with that very contract (long for a bought call or a sold put, short otherwise),
 * for the current clock minute.
 */
import { useEffect, useState } from 'react';
import type { SelectedContract } from '../options/contract.js';
import { parseOccTicker } from '../../../src/core/occ.js';
import { gradeClass } from './ScannerPanel.js';
import type { ChecklistResponse } from './scannerApi.js';

export function TicketGrade({ selected, clock }: { selected: SelectedContract; clock: number | null }) {
  const c = parseOccTicker(selected.ticker);
  const direction = c && (c.right === 'call') === (selected.side === 'ask') ? 'long' : 'short';
  const minute = clock === null ? null : Math.floor(clock / 60_000);
  const [res, setRes] = useState<ChecklistResponse | null>(null);
  useEffect(() => {
    if (!c) return;
    let live = true;
    const q = new URLSearchParams({ symbol: c.underlying, direction, contract: selected.ticker });
    fetch(`/api/checklist?${q}`)
      .then((r) => (r.ok ? (r.json() as Promise<ChecklistResponse>) : null))
      .then((r) => live && setRes(r), () => live && setRes(null));
    return () => {
      live = false;
    };
  }, [selected.ticker, direction, minute]); // eslint-disable-line react-hooks/exhaustive-deps
  if (!res || res.contract !== selected.ticker) return null;
  const failed = res.points.filter((p) => !p.pass).map((p) => p.name.replace(/_/g, ' '));
  return (
    <div className="ticket-line" data-testid="ticket-grade" data-grade={res.grade} title={res.points.map((p) => `${p.pass ? '✓' : '✗'} ${p.reason}`).join('\n')}>
      <span className="muted">Entry grade ({direction}):</span> <b className={`grade g-${gradeClass(res.grade)}`}>{res.grade}</b>{' '}
      <span className="muted">{res.score}/8{failed.length ? ` — fails: ${failed.join(', ')}` : ''}</span>
    </div>
  );
}
