/**
 * server/ — the HTTP side of optdesk: Fastify routes (REST API, built dashboard) and the
 * Socket.IO endpoint the ChartHub serves, on one port.
 *
 * - `createServer(config)` (app.ts): everything wired, nothing listening; tests use it on port 0.
 * - `startServer()` (main.ts): the same from the environment, for `optdesk serve`.
 * - routes.ts: the REST API; options-routes.ts: option chains and the quote matrix; auth.ts: the HOST/OPTDESK_TOKEN rule;
 *   security.ts: Host/Origin allow-list (DNS rebinding) and security headers; errors.ts: `{error: {code, field?, message: "field: why"}}`.
 */
export { createServer, DEFAULT_DATA_DIR, DEFAULT_WEB_DIST, type OptdeskServer, type ServerConfig } from './app.js';
export { startServer, type RunningServer, type StartServerOptions } from './main.js';
export { DEFAULT_WATCHLIST } from './routes.js';
export { assertBindAllowed, isLoopback } from './auth.js';
