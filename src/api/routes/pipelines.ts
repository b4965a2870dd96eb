/**
 * Pipeline configs and executions on Spinnaker Gate's paths:
 * - `POST /pipelines` save a config; `DELETE /pipelines/{app}/{name}`
 * - `GET /applications`, `GET /applications/{app}/pipelineConfigs[/{name}]`
 * - `POST /pipelines/{app}/{pipelineNameOrId}` trigger → 202 `{ref: "/pipelines/<executionId>"}`
 * - `GET /pipelines/{id}`, `GET /applications/{app}/pipelines?limit=&statuses=`
 * - `PUT /pipelines/{id}/cancel?reason=`, `PATCH /pipelines/{id}/stages/{stageId}` (manual judgment, or
 *   `{skipRemainingWait: true}` on a running wait stage)
 * - `PUT /pipelines/{id}/pause`, `PUT /pipelines/{id}/resume`, `PUT /pipelines/{id}/stages/{stageId}/restart`,
 *   `DELETE /pipelines/{id}` (an ended execution; a running one answers 409: cancel it first, as orca refuses)
 *
 * Who is acting is `req.identity` (src/auth/identity.ts: a bearer token, or Gate's `X-SPINNAKER-USER` from a trusted
 * proxy — from anyone while auth is disabled); "anonymous" when nobody is known.
 *
 * Application permissions (src/auth/permissions.ts): READ to see configs and executions (`GET /applications` leaves
 * out applications the caller may not READ), WRITE to save/delete pipelines and delete executions, EXECUTE to
 * trigger, cancel, pause, resume, restart, skip a wait and judge. A refusal is a 403 naming the authorization and the
 * application. Every change, and every change refused, is recorded in the audit log (src/auth/audit.ts).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Store } from '../../store/index.js';
import type { Engine } from '../../engine/engine.js';
import type { PipelineExecution } from '../../model/execution.js';
import { EXECUTION_STATUSES, type ExecutionStatus } from '../../model/status.js';
import { validatePipelineConfig } from '../../engine/validate.js';
import { BadRequestError, ConflictError, NotFoundError } from '../../engine/errors.js';
import { withNotificationErrors } from '../../notifications/judgment-view.js';
import type { RoleResolver } from '../../interactions/roles.js';
import { ForbiddenError } from '../errors.js';
import type { Config } from '../../config/index.js';
import { RouteAccess, principal } from './access.js';
import { deliveryConfigDeployingWith } from '../../managed/delivery.js';
import { actor, judgmentAudit, type AuditAction } from '../../auth/audit.js';
import type { CheckedJudgmentRequest } from '../../engine/judge.js';

export interface RouteDeps {
  store: Store;
  engine: Engine;
  /** Resolves a judge's roles (from `authz.roles`) for the judgment rules. */
  roles: RoleResolver;
  /** Auth settings (`auth.enabled`, `auth.adminRoles`); absent → auth disabled, everything open. */
  auth?: Pick<Config['auth'], 'enabled' | 'adminRoles'>;
}


/** The acting user: the request's identity (see src/auth/identity.ts), "anonymous" when nobody is known. */
export function actingUser(req: FastifyRequest): string {
  return req.identity?.user ?? 'anonymous';
}

/** Execution JSON as Gate returns it (the stored copy of the pipeline config is internal). */
export function executionJson(e: PipelineExecution): Omit<PipelineExecution, 'pipelineConfig'> {
  const { pipelineConfig: _config, ...rest } = e;
  return rest;
}

function parse<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ path: [where, ...i.path.map(String)].join('.'), message: i.message }));
  throw new BadRequestError(issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
}

const triggerBody = z
  .object({
    type: z.string({ error: 'expected a string' }).max(200, 'expected at most 200 characters').optional(),
    user: z.string({ error: 'expected a string' }).max(256, 'expected at most 256 characters').optional(),
    parameters: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()], { error: 'expected a string, number or boolean' }), {
        error: 'expected an object of parameter values',
      })
      .optional(),
  })
  .passthrough()
  .nullable()
  .optional();

const judgmentBody = z.object(
  {
    judgmentStatus: z.enum(['continue', 'stop'], { error: 'expected "continue" or "stop"' }),
    judgmentInput: z.string({ error: 'expected a string' }).max(2000, 'expected at most 2000 characters').nullable().optional(),
    /** Extension: a reason recorded with the judgment (shown in Slack for a rejection). */
    reason: z.string({ error: 'expected a string' }).max(2000, 'expected at most 2000 characters').nullable().optional(),
  },
  { error: 'expected a JSON object {judgmentStatus, judgmentInput?}' },
);

/** The PATCH body that ends a running wait stage now (orca's WaitStage context field). */
const skipWaitBody = z.object(
  { skipRemainingWait: z.literal(true, { error: 'expected true' }) },
  { error: 'expected a JSON object {skipRemainingWait: true}' },
);

/** Whether a PATCH body asks for `skipRemainingWait` rather than a judgment. */
function isSkipWait(body: unknown): boolean {
  return body !== null && typeof body === 'object' && !Array.isArray(body) && 'skipRemainingWait' in body && !('judgmentStatus' in body);
}

const listQuery = z.object({
  limit: z
    .string()
    .regex(/^\d{1,4}$/, 'expected a whole number from 1 to 1000')
    .transform(Number)
    .pipe(z.number().min(1, 'expected 1 or more').max(1000, 'expected at most 1000'))
    .optional(),
  statuses: z.string().optional(),
});

/**
 * With auth enabled, a trigger's `runAsUser` must be the saver's own user unless the saver is an admin: otherwise
 * anyone who may WRITE a pipeline could have it run (and judge, and start other pipelines) in another's name. Our
 * rule, after Fiat's check that the saver may use the service account. An admin's service account stays as it is
 * only when an admin saves again: a colleague editing the pipeline must remove it or ask an admin.
 * @throws ForbiddenError (→ 403) naming `triggers[i].runAsUser`.
 */
function requireOwnRunAsUser(req: FastifyRequest, body: unknown, enabled: boolean): void {
  if (!enabled || req.identity.admin) return;
  const triggers = (body as { triggers?: unknown }).triggers;
  if (!Array.isArray(triggers)) return;
  triggers.forEach((t, i) => {
    const runAs = t && typeof t === 'object' ? (t as { runAsUser?: unknown }).runAsUser : undefined;
    if (typeof runAs !== 'string' || runAs.trim() === '') return;
    if (runAs.trim().toLowerCase() === req.identity.user.toLowerCase()) return;
    throw new ForbiddenError(
      `triggers[${i}].runAsUser: only an admin (auth.adminRoles) may set a runAsUser other than yourself (${req.identity.user}); got ${JSON.stringify(runAs.slice(0, 256))}`,
    );
  });
}

export function pipelineRoutes(app: FastifyInstance, { store, engine, auth }: RouteDeps): void {
  const access = new RouteAccess(store, auth);
  /** Records a change that was made (outside the change's transaction: the engine committed it itself). */
  const record = async (
    req: FastifyRequest,
    action: AuditAction,
    e: { application: string; executionId?: string; stageId?: string },
    detail: Record<string, unknown> = {},
  ) => {
    await store.repos.audit.append({ at: Date.now(), ...actor(req.identity), action, ...e, outcome: 'ok', detail });
  };
  /** The execution, after checking the caller holds `needed` on its application (404 first, then 403). */
  const executionFor = async (req: FastifyRequest, id: string, needed: 'READ' | 'WRITE' | 'EXECUTE', action?: AuditAction, stageId?: string) => {
    const e = await store.repos.executions.get(id);
    if (!e) throw new NotFoundError(`execution ${id} not found`);
    await access.require(req, e.application, needed, action ? { action, executionId: e.id, ...(stageId !== undefined ? { stageId } : {}) } : undefined);
    return e;
  };

  app.post('/pipelines', async (req, reply) => {
    const config = validatePipelineConfig(req.body);
    const now = Date.now();
    await access.require(req, config.application, 'WRITE', { action: 'pipeline.save', detail: { name: config.name } });
    requireOwnRunAsUser(req, req.body, auth?.enabled === true);
    // Moving a pipeline (same id) to another application needs WRITE on the one it leaves too.
    const given = (req.body as { id?: unknown }).id;
    const before = typeof given === 'string' && given !== '' ? await store.repos.pipelines.byId(given) : undefined;
    if (before && before.application !== config.application) {
      await access.require(req, before.application, 'WRITE', { action: 'pipeline.save', detail: { name: before.name, movedTo: config.application } });
    }
    const saved = await store.transaction(async (tx) => {
      const sameName = await tx.pipelines.byName(config.application, config.name);
      const body = req.body as { id?: unknown };
      if (typeof body.id !== 'string' || body.id === '') {
        if (sameName) config.id = sameName.id; // saving the same application+name again updates it
      } else if (sameName && sameName.id !== config.id) {
        throw new BadRequestError(`name: application ${config.application} already has a pipeline named "${config.name}" (id ${sameName.id})`, [
          { path: 'name', message: 'already used by another pipeline of the application' },
        ]);
      }
      config.updateTs = String(now);
      config.lastModifiedBy = actingUser(req);
      await tx.applications.ensure(config.application, now);
      await tx.pipelines.upsert(config, now);
      await tx.audit.append({
        at: now,
        ...actor(req.identity),
        action: 'pipeline.save',
        application: config.application,
        outcome: 'ok',
        detail: { name: config.name, pipelineConfigId: config.id, ...(before && before.application !== config.application ? { movedFrom: before.application } : {}) },
      });
      return config;
    });
    return reply.code(200).send(saved);
  });

  app.get('/applications', async (req) => {
    const hidden = new Set(await access.unreadable(req));
    const apps = (await store.repos.applications.list()).filter((a) => !hidden.has(a.name));
    return apps.map((a) => ({
      name: a.name,
      createTs: String(a.createdAt),
      updateTs: String(a.updatedAt),
      ...(a.description !== null ? { description: a.description } : {}),
      ...(a.email !== null ? { email: a.email } : {}),
    }));
  });

  app.get<{ Params: { app: string } }>('/applications/:app/pipelineConfigs', async (req) => {
    await access.require(req, req.params.app, 'READ');
    return store.repos.pipelines.listByApplication(req.params.app);
  });

  app.get<{ Params: { app: string; name: string } }>('/applications/:app/pipelineConfigs/:name', async (req) => {
    await access.require(req, req.params.app, 'READ');
    const p = await store.repos.pipelines.byName(req.params.app, req.params.name);
    if (!p) throw new NotFoundError(`application ${req.params.app} has no pipeline named "${req.params.name}"`);
    return p;
  });

  app.delete<{ Params: { app: string; name: string } }>('/pipelines/:app/:name', async (req) => {
    const { app: application, name } = req.params;
    await access.require(req, application, 'WRITE', { action: 'pipeline.delete', detail: { name } });
    await store.transaction(async (tx) => {
      // A delivery config's deploy pipeline cannot be deleted from under it (managed delivery would fail every deploy).
      const user = await deliveryConfigDeployingWith(tx, application, name, (await tx.pipelines.byName(application, name))?.id);
      if (user) throw new ConflictError(`pipeline "${name}" deploys environment(s) ${user.environments.join(', ')} of delivery config "${user.config}"; change the delivery config first`);
      const deleted = await tx.pipelines.delete(application, name);
      if (!deleted) throw new NotFoundError(`application ${application} has no pipeline named "${name}"`);
      await tx.audit.append({ at: Date.now(), ...actor(req.identity), action: 'pipeline.delete', application, outcome: 'ok', detail: { name } });
    });
    return { deleted: true };
  });

  app.post<{ Params: { app: string; pipeline: string } }>('/pipelines/:app/:pipeline', async (req, reply) => {
    const { app: application, pipeline } = req.params;
    const body = parse(triggerBody, req.body ?? undefined, 'body') ?? {};
    const byId = await store.repos.pipelines.byId(pipeline);
    const config = byId && byId.application === application ? byId : await store.repos.pipelines.byName(application, pipeline);
    if (!config) throw new NotFoundError(`application ${application} has no pipeline named or with id "${pipeline}"`);
    await access.require(req, config.application, 'EXECUTE', { action: 'pipeline.trigger', detail: { name: config.name, pipelineConfigId: config.id } });
    // Gate puts the authenticated user on the trigger: a known caller wins over the body's `user` (otherwise anyone
    // could name someone else as the triggerer and defeat preventSelfApproval). Only an anonymous caller, possible
    // with auth disabled, may name one.
    const user = req.identity.method !== 'none' ? req.identity.user : (body.user ?? 'anonymous');
    const execution = await engine.trigger(config, { ...body, type: body.type ?? 'manual', user });
    await record(req, 'pipeline.trigger', { application: config.application, executionId: execution.id }, { name: config.name, pipelineConfigId: config.id });
    return reply.code(202).send({ ref: `/pipelines/${execution.id}` });
  });

  app.get<{ Params: { id: string } }>('/pipelines/:id', async (req) => {
    const e = await executionFor(req, req.params.id, 'READ');
    return withNotificationErrors(executionJson(e), await store.repos.outbox.problemsFor(e.id));
  });

  app.get<{ Params: { app: string }; Querystring: Record<string, string> }>('/applications/:app/pipelines', async (req) => {
    await access.require(req, req.params.app, 'READ');
    const q = parse(listQuery, req.query, 'query');
    let statuses: ExecutionStatus[] | undefined;
    if (q.statuses) {
      const list = q.statuses.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
      const bad = list.filter((s) => !(EXECUTION_STATUSES as readonly string[]).includes(s));
      if (bad.length > 0) {
        throw new BadRequestError(`statuses: unknown status ${bad.join(', ')}; expected any of ${EXECUTION_STATUSES.join(', ')}`, [
          { path: 'query.statuses', message: `unknown status ${bad.join(', ')}` },
        ]);
      }
      statuses = list as ExecutionStatus[];
    }
    const list = await store.repos.executions.listByApplication(req.params.app, { limit: q.limit ?? 25, statuses });
    return list.map(executionJson);
  });

  app.put<{ Params: { id: string }; Querystring: { reason?: string | string[] } }>('/pipelines/:id/cancel', async (req) => {
    const given = Array.isArray(req.query.reason) ? req.query.reason.join('; ') : req.query.reason;
    const reason = typeof given === 'string' ? given.slice(0, 1000) : null;
    const before = await executionFor(req, req.params.id, 'EXECUTE', 'execution.cancel');
    await engine.cancel(req.params.id, actingUser(req), reason);
    await record(req, 'execution.cancel', { application: before.application, executionId: before.id }, { reason });
    const e = await store.repos.executions.get(req.params.id);
    return executionJson(e!);
  });

  app.put<{ Params: { id: string } }>('/pipelines/:id/pause', async (req) => {
    const before = await executionFor(req, req.params.id, 'EXECUTE', 'execution.pause');
    const e = await engine.pause(req.params.id, actingUser(req));
    await record(req, 'execution.pause', { application: before.application, executionId: before.id });
    return executionJson(e);
  });

  app.put<{ Params: { id: string } }>('/pipelines/:id/resume', async (req) => {
    const before = await executionFor(req, req.params.id, 'EXECUTE', 'execution.resume');
    const e = await engine.resume(req.params.id, actingUser(req));
    await record(req, 'execution.resume', { application: before.application, executionId: before.id });
    return executionJson(e);
  });

  app.delete<{ Params: { id: string } }>('/pipelines/:id', async (req) => {
    const before = await executionFor(req, req.params.id, 'WRITE', 'execution.delete');
    await engine.deleteExecution(req.params.id);
    await record(req, 'execution.delete', { application: before.application, executionId: before.id }, { name: before.name, status: before.status });
    return { deleted: true };
  });

  app.put<{ Params: { id: string; stageId: string } }>('/pipelines/:id/stages/:stageId/restart', async (req) => {
    const before = await executionFor(req, req.params.id, 'EXECUTE', 'stage.restart', req.params.stageId);
    const e = await engine.restartStage(req.params.id, req.params.stageId, actingUser(req));
    await record(req, 'stage.restart', { application: before.application, executionId: before.id, stageId: req.params.stageId });
    return executionJson(e);
  });

  app.patch<{ Params: { id: string; stageId: string } }>('/pipelines/:id/stages/:stageId', async (req) => {
    const user = actingUser(req);
    if (isSkipWait(req.body)) {
      parse(skipWaitBody, req.body, 'body');
      const before = await executionFor(req, req.params.id, 'EXECUTE', 'stage.skipWait', req.params.stageId);
      const e = await engine.skipRemainingWait(req.params.id, req.params.stageId, user);
      await record(req, 'stage.skipWait', { application: before.application, executionId: before.id, stageId: req.params.stageId });
      return executionJson(e);
    }
    const body = parse(judgmentBody, req.body, 'body');
    const judgment: CheckedJudgmentRequest = {
      executionId: req.params.id,
      stageId: req.params.stageId,
      judgmentStatus: body.judgmentStatus,
      judgmentInput: body.judgmentInput ?? null,
      reason: body.reason ?? null,
      user,
      // The caller's roles: the token entry's plus authz.roles membership (worked out once, by the auth hook).
      roles: req.identity.roles,
      via: req.identity.via,
      // EXECUTE on the application is checked in the judgment's transaction (one rule for every way in).
      access: { policy: access.policy, admin: principal(req).admin },
    };
    // The attempt, accepted or refused, is audited in the judgment's own transaction.
    const outcome = await engine.judge(judgment, async (tx, o) => {
      const stage = o.execution.stages.find((s) => s.id === req.params.stageId || s.refId === req.params.stageId);
      const { outcome: result, detail } = judgmentAudit(o);
      await tx.audit.append({
        at: Date.now(),
        ...actor(req.identity),
        action: 'judgment',
        application: o.execution.application,
        executionId: o.execution.id,
        stageId: stage?.id ?? req.params.stageId,
        outcome: result,
        detail: { judgmentStatus: body.judgmentStatus, judgmentInput: body.judgmentInput ?? null, ...(body.reason ? { comment: body.reason } : {}), ...detail },
      });
    });
    switch (outcome.outcome) {
      case 'accepted':
      case 'approval_recorded':
        return executionJson(outcome.execution);
      case 'already_judged': {
        const d = outcome.decision;
        throw new ConflictError(
          `stage already judged: ${d.judgmentStatus}${d.judgmentInput ? ` (${d.judgmentInput})` : ''} by ${d.user} at ${new Date(d.at).toISOString()}`,
        );
      }
      case 'not_awaiting':
        throw new ConflictError(
          outcome.timedOut ? 'stage is not awaiting judgment: it timed out' : `stage is not awaiting judgment (status ${outcome.stageStatus})`,
        );
      case 'refused':
        if (outcome.reason === 'already_approved') throw new ConflictError(outcome.message);
        throw new ForbiddenError(outcome.message);
    }
  });
}
