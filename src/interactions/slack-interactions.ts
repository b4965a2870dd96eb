/**
 * Where a verified Slack click becomes a judgment. The callback route records the click durably and answers
 * Slack at once; this processor then works out who clicked (users.info → email, cached; the Slack user name when
 * the email cannot be had, never null), turns the button into a `judge(...)` call, and tells a late clicker
 * (ephemerally) who already judged and how. Pending clicks survive a restart: they are processed on start.
 *
 * With `permissions` given (auth enabled), a clicker also needs EXECUTE on the execution's application when it has
 * permissions; the check is the judge path's (src/engine/judge.ts), so Slack, the API and the UI answer to one rule.
 * Every judgment attempt from Slack is recorded in the audit log (via `slack`) in the judgment's transaction.
 */
import type { Logger } from 'pino';
import type { Store, SlackInteractionRow } from '../store/index.js';
import type { Engine } from '../engine/engine.js';
import { NotFoundError, BadRequestError } from '../engine/errors.js';
import { findStage } from '../engine/handlers/index.js';
import { judgmentInputValues, requiredApprovals } from '../engine/stages/manual-judgment.js';
import { WorkLoop } from '../lib/work-loop.js';
import { parseInteraction, SlackPayloadError, type JudgmentClick, type RejectSubmission } from '../slack/payload.js';
import {
  alreadyApprovedByYouText,
  alreadyJudgedText,
  notAllowedText,
  notAwaitingText,
  rejectReasonModal,
  selfApprovalText,
  timedOutText,
} from '../slack/blocks.js';
import { SlackApiError, type SlackApi } from '../slack/client.js';
import { approvalsOf } from '../engine/judge.js';
import type { RoleResolver } from './roles.js';
import { parseManagedClick, type ManagedJudgementClick } from '../slack/managed-payload.js';
import { managedAlreadyJudgedText } from '../slack/managed-blocks.js';
import type { ManagedDelivery } from '../managed/delivery.js';
import type { PermissionPolicy } from '../auth/permissions.js';
import type { CheckedJudgmentRequest } from '../engine/judge.js';
import { judgmentAudit, managedJudgementAudit } from '../auth/audit.js';

export interface SlackInteractionOptions {
  store: Store;
  engine: Engine;
  slack: SlackApi;
  roles: RoleResolver;
  /** Application permissions (`auth.enabled`, `auth.adminRoles`); absent → not checked for clicks. */
  permissions?: PermissionPolicy;
  logger: Logger;
  /** Called after a new click was recorded (tells other replicas: PostgreSQL NOTIFY). */
  onRecorded?: () => void;
  /**
   * How long a claimed click is held before another replica may process it (ms; default 30,000); renewed every
   * third of it while the click is processed. A killed replica's clicks are processed by another once the lease
   * runs out; processing a click twice still judges once (compare-and-set).
   */
  leaseMs?: number;
  /** Managed delivery, which judges `managed:approve` / `managed:reject` clicks (absent: they are ignored). */
  managed?: Pick<ManagedDelivery, 'judge'> | null;
  /** How long a users.info answer is trusted (ms). Default 1 hour. */
  userCacheTtlMs?: number;
  clock?: () => number;
}

/** What became of a click; stored with the interaction. */
/** Where an ephemeral answer goes. */
interface Reply {
  slackUserId: string;
  channelId: string | null;
  responseUrl: string | null;
  /** The execution and stage the click is about, for log lines (when known). */
  ids?: ClickLogFields;
}

/** Log fields of a click: the execution and stage its button or dialog names (engine/log-fields.ts names). */
type ClickLogFields = { executionId?: string; stageId?: string };

export type ClickResult =
  | { result: 'accepted'; user: string }
  | { result: 'approval_recorded'; user: string; approvals: number; required: number }
  | { result: 'modal_opened'; user: string }
  | { result: 'refused'; user: string; reason: string }
  | { result: 'already_judged'; user: string; by: string; judgmentStatus: string }
  | { result: 'not_awaiting'; user: string; stageStatus: string }
  | { result: 'rejected'; user: string; reason: string }
  | { result: 'ignored'; reason: string };

/** Managed delivery's extra outcomes (a judgement click on a delivery config's message). */
export type ManagedClickResult = ClickResult | { result: 'managed'; user: string; outcome: string };

export class SlackInteractionProcessor {
  private readonly loop: WorkLoop;
  private readonly clock: () => number;
  /** Lines about a click carry its `executionId` and `stageId` when the payload names them. */
  private readonly log: Logger;

  constructor(private readonly opts: SlackInteractionOptions) {
    this.clock = opts.clock ?? Date.now;
    this.log = opts.logger.child({ component: 'interactions' });
    this.loop = new WorkLoop({
      tick: () => this.tick(),
      nextDueAt: async () => null,
      maxSleepMs: 2_000,
      onError: (err) => this.log.error({ err }, 'slack interaction loop error'),
      now: this.clock,
    });
  }

  start(): void {
    this.loop.start();
  }

  /** Processes pending clicks now (e.g. another replica recorded one: PostgreSQL NOTIFY). */
  wake(): void {
    this.loop.wake();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /**
   * Records a verified click durably and wakes the processor. Call before answering Slack.
   * @returns the interaction's id, or null when the same request was recorded before (a replay).
   */
  async record(payload: Record<string, unknown>): Promise<number | null> {
    const id = await this.opts.store.repos.slackInteractions.record(payload, this.clock());
    this.loop.wake();
    if (id !== null) this.opts.onRecorded?.();
    return id;
  }

  private async tick(): Promise<number> {
    const batch = await this.opts.store.transaction((tx) => tx.slackInteractions.claim(this.clock(), this.opts.leaseMs ?? 30_000, 8));
    for (const row of batch) await this.processRow(row);
    return batch.length;
  }

  private async processRow(row: SlackInteractionRow): Promise<void> {
    const leaseMs = this.opts.leaseMs ?? 30_000;
    const renew = setInterval(() => {
      const now = this.clock();
      this.opts.store.repos.slackInteractions
        .renewLease(row.id, now + leaseMs, now)
        .catch((err: unknown) => this.opts.logger.warn({ err, interaction: row.id }, 'slack click lease renewal failed'));
    }, Math.max(1, Math.floor(leaseMs / 3)));
    try {
      await this.processLeased(row);
    } finally {
      clearInterval(renew);
    }
  }

  private async processLeased(row: SlackInteractionRow): Promise<void> {
    const repo = this.opts.store.repos.slackInteractions;
    const log = this.log.child({ interaction: row.id, ...clickLogFields(row.payload) });
    try {
      const result = await this.process(row.payload, row.id);
      await repo.finish(row.id, 'done', result, this.clock());
      log.info(result, 'slack click processed');
    } catch (err) {
      if (row.attempts >= 5) {
        log.error({ err }, 'slack click could not be processed; giving up');
        await repo.finish(row.id, 'failed', { error: (err as Error).message }, this.clock());
        await this.tellRaw(row.payload, `Your click could not be processed (${(err as Error).message}); nothing changed. Please try again.`);
      } else {
        log.warn({ err, attempts: row.attempts }, 'slack click processing failed; will retry');
        await repo.retryLater(row.id, this.clock() + 1_000 * 2 ** row.attempts);
      }
    }
  }

  /** Processes one interaction. Throws only for failures worth retrying (database errors). */
  async process(payload: Record<string, unknown>, interactionId?: number): Promise<ManagedClickResult> {
    let managedClick: ManagedJudgementClick | null = null;
    try {
      managedClick = parseManagedClick(payload);
    } catch (err) {
      if (err instanceof SlackPayloadError) return { result: 'ignored', reason: err.message };
      throw err;
    }
    if (managedClick) return this.processManaged(managedClick, interactionId ?? null);
    let parsed: JudgmentClick | RejectSubmission;
    try {
      const p = parseInteraction(payload);
      if (p.kind === 'ignored') return { result: 'ignored', reason: p.reason };
      parsed = p;
    } catch (err) {
      if (err instanceof SlackPayloadError) return { result: 'ignored', reason: err.message };
      throw err;
    }
    const ids: ClickLogFields = { executionId: parsed.executionId, stageId: parsed.stageId };
    const { user, verified } = await this.identify(parsed.slackUserId, parsed.slackUserName, ids);
    const roles = verified ? await this.opts.roles.rolesFor(user, parsed.slackUserId) : await this.opts.roles.rolesFor('', parsed.slackUserId);
    const reply: Reply = { slackUserId: parsed.slackUserId, channelId: parsed.channelId, responseUrl: parsed.kind === 'judgment' ? parsed.responseUrl : null, ids };
    const execution = await this.opts.store.repos.executions.get(parsed.executionId);
    const stage = execution ? findStage(execution, parsed.stageId) : undefined;
    if (!execution || !stage) {
      await this.tell(reply, 'This judgment no longer exists (the execution was not found).');
      return { result: 'rejected', user, reason: 'execution or stage not found' };
    }
    const policy = this.opts.permissions;
    const base = {
      executionId: execution.id,
      stageId: stage.id,
      user,
      roles,
      via: 'slack' as const,
      slackUserId: parsed.slackUserId,
      identityVerified: verified,
      ...(policy ? { access: { policy, admin: policy.isAdmin(roles) } } : {}),
    };

    if (parsed.kind === 'reject_reason') {
      return this.decide({ ...base, judgmentStatus: 'stop', judgmentInput: null, reason: parsed.reason }, reply, interactionId ?? null);
    }
    const click = parsed;
    let judgmentInput: string | null = null;
    if (click.inputIndex !== null) {
      const chosen = judgmentInputValues(stage.context)[click.inputIndex];
      if (chosen === undefined) {
        await this.tell(reply, "This button no longer matches the stage's judgment inputs; nothing changed. Judge through the API (PATCH /pipelines/{id}/stages/{stageId}).");
        return { result: 'rejected', user, reason: `judgmentInputs has no entry ${click.inputIndex}` };
      }
      judgmentInput = chosen;
    }
    const req: CheckedJudgmentRequest = { ...base, judgmentStatus: click.judgmentStatus, judgmentInput };
    // Reject from a Block Kit button: ask for a reason in a modal first (the modal is the confirmation). Only when
    // the rules would accept the rejection; otherwise judge now, which records the refused attempt and tells why.
    if (click.judgmentStatus === 'stop' && click.payloadType === 'block_actions' && click.triggerId) {
      const would = await this.opts.engine.precheck(req);
      if (would.outcome === 'accepted') {
        try {
          await this.opts.slack.openView(
            click.triggerId,
            rejectReasonModal({
              executionId: execution.id,
              stageId: stage.id,
              stageName: stage.name,
              pipelineName: execution.name,
              application: execution.application,
              responseUrl: click.responseUrl,
              channelId: click.channelId,
              messageTs: click.messageTs,
              failPipeline: stage.context.failPipeline !== false,
            }),
          );
          return { result: 'modal_opened', user };
        } catch (err) {
          const why = err instanceof SlackApiError ? err.code : (err as Error).message;
          // Already used: this click opened the dialog before a restart; it is open, nothing to say.
          if (why === 'exchanged_trigger_id') return { result: 'modal_opened', user };
          this.log.warn({ ...ids, err: why }, 'could not open the reject-reason dialog');
          await this.tell(reply, `Could not open the rejection dialog (${why}); nothing changed. Click Reject again.`);
          return { result: 'rejected', user, reason: `views.open failed: ${why}` };
        }
      }
    }
    return this.decide(req, reply, interactionId ?? null);
  }

  /**
   * A click on a managed delivery judgement (Approve/Reject, each behind Slack's confirm dialog): who clicked
   * (users.info → email), their roles, then the same `judge` as the API (EXECUTE on the application, then the
   * constraint's `roles`), with the click marked processed and the attempt audited (via `slack`) in the
   * judgement's transaction. A late or refused clicker is told why, ephemerally.
   */
  private async processManaged(click: ManagedJudgementClick, id: number | null): Promise<ManagedClickResult> {
    const reply: Reply = { slackUserId: click.slackUserId, channelId: click.channelId, responseUrl: click.responseUrl };
    if (!this.opts.managed) return { result: 'ignored', reason: 'managed delivery is not enabled' };
    const { user, verified } = await this.identify(click.slackUserId, click.slackUserName);
    const roles = verified ? await this.opts.roles.rolesFor(user, click.slackUserId) : await this.opts.roles.rolesFor('', click.slackUserId);
    const policy = this.opts.permissions;
    try {
      const o = await this.opts.managed.judge(
        {
          application: click.application,
          environment: click.environment,
          reference: click.reference,
          version: click.version,
          status: click.status,
          comment: null,
          user,
          roles,
          slackUserId: click.slackUserId,
          via: 'slack',
          ...(policy ? { access: { policy, admin: policy.isAdmin(roles) } } : {}),
        },
        async (tx, outcome) => {
          if (id !== null) await tx.slackInteractions.finish(id, 'done', { result: 'managed', outcome: outcome.outcome, user }, this.clock());
          const { outcome: result, detail } = managedJudgementAudit(outcome);
          await tx.audit.append({
            at: this.clock(),
            user,
            via: 'slack',
            action: 'managed.judgement',
            application: click.application,
            outcome: result,
            detail: { environment: click.environment, reference: click.reference ?? null, version: click.version, status: click.status, slackUserId: click.slackUserId, ...detail },
          });
        },
      );
      if (o.outcome === 'already_judged') await this.tell(reply, managedAlreadyJudgedText(o.state));
      else if (o.outcome === 'refused' && o.reason === 'no_permission') await this.tell(reply, `You may not judge this: ${o.message}; nothing changed.`);
      else if (o.outcome === 'refused' || o.outcome === 'not_awaiting') await this.tell(reply, `${o.message}; nothing changed.`);
      return { result: 'managed', user, outcome: o.outcome };
    } catch (err) {
      if (err instanceof NotFoundError || err instanceof BadRequestError) {
        await this.tell(reply, `Could not judge: ${err.message}`);
        return { result: 'rejected', user, reason: err.message };
      }
      throw err;
    }
  }

  private async decide(req: CheckedJudgmentRequest, reply: Reply, id: number | null): Promise<ClickResult> {
    const user = req.user;
    try {
      // The click is marked processed, and audited, in the judgment's own transaction: after a crash it is not
      // judged (or recorded) again.
      const outcome = await this.opts.engine.judge(req, async (tx, o) => {
        if (id !== null) await tx.slackInteractions.finish(id, 'done', { result: o.outcome, user }, this.clock());
        const { outcome: result, detail } = judgmentAudit(o);
        await tx.audit.append({
          at: this.clock(),
          user,
          via: 'slack',
          action: 'judgment',
          application: o.execution.application,
          executionId: o.execution.id,
          stageId: req.stageId,
          outcome: result,
          detail: {
            judgmentStatus: req.judgmentStatus,
            judgmentInput: req.judgmentInput ?? null,
            ...(req.reason ? { comment: req.reason } : {}),
            slackUserId: req.slackUserId ?? null,
            ...detail,
          },
        });
      });
      switch (outcome.outcome) {
        case 'accepted':
          return { result: 'accepted', user };
        case 'approval_recorded':
          await this.tell(reply, `Your approval is recorded: ${outcome.approvals.length} of ${outcome.required} approvals.`);
          return { result: 'approval_recorded', user, approvals: outcome.approvals.length, required: outcome.required };
        case 'already_judged':
          await this.tell(reply, alreadyJudgedText(outcome.decision));
          return { result: 'already_judged', user, by: outcome.decision.user, judgmentStatus: outcome.decision.judgmentStatus };
        case 'not_awaiting':
          await this.tell(reply, outcome.timedOut ? timedOutText(outcome.timeoutMs) : notAwaitingText(outcome.stageStatus));
          return { result: 'not_awaiting', user, stageStatus: outcome.timedOut ? 'TIMED_OUT' : outcome.stageStatus };
        case 'refused': {
          const stage = findStage(outcome.execution, req.stageId);
          const text =
            outcome.reason === 'no_permission'
              ? `You may not judge this: ${outcome.message}.`
              : outcome.reason === 'not_allowed'
              ? notAllowedText(outcome.allowedRoles)
              : outcome.reason === 'self_approval'
                ? selfApprovalText()
                : alreadyApprovedByYouText({ approvals: stage ? approvalsOf(stage.context).length : 1, required: stage ? requiredApprovals(stage.context) : 2 });
          await this.tell(reply, text);
          return { result: 'refused', user, reason: outcome.reason };
        }
      }
    } catch (err) {
      if (err instanceof NotFoundError || err instanceof BadRequestError) {
        await this.tell(reply, `Could not judge: ${err.message}`);
        return { result: 'rejected', user, reason: err.message };
      }
      throw err;
    }
  }

  /**
   * The clicker's identity: their email from users.info (needs `users:read` and `users:read.email`), cached for
   * `userCacheTtlMs`; when Slack cannot be asked, the cached answer of any age, else the Slack user name (never
   * empty). `verified` is false when no email is known: rules that need one (preventSelfApproval) then refuse, and
   * approvals are told apart by Slack user id, so a name and an email of one person never count twice.
   * @param logFields added to the warning logged when users.info fails (the click's executionId and stageId).
   */
  async identify(slackUserId: string, slackUserName: string, logFields: ClickLogFields = {}): Promise<{ user: string; verified: boolean }> {
    const users = this.opts.store.repos.slackUsers;
    const ttl = this.opts.userCacheTtlMs ?? 3_600_000;
    const cached = await users.get(slackUserId);
    const from = (email: string | null | undefined, name: string) => (email ? { user: email, verified: true } : { user: name, verified: false });
    if (cached && this.clock() - cached.fetchedAt < ttl) return from(cached.email, cached.name);
    try {
      const info = await this.opts.slack.userInfo(slackUserId);
      await users.put({ userId: slackUserId, name: info.name || slackUserName, email: info.email }, this.clock());
      return from(info.email, info.name || slackUserName || slackUserId);
    } catch (err) {
      this.log.warn({ ...logFields, err: (err as Error).message, slackUserId }, 'users.info failed; judging with the cached identity or the Slack user name');
      return from(cached?.email, cached?.name ?? (slackUserName || slackUserId));
    }
  }

  /** Tells the clicker of a payload that could not be processed, from the raw payload (best effort). */
  private async tellRaw(payload: Record<string, unknown>, text: string): Promise<void> {
    const user = payload.user as { id?: unknown } | undefined;
    const channel = payload.channel as { id?: unknown } | undefined;
    const responseUrl = typeof payload.response_url === 'string' ? payload.response_url : null;
    if (typeof user?.id !== 'string') return;
    await this.tell({ slackUserId: user.id, channelId: typeof channel?.id === 'string' ? channel.id : null, responseUrl, ids: clickLogFields(payload) }, text);
  }

  /** Best-effort ephemeral reply to the clicker: response_url when Slack gave one, else chat.postEphemeral. */
  private async tell(to: Reply, text: string): Promise<void> {
    try {
      if (to.responseUrl) await this.opts.slack.respond(to.responseUrl, { text, response_type: 'ephemeral', replace_original: false });
      else if (to.channelId) await this.opts.slack.postEphemeral(to.channelId, to.slackUserId, text, undefined);
    } catch (err) {
      this.log.warn({ ...to.ids, err: (err as Error).message, slackUserId: to.slackUserId }, 'could not send ephemeral reply');
    }
  }
}

/** The execution and stage a recorded payload names, for log lines; empty when it names none or cannot be parsed. */
function clickLogFields(payload: Record<string, unknown>): ClickLogFields {
  try {
    const p = parseInteraction(payload);
    return p.kind === 'ignored' ? {} : { executionId: p.executionId, stageId: p.stageId };
  } catch {
    return {};
  }
}
