/**
 * `GET /health`: 200 `{status: "UP", details: {database: "UP", engine: "UP"}}` once the database answers and the
 * engine runs; 503 `{status: "DOWN", details}` naming the part that is down otherwise. The database check gives up
 * after {@link HEALTH_DB_TIMEOUT_MS}, so the answer comes promptly during an outage (load balancers time out).
 */
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../store/index.js';
import type { Engine } from '../../engine/engine.js';

/** How long `GET /health` waits for the database to answer `select 1` before reporting it DOWN (ms). */
export const HEALTH_DB_TIMEOUT_MS = 2_000;

export function healthRoutes(app: FastifyInstance, deps: { store: Store; engine: Engine }): void {
  app.get('/health', { config: { auth: 'none' } }, async (_req, reply) => {
    const database = await deps.store.ping(HEALTH_DB_TIMEOUT_MS);
    const engine = deps.engine.running;
    const up = database && engine;
    return reply.code(up ? 200 : 503).send({
      status: up ? 'UP' : 'DOWN',
      details: { database: database ? 'UP' : 'DOWN', engine: engine ? 'UP' : 'DOWN' },
    });
  });
}
