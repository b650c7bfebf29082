/**
 * The server's error body, `{error: {code, field?, reason?, message}}` (src/core/errors.ts),
 * as an Error: `message` is the server's own sentence for the UI; `code`, `field` and `reason`
 * are there for code that reacts to a kind of failure (e.g. a risk refusal) without parsing words.
 */
import type { ErrorBody, ErrorCode } from '../../src/core/errors.js';

export type { ErrorBody, ErrorCode };

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: ErrorCode | null,
    readonly field: string | null,
    readonly reason: string | null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The error a failed response stands for; `parsed` is its JSON body, if any (a proxy page has none). */
export function apiErrorOf(res: { status: number; statusText: string }, parsed: unknown): ApiError {
  const e = (parsed as { error?: unknown; message?: unknown } | null | undefined)?.error;
  if (e && typeof e === 'object' && typeof (e as ErrorBody).message === 'string') {
    const b = e as ErrorBody;
    return new ApiError(b.message, res.status, b.code ?? null, b.field ?? null, b.reason ?? null);
  }
  // Anything else (a bare string from an older server, a proxy's JSON): its words if it has any.
  const fallback = typeof e === 'string' ? e : typeof (parsed as { message?: unknown } | undefined)?.message === 'string' ? (parsed as { message: string }).message : `${res.status} ${res.statusText}`;
  return new ApiError(fallback, res.status, null, null, null);
}
