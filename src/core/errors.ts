/**
 * Errors that name what was wrong. Every user-facing failure in optdesk should say
 * which field (or file and line) and why, so a trader can fix the input — and carry a
 * stable code beside the sentence, so programs (the dashboard, scripts, tests) can tell
 * failures apart without parsing words that may be reworded. Fastify's `FST_ERR_*` and
 * NautilusTrader's denied reasons are the model.
 *
 * On the wire (HTTP bodies and socket `error_message`s) a failure is an {@link ErrorBody}:
 * `{code, field?, reason?, message}`; `message` is the sentence people read.
 */

/**
 * The catalogue: every code the server sends, once, with what it means. Add a code here
 * before using it; the type below makes a typo a compile error.
 */
export const ERROR_CODES = {
  /** A field of the request (body, query, path, socket message) or a command-line argument is missing or wrong; `field` names it. */
  INVALID_FIELD: 'a field is missing or wrong; `field` names it',
  /** The request could not be read at all (unparseable JSON, wrong content type): no field can be blamed. */
  MALFORMED_REQUEST: 'the request could not be read (unparseable JSON, wrong content type)',
  /** A body over the route's size limit (screenshots, CSV imports, JSON bodies). */
  PAYLOAD_TOO_LARGE: 'the body is larger than the route accepts',
  /** OPTDESK_TOKEN is set and the request did not carry it. */
  UNAUTHORIZED: 'the API token is missing or wrong',
  /** The Host or Origin header is not this server: the DNS-rebinding and cross-site guard. */
  FORBIDDEN_HOST: 'the Host or Origin is not this server',
  /** The thing the request names does not exist: an order, journal trade, screenshot, watchlist entry, option data. */
  NOT_FOUND: 'the named thing does not exist',
  /** No route for this method and path (often a dashboard newer or older than the server). */
  NO_ROUTE: 'no API route for this method and path',
  /** Valid, but refused in the current state: replay not running, replay jump while paper orders work, order no longer cancelable. */
  CONFLICT: 'valid, but refused in the current state',
  /** A pre-trade risk check refused the order; `reason` is the check (kill_switch, max_qty, price_collar, … see GET /api/risk). */
  RISK_DENIED: 'a risk check refused the order; `reason` names the check',
  /** The broker refused or failed the order; `reason` is the broker's code (insufficient_qty, market_closed, unavailable, …). */
  BROKER_REJECTED: 'the broker refused or failed the order; `reason` is its code',
  /** A market-data vendor could not be asked (network, entitlement, rate limit); retrying later may work. */
  PROVIDER_UNAVAILABLE: 'a data vendor could not be reached',
  /** Socket only: the connection is dropped because it does not read what it is sent; reconnect. */
  SLOW_CONSUMER: 'the socket did not read its messages and is dropped',
  /** A failure of optdesk itself; the server log has the details. */
  INTERNAL: 'an unexpected failure in optdesk',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** A failure as the server sends it (HTTP `{error: ErrorBody}`, socket `error_message`). */
export interface ErrorBody {
  code: ErrorCode;
  /** The offending field (dotted path for nested ones, e.g. `takeProfit.limitPrice`), when one is to blame. */
  field?: string;
  /** For RISK_DENIED and BROKER_REJECTED: the risk check or broker code that said no. */
  reason?: string;
  /** The sentence for people, "field: why", unchanged from before codes existed. */
  message: string;
}

export class InputError extends Error {
  constructor(
    /** The offending field, argument or `file:line`. */
    readonly field: string,
    /** Why it is wrong, as a sentence fragment: "must be a date like 2013-10-07". */
    readonly reason: string,
    /** The catalogue code; most input errors are a bad field. */
    readonly code: ErrorCode = 'INVALID_FIELD',
  ) {
    super(`${field}: ${reason}`);
    this.name = 'InputError';
  }
}

/**
 * The field a "field: why" sentence names, when it starts with one: an identifier path such as
 * `symbol`, `takeProfit.limitPrice` or `drawings.3.id`. Every optdesk sentence follows that
 * convention, so an error built from a sentence alone still names its field.
 */
export function fieldOfMessage(message: string): string | undefined {
  return /^([A-Za-z_$][\w$-]*(?:\.[\w$-]+)*): /.exec(message)?.[1];
}

/** Builds an {@link ErrorBody}; the field defaults to the one the sentence starts with. */
export function errorBody(code: ErrorCode, message: string, extra: { field?: string | null; reason?: string } = {}): ErrorBody {
  const field = extra.field === null ? undefined : (extra.field ?? fieldOfMessage(message));
  return { code, ...(field !== undefined ? { field } : {}), ...(extra.reason !== undefined ? { reason: extra.reason } : {}), message };
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/** The code an HTTP status means when the thrower names none. */
export function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 401: return 'UNAUTHORIZED';
    case 403: return 'FORBIDDEN_HOST';
    case 404: return 'NOT_FOUND';
    case 409: return 'CONFLICT';
    case 413: return 'PAYLOAD_TOO_LARGE';
    case 502: case 503: case 504: return 'PROVIDER_UNAVAILABLE';
    default: return status >= 500 ? 'INTERNAL' : 'INVALID_FIELD';
  }
}

/**
 * The body for anything thrown: an InputError keeps its code and field; an error carrying a
 * catalogue `code` (OptionDataNotFound, HttpError, …) or an HTTP `statusCode` keeps what it
 * means; anything else is INTERNAL. `message` defaults to the error's own sentence.
 */
export function errorBodyOf(err: unknown, message?: string): ErrorBody {
  const text = message ?? (err instanceof Error ? err.message : String(err));
  if (err instanceof InputError) return errorBody(err.code, text, { field: err.field });
  const e = err as { code?: unknown; statusCode?: unknown; field?: unknown } | null;
  const code = isErrorCode(e?.code) ? e.code : typeof e?.statusCode === 'number' ? codeForStatus(e.statusCode) : 'INTERNAL';
  // The field comes from the error (or its own "field: why" sentence), never from a caller's prefix.
  const field = code === 'INTERNAL' ? undefined : typeof e?.field === 'string' ? e.field : err instanceof Error ? fieldOfMessage(err.message) : undefined;
  return errorBody(code, text, { field: field ?? null });
}
