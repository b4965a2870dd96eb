/**
 * HTTP face of the Slack sandbox, on the service's own Fastify:
 *
 * - `POST /sandbox/slack/api/<method>`: the Slack Web API emulation the service's own SlackApi (@slack/web-api) is
 *   pointed at (form or JSON body, `Authorization: Bearer <sandbox token>`), answering Slack's JSON.
 * - `POST /sandbox/slack/response/<id>`: the response_url of a sandbox click.
 * - For the `/#/slack-sandbox` page: `GET /sandbox/slack/users`, `GET /sandbox/slack/channels`,
 *   `GET /sandbox/slack/messages?channel=`, `POST /sandbox/slack/actions` `{channel, ts, actionId, userId}` (a click:
 *   a block_actions payload signed with the signing secret and POSTed over HTTP to the service's own
 *   `POST /notifications/callbacks/slack`, exactly as Slack would), `GET /sandbox/slack/views?userId=`,
 *   `POST /sandbox/slack/views/<id>/submit` `{values, userId?}` (a signed view_submission) and
 *   `POST /sandbox/slack/views/<id>/close`.
 *
 * With auth enabled, "click as" is always the logged-in caller: `userId` is ignored, `/users` lists only the
 * caller's sandbox user, views and ephemerals are the caller's. Channel messages are visible to every
 * authenticated user (sandbox messages carry no application, so READ is not checked on them).
 *
 * When the sandbox is off every `/sandbox/slack/...` path answers 404 saying so.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SANDBOX_USERS, sandboxChannelId, type SlackSandbox } from './sandbox.js';
import { blockActionsPayload, SandboxRequestError, signedInteraction, viewInputs, viewSubmissionPayload } from './payloads.js';
import { SLACK_CALLBACK_PATH } from '../manifest.js';

/** Path prefix of everything the sandbox serves. */
export const SANDBOX_PREFIX = '/sandbox/slack';

export interface SandboxRouteDeps {
  /** The sandbox, or null when it is off (`slack.mode: slack`, or `slack.enabled: false`). */
  sandbox: SlackSandbox | null;
  /** Why it is off, for the 404 message. */
  offReason?: string;
  /** This service's own base URL on loopback (e.g. `http://127.0.0.1:8084`), known once it listens. */
  selfUrl: () => string;
  /**
   * `auth.enabled`: then every click and view submit is made as the logged-in caller (a sandbox user standing for
   * their identity, see `SlackSandbox.identityUser`), any `userId` sent is ignored, and `/users` lists only them.
   */
  authEnabled?: boolean;
}

type ErrorSender = (reply: FastifyReply, status: number, message: string, field?: string) => FastifyReply;

const sendError: ErrorSender = (reply, status, message, field) =>
  reply.code(status).send({
    status,
    error: status === 404 ? 'Not Found' : status === 502 ? 'Bad Gateway' : 'Bad Request',
    message: field ? `${field}: ${message}` : message,
    ...(field ? { issues: [{ path: field, message }] } : {}),
  });

/** Decodes a Web API request body (form or JSON) into args; `blocks`, `attachments` and `view` JSON strings are parsed. */
export function webApiArgs(body: unknown): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  if (typeof body === 'string') for (const [k, v] of new URLSearchParams(body)) args[k] = v;
  else if (body && typeof body === 'object' && !Array.isArray(body)) Object.assign(args, body);
  for (const field of ['blocks', 'attachments', 'view']) {
    const v = args[field];
    if (typeof v === 'string') {
      try {
        args[field] = JSON.parse(v);
      } catch {
        /* left as the string: the method answers invalid_blocks / invalid_arguments */
      }
    }
  }
  return args;
}

function str(body: unknown, field: string): string | undefined {
  const v = body && typeof body === 'object' ? (body as Record<string, unknown>)[field] : undefined;
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/** What the service's callback answered to a sandbox interaction. */
interface CallbackAnswer {
  status: number;
  body: unknown;
}

export function sandboxRoutes(app: FastifyInstance, deps: SandboxRouteDeps): void {
  const { sandbox } = deps;
  if (!sandbox) {
    const off = deps.offReason ?? 'the Slack sandbox is off';
    app.all(`${SANDBOX_PREFIX}`, async (_req, reply) => sendError(reply, 404, off));
    app.all(`${SANDBOX_PREFIX}/*`, async (_req, reply) => sendError(reply, 404, off));
    return;
  }

  const userById = (id: string | undefined) => SANDBOX_USERS.find((u) => u.id === id);
  const authEnabled = deps.authEnabled === true;
  /** With auth enabled: the sandbox user of the caller (never someone else); else null. */
  const caller = (req: FastifyRequest) => (authEnabled ? sandbox.identityUser(req.identity.user, req.identity.roles) : null);

  /** POSTs a signed interaction to the service's own callback, as Slack does, and returns its answer. */
  const deliver = async (payload: object): Promise<CallbackAnswer> => {
    const req = signedInteraction(sandbox.signingSecret, payload, Date.now());
    const res = await fetch(`${deps.selfUrl()}${SLACK_CALLBACK_PATH}`, {
      method: 'POST',
      headers: req.headers,
      body: req.body,
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    let body: unknown = text === '' ? null : text;
    try {
      body = text === '' ? null : JSON.parse(text);
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, body };
  };

  // The service's own Slack client calls these two with the sandbox's token (checked here), never an API token.
  app.post<{ Params: { method: string } }>(`${SANDBOX_PREFIX}/api/:method`, { config: { auth: 'none' } }, async (req, reply) => {
    const args = webApiArgs(req.body);
    const auth = Array.isArray(req.headers.authorization) ? req.headers.authorization[0] : req.headers.authorization;
    if (!sandbox.authorized(auth, args)) return reply.code(200).send({ ok: false, error: 'invalid_auth' });
    const answer = sandbox.call(req.params.method, args);
    for (const [k, v] of Object.entries(answer.headers ?? {})) void reply.header(k, v);
    return reply.code(200).send(answer.body);
  });

  app.post<{ Params: { id: string } }>(`${SANDBOX_PREFIX}/response/:id`, { config: { auth: 'none' } }, async (req, reply) => {
    const body = webApiArgs(req.body);
    if (!sandbox.respond(req.params.id, body)) return reply.code(404).send({ ok: false, error: 'no_such_url' });
    return reply.code(200).send({ ok: true });
  });

  app.get(`${SANDBOX_PREFIX}/users`, async (req) => {
    const me = caller(req);
    return me ? { users: [me], asCaller: true } : { users: SANDBOX_USERS, asCaller: false };
  });

  app.get(`${SANDBOX_PREFIX}/channels`, async () => ({ channels: sandbox.listChannels() }));

  app.get<{ Querystring: { channel?: string; userId?: string } }>(`${SANDBOX_PREFIX}/messages`, async (req, reply) => {
    const channel = str(req.query, 'channel');
    if (!channel) return sendError(reply, 400, 'required: a channel name (deploys, #deploys) or id', 'query.channel');
    const id = sandboxChannelId(channel);
    const name = sandbox.listChannels().find((c) => c.id === id)?.name ?? channel.replace(/^#/, '');
    const userId = caller(req)?.id ?? str(req.query, 'userId');
    return {
      channel: { id, name },
      messages: sandbox.channelMessages(id),
      ephemerals: sandbox.channelEphemerals(id).filter((e) => userId === undefined || e.user === userId),
    };
  });

  app.post(`${SANDBOX_PREFIX}/actions`, async (req, reply) => {
    const body = req.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      return sendError(reply, 400, 'expected a JSON object {channel, ts, actionId, userId}', 'body');
    }
    const me = caller(req);
    for (const field of me ? ['channel', 'ts', 'actionId'] : ['channel', 'ts', 'actionId', 'userId']) {
      if (!str(body, field)) return sendError(reply, 400, 'required (a non-empty string)', field);
    }
    // With auth enabled the click is the caller's own, whatever userId says (no judging in someone else's name).
    const user = me ?? userById(str(body, 'userId'));
    if (!user) return sendError(reply, 400, `no sandbox user with that id; one of ${SANDBOX_USERS.map((u) => u.id).join(', ')}`, 'userId');
    const channel = str(body, 'channel')!;
    const message = sandbox.message(channel, str(body, 'ts')!);
    if (!message) return sendError(reply, 404, `no message with that ts in ${channel}`, 'ts');
    const channelName = sandbox.listChannels().find((c) => c.id === message.channel)?.name ?? channel;
    let payload: Record<string, unknown>;
    try {
      payload = blockActionsPayload({
        message,
        channelName,
        actionId: str(body, 'actionId')!,
        user,
        triggerId: sandbox.newTrigger(user.id),
        responseUrl: `${deps.selfUrl()}${SANDBOX_PREFIX}/response/${sandbox.newResponseUrl(message.channel, message.ts, user.id)}`,
        nowMs: Date.now(),
      });
    } catch (err) {
      if (err instanceof SandboxRequestError) return sendError(reply, err.statusCode, err.message, err.field);
      throw err;
    }
    const callback = await deliver(payload).catch((err: Error) => ({ status: 0, body: `could not reach the callback: ${err.message}` }));
    if (callback.status === 0) return sendError(reply, 502, String(callback.body));
    return { delivered: callback.status >= 200 && callback.status < 300, callback };
  });

  app.get<{ Querystring: { userId?: string } }>(`${SANDBOX_PREFIX}/views`, async (req) => {
    const userId = caller(req)?.id ?? str(req.query, 'userId');
    return {
      views: sandbox.openViews(userId).map((v) => ({ id: v.id, userId: v.userId, openedAt: v.openedAt, view: v.view, inputs: viewInputs(v.view) })),
    };
  });

  app.post<{ Params: { id: string } }>(`${SANDBOX_PREFIX}/views/:id/submit`, async (req, reply) => {
    const open = sandbox.view(req.params.id);
    const me = caller(req);
    if (!open || (me && open.userId !== me.id)) return sendError(reply, 404, 'no open view with that id (submitted or closed already?)', 'id');
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body !== 'object' || Array.isArray(body)) return sendError(reply, 400, 'expected a JSON object {values}', 'body');
    const values = body.values ?? {};
    if (typeof values !== 'object' || values === null || Array.isArray(values)) {
      return sendError(reply, 400, 'expected an object {block_id: {action_id: value}}', 'values');
    }
    const user = me ?? (body.userId === undefined ? userById(open.userId) : userById(str(body, 'userId')));
    if (!user) return sendError(reply, 400, 'no sandbox user with that id', 'userId');
    let payload: Record<string, unknown>;
    try {
      payload = viewSubmissionPayload({ view: open.view, user, values: values as Record<string, Record<string, unknown>>, triggerId: sandbox.newTrigger(user.id) });
    } catch (err) {
      if (err instanceof SandboxRequestError) return sendError(reply, err.statusCode, err.message, err.field);
      throw err;
    }
    const callback = await deliver(payload).catch((err: Error) => ({ status: 0, body: `could not reach the callback: ${err.message}` }));
    if (callback.status === 0) return sendError(reply, 502, String(callback.body));
    // Slack closes the modal on an empty 200; `response_action: errors` keeps it open with the errors shown.
    const errors = callback.body && typeof callback.body === 'object' && (callback.body as Record<string, unknown>).response_action === 'errors';
    const closed = callback.status === 200 && !errors;
    if (closed) sandbox.closeView(open.id);
    return { delivered: callback.status >= 200 && callback.status < 300, closed, callback };
  });

  app.post<{ Params: { id: string } }>(`${SANDBOX_PREFIX}/views/:id/close`, async (req, reply) => {
    const open = sandbox.view(req.params.id);
    const me = caller(req);
    if (!open || (me && open.userId !== me.id)) return sendError(reply, 404, 'no open view with that id', 'id');
    // The reject dialog is opened without notify_on_close: Slack sends nothing when it is closed.
    sandbox.closeView(req.params.id);
    return { closed: true };
  });
}
