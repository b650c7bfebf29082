/**
 * What a web page in the trader's own browser may do to the desk: nothing, unless it is
 * the desk's own page.
 *
 * - **Host allow-list (DNS rebinding).** A page served as `evil.test` whose name later
 *   resolves to 127.0.0.1 talks to us with `Host: evil.test:PORT`. Only the loopback names
 *   at the server's own port, the bind address, this machine's IP addresses (an IP literal
 *   cannot be rebound) and the names in OPTDESK_ALLOWED_HOSTS are accepted; anything else
 *   is a 403 naming the host. Every HTTP route and the Socket.IO handshake are checked.
 * - **Origin allow-list.** A request that carries an Origin (browsers send it on cross-site
 *   and on most same-site non-GET requests, and always on WebSocket handshakes) must come
 *   from an allowed host; requests without one (curl, the CLI, tests) are judged by Host only.
 * - **Headers.** A CSP the built dashboard runs under (module scripts, CSS files, canvas,
 *   same-origin fetch and WebSocket), no framing, nosniff, no referrer.
 */
import { createHash } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { errorBody } from '../core/errors.js';
import { sendError } from './errors.js';

/**
 * The one inline `<style>` the dashboard needs: lightweight-charts' TradingView attribution
 * logo (its licence asks for it). Allowed by hash, so no other inline style is; a chart
 * upgrade that changes it shows up as a CSP violation in test/e2e/csp.e2e.test.ts.
 */
const CHART_ATTRIBUTION_STYLE =
  'a#tv-attr-logo{--fill:#131722;--stroke:#fff;position:absolute;left:10px;bottom:10px;height:19px;width:35px;margin:0;padding:0;border:0;z-index:3;}' +
  'a#tv-attr-logo[data-dark]{--fill:#D1D4DC;--stroke:#131722;}';

const styleHash = `'sha256-${createHash('sha256').update(CHART_ATTRIBUTION_STYLE).digest('base64')}'`;

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': [
    "default-src 'self'",
    "script-src 'self'",
    `style-src 'self' ${styleHash}`,
    // The favicon is an inline data: SVG; lightweight-charts draws on canvas (no images).
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    // 'self' covers same-origin ws:/wss: in CSP Level 3 browsers.
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export interface HostPolicyConfig {
  /** The address the server binds (HOST). */
  bindHost: string;
  /** OPTDESK_ALLOWED_HOSTS entries: `name` (any port) or `name:port`. */
  allowedHosts?: readonly string[];
}

/** Parses OPTDESK_ALLOWED_HOSTS (comma-separated names, optionally with a port). */
export function parseAllowedHosts(raw: string | undefined): string[] {
  if (!raw) return [];
  return raw
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const WILDCARD_BINDS = new Set(['0.0.0.0', '::', '[::]']);

/** Splits `name[:port]` (IPv6 in brackets) into lower-case name and port (undefined when absent). */
export function splitHostPort(value: string): { name: string; port: number | undefined } | undefined {
  const v = value.trim().toLowerCase();
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(v);
  if (!m) return undefined;
  return { name: m[1]!, port: m[2] === undefined ? undefined : Number(m[2]) };
}

function bracketed(address: string): string {
  return address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
}

/**
 * Decides whether a Host / Origin names this server. `port()` is read per request because
 * tests listen on port 0 and learn the real port only after `listen()`.
 */
export class HostPolicy {
  /** Names accepted at the server's own port. */
  private readonly ownNames = new Set<string>(LOOPBACK_NAMES);
  /** Configured names accepted at any port (a reverse proxy may publish another one). */
  private readonly anyPort = new Set<string>();
  /** Configured `name:port` pairs. */
  private readonly exact = new Set<string>();

  constructor(config: HostPolicyConfig, private readonly port: () => number | undefined) {
    const bind = config.bindHost.trim().toLowerCase();
    if (WILDCARD_BINDS.has(bind)) {
      for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) this.ownNames.add(bracketed(i.address.toLowerCase()));
    } else {
      this.ownNames.add(bracketed(bind));
    }
    for (const entry of config.allowedHosts ?? []) {
      const hp = splitHostPort(entry);
      if (!hp) throw new Error(`OPTDESK_ALLOWED_HOSTS: "${entry}" is not a host name like desk.example.com or desk.example.com:8443`);
      if (hp.port === undefined) this.anyPort.add(hp.name);
      else this.exact.add(`${hp.name}:${hp.port}`);
    }
  }

  /** Why a Host header is refused, or undefined when it names this server. */
  checkHost(host: string | undefined): string | undefined {
    if (!host) return 'host: the request has no Host header';
    if (this.allowed(host, 80)) return undefined;
    return `host: "${host}" is not a name of this server (DNS rebinding protection); reach it as 127.0.0.1:${this.port() ?? 'PORT'} or add the name to OPTDESK_ALLOWED_HOSTS`;
  }

  /** Why an Origin header is refused, or undefined when absent or one of ours. */
  checkOrigin(origin: string | undefined): string | undefined {
    if (origin === undefined) return undefined;
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      url = undefined;
    }
    if (url && (url.protocol === 'http:' || url.protocol === 'https:')) {
      const defaultPort = url.protocol === 'https:' ? 443 : 80;
      if (this.allowed(url.host, defaultPort)) return undefined;
    }
    return `origin: "${origin}" is not this server's dashboard; requests from other web pages are refused (add its host to OPTDESK_ALLOWED_HOSTS if it is yours)`;
  }

  /** Host then Origin of a raw request (the Socket.IO handshake). */
  checkRequest(headers: IncomingMessage['headers']): string | undefined {
    const origin = headers.origin;
    return this.checkHost(headers.host) ?? this.checkOrigin(Array.isArray(origin) ? origin[0] : origin);
  }

  private allowed(hostPort: string, defaultPort: number): boolean {
    const hp = splitHostPort(hostPort);
    if (!hp) return false;
    const port = hp.port ?? defaultPort;
    if (this.ownNames.has(hp.name) && port === this.port()) return true;
    if (this.anyPort.has(hp.name)) return true;
    return this.exact.has(`${hp.name}:${port}`);
  }
}

/**
 * Sets the security headers on every response and refuses foreign Host/Origin before any
 * route (or the token check) runs. Register before everything else.
 */
export function installHostPolicy(app: FastifyInstance, policy: HostPolicy): void {
  app.addHook('onRequest', async (request, reply) => {
    void reply.headers(SECURITY_HEADERS);
    const origin = request.headers.origin;
    const why = policy.checkHost(request.headers.host) ?? policy.checkOrigin(origin);
    if (why) {
      request.log.warn({ host: request.headers.host, origin }, 'refused request from a foreign host or origin');
      return sendError(reply, 403, errorBody('FORBIDDEN_HOST', why));
    }
  });
}

/** Socket.IO `allowRequest`: the same rule on the engine.io handshake (HTTP routes do not see it). */
export function socketAllowRequest(policy: HostPolicy): (req: IncomingMessage, fn: (err: string | null | undefined, success: boolean) => void) => void {
  return (req, fn) => {
    const why = policy.checkRequest(req.headers);
    if (why) fn(why, false);
    else fn(null, true);
  };
}
