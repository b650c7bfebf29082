/**
 * Black-Scholes-Merton for European options on an underlying with a continuous dividend
 * yield q. Greeks are quoted in the units a trader reads off a chain: theta per calendar
 * day, vega per 1 volatility point, rho per 1 percentage point of rate.
 *
 * Listed US equity options are American; for calls on non-dividend stocks the price is the
 * same, for puts (and calls before a dividend) BSM is a close lower approximation.
 */
import type { OptionRight } from '../core/occ.js';

export interface BsmInput {
  right: OptionRight;
  spot: number;
  strike: number;
  /** Time to expiry in years (calendar time / 365). */
  years: number;
  /** Annual volatility as a decimal (0.25 = 25%). */
  vol: number;
  /** Continuously compounded risk-free rate, decimal. */
  rate: number;
  /** Continuous dividend yield, decimal. Default 0. */
  dividendYield?: number;
}

export interface Greeks {
  price: number;
  delta: number;
  gamma: number;
  /** Change in price per calendar day passing (annual theta / 365); usually negative. */
  theta: number;
  /** Change in price per +1 volatility point (annual vega / 100). */
  vega: number;
  /** Change in price per +1 percentage point of rate (annual rho / 100). */
  rho: number;
}

const INV_SQRT_2PI = 0.3989422804014327;

export function normPdf(x: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

/**
 * Standard normal CDF, W. J. Cody / Hart's double-precision rational approximation as
 * published by G. West ("Better approximations to cumulative normal functions", 2005).
 * Relative accuracy ~1e-14 even deep in the lower tail, which implied volatility of far
 * out-of-the-money and 0-DTE contracts depends on (a 1e-7 approximation is not enough).
 */
export function normCdf(x: number): number {
  const ax = Math.abs(x);
  let c: number;
  if (ax > 37) {
    c = 0;
  } else {
    const e = Math.exp(-ax * ax / 2);
    if (ax < 7.07106781186547) {
      let n = 3.52624965998911e-2 * ax + 0.700383064443688;
      n = n * ax + 6.37396220353165;
      n = n * ax + 33.912866078383;
      n = n * ax + 112.079291497871;
      n = n * ax + 221.213596169931;
      n = n * ax + 220.206867912376;
      let d = 8.83883476483184e-2 * ax + 1.75566716318264;
      d = d * ax + 16.064177579207;
      d = d * ax + 86.7807322029461;
      d = d * ax + 296.564248779674;
      d = d * ax + 637.333633378831;
      d = d * ax + 793.826512519948;
      d = d * ax + 440.413735824752;
      c = (e * n) / d;
    } else {
      let b = ax + 0.65;
      b = ax + 4 / b;
      b = ax + 3 / b;
      b = ax + 2 / b;
      b = ax + 1 / b;
      c = e / b / 2.506628274631;
    }
  }
  return x > 0 ? 1 - c : c;
}

/** BSM price. At or past expiry it is the intrinsic value; with zero vol, the discounted forward intrinsic. */
export function bsmPrice(input: BsmInput): number {
  const { right, spot: S, strike: K, years: T, vol, rate: r } = input;
  const q = input.dividendYield ?? 0;
  if (T <= 0) return right === 'call' ? Math.max(S - K, 0) : Math.max(K - S, 0);
  const dq = Math.exp(-q * T);
  const dr = Math.exp(-r * T);
  if (vol <= 0) return right === 'call' ? Math.max(S * dq - K * dr, 0) : Math.max(K * dr - S * dq, 0);
  const sd = vol * Math.sqrt(T);
  const d1 = (Math.log(S / K) + (r - q) * T) / sd + sd / 2;
  const d2 = d1 - sd;
  return right === 'call'
    ? S * dq * normCdf(d1) - K * dr * normCdf(d2)
    : K * dr * normCdf(-d2) - S * dq * normCdf(-d1);
}

/** BSM price and greeks in one pass (they share d1, d2 and the discount factors). */
export function bsmGreeks(input: BsmInput): Greeks {
  const { right, spot: S, strike: K, years: T, vol, rate: r } = input;
  const q = input.dividendYield ?? 0;
  const isCall = right === 'call';
  if (T <= 0 || vol <= 0) {
    // Degenerate limit: the option is a step function of the forward; only delta and rho survive.
    const price = bsmPrice(input);
    const t = Math.max(T, 0);
    const dq = Math.exp(-q * t);
    const dr = Math.exp(-r * t);
    const itm = isCall ? S * dq > K * dr : K * dr > S * dq;
    const delta = itm ? (isCall ? dq : -dq) : 0;
    const rho = itm ? (isCall ? K * t * dr : -K * t * dr) / 100 : 0;
    const theta = itm && t > 0 ? (isCall ? q * S * dq - r * K * dr : r * K * dr - q * S * dq) / 365 : 0;
    return { price, delta, gamma: 0, theta, vega: 0, rho };
  }
  const sqrtT = Math.sqrt(T);
  const sd = vol * sqrtT;
  const d1 = (Math.log(S / K) + (r - q) * T) / sd + sd / 2;
  const d2 = d1 - sd;
  const dq = Math.exp(-q * T);
  const dr = Math.exp(-r * T);
  const pdf = normPdf(d1);
  const gamma = (dq * pdf) / (S * sd);
  const vegaAnnual = S * dq * pdf * sqrtT;
  const decay = -(S * dq * pdf * vol) / (2 * sqrtT);
  if (isCall) {
    const nd1 = normCdf(d1);
    const nd2 = normCdf(d2);
    return {
      price: S * dq * nd1 - K * dr * nd2,
      delta: dq * nd1,
      gamma,
      theta: (decay - r * K * dr * nd2 + q * S * dq * nd1) / 365,
      vega: vegaAnnual / 100,
      rho: (K * T * dr * nd2) / 100,
    };
  }
  const nmd1 = normCdf(-d1);
  const nmd2 = normCdf(-d2);
  return {
    price: K * dr * nmd2 - S * dq * nmd1,
    delta: -dq * nmd1,
    gamma,
    theta: (decay + r * K * dr * nmd2 - q * S * dq * nmd1) / 365,
    vega: vegaAnnual / 100,
    rho: (-K * T * dr * nmd2) / 100,
  };
}
