/** `GET /health`: 200 `{status: "UP"}` once the database answers and the engine runs; 503 with the reason otherwise. */
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../store/index.js';
import type { Engine } from '../../engine/engine.js';

export function healthRoutes(app: FastifyInstance, deps: { store: Store; engine: Engine }): void {
  app.get('/health', { config: { auth: 'none' } }, async (_req, reply) => {
    const database = await deps.store.ping();
    const engine = deps.engine.running;
    const up = database && engine;
    return reply.code(up ? 200 : 503).send({
      status: up ? 'UP' : 'DOWN',
      details: { database: database ? 'UP' : 'DOWN', engine: engine ? 'UP' : 'DOWN' },
    });
  });
}
