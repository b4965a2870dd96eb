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
 */
import type { FastifyInstance } from 'fastify';
import type { ManagedDelivery } from '../../managed/delivery.js';
import { constraintBody, parseBody, pinBody, readDocument, versionBody } from '../../managed/validate.js';
import { ConflictError, NotFoundError } from '../../engine/errors.js';
import { ForbiddenError } from '../errors.js';

/** Content types a delivery config may be sent as besides JSON. */
export const YAML_CONTENT_TYPES = ['application/x-yaml', 'application/yaml', 'text/yaml'];

/** The path whose body may be YAML (the app's preValidation hook lets its string bodies through). */
export const DELIVERY_CONFIGS_PATH = '/managed/delivery-configs';

export function managedRoutes(app: FastifyInstance, deps: { managed: ManagedDelivery }): void {
  const { managed } = deps;
  app.addContentTypeParser(YAML_CONTENT_TYPES, { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.post(DELIVERY_CONFIGS_PATH, async (req) => managed.submitConfig(readDocument(req.body ?? null)));

  app.get<{ Params: { name: string } }>(`${DELIVERY_CONFIGS_PATH}/:name`, async (req) => managed.getConfig(req.params.name));

  app.post<{ Params: { app: string; reference: string } }>('/managed/application/:app/artifacts/:reference/versions', async (req, reply) => {
    const b = parseBody(versionBody, req.body);
    const createdAt = b.createdAt === undefined ? undefined : typeof b.createdAt === 'number' ? b.createdAt : Date.parse(b.createdAt);
    const r = await managed.registerVersion({
      application: req.params.app,
      reference: req.params.reference,
      version: b.version,
      createdAt,
      gitMetadata: b.gitMetadata ?? null,
      buildMetadata: b.buildMetadata ?? null,
    });
    return reply.code(r.created ? 201 : 200).send(r.version);
  });

  app.get<{ Params: { app: string } }>('/managed/application/:app', async (req) => managed.applicationView(req.params.app));

  app.get<{ Params: { app: string; env: string } }>('/managed/application/:app/environment/:env/constraints', async (req) => {
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
    const o = await managed.judge({
      application: req.params.app,
      environment: req.params.env,
      reference: b.artifactReference,
      version: b.artifactVersion,
      status: b.status,
      comment: b.comment ?? null,
      user: req.identity?.user ?? 'anonymous',
      roles: req.identity?.roles ?? [],
      via: req.identity?.via === 'ui' || req.identity?.via === 'cli' ? req.identity.via : 'api',
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
    await managed.pin({ application: req.params.app, environment: b.targetEnvironment, reference: b.reference, version: b.version, comment: b.comment ?? null, user: req.identity?.user ?? 'anonymous' });
    return reply.code(204).send();
  });

  app.delete<{ Params: { app: string; env: string }; Querystring: { reference?: string } }>('/managed/application/:app/pin/:env', async (req, reply) => {
    const reference = typeof req.query.reference === 'string' && req.query.reference !== '' ? req.query.reference : undefined;
    if (!(await managed.unpin({ application: req.params.app, environment: req.params.env, reference, user: req.identity?.user ?? 'anonymous' }))) {
      throw new NotFoundError(`environment ${req.params.env} of ${req.params.app} is not pinned${reference ? ` for ${reference}` : ''}`);
    }
    return reply.code(204).send();
  });

  app.post<{ Params: { app: string } }>('/managed/application/:app/veto', async (req, reply) => {
    const b = parseBody(pinBody, req.body);
    await managed.veto({ application: req.params.app, environment: b.targetEnvironment, reference: b.reference, version: b.version, comment: b.comment ?? null, user: req.identity?.user ?? 'anonymous' });
    return reply.code(204).send();
  });
}
