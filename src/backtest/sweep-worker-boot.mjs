// Worker entry for parameter sweeps: loads the TypeScript worker through tsx's API, as
// bin/optdesk.js does for the CLI (a worker does not inherit the parent's loader hooks).
import { register } from 'tsx/esm/api';
register();
await import('./sweep-worker.ts');
