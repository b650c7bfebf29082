/**
 * The compiled start (scripts/build.mjs → dist/cli, run by bin/optdesk.js): the bundle
 * runs the same CLI as the sources, and a missing build says how to make it instead of
 * failing with a module-not-found trace. Built into a scratch copy under the repo's tmp/
 * (so node_modules still resolves) rather than dist/, which other runs may be using.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
mkdirSync(path.join(ROOT, 'tmp'), { recursive: true });
const scratch = mkdtempSync(path.join(ROOT, 'tmp', 'build-test-'));
mkdirSync(path.join(scratch, 'bin'));
copyFileSync(path.join(ROOT, 'bin/optdesk.js'), path.join(scratch, 'bin/optdesk.js'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function run(args: string[]) {
  const env = { ...process.env };
  delete env.OPTDESK_SOURCE;
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('without a build, bin/optdesk.js says how to build it', () => {
  const r = run([path.join(scratch, 'bin/optdesk.js'), '--help']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /dist\/cli\/main\.js\) is missing/);
  assert.match(r.stderr, /npm run build/);
});

test('the compiled CLI prints help and runs a command loaded on demand', () => {
  const built = run([path.join(ROOT, 'scripts/build.mjs'), path.join(scratch, 'dist/cli')]);
  assert.equal(built.code, 0, built.stderr);
  const help = run([path.join(scratch, 'bin/optdesk.js'), '--help']);
  assert.equal(help.code, 0, help.stderr);
  for (const command of ['serve', 'import', 'bars', 'check', 'chain']) assert.match(help.stdout, new RegExp(`\\b${command}\\b`));
  // `bars` lives in its own chunk: a bad flag reaches its validation and gets the CLI's error line.
  const bad = run([path.join(scratch, 'bin/optdesk.js'), 'bars', 'SPY', '--tf', '7m', '--from', '2013-10-07', '--to', '2013-10-07']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^optdesk bars: --tf: must be one of 1m, /);
});
