/**
 * What the routes need to apply application permissions (the rule itself is src/auth/permissions.ts): read an
 * application's permissions, refuse with 403 and record the refusal in the audit log, and filter lists.
 */
import type { FastifyRequest } from 'fastify';
import type { Config } from '../../config/index.js';
import type { ApplicationPermissions, Store } from '../../store/index.js';
import { PermissionPolicy, type Authorization, type Principal } from '../../auth/permissions.js';
import { actor, type AuditAction } from '../../auth/audit.js';
import { ForbiddenError } from '../errors.js';

/** The caller as the rule sees them. */
export function principal(req: FastifyRequest): Principal {
  const id = req.identity;
  return { user: id?.user ?? 'anonymous', roles: id?.roles ?? [], admin: id?.admin ?? false };
}

/** Application permissions for the routes of one app; stateless apart from the policy. */
export class RouteAccess {
  readonly policy: PermissionPolicy;

  /** @param auth the service's auth settings; absent → auth disabled (everything open). */
  constructor(
    private readonly store: Store,
    auth: Pick<Config['auth'], 'enabled' | 'adminRoles'> | undefined,
  ) {
    this.policy = new PermissionPolicy({ enabled: auth?.enabled ?? false, adminRoles: auth?.adminRoles ?? [] });
  }

  /** The stored permissions of `application` (null: none set, or no such application). */
  async permissionsOf(application: string): Promise<ApplicationPermissions | null> {
    if (!this.policy.enforced) return null;
    return (await this.store.repos.applications.get(application))?.permissions ?? null;
  }

  /** The caller's authorizations on `application`, in Deck's order. */
  async authorizations(req: FastifyRequest, application: string): Promise<Authorization[]> {
    return this.policy.authorizations(principal(req), await this.permissionsOf(application));
  }

  /**
   * Throws 403 unless the caller holds `needed` on `application`. A refused change (`attempt` given) is recorded in
   * the audit log with outcome `denied`; a refused read is not.
   * @throws ForbiddenError naming the authorization, the application and the caller's roles.
   */
  async require(
    req: FastifyRequest,
    application: string,
    needed: Authorization,
    attempt?: { action: AuditAction; executionId?: string; stageId?: string; detail?: Record<string, unknown> },
  ): Promise<void> {
    if (!this.policy.enforced) return;
    const why = this.policy.denial(principal(req), application, await this.permissionsOf(application), needed);
    if (why === null) return;
    if (attempt) {
      await this.store.repos.audit.append({
        at: Date.now(),
        ...actor(req.identity),
        action: attempt.action,
        application,
        ...(attempt.executionId !== undefined ? { executionId: attempt.executionId } : {}),
        ...(attempt.stageId !== undefined ? { stageId: attempt.stageId } : {}),
        outcome: 'denied',
        detail: { ...(attempt.detail ?? {}), needed, message: why },
      });
    }
    req.log.info({ application, needed, user: principal(req).user }, 'refused: application permission missing');
    throw new ForbiddenError(why);
  }

  /** The applications whose entries and listings the caller may not READ (empty when everything is visible). */
  async unreadable(req: FastifyRequest): Promise<string[]> {
    if (!this.policy.enforced) return [];
    const who = principal(req);
    if (who.admin) return [];
    const apps = await this.store.repos.applications.list();
    return apps.filter((a) => !this.policy.allows(who, a.permissions, 'READ')).map((a) => a.name);
  }
}
