/**
 * Implied volatility: the σ at which Black-Scholes-Merton reproduces a price.
 *
 * Method (after Jäckel, "Let's Be Rational", without his rational initial guesses):
 * 1. Work in Black's normalised form on the forward, b(x, s) with x = ln(F/K) and
 *    s = σ√T, so one solver covers every expiry from 0-DTE to LEAPS.
 * 2. Solve for the out-of-the-money side only: an in-the-money price is turned into the
 *    opposite right's price by put-call parity. The time value of a deep ITM option is
 *    tiny next to its price, and solving it directly loses most significant digits.
 * 3. b(s) has an inflection at s_c = √(2|x|). Below it, the solver runs on ln b (the price
 *    decays like exp(−x²/2s²) there, which plain Newton crawls through); above it, on
 *    ln(B − b) where B is the price's upper bound (vega vanishes as b → B). Steps are
 *    Halley's (third order: b′ and b″ are closed forms, so a step costs no more CDF calls
 *    than Newton's), and each iteration evaluates only the side it needs (b, or B − b:
 *    two CDF calls). Every step is kept inside a bracket that shrinks each iteration and
 *    falls back to bisection, so it always converges. On the GOOG chain this takes 3–4
 *    evaluations where Newton on the price takes 4–6.
 * When no volatility reproduces the price, the result says why instead of returning NaN.
 */
import type { OptionRight } from '../core/occ.js';
import { normCdf } from './bsm.js';

export interface IvInput {
  right: OptionRight;
  /** The option price to match (usually the quote mid). */
  price: number;
  spot: number;
  strike: number;
  /** Time to expiry in years (calendar time / 365). */
  years: number;
  rate: number;
  dividendYield?: number;
}

/**
 * Why there is no implied volatility:
 * - `invalid_input`: a non-finite or non-positive spot/strike, or a negative price.
 * - `expired`: no time left (years ≤ 0).
 * - `below_intrinsic`: no time value — the price is at or below the zero-volatility value
 *   (discounted forward intrinsic). Common for deep ITM American options and stale quotes.
 * - `above_upper_bound`: the price is at or above what any volatility can give
 *   (a call is worth less than the discounted forward, a put less than the discounted strike).
 * - `no_convergence`: the solver could not reach the target precision (should not happen).
 */
export type IvFailureReason = 'invalid_input' | 'expired' | 'below_intrinsic' | 'above_upper_bound' | 'no_convergence';

export type IvResult =
  | { ok: true; vol: number; iterations: number }
  | { ok: false; reason: IvFailureReason; message: string };

const MAX_ITERATIONS = 100;
/** Relative precision in normalised price accepted as solved. */
const PRICE_TOLERANCE = 1e-9;

/** b″/b′ = x²/s³ − s/4: the curvature of the normalised price, from its closed form. */
function curvature(x: number, s: number): number {
  return (x * x) / (s * s * s) - s / 4;
}

/** Solves b(x, s) = beta for s > 0; beta is strictly between 0 and the bound B. */
function solveNormalised(beta: number, x: number, theta: 1 | -1): { s: number; iterations: number; b: number } {
  const ex = Math.exp(x / 2);
  const emx = 1 / ex;
  const bound = theta === 1 ? ex : emx;
  const targetGap = bound - beta;
  const sc = Math.sqrt(2 * Math.abs(x));
  // b at the inflection, in closed form (there d1 or d2 is 0): one CDF call.
  const lowerBranch = sc > 0 && beta < 0.5 * bound - (theta === 1 ? emx : ex) * normCdf(-sc);
  let lo = 0;
  let hi = lowerBranch ? sc : Infinity;
  // Start: Corrado and Miller's (1996) near-the-money approximation, in normalised units
  // (F = e^{x/2}, K = e^{−x/2}, c the call's normalised price by parity). Far from the money,
  // where it has no real solution, the leading-order asymptotics b ≈ exp(−x²/2s²).
  const call = theta === 1 ? beta : beta + ex - emx;
  const m = call - (ex - emx) / 2;
  const disc = m * m - ((ex - emx) * (ex - emx)) / Math.PI;
  let s = disc > 0 ? (2.5066282746310002 / (ex + emx)) * (m + Math.sqrt(disc)) : NaN;
  if (lowerBranch) {
    if (!(s > 0)) s = Math.abs(x) / Math.sqrt(Math.max(-2 * Math.log(beta), 1e-12));
    s = Math.min(Math.max(s, sc * 1e-3), sc * 0.999);
  } else {
    // Never start left of the inflection (b ≈ s/√(2π) near x = 0 otherwise).
    s = Math.max(s > 0 ? s : beta * 2.5066282746310002, sc, 1e-8);
  }
  let lastStep = Infinity;
  let b = 0;
  for (let i = 1; i <= MAX_ITERATIONS; i++) {
    const xs = x / s;
    const d1 = xs + s / 2;
    const d2 = xs - s / 2;
    const vega = 0.3989422804014327 * Math.exp(-0.5 * (xs * xs + (s * s) / 4));
    let f: number; // the residual in the branch's variable
    let f1: number; // its first derivative in s
    let f2: number; // and its second
    if (lowerBranch) {
      b = Math.max(theta === 1 ? ex * normCdf(d1) - emx * normCdf(d2) : emx * normCdf(-d2) - ex * normCdf(-d1), 0);
      if (b < beta) lo = s;
      else hi = s;
      const v = vega / b; // (ln b)′
      f = Math.log(b / beta);
      f1 = v;
      f2 = v * curvature(x, s) - v * v;
    } else {
      const gap = ex * normCdf(-d1) + emx * normCdf(d2); // B − b without cancellation
      b = bound - gap;
      if (gap > targetGap) lo = s;
      else hi = s;
      const v = vega / gap; // −(ln(B − b))′
      f = Math.log(gap / targetGap);
      f1 = -v;
      f2 = -v * curvature(x, s) - v * v;
    }
    // Converged: the price matches, or the last Halley step was so small that this point is
    // exact to double precision (the error after a step shrinks like its cube).
    if (Math.abs(b - beta) <= 1e-15 * beta || lastStep <= 1e-7 * s) return { s, iterations: i, b };
    let step = -f / f1;
    const halley = 1 - (f * f2) / (2 * f1 * f1);
    if (halley > 0.5 && halley < 2) step /= halley;
    let next = s + step;
    if (!Number.isFinite(next) || next <= lo || next >= hi) {
      next = Number.isFinite(hi) ? (lo + hi) / 2 : Math.max(2 * s, 1e-4);
      lastStep = Infinity; // a bisection says nothing about convergence
    } else {
      lastStep = Math.abs(next - s);
      // Within 1e-6 of the price, one Halley step lands within ~1e-18 (the error cubes), far
      // below double precision: take it without paying for another evaluation.
      if (halley > 0.5 && halley < 2 && Math.abs(b - beta) <= 1e-6 * beta) return { s: next, iterations: i, b: beta };
    }
    if (Number.isFinite(hi) && hi - lo <= 1e-15 * hi) return { s, iterations: i, b };
    s = next;
  }
  return { s, iterations: MAX_ITERATIONS, b };
}

function fail(reason: IvFailureReason, message: string): IvResult {
  return { ok: false, reason, message };
}

export function impliedVol(input: IvInput): IvResult {
  const { right, price, spot: S, strike: K, years: T, rate: r } = input;
  const q = input.dividendYield ?? 0;
  // Spelled out: an array of the inputs here was an allocation per contract on the chain's hot path.
  if (!(Number.isFinite(price) && Number.isFinite(S) && Number.isFinite(K) && Number.isFinite(T) && Number.isFinite(r) &&
    Number.isFinite(q)) || S <= 0 || K <= 0 || price < 0) {
    return fail('invalid_input', `needs finite positive spot/strike and a price ≥ 0 (spot ${S}, strike ${K}, price ${price})`);
  }
  if (right !== 'call' && right !== 'put') return fail('invalid_input', `right "${String(right)}" must be call or put`);
  if (T <= 0) return fail('expired', 'no time left to expiry');
  const discount = Math.exp(-r * T);
  const forward = S * Math.exp((r - q) * T);
  const undiscounted = price / discount;
  const theta: 1 | -1 = right === 'call' ? 1 : -1;
  const bound = right === 'call' ? forward : K;
  if (undiscounted >= bound) {
    return fail('above_upper_bound', `price ${price} is at or above the no-arbitrage maximum ${(bound * discount).toFixed(4)}`);
  }
  const forwardIntrinsic = Math.max(theta * (forward - K), 0);
  const timeValue = undiscounted - forwardIntrinsic;
  // Below ~1e-13 of the bound the time value is rounding noise, not information.
  if (timeValue <= bound * 1e-13) {
    return fail('below_intrinsic', `price ${price} has no time value over the intrinsic value ${(forwardIntrinsic * discount).toFixed(4)}`);
  }
  const otm: 1 | -1 = forwardIntrinsic > 0 ? (-theta as 1 | -1) : theta;
  const x = Math.log(forward / K);
  const beta = timeValue / Math.sqrt(forward * K);
  const otmBound = Math.exp((otm * x) / 2);
  if (beta >= otmBound) {
    return fail('above_upper_bound', `price ${price} is at or above the no-arbitrage maximum`);
  }
  const { s, iterations, b } = solveNormalised(beta, x, otm);
  const vol = s / Math.sqrt(T);
  if (!(Math.abs(b - beta) <= PRICE_TOLERANCE * beta) || !Number.isFinite(vol)) {
    return fail('no_convergence', `solver stopped at σ=${vol} with relative price error ${Math.abs(b - beta) / beta}`);
  }
  return { ok: true, vol, iterations };
}
