/**
 * A compact table whose rows are picked with a click (the scanner's symbols, the covered-call
 * screener's calls): each column is its header and its cell side by side, the picked row is
 * marked `selected`. Row attributes (data-testid and the like) come from the panel, so tests
 * keep reading each panel's own names.
 */
import type { ReactNode } from 'react';

export interface PickColumn<R> {
  head: string;
  /** The header's tooltip (what the figure means). */
  title?: string;
  /** Class of the header and of every cell (e.g. `num` for right-aligned figures). */
  className?: string;
  cell(row: R): ReactNode;
  /** A class for one cell on top of `className` (e.g. up/down). */
  cellClass?(row: R): string;
}

export interface PickTableProps<R> {
  className: string;
  testId: string;
  columns: readonly PickColumn<R>[];
  rows: readonly R[];
  rowKey(row: R): string;
  /** data-* attributes (and data-testid) of a row. */
  rowAttrs(row: R): Record<`data-${string}`, string>;
  rowTitle(row: R): string;
  isSelected(row: R): boolean;
  onPick(row: R): void;
}

const cls = (...names: Array<string | undefined>) => names.filter(Boolean).join(' ') || undefined;

export function PickTable<R>(p: PickTableProps<R>) {
  return (
    <table className={p.className} data-testid={p.testId}>
      <thead>
        <tr>
          {p.columns.map((c) => (
            <th key={c.head} className={c.className} title={c.title}>{c.head}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {p.rows.map((r) => (
          <tr key={p.rowKey(r)} {...p.rowAttrs(r)} className={p.isSelected(r) ? 'selected' : undefined} onClick={() => p.onPick(r)} title={p.rowTitle(r)}>
            {p.columns.map((c) => (
              <td key={c.head} className={cls(c.className, c.cellClass?.(r))}>{c.cell(r)}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
