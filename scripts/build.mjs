#!/usr/bin/env node
/**
 * `npm run build` — compiles the CLI and server (src/cli/main.ts and everything it imports)
 * into dist/cli/ with esbuild, once, so `optdesk` starts without transpiling TypeScript.
 * npm packages stay external (resolved from node_modules at run time). Commands and the
 * server are split into chunks loaded on first use, so `optdesk --help` stays small.
 * dist/cli sits two levels below the repo root, like src/server, so paths the server
 * resolves from its own file (the built dashboard in web/dist) stay the same.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// An explicit output directory (test/build.test.ts builds into a scratch copy).
const outdir = path.resolve(process.argv[2] ?? path.join(root, 'dist/cli'));
rmSync(outdir, { recursive: true, force: true }); // no stale chunks from an earlier build

await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/main.ts'],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
