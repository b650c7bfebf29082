/**
 * Exact decimal arithmetic for Alpaca's wire amounts. Alpaca sends every price, quantity
 * and cash figure as a decimal string ("2.1", "1", "100012.5"); parsing them to floats
 * would let fills and averages drift, so they are held as bigint multiples of 1e-8 (more
 * places than any Alpaca price or quantity carries) and printed back as plain decimals.
 */

const PLACES = 8;
const SCALE = 10n ** BigInt(PLACES);
const DECIMAL_RE = /^(-)?(\d+)(?:\.(\d+))?$/;

/** A decimal held as an integer number of 1e-8 units. */
export type Dec = bigint;

/** Parses "12.345"; throws naming `field` on anything else (exponents, blanks, >8 places). */
export function dec(text: string | number, field = 'amount'): Dec {
  const s = typeof text === 'number' ? String(text) : text;
  const m = typeof s === 'string' ? DECIMAL_RE.exec(s.trim()) : null;
  if (!m) throw new RangeError(`${field}: "${String(text)}" is not a decimal number`);
  const [, sign, whole, frac = ''] = m;
  if (frac.length > PLACES) {
    const extra = frac.slice(PLACES);
    if (/[^0]/.test(extra)) throw new RangeError(`${field}: "${s}" has more than ${PLACES} decimal places`);
  }
  const units = BigInt(whole as string) * SCALE + BigInt((frac.slice(0, PLACES) + '0'.repeat(PLACES)).slice(0, PLACES));
  return sign ? -units : units;
}

/** Like {@link dec} but undefined/null/"" stay undefined. */
export function decOr(text: string | null | undefined, field?: string): Dec | undefined {
  return text === undefined || text === null || text === '' ? undefined : dec(text, field);
}

/** Prints without trailing zeros: 2.10 → "2.1", 3 → "3". */
export function decStr(value: Dec): string {
  const neg = value < 0n;
  const abs = neg ? -value : value;
  const whole = abs / SCALE;
  const frac = (abs % SCALE).toString().padStart(PLACES, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}

/** a × b, rounded half away from zero to 1e-8. */
export function decMul(a: Dec, b: Dec): Dec {
  return roundDiv(a * b, SCALE);
}

/** a ÷ b, rounded half away from zero to 1e-8. */
export function decDiv(a: Dec, b: Dec): Dec {
  if (b === 0n) throw new RangeError('division by zero');
  return roundDiv(a * SCALE, b);
}

/** An integer as a Dec. */
export function decInt(n: number | bigint): Dec {
  return BigInt(n) * SCALE;
}

/** True when the value has no fractional part (whole contracts/shares). */
export function decIsWhole(value: Dec): boolean {
  return value % SCALE === 0n;
}

/** True when the value is a whole multiple of `tick` (e.g. 0.01). */
export function decOnTick(value: Dec, tick: Dec): boolean {
  return tick > 0n && value % tick === 0n;
}

/** Exact integer cents; throws when the amount is not a whole number of cents. */
export function decToCents(value: Dec, field = 'amount'): number {
  const unit = SCALE / 100n;
  if (value % unit !== 0n) throw new RangeError(`${field}: ${decStr(value)} is not a whole number of cents`);
  return Number(value / unit);
}

/** Cents rounded half away from zero (for P&L figures Alpaca reports with more places). */
export function decToCentsRounded(value: Dec): number {
  return Number(roundDiv(value, SCALE / 100n));
}

/** Integer cents as a Dec. */
export function decFromCents(cents: number | bigint): Dec {
  return BigInt(cents) * (SCALE / 100n);
}

function roundDiv(n: bigint, d: bigint): bigint {
  const neg = (n < 0n) !== (d < 0n);
  const an = n < 0n ? -n : n;
  const ad = d < 0n ? -d : d;
  const q = (an + ad / 2n) / ad;
  return neg ? -q : q;
}
