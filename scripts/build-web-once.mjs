#!/usr/bin/env node
/**
 * `npm test` builds the dashboard (web/dist) only when its inputs changed since the last
 * build made here: a SHA-256 over web/ (but web/dist), every non-test file of src/ (the
 * dashboard imports src/wire, src/core, … and they import further), package.json and
 * package-lock.json is kept in web/dist/.inputs-sha256 (vite empties web/dist, so a fresh
 * build always rewrites it). `npm run build:web` still always builds.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stamp = path.join(root, 'web/dist/.inputs-sha256');

function walk(rel, out) {
  for (const e of readdirSync(path.join(root, rel), { withFileTypes: true })) {
    const child = `${rel}/${e.name}`;
    if (e.isDirectory()) {
      if (child !== 'web/dist' && e.name !== 'node_modules') walk(child, out);
    } else if (!e.name.endsWith('.test.ts') && !e.name.endsWith('.test.tsx')) out.push(child);
  }
  return out;
}

const inputs = [...walk('web', []), ...walk('src', []), 'package.json', 'package-lock.json'].sort();
const hash = createHash('sha256');
for (const f of inputs) {
  hash.update(`${f}\0`);
  hash.update(readFileSync(path.join(root, f)));
  hash.update('\0');
}
const digest = hash.digest('hex');

if (existsSync(path.join(root, 'web/dist/index.html')) && existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) {
  process.exit(0);
}
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const built = spawnSync(npm, ['run', 'build:web', '--silent'], { cwd: root, stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);
writeFileSync(stamp, digest);
