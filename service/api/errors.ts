/**
 * The API's error answers: `{ error, message, details }` with the status code the problem
 * calls for. Bad input the library's loaders refuse (an HeError) is a 400; the rest comes from
 * the routes (`HttpError`) or from fastify itself (413 for a body over its limit).
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { HeError } from '../../core/index.js';

/** An error with the HTTP status to answer it with and a short code for clients. */
export class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details: Record<string, unknown> = {}) {
    super(message);
  }
}

/** The body of every error answer. */
export interface ErrorBody {
  /** HTTP-level code (UNAUTHORIZED, NOT_FOUND, WRONG_ROUND, ...) or the HeErrorCode of a refused upload. */
  readonly error: string;
  readonly message: string;
  readonly details: Record<string, unknown>;
}

/** Fastify's error handler: each error becomes its status code and an `ErrorBody`; anything unexpected a 500 whose body says no more. */
export function answerError(e: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  let status = 500, body: ErrorBody = { error: 'INTERNAL', message: 'internal error', details: {} };
  if (e instanceof HttpError) {
    status = e.status;
    body = { error: e.code, message: e.message, details: e.details };
  } else if (e instanceof HeError) {
    // Everything an upload can fail with is bad input; the library's internals failing is our 500.
    status = e.code === 'BACKEND_INTERNAL' ? 500 : 400;
    if (status === 400) body = { error: e.code, message: e.message, details: e.details as Record<string, unknown> };
  } else if ('statusCode' in e && typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    status = e.statusCode;
    body = { error: e.code ?? 'BAD_REQUEST', message: e.message, details: {} };
  }
  if (status === 500) request.log.error(e);
  return reply.code(status).send(body);
}
