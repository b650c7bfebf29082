#!/usr/bin/env node
// Entry point for `npx optdesk …` / `npm start`: runs the TypeScript CLI through tsx's loader
// so the repo works without a separate build step.
import { register } from 'tsx/esm/api';
register();
await import('../src/cli/main.ts');
