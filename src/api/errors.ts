/**
 * One error answer for the whole API, close to Gate's (`{status, error, message}`), plus `issues` listing every
 * problem with its path when there are several. Bad input is always a 4xx; a 500 says nothing about internals.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { BadRequestError, ConflictError, NotFoundError } from '../engine/errors.js';
import { isDatabaseUnavailable } from '../store/index.js';

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** 403: the caller is known but the rules refuse what they ask (e.g. judging without the stage's role). */
export class ForbiddenError extends Error {
  readonly statusCode = 403;
}

export function errorBody(status: number, message: string, issues?: Array<{ path: string; message: string }>) {
  return { status, error: REASONS[status] ?? 'Error', message, ...(issues && issues.length > 0 ? { issues } : {}) };
}

/** Fastify's own 4xx errors, in words that name the problem (and never echo a long URL back). */
export function fastifyMessage(err: FastifyError): string {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return `body: ${err.message}`;
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'Content-Type: not supported; send application/json';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'body: larger than the 1 MiB limit';
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return 'path: a path parameter is longer than 500 characters';
    case 'FST_ERR_BAD_URL':
      return 'path: not a valid URL (bad percent-encoding?)';
    default:
      return err.message.length > 300 ? `${err.message.slice(0, 300)}…` : err.message;
  }
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof BadRequestError) return reply.code(400).send(errorBody(400, err.message, err.issues));
    if (err instanceof NotFoundError) return reply.code(404).send(errorBody(404, err.message));
    if (err instanceof ConflictError) return reply.code(409).send(errorBody(409, err.message));
    if (err instanceof ForbiddenError) return reply.code(403).send(errorBody(403, err.message));
    if (err.validation) {
      const issues = err.validation.map((v) => ({
        path: `${err.validationContext ?? 'body'}${v.instancePath.replace(/\//g, '.')}`,
        message: v.message ?? 'invalid',
      }));
      return reply.code(400).send(errorBody(400, issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues));
    }
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500 && isDatabaseUnavailable(err)) {
      // Not a bug: the database is down or restarting (GET /health says so too). Clients and Slack may retry.
      req.log.warn({ err: (err as Error).message }, 'request failed: database unavailable');
      return reply.code(503).header('retry-after', '5').send(errorBody(503, 'the database is unavailable; try again shortly (GET /health shows when it is back)'));
    }
    if (status === 500) {
      req.log.error({ err }, 'request failed');
      return reply.code(500).send(errorBody(500, 'internal error; see the service log'));
    }
    return reply.code(status).send(errorBody(status, fastifyMessage(err)));
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send(errorBody(404, `no route for ${req.method} ${req.url.split('?')[0]}`));
  });
}
