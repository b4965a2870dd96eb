/**
 * Who holds which role, for the judgment rules (`selectedStageRoles` / `requiredJudgmentRoles`).
 *
 * Roles come from the configuration (`authz.roles: {ROLE: [email, ...]}`, emails compared case-insensitively) and,
 * with `authz.slackUserGroups: true`, from Slack user groups: a member of the group with handle `sre` holds the
 * role `sre` (needs the `usergroups:read` scope). Group membership is cached for `authz.userGroupCacheMs`; when
 * Slack cannot be asked, the last answer is used, and with none, RolesUnavailableError (the click is retried).
 * Note: whoever may create or edit user groups in the workspace can grant themselves a role this way.
 */
import type { Logger } from 'pino';
import type { SlackApi } from '../slack/client.js';

export interface RoleResolverOptions {
  /** ROLE → emails, from `authz.roles`. */
  roles: Record<string, string[]>;
  /** Set when Slack user groups count as roles. */
  slack: SlackApi | null;
  slackUserGroups: boolean;
  /** How long group membership is trusted, ms. */
  cacheMs: number;
  logger: Logger;
  clock?: () => number;
  /**
   * Roles a Slack user id carries by other means: the built-in Slack sandbox, with auth enabled, makes each click
   * as the logged-in caller and passes the roles that caller holds (token, login groups). Absent for real Slack.
   */
  extraRoles?: (slackUserId: string) => readonly string[];
}

/** Slack user groups could not be read and were never known: roles cannot be decided now (retry later). */
export class RolesUnavailableError extends Error {}

export class RoleResolver {
  private readonly byEmail = new Map<string, string[]>();
  private groups: { at: number; byUser: Map<string, string[]> } | null = null;
  private loading: Promise<Map<string, string[]>> | null = null;

  constructor(private readonly opts: RoleResolverOptions) {
    for (const [role, emails] of Object.entries(opts.roles)) {
      for (const email of emails) {
        const key = email.trim().toLowerCase();
        this.byEmail.set(key, [...(this.byEmail.get(key) ?? []), role]);
      }
    }
  }

  /**
   * The roles of a judge: those configured for `user` (an email, compared case-insensitively) plus, for a Slack
   * user with user groups enabled, the handles of the groups they are in, and the `extraRoles` of that Slack user id
   * (the sandbox's logged-in callers). Never throws.
   */
  async rolesFor(user: string, slackUserId?: string | null): Promise<string[]> {
    const roles = new Set(this.byEmail.get(user.trim().toLowerCase()) ?? []);
    if (slackUserId && this.opts.extraRoles) for (const r of this.opts.extraRoles(slackUserId)) roles.add(r);
    if (slackUserId && this.opts.slackUserGroups && this.opts.slack) {
      for (const r of (await this.groupRoles()).get(slackUserId) ?? []) roles.add(r);
    }
    return [...roles];
  }

  private async groupRoles(): Promise<Map<string, string[]>> {
    const now = (this.opts.clock ?? Date.now)();
    if (this.groups && now - this.groups.at < this.opts.cacheMs) return this.groups.byUser;
    this.loading ??= this.loadGroups(now).finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async loadGroups(now: number): Promise<Map<string, string[]>> {
    const slack = this.opts.slack!;
    try {
      const byUser = new Map<string, string[]>();
      for (const g of await slack.userGroups()) {
        for (const userId of g.users ?? (await slack.userGroupMembers(g.id))) byUser.set(userId, [...(byUser.get(userId) ?? []), g.handle]);
      }
      this.groups = { at: now, byUser };
      return byUser;
    } catch (err) {
      if (!this.groups) {
        // Never known: refusing the judge would blame their membership for a Slack outage; let the caller retry.
        throw new RolesUnavailableError(`could not read Slack user groups: ${(err as Error).message}`);
      }
      this.opts.logger.warn({ err: (err as Error).message }, 'could not read Slack user groups; using the last known membership');
      return this.groups.byUser;
    }
  }
}
