/**
 * Applications on their own (Deck's "Create Application"), besides the implicit creation when a pipeline is saved:
 * - `PUT /applications/{app}` `{description?, email?}` creates the application or updates those fields (a field left
 *   out keeps its value, null or blank clears it) → 201 when created, 200 when updated, with the application.
 * - `GET /applications/{app}` → `{name, description, email, createTs, updateTs, pipelines: [pipeline config…]}`
 *   (Gate spells times as strings of epoch ms); 404 when there is neither an application nor a pipeline of it.
 * `GET /applications` (pipelines.ts) lists these too. Permissions are not part of this yet.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Store, ApplicationRecord } from '../../store/index.js';
import { BadRequestError, NotFoundError } from '../../engine/errors.js';

/** Application names: letters, digits, `.`, `_` and `-`, starting with a letter or digit, at most 100 characters. */
export const APPLICATION_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

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
    },
    { error: 'expected a JSON object {description?, email?}' },
  )
  .strict();

function json(a: ApplicationRecord) {
  return { name: a.name, description: a.description, email: a.email, createTs: String(a.createdAt), updateTs: String(a.updatedAt) };
}

export function applicationRoutes(app: FastifyInstance, deps: { store: Store }): void {
  const { store } = deps;

  app.put<{ Params: { app: string } }>('/applications/:app', async (req, reply) => {
    const name = req.params.app;
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
        message: i.code === 'unrecognized_keys' ? 'unknown field; expected description or email' : i.message,
      }));
      throw new BadRequestError(issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
    }
    const created = await store.repos.applications.put(name, parsed.data, Date.now());
    const saved = await store.repos.applications.get(name);
    return reply.code(created ? 201 : 200).send(json(saved!));
  });

  app.get<{ Params: { app: string } }>('/applications/:app', async (req) => {
    const name = req.params.app;
    const [record, pipelines] = await Promise.all([store.repos.applications.get(name), store.repos.pipelines.listByApplication(name)]);
    if (!record && pipelines.length === 0) throw new NotFoundError(`no application named "${name.slice(0, 100)}"`);
    const base = record ? json(record) : { name, description: null, email: null, createTs: null, updateTs: null };
    return { ...base, pipelines };
  });
}
