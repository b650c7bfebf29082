#!/usr/bin/env node
// Entry point for `npx optdesk …` / `npm start`: runs the compiled CLI in dist/cli, built once
// by `npm run build` (npm install and npm start run it), so no TypeScript is transpiled at start.
// OPTDESK_SOURCE=1 runs the TypeScript sources through tsx instead (what the tests exercise).
import { existsSync } from 'node:fs';

if (process.env.OPTDESK_SOURCE === '1') {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
} else {
  const compiled = new URL('../dist/cli/main.js', import.meta.url);
  if (!existsSync(compiled)) {
    process.stderr.write(
      'optdesk: the compiled CLI (dist/cli/main.js) is missing. Build it with `npm run build` ' +
        '(`npm install` and `npm start` do it for you), or set OPTDESK_SOURCE=1 to run the TypeScript sources.\n',
    );
    process.exit(1);
  }
  await import(compiled.href);
}
