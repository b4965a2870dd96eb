/**
 * Applications on their own (Deck's "Create Application"), besides the implicit creation when a pipeline is saved:
 * - `PUT /applications/{app}` `{description?, email?, permissions?}` creates the application or updates those fields
 *   (a field left out keeps its value, null or blank clears it) → 201 when created, 200 when updated, with the
 *   application. `permissions` is Fiat's `{READ?: [role], WRITE?: [role], EXECUTE?: [role]}` (null or `{}` clears
 *   them: open to any authenticated user). Creating needs no authorization; changing an existing application
 *   (its permissions included) needs WRITE on it, or an admin. Recorded in the audit log (`application.save`).
 * - `GET /applications/{app}` → `{name, description, email, createTs, updateTs, permissions, authorizations,
 *   pipelines: [pipeline config…]}` (Gate spells times as strings of epoch ms; `authorizations` is what the caller
 *   holds, e.g. `["READ","EXECUTE"]`, as Gate answers Deck); needs READ; 404 when there is neither an application
 *   nor a pipeline of it.
 * `GET /applications` (pipelines.ts) lists these too (those the caller may READ).
 *
 * Names are case-insensitive as in Spinnaker, which keeps them in lower case: `{app}` is lowercased here, so
 * `PUT /applications/CheckOut` updates `checkout` (and a pipeline saved with `"application": "CheckOut"` is saved
 * under `checkout`, engine/validate.ts).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Store, ApplicationRecord } from '../../store/index.js';
import { BadRequestError, ConflictError, NotFoundError } from '../../engine/errors.js';
import type { Config } from '../../config/index.js';
import { RouteAccess } from './access.js';
import { auditRoutes } from './audit.js';
import { actor } from '../../auth/audit.js';

/** Application names: the one rule of src/engine/validate.ts (letters, digits, `.`, `_`, `-`; lower-cased). */
import { APPLICATION_NAME } from '../../engine/validate.js';
export { APPLICATION_NAME };

/** A list of role names under one authorization. */
const roleList = z
  .array(
    z.string({ error: 'expected a role name' }).trim().min(1, 'expected a non-empty role name').max(200, 'expected at most 200 characters'),
    { error: 'expected a list of role names' },
  )
  .max(100, 'expected at most 100 roles')
  .optional();

const body = z
  .object(
    {
      description: z.string({ error: 'expected text' }).max(2000, 'expected at most 2000 characters').nullable().optional(),
      email: z
        .string({ error: 'expected an email address' })
        .max(256, 'expected at most 256 characters')
        .regex(/^[^\s@]+@[^\s@]+$/, 'expected an email address such as team@example.com')
        .nullable()
        .optional(),
      permissions: z
        .object(
          { READ: roleList, WRITE: roleList, EXECUTE: roleList },
          { error: 'expected an object {READ?: [role], WRITE?: [role], EXECUTE?: [role]}' },
        )
        .strict()
        .nullable()
        .optional(),
    },
    { error: 'expected a JSON object {description?, email?, permissions?}' },
  )
  .strict();

function json(a: ApplicationRecord) {
  return {
    name: a.name,
    description: a.description,
    email: a.email,
    createTs: String(a.createdAt),
    updateTs: String(a.updatedAt),
    permissions: a.permissions ?? {},
  };
}

export function applicationRoutes(app: FastifyInstance, deps: { store: Store; auth?: Pick<Config['auth'], 'enabled' | 'adminRoles'> }): void {
  const { store } = deps;
  const access = new RouteAccess(store, deps.auth);
  // The audit log's route lives with the applications it is about (registered here to keep src/api/app.ts as is).
  auditRoutes(app, deps);

  app.put<{ Params: { app: string } }>('/applications/:app', async (req, reply) => {
    const name = req.params.app.toLowerCase();
    if (!APPLICATION_NAME.test(name)) {
      throw new BadRequestError(`application: "${name.slice(0, 100)}" is not a valid name (letters, digits, . _ -; at most 100 characters)`, [
        { path: 'application', message: 'letters, digits, . _ - only, starting with a letter or digit, at most 100 characters' },
      ]);
    }
    // An empty or blank field clears it, as null does (a form's empty input).
    const raw = req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? { ...(req.body as Record<string, unknown>) } : req.body;
    if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
      for (const k of ['description', 'email'] as const) {
        const v = (raw as Record<string, unknown>)[k];
        if (typeof v === 'string' && v.trim() === '') (raw as Record<string, unknown>)[k] = null;
      }
    }
    const parsed = body.safeParse(raw ?? {});
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({
        path: i.path.length > 0 ? i.path.map(String).join('.') : i.code === 'unrecognized_keys' ? (i as { keys?: string[] }).keys?.join(', ') ?? 'body' : 'body',
        message:
          i.code === 'unrecognized_keys'
            ? i.path.length > 0
              ? 'unknown authorization; expected READ, WRITE or EXECUTE'
              : 'unknown field; expected description, email or permissions'
            : i.message,
      }));
      throw new BadRequestError(issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
    }
    // `{}` clears as null does; empty lists are kept as given (an empty READ means: admins only).
    const data = { ...parsed.data };
    if (data.permissions && Object.keys(data.permissions).length === 0) data.permissions = null;
    const existing = await store.repos.applications.get(name);
    if (existing) {
      await access.require(req, name, 'WRITE', { action: 'application.save', detail: changes(data) });
    }
    const now = Date.now();
    const created = await store.transaction(async (tx) => {
      // Creating skips the WRITE check, so it must not silently become an update of one created meanwhile.
      const made = existing ? await tx.applications.put(name, data, now) : await tx.applications.create(name, data, now);
      if (!existing && !made) throw new ConflictError(`application ${name} was created by someone else at the same time; send the change again`);
      await tx.audit.append({
        at: now,
        ...actor(req.identity),
        action: 'application.save',
        application: name,
        outcome: 'ok',
        detail: { created: made, ...changes(data), ...(data.permissions !== undefined && existing ? { previousPermissions: existing.permissions ?? {} } : {}) },
      });
      return made;
    });
    const saved = await store.repos.applications.get(name);
    return reply.code(created ? 201 : 200).send({ ...json(saved!), authorizations: await access.authorizations(req, name) });
  });

  app.get<{ Params: { app: string } }>('/applications/:app', async (req) => {
    const name = req.params.app.toLowerCase();
    await access.require(req, name, 'READ');
    const [record, pipelines] = await Promise.all([store.repos.applications.get(name), store.repos.pipelines.listByApplication(name)]);
    if (!record && pipelines.length === 0) throw new NotFoundError(`no application named "${name.slice(0, 100)}"`);
    const base = record ? json(record) : { name, description: null, email: null, createTs: null, updateTs: null, permissions: {} };
    return { ...base, authorizations: await access.authorizations(req, name), pipelines };
  });
}

/** The fields a PUT changes, for the audit entry (permissions in full: who may do what is the point of the log). */
function changes(data: { description?: string | null; email?: string | null; permissions?: unknown }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ['description', 'email', 'permissions'] as const) if (data[k] !== undefined) out[k] = data[k] ?? null;
  return out;
}
