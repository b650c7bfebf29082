#!/usr/bin/env node
/**
 * `npm test` / `npm run test:unit` — runs the test files with node's test runner, after
 * preparing what every test process would otherwise redo: the recorded data imported once
 * into a template database (test/helpers/store.ts copies it; see OPTDESK_TEST_TEMPLATE_DB).
 * `--unit` leaves out test/e2e (the browser tests). Other arguments go to `node --test`
 * (e.g. `--test-reporter=spec`). OPTDESK_TEST_CONCURRENCY sets how many test files run at
 * once (default 4: they wait on I/O, servers and the browser more than on the CPU).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const unit = args.includes('--unit');
const passThrough = args.filter((a) => a !== '--unit');

/** Every *.test.ts under src/ and test/, sorted (as `find src test -name '*.test.ts' | sort`). */
function testFiles(dir) {
  const out = [];
  for (const e of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) {
      if (e.name !== 'node_modules') out.push(...testFiles(rel));
    } else if (e.name.endsWith('.test.ts')) out.push(rel);
  }
  return out;
}
const files = [...testFiles('src'), ...testFiles('test')]
  .filter((f) => !(unit && f.startsWith('test/e2e/')))
  .sort();

const scratch = mkdtempSync(path.join(os.tmpdir(), 'optdesk-tests-'));
const cleanup = () => rmSync(scratch, { recursive: true, force: true });
process.on('exit', cleanup);

const templateDb = path.join(scratch, 'template.db');
const prepared = spawnSync(process.execPath, ['--import', 'tsx', 'test/helpers/prepare-template.ts', templateDb], {
  cwd: root,
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
});
if (prepared.status !== 0) {
  process.stderr.write(`npm test: importing the recorded data into the test template failed (exit ${prepared.status})\n`);
  process.exit(1);
}

const concurrency = process.env.OPTDESK_TEST_CONCURRENCY ?? '4';
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=600000', ...passThrough, ...files],
  {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      OPTDESK_SOURCE: '1',
      OPTDESK_TEST_TEMPLATE_DB: templateDb,
      OPTDESK_TEST_TEMPLATE_DATA: prepared.stdout,
    },
  },
);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
