/**
 * `GET /metrics`: the service's metrics in the Prometheus text exposition format (see `src/metrics/` for what each
 * metric means). Also times every answer of the Slack callback (`POST /notifications/callbacks/slack`) for
 * `slackops_slack_callback_duration_seconds`, from the request's arrival to the end of the answer (Fastify's
 * `reply.elapsedTime`, ms), whatever the answer (200, 400, 401, ...).
 *
 * The endpoint needs no authentication of its own and shows no secrets, ids or names; bind to loopback or let the
 * proxy in front decide who may scrape it, as for the rest of the API.
 */
import type { FastifyInstance } from 'fastify';
import type { ServiceMetrics } from '../../metrics/index.js';

/** The Slack callback's route, whose handling time is measured. */
export const SLACK_CALLBACK_ROUTE = '/notifications/callbacks/slack';

export function metricsRoutes(app: FastifyInstance, deps: { metrics: ServiceMetrics }): void {
  app.addHook('onResponse', async (req, reply) => {
    if (req.routeOptions.url === SLACK_CALLBACK_ROUTE) deps.metrics.callbackAnswered(reply.statusCode, reply.elapsedTime / 1000);
  });
  app.get('/metrics', async (_req, reply) => {
    const text = await deps.metrics.scrape();
    return reply.code(200).header('content-type', deps.metrics.contentType).header('cache-control', 'no-store').send(text);
  });
}
