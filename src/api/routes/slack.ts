/**
 * `POST /notifications/callbacks/slack`: the Interactivity Request URL pasted into the Slack app.
 *
 * Order matters: (1) verify Slack's signature on the raw body before anything else — bad, missing or stale →
 * 401 and nothing changes; (2) parse the payload — malformed but signed → 400; (3) record a judgment click
 * durably; (4) answer 200 with an empty body well inside Slack's 3 seconds. Who clicked and the judgment itself are
 * worked out after the answer, by the interaction processor.
 */
import type { FastifyInstance } from 'fastify';
import { verifySlackRequest, SlackSignatureError } from '../../slack/signature.js';
import { parseInteractionBody, SlackPayloadError } from '../../slack/payload.js';
import { checkInteraction } from '../../interactions/check.js';
import type { SlackInteractionProcessor } from '../../interactions/slack-interactions.js';
import { errorBody } from '../errors.js';

export interface SlackRouteDeps {
  /** Null when Slack is not enabled: the route then answers 404 saying so. */
  signingSecret: string | null;
  interactions: SlackInteractionProcessor | null;
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export function slackRoutes(app: FastifyInstance, deps: SlackRouteDeps): void {
  app.post('/notifications/callbacks/slack', { config: { auth: 'none' } }, async (req, reply) => {
    if (!deps.interactions) {
      return reply.code(404).send(errorBody(404, 'Slack is not enabled on this service (slack.enabled is false)'));
    }
    if (!deps.signingSecret) {
      return reply.code(404).send(errorBody(404, 'the HTTP callback is off: Slack interactions arrive over Socket Mode (no slack.signingSecret set)'));
    }
    const raw = typeof req.body === 'string' ? req.body : Buffer.isBuffer(req.body) ? req.body.toString('utf8') : null;
    if (raw === null) {
      // A JSON or empty body cannot be a signed Slack interaction; still say 401 first if unsigned.
      return reply.code(401).send(errorBody(401, 'Slack signature verification failed: the body is not a form-encoded Slack request'));
    }
    try {
      verifySlackRequest({
        signingSecret: deps.signingSecret,
        signature: header(req.headers['x-slack-signature']),
        timestamp: header(req.headers['x-slack-request-timestamp']),
        rawBody: raw,
      });
    } catch (err) {
      if (err instanceof SlackSignatureError) {
        req.log.warn({ reason: err.reason }, 'refused Slack callback with a bad signature');
        return reply.code(401).send(errorBody(401, `Slack signature verification failed: ${err.message}`));
      }
      throw err;
    }
    let payload: Record<string, unknown>;
    try {
      payload = parseInteractionBody(raw);
      const checked = checkInteraction(payload);
      if (checked !== 'record') {
        req.log.info({ reason: checked.ignored }, 'Slack interaction ignored');
        return reply.code(200).send();
      }
    } catch (err) {
      if (err instanceof SlackPayloadError) return reply.code(400).send(errorBody(400, err.message, [{ path: err.field, message: err.message }]));
      throw err;
    }
    await deps.interactions.record(payload);
    return reply.code(200).send();
  });
}
