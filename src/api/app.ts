/**
 * The Fastify application: Gate's pipeline paths, the Slack callback and health. JSON in and out; the Slack
 * callback's form body is kept raw (as a string) so its signature can be checked on exactly the bytes Slack signed.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Store } from '../store/index.js';
import type { Engine } from '../engine/engine.js';
import type { SlackInteractionProcessor } from '../interactions/slack-interactions.js';
import { installErrorHandler } from './errors.js';
import { pipelineRoutes } from './routes/pipelines.js';
import { slackRoutes } from './routes/slack.js';
import { healthRoutes } from './routes/health.js';

export interface AppDeps {
  store: Store;
  engine: Engine;
  logger: Logger;
  signingSecret: string | null;
  interactions: SlackInteractionProcessor | null;
  /** Largest request body accepted, bytes (default 1 MiB). */
  bodyLimit?: number;
}

export function buildApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.logger,
    bodyLimit: deps.bodyLimit ?? 1024 * 1024,
  }) as unknown as FastifyInstance;
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  installErrorHandler(app);
  healthRoutes(app, deps);
  pipelineRoutes(app, deps);
  slackRoutes(app, { signingSecret: deps.signingSecret, interactions: deps.interactions });
  return app;
}
