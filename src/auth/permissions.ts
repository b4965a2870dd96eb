/**
 * Who may do what to an application: Spinnaker Fiat's application permissions, small. The one rule; the routes, the
 * judge path (src/engine/judge.ts) and the Slack click processor all ask it.
 *
 * An application carries `permissions: {READ: [roles], WRITE: [roles], EXECUTE: [roles]}` (set with
 * `PUT /applications/{app}`). The authorizations (Gate/Deck's word) are:
 * - `READ`: see the application, its pipeline configs and executions (lists leave out what you may not READ).
 * - `WRITE`: save and delete its pipelines, delete its executions, change the application (permissions included).
 * - `EXECUTE`: trigger, cancel, pause, resume, restart a stage, skip a wait, and judge (the stage's own
 *   `selectedStageRoles` / `requiredJudgmentRoles` apply on top).
 *
 * Rules (from Fiat unless marked):
 * - No permissions (never set, null, or every list empty) → every authorization for any authenticated caller.
 * - Otherwise a caller holds an authorization when one of their roles is listed under it (roles compared
 *   case-insensitively, as Fiat lowercases them). `EXECUTE` left out or empty falls back to `READ`'s roles (Fiat's
 *   DefaultFallbackPermissionsResolver, EXECUTE from READ); `READ` or `WRITE` left out (or empty) are held by
 *   nobody but admins.
 * - Holders of an `auth.adminRoles` role hold every authorization on every application (Fiat's admins). They do
 *   not bypass a judgment stage's own rules (`selectedStageRoles`, `preventSelfApproval`, `requiredApprovals`):
 *   those are part of the pipeline, written by its owners as a control on that decision (orca's stage-role check,
 *   ManualJudgmentAuthzGroupsUtil, has no admin bypass either).
 * - With `auth.enabled: false` every caller holds everything (the service behaves as before permissions existed).
 */
import type { ApplicationPermissions } from '../store/index.js';
import { ForbiddenError } from '../api/errors.js';

/** Gate's and Deck's authorizations on an application. */
export type Authorization = 'READ' | 'WRITE' | 'EXECUTE';

/** Every authorization, in Deck's order. */
export const AUTHORIZATIONS: readonly Authorization[] = ['READ', 'WRITE', 'EXECUTE'];

/** What the rule needs to know about a caller: their roles and whether they are an admin. */
export interface Principal {
  /** For messages only. */
  user: string;
  roles: readonly string[];
  admin: boolean;
}

/** Whether an application's permissions restrict anything (some list names a role). */
export function isRestricted(permissions: ApplicationPermissions | null | undefined): permissions is ApplicationPermissions {
  if (!permissions) return false;
  return AUTHORIZATIONS.some((a) => (permissions[a]?.length ?? 0) > 0);
}

/** The roles that grant `authorization` under restricted `permissions` (EXECUTE left out or empty: READ's). */
export function rolesGranting(permissions: ApplicationPermissions, authorization: Authorization): string[] {
  if (authorization === 'EXECUTE' && (permissions.EXECUTE?.length ?? 0) === 0) return permissions.READ ?? [];
  return permissions[authorization] ?? [];
}

/** The rule, bound to the service's auth settings. Pure; never touches the database. */
export class PermissionPolicy {
  private readonly adminRoles: Set<string>;

  /**
   * @param opts.enabled `auth.enabled`: when false, everyone holds everything.
   * @param opts.adminRoles `auth.adminRoles`: their holders hold everything.
   */
  constructor(private readonly opts: { enabled: boolean; adminRoles: readonly string[] }) {
    this.adminRoles = new Set(opts.adminRoles.map((r) => r.toLowerCase()));
  }

  /** Whether permissions are enforced at all (`auth.enabled`). */
  get enforced(): boolean {
    return this.opts.enabled;
  }

  /** Whether these roles make their holder an admin (`auth.adminRoles`). */
  isAdmin(roles: readonly string[]): boolean {
    return roles.some((r) => this.adminRoles.has(r.toLowerCase()));
  }

  /** The authorizations `who` holds on an application with these `permissions`, in Deck's order. */
  authorizations(who: Principal, permissions: ApplicationPermissions | null | undefined): Authorization[] {
    if (!this.opts.enabled || who.admin || !isRestricted(permissions)) return [...AUTHORIZATIONS];
    const mine = new Set(who.roles.map((r) => r.toLowerCase()));
    return AUTHORIZATIONS.filter((a) => rolesGranting(permissions, a).some((r) => mine.has(r.toLowerCase())));
  }

  /** Whether `who` holds `needed` on an application with these `permissions`. */
  allows(who: Principal, permissions: ApplicationPermissions | null | undefined, needed: Authorization): boolean {
    return this.authorizations(who, permissions).includes(needed);
  }

  /**
   * Why `who` may not do what needs `needed` on `application`, or null when they may. The message names the
   * authorization, the application and the caller's roles, e.g.
   * `EXECUTE on application checkout is needed; you (dave@example.com) hold roles [dev] (granted to roles: deployers)`.
   */
  denial(who: Principal, application: string, permissions: ApplicationPermissions | null | undefined, needed: Authorization): string | null {
    if (this.allows(who, permissions, needed)) return null;
    const granted = isRestricted(permissions) ? rolesGranting(permissions, needed) : [];
    const to = granted.length > 0 ? `granted to roles: ${granted.join(', ')}` : 'granted to no role; only admins hold it';
    return `${needed} on application ${application} is needed; you (${who.user}) hold roles [${who.roles.join(', ')}] (${to})`;
  }

  /**
   * Throws unless `who` holds `needed`.
   * @throws ForbiddenError (→ 403) with the `denial` message.
   */
  require(who: Principal, application: string, permissions: ApplicationPermissions | null | undefined, needed: Authorization): void {
    const why = this.denial(who, application, permissions, needed);
    if (why !== null) throw new ForbiddenError(why);
  }
}
