/**
 * Puts the service together from a Config: the store, the engine, the notification dispatcher (with the Slack
 * delivery handlers when Slack is enabled), the Slack interaction processor and the HTTP API.
 */
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import type { Config } from './config/index.js';
import { SECRET_LOG_PATHS } from './config/index.js';
import { Store } from './store/index.js';
import { Engine } from './engine/engine.js';
import { NotificationDispatcher } from './notifications/dispatcher.js';
import { slackDeliveryHandlers } from './notifications/slack-delivery.js';
import { SlackApi } from './slack/client.js';
import { PermissionPolicy } from './auth/permissions.js';
import { SlackInteractionProcessor } from './interactions/slack-interactions.js';
import { buildApp } from './api/app.js';
import { RoleResolver } from './interactions/roles.js';
import type { SocketModeTransport } from './slack/socket-mode.js';
import { checkInteraction } from './interactions/check.js';
import { CronScheduler } from './triggers/cron-scheduler.js';
import { ServiceMetrics } from './metrics/index.js';
import { assertBindAllowed, startupWarnings } from './auth/bind.js';
import { forbidWebhookHeader } from './engine/stages/webhook/config.js';
import { NetworkGuard } from './engine/stages/webhook/guard.js';
import type { AddressInfo } from 'node:net';
import { SlackSandbox } from './slack/sandbox/sandbox.js';
import { SANDBOX_PREFIX } from './slack/sandbox/routes.js';
import { SLACK_BOT_SCOPES, SLACK_USER_GROUPS_SCOPE } from './slack/manifest.js';
import { ManagedDelivery } from './managed/delivery.js';
import { managedSlackDeliveryHandlers } from './managed/slack-delivery.js';

export interface Service {
  config: Config;
  store: Store;
  engine: Engine;
  app: FastifyInstance;
  logger: Logger;
  /** This instance's metrics (its own prom-client registry), served at `GET /metrics`. */
  metrics: ServiceMetrics;
  /** Managed delivery: delivery configs, versions, environment promotion (`/managed/...`). */
  managed: ManagedDelivery;
  /** The address the server listens on, e.g. http://127.0.0.1:8084 (after `start`). */
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A pino logger that never prints tokens or signing secrets (redacted by path). */
export function createLogger(level: Config['logging']['level'], destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: SECRET_LOG_PATHS, censor: '***' } }, destination);
}

/**
 * Opens the database and wires everything; nothing runs until `start()`.
 * @throws StoreError when the database cannot be opened; BindRefusedError when `server.host` is not loopback and
 *   nobody would have to authenticate (see `assertBindAllowed`).
 */
export async function createService(
  config: Config,
  opts: {
    logger?: Logger;
    /** Where the built web UI is (default `dist/ui` of the package); tests point at a build. */
    uiDir?: string;
    /** Epoch ms clock of managed delivery's constraints (timeouts, allowed-times); tests pass a fake. */
    managedClock?: () => number;
  } = {},
): Promise<Service> {
  assertBindAllowed(config);
  const logger = opts.logger ?? createLogger(config.logging.level);
  const store = await Store.open(config.database.url);
  const metrics = new ServiceMetrics({ store });
  // slack.mode sandbox: the Web API calls go to the sandbox on this service's own port (known once it listens), so
  // the real client, callback and signature paths all run; slack.enabled: false never gets here (see Config).
  const sandbox =
    config.slack.mode === 'sandbox'
      ? new SlackSandbox({
          signingSecret: config.slack.signingSecret,
          scopes: config.authz.slackUserGroups ? [...SLACK_BOT_SCOPES, SLACK_USER_GROUPS_SCOPE] : SLACK_BOT_SCOPES,
        })
      : null;
  for (const warning of startupWarnings(config)) logger.warn(warning);
  forbidWebhookHeader(config.auth.trustedHeader);
  if (sandbox && store.dialect === 'postgres') {
    logger.warn('the Slack sandbox keeps its messages in this process: with several replicas on this PostgreSQL database each would show only its own; use real Slack for a replicated setup');
  }
  let selfUrl = '';
  const slack = sandbox
    ? new SlackApi({
        token: sandbox.token,
        baseUrl: () => {
          // Asked at the first call; a call before the server listens fails (retryably) instead of caching a bad URL.
          if (selfUrl === '') throw new Error('the Slack sandbox is not listening yet');
          return `${selfUrl}${SANDBOX_PREFIX}`;
        },
        logger,
        onCall: metrics.slackCall,
      })
    : config.slack.enabled && config.slack.token
      ? new SlackApi({ token: config.slack.token, baseUrl: config.slack.baseUrl, logger, onCall: metrics.slackCall, responseUrlHosts: config.slack.responseUrlHosts })
      : null;
  let dispatcher: NotificationDispatcher | null = null;
  let managed: ManagedDelivery | null = null;
  // Events published after a commit: wake this replica's dispatcher, and tell the other replicas (PostgreSQL).
  // database.leaseMs: queue messages hold it (renewed), deliveries twice it, Slack clicks half.
  const leaseMs = config.database.leaseMs;
  const engine = new Engine({
    store,
    logger,
    // The pipeline stage's permission check: roles of the parent's trigger user from its token entries and authz.roles.
    childAccess: {
      policy: new PermissionPolicy(config.auth),
      rolesFor: async (user) => {
        const fromTokens = config.auth.tokens.filter((t) => t.user.toLowerCase() === user.toLowerCase()).flatMap((t) => t.roles ?? []);
        return [...new Set([...fromTokens, ...(await roles.rolesFor(user))])];
      },
    },
    leaseMs,
    onPublished: () => {
      dispatcher?.wake();
      store.notifyWork('outbox');
      // An execution may have ended: a managed deploy may now be CURRENT (or failed).
      managed?.wake();
    },
    // Work queued by a trigger, judgment or control: the other replicas hear of it too.
    onQueued: () => store.notifyWork('queue'),
    observer: metrics.engineObserver,
    network: new NetworkGuard(config.webhook),
  });
  dispatcher = new NotificationDispatcher({
    store,
    logger,
    leaseMs: 2 * leaseMs,
    handlers: slack
      ? {
          ...slackDeliveryHandlers({ store, slack, publicUrl: config.server.publicUrl, logger, botName: config.slack.botName }),
          ...managedSlackDeliveryHandlers({ store, slack, publicUrl: config.server.publicUrl, logger }),
        }
      : {},
    missingHandlerReason: (kind) => (kind.startsWith('slack.') ? 'slack is not enabled (slack.enabled: false)' : `no handler for ${kind}`),
  });
  managed = new ManagedDelivery({
    store,
    engine,
    logger,
    clock: opts.managedClock,
    slackEnabled: Boolean(slack),
    onOutbox: () => {
      dispatcher?.wake();
      store.notifyWork('outbox');
    },
    // Other replicas evaluate on their next poll or their own wake-ups; the queue channel wakes them sooner.
    onRequested: () => store.notifyWork('queue'),
  });
  const roles = new RoleResolver({
    roles: config.authz.roles,
    slack,
    slackUserGroups: config.authz.slackUserGroups,
    cacheMs: config.authz.userGroupCacheMs,
    logger,
    // Sandbox clicks made as a logged-in caller act with that caller's roles (token, login groups).
    ...(sandbox ? { extraRoles: (slackUserId: string) => sandbox.rolesOf(slackUserId) } : {}),
  });
  // A click recorded on this replica wakes this replica's processor and, on PostgreSQL, the others.
  const interactions = slack
    ? new SlackInteractionProcessor({
        store,
        engine,
        slack,
        roles,
        permissions: new PermissionPolicy(config.auth),
        logger,
        leaseMs: Math.floor(leaseMs / 2),
        onRecorded: () => store.notifyWork('interactions'),
        managed,
      })
    : null;
  const app = buildApp({
    store,
    engine,
    logger,
    roles,
    // With Socket Mode, interactions arrive over the WebSocket; the HTTP callback stays off unless a signing secret is set.
    // The sandbox signs its clicks with its own secret (the configured one, or one made up at start).
    signingSecret: sandbox ? sandbox.signingSecret : config.slack.enabled ? config.slack.signingSecret : null,
    interactions,
    metrics,
    auth: config.auth,
    ...(opts.uiDir !== undefined ? { uiDir: opts.uiDir } : {}),
    publicUrl: config.server.publicUrl,
    sandbox,
    sandboxOff:
      config.slack.mode === 'slack'
        ? 'the Slack sandbox is off: slack.mode is slack (a bot token is configured); set slack.mode: sandbox to use it'
        : 'the Slack sandbox is off',
    selfUrl: () => selfUrl,
    slackSettings: {
      mode: sandbox ? 'sandbox' : slack ? 'slack' : 'off',
      slack,
      manifest: {
        appName: 'SlackOps',
        displayName: config.slack.botName,
        publicUrl: config.server.publicUrl,
        socketMode: config.slack.socketMode,
        userGroups: config.authz.slackUserGroups,
      },
    },
    managed,
  });
  const cron = new CronScheduler({ store, engine, logger });
  let socket: SocketModeTransport | null = null;
  const service: Service = {
    config,
    store,
    engine,
    app,
    logger,
    metrics,
    managed,
    url: '',
    async start() {
      service.url = await app.listen({ host: config.server.host, port: config.server.port });
      selfUrl = loopbackUrl(app.server.address() as AddressInfo);
      try {
        if (interactions && !sandbox && config.slack.socketMode && config.slack.appToken) {
          // Loaded only when Socket Mode is on: most services never need it, and it adds to start-up time.
          const { startSocketMode } = await import('./slack/socket-mode.js');
          socket = await startSocketMode({
            appToken: config.slack.appToken,
            baseUrl: config.slack.baseUrl,
            logger,
            onInteraction: async (payload) => {
              let checked: ReturnType<typeof checkInteraction>;
              try {
                checked = checkInteraction(payload);
              } catch (err) {
                logger.warn({ err: (err as Error).message }, 'malformed Slack interaction over Socket Mode; ignored');
                return;
              }
              if (checked === 'record') await interactions.record(payload);
              else logger.info({ reason: checked.ignored }, 'Slack interaction ignored');
            },
          });
        }
      } catch (err) {
        await app.close();
        throw err;
      }
      // Work another replica committed (PostgreSQL NOTIFY) wakes the matching loop here at once; on SQLite, never called.
      await store.onWork((kind) => {
        if (kind === 'queue') {
          engine.wakeLocal();
          managed!.wake();
        } else if (kind === 'outbox') {
          dispatcher!.wake();
          managed!.wake();
        }
        else interactions?.wake();
      });
      engine.start();
      dispatcher!.start();
      interactions?.start();
      cron.start();
      managed!.start();
      logger.info(
        { url: service.url, publicUrl: config.server.publicUrl, database: store.description, slack: sandbox ? 'sandbox' : Boolean(slack), socketMode: Boolean(socket) },
        sandbox ? `slackops started; Slack is the built-in sandbox: ${config.server.publicUrl}/#/slack-sandbox` : 'slackops started',
      );
    },
    async stop() {
      await socket?.stop();
      await app.close();
      await cron.stop();
      await managed!.stop();
      await interactions?.stop();
      await dispatcher!.stop();
      await engine.stop();
      await store.close();
    },
  };
  return service;
}

/**
 * How this process reaches its own server: the listening address, with 0.0.0.0 / :: (all interfaces) replaced by
 * the loopback address of the same family.
 */
function loopbackUrl(addr: AddressInfo): string {
  const v6 = addr.family === 'IPv6' || addr.family === (6 as unknown as string);
  let host = addr.address;
  if (host === '0.0.0.0') host = '127.0.0.1';
  else if (host === '::') host = '::1';
  return v6 && host.includes(':') ? `http://[${host}]:${addr.port}` : `http://${host}:${addr.port}`;
}
