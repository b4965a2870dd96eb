/**
 * Echo's webhook endpoint on its own path: `POST /webhooks/webhook/{source}` with a JSON object body starts every
 * enabled pipeline (of any application) with an enabled `{type: "webhook", source}` trigger whose
 * `payloadConstraints` the body satisfies (see `triggers/webhook.ts` for the rules, taken from echo).
 *
 * The answer is echo's `{eventProcessed: true, eventId}` with two extensions: `executions` (what was started, with
 * Gate's `ref`) and `refused` (matching pipelines that could not start, e.g. a required parameter missing). No match
 * is still a 200 with an empty `executions`. A body that is not JSON or not a JSON object is a 400.
 *
 * The execution's trigger is the matched trigger's fields plus `payload` (the whole body), `parameters` (the body's
 * `parameters`, resolved against `parameterConfig`), `eventId`, and `user`: the trigger's `runAsUser` when set, else
 * "anonymous" (the body cannot claim an identity; the endpoint is unauthenticated, as in echo). A webhook trigger
 * needs no application permission (the pipeline's owners chose to accept it by declaring the trigger); each
 * execution started is recorded in the audit log as `pipeline.trigger` via `webhook`, as that user.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../store/index.js';
import type { Engine } from '../../engine/engine.js';
import { BadRequestError, ConflictError } from '../../engine/errors.js';
import { matchingWebhookTrigger } from '../../triggers/webhook.js';

export interface WebhookRouteDeps {
  store: Store;
  engine: Engine;
}

export function webhookRoutes(app: FastifyInstance, { store, engine }: WebhookRouteDeps): void {
  app.post<{ Params: { source: string } }>('/webhooks/webhook/:source', { config: { auth: 'none' } }, async (req, reply) => {
    const { source } = req.params;
    const body = req.body === undefined ? {} : req.body; // no body is an empty event; a JSON null is not an object
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new BadRequestError('body: expected a JSON object', [{ path: 'body', message: 'expected a JSON object' }]);
    }
    const payload = body as Record<string, unknown>;
    const given = payload.parameters;
    if (given !== undefined && given !== null && (typeof given !== 'object' || Array.isArray(given))) {
      throw new BadRequestError('body.parameters: expected an object of parameter values', [
        { path: 'body.parameters', message: 'expected an object of parameter values' },
      ]);
    }
    const eventId = randomUUID();
    const executions: Array<{ application: string; name: string; pipelineConfigId: string; ref: string }> = [];
    const refused: Array<{ application: string; name: string; pipelineConfigId: string; message: string }> = [];
    for (const { config } of await store.repos.triggers.pipelinesWithTriggers()) {
      const trigger = matchingWebhookTrigger(config, source, payload);
      if (!trigger) continue;
      const who = { application: config.application, name: config.name, pipelineConfigId: config.id };
      try {
        const execution = await engine.trigger(config, {
          ...trigger,
          type: 'webhook',
          source,
          user: typeof trigger.runAsUser === 'string' && trigger.runAsUser !== '' ? trigger.runAsUser : 'anonymous',
          payload,
          parameters: (given as Record<string, unknown> | null | undefined) ?? {},
          eventId,
        });
        executions.push({ ...who, ref: `/pipelines/${execution.id}` });
        await store.repos.audit.append({
          at: Date.now(),
          user: execution.trigger.user,
          via: 'webhook',
          action: 'pipeline.trigger',
          application: config.application,
          executionId: execution.id,
          outcome: 'ok',
          detail: { name: config.name, pipelineConfigId: config.id, source, eventId },
        });
      } catch (err) {
        if (!(err instanceof BadRequestError) && !(err instanceof ConflictError)) throw err;
        req.log.warn({ ...who, source, err: err.message }, 'webhook trigger matched but the pipeline cannot start');
        refused.push({ ...who, message: err.message });
      }
    }
    return reply.code(200).send({ eventProcessed: true, eventId, executions, refused });
  });
}
