/** Number formatting in the trader's units: prices to the tick, volumes with k/M/B. */

/**
 * Minimum price increment. US stocks trade in pennies above $1; option premiums in the
 * penny pilot also quote in 0.01 (0.05 above $3 for non-penny classes is not modelled yet).
 */
export function tickSize(_symbol: string): number {
  return 0.01;
}

export function tickDecimals(tick: number): number {
  const s = String(tick);
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : s.length - dot - 1;
}

export function roundToTick(price: number, tick: number): number {
  return Number((Math.round(price / tick) * tick).toFixed(tickDecimals(tick)));
}

export function formatPrice(price: number | null | undefined, tick = 0.01): string {
  if (price == null || !Number.isFinite(price)) return '—';
  return price.toFixed(tickDecimals(tick));
}

export function formatVolume(v: number | null | undefined): string {
  if (v == null || !Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  if (a < 1_000) return String(Math.round(v));
  if (a < 1_000_000) return `${(v / 1_000).toFixed(a < 10_000 ? 2 : 1)}k`;
  if (a < 1_000_000_000) return `${(v / 1_000_000).toFixed(a < 10_000_000 ? 2 : 1)}M`;
  return `${(v / 1_000_000_000).toFixed(2)}B`;
}

export function formatSigned(v: number | null | undefined, decimals = 2): string {
  if (v == null || !Number.isFinite(v)) return '—';
  return `${v > 0 ? '+' : v < 0 ? '−' : ''}${Math.abs(v).toFixed(decimals)}`;
}

export function formatPct(v: number | null | undefined): string {
  if (v == null || !Number.isFinite(v)) return '—';
  return `${formatSigned(v, 2)}%`;
}

/** "up" | "down" | "flat" class name for a signed change. */
export function direction(v: number | null | undefined): 'up' | 'down' | 'flat' {
  if (v == null || !Number.isFinite(v) || v === 0) return 'flat';
  return v > 0 ? 'up' : 'down';
}
