/**
 * Quote matrix: the live book of the contracts the trader selected or holds — bid, mark,
 * ask, last, change — with P&L and the distance to the take-profit.
 *
 * Held rows come from the paper account's positions (the trading stream): entry = average
 * price, qty, TP = the armed take-profit, P&L = the position's unrealized P&L; they are
 * tagged "held" and not editable here (close or change them in the trading dock). Hand-entered
 * rows stay for "what if": entry, qty and TP typed in, validated here with the protocol's
 * wording, then persisted by the parent (PUT /api/matrix + matrix:set); a refusal from the
 * server is shown as the server wrote it. A held contract shows its real row, not the typed one.
 */
import { useEffect, useState } from 'react';
import type { MatrixEntry, WireMatrixRow } from '../../../src/wire/options-protocol.js';
import { direction, formatPrice, formatSigned } from '../format.js';
import { STALE_QUOTE_MS, formatAge, longContract, shortContract, type SelectedContract } from '../options/contract.js';
import { useFlash } from '../options/flash.js';
import { sentence } from '../messages.js';
import { SourceBadge, quoteAge } from '../options/quoteDisplay.js';
import { parseOccTicker } from '../../../src/core/occ.js';
import type { WirePosition } from '../trading/tradingApi.js';

export interface QuoteMatrixProps {
  entries: MatrixEntry[];
  rows: ReadonlyMap<string, WireMatrixRow>;
  at: number;
  selected: SelectedContract | null;
  onChange(next: MatrixEntry[]): Promise<void>;
  onSelect(sel: SelectedContract): void;
  /** Open positions of the trading account(s): options among them become held rows. */
  positions?: readonly WirePosition[];
}

type EditField = 'entryPrice' | 'quantity' | 'takeProfit';

/** "+$125.00" / "−$50.00": P&L in dollars, signed. */
function formatMoney(v: number | null | undefined): string {
  if (v == null || !Number.isFinite(v)) return '—';
  return `${v > 0 ? '+' : v < 0 ? '−' : ''}$${Math.abs(v).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

const FIELD_LABEL: Record<EditField, string> = { entryPrice: 'entry', quantity: 'qty', takeProfit: 'take-profit' };

/** Same rules (and sentences) as MatrixEntrySchema, so the trader learns them before the round trip. */
function parseField(field: EditField, text: string): { ok: true; value: number | undefined } | { ok: false; message: string } {
  const t = text.trim();
  if (t === '') return { ok: true, value: undefined };
  const n = Number(t);
  if (!Number.isFinite(n)) return { ok: false, message: field === 'quantity' ? 'must be a whole number of contracts' : 'must be a price' };
  if (field === 'quantity') {
    if (!Number.isInteger(n)) return { ok: false, message: 'must be a whole number of contracts' };
    if (n < 1) return { ok: false, message: 'must be at least 1' };
    return { ok: true, value: n };
  }
  if (n <= 0) return { ok: false, message: 'must be above 0' };
  return { ok: true, value: Math.round(n * 100) / 100 };
}

export function QuoteMatrix(p: QuoteMatrixProps) {
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!error) return;
    const id = setTimeout(() => setError(null), 8_000);
    return () => clearTimeout(id);
  }, [error]);

  const save = (next: MatrixEntry[]) => {
    setError(null);
    p.onChange(next).catch((e: Error) => setError(sentence(e.message)));
  };
  const edit = (ticker: string, field: EditField, value: number | undefined) => {
    save(
      p.entries.map((e) => {
        if (e.ticker !== ticker) return e;
        const next: MatrixEntry = { ...e };
        if (value === undefined) delete next[field];
        else next[field] = value;
        return next;
      }),
    );
  };
  const remove = (ticker: string) => save(p.entries.filter((e) => e.ticker !== ticker));

  const source = [...p.rows.values()][0]?.source ?? null;
  const positions = new Map<string, WirePosition>();
  for (const pos of p.positions ?? []) if (pos.qty !== 0 && parseOccTicker(pos.symbol)) positions.set(pos.symbol, pos);
  // Held contracts first (the account's truth), then the hand-entered ones.
  const entryOf = new Map(p.entries.map((e) => [e.ticker, e]));
  const list: Array<{ entry: MatrixEntry; position?: WirePosition }> = [
    ...[...positions.values()].map((pos) => ({ entry: entryOf.get(pos.symbol) ?? { ticker: pos.symbol }, position: pos })),
    ...p.entries.filter((e) => !positions.has(e.ticker)).map((entry) => ({ entry })),
  ];
  let totalPnl: number | null = null;
  for (const { entry: e, position } of list) {
    const pnl = position ? position.unrealizedPnl : e.entryPrice != null && e.quantity != null ? p.rows.get(e.ticker)?.pnl : null;
    if (pnl != null) totalPnl = (totalPnl ?? 0) + pnl;
  }

  return (
    <section className="panel matrix" data-testid="quote-matrix" data-row-count={list.length} data-held-count={positions.size} aria-label="Quote matrix">
      <div className="panel-title">
        <span>
          Quote matrix <span className="matrix-count">{list.length ? `${list.length} contract${list.length === 1 ? '' : 's'}${positions.size ? ` · ${positions.size} held` : ''}` : ''}</span>
        </span>
        <span className="matrix-tools">
          {error ? <span className="form-error inline" role="alert">{error}</span> : null}
          {totalPnl != null ? (
            <span className={`matrix-total ${direction(totalPnl)}`} title="Open P&L at the mark: held positions plus hand-entered rows">
              P&L {formatMoney(totalPnl)}
            </span>
          ) : null}
          {source ? <SourceBadge source={source} /> : null}
        </span>
      </div>
      {list.length === 0 ? (
        <div className="matrix-empty">No contracts yet — click a bid or ask in the options chain to add one here.</div>
      ) : (
        <div className="matrix-scroll">
          <table className="matrix-table">
            <thead>
              <tr>
                <th className="contract">Contract</th>
                <th title="Best bid">Bid</th>
                <th title="Mid when both sides are quoted, else the last trade">Mark</th>
                <th title="Best ask">Ask</th>
                <th title="Last trade">Last</th>
                <th title="Mark change since the session's first quote">Chg</th>
                <th title="Entry price per contract: the position's average price on held rows, typed on what-if rows">Entry</th>
                <th title="Contracts: held in the account, or typed for what-if">Qty</th>
                <th title="Take-profit: the armed exit on held rows, typed on what-if rows">TP</th>
                <th title="(mark − entry) × 100 × qty, in dollars">P&L</th>
                <th title="Take-profit − bid: how far the bid must still rise">To TP</th>
                <th aria-label="Remove" />
              </tr>
            </thead>
            <tbody>
              {list.map(({ entry: e, position }) => (
                <MatrixRow
                  key={e.ticker}
                  entry={e}
                  position={position}
                  row={p.rows.get(e.ticker)}
                  at={p.at}
                  selected={p.selected?.ticker === e.ticker}
                  onEdit={edit}
                  onRemove={remove}
                  onSelect={p.onSelect}
                  onInvalid={setError}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Num({ value, testid, className = '', text, title }: { value: number | null | undefined; testid?: string; className?: string; text?: string; title?: string }) {
  const flash = useFlash(value);
  return (
    <td className={`num ${className}${flash}`} data-testid={testid} title={title}>
      {text ?? formatPrice(value)}
    </td>
  );
}

interface RowProps {
  entry: MatrixEntry;
  /** The account's position: the row is a held row (read-only entry/qty/TP, real P&L). */
  position: WirePosition | undefined;
  /** Instant of the latest matrix message, for quote ages. */
  at: number;
  row: WireMatrixRow | undefined;
  selected: boolean;
  onEdit(ticker: string, field: EditField, value: number | undefined): void;
  onRemove(ticker: string): void;
  onSelect(sel: SelectedContract): void;
  onInvalid(message: string): void;
}

function MatrixRow({ entry, position: pos, row: live, at, selected, onEdit, onRemove, onSelect, onInvalid }: RowProps) {
  const t = entry.ticker;
  // A held contract not in the matrix entries has no matrix quote: the position's own marks.
  const r: WireMatrixRow | undefined = live ?? (pos ? ({ ticker: t, bid: pos.bid, ask: pos.ask, mark: pos.mark, last: null, change: null, pnl: null, toTakeProfit: null } as unknown as WireMatrixRow) : undefined);
  const heldTp = pos?.takeProfit?.limitPrice ?? null;
  const age = r ? quoteAge(r, at) : null;
  const stale = age != null && age > STALE_QUOTE_MS;
  const flag = r?.crossed ? 'crossed' : r?.locked ? 'locked' : '';
  const flagTitle = r?.crossed ? `Crossed quote: bid ${formatPrice(r.bid)} > ask ${formatPrice(r.ask)} — bad or stale data` : r?.locked ? 'Locked quote: bid = ask' : undefined;
  const toTp = pos ? (heldTp != null && r?.bid != null ? Math.round((heldTp - r.bid) * 100) / 100 : null) : (r?.toTakeProfit ?? null);
  const pnl = pos ? pos.unrealizedPnl : r?.pnl;
  const pick = (side: 'bid' | 'ask') => {
    const price = r?.[side];
    if (price != null) onSelect({ ticker: t, side, price });
  };
  return (
    <tr data-testid={`matrix-row-${t}`} data-held={pos ? 'true' : undefined} className={`${selected ? 'selected' : ''}${stale ? ' stale' : ''}${pos ? ' held' : ''}`} title={stale ? `Quote ${formatAge(age)} old` : undefined}>
      <td className="contract" title={`${longContract(t)} (${t})`}>
        {shortContract(t)}
        {pos ? (
          <span className="held-tag" data-testid={`matrix-held-${t}`} title={`Held in the ${pos.account} account since ${pos.openedAt.slice(11, 19)}`}>
            held
          </span>
        ) : null}
        {r?.expired ? (
          <span
            className="expired-tag"
            data-testid={`matrix-expired-${t}`}
            title={r.settlement != null ? `Expired: settled at ${formatPrice(r.settlement)} (intrinsic value against ${r.underlying}'s close that day)` : `Expired: settlement not known yet (${r.underlying}'s close that day is not loaded)`}
          >
            expired
          </span>
        ) : null}
      </td>
      <td className={`pick-cell ${flag}`} title={flagTitle} onClick={() => pick('bid')}>
        <FlashText value={r?.bid} testid={`matrix-bid-${t}`} />
      </td>
      <Num value={r?.mark} testid={`matrix-mark-${t}`} className="mark" title={r?.expired ? 'Settlement value' : undefined} />
      <td className={`pick-cell ${flag}`} title={flagTitle} onClick={() => pick('ask')}>
        <FlashText value={r?.ask} testid={`matrix-ask-${t}`} />
      </td>
      <Num value={r?.last} />
      <Num value={r?.change} className={direction(r?.change)} text={formatSigned(r?.change)} />
      {pos ? (
        <>
          <Num value={pos.avgPrice} testid={`matrix-entryPrice-${t}`} className="held-cell" title="Average fill price of the position" />
          <Num value={pos.qty} testid={`matrix-quantity-${t}`} className="held-cell" text={String(pos.qty)} title="Contracts held" />
          <Num value={heldTp} testid={`matrix-takeProfit-${t}`} className="held-cell" title={heldTp != null ? 'Armed take-profit' : 'No take-profit armed'} />
        </>
      ) : (
        <>
          <EditCell ticker={t} field="entryPrice" value={entry.entryPrice} onEdit={onEdit} onInvalid={onInvalid} />
          <EditCell ticker={t} field="quantity" value={entry.quantity} onEdit={onEdit} onInvalid={onInvalid} />
          <EditCell ticker={t} field="takeProfit" value={entry.takeProfit} onEdit={onEdit} onInvalid={onInvalid} />
        </>
      )}
      <Num value={pnl} testid={`matrix-pnl-${t}`} className={`pnl ${direction(pnl)}`} text={formatMoney(pnl)} />
      <td
        className={`num ${toTp != null && toTp <= 0 ? 'up' : ''}`}
        title={(pos ? heldTp : entry.takeProfit) != null ? `Take-profit ${formatPrice(pos ? heldTp : entry.takeProfit)} − bid ${formatPrice(r?.bid)}` : 'Set a take-profit to see the distance'}
      >
        {toTp == null ? '—' : toTp <= 0 ? 'reached' : formatPrice(toTp)}
      </td>
      <td className="remove-cell">
        {pos ? null : <button className="row-remove" onClick={() => onRemove(t)} title={`Remove ${shortContract(t)} from the matrix`} aria-label={`Remove ${shortContract(t)}`}>
          ×
        </button>}
      </td>
    </tr>
  );
}

function FlashText({ value, testid }: { value: number | null | undefined; testid: string }) {
  const flash = useFlash(value);
  return (
    <span className={`num-inner${flash}`} data-testid={testid}>
      {formatPrice(value)}
    </span>
  );
}

function EditCell({ ticker, field, value, onEdit, onInvalid }: {
  ticker: string;
  field: EditField;
  value: number | undefined;
  onEdit(ticker: string, field: EditField, value: number | undefined): void;
  onInvalid(message: string): void;
}) {
  const shown = value == null ? '' : field === 'quantity' ? String(value) : value.toFixed(2);
  const [text, setText] = useState(shown);
  const [bad, setBad] = useState(false);
  useEffect(() => setText(shown), [shown]);
  const commit = () => {
    if (text === shown) return;
    const parsed = parseField(field, text);
    if (!parsed.ok) {
      setBad(true);
      onInvalid(`${shortContract(ticker)} ${FIELD_LABEL[field]}: ${parsed.message}`);
      return;
    }
    setBad(false);
    onEdit(ticker, field, parsed.value);
  };
  return (
    <td className="edit-cell">
      <input
        className={bad ? 'bad' : ''}
        value={text}
        placeholder="—"
        inputMode={field === 'quantity' ? 'numeric' : 'decimal'}
        aria-label={`${FIELD_LABEL[field]} for ${shortContract(ticker)}`}
        data-testid={`matrix-${field}-${ticker}`}
        onChange={(e) => {
          setText(e.target.value);
          setBad(false);
        }}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') (e.target as HTMLInputElement).blur();
          else if (e.key === 'Escape') {
            setText(shown);
            setBad(false);
          }
        }}
      />
    </td>
  );
}
