/**
 * The chain's columns: which exist, which the trader picked (kept in localStorage), which of
 * those fit the panel's width, and the column picker. Bid and ask are always shown (they are
 * how a contract is picked); the extras are mirrored around the strike, bid/ask nearest to it
 * on both sides (the usual chain layout).
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState, type RefObject } from 'react';

export type ColumnId = 'bid' | 'ask' | 'last' | 'volume' | 'oi' | 'iv' | 'delta';

interface ColumnDef {
  id: ColumnId;
  label: string;
  /** Name in the column picker. */
  name: string;
  title: string;
  /** Bid and ask are how a contract is picked, so they cannot be hidden. */
  fixed?: boolean;
}

const COLUMNS: ColumnDef[] = [
  { id: 'bid', name: 'Bid', label: 'Bid', title: 'Best bid — click to select the contract at the bid', fixed: true },
  { id: 'ask', name: 'Ask', label: 'Ask', title: 'Best ask — click to select the contract at the ask', fixed: true },
  { id: 'last', name: 'Last', label: 'Last', title: 'Last trade price' },
  { id: 'volume', name: 'Volume', label: 'Vol', title: "Today's volume (contracts)" },
  { id: 'oi', name: 'Open interest', label: 'OI', title: 'Open interest (contracts)' },
  { id: 'iv', name: 'Implied volatility (IV)', label: 'IV', title: 'Implied volatility from the mid (Black-Scholes)' },
  { id: 'delta', name: 'Delta', label: 'Δ', title: 'Delta' },
];
const EXTRA_ORDER: ColumnId[] = ['last', 'volume', 'oi', 'iv', 'delta'];
/** When the panel is too narrow for every picked column, these stay longest (puts must stay in view). */
const FIT_PRIORITY: ColumnId[] = ['delta', 'iv', 'last', 'volume', 'oi'];
const COLUMNS_KEY = 'optdesk.chain.columns';
// The right column is 440 px on a wide screen and 360 px on a laptop: IV + delta fit only
// on the former without a horizontal scrollbar.
const defaultExtras = (): ColumnId[] => (window.innerWidth >= 1500 ? ['iv', 'delta'] : ['delta']);

function loadExtras(): ColumnId[] {
  try {
    const raw = JSON.parse(localStorage.getItem(COLUMNS_KEY) ?? 'null') as unknown;
    if (Array.isArray(raw)) return EXTRA_ORDER.filter((c) => raw.includes(c));
  } catch {
    // unreadable preference: fall back to the default
  }
  return defaultExtras();
}

/**
 * The picked columns that fit the panel's width: both sides must stay in view (a chain whose
 * puts scroll off to the right hides half the market). Measured after each render of the
 * panel: while the table (`scrollRef`) overflows, the lowest-priority column goes; a resize
 * of the panel (`sectionRef`) starts again from every picked column and measures again.
 */
export function useChainColumns(sectionRef: RefObject<HTMLElement | null>, scrollRef: RefObject<HTMLDivElement | null>) {
  const [extras, setExtras] = useState<ColumnId[]>(loadExtras);
  useEffect(() => {
    localStorage.setItem(COLUMNS_KEY, JSON.stringify(extras));
  }, [extras]);

  const [fit, setFit] = useState(extras.length);
  // Bumped by a resize: the measurement runs after a render, and a narrower panel whose fit
  // count is already at its maximum would not re-render (the puts stayed cut off).
  const [, setResized] = useState(0);
  const shownExtras = useMemo(() => {
    const kept = new Set(FIT_PRIORITY.filter((c) => extras.includes(c)).slice(0, fit));
    return EXTRA_ORDER.filter((c) => kept.has(c));
  }, [extras, fit]);
  const hiddenExtras = extras.filter((c) => !shownExtras.includes(c));
  useEffect(() => setFit(extras.length), [extras]);
  useEffect(() => {
    const el = sectionRef.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    let width = el.clientWidth;
    const ro = new ResizeObserver(() => {
      if (el.clientWidth === width) return;
      width = el.clientWidth;
      setFit(extras.length);
      setResized((n) => n + 1);
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [extras.length]); // eslint-disable-line react-hooks/exhaustive-deps
  useLayoutEffect(() => {
    const box = scrollRef.current;
    if (box && fit > 0 && box.scrollWidth > box.clientWidth + 1) setFit(Math.min(fit, shownExtras.length) - 1);
  });
  // Memoised so the memo'd strike rows only re-render when their own data changes.
  const callCols = useMemo(() => [...[...shownExtras].reverse(), 'bid', 'ask'] as ColumnId[], [shownExtras]);
  const putCols = useMemo(() => ['bid', 'ask', ...shownExtras] as ColumnId[], [shownExtras]);
  return { extras, setExtras, shownExtras, hiddenExtras, callCols, putCols };
}

export function ColumnHead({ id }: { id: ColumnId }) {
  const def = COLUMNS.find((c) => c.id === id)!;
  return <th title={def.title}>{def.label}</th>;
}

export function ColumnPicker({ extras, hidden, onChange }: { extras: ColumnId[]; hidden: ColumnId[]; onChange(c: ColumnId[]): void }) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => {
      if (!ref.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
  }, [open]);
  return (
    <div className="col-picker" ref={ref}>
      <button
        className="col-picker-btn"
        aria-expanded={open}
        onClick={() => setOpen((v) => !v)}
        title={hidden.length ? `Choose the chain's columns (${hidden.length} picked column${hidden.length === 1 ? '' : 's'} hidden: no room in this window)` : "Choose the chain's columns"}
        data-testid="chain-columns"
      >
        Columns{hidden.length ? ` (${hidden.length} hidden)` : ''} ▾
      </button>
      {open ? (
        <div className="col-picker-menu" role="menu">
          {COLUMNS.map((c) => (
            <label key={c.id} className={c.fixed ? 'fixed' : ''}>
              <input
                type="checkbox"
                checked={c.fixed || extras.includes(c.id)}
                disabled={c.fixed}
                onChange={(e) => onChange(EXTRA_ORDER.filter((id) => (id === c.id ? e.target.checked : extras.includes(id))))}
              />
              {c.name}
              {hidden.includes(c.id) ? <span className="muted"> — no room</span> : null}
            </label>
          ))}
        </div>
      ) : null}
    </div>
  );
}
