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
import { SlackInteractionProcessor } from './interactions/slack-interactions.js';
import { buildApp } from './api/app.js';

export interface Service {
  config: Config;
  store: Store;
  engine: Engine;
  app: FastifyInstance;
  logger: Logger;
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
 * @throws StoreError when the database cannot be opened.
 */
export async function createService(config: Config, opts: { logger?: Logger } = {}): Promise<Service> {
  const logger = opts.logger ?? createLogger(config.logging.level);
  const store = await Store.open(config.database.url);
  const slack =
    config.slack.enabled && config.slack.token ? new SlackApi({ token: config.slack.token, baseUrl: config.slack.baseUrl, logger }) : null;
  let dispatcher: NotificationDispatcher | null = null;
  const engine = new Engine({ store, logger, onPublished: () => dispatcher?.wake() });
  dispatcher = new NotificationDispatcher({
    store,
    logger,
    handlers: slack ? slackDeliveryHandlers({ store, slack, publicUrl: config.server.publicUrl, logger }) : {},
    missingHandlerReason: (kind) => (kind.startsWith('slack.') ? 'slack is not enabled (slack.enabled: false)' : `no handler for ${kind}`),
  });
  const interactions = slack ? new SlackInteractionProcessor({ store, engine, slack, logger }) : null;
  const app = buildApp({
    store,
    engine,
    logger,
    signingSecret: config.slack.enabled ? config.slack.signingSecret : null,
    interactions,
  });
  const service: Service = {
    config,
    store,
    engine,
    app,
    logger,
    url: '',
    async start() {
      engine.start();
      dispatcher!.start();
      interactions?.start();
      service.url = await app.listen({ host: config.server.host, port: config.server.port });
      logger.info({ url: service.url, publicUrl: config.server.publicUrl, database: store.description, slack: Boolean(slack) }, 'slackops started');
    },
    async stop() {
      await app.close();
      await interactions?.stop();
      await dispatcher!.stop();
      await engine.stop();
      await store.close();
    },
  };
  return service;
}
