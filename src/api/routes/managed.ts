/**
 * Managed delivery on Gate's `/managed` paths (keel's API, the parts built so far):
 * - `POST /managed/delivery-configs` submit a delivery config (JSON, or YAML with `Content-Type:
 *   application/x-yaml`, `application/yaml` or `text/yaml`) → 200 with the stored config;
 *   `GET /managed/delivery-configs/{name}`
 * - `POST /managed/application/{app}/artifacts/{reference}/versions` register a version (CI) → 201, or 200 when it
 *   was registered before (idempotent)
 * - `GET /managed/application/{app}` environments × versions with states
 * - `GET /managed/application/{app}/environment/{env}/constraints` constraint states
 * - `POST /managed/application/{app}/environment/{env}/constraint` judge a manual-judgement (`OVERRIDE_PASS` /
 *   `OVERRIDE_FAIL`) as `req.identity` → 200 with the state; 409 naming who decided first; 403 without the
 *   constraint's roles
 * - `POST /managed/application/{app}/pin` `{targetEnvironment, reference, version, comment}` → 204;
 *   `DELETE /managed/application/{app}/pin/{env}?reference=` → 204 (404 when not pinned)
 * - `POST /managed/application/{app}/veto` `{targetEnvironment, reference, version, comment}` → 204 (mark as bad)
 *
 * Application permissions (src/auth/permissions.ts) apply as on the pipeline routes: submitting a config needs
 * WRITE on its application; reading a config, the application view and constraint states needs READ; registering
 * a version, judging, pinning, unpinning and vetoing need EXECUTE (checked inside the change's transaction; a
 * judgement also answers to the constraint's own `roles`). A refusal is a 403 naming the authorization and the
 * application. Every change, and every change refused, is recorded in the audit log (src/auth/audit.ts), in the
 * change's transaction; a refusal by permissions after it rolled back.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ManagedDelivery, ManagedTxHooks } from '../../managed/delivery.js';
import type { Config } from '../../config/index.js';
import type { Repositories, Store } from '../../store/index.js';
import type { Authorization } from '../../auth/permissions.js';
import { actor, managedJudgementAudit, type AuditAction, type AuditOutcome } from '../../auth/audit.js';
import { RouteAccess, principal } from './access.js';
import { constraintBody, parseBody, pinBody, readDocument, versionBody } from '../../managed/validate.js';
import { ConflictError, NotFoundError } from '../../engine/errors.js';
import { ForbiddenError } from '../errors.js';

/** Content types a delivery config may be sent as besides JSON. */
export const YAML_CONTENT_TYPES = ['application/x-yaml', 'application/yaml', 'text/yaml'];

/** The path whose body may be YAML (the app's preValidation hook lets its string bodies through). */
export const DELIVERY_CONFIGS_PATH = '/managed/delivery-configs';

/** A refusal by application permissions inside a change's transaction (rolled back, then audited `denied`). */
class PermissionDenied extends ForbiddenError {
  constructor(
    message: string,
    readonly application: string,
    readonly needed: Authorization,
  ) {
    super(message);
  }
}

/**
 * Routes of managed delivery.
 * @param deps.store and deps.auth: application permissions and the audit log; without `store` (or with auth
 *   disabled) every caller may do everything and nothing is checked.
 */
export function managedRoutes(app: FastifyInstance, deps: { managed: ManagedDelivery; store?: Store; auth?: Pick<Config['auth'], 'enabled' | 'adminRoles'> }): void {
  const { managed, store } = deps;
  const access = store ? new RouteAccess(store, deps.auth) : null;
  app.addContentTypeParser(YAML_CONTENT_TYPES, { parseAs: 'string' }, (_req, body, done) => done(null, body));
  // text/plain stays a string everywhere (Fastify's default), except that a delivery config sent as text/plain is
  // told which YAML types are accepted.
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (req, body, done) => {
    if (req.method === 'POST' && req.url.split('?')[0] === DELIVERY_CONFIGS_PATH) {
      done(Object.assign(new Error(`Content-Type: expected application/json or YAML (${YAML_CONTENT_TYPES.join(', ')}), got text/plain`), { statusCode: 415 }), undefined);
      return;
    }
    done(null, body);
  });

  /** 403 unless the caller may READ `application` (a refused read is not audited, as elsewhere). */
  const read = async (req: FastifyRequest, application: string) => {
    if (access) await access.require(req, application, 'READ');
  };

  const entry = (req: FastifyRequest, action: AuditAction, application: string, outcome: AuditOutcome, detail: Record<string, unknown>) => ({
    at: Date.now(),
    ...actor(req.identity),
    action,
    application,
    outcome,
    detail,
  });

  /**
   * Runs a change with the permission check (`needed` on the application, read in the change's transaction) and
   * the audit entry (`detail` of the result, written in the same transaction). A permission refusal rolls the
   * transaction back, is audited `denied` on its own, and answers 403.
   */
  const guarded = async <R, T>(
    req: FastifyRequest,
    action: AuditAction,
    needed: Authorization,
    base: Record<string, unknown>,
    run: (hooks: ManagedTxHooks<R>) => Promise<T>,
    detail: (r: R) => { application?: string; detail: Record<string, unknown> } = () => ({ detail: {} }),
    fallbackApplication = '',
  ): Promise<T> => {
    if (!access || !store) return run({});
    const who = principal(req);
    const hooks: ManagedTxHooks<R> = {
      check: async (tx: Repositories, application: string) => {
        if (!access.policy.enforced) return;
        const why = access.policy.denial(who, application, (await tx.applications.get(application))?.permissions, needed);
        if (why !== null) throw new PermissionDenied(why, application, needed);
      },
      record: async (tx: Repositories, r: R) => {
        const d = detail(r);
        await tx.audit.append(entry(req, action, d.application ?? fallbackApplication, 'ok', { ...base, ...d.detail }));
      },
    };
    try {
      return await run(hooks);
    } catch (err) {
      if (err instanceof PermissionDenied) {
        await store.repos.audit.append(entry(req, action, err.application, 'denied', { ...base, needed: err.needed, message: err.message }));
        req.log.info({ application: err.application, needed: err.needed, user: who.user }, 'refused: application permission missing');
      }
      throw err;
    }
  };

  app.post(DELIVERY_CONFIGS_PATH, async (req) => {
    const doc = readDocument(req.body ?? null);
    return guarded(
      req,
      'managed.config.submit',
      'WRITE',
      {},
      (hooks) => managed.submitConfig(doc, hooks),
      (r: { config: { name: string; application: string }; created: boolean; changed: boolean }) => ({
        application: r.config.application,
        detail: { name: r.config.name, created: r.created, changed: r.changed },
      }),
    );
  });

  app.get<{ Params: { name: string } }>(`${DELIVERY_CONFIGS_PATH}/:name`, async (req) => {
    const config = await managed.getConfig(req.params.name);
    await read(req, config.application);
    return config;
  });

  app.post<{ Params: { app: string; reference: string } }>('/managed/application/:app/artifacts/:reference/versions', async (req, reply) => {
    const b = parseBody(versionBody, req.body);
    const createdAt = b.createdAt === undefined ? undefined : typeof b.createdAt === 'number' ? b.createdAt : Date.parse(b.createdAt);
    const r = await guarded(
      req,
      'managed.version.register',
      'EXECUTE',
      { reference: req.params.reference, version: b.version },
      (hooks) =>
        managed.registerVersion(
          {
            application: req.params.app,
            reference: req.params.reference,
            version: b.version,
            createdAt,
            gitMetadata: b.gitMetadata ?? null,
            buildMetadata: b.buildMetadata ?? null,
          },
          hooks,
        ),
      (x: { created: boolean }) => ({ detail: { created: x.created } }),
      req.params.app,
    );
    return reply.code(r.created ? 201 : 200).send(r.version);
  });

  app.get<{ Params: { app: string } }>('/managed/application/:app', async (req) => {
    await read(req, req.params.app);
    return managed.applicationView(req.params.app);
  });

  app.get<{ Params: { app: string; env: string } }>('/managed/application/:app/environment/:env/constraints', async (req) => {
    await read(req, req.params.app);
    const states = await managed.constraintStates(req.params.app, req.params.env);
    return states.map((s) => ({
      type: s.type,
      environment: s.environment,
      artifactReference: s.artifactReference,
      artifactVersion: s.artifactVersion,
      status: s.status,
      judgedBy: s.judgedBy,
      judgedAt: s.judgedAt,
      comment: s.comment,
      createdAt: s.createdAt,
      ...(s.deadline !== null ? { timeoutAt: s.deadline } : {}),
    }));
  });

  app.post<{ Params: { app: string; env: string } }>('/managed/application/:app/environment/:env/constraint', async (req) => {
    const b = parseBody(constraintBody, req.body);
    const judgement = {
      application: req.params.app,
      environment: req.params.env,
      reference: b.artifactReference,
      version: b.artifactVersion,
      status: b.status,
      comment: b.comment ?? null,
      user: req.identity?.user ?? 'anonymous',
      roles: req.identity?.roles ?? [],
      via: req.identity?.via === 'ui' || req.identity?.via === 'cli' ? req.identity.via : ('api' as const),
      // EXECUTE on the application is checked in the judgement's transaction (one rule for the API and Slack).
      ...(access ? { access: { policy: access.policy, admin: principal(req).admin } } : {}),
    };
    // The attempt, accepted or refused, is audited in the judgement's own transaction.
    const o = await managed.judge(judgement, async (tx, outcome) => {
      if (!store) return;
      const a = managedJudgementAudit(outcome);
      await tx.audit.append(
        entry(req, 'managed.judgement', req.params.app, a.outcome, {
          environment: req.params.env,
          reference: b.artifactReference ?? null,
          version: b.artifactVersion,
          status: b.status,
          ...(b.comment ? { comment: b.comment } : {}),
          ...a.detail,
        }),
      );
    });
    switch (o.outcome) {
      case 'accepted':
        return { ...o.state, deadline: undefined, judgedBySlackUserId: undefined };
      case 'already_judged': {
        const s = o.state;
        const by = s.judgedBy ? ` by ${s.judgedBy}` : '';
        throw new ConflictError(
          s.status === 'FAIL'
            ? `version ${s.artifactVersion} in ${s.environment} is no longer awaiting judgement: ${s.comment ?? 'FAIL'}`
            : `version ${s.artifactVersion} in ${s.environment} was already judged ${s.status}${by}`,
        );
      }
      case 'not_awaiting':
        throw new ConflictError(o.message);
      case 'refused':
        throw new ForbiddenError(o.message);
    }
  });

  app.post<{ Params: { app: string } }>('/managed/application/:app/pin', async (req, reply) => {
    const b = parseBody(pinBody, req.body);
    await guarded(
      req,
      'managed.pin',
      'EXECUTE',
      { environment: b.targetEnvironment, version: b.version, ...(b.comment ? { comment: b.comment } : {}) },
      (hooks) => managed.pin({ application: req.params.app, environment: b.targetEnvironment, reference: b.reference, version: b.version, comment: b.comment ?? null, user: req.identity?.user ?? 'anonymous' }, hooks),
      (x: { reference: string }) => ({ detail: { reference: x.reference } }),
      req.params.app,
    );
    return reply.code(204).send();
  });

  app.delete<{ Params: { app: string; env: string }; Querystring: { reference?: string } }>('/managed/application/:app/pin/:env', async (req, reply) => {
    const reference = typeof req.query.reference === 'string' && req.query.reference !== '' ? req.query.reference : undefined;
    const removed = await guarded(
      req,
      'managed.unpin',
      'EXECUTE',
      { environment: req.params.env, reference: reference ?? null },
      (hooks) => managed.unpin({ application: req.params.app, environment: req.params.env, reference, user: req.identity?.user ?? 'anonymous' }, hooks),
      () => ({ detail: {} }),
      req.params.app,
    );
    if (!removed) {
      throw new NotFoundError(`environment ${req.params.env} of ${req.params.app} is not pinned${reference ? ` for ${reference}` : ''}`);
    }
    return reply.code(204).send();
  });

  app.post<{ Params: { app: string } }>('/managed/application/:app/veto', async (req, reply) => {
    const b = parseBody(pinBody, req.body);
    await guarded(
      req,
      'managed.veto',
      'EXECUTE',
      { environment: b.targetEnvironment, version: b.version, ...(b.comment ? { comment: b.comment } : {}) },
      (hooks) => managed.veto({ application: req.params.app, environment: b.targetEnvironment, reference: b.reference, version: b.version, comment: b.comment ?? null, user: req.identity?.user ?? 'anonymous' }, hooks),
      (x: { reference: string; added: boolean }) => ({ detail: { reference: x.reference, added: x.added } }),
      req.params.app,
    );
    return reply.code(204).send();
  });
}

