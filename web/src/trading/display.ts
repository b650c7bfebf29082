/** Money as the trading panels show it: "$1,234.50" / "−$50.00", "—" when unknown. */
export function money(v: number | null | undefined): string {
  if (v == null || !Number.isFinite(v)) return '—';
  return `${v < 0 ? '−' : ''}$${Math.abs(v).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

export function pnlClass(v: number | null | undefined): string {
  return v == null || v === 0 ? 'flat' : v > 0 ? 'up' : 'down';
}
