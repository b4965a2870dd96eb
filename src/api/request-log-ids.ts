/**
 * Log lines of requests that act on one execution (`/pipelines/:id...`) carry its `executionId` (and `stageId` for
 * `/pipelines/:id/stages/:stageId...`), the same field names the engine and the notifications use (see
 * `engine/log-fields.ts`): Fastify's "request completed" line and anything a route logs through `req.log`.
 */
import type { FastifyInstance } from 'fastify';

/** Routes whose `:id` is an execution id (not `/pipelines/:app/:name`, whose first parameter is an application). */
function isExecutionRoute(url: string | undefined): boolean {
  return url !== undefined && /^\/pipelines\/:id(\/|$)/.test(url);
}

export function installRequestLogIds(app: FastifyInstance): void {
  app.addHook('preHandler', async (req, reply) => {
    if (!isExecutionRoute(req.routeOptions.url)) return;
    const params = req.params as { id?: string; stageId?: string };
    if (typeof params.id !== 'string') return;
    const log = req.log.child({ executionId: params.id, ...(typeof params.stageId === 'string' ? { stageId: params.stageId } : {}) });
    req.log = log;
    reply.log = log;
  });
}
