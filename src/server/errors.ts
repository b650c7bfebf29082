/**
 * How the server turns failures into `{error: "<field>: <why>"}` (DESIGN.md principle 6):
 * bad input is a 4xx naming the field; only our own bugs are 500s.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { InputError } from '../core/errors.js';
import { describeZodError } from '../wire/protocol.js';

export class HttpError extends Error {
  constructor(readonly statusCode: number, message: string) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Parses `value` with `schema` or throws a 400 naming the first bad field. */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, fallbackField: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new HttpError(400, describeZodError(result.error, fallbackField));
  return result.data;
}

export function errorHandler(err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  if (err instanceof HttpError) {
    void reply.code(err.statusCode).send({ error: err.message });
    return;
  }
  if (err instanceof InputError) {
    void reply.code(400).send({ error: err.message });
    return;
  }
  if (err instanceof z.ZodError) {
    void reply.code(400).send({ error: describeZodError(err) });
    return;
  }
  const status = (err as FastifyError).statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    // Fastify's own 4xx: unparseable JSON, wrong content type, body too large, …
    const code = (err as FastifyError).code ?? '';
    const field = code.startsWith('FST_ERR_CTP') ? 'body' : 'request';
    void reply.code(status).send({ error: `${field}: ${err.message}` });
    return;
  }
  request.log.error({ err }, 'request failed');
  void reply.code(500).send({ error: `server: ${err.message || 'internal error'} (see the server log)` });
}
