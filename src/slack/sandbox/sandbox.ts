/**
 * The Slack sandbox: a stand-in for a Slack workspace, built into the service, so that a newcomer sees the whole
 * main job (post a judgment message, click Approve, see it updated) with no Slack workspace. It answers the Slack
 * Web API methods SlackOps calls (chat.postMessage, chat.update, chat.postEphemeral, users.info, views.open,
 * auth.test, usergroups.list, usergroups.users.list) in Slack's wire shapes, and keeps what was posted.
 *
 * Everything is kept IN MEMORY (at most {@link SANDBOX_MAX_ITEMS} of each kind, oldest dropped first): a restart starts with an empty sandbox (executions and judgments themselves are in
 * the database as always; a message posted before a restart is simply gone from the sandbox, and an update of it
 * answers `message_not_found`, as Slack does for a deleted message).
 *
 * Slack's behaviour mirrored (from the Web API method docs): channel names resolve to ids (`C…`); chat.update
 * needs the id; Block Kit is checked with the limits Slack enforces (`invalid_blocks`); a trigger_id opens one
 * view (`exchanged_trigger_id`); unknown users answer `user_not_found`; a wrong token answers `invalid_auth`.
 * Not mirrored: rate limits, the 3-second trigger_id expiry (a loaded machine would fail it spuriously), membership
 * (the bot is in every channel).
 */
import { createHash, randomBytes } from 'node:crypto';
import { checkBlockKitLimits, checkModalLimits } from '../blocks.js';

/** A person of the sandbox workspace (what users.info answers). */
export interface SandboxUser {
  id: string;
  name: string;
  realName: string;
  /** null shows what happens when Slack gives no email (no `users:read.email`). */
  email: string | null;
  /**
   * For a sandbox user standing for a logged-in caller: the roles that caller held at their last sandbox request
   * (token roles, login groups, `authz.roles`), so their clicks are judged with the roles they act with elsewhere.
   */
  roles?: readonly string[];
}

/** The sandbox's people: "you", and two others so roles and several approvers can be shown. */
export const SANDBOX_USERS: readonly SandboxUser[] = [
  { id: 'U0SANDBOXYOU', name: 'you', realName: 'You', email: 'you@example.com' },
  { id: 'U0SANDBOXALICE', name: 'alice', realName: 'Alice (deployer)', email: 'alice@example.com' },
  { id: 'U0SANDBOXBOB', name: 'bob', realName: 'Bob', email: 'bob@example.com' },
];

/** The sandbox's one user group (used when `authz.slackUserGroups` is on): handle `deployers`, with you and alice. */
export const SANDBOX_USER_GROUPS = [{ id: 'S0SANDBOXDEP', handle: 'deployers', name: 'Deployers', users: ['U0SANDBOXYOU', 'U0SANDBOXALICE'] }] as const;

export const SANDBOX_TEAM = { id: 'T0SANDBOX', domain: 'sandbox', name: 'SlackOps Sandbox' } as const;
export const SANDBOX_BOT = { userId: 'U0SANDBOXBOT', botId: 'B0SANDBOXBOT', appId: 'A0SANDBOX' } as const;

/** A message as the sandbox keeps it: its current text and blocks after every chat.update. */
export interface SandboxMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[] | null;
  /** Parent's ts for a thread reply; null for a top-level message. */
  threadTs: string | null;
  /** How many times chat.update (or a `replace_original` response) changed it. */
  updates: number;
  /** Epoch ms of the post and of the latest change. */
  postedAt: number;
  updatedAt: number;
}

/** A message only one person sees (chat.postEphemeral, or an `ephemeral` response_url answer). */
export interface SandboxEphemeral {
  channel: string;
  user: string;
  text: string;
  threadTs: string | null;
  /** The message whose button was clicked, for an answer through its response_url (shown under it); else null. */
  nearTs: string | null;
  ts: string;
  at: number;
}

/** A modal opened with views.open, until submitted or closed. */
export interface SandboxView {
  id: string;
  /** Who it is open for (the user of the interaction whose trigger_id opened it). */
  userId: string;
  /** The view as views.open answered it (the view sent plus Slack's id, state, hash, …). */
  view: Record<string, unknown>;
  openedAt: number;
}

/** What a sandbox Web API method answers: Slack's JSON and, for auth.test, the `x-oauth-scopes` header. */
export interface SandboxAnswer {
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

const CHANNEL_ID_RE = /^[CDG][A-Z0-9]{8,}$/;

/**
 * Most messages (and, separately, ephemeral messages, trigger ids, response URLs and views) kept; the oldest go
 * first. The sandbox is for trying things, so memory stays bounded however long the service runs.
 */
export const SANDBOX_MAX_ITEMS = 2000;

/** Drops the oldest entries (Maps keep insertion order) beyond {@link SANDBOX_MAX_ITEMS}. */
function trim<K, V>(m: Map<K, V>): void {
  for (const k of m.keys()) {
    if (m.size <= SANDBOX_MAX_ITEMS) return;
    m.delete(k);
  }
}

/** The sandbox's channel id for a name (`deploys`, `#deploys`): `C` + 10 hex digits of its SHA-1; ids pass through. */
export function sandboxChannelId(nameOrId: string): string {
  const bare = nameOrId.startsWith('#') ? nameOrId.slice(1) : nameOrId;
  if (CHANNEL_ID_RE.test(bare)) return bare;
  return `C${createHash('sha1').update(bare.toLowerCase()).digest('hex').slice(0, 10).toUpperCase()}`;
}

/**
 * One sandbox workspace. Its token and signing secret are made up at construction (the signing secret is the
 * configured one when given), so nothing outside the service can post into it or sign clicks for it.
 */
export class SlackSandbox {
  /** The bot token the service's SlackApi sends (`xoxb-sandbox-…`); the sandbox refuses other tokens. */
  readonly token: string;
  /** Signs the interactions the sandbox sends to the service's callback. */
  readonly signingSecret: string;
  /** Scopes auth.test reports (`x-oauth-scopes`), as the manifest asks for them. */
  readonly scopes: readonly string[];
  private readonly channels = new Map<string, { id: string; name: string; createdAt: number }>();
  private readonly messages = new Map<string, SandboxMessage>();
  private readonly ephemerals: SandboxEphemeral[] = [];
  private readonly views = new Map<string, SandboxView>();
  private readonly triggers = new Map<string, { userId: string; used: boolean }>();
  private readonly responseUrls = new Map<string, { channel: string; ts: string; userId: string }>();
  /** Sandbox users made for logged-in callers (auth enabled), by id; see {@link identityUser}. */
  private readonly identityUsers = new Map<string, SandboxUser>();
  private seq = 0;
  private readonly clock: () => number;

  constructor(opts: { signingSecret?: string | null; scopes: readonly string[]; clock?: () => number }) {
    this.token = `xoxb-sandbox-${randomBytes(12).toString('hex')}`;
    this.signingSecret = opts.signingSecret ?? randomBytes(32).toString('hex');
    this.scopes = [...opts.scopes];
    this.clock = opts.clock ?? Date.now;
  }

  /**
   * The sandbox user standing for an authenticated caller (used when auth is enabled, so that a sandbox click is
   * always made as the caller): id `U0SBX` + 10 hex digits of the SHA-1 of the lowercased user, users.info answers
   * `user` as the profile email, so the callback judges as exactly that identity. Made on first use, kept in memory.
   */
  identityUser(user: string, roles: readonly string[] = []): SandboxUser {
    const id = `U0SBX${createHash('sha1').update(user.toLowerCase()).digest('hex').slice(0, 10).toUpperCase()}`;
    let u = this.identityUsers.get(id);
    if (!u) {
      u = { id, name: user.split('@')[0] || user, realName: user, email: user };
      this.identityUsers.set(id, u);
      trim(this.identityUsers);
    }
    // Roles as of this request: a token or login with other roles next time acts with those.
    u.roles = [...roles];
    return u;
  }

  /**
   * The roles a caller's sandbox user carries (see {@link identityUser}); empty for the fixed sandbox users and for
   * unknown ids. The service's RoleResolver adds them to a sandbox clicker's roles.
   */
  rolesOf(id: string): readonly string[] {
    return this.identityUsers.get(id)?.roles ?? [];
  }

  /** A sandbox user by id: the fixed ones or one made by {@link identityUser}; undefined when unknown. */
  user(id: string | undefined): SandboxUser | undefined {
    if (id === undefined) return undefined;
    return SANDBOX_USERS.find((u) => u.id === id) ?? this.identityUsers.get(id);
  }

  /** A new ts, unique in the sandbox: `<epoch seconds>.<6-digit sequence>`. */
  private nextTs(): string {
    this.seq += 1;
    return `${Math.floor(this.clock() / 1000)}.${String(this.seq % 1_000_000).padStart(6, '0')}`;
  }

  private channel(nameOrId: string): string {
    const id = sandboxChannelId(nameOrId);
    if (!this.channels.has(id)) {
      const bare = nameOrId.startsWith('#') ? nameOrId.slice(1) : nameOrId;
      this.channels.set(id, { id, name: CHANNEL_ID_RE.test(bare) ? id : bare.toLowerCase(), createdAt: this.clock() });
    }
    return id;
  }

  /** True when `authorization` (`Bearer …`) or a `token` form field carries this sandbox's token. */
  authorized(authorization: string | undefined, args: Record<string, unknown>): boolean {
    return authorization === `Bearer ${this.token}` || args.token === this.token;
  }

  /**
   * Answers one Web API call as Slack would. `args` are the decoded form (or JSON) fields, with `blocks` and
   * `view` already JSON-decoded. Never throws: unknown methods answer `unknown_method`.
   */
  call(method: string, args: Record<string, unknown>): SandboxAnswer {
    const fail = (error: string, extra: Record<string, unknown> = {}): SandboxAnswer => ({ body: { ok: false, error, ...extra } });
    const blocksProblem = (): SandboxAnswer | null => {
      if (args.blocks === undefined) return null;
      const problems = checkBlockKitLimits(args.blocks);
      return problems.length > 0 ? fail('invalid_blocks', { response_metadata: { messages: problems } }) : null;
    };
    const now = this.clock();
    switch (method) {
      case 'auth.test':
        return {
          body: {
            ok: true,
            url: `https://${SANDBOX_TEAM.domain}.slack.invalid/`,
            team: SANDBOX_TEAM.name,
            user: 'slackops',
            team_id: SANDBOX_TEAM.id,
            user_id: SANDBOX_BOT.userId,
            bot_id: SANDBOX_BOT.botId,
          },
          headers: { 'x-oauth-scopes': this.scopes.join(',') },
        };
      case 'chat.postMessage': {
        if (typeof args.channel !== 'string' || args.channel.trim() === '') return fail('channel_not_found');
        const text = typeof args.text === 'string' ? args.text : '';
        if (text === '' && args.blocks === undefined) return fail('no_text');
        const bad = blocksProblem();
        if (bad) return bad;
        const threadTs = typeof args.thread_ts === 'string' && args.thread_ts !== '' ? args.thread_ts : null;
        const channel = this.channel(args.channel.trim());
        if (threadTs !== null && !this.messages.has(key(channel, threadTs))) return fail('thread_not_found');
        const ts = this.nextTs();
        const blocks = Array.isArray(args.blocks) ? args.blocks : null;
        this.messages.set(key(channel, ts), { channel, ts, text, blocks, threadTs, updates: 0, postedAt: now, updatedAt: now });
        trim(this.messages);
        return {
          body: {
            ok: true,
            channel,
            ts,
            message: { type: 'message', user: SANDBOX_BOT.userId, bot_id: SANDBOX_BOT.botId, text, ts, ...(blocks ? { blocks } : {}), ...(threadTs ? { thread_ts: threadTs } : {}) },
          },
        };
      }
      case 'chat.update': {
        if (typeof args.channel !== 'string' || !CHANNEL_ID_RE.test(args.channel)) return fail('channel_not_found');
        const msg = typeof args.ts === 'string' ? this.messages.get(key(args.channel, args.ts)) : undefined;
        if (!msg) return fail('message_not_found');
        const bad = blocksProblem();
        if (bad) return bad;
        if (typeof args.text === 'string') msg.text = args.text;
        if (args.blocks !== undefined) msg.blocks = Array.isArray(args.blocks) ? args.blocks : null;
        msg.updates += 1;
        msg.updatedAt = now;
        return { body: { ok: true, channel: msg.channel, ts: msg.ts, text: msg.text } };
      }
      case 'chat.postEphemeral': {
        if (typeof args.channel !== 'string' || args.channel.trim() === '') return fail('channel_not_found');
        if (typeof args.user !== 'string' || !this.user(args.user)) return fail('user_not_found');
        const text = typeof args.text === 'string' ? args.text : '';
        if (text === '') return fail('no_text');
        const ts = this.nextTs();
        this.ephemerals.push({
          channel: this.channel(args.channel.trim()),
          user: args.user,
          text,
          threadTs: typeof args.thread_ts === 'string' && args.thread_ts !== '' ? args.thread_ts : null,
          nearTs: null,
          ts,
          at: now,
        });
        this.ephemerals.splice(0, Math.max(0, this.ephemerals.length - SANDBOX_MAX_ITEMS));
        return { body: { ok: true, message_ts: ts } };
      }
      case 'users.info': {
        const u = typeof args.user === 'string' ? this.user(args.user) : undefined;
        if (!u) return fail('user_not_found');
        return {
          body: {
            ok: true,
            user: {
              id: u.id,
              team_id: SANDBOX_TEAM.id,
              name: u.name,
              deleted: false,
              real_name: u.realName,
              is_bot: false,
              profile: { real_name: u.realName, display_name: u.name, ...(u.email ? { email: u.email } : {}) },
            },
          },
        };
      }
      case 'views.open': {
        const triggerId = typeof args.trigger_id === 'string' ? args.trigger_id : '';
        const trigger = this.triggers.get(triggerId);
        if (!trigger) return fail('invalid_trigger_id');
        if (trigger.used) return fail('exchanged_trigger_id');
        if (typeof args.view !== 'object' || args.view === null || Array.isArray(args.view)) {
          return fail('invalid_arguments', { response_metadata: { messages: ['[ERROR] view: must be a JSON object'] } });
        }
        const problems = checkModalLimits(args.view);
        if (problems.length > 0) return fail('invalid_arguments', { response_metadata: { messages: problems } });
        trigger.used = true;
        this.seq += 1;
        const id = `V0SANDBOX${String(this.seq).padStart(6, '0')}`;
        const view: Record<string, unknown> = {
          team_id: SANDBOX_TEAM.id,
          type: 'modal',
          blocks: [],
          private_metadata: '',
          callback_id: '',
          external_id: '',
          clear_on_close: false,
          notify_on_close: false,
          ...(args.view as Record<string, unknown>),
          id,
          state: { values: {} },
          hash: `${Math.floor(now / 1000)}.${id}`,
          previous_view_id: null,
          root_view_id: id,
          app_id: SANDBOX_BOT.appId,
          app_installed_team_id: SANDBOX_TEAM.id,
          bot_id: SANDBOX_BOT.botId,
        };
        this.views.set(id, { id, userId: trigger.userId, view, openedAt: now });
        trim(this.views);
        return { body: { ok: true, view } };
      }
      case 'usergroups.list': {
        const withUsers = args.include_users === true || args.include_users === 'true';
        return {
          body: {
            ok: true,
            usergroups: SANDBOX_USER_GROUPS.map((g) => ({
              id: g.id,
              team_id: SANDBOX_TEAM.id,
              is_usergroup: true,
              name: g.name,
              handle: g.handle,
              date_delete: 0,
              user_count: String(g.users.length),
              ...(withUsers ? { users: [...g.users] } : {}),
            })),
          },
        };
      }
      case 'usergroups.users.list': {
        const g = SANDBOX_USER_GROUPS.find((x) => x.id === args.usergroup);
        return g ? { body: { ok: true, users: [...g.users] } } : fail('no_such_subteam');
      }
      default:
        return fail('unknown_method');
    }
  }

  /**
   * A response_url POST (Slack: `https://hooks.slack.com/actions/…`): `replace_original: true` replaces the
   * clicked message; otherwise (or with `response_type: 'ephemeral'`) the text is shown to the clicker only.
   * @returns false when the URL is unknown (Slack answers 404 `no_such_url`... here simply false).
   */
  respond(id: string, body: Record<string, unknown>): boolean {
    const target = this.responseUrls.get(id);
    if (!target) return false;
    const text = typeof body.text === 'string' ? body.text : '';
    if (body.replace_original === true && body.response_type !== 'ephemeral') {
      const msg = this.messages.get(key(target.channel, target.ts));
      if (msg) {
        msg.text = text;
        msg.blocks = Array.isArray(body.blocks) ? body.blocks : null;
        msg.updates += 1;
        msg.updatedAt = this.clock();
      }
      return true;
    }
    const original = this.messages.get(key(target.channel, target.ts));
    this.ephemerals.push({ channel: target.channel, user: target.userId, text, threadTs: original?.threadTs ?? null, nearTs: target.ts, ts: this.nextTs(), at: this.clock() });
    this.ephemerals.splice(0, Math.max(0, this.ephemerals.length - SANDBOX_MAX_ITEMS));
    return true;
  }

  /** A trigger_id for an interaction of `userId` (views.open may use it once). */
  newTrigger(userId: string): string {
    this.seq += 1;
    const id = `${Math.floor(this.clock() / 1000)}.${this.seq}.${randomBytes(8).toString('hex')}`;
    this.triggers.set(id, { userId, used: false });
    trim(this.triggers);
    return id;
  }

  /** A response_url id for a click on (channel, ts) by `userId`; the route makes the URL of it. */
  newResponseUrl(channel: string, ts: string, userId: string): string {
    const id = randomBytes(12).toString('hex');
    this.responseUrls.set(id, { channel, ts, userId });
    trim(this.responseUrls);
    return id;
  }

  /** Channels that have had a message, by name. */
  listChannels(): Array<{ id: string; name: string; messages: number; latestTs: string | null }> {
    return [...this.channels.values()]
      .map((c) => {
        const mine = [...this.messages.values()].filter((m) => m.channel === c.id);
        // ts values are `<10-digit seconds>.<6-digit sequence>`: their string order is their time order.
        const latestTs = mine.reduce<string | null>((max, m) => (max === null || m.ts > max ? m.ts : max), null);
        return { id: c.id, name: c.name, messages: mine.length, latestTs };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** A channel's messages in posting order (thread replies included, with `threadTs`); `channel` is a name or id. */
  channelMessages(channel: string): SandboxMessage[] {
    const id = sandboxChannelId(channel);
    return [...this.messages.values()].filter((m) => m.channel === id);
  }

  /** Ephemeral messages in a channel (for every user; the page filters by the chosen user). */
  channelEphemerals(channel: string): SandboxEphemeral[] {
    const id = sandboxChannelId(channel);
    return this.ephemerals.filter((e) => e.channel === id);
  }

  message(channel: string, ts: string): SandboxMessage | undefined {
    return this.messages.get(key(sandboxChannelId(channel), ts));
  }

  /** Views open for `userId` (all open views when undefined), oldest first. */
  openViews(userId?: string): SandboxView[] {
    return [...this.views.values()].filter((v) => userId === undefined || v.userId === userId);
  }

  view(id: string): SandboxView | undefined {
    return this.views.get(id);
  }

  /** Closes a view (after a submission Slack accepted, or when the person closes it). */
  closeView(id: string): void {
    this.views.delete(id);
  }
}

function key(channel: string, ts: string): string {
  return `${channel}/${ts}`;
}
