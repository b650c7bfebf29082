/**
 * The bind-address rule: optdesk listens on 127.0.0.1 by default; any other address
 * exposes a trading desk to the network, so it needs OPTDESK_TOKEN, and then every HTTP
 * request and every socket must present it (Authorization: Bearer, `?token=`, or the
 * cookie the server sets after a `?token=` visit so the dashboard's own calls work).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Server } from 'socket.io';
import { errorBody } from '../core/errors.js';
import { sendError } from './errors.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '::ffff:127.0.0.1']);
export const TOKEN_COOKIE = 'optdesk_token';

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host.trim().toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(host.trim());
}

/** Throws the sentence an operator needs when a non-loopback bind lacks a token. */
export function assertBindAllowed(host: string, token: string | undefined): void {
  if (isLoopback(host) || (token !== undefined && token.length > 0)) return;
  throw new Error(
    `Refusing to listen on ${host}: any address other than 127.0.0.1 exposes the desk to the network. ` +
      `Set OPTDESK_TOKEN to a long random secret (clients send "Authorization: Bearer <token>" or open /?token=<token>), ` +
      `or unset HOST to stay on 127.0.0.1.`,
  );
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Constant-time comparison (hashing first makes the lengths equal). */
export function tokenMatches(expected: string, given: unknown): boolean {
  return typeof given === 'string' && given.length > 0 && timingSafeEqual(digest(expected), digest(given));
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return safeDecode(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** A cookie is client input: bad percent-encoding reads as "no token", never as a thrown URIError. */
function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

function bearer(header: string | undefined): string | undefined {
  const m = header ? /^Bearer\s+(.+)$/i.exec(header.trim()) : null;
  return m?.[1];
}

export function installAuth(app: FastifyInstance, io: Server, token: string): void {
  app.addHook('onRequest', async (request, reply) => {
    const query = request.query as Record<string, unknown> | undefined;
    const viaQuery = tokenMatches(token, query?.token);
    if (viaQuery) {
      // Lets the browser that opened /?token=… call the API and socket without repeating it.
      void reply.header('set-cookie', `${TOKEN_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`);
      return;
    }
    if (tokenMatches(token, bearer(request.headers.authorization))) return;
    if (tokenMatches(token, cookieValue(request.headers.cookie, TOKEN_COOKIE))) return;
    return sendError(reply, 401, errorBody('UNAUTHORIZED', 'token: missing or wrong; send "Authorization: Bearer <OPTDESK_TOKEN>" or ?token=<OPTDESK_TOKEN>'));
  });
  io.use((socket, next) => {
    // A throw here would escape Socket.IO's middleware runner and take the process down.
    let allowed = false;
    try {
      const hs = socket.handshake;
      const given = (hs.auth as Record<string, unknown> | undefined)?.token ?? hs.query.token ?? bearer(hs.headers.authorization) ?? cookieValue(hs.headers.cookie, TOKEN_COOKIE);
      allowed = tokenMatches(token, given);
    } catch {
      allowed = false;
    }
    if (allowed) next();
    else next(new Error('token: missing or wrong; pass {auth: {token}} when connecting'));
  });
}
