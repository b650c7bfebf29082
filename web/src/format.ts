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

const VOLUME_UNITS = [
  { div: 1_000, suffix: 'k' },
  { div: 1_000_000, suffix: 'M' },
  { div: 1_000_000_000, suffix: 'B' },
] as const;

export function formatVolume(v: number | null | undefined): string {
  if (v == null || !Number.isFinite(v)) return '—';
  const a = Math.abs(Math.round(v));
  if (a < 1_000) return String(Math.round(v));
  // Decimals and unit follow the value as it will be *shown*: 9,999 is "10.0k" and
  // 999,960 is "1.00M", never "10.00k" or "1000.0k".
  const sign = v < 0 ? '-' : '';
  for (const [i, { div, suffix }] of VOLUME_UNITS.entries()) {
    let text = (a / div).toFixed(2);
    if (Number(text) >= 10) text = (a / div).toFixed(1);
    if (Number(text) >= 1_000 && i < VOLUME_UNITS.length - 1) continue;
    return `${sign}${text}${suffix}`;
  }
  return String(Math.round(v)); // not reached
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
