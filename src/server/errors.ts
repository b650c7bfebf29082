/**
 * How the server turns failures into `{error: {code, field?, reason?, message}}` (DESIGN.md
 * principle 6; codes in src/core/errors.ts): bad input is a 4xx naming the field; only our own
 * bugs are 500s. Routes throw {@link HttpError} or {@link InputError} and get a code without
 * naming one: HttpError's comes from its status, InputError's from its own `code`.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { codeForStatus, errorBody, InputError, type ErrorBody, type ErrorCode } from '../core/errors.js';
import { describeZodError } from '../wire/protocol.js';

export class HttpError extends Error {
  readonly code: ErrorCode;
  /** The field the message names ("field: why"), unless told otherwise; null for none. */
  readonly field: string | undefined;
  readonly reason: string | undefined;
  constructor(readonly statusCode: number, message: string, opts: { code?: ErrorCode; field?: string | null; reason?: string } = {}) {
    super(message);
    this.name = 'HttpError';
    const body = errorBody(opts.code ?? codeForStatus(statusCode), message, opts);
    this.code = body.code;
    this.field = body.field;
    this.reason = body.reason;
  }

  body(): ErrorBody {
    return errorBody(this.code, this.message, { field: this.field ?? null, ...(this.reason !== undefined ? { reason: this.reason } : {}) });
  }
}

/** Sends `{error: body}` with `status`; for hooks and handlers that answer without throwing. */
export function sendError(reply: FastifyReply, status: number, body: ErrorBody): FastifyReply {
  return reply.code(status).send({ error: body });
}

/** The 400 for a zod failure: the first bad field, named in `field` and in the sentence. */
export function zodErrorBody(error: z.ZodError, fallbackField = 'body'): ErrorBody {
  const issue = error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : fallbackField;
  return errorBody('INVALID_FIELD', describeZodError(error, fallbackField), { field });
}

/** Parses `value` with `schema` or throws a 400 naming the first bad field. */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, fallbackField: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const body = zodErrorBody(result.error, fallbackField);
    throw new HttpError(400, body.message, { field: body.field ?? null });
  }
  return result.data;
}

export function errorHandler(err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  if (err instanceof HttpError) {
    void sendError(reply, err.statusCode, err.body());
    return;
  }
  if (err instanceof InputError) {
    void sendError(reply, 400, errorBody(err.code, err.message, { field: err.field }));
    return;
  }
  if (err instanceof z.ZodError) {
    void sendError(reply, 400, zodErrorBody(err));
    return;
  }
  const status = (err as FastifyError).statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    // Fastify's own 4xx: unparseable JSON, wrong content type, body too large, …
    const fst = (err as FastifyError).code ?? '';
    const field = fst.startsWith('FST_ERR_CTP') ? 'body' : 'request';
    const code: ErrorCode = status === 413 ? 'PAYLOAD_TOO_LARGE' : fst.startsWith('FST_ERR_CTP') || status === 415 ? 'MALFORMED_REQUEST' : codeForStatus(status);
    void sendError(reply, status, errorBody(code, `${field}: ${err.message}`, { field: field === 'body' ? field : null }));
    return;
  }
  request.log.error({ err }, 'request failed');
  void sendError(reply, 500, errorBody('INTERNAL', `server: ${err.message || 'internal error'} (see the server log)`, { field: null }));
}
