/**
 * `GET /audit?application=&since=&limit=`: the audit log (src/auth/audit.ts for the entry fields), newest first.
 * - `application`: only that application's entries; 403 without READ on it.
 * - `since`: entries at or after it; epoch ms or an ISO 8601 time (`2026-11-29T15:00:00Z`).
 * - `limit`: 1 to 1000, default 100.
 * Without `application`, entries of applications the caller may not READ are left out (admins, and everyone with
 * auth disabled, see all). An extension: Spinnaker has no such endpoint.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config/index.js';
import type { Store } from '../../store/index.js';
import { BadRequestError } from '../../engine/errors.js';
import { RouteAccess } from './access.js';

function bad(path: string, message: string): never {
  throw new BadRequestError(`${path}: ${message}`, [{ path, message }]);
}

function one(v: string | string[] | undefined, path: string): string | undefined {
  if (Array.isArray(v)) bad(path, 'given more than once');
  return v;
}

/** Parses `since`: epoch ms (digits) or an ISO 8601 date/time. */
export function parseSince(v: string): number {
  if (/^\d{1,15}$/.test(v)) return Number(v);
  if (/^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v)) {
    const t = Date.parse(v);
    if (Number.isFinite(t)) return t;
  }
  return bad('query.since', `expected epoch milliseconds or an ISO 8601 time such as 2026-11-29T15:00:00Z, got "${v.slice(0, 40)}"`);
}

export function auditRoutes(app: FastifyInstance, deps: { store: Store; auth?: Pick<Config['auth'], 'enabled' | 'adminRoles'> }): void {
  const access = new RouteAccess(deps.store, deps.auth);
  app.get<{ Querystring: Record<string, string | string[] | undefined> }>('/audit', async (req) => {
    const application = one(req.query.application, 'query.application');
    const sinceText = one(req.query.since, 'query.since');
    const limitText = one(req.query.limit, 'query.limit');
    const unknown = Object.keys(req.query).filter((k) => !['application', 'since', 'limit'].includes(k));
    if (unknown.length > 0) bad(`query.${unknown[0]}`, 'unknown parameter; expected application, since or limit');
    let limit = 100;
    if (limitText !== undefined) {
      if (!/^\d{1,4}$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > 1000) bad('query.limit', 'expected a whole number from 1 to 1000');
      limit = Number(limitText);
    }
    const since = sinceText !== undefined && sinceText !== '' ? parseSince(sinceText) : undefined;
    if (application !== undefined && application !== '') {
      await access.require(req, application, 'READ');
      return deps.store.repos.audit.list({ application, ...(since !== undefined ? { since } : {}), limit });
    }
    const hidden = await access.unreadable(req);
    return deps.store.repos.audit.list({ hidden, ...(since !== undefined ? { since } : {}), limit });
  });
}
