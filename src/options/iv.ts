/**
 * Implied volatility: the σ at which Black-Scholes-Merton reproduces a price.
 *
 * Method (after Jäckel, "Let's Be Rational", without his rational initial guesses):
 * 1. Work in Black's normalised form on the forward, b(x, s) with x = ln(F/K) and
 *    s = σ√T, so one solver covers every expiry from 0-DTE to LEAPS.
 * 2. Solve for the out-of-the-money side only: an in-the-money price is turned into the
 *    opposite right's price by put-call parity. The time value of a deep ITM option is
 *    tiny next to its price, and solving it directly loses most significant digits.
 * 3. b(s) has an inflection at s_c = √(2|x|). Below it, Newton runs on ln b (the price
 *    decays like exp(−x²/2s²) there, which plain Newton crawls through); above it, on
 *    ln(B − b) where B is the price's upper bound (vega vanishes as b → B). Every step is
 *    kept inside a bracket that shrinks each iteration and falls back to bisection, so it
 *    always converges.
 * When no volatility reproduces the price, the result says why instead of returning NaN.
 */
import type { OptionRight } from './occ.js';
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

interface Normalised {
  /** Normalised OTM price b. */
  b: number;
  /** B − b, computed without cancellation. */
  gap: number;
  /** ∂b/∂s. */
  vega: number;
}

/**
 * Normalised Black price of the OTM option of right `theta` (+1 call, −1 put), with
 * B − b = e^{x/2}N(−d1) + e^{−x/2}N(d2) for both rights, which stays accurate near B.
 */
function normalised(x: number, s: number, theta: 1 | -1): Normalised {
  const xs = x === 0 ? 0 : x / s;
  const d1 = xs + s / 2;
  const d2 = xs - s / 2;
  const ex = Math.exp(x / 2);
  const emx = 1 / ex;
  const b = theta === 1
    ? ex * normCdf(d1) - emx * normCdf(d2)
    : emx * normCdf(-d2) - ex * normCdf(-d1);
  const gap = ex * normCdf(-d1) + emx * normCdf(d2);
  const vega = 0.3989422804014327 * Math.exp(-0.5 * (xs * xs + s * s / 4));
  return { b: Math.max(b, 0), gap, vega };
}

/** Solves b(x, s) = beta for s > 0; beta is strictly between 0 and the bound B. */
function solveNormalised(beta: number, x: number, theta: 1 | -1): { s: number; iterations: number; b: number } {
  const bound = Math.exp((theta * x) / 2);
  const targetGap = bound - beta;
  const sc = Math.sqrt(2 * Math.abs(x));
  const lowerBranch = sc > 0 && beta < normalised(x, sc, theta).b;
  let lo = 0;
  let hi = lowerBranch ? sc : Infinity;
  let s: number;
  if (lowerBranch) {
    // Leading-order asymptotics b ≈ exp(−x²/2s²) give a start left of or near the root.
    const guess = Math.abs(x) / Math.sqrt(Math.max(-2 * Math.log(beta), 1e-12));
    s = Math.min(Math.max(guess, sc * 1e-3), sc * 0.999);
  } else {
    // ATM-ish start: b ≈ s/√(2π) near x = 0; never start left of the inflection.
    s = Math.max(sc, beta * 2.5066282746310002, 1e-8);
  }
  let last = normalised(x, s, theta);
  for (let i = 1; i <= MAX_ITERATIONS; i++) {
    if (last.b < beta) lo = Math.max(lo, s);
    else hi = Math.min(hi, s);
    let step: number;
    if (lowerBranch) {
      // Newton on ln b: f = ln b − ln β, f' = vega / b.
      step = last.b > 0 ? -(Math.log(last.b) - Math.log(beta)) * last.b / last.vega : NaN;
    } else {
      // Newton on ln(B − b): g = ln(B − b) − ln(B − β), g' = −vega / (B − b).
      step = last.gap > 0 ? (Math.log(last.gap) - Math.log(targetGap)) * last.gap / last.vega : NaN;
    }
    let next = s + step;
    let newton = true;
    if (!Number.isFinite(next) || next <= lo || next >= hi) {
      next = Number.isFinite(hi) ? (lo + hi) / 2 : Math.max(2 * s, 1e-4);
      newton = false;
    }
    // Newton converges quadratically: once a step is below 1e-9·s, the next error is ~1e-18·s,
    // beyond double precision, so iterating further only chases rounding noise.
    const converged = newton && Math.abs(next - s) <= 1e-9 * s;
    s = next;
    last = normalised(x, s, theta);
    if (converged || Math.abs(last.b - beta) <= 1e-15 * beta) return { s, iterations: i, b: last.b };
    if (Number.isFinite(hi) && hi - lo <= 1e-15 * hi) return { s, iterations: i, b: last.b };
  }
  return { s, iterations: MAX_ITERATIONS, b: last.b };
}

function fail(reason: IvFailureReason, message: string): IvResult {
  return { ok: false, reason, message };
}

export function impliedVol(input: IvInput): IvResult {
  const { right, price, spot: S, strike: K, years: T, rate: r } = input;
  const q = input.dividendYield ?? 0;
  if (![price, S, K, T, r, q].every(Number.isFinite) || S <= 0 || K <= 0 || price < 0) {
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
