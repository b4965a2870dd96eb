/**
 * A thin wrapper over @slack/web-api's WebClient: the few Web API methods SlackOps calls, with every failure
 * turned into one {@link SlackApiError} that says whether a retry can help.
 *
 * Retries are NOT done here: WebClient runs with `retryConfig: { retries: 0 }` and `rejectRateLimitedCalls: true`,
 * so a rate limit or a 5xx comes straight back and the durable notification outbox decides when to try again
 * (it survives restarts; an in-process retry loop does not). WebClient's own console logging is silenced or
 * routed to our logger. The bot token never appears in an error message or a log line written here.
 *
 * Sources: Slack Web API docs (chat.postMessage, chat.update, chat.postEphemeral, users.info, auth.test,
 * views.open, usergroups.list, usergroups.users.list, rate limits: HTTP 429 with `Retry-After` in seconds; errors
 * as `{ok:false, error}`), "Handling user interaction" (response_url).
 */
import { libraryLogger, safeJson, scrubSecrets } from './library-logger.js';
import { ErrorCode, LogLevel, WebClient, type Logger as SlackLogger } from '@slack/web-api';
import type { MessageRef } from '../model/judgment.js';

/** The logger shape we accept: pino's methods (object first, message second), any subset used here. */
export interface SlackApiLogger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** Slack `ok:false` errors that are worth retrying (Slack's own transient failures). */
export const RETRYABLE_SLACK_ERRORS: ReadonlySet<string> = new Set([
  'ratelimited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

/**
 * A failed Slack call.
 *
 * - `code`: Slack's error string for `ok:false` answers (`not_in_channel`, `invalid_auth`, `channel_not_found`,
 *   ...), `ratelimited` for HTTP 429, `http_<status>` for other HTTP failures, `request_error` for network
 *   errors and timeouts, `invalid_response` for an answer that is not what the method documents.
 * - `retryable`: true for rate limits, HTTP 5xx, network errors and Slack's transient errors
 *   ({@link RETRYABLE_SLACK_ERRORS}); false for everything else (a retry would fail the same way).
 * - `retryAfterMs`: the wait Slack asked for (`Retry-After`, converted to ms) on a rate limit; else null.
 * The message names the method and Slack's error in words; never the token.
 */
export class SlackApiError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly retryAfterMs: number | null;
  /** The Web API method (or `response_url`) that failed. */
  readonly method: string;

  constructor(method: string, code: string, retryable: boolean, retryAfterMs: number | null, detail?: string) {
    super(`Slack ${method} failed: ${code}${detail ? ` (${detail})` : ''}`);
    this.name = 'SlackApiError';
    this.method = method;
    this.code = code;
    this.retryable = retryable;
    this.retryAfterMs = retryAfterMs;
  }
}

/** A Slack user as SlackOps needs it (from users.info). */
export interface SlackUserInfo {
  id: string;
  name: string;
  realName: string | null;
  /** `profile.email`; null without the `users:read.email` scope or for bots. */
  email: string | null;
}

/** A Slack user group (from usergroups.list). */
export interface SlackUserGroup {
  /** The group's id, e.g. `S0614TZR7`. */
  id: string;
  /** The mention handle without '@', e.g. `sre` (what SlackOps compares with judgment roles). */
  handle: string;
  /** The display name, e.g. `Site reliability`; the handle when Slack gives none. */
  name: string;
  /** Member user ids, when the answer included them (`include_users`); null otherwise. */
  users: string[] | null;
}

/** The identity behind the token (from auth.test). */
export interface SlackAuthInfo {
  team: string;
  teamId: string;
  user: string;
  userId: string;
  botId: string | null;
  /** The workspace URL, e.g. https://acme.slack.com/ */
  url: string;
  /** The token's scopes, from the `x-oauth-scopes` header Slack sends with every answer (WebClient's `response_metadata.scopes`); absent when Slack sent none. */
  scopes?: string[];
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Told of every Web API call once it has ended (metrics): `method` is the Web API method or `response_url`; `error`
 * is `ok` or the {@link SlackApiError} code (Slack's error string such as `channel_not_found`, `ratelimited`,
 * `http_<status>`, `request_error`, `invalid_response`). Never given the token, arguments or the response URL.
 */
export type SlackCallHook = (call: { method: string; error: string }) => void;

/**
 * The Slack Web API as SlackOps uses it. One instance per bot token; safe to share. Every method makes exactly
 * one HTTP request (no retries) and rejects only with {@link SlackApiError}.
 */
export class SlackApi {
  private clientInstance: WebClient | null = null;
  private readonly timeoutMs: number;
  private readonly token: string;
  private readonly baseUrlOf: () => string;
  private readonly responseUrlHosts: readonly string[];
  private readonly logger: SlackApiLogger | undefined;
  private readonly onCall: SlackCallHook | undefined;

  /**
   * @param opts.token the bot token (`xoxb-…`), sent as `Authorization: Bearer`.
   * @param opts.baseUrl Slack's origin, e.g. `https://slack.com` (a fake in tests); methods are called at
   *   `${baseUrl}/api/<method>` (WebClient's `slackApiUrl`). A function is asked once, at the first call: the
   *   built-in sandbox lives on this service's own port, known only once it listens.
   * @param opts.timeoutMs per-request timeout in ms (default 10,000); a timeout is a retryable `request_error`.
   * @param opts.logger pino-compatible logger for WebClient's warnings (debug for its chatter); none → silent.
   * @param opts.onCall told of each call's method and outcome once it ended (see {@link SlackCallHook}); its
   *   failures are ignored.
   * @param opts.responseUrlHosts hosts a `response_url` may point at (`slack.responseUrlHosts`; exact names or
   *   `*.suffix`); default `['hooks.slack.com']`, where Slack's response URLs live.
   */
  constructor(opts: {
    token: string;
    baseUrl: string | (() => string);
    timeoutMs?: number;
    logger?: SlackApiLogger | undefined;
    onCall?: SlackCallHook | undefined;
    responseUrlHosts?: readonly string[];
  }) {
    const baseUrl = opts.baseUrl;
    if (typeof baseUrl === 'string') new URL(baseUrl); // a bad URL fails here, not at the first call
    this.baseUrlOf = typeof baseUrl === 'string' ? () => baseUrl : baseUrl;
    this.responseUrlHosts = (opts.responseUrlHosts ?? ['hooks.slack.com']).map((h) => h.toLowerCase());
    this.token = opts.token;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.logger = opts.logger;
    this.onCall = opts.onCall;
  }

  private get baseOrigin(): string {
    return new URL(this.baseUrlOf()).origin;
  }

  private get client(): WebClient {
    if (this.clientInstance) return this.clientInstance;
    this.clientInstance = new WebClient(this.token, {
      slackApiUrl: `${this.baseUrlOf().replace(/\/+$/, '')}/api/`,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: this.timeoutMs,
      logger: libraryLogger(this.logger, this.token, 'slack-web-api', 500, LogLevel.WARN),
      // Method names never become absolute URLs.
      allowAbsoluteUrls: false,
      // WebClient attaches the original network error (its request config holds the Authorization header);
      // we read only its name/code and never copy it onto SlackApiError.
      attachOriginalToWebAPIRequestError: true,
    });
    return this.clientInstance;
  }

  /**
   * A response_url is only followed when it is https on one of `responseUrlHosts` (Slack sends
   * `https://hooks.slack.com/...`) or on the configured `baseUrl`'s origin (a fake Slack in tests): the URL comes
   * from a payload, and a payload carrying another host must not make this service call into its own network.
   */
  private isSlackResponseUrl(url: string): boolean {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return false;
    }
    if (u.origin === this.baseOrigin) return true;
    if (u.protocol !== 'https:' || u.username !== '' || u.password !== '') return false;
    const host = u.hostname.toLowerCase();
    return this.responseUrlHosts.some((h) => (h.startsWith('*.') ? host.endsWith(h.slice(1)) : host === h));
  }

  /**
   * chat.postMessage. A leading `#` on a channel name is stripped (Slack takes ids or bare names).
   * @param msg.text fallback text (required by Slack for notifications); `blocks` Block Kit layout;
   *   `threadTs` posts as a reply in that thread.
   * @returns the message's channel id (as Slack answers it, even when a name was given) and `ts`.
   * @throws SlackApiError (e.g. `not_in_channel`, `channel_not_found`, `invalid_blocks`, `ratelimited`).
   */
  async postMessage(channel: string, msg: { text: string; blocks?: unknown[]; threadTs?: string }): Promise<MessageRef> {
    const args: Record<string, unknown> = {
      channel: stripHash(channel),
      text: msg.text,
      unfurl_links: false,
      unfurl_media: false,
    };
    if (msg.blocks !== undefined) args.blocks = msg.blocks;
    if (msg.threadTs !== undefined) args.thread_ts = msg.threadTs;
    const res = await this.call('chat.postMessage', args);
    const ch = res.channel;
    const ts = res.ts;
    if (typeof ch !== 'string' || typeof ts !== 'string') {
      throw new SlackApiError('chat.postMessage', 'invalid_response', false, null, 'no channel or ts in the answer');
    }
    return { channel: ch, ts };
  }

  /**
   * chat.update: replaces the text and blocks of a message this bot posted. `ref.channel` must be the channel id
   * returned by postMessage (chat.update does not take names).
   * @throws SlackApiError (e.g. `message_not_found`, `cant_update_message`, `edit_window_closed`).
   */
  async updateMessage(ref: MessageRef, msg: { text: string; blocks?: unknown[] }): Promise<void> {
    const args: Record<string, unknown> = { channel: stripHash(ref.channel), ts: ref.ts, text: msg.text };
    if (msg.blocks !== undefined) args.blocks = msg.blocks;
    await this.call('chat.update', args);
  }

  /**
   * chat.postEphemeral: a message only `user` sees, in `channel` (optionally in a thread).
   * @throws SlackApiError (e.g. `user_not_in_channel`, `not_in_channel`).
   */
  async postEphemeral(channel: string, user: string, text: string, threadTs?: string): Promise<void> {
    const args: Record<string, unknown> = { channel: stripHash(channel), user, text };
    if (threadTs !== undefined) args.thread_ts = threadTs;
    await this.call('chat.postEphemeral', args);
  }

  /**
   * POSTs JSON to an interaction's `response_url` (no token needed; the URL is the credential, valid 30
   * minutes for a few uses). `response_type: 'ephemeral'` shows it to the clicker only; `replace_original`
   * replaces the clicked message.
   * @throws SlackApiError with method `response_url`: `http_<status>` or Slack's error word from the body
   *   (e.g. `expired_url`, `used_url`), retryable on 5xx/429/network errors. The URL is never in the message.
   */
  async respond(
    responseUrl: string,
    body: { text: string; response_type?: 'ephemeral'; replace_original?: boolean },
  ): Promise<void> {
    try {
      await this.respondOnce(responseUrl, body);
      this.report('response_url', 'ok');
    } catch (err) {
      this.report('response_url', err instanceof SlackApiError ? err.code : 'request_error');
      throw err;
    }
  }

  private async respondOnce(responseUrl: string, body: { text: string; response_type?: 'ephemeral'; replace_original?: boolean }): Promise<void> {
    const method = 'response_url';
    if (!this.isSlackResponseUrl(responseUrl)) {
      throw new SlackApiError(method, 'untrusted_response_url', false, null, 'response_url is not a Slack URL; not posting to it');
    }
    let res: Response;
    try {
      res = await fetch(responseUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'error',
      });
    } catch (err) {
      throw new SlackApiError(method, 'request_error', true, null, describeNetworkError(err));
    }
    const text = await res.text().catch(() => '');
    let slackError: string | null = null;
    try {
      const json: unknown = JSON.parse(text);
      if (isRecord(json) && json.ok === false) slackError = typeof json.error === 'string' ? json.error : 'unknown_error';
    } catch {
      const word = text.trim();
      if (!res.ok && /^[a-z_]{1,64}$/.test(word)) slackError = word;
    }
    if (res.status === 429) {
      throw new SlackApiError(method, 'ratelimited', true, retryAfterMs(res.headers.get('retry-after')), 'rate limited');
    }
    if (res.status >= 500) throw new SlackApiError(method, `http_${res.status}`, true, null, slackError ?? undefined);
    if (!res.ok) {
      throw new SlackApiError(method, slackError ?? `http_${res.status}`, false, null, `HTTP ${res.status}`);
    }
    if (slackError) throw new SlackApiError(method, slackError, RETRYABLE_SLACK_ERRORS.has(slackError), null);
  }

  /**
   * users.info: who a Slack user is. Needs `users:read`; the email needs `users:read.email`.
   * @returns id, name (handle), real name (`real_name` or `profile.real_name`), email (`profile.email`); empty
   *   strings become null.
   * @throws SlackApiError (e.g. `user_not_found`, `missing_scope`).
   */
  async userInfo(userId: string): Promise<SlackUserInfo> {
    const res = await this.call('users.info', { user: userId });
    const user = isRecord(res.user) ? res.user : null;
    if (!user || typeof user.id !== 'string') {
      throw new SlackApiError('users.info', 'invalid_response', false, null, 'no user in the answer');
    }
    const profile = isRecord(user.profile) ? user.profile : {};
    return {
      id: user.id,
      name: nonEmpty(user.name) ?? user.id,
      realName: nonEmpty(user.real_name) ?? nonEmpty(profile.real_name),
      email: nonEmpty(profile.email),
    };
  }

  /**
   * views.open: opens a modal for the person whose interaction gave `triggerId` (Slack's trigger ids expire 3
   * seconds after the interaction and can be exchanged once). No scope needed.
   * @param triggerId the `trigger_id` of a block_actions (or other) interaction payload.
   * @param view a modal view object (e.g. `rejectReasonModal(...)`); sent JSON-encoded.
   * @returns the opened view's id (`view.id`, e.g. `V0123ABC`).
   * @throws SlackApiError (e.g. `expired_trigger_id`, `exchanged_trigger_id`, `invalid_trigger_id`,
   *   `invalid_arguments` for a view Slack refuses, `view_too_large`; `invalid_response` when no view id comes back).
   */
  async openView(triggerId: string, view: object): Promise<{ viewId: string }> {
    const res = await this.call('views.open', { trigger_id: triggerId, view });
    const opened = isRecord(res.view) ? res.view : null;
    const id = opened ? nonEmpty(opened.id) : null;
    if (id === null) throw new SlackApiError('views.open', 'invalid_response', false, null, 'no view id in the answer');
    return { viewId: id };
  }

  /**
   * usergroups.list: the workspace's enabled user groups (disabled ones are not asked for), with their members
   * (`include_users`). Needs the `usergroups:read` scope.
   * @returns id, handle, name and members of each group, in Slack's order (none in particular); entries without an id or
   *   handle are skipped.
   * @throws SlackApiError (e.g. `missing_scope`, `plan_upgrade_required`; `invalid_response` when the answer has
   *   no `usergroups` array).
   */
  async userGroups(): Promise<SlackUserGroup[]> {
    // include_users: members in the same answer, one call for the whole workspace instead of one per group
    const res = await this.call('usergroups.list', { include_users: true });
    if (!Array.isArray(res.usergroups)) {
      throw new SlackApiError('usergroups.list', 'invalid_response', false, null, 'no usergroups in the answer');
    }
    const out: SlackUserGroup[] = [];
    for (const g of res.usergroups) {
      if (!isRecord(g)) continue;
      const id = nonEmpty(g.id);
      const handle = nonEmpty(g.handle);
      if (id === null || handle === null) continue;
      const users = Array.isArray(g.users) ? g.users.filter((u): u is string => typeof u === 'string' && u !== '') : null;
      out.push({ id, handle, name: nonEmpty(g.name) ?? handle, users });
    }
    return out;
  }

  /**
   * usergroups.users.list: the user ids in a user group (Slack sends this method form-encoded). Needs the
   * `usergroups:read` scope.
   * @param groupId the group's id (`S…`) from {@link userGroups}.
   * @returns Slack user ids (`U…`/`W…`); non-string entries are skipped.
   * @throws SlackApiError (e.g. `no_such_subteam`, `missing_scope`, `plan_upgrade_required`; `invalid_response`
   *   when the answer has no `users` array).
   */
  async userGroupMembers(groupId: string): Promise<string[]> {
    const res = await this.call('usergroups.users.list', { usergroup: groupId });
    if (!Array.isArray(res.users)) {
      throw new SlackApiError('usergroups.users.list', 'invalid_response', false, null, 'no users in the answer');
    }
    return res.users.filter((u): u is string => typeof u === 'string' && u !== '');
  }

  /**
   * auth.test: checks the token and tells which workspace and bot it belongs to.
   * @throws SlackApiError (`invalid_auth`, `not_authed`, `account_inactive`, `token_revoked`, ...).
   */
  async authTest(): Promise<SlackAuthInfo> {
    const res = await this.call('auth.test', {});
    return {
      team: nonEmpty(res.team) ?? '',
      teamId: nonEmpty(res.team_id) ?? '',
      user: nonEmpty(res.user) ?? '',
      userId: nonEmpty(res.user_id) ?? '',
      botId: nonEmpty(res.bot_id),
      url: nonEmpty(res.url) ?? '',
      ...scopesOf(res.response_metadata),
    };
  }

  /** One Web API call; every failure becomes a SlackApiError. */
  private async call(method: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
    try {
      const res = (await this.client.apiCall(method, args)) as unknown;
      this.report(method, 'ok');
      return isRecord(res) ? res : {};
    } catch (err) {
      const mapped = toSlackApiError(method, err, this.token);
      this.report(method, mapped.code);
      this.logger?.debug({ method, code: mapped.code, retryable: mapped.retryable }, 'Slack call failed');
      throw mapped;
    }
  }

  /** Tells the `onCall` hook; a failing hook never fails the call. */
  private report(method: string, error: string): void {
    try {
      this.onCall?.({ method, error });
    } catch {
      /* metrics must not break Slack calls */
    }
  }
}

/**
 * Maps whatever WebClient threw to a {@link SlackApiError} (see its doc for codes and retryability).
 * `token`, when given, is scrubbed from any text copied from the underlying error.
 */
export function toSlackApiError(method: string, err: unknown, token?: string): SlackApiError {
  if (err instanceof SlackApiError) return err;
  const e = isRecord(err) ? err : {};
  switch (e.code) {
    case ErrorCode.RateLimitedError: {
      const sec = typeof e.retryAfter === 'number' && Number.isFinite(e.retryAfter) ? e.retryAfter : null;
      return new SlackApiError(method, 'ratelimited', true, sec === null ? null : sec * 1000, 'rate limited');
    }
    case ErrorCode.PlatformError: {
      const data = isRecord(e.data) ? e.data : {};
      const code = typeof data.error === 'string' && data.error !== '' ? data.error : 'unknown_error';
      const detail = code === 'ratelimited' ? 'rate limited' : describePlatformError(code);
      const retryAfter = isRecord(data.response_metadata) ? data.response_metadata.retryAfter : undefined;
      return new SlackApiError(
        method,
        code,
        RETRYABLE_SLACK_ERRORS.has(code),
        code === 'ratelimited' && typeof retryAfter === 'number' ? retryAfter * 1000 : null,
        detail,
      );
    }
    case ErrorCode.HTTPError: {
      const status = typeof e.statusCode === 'number' ? e.statusCode : 0;
      return new SlackApiError(method, `http_${status}`, status >= 500 || status === 408, null, `HTTP ${status}`);
    }
    case ErrorCode.RequestError: {
      const original = isRecord(e.original) ? e.original : e;
      return new SlackApiError(method, 'request_error', true, null, scrubSecrets(describeNetworkError(original), token));
    }
    default: {
      const message = typeof e.message === 'string' ? e.message : String(err);
      // WebClient's AbortError for a 429 without a usable Retry-After header.
      if (/Retry header did not contain a valid timeout/.test(message)) {
        return new SlackApiError(method, 'ratelimited', true, null, 'rate limited, no Retry-After');
      }
      return new SlackApiError(method, 'request_error', true, null, scrubSecrets(message.slice(0, 200), token));
    }
  }
}

/** A few Slack error strings in words (from the Web API method docs); others are shown as they are. */
function describePlatformError(code: string): string | undefined {
  const words: Record<string, string> = {
    not_in_channel: 'the bot is not in the channel; invite it with /invite',
    channel_not_found: 'no such channel, or the bot cannot see it',
    invalid_auth: 'the token is invalid',
    not_authed: 'no token was sent',
    account_inactive: 'the token belongs to a deleted user or workspace',
    token_revoked: 'the token was revoked',
    missing_scope: 'the token lacks a required scope',
    user_not_found: 'no such user',
    message_not_found: 'no such message',
    cant_update_message: 'this message cannot be updated by the bot',
    invalid_blocks: 'Slack refused the Block Kit blocks',
    msg_too_long: 'the message text is too long',
    expired_trigger_id: 'the trigger_id expired (Slack allows 3 seconds after the click)',
    exchanged_trigger_id: 'the trigger_id was already used',
    invalid_trigger_id: 'the trigger_id is not valid',
    invalid_arguments: 'Slack refused the arguments (e.g. the view)',
    view_too_large: 'the view is larger than Slack allows',
    no_such_subteam: 'no such user group',
    plan_upgrade_required: 'user groups need a paid Slack plan',
  };
  return Object.hasOwn(words, code) ? words[code] : undefined;
}

function stripHash(channel: string): string {
  return channel.startsWith('#') ? channel.slice(1) : channel;
}

function retryAfterMs(header: string | null): number | null {
  if (header === null) return null;
  const sec = Number.parseInt(header, 10);
  return Number.isFinite(sec) && sec >= 0 ? sec * 1000 : null;
}

function describeNetworkError(err: unknown): string {
  if (!isRecord(err) && !(err instanceof Error)) return 'network error';
  const r = err as Record<string, unknown>;
  const name = typeof r.name === 'string' ? r.name : '';
  if (name === 'TimeoutError' || r.code === 'ECONNABORTED' || r.code === 'ETIMEDOUT') return 'timed out';
  const cause = isRecord(r.cause) ? r.cause : null;
  const code = typeof r.code === 'string' ? r.code : cause && typeof cause.code === 'string' ? cause.code : null;
  return code ? `network error ${code}` : 'network error';
}



/** `{scopes}` from WebClient's `response_metadata.scopes` (the `x-oauth-scopes` header), or nothing when absent. */
function scopesOf(meta: unknown): { scopes?: string[] } {
  const scopes = isRecord(meta) ? meta.scopes : undefined;
  return Array.isArray(scopes) ? { scopes: scopes.filter((x): x is string => typeof x === 'string' && x !== '') } : {};
}

function nonEmpty(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
