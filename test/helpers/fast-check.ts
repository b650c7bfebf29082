/**
 * fast-check as every property test uses it: import `fc` from here, not from 'fast-check'.
 *
 * A failing property must be reproducible from the test log alone, so runs are verbose: the
 * error names the seed and the shrink path (`{ seed, path }`), the minimal counterexample,
 * and the failures met while shrinking. To replay one: FC_SEED=<seed> FC_PATH=<path>
 * node --import tsx --test <file>. FC_NUM_RUNS raises the run count for a soak.
 */
import fc from 'fast-check';

function envInt(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new Error(`${name}: must be an integer, got "${raw}"`);
  return n;
}

const seed = envInt('FC_SEED');
const numRuns = envInt('FC_NUM_RUNS');
fc.configureGlobal({
  ...fc.readConfigureGlobal(),
  verbose: fc.VerbosityLevel.Verbose,
  ...(seed !== undefined ? { seed } : {}),
  ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}),
  ...(numRuns !== undefined ? { numRuns } : {}),
});

export default fc;
