/**
 * Starts a real optdesk server on 127.0.0.1:0 with a throw-away SQLite file, for the
 * cross-module tests and the dashboard's browser test. `close()` stops it and deletes
 * the temp directory.
 *
 * The replay runs on a real wall-clock ticker unless `ticker` is given; tests that must
 * control time pass a ManualTicker and call `tick(ms)`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServer, type OptdeskServer } from '../../src/server/app.js';
import type { ReplayTicker } from '../../src/feeds/replay/index.js';
import type { ServerConfig } from '../../src/server/app.js';
import { DATA_DIR } from './data.js';
import { copyRecordedDb } from './store.js';

export interface TestServerOptions {
  session?: string;
  time?: string;
  speed?: number;
  state?: 'play' | 'pause';
  dataDir?: string;
  /** Drive the replay clock by hand (ManualTicker). */
  ticker?: ReplayTicker;
  /** Directory of the built dashboard (default web/dist). */
  webDist?: string;
  /** Reuse a database file (to test persistence across restarts). */
  dbPath?: string;
  /** ChartHub options (e.g. a SocketGuard with small bounds). */
  hub?: ServerConfig['hub'];
}

export interface TestServer {
  url: string;
  /** The running server: hub, replay feed, store, io. */
  server: OptdeskServer;
  dbPath: string;
  close(): Promise<void>;
}

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const dir = opts.dbPath ? undefined : mkdtempSync(path.join(os.tmpdir(), 'optdesk-test-'));
  const dbPath = opts.dbPath ?? path.join(dir!, 'optdesk.db');
  // A fresh database starts as the first-run import of the shared data would leave it
  // (copied from a template imported once per process, which is much faster).
  if (!opts.dbPath && (opts.dataDir ?? DATA_DIR) === DATA_DIR) await copyRecordedDb(dbPath);
  const server = createServer({
    host: '127.0.0.1',
    port: 0,
    dataDir: opts.dataDir ?? DATA_DIR,
    dbPath,
    replay: {
      ...(opts.session !== undefined ? { session: opts.session } : {}),
      ...(opts.time !== undefined ? { time: opts.time } : {}),
      ...(opts.speed !== undefined ? { speed: opts.speed } : {}),
      ...(opts.state !== undefined ? { state: opts.state } : {}),
    },
    ...(opts.ticker ? { ticker: opts.ticker } : {}),
    ...(opts.webDist ? { webDist: opts.webDist } : {}),
    ...(opts.hub ? { hub: opts.hub } : {}),
  });
  let url: string;
  try {
    ({ url } = await server.listen());
  } catch (err) {
    await server.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url,
    server,
    dbPath,
    async close() {
      await server.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
