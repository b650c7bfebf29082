/**
 * The error body every route answers with, `{error: {code, field?, reason?, message}}`: a route
 * that only throws the existing classes gets a code and its field without naming them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { z } from 'zod';
import { ERROR_CODES, errorBodyOf, InputError } from '../core/errors.js';
import { OptionDataNotFound, OptionDataUnavailable } from '../options/sources/types.js';
import { refusalBody, RISK_CHECKS } from '../risk/index.js';
import { errorHandler, HttpError, parseOr400 } from './errors.js';

async function answer(handler: () => unknown, init: { method?: 'GET' | 'POST'; payload?: string } = {}): Promise<{ status: number; body: { error: Record<string, unknown> } }> {
  const app = Fastify();
  app.setErrorHandler(errorHandler);
  app.route({ method: init.method ?? 'GET', url: '/t', handler: async () => handler() });
  const res = await app.inject({ method: init.method ?? 'GET', url: '/t', ...(init.payload !== undefined ? { payload: init.payload, headers: { 'content-type': 'application/json' } } : {}) });
  await app.close();
  return { status: res.statusCode, body: res.json() };
}

describe('route errors carry a stable code', () => {
  it('HttpError: the code follows the status, the field is the one the sentence starts with', async () => {
    const cases: Array<[number, string, string, string | undefined]> = [
      [400, 'drawings.3.id: duplicate id "a"', 'INVALID_FIELD', 'drawings.3.id'],
      [404, 'id: no order po_1', 'NOT_FOUND', 'id'],
      [409, 'replay: 1 paper order(s) are working; …', 'CONFLICT', 'replay'],
      [502, 'underlying: Massive answered 429 (rate limit)', 'PROVIDER_UNAVAILABLE', 'underlying'],
      [400, 'no field here, just words', 'INVALID_FIELD', undefined],
    ];
    for (const [status, message, code, field] of cases) {
      const res = await answer(() => {
        throw new HttpError(status, message);
      });
      assert.equal(res.status, status);
      assert.deepEqual(res.body, { error: { code, ...(field ? { field } : {}), message } }, message);
    }
  });

  it('HttpError: an explicit code, field or reason wins', async () => {
    const res = await answer(() => {
      throw new HttpError(409, 'id: order po_1 is filled', { code: 'CONFLICT', field: 'orderId', reason: 'not_cancelable' });
    });
    assert.deepEqual(res.body.error, { code: 'CONFLICT', field: 'orderId', reason: 'not_cancelable', message: 'id: order po_1 is filled' });
    const none = await answer(() => {
      throw new HttpError(404, 'path: no API route GET /api/x', { code: 'NO_ROUTE', field: null });
    });
    assert.deepEqual(none.body.error, { code: 'NO_ROUTE', message: 'path: no API route GET /api/x' });
  });

  it('InputError: a 400 with its own code and field; zod failures name the first bad field', async () => {
    const bad = await answer(() => {
      throw new InputError('from', 'must be a date like 2013-10-07');
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.error, { code: 'INVALID_FIELD', field: 'from', message: 'from: must be a date like 2013-10-07' });
    const big = await answer(() => {
      throw new InputError('csv', 'is longer than 5 MB', 'PAYLOAD_TOO_LARGE');
    });
    assert.deepEqual([big.status, big.body.error.code, big.body.error.field], [400, 'PAYLOAD_TOO_LARGE', 'csv']);
    const zod = await answer(() => parseOr400(z.object({ qty: z.number().int('must be whole') }), { qty: 1.5 }, 'body'));
    assert.deepEqual(zod.body.error, { code: 'INVALID_FIELD', field: 'qty', message: 'qty: must be whole' });
    const shape = await answer(() => parseOr400(z.object({ qty: z.number() }), 'nope', 'body'));
    assert.equal(shape.body.error.field, 'body', 'a wrong shape blames the fallback field');
  });

  it('unreadable JSON is MALFORMED_REQUEST; our own bugs are INTERNAL 500s without a field', async () => {
    const broken = await answer(() => ({}), { method: 'POST', payload: '{"qty":' });
    assert.equal(broken.status, 400);
    assert.equal(broken.body.error.code, 'MALFORMED_REQUEST');
    assert.match(String(broken.body.error.message), /^body: /);
    const bug = await answer(() => {
      throw new TypeError('x is undefined');
    });
    assert.equal(bug.status, 500);
    assert.deepEqual(bug.body.error, { code: 'INTERNAL', message: 'server: x is undefined (see the server log)' });
  });
});

describe('errorBodyOf and refusals', () => {
  it('keeps what a thrown error means, whatever prefix the caller puts on the sentence', () => {
    assert.deepEqual(errorBodyOf(new OptionDataNotFound('underlying: No option data for XYZ')), { code: 'NOT_FOUND', field: 'underlying', message: 'underlying: No option data for XYZ' });
    assert.equal(errorBodyOf(new OptionDataUnavailable('underlying: Massive answered 503')).code, 'PROVIDER_UNAVAILABLE');
    // "subscribe: …" is the event, not a field: the field comes from the error itself.
    assert.deepEqual(errorBodyOf(new InputError('tf', 'must be one of 1m, 5m'), 'subscribe: tf: must be one of 1m, 5m'),
      { code: 'INVALID_FIELD', field: 'tf', message: 'subscribe: tf: must be one of 1m, 5m' });
    assert.deepEqual(errorBodyOf(new Error('subscribe: boom')), { code: 'INTERNAL', message: 'subscribe: boom' });
    assert.deepEqual(errorBodyOf('a string'), { code: 'INTERNAL', message: 'a string' });
  });

  it('a refused submit: risk checks are RISK_DENIED with the check as reason, broker codes BROKER_REJECTED', () => {
    for (const check of RISK_CHECKS) {
      assert.deepEqual(refusalBody({ check, message: 'why' }), { code: 'RISK_DENIED', reason: check, message: 'why' });
    }
    assert.deepEqual(refusalBody({ check: 'broker:insufficient_qty', message: 'insufficient qty available for order (requested: 1, available: 0)' }),
      { code: 'BROKER_REJECTED', reason: 'insufficient_qty', message: 'insufficient qty available for order (requested: 1, available: 0)' });
    assert.deepEqual(refusalBody({ check: 'broker', message: 'socket hang up' }), { code: 'BROKER_REJECTED', reason: 'failed', message: 'socket hang up' });
    assert.deepEqual(refusalBody({ check: 'account', message: 'no account named x' }), { code: 'INVALID_FIELD', field: 'account', message: 'no account named x' });
    assert.deepEqual(refusalBody({ check: 'position', message: 'account paper holds no SPY' }), { code: 'NOT_FOUND', field: 'symbol', message: 'account paper holds no SPY' });
  });

  it('every code the catalogue lists has its sentence', () => {
    for (const [code, meaning] of Object.entries(ERROR_CODES)) {
      assert.match(code, /^[A-Z][A-Z_]+$/);
      assert.ok(meaning.length > 10, code);
    }
  });
});
