/**
 * The durable pipeline engine: executions, stages and the work queue live in the database; a loop takes due
 * messages and handles each in one transaction together with the messages and events that follow from it, so a
 * killed process loses nothing and repeats nothing when it starts again.
 */
import type { PermissionPolicy } from '../auth/permissions.js';
import { audit } from '../auth/audit.js';
import type { Logger } from 'pino';
import type { Store } from '../store/index.js';
import type { PipelineConfig } from '../model/pipeline.js';
import type { PipelineExecution, Trigger } from '../model/execution.js';
import type { JudgmentRequest } from '../model/judgment.js';
import { isComplete } from '../model/status.js';
import { WorkLoop } from '../lib/work-loop.js';
import { HANDLERS, HandlerContext, findStage } from './handlers/index.js';
import { runTask } from './handlers/run-task.js';
import { STAGE_TYPES, type TaskResult } from './stages/index.js';
import type { ChildStart, ExecutionLauncher } from './stages/types.js';
import type { QueueMessage, Repositories } from '../store/index.js';
import type { MessageKind } from './messages.js';
import { buildExecution, resolveParameters } from './build.js';
import { judgeInTransaction, type JudgeOutcome } from './judge.js';
import {
  deleteInTransaction,
  pauseInTransaction,
  restartStageInTransaction,
  resumeInTransaction,
  skipRemainingWaitInTransaction,
} from './handlers/controls.js';
import { BadRequestError, ConflictError, NotFoundError } from './errors.js';
import type { ExecutionStatus } from '../model/status.js';
import { executionLogFields, stageLogFields, stageOfExecutionLogFields } from './log-fields.js';
import type { NetworkGuard } from './stages/webhook/guard.js';

/** Queue messages handled at once (slow tasks included). */
const MAX_IN_FLIGHT = 16;
/** Longest a stage type's `execute` (I/O outside transactions) may run before it is aborted, ms. */
const EXECUTE_BACKSTOP_MS = 5 * 60_000;

export interface EngineOptions {
  store: Store;
  logger: Logger;
  /** Called after a commit that published domain events (wakes the notification dispatcher). */
  onPublished?: () => void;
  /** Epoch ms clock (tests may move it). */
  clock?: () => number;
  /** How long a claimed message is held before another worker may take it (ms). Default 60 s. */
  leaseMs?: number;
  /**
   * Called after a commit outside the engine's own loop queued work (trigger, judgment, cancel, controls, cron):
   * tells other replicas (PostgreSQL NOTIFY). Not called for the loop's own follow-up work.
   */
  onQueued?: () => void;
  /** Told what happened after each commit (metrics). Never throws into the engine: failures are logged. */
  observer?: EngineObserver;
  /** Where stages' outbound HTTP may connect (`webhook.allowedHosts`/`deniedCidrs`); default policy when absent. */
  network?: NetworkGuard;
  /**
   * Permissions for the `pipeline` stage (absent: none checked): the parent's trigger user must hold EXECUTE on the
   * child's application (roles from `rolesFor`, the same sources as the API's: token entries and `authz.roles`).
   */
  childAccess?: { policy: PermissionPolicy; rolesFor(user: string): Promise<string[]> };
}

/**
 * What the engine reports after a transaction committed (for metrics). Called once per change that committed: a
 * handler run again after a crash finds the stage already complete and reports nothing twice. Durations in ms.
 */
export interface EngineObserver {
  /** A stage reached a completed status; `durationMs` from its `startTime` to its `endTime` (absent when it never started). */
  stageCompleted?(e: { stageType: string; status: ExecutionStatus; durationMs: number | null }): void;
  /** A manual judgment was decided; `waitMs` from the stage's `startTime` to the decision. */
  judgmentDecided?(e: { judgmentStatus: 'continue' | 'stop'; waitMs: number }): void;
}

/** What a caller passes to start an execution (Gate's trigger body). */
export interface TriggerRequest {
  type?: string;
  user?: string;
  parameters?: Record<string, unknown>;
  [field: string]: unknown;
}

export class Engine {
  private readonly loop: WorkLoop;
  private readonly clock: () => number;
  private readonly leaseMs: number;
  private started = false;
  /** Messages being handled now. */
  private readonly inflight = new Set<Promise<void>>();
  /** Aborts in-flight `execute` calls when the engine stops. */
  private readonly abort = new AbortController();
  /** The engine's logger: every line about an execution is written through a child carrying its ids. */
  private readonly log: Logger;

  constructor(private readonly opts: EngineOptions) {
    this.clock = opts.clock ?? Date.now;
    this.log = opts.logger.child({ component: 'engine' });
    this.leaseMs = opts.leaseMs ?? 60_000;
    this.loop = new WorkLoop({
      tick: () => this.tick(),
      nextDueAt: () => opts.store.repos.queue.nextDueAt(this.clock()),
      maxSleepMs: 1_000,
      onError: (err) => this.log.error({ err }, 'engine loop error'),
      now: this.clock,
    });
  }

  get running(): boolean {
    return this.started;
  }

  start(): void {
    this.started = true;
    this.loop.start();
  }

  async stop(): Promise<void> {
    this.started = false;
    this.abort.abort();
    await this.loop.stop();
    await Promise.allSettled([...this.inflight]);
  }

  /** Work was queued from outside the loop: run it now here and, through `onQueued`, on other replicas. */
  wake(): void {
    this.loop.wake();
    this.opts.onQueued?.();
  }

  /** Work was queued by another replica (it told us): run it now here only. */
  wakeLocal(): void {
    this.loop.wake();
  }

  /**
   * Starts an execution of `config`. Parameters resolve against `parameterConfig`.
   * @returns the NOT_STARTED execution as stored (the engine starts it at once).
   * @throws BadRequestError naming missing required parameters.
   * @throws ConflictError when the pipeline is disabled (`disabled: true`): it starts from no trigger.
   */
  async trigger(config: PipelineConfig, req: TriggerRequest): Promise<PipelineExecution> {
    if (config.disabled === true) {
      throw new ConflictError(`pipeline "${config.name}" of application ${config.application} is disabled (disabled: true); enable it to start it`);
    }
    const parameters = resolveParameters(config, (req.parameters as Record<string, unknown> | undefined) ?? {});
    const trigger: Trigger = { ...req, type: req.type ?? 'manual', user: req.user ?? 'anonymous', parameters };
    const now = this.clock();
    const execution = buildExecution(config, trigger, now);
    await this.opts.store.transaction(async (tx) => {
      await tx.executions.insert(execution, now);
      await tx.queue.push({ kind: 'StartExecution', executionId: execution.id }, now, now);
    });
    this.log.info({ ...executionLogFields(execution), triggerType: trigger.type, user: trigger.user }, 'execution triggered');
    this.wake();
    return execution;
  }

  /**
   * Cancels a running execution (Gate's `PUT /pipelines/{id}/cancel`). Cancelling a finished one changes nothing.
   * @throws NotFoundError when there is no such execution.
   */
  async cancel(executionId: string, user: string, reason: string | null): Promise<void> {
    const now = this.clock();
    await this.opts.store.transaction(async (tx) => {
      const execution = await tx.executions.get(executionId);
      if (!execution) throw new NotFoundError(`execution ${executionId} not found`);
      if (isComplete(execution.status) || execution.canceled) return;
      execution.canceled = true;
      execution.canceledBy = user;
      execution.cancellationReason = reason;
      await tx.executions.update(execution, now);
      await tx.queue.push({ kind: 'CancelExecution', executionId }, now, now);
    });
    this.log.info({ executionId, user }, 'execution cancel requested');
    this.wake();
  }

  /**
   * Decides a manual judgment; see `judge.ts` for the rules and errors. `inSameTransaction` runs inside the
   * judgment's transaction (to record what the caller must not do twice).
   */
  async judge(req: JudgmentRequest, inSameTransaction?: (tx: Repositories, outcome: JudgeOutcome) => Promise<void>): Promise<JudgeOutcome> {
    let h!: HandlerContext;
    const outcome = await this.opts.store.transaction(async (tx) => {
      h = new HandlerContext(tx, this.clock());
      const o = await judgeInTransaction(h, req);
      // e.g. marking the Slack click processed, so a crash right after cannot process it twice
      if (inSameTransaction) await inSameTransaction(tx, o);
      return o;
    });
    const stage = findStage(outcome.execution, req.stageId);
    const ids = { ...executionLogFields(outcome.execution), ...(stage ? stageLogFields(stage) : { stageId: req.stageId }) };
    this.log.info({ ...ids, judgmentStatus: req.judgmentStatus, via: req.via, user: req.user, outcome: outcome.outcome }, 'judgment attempt');
    this.afterCommit(h);
    if (h.pushed) this.wake();
    if (h.published) this.opts.onPublished?.();
    return outcome;
  }

  /**
   * What `judge(req)` would answer, without changing anything (the transaction is rolled back). Used to decide
   * whether to open Slack's reject-reason dialog before the person types a reason.
   */
  async precheck(req: JudgmentRequest): Promise<JudgeOutcome> {
    class Rollback {
      constructor(readonly outcome: JudgeOutcome) {}
    }
    try {
      await this.opts.store.transaction(async (tx) => {
        throw new Rollback(await judgeInTransaction(new HandlerContext(tx, this.clock()), req));
      });
    } catch (err) {
      if (err instanceof Rollback) return err.outcome;
      throw err;
    }
    throw new Error('unreachable');
  }

  /**
   * Claims due messages up to the free capacity and starts handling them without waiting, so that a slow task
   * (an HTTP call) does not hold up other executions; each handler's transaction is atomic on its own. Returns how
   * many were started, or -1 at capacity (the loop then waits for a handler to finish).
   */
  private async tick(): Promise<number> {
    const room = MAX_IN_FLIGHT - this.inflight.size;
    if (room <= 0) return -1;
    const now = this.clock();
    const batch = await this.opts.store.transaction((tx) => tx.queue.claim(now, this.leaseMs, room));
    for (const msg of batch) {
      const p: Promise<void> = this.handle(msg)
        .then((published) => {
          if (published) this.opts.onPublished?.();
        })
        // `handle` fails only when even acking or releasing the message failed (the database is down): the
        // message keeps its lease, which runs out, and it is handled again. Unhandled, the rejection would end
        // the process.
        .catch((err: unknown) => {
          this.opts.logger.error({ err, kind: msg.kind, executionId: msg.executionId }, 'queue message could not be acked or released; retried when its lease runs out');
        })
        .finally(() => {
          this.inflight.delete(p);
          this.loop.wake();
        });
      this.inflight.add(p);
    }
    return batch.length;
  }

  /** Handles one message; returns whether it published events. */
  private async handle(msg: QueueMessage): Promise<boolean> {
    await new Promise<void>((resolve) => setImmediate(resolve)); // keep the HTTP server responsive
    const kind = msg.kind as MessageKind;
    const message = { kind, executionId: msg.executionId, stageId: msg.stageId, payload: msg.payload };
    const handler = HANDLERS[kind];
    const log = this.log.child({ executionId: msg.executionId, ...(msg.stageId ? { stageId: msg.stageId } : {}), kind: msg.kind });
    const startedAt = this.clock();
    // Keep the lease while the work runs (a slow `execute`), so that no other worker takes the message over.
    const renew = setInterval(() => {
      const now = this.clock();
      this.opts.store.repos.queue
        .renewLease(msg.id, now + this.leaseMs, now)
        .catch((err: unknown) => log.warn({ err }, 'queue lease renewal failed'));
    }, Math.max(1, Math.floor(this.leaseMs / 3)));
    try {
      const precomputed = kind === 'RunTask' ? await this.executeOutsideTransaction(msg) : undefined;
      const h = await this.opts.store.transaction(async (tx) => {
        const ctx = new HandlerContext(tx, this.clock());
        if (kind === 'RunTask') await runTask(ctx, message, precomputed);
        else if (handler) await handler(ctx, message);
        else log.error('unknown queue message kind; dropped');
        await tx.queue.ack(msg.id);
        return ctx;
      });
      log.debug({ attempts: msg.attempts, durationMs: this.clock() - startedAt }, 'queue message handled');
      this.afterCommit(h);
      return h.published;
    } catch (err) {
      if (err instanceof NotFoundError) {
        log.warn('queue message for a missing execution; dropped');
        await this.opts.store.repos.queue.ack(msg.id);
        return false;
      }
      const delay = Math.min(60_000, 250 * 2 ** Math.min(msg.attempts, 8));
      log.error({ err, attempts: msg.attempts, retryInMs: delay }, 'queue message failed; will retry');
      await this.opts.store.repos.queue.release(msg.id, this.clock() + delay);
      return false;
    } finally {
      clearInterval(renew);
    }
  }

  /**
   * After a commit: one log line per lifecycle change the transaction made (execution started/completed, stage
   * started/completed, judgment awaiting/decided), each with the execution's and stage's ids, and the observer's
   * metrics.
   */
  private afterCommit(h: HandlerContext): void {
    const log = this.log;
    try {
      const observer = this.opts.observer;
      for (const { execution, stage } of h.completedStages()) {
        const durationMs = stage.startTime !== null && stage.endTime !== null ? stage.endTime - stage.startTime : null;
        log.info({ ...stageOfExecutionLogFields(execution, stage), status: stage.status, durationMs }, 'stage completed');
        observer?.stageCompleted?.({ stageType: stage.type, status: stage.status, durationMs });
      }
      for (const e of h.events) {
        const execution = h.executionSeen(e.executionId);
        const stage = execution && 'stageId' in e ? findStage(execution, e.stageId) : undefined;
        const ids = {
          ...(execution ? executionLogFields(execution) : { executionId: e.executionId }),
          ...(stage ? stageLogFields(stage) : 'stageId' in e ? { stageId: e.stageId } : {}),
        };
        switch (e.type) {
          case 'execution.starting':
            log.info(ids, 'execution started');
            break;
          case 'execution.completed':
            log.info({ ...ids, status: e.status }, 'execution completed');
            break;
          case 'stage.starting':
            log.info(ids, 'stage started');
            break;
          case 'judgment.awaiting':
            log.info(ids, 'awaiting judgment');
            break;
          case 'judgment.decided': {
            const waitMs = stage?.startTime != null ? h.now - stage.startTime : null;
            log.info({ ...ids, judgmentStatus: e.judgmentStatus, waitMs }, 'judgment decided');
            if (waitMs !== null) observer?.judgmentDecided?.({ judgmentStatus: e.judgmentStatus, waitMs });
            break;
          }
          case 'judgment.ended':
            log.info({ ...ids, status: e.status }, 'judgment ended without a decision');
            break;
          default:
            log.debug({ ...ids, event: e.type }, 'event published');
        }
      }
    } catch (err) {
      log.warn({ err }, 'could not report a committed change');
    }
  }

  /** Runs a stage type's `execute` (I/O) on a snapshot, when the type has one and the stage is still RUNNING. */
  private async executeOutsideTransaction(msg: QueueMessage): Promise<TaskResult | undefined> {
    const execution = await this.opts.store.repos.executions.get(msg.executionId);
    const stage = execution ? findStage(execution, msg.stageId ?? '') : undefined;
    const type = stage ? STAGE_TYPES.get(stage.type) : undefined;
    if (!execution || !stage || !type?.execute || stage.status !== 'RUNNING' || execution.status !== 'RUNNING') return undefined;
    // The lease is renewed while this runs, so the only bound here is a backstop against a hung call: stage types
    // bound their own work well inside it (a webhook request at most 45 s). Tying it to the lease cut slow webhooks
    // off and re-sent them whenever database.leaseMs was set low for fast take-over.
    const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(EXECUTE_BACKSTOP_MS)]);
    const launcher: ExecutionLauncher = {
      pipelineConfig: (id) => this.opts.store.repos.pipelines.byId(id),
      execution: (id) => this.opts.store.repos.executions.get(id),
      startChild: (config, trigger, parent) => this.startChild(config, trigger, parent),
    };
    return type.execute({ execution, stage, now: this.clock(), signal, launcher, network: this.opts.network });
  }

  /**
   * The `pipeline` stage's launcher (orca's DependentPipelineStarter): stores a NOT_STARTED execution of `config`
   * and queues its StartExecution, and records its id in the parent stage's context and outputs, all in one
   * transaction — so a parent re-run (crash, redelivery) finds `executionId` and starts nothing more, and a parent
   * canceled meanwhile starts nothing. See {@link ExecutionLauncher.startChild}.
   */
  private async startChild(config: PipelineConfig, req: TriggerRequest, parent: { executionId: string; stageId: string }): Promise<ChildStart> {
    const now = this.clock();
    const user = req.user ?? 'anonymous';
    const access = this.opts.childAccess?.policy.enforced ? this.opts.childAccess : undefined;
    const roles = access ? await access.rolesFor(user) : [];
    const result = await this.opts.store.transaction(async (tx): Promise<ChildStart> => {
      const execution = await tx.executions.get(parent.executionId);
      const stage = execution ? findStage(execution, parent.stageId) : undefined;
      if (!execution || !stage) return { outcome: 'stale' };
      const known = stage.context.executionId;
      if (typeof known === 'string' && known !== '') {
        return { outcome: 'existing', executionId: known, executionName: String(stage.context.executionName ?? '') };
      }
      if (stage.status !== 'RUNNING' || execution.status !== 'RUNNING' || execution.canceled) return { outcome: 'stale' };
      // Starting a pipeline is triggering it: the parent's trigger user needs EXECUTE on the child's application.
      const auditEntry = { at: now, user, via: 'pipeline', action: 'pipeline.trigger' as const, application: config.application };
      const detail = { name: config.name, pipelineConfigId: config.id, parentExecutionId: execution.id, parentApplication: execution.application };
      if (access) {
        const app = await tx.applications.get(config.application);
        const denial = access.policy.denial({ user, roles, admin: access.policy.isAdmin(roles) }, config.application, app?.permissions, 'EXECUTE');
        if (denial !== null) {
          await audit(tx, { ...auditEntry, outcome: 'denied', detail: { ...detail, reason: denial } });
          return { outcome: 'refused', message: `the trigger user may not start it: ${denial}` };
        }
      }
      let parameters: Record<string, string>;
      try {
        parameters = resolveParameters(config, (req.parameters as Record<string, unknown> | undefined) ?? {});
      } catch (err) {
        if (err instanceof BadRequestError) return { outcome: 'refused', message: err.message };
        throw err;
      }
      const child = buildExecution(config, { ...req, type: req.type ?? 'pipeline', user: req.user ?? 'anonymous', parameters }, now);
      await tx.executions.insert(child, now);
      await tx.queue.push({ kind: 'StartExecution', executionId: child.id }, now, now);
      await audit(tx, { ...auditEntry, executionId: child.id, outcome: 'ok', detail });
      Object.assign(stage.context, { executionId: child.id, executionName: child.name });
      Object.assign(stage.outputs, { executionId: child.id, executionName: child.name });
      await tx.executions.update(execution, now);
      return { outcome: 'started', executionId: child.id, executionName: child.name };
    });
    if (result.outcome === 'started') this.wake();
    return result;
  }

  // ---- execution controls (see handlers/controls.ts for orca's behaviour each follows) ----

  /** Runs `fn` in one transaction with a handler context; wakes the loop / dispatcher after commit as needed. */
  private async control<T>(fn: (h: HandlerContext) => Promise<T>): Promise<T> {
    let h!: HandlerContext;
    const out = await this.opts.store.transaction(async (tx) => {
      h = new HandlerContext(tx, this.clock());
      return fn(h);
    });
    this.afterCommit(h);
    if (h.pushed) this.wake();
    if (h.published) this.opts.onPublished?.();
    return out;
  }

  /**
   * Pauses a RUNNING execution (Gate's `PUT /pipelines/{id}/pause`).
   * @throws NotFoundError; ConflictError when it is not RUNNING.
   */
  async pause(executionId: string, user: string): Promise<PipelineExecution> {
    return this.control((h) => pauseInTransaction(h, executionId, user));
  }

  /**
   * Resumes a PAUSED execution (Gate's `PUT /pipelines/{id}/resume`).
   * @throws NotFoundError; ConflictError when it is not PAUSED.
   */
  async resume(executionId: string, user: string): Promise<PipelineExecution> {
    return this.control((h) => resumeInTransaction(h, executionId, user));
  }

  /**
   * Ends a running `wait` stage now (`PATCH /pipelines/{id}/stages/{stageId}` with `{skipRemainingWait: true}`).
   * @throws NotFoundError; BadRequestError when the stage is not a wait; ConflictError when it is not waiting.
   */
  async skipRemainingWait(executionId: string, stageId: string, user: string): Promise<PipelineExecution> {
    return this.control((h) => skipRemainingWaitInTransaction(h, executionId, stageId, user));
  }

  /**
   * Restarts an ended stage and everything downstream (`PUT /pipelines/{id}/stages/{stageId}/restart`).
   * @throws NotFoundError; ConflictError when the stage has not ended or cannot start.
   */
  async restartStage(executionId: string, stageId: string, user: string): Promise<PipelineExecution> {
    return this.control((h) => restartStageInTransaction(h, executionId, stageId, user));
  }

  /**
   * Deletes an ended execution (`DELETE /pipelines/{id}`).
   * @throws NotFoundError; ConflictError when it has not ended (cancel it first).
   */
  async deleteExecution(executionId: string): Promise<void> {
    await this.control((h) => deleteInTransaction(h, executionId));
  }
}

export type { JudgeOutcome };
