/**
 * `npm run bench [-- start bars store options fanout trading scanner]` — runs the benchmarks, prints medians and ratios
 * against baselines measured in the same run, and writes everything to bench/results.json.
 * Speed is measured here, never asserted in tests (shared 2-core machines make timed
 * assertions flaky).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

type Bench = () => Promise<Record<string, unknown>>;

const BENCHES: Record<string, () => Promise<Bench>> = {
  start: async () => (await import('./start.bench.js')).runStartBench,
  bars: async () => (await import('./bars.bench.js')).runBarsBench,
  store: async () => (await import('./store.bench.js')).runStoreBench,
  options: async () => (await import('./options.bench.js')).runOptionsBench,
  fanout: async () => (await import('./fanout.bench.js')).runFanoutBench,
  trading: async () => (await import('./trading.bench.js')).runTradingBench,
  scanner: async () => (await import('./scanner.bench.js')).runScannerBench,
  backtest: async () => (await import('./backtest.bench.js')).runBacktestBench,
  journal: async () => (await import('./journal.bench.js')).runJournalBench,
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const name of wanted) {
  if (!BENCHES[name]) {
    console.error(`npm run bench: unknown benchmark "${name}"; choose from ${Object.keys(BENCHES).join(', ')}`);
    process.exit(2);
  }
}
const names = wanted.length ? wanted : Object.keys(BENCHES);
const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results.json');
// A partial run (`npm run bench -- options`) keeps the other benchmarks' last figures.
const previous = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>) : {};
const results: Record<string, unknown> = {
  ...previous,
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, platform: process.platform },
  startedAt: new Date().toISOString(),
};
for (const name of names) {
  const run = await BENCHES[name]!();
  results[name] = await run();
}
writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
console.log(`\nWrote ${out}`);
