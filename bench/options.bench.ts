/**
 * Options math benchmark: IV + greeks for the whole real GOOG chain (2,192 contracts) at
 * 2015-12-24 11:00 New York, against the npm packages `implied-volatility` (bisection on
 * the `black-scholes` package's price) on the same inputs in the same run.
 *
 * Run alone: node --import tsx bench/options.bench.ts
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { nyTimeToMs } from '../src/calendar/index.js';
import { bsmGreeks, bsmPrice, impliedVol, OptionChainIndex, readOptionQuotesCsv, type OptionRight } from '../src/options/index.js';

const require = createRequire(import.meta.url);
// CommonJS packages without type declarations: type just what we call.
const ivPackage = require('implied-volatility') as {
  getImpliedVolatility(price: number, s: number, k: number, t: number, r: number, callPut: OptionRight, estimate?: number): number;
};
const bsPackage = require('black-scholes') as {
  blackScholes(s: number, k: number, t: number, v: number, r: number, callPut: OptionRight): number;
};

const DATA = fileURLToPath(new URL('../../shared/data/', import.meta.url));
const QUOTES = `${DATA}flatfiles/us_options_opra/quotes_v1/2015/12/2015-12-24.csv.gz`;
const GOOG_MINUTES = `${DATA}flatfiles/us_stocks_sip/minute_aggs_v1/2015/12/2015-12-24.csv.gz`;
const RATE = 0.003;
const RUNS = 15;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function timeRuns(fn: () => void, runs = RUNS): number {
  fn(); // warm-up: JIT and caches
  fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

function googSpotAt(at: number): number {
  let spot = Number.NaN;
  for (const line of gunzipSync(readFileSync(GOOG_MINUTES)).toString('utf8').trim().split('\n').slice(1)) {
    const row = line.split(',');
    if (Number(row[6]!.slice(0, -6)) + 60_000 <= at) spot = Number(row[3]);
  }
  return spot;
}

export async function runOptionsBench(): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const quotes = await readOptionQuotesCsv(QUOTES);
  const loadMs = performance.now() - t0;
  const t1 = performance.now();
  const index = OptionChainIndex.fromQuotes(quotes);
  const indexMs = performance.now() - t1;
  const at = nyTimeToMs('2015-12-24', '11:00');
  const spot = googSpotAt(at);

  // 1. Full chain snapshot: quote lookup (binary search) + IV + greeks + metrics for every contract.
  let snap = index.snapshot({ at, underlyingPrice: spot, rate: RATE });
  const snapshotMs = timeRuns(() => { snap = index.snapshot({ at, underlyingPrice: spot, rate: RATE }); });
  const years = new Map(snap.expirations.map((e) => [e.expiration, e.years]));

  // 2. The math alone on every two-sided mid, ours vs the npm packages, same inputs.
  const inputs = snap.rows.filter((r) => r.mid !== null && r.mid > 0)
    .map((r) => ({ right: r.right, price: r.mid!, strike: r.strike, years: years.get(r.expiration)! }));
  const solvable = inputs.filter((_, i) => impliedVol({ ...inputs[i]!, spot, rate: RATE }).ok);

  const ourVols = new Float64Array(inputs.length);
  const oursMs = timeRuns(() => {
    for (let i = 0; i < inputs.length; i++) {
      const x = inputs[i]!;
      const r = impliedVol({ ...x, spot, rate: RATE });
      if (r.ok) {
        ourVols[i] = r.vol;
        bsmGreeks({ right: x.right, spot, strike: x.strike, years: x.years, vol: r.vol, rate: RATE });
      } else ourVols[i] = Number.NaN;
    }
  });
  const pkgVols = new Float64Array(solvable.length);
  const packageMs = timeRuns(() => {
    for (let i = 0; i < solvable.length; i++) {
      const x = solvable[i]!;
      pkgVols[i] = ivPackage.getImpliedVolatility(x.price, spot, x.strike, x.years, RATE, x.right);
    }
  }, 5);

  // Accuracy: relative repricing error of the solved mid.
  let oursMaxErr = 0;
  let oursSolved = 0;
  for (let i = 0; i < inputs.length; i++) {
    const x = inputs[i]!;
    if (Number.isNaN(ourVols[i]!)) continue;
    oursSolved++;
    const err = Math.abs(bsmPrice({ ...x, spot, vol: ourVols[i]!, rate: RATE }) - x.price) / x.price;
    oursMaxErr = Math.max(oursMaxErr, err);
  }
  const pkgErrs: number[] = [];
  let pkgFailures = 0; // repricing off by more than 1% (or non-finite)
  let ivGapMax = 0;
  const ourSolvableVols = solvable.map((x) => (impliedVol({ ...x, spot, rate: RATE }) as { vol: number }).vol);
  for (let i = 0; i < solvable.length; i++) {
    const x = solvable[i]!;
    const v = pkgVols[i]!;
    const own = bsPackage.blackScholes(spot, x.strike, x.years, v, RATE, x.right);
    const err = Number.isFinite(own) ? Math.abs(own - x.price) / x.price : Infinity;
    pkgErrs.push(err);
    if (!(err <= 0.01)) pkgFailures++;
    else ivGapMax = Math.max(ivGapMax, Math.abs(v - ourSolvableVols[i]!));
  }

  // 3. Pricing alone at the solved vols: our BSM vs the `black-scholes` package, same inputs.
  const priced = solvable.map((x, i) => ({ ...x, vol: ourSolvableVols[i]! }));
  const ourPriceMs = timeRuns(() => {
    for (const x of priced) bsmPrice({ right: x.right, spot, strike: x.strike, years: x.years, vol: x.vol, rate: RATE });
  });
  const pkgPriceMs = timeRuns(() => {
    for (const x of priced) bsPackage.blackScholes(spot, x.strike, x.years, x.vol, RATE, x.right);
  });
  let priceGapMax = 0;
  for (const x of priced) {
    const ours = bsmPrice({ right: x.right, spot, strike: x.strike, years: x.years, vol: x.vol, rate: RATE });
    priceGapMax = Math.max(priceGapMax, Math.abs(ours - bsPackage.blackScholes(spot, x.strike, x.years, x.vol, RATE, x.right)) / ours);
  }

  const reasons: Record<string, number> = {};
  for (const r of snap.rows) reasons[r.ivReason ?? 'solved'] = (reasons[r.ivReason ?? 'solved'] ?? 0) + 1;

  const result = {
    at: '2015-12-24T11:00 America/New_York',
    underlying: 'GOOG',
    spot,
    contracts: snap.rows.length,
    quotes: quotes.length,
    loadQuotesMs: Math.round(loadMs),
    buildIndexMs: Math.round(indexMs),
    rowsByIvStatus: reasons,
    snapshot: {
      medianMs: +snapshotMs.toFixed(3),
      contractsPerSec: Math.round(snap.rows.length / (snapshotMs / 1000)),
    },
    optdesk: {
      inputs: inputs.length,
      solved: oursSolved,
      medianMs: +oursMs.toFixed(3),
      contractsPerSec: Math.round(inputs.length / (oursMs / 1000)),
      maxRelRepriceError: oursMaxErr,
      includes: 'IV + price + 5 greeks',
    },
    npmImpliedVolatility: {
      inputs: solvable.length,
      medianMs: +packageMs.toFixed(3),
      contractsPerSec: Math.round(solvable.length / (packageMs / 1000)),
      maxRelRepriceError: Math.max(...pkgErrs),
      medianRelRepriceError: median(pkgErrs),
      failuresOver1Pct: pkgFailures,
      maxIvGapVsOptdeskWhereOk: ivGapMax,
      includes: 'IV only (no greeks in the package)',
      ratioVsOptdesk: packageMs / oursMs,
    },
    pricing: {
      inputs: priced.length,
      optdeskMedianMs: +ourPriceMs.toFixed(3),
      npmBlackScholesMedianMs: +pkgPriceMs.toFixed(3),
      ratio: pkgPriceMs / ourPriceMs,
      maxRelPriceGap: priceGapMax,
    },
  };
  console.log(`\n== Options: real GOOG chain at ${result.at}, ${result.contracts} contracts (${quotes.length.toLocaleString()} quotes)`);
  console.log(`full chain snapshot (lookup + IV + greeks):  ${result.snapshot.medianMs} ms  ${result.snapshot.contractsPerSec.toLocaleString()} contracts/s`);
  console.log(`optdesk IV + price + greeks, ${inputs.length} mids:  ${result.optdesk.medianMs} ms  ${result.optdesk.contractsPerSec.toLocaleString()} contracts/s  max repricing error ${oursMaxErr.toExponential(1)}`);
  console.log(`npm implied-volatility (IV only), ${solvable.length}:   ${result.npmImpliedVolatility.medianMs} ms  → optdesk ${(packageMs / oursMs).toFixed(0)}× faster; max repricing error ${Math.max(...pkgErrs).toExponential(1)}, ${pkgFailures} off by > 1%`);
  console.log(`pricing only: optdesk ${result.pricing.optdeskMedianMs} ms vs npm black-scholes ${result.pricing.npmBlackScholesMedianMs} ms → ratio ${result.pricing.ratio.toFixed(2)}, max price gap ${priceGapMax.toExponential(1)}`);
  return result;
}

if (import.meta.url === `file://${process.argv[1]}` || fileURLToPath(import.meta.url) === process.argv[1]) {
  await runOptionsBench();
}
