/**
 * A fake Slack Web API for tests: a real HTTP server on 127.0.0.1 (random port) that answers like Slack for
 * the methods SlackOps calls, records every call, keeps the messages (applying chat.update to them) and can be
 * told to fail the next calls of a method (rate limit, HTTP 500, or an `ok:false` error).
 *
 * Point `SlackApi` at it with `baseUrl: fake.baseUrl` (methods are served at `/api/<method>`). Blocks posted or
 * updated are checked with `checkBlockKitLimits`; a violation is answered `invalid_blocks`, as Slack does.
 * views.open checks the view with `checkModalLimits` (violations → `invalid_arguments`), refuses a trigger_id used
 * before (`exchanged_trigger_id`) or listed in `expiredTriggerIds` (`expired_trigger_id`), and keeps the opened
 * views (`views()`). usergroups.list / usergroups.users.list answer from `opts.userGroups`.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkBlockKitLimits, checkModalLimits } from '../../src/slack/blocks.js';

/** A user the fake knows, keyed by Slack user id in `startFakeSlack({ users })`. */
export interface FakeSlackUser {
  name: string;
  email?: string;
  realName?: string;
}

/** A user group the fake knows, keyed by handle in `startFakeSlack({ userGroups })`. */
export interface FakeSlackUserGroup {
  /** Default: {@link fakeUserGroupId} of the handle. */
  id?: string;
  /** Display name; default the handle. */
  name?: string;
  /** Member user ids. */
  users: string[];
}

/** A modal opened with views.open. */
export interface FakeSlackView {
  /** The view id answered, `V` + digits. */
  id: string;
  /** The `trigger_id` it was opened with. */
  triggerId: string;
  /**
   * The view as views.open answered it: the view sent (`type`, `title`, `blocks`, `callback_id`,
   * `private_metadata`, ...) plus Slack's `id`, `team_id`, `state: {values: {}}`, `hash`, `root_view_id`, ...
   * Pass it to `viewSubmission` / `viewClosed` (test/support/slack-requests.ts).
   */
  view: Record<string, unknown>;
  /** Epoch ms when opened. */
  at: number;
}

/** How the next call(s) of a method fail. */
export type FakeSlackFailure = { status: 429; retryAfterSec: number } | { status: 500 } | { error: string };

/** One request the fake received. `args` are the parsed form or JSON body, `blocks`/`attachments` JSON-decoded. */
export interface FakeSlackCall {
  method: string;
  args: Record<string, unknown>;
  /** Epoch ms when received. */
  at: number;
  /** 'ok', the `error` answered, or `http_<status>` for injected HTTP failures. */
  outcome: string;
}

/** A message as the fake keeps it; `blocks`/`text` reflect the latest chat.update. */
export interface FakeSlackMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[] | undefined;
  attachments: unknown[] | undefined;
  /** Thread parent's ts when posted as a reply. */
  threadTs: string | null;
  /** How many times chat.update changed it. */
  updates: number;
}

/** A post to a `responseUrl()` URL. */
export interface FakeSlackResponse {
  /** The path posted to, e.g. `/response/3`. */
  path: string;
  /** The parsed JSON (or form) body. */
  body: Record<string, unknown>;
  at: number;
}

/** A chat.postEphemeral the fake accepted. */
export interface FakeSlackEphemeral {
  channel: string;
  user: string;
  text: string;
  threadTs: string | null;
  messageTs: string;
}

/** A running fake Slack (see {@link startFakeSlack}); all arrays are live and cleared by `reset()`. */
export interface FakeSlack {
  /** e.g. `http://127.0.0.1:41234` (no trailing slash); the Web API is at `${baseUrl}/api/`. */
  readonly baseUrl: string;
  readonly calls: FakeSlackCall[];
  readonly responses: FakeSlackResponse[];
  readonly ephemerals: FakeSlackEphemeral[];
  /** Calls of one Web API method (e.g. 'chat.postMessage'); 'response_url' for posts to response URLs. */
  callsTo(method: string): FakeSlackCall[];
  /** The next `times` calls of `method` ('response_url' for response URLs) fail as told, before auth checks. */
  failNext(method: string, times: number, failure: FakeSlackFailure): void;
  /** A fresh URL on this server usable as an interaction's response_url; posts to it land in `responses`. */
  responseUrl(): string;
  /** Polls (every 10 ms) until `predicate(calls)` is true; rejects after `timeoutMs` (default 5,000). */
  waitFor(predicate: (calls: FakeSlackCall[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Current state of a message (`channel` is the id the fake answered, or a name it maps to). */
  message(channel: string, ts: string): FakeSlackMessage | undefined;
  /** All messages, in posting order. */
  messages(): FakeSlackMessage[];
  /** Replies posted in a thread, in order. */
  replies(channel: string, threadTs: string): FakeSlackMessage[];
  /** The fake channel id for a name (`demo_alerts`, `#demo_alerts`) — ids are returned as they are. */
  channelId(nameOrId: string): string;
  /** Modals opened with views.open, in order. */
  views(): FakeSlackView[];
  /** The underlying HTTP server (e.g. to attach a WebSocket server for a fake Socket Mode). */
  readonly server: Server;
  /**
   * Answers `method` with `handler(args)` instead of the built-in behaviour (or adds a method the fake does not
   * know). Calls are still recorded, failures injected and the token checked.
   */
  onMethod(method: string, handler: (args: Record<string, unknown>) => Record<string, unknown>): void;
  /** Forgets calls, responses, messages, opened views, used trigger ids and pending failures (users, user groups and token stay). */
  reset(): void;
  close(): Promise<void>;
}

const CHANNEL_ID_RE = /^[CDG][A-Z0-9]{8,}$/;

/** The fake's channel id for a channel name: 'C' + 10 uppercase hex digits of its SHA-1; ids pass through. */
export function fakeChannelId(nameOrId: string): string {
  const bare = nameOrId.startsWith('#') ? nameOrId.slice(1) : nameOrId;
  if (CHANNEL_ID_RE.test(bare)) return bare;
  return `C${createHash('sha1').update(bare.toLowerCase()).digest('hex').slice(0, 10).toUpperCase()}`;
}

/** The fake's user group id for a handle: 'S' + 10 uppercase hex digits of its SHA-1. */
export function fakeUserGroupId(handle: string): string {
  return `S${createHash('sha1').update(`usergroup:${handle}`).digest('hex').slice(0, 10).toUpperCase()}`;
}

/**
 * Starts the fake on 127.0.0.1, port 0.
 * @param opts.users users.info answers, keyed by user id.
 * @param opts.token when given, every Web API call must carry `Authorization: Bearer <token>` (or a `token`
 *   form field); others get `{ok:false, error:'invalid_auth'}`.
 * @param opts.userGroups user groups keyed by handle, for usergroups.list and usergroups.users.list.
 * @param opts.expiredTriggerIds trigger ids views.open answers with `expired_trigger_id`.
 */
export async function startFakeSlack(
  opts: {
    users?: Record<string, FakeSlackUser>;
    token?: string;
    userGroups?: Record<string, FakeSlackUserGroup>;
    expiredTriggerIds?: string[];
  } = {},
): Promise<FakeSlack> {
  const users = opts.users ?? {};
  const userGroups = Object.entries(opts.userGroups ?? {}).map(([handle, g]) => ({
    id: g.id ?? fakeUserGroupId(handle),
    handle,
    name: g.name ?? handle,
    users: [...g.users],
  }));
  const expiredTriggers = new Set(opts.expiredTriggerIds ?? []);
  const usedTriggers = new Set<string>();
  const views: FakeSlackView[] = [];
  let viewSeq = 0;
  const calls: FakeSlackCall[] = [];
  const responses: FakeSlackResponse[] = [];
  const ephemerals: FakeSlackEphemeral[] = [];
  const messages = new Map<string, FakeSlackMessage>();
  const failures = new Map<string, FakeSlackFailure[]>();
  const overrides = new Map<string, (args: Record<string, unknown>) => Record<string, unknown>>();
  let seq = 0;
  let responseSeq = 0;
  let baseUrl = '';

  const nextTs = (): string => `${Math.floor(Date.now() / 1000)}.${String(++seq).padStart(6, '0')}`;
  const key = (channel: string, ts: string): string => `${channel}/${ts}`;

  const takeFailure = (method: string): FakeSlackFailure | undefined => {
    const queue = failures.get(method);
    const f = queue?.shift();
    if (queue && queue.length === 0) failures.delete(method);
    return f;
  };

  const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  };

  /** Writes an injected failure; returns the outcome recorded. */
  const sendFailure = (res: ServerResponse, f: FakeSlackFailure): string => {
    if ('error' in f) {
      sendJson(res, 200, { ok: false, error: f.error });
      return f.error;
    }
    if (f.status === 429) {
      sendJson(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(f.retryAfterSec) });
      return 'http_429';
    }
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end('Internal Server Error');
    return 'http_500';
  };

  const handleMethod = (method: string, args: Record<string, unknown>): Record<string, unknown> => {
    const fail = (error: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
      ok: false,
      error,
      ...extra,
    });
    const blocksError = (): Record<string, unknown> | null => {
      if (args.blocks === undefined) return null;
      const problems = checkBlockKitLimits(args.blocks);
      return problems.length ? fail('invalid_blocks', { response_metadata: { messages: problems } }) : null;
    };
    switch (method) {
      case 'chat.postMessage': {
        if (typeof args.channel !== 'string' || args.channel === '') return fail('channel_not_found');
        const text = typeof args.text === 'string' ? args.text : '';
        if (text === '' && args.blocks === undefined && args.attachments === undefined) return fail('no_text');
        const bad = blocksError();
        if (bad) return bad;
        const channel = fakeChannelId(args.channel);
        const ts = nextTs();
        const threadTs = typeof args.thread_ts === 'string' && args.thread_ts !== '' ? args.thread_ts : null;
        const msg: FakeSlackMessage = {
          channel,
          ts,
          text,
          blocks: Array.isArray(args.blocks) ? args.blocks : undefined,
          attachments: Array.isArray(args.attachments) ? args.attachments : undefined,
          threadTs,
          updates: 0,
        };
        messages.set(key(channel, ts), msg);
        return {
          ok: true,
          channel,
          ts,
          message: {
            type: 'message',
            user: 'U0FAKEBOT',
            bot_id: 'B0FAKEBOT',
            text,
            ts,
            ...(msg.blocks ? { blocks: msg.blocks } : {}),
            ...(threadTs ? { thread_ts: threadTs } : {}),
          },
        };
      }
      case 'chat.update': {
        // Like Slack, chat.update wants the channel id, not a name.
        if (typeof args.channel !== 'string' || !CHANNEL_ID_RE.test(args.channel)) return fail('channel_not_found');
        if (typeof args.ts !== 'string') return fail('message_not_found');
        const msg = messages.get(key(args.channel, args.ts));
        if (!msg) return fail('message_not_found');
        const bad = blocksError();
        if (bad) return bad;
        if (typeof args.text === 'string') msg.text = args.text;
        if (args.blocks !== undefined) msg.blocks = Array.isArray(args.blocks) ? args.blocks : undefined;
        if (args.attachments !== undefined) {
          msg.attachments = Array.isArray(args.attachments) ? args.attachments : undefined;
        }
        msg.updates += 1;
        return { ok: true, channel: msg.channel, ts: msg.ts, text: msg.text };
      }
      case 'chat.postEphemeral': {
        if (typeof args.channel !== 'string' || args.channel === '') return fail('channel_not_found');
        if (typeof args.user !== 'string' || args.user === '') return fail('user_not_found');
        const text = typeof args.text === 'string' ? args.text : '';
        if (text === '' && args.blocks === undefined) return fail('no_text');
        const messageTs = nextTs();
        ephemerals.push({
          channel: fakeChannelId(args.channel),
          user: args.user,
          text,
          threadTs: typeof args.thread_ts === 'string' ? args.thread_ts : null,
          messageTs,
        });
        return { ok: true, message_ts: messageTs };
      }
      case 'users.info': {
        const id = typeof args.user === 'string' ? args.user : '';
        const u = Object.hasOwn(users, id) ? users[id] : undefined;
        if (!u) return fail('user_not_found');
        return {
          ok: true,
          user: {
            id,
            team_id: 'T0FAKE',
            name: u.name,
            deleted: false,
            real_name: u.realName ?? u.name,
            is_bot: false,
            profile: {
              real_name: u.realName ?? u.name,
              display_name: u.name,
              ...(u.email !== undefined ? { email: u.email } : {}),
            },
          },
        };
      }
      case 'views.open': {
        const triggerId = typeof args.trigger_id === 'string' ? args.trigger_id : '';
        if (triggerId === '') return fail('invalid_trigger_id');
        if (expiredTriggers.has(triggerId)) return fail('expired_trigger_id');
        if (usedTriggers.has(triggerId)) return fail('exchanged_trigger_id');
        if (typeof args.view !== 'object' || args.view === null || Array.isArray(args.view)) {
          return fail('invalid_arguments', { response_metadata: { messages: ['[ERROR] view: must be a JSON object'] } });
        }
        const problems = checkModalLimits(args.view);
        if (problems.length) return fail('invalid_arguments', { response_metadata: { messages: problems } });
        usedTriggers.add(triggerId);
        const sent = args.view as Record<string, unknown>;
        const id = `V${String(++viewSeq).padStart(10, '0')}`;
        const view: Record<string, unknown> = {
          team_id: 'T0FAKE',
          type: 'modal',
          blocks: [],
          private_metadata: '',
          callback_id: '',
          external_id: '',
          clear_on_close: false,
          notify_on_close: false,
          ...sent,
          id,
          state: { values: {} },
          hash: `${Math.floor(Date.now() / 1000)}.${id}`,
          previous_view_id: null,
          root_view_id: id,
          app_id: 'A0SLACKOPS',
          app_installed_team_id: 'T0FAKE',
          bot_id: 'B0FAKEBOT',
        };
        views.push({ id, triggerId, view, at: Date.now() });
        return { ok: true, view };
      }
      case 'usergroups.list': {
        const includeUsers = args.include_users === true || args.include_users === 'true';
        return {
          ok: true,
          usergroups: userGroups.map((g) => ({
            id: g.id,
            team_id: 'T0FAKE',
            is_usergroup: true,
            name: g.name,
            description: '',
            handle: g.handle,
            is_external: false,
            date_create: 1_700_000_000,
            date_update: 1_700_000_000,
            date_delete: 0,
            auto_type: null,
            created_by: 'U0FAKEADMIN',
            updated_by: 'U0FAKEADMIN',
            deleted_by: null,
            prefs: { channels: [], groups: [] },
            user_count: String(g.users.length),
            ...(includeUsers ? { users: [...g.users] } : {}),
          })),
        };
      }
      case 'usergroups.users.list': {
        const g = userGroups.find((x) => x.id === args.usergroup);
        if (!g) return fail('no_such_subteam');
        return { ok: true, users: [...g.users] };
      }
      case 'auth.test':
        return {
          ok: true,
          url: 'https://fake-workspace.slack.com/',
          team: 'Fake Workspace',
          user: 'slackops',
          team_id: 'T0FAKE',
          user_id: 'U0FAKEBOT',
          bot_id: 'B0FAKEBOT',
        };
      default:
        return fail('unknown_method');
    }
  };

  const authorized = (req: IncomingMessage, args: Record<string, unknown>): boolean => {
    if (opts.token === undefined) return true;
    const header = req.headers.authorization;
    if (typeof header === 'string' && header === `Bearer ${opts.token}`) return true;
    return args.token === opts.token;
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://fake');
      const args = parseBody(raw, req.headers['content-type']);
      const at = Date.now();

      if (url.pathname.startsWith('/response/')) {
        const call: FakeSlackCall = { method: 'response_url', args, at, outcome: 'ok' };
        calls.push(call);
        const f = takeFailure('response_url');
        if (f) {
          call.outcome = sendFailure(res, f);
          return;
        }
        responses.push({ path: url.pathname, body: args, at });
        sendJson(res, 200, { ok: true });
        return;
      }

      const m = /^\/api\/([A-Za-z0-9_.]+)$/.exec(url.pathname);
      if (!m) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found');
        return;
      }
      const method = m[1] as string;
      const call: FakeSlackCall = { method, args, at, outcome: 'ok' };
      calls.push(call);
      const f = takeFailure(method);
      if (f) {
        call.outcome = sendFailure(res, f);
        return;
      }
      if (!authorized(req, args)) {
        call.outcome = 'invalid_auth';
        sendJson(res, 200, { ok: false, error: 'invalid_auth' });
        return;
      }
      const override = overrides.get(method);
      const answer = override ? override(args) : handleMethod(method, args);
      if (answer.ok !== true) call.outcome = String(answer.error);
      sendJson(res, 200, answer);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;

  const fake: FakeSlack = {
    baseUrl,
    calls,
    responses,
    ephemerals,
    callsTo: (method) => calls.filter((c) => c.method === method),
    failNext: (method, times, failure) => {
      const queue = failures.get(method) ?? [];
      for (let i = 0; i < times; i++) queue.push(failure);
      failures.set(method, queue);
    },
    responseUrl: () => `${baseUrl}/response/${++responseSeq}`,
    waitFor: async (predicate, timeoutMs = 5000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (predicate(calls)) return;
        if (Date.now() > deadline) {
          throw new Error(
            `fake Slack: condition not met within ${timeoutMs} ms; calls so far: ` +
              (calls.map((c) => `${c.method}(${c.outcome})`).join(', ') || 'none'),
          );
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    message: (channel, ts) => messages.get(key(fakeChannelId(channel), ts)),
    messages: () => [...messages.values()],
    replies: (channel, threadTs) =>
      [...messages.values()].filter((m) => m.channel === fakeChannelId(channel) && m.threadTs === threadTs),
    channelId: fakeChannelId,
    views: () => [...views],
    server,
    onMethod: (method, handler) => {
      overrides.set(method, handler);
    },
    reset: () => {
      calls.length = 0;
      responses.length = 0;
      ephemerals.length = 0;
      messages.clear();
      failures.clear();
      views.length = 0;
      usedTriggers.clear();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
  return fake;
}

/** Parses a form-encoded or JSON body into args; `blocks`, `attachments` and `view` given as JSON strings are decoded. */
function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  if (raw === '') return args;
  if (contentType?.includes('application/json')) {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) Object.assign(args, parsed);
    } catch {
      args._unparsable = raw;
    }
  } else {
    for (const [k, v] of new URLSearchParams(raw)) args[k] = v;
  }
  for (const field of ['blocks', 'attachments', 'view']) {
    const v = args[field];
    if (typeof v === 'string') {
      try {
        args[field] = JSON.parse(v);
      } catch {
        // Leave it as sent; checkBlockKitLimits reports a non-array.
      }
    }
  }
  return args;
}
