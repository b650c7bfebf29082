/**
 * Start-up: `optdesk --help` from the compiled CLI (dist/cli, built here first if missing)
 * against the TypeScript sources through tsx (what every start cost before the build step),
 * and plain `node -e 0` as the floor. Wall time of a fresh process, median of several; on a
 * shared machine the floor moves too, so the distance to it is printed as well.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, isMain } from './util.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** CPU seconds of finished children (Linux /proc: cutime + cstime, in 1/100 s). */
function childrenCpuMs(): number | null {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return null;
  }
}

/** Median wall ms and mean CPU ms (user + system) of starting `args`. */
function measure(args: string[], env: NodeJS.ProcessEnv, runs = 10): { wall: number; cpu: number | null } {
  spawnSync(process.execPath, args, { cwd: ROOT, env }); // warms the file cache
  const times: number[] = [];
  const cpu0 = childrenCpuMs();
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: ROOT, env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    times.push(performance.now() - t0);
  }
  const cpu1 = childrenCpuMs();
  return { wall: median(times), cpu: cpu0 === null || cpu1 === null ? null : (cpu1 - cpu0) / runs };
}

export async function runStartBench(): Promise<Record<string, unknown>> {
  if (!existsSync(path.join(ROOT, 'dist/cli/main.js'))) {
    const built = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`build failed: ${built.stderr}`);
  }
  const env = { ...process.env };
  delete env.OPTDESK_SOURCE;
  const floor = measure(['-e', '0'], env);
  const compiled = measure(['bin/optdesk.js', '--help'], env);
  const source = measure(['bin/optdesk.js', '--help'], { ...env, OPTDESK_SOURCE: '1' });
  const show = (m: { wall: number; cpu: number | null }) => `${m.wall.toFixed(0)} ms wall${m.cpu === null ? '' : `, ${m.cpu.toFixed(0)} ms CPU`}`;
  console.log(`\n== Start-up: optdesk --help (median wall of 10 fresh processes; mean CPU, which the machine's load does not inflate)`);
  console.log(`compiled (dist/cli): ${show(compiled)}; TypeScript via tsx: ${show(source)} → compiled ÷ tsx wall time = ${(compiled.wall / source.wall).toFixed(2)} (lower: compiled faster)`);
  console.log(`node -e 0 alone: ${show(floor)}; goal < 150 ms: ${compiled.wall < 150 ? 'met' : 'not met'} on wall time${compiled.cpu !== null ? `, ${compiled.cpu < 150 ? 'met' : 'not met'} on CPU time` : ''}`);
  return { compiled, tsx: source, nodeFloor: floor, goalMs: 150 };
}

if (isMain(import.meta.url)) await runStartBench();
