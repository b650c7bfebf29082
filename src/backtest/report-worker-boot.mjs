// Worker entry for one full backtest report (the server's POST /api/backtests): loads the
// TypeScript worker through tsx's API, as sweep-worker-boot.mjs does for sweeps.
import { register } from 'tsx/esm/api';
register();
await import('./report-worker.ts');
