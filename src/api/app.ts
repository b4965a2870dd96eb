/**
 * The Fastify application: Gate's pipeline paths, the Slack callback and health, the web UI, applications, the Slack
 * preview and settings, and the Slack sandbox (when it runs). JSON in and out; the Slack
 * callback's form body is kept raw (as a string) so its signature can be checked on exactly the bytes Slack signed.
 */
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import helmet from '@fastify/helmet';
import type { Config } from '../config/index.js';
import { installAuth } from '../auth/identity.js';
import { createSessions, oidcRoutes } from '../auth/oidc.js';
import type { Logger } from 'pino';
import type { Store } from '../store/index.js';
import type { Engine } from '../engine/engine.js';
import type { SlackInteractionProcessor } from '../interactions/slack-interactions.js';
import { errorBody, fastifyMessage, installErrorHandler } from './errors.js';
import type { RoleResolver } from '../interactions/roles.js';
import { pipelineRoutes } from './routes/pipelines.js';
import { slackRoutes } from './routes/slack.js';
import { healthRoutes } from './routes/health.js';
import { uiRoutes } from './routes/ui.js';
import { webhookRoutes } from './routes/webhooks.js';
import { metricsRoutes } from './routes/metrics.js';
import { installRequestLogIds } from './request-log-ids.js';
import type { ServiceMetrics } from '../metrics/index.js';
import { applicationRoutes } from './routes/applications.js';
import { previewRoutes } from './routes/preview.js';
import { settingsRoutes, type SettingsRouteDeps } from './routes/settings.js';
import { sandboxRoutes, SANDBOX_PREFIX } from '../slack/sandbox/routes.js';
import type { SlackSandbox } from '../slack/sandbox/sandbox.js';
import type { ManagedDelivery } from '../managed/delivery.js';
import { DELIVERY_CONFIGS_PATH, YAML_CONTENT_TYPES, managedRoutes } from './routes/managed.js';

export interface AppDeps {
  store: Store;
  engine: Engine;
  logger: Logger;
  signingSecret: string | null;
  interactions: SlackInteractionProcessor | null;
  roles: RoleResolver;
  /** Largest request body accepted, bytes (default 1 MiB). */
  bodyLimit?: number;
  /** The service's metrics: served at `GET /metrics` (absent: no such route). */
  metrics?: ServiceMetrics;
  /** Who may call (see `src/auth/identity.ts`); default: auth disabled, `X-SPINNAKER-USER` from anyone. */
  auth?: Config['auth'];
  /** Where the built web UI is (default `dist/ui` of the package). */
  uiDir?: string;
  /** Links in previews (`server.publicUrl`). Default `http://localhost`. */
  publicUrl?: string;
  /** The Slack sandbox when it runs (`slack.mode: sandbox`), null or absent when off; `sandboxOff` says why. */
  sandbox?: SlackSandbox | null;
  sandboxOff?: string;
  /** This service's own loopback URL, known once it listens (the sandbox posts clicks to it). */
  selfUrl?: () => string;
  /** For `GET /settings/slack`; absent → the route answers mode `off`. */
  slackSettings?: Omit<SettingsRouteDeps, 'store'>;
  /** Managed delivery (`/managed/...` routes); absent: no such routes. */
  managed?: ManagedDelivery | null;
}

/** Auth settings when none are given: disabled, Gate's header believed from anyone (as before authentication). */
const NO_AUTH: Config['auth'] = {
  enabled: false,
  allowUnauthenticated: false,
  tokens: [],
  trustedHeader: 'X-SPINNAKER-USER',
  trustedProxies: [],
  adminRoles: [],
  oidc: null,
  sessionSecret: null,
  sessionTtlMs: 12 * 3_600_000,
};

/**
 * Content-Security-Policy for everything served, the web UI included: scripts, styles, images, fonts and API calls
 * from this origin only; no inline scripts or styles (a UI bundle must be same-origin files), no plugins, no
 * framing (clickjacking on the Approve button), forms and `<base>` to this origin only.
 */
export const CONTENT_SECURITY_POLICY = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    fontSrc: ["'self'"],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
};

/** Deepest JSON nesting accepted in a request body (pipeline configs are a handful of levels deep). */
export const MAX_JSON_DEPTH = 64;

/**
 * The path (`body.stages[0].name`) of the first string (or object key) holding a NUL character (U+0000), or null.
 * PostgreSQL cannot store NUL in text or jsonb, so such bodies are refused with a 400 instead of failing at the
 * database with a 500. Iterative: no recursion to overflow.
 */
export function nulPath(value: unknown): string | null {
  const stack: Array<[unknown, string]> = [[value, 'body']];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return path;
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}[${i}]`]);
      continue;
    }
    for (const [k, child] of Object.entries(v as Record<string, unknown>).reverse()) {
      const at = `${path}.${k.replaceAll('\u0000', '\\u0000')}`;
      if (k.includes('\u0000')) return at;
      stack.push([child, at]);
    }
  }
  return null;
}

/** True when `value` nests objects/arrays deeper than `max` levels. Iterative: no recursion to overflow. */
export function tooDeep(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) return true;
    for (const child of Object.values(v as Record<string, unknown>)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

export function buildApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.logger,
    bodyLimit: deps.bodyLimit ?? 1024 * 1024,
    routerOptions: { maxParamLength: 500 },
    // Errors Fastify raises before routing (bad URL, over-long parameter) get our error shape too.
    frameworkErrors: (err, _req, reply) => {
      const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400;
      void (reply as unknown as { code(n: number): { send(b: unknown): unknown } }).code(status).send(errorBody(status, fastifyMessage(err as FastifyError)));
    },
  }) as unknown as FastifyInstance;
  // Security headers on every answer (helmet's defaults: nosniff, frame denial, HSTS, no referrer leaks, ...).
  void app.register(helmet, { contentSecurityPolicy: CONTENT_SECURITY_POLICY });
  // Web UI login (OpenID Connect) and its sessions, when auth.oidc is configured.
  const auth = deps.auth ?? NO_AUTH;
  const sessions = createSessions(auth, deps.publicUrl ?? 'http://localhost', deps.logger);
  installAuth(app, { auth, roles: deps.roles, sessions });
  if (sessions && auth.oidc) oidcRoutes(app, { oidc: auth.oidc, sessions, publicUrl: deps.publicUrl ?? 'http://localhost' });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  installErrorHandler(app);
  // Bodies other than the Slack callback's are JSON: name a wrong Content-Type instead of failing on the shape, and
  // refuse absurdly deep nesting before anything serialises it again.
  app.addHook('preValidation', async (req, reply) => {
    // The sandbox's Web API emulation takes form bodies as Slack's Web API does.
    if (req.body === undefined || req.url.startsWith('/notifications/callbacks/slack') || req.url.startsWith(`${SANDBOX_PREFIX}/api/`)) return;
    const type = String(req.headers['content-type'] ?? '(none)').split(';')[0]!.trim().toLowerCase();
    // A delivery config may also be YAML (keel's spinnaker.yml).
    const yamlOk = req.method === 'POST' && req.url.split('?')[0] === DELIVERY_CONFIGS_PATH && YAML_CONTENT_TYPES.includes(type);
    if (typeof req.body === 'string' && type !== 'application/json' && !yamlOk) {
      return reply.code(415).send(errorBody(415, `Content-Type: expected application/json, got ${type}`));
    }
    if (tooDeep(req.body, MAX_JSON_DEPTH)) {
      return reply.code(400).send(errorBody(400, `body: nested deeper than ${MAX_JSON_DEPTH} levels`));
    }
    const nul = nulPath(req.body);
    if (nul !== null) {
      return reply.code(400).send(errorBody(400, `${nul}: contains a NUL character (\\u0000), which cannot be stored`, [{ path: nul, message: 'contains a NUL character (\\u0000)' }]));
    }
  });
  installRequestLogIds(app);
  if (deps.metrics) metricsRoutes(app, { metrics: deps.metrics });
  healthRoutes(app, deps);
  uiRoutes(app, deps.uiDir !== undefined ? { dir: deps.uiDir } : {});
  pipelineRoutes(app, deps);
  applicationRoutes(app, deps);
  webhookRoutes(app, deps);
  slackRoutes(app, { signingSecret: deps.signingSecret, interactions: deps.interactions });
  previewRoutes(app, { publicUrl: deps.publicUrl ?? 'http://localhost' });
  settingsRoutes(app, {
    store: deps.store,
    ...(deps.slackSettings ?? {
      mode: 'off',
      slack: null,
      manifest: { appName: 'SlackOps', displayName: 'slackops', publicUrl: deps.publicUrl ?? 'http://localhost', socketMode: false, userGroups: false },
    }),
  });
  sandboxRoutes(app, { sandbox: deps.sandbox ?? null, selfUrl: deps.selfUrl ?? (() => ''), authEnabled: auth.enabled, ...(deps.sandboxOff !== undefined ? { offReason: deps.sandboxOff } : {}) });
  if (deps.managed) managedRoutes(app, { managed: deps.managed, store: deps.store, auth });
  return app;
}
