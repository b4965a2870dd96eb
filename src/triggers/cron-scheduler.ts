/**
 * Fires the cron triggers of saved pipelines (echo-scheduler's job: `PipelineConfigsPollingJob` keeps Quartz in step
 * with the saved pipelines; `MissedPipelineTriggerCompensationJob` fires triggers missed while echo was down).
 *
 * How it works:
 * - Each pass re-reads the saved pipelines that declare triggers, so saving, editing, disabling or deleting a
 *   pipeline takes effect by the next pass (at most `reloadMs` later); parsed expressions are cached per save.
 * - A trigger is due when its expression names a time after its baseline and not after now. The baseline is the later
 *   of the trigger's last fire (durable, table `cron_trigger_state`) and the pipeline's last save: ticks from before
 *   the trigger existed, or from while it was disabled, never fire.
 * - A due trigger fires once, however many ticks passed since the baseline (a tick missed while the service was down
 *   fires once on start, not once per missed tick), and its last fire becomes now.
 * - No double fires: recording the fire (a compare-and-set on the last fire time) and inserting the execution with
 *   its `StartExecution` message happen in one transaction. A crash before the commit leaves neither (the trigger is
 *   still due on start and fires then); after it, both. That is why this does not call `engine.trigger` (which
 *   commits on its own): it builds the execution with the same `resolveParameters` / `buildExecution` and writes it
 *   exactly as `engine.trigger` does, then wakes the engine.
 * - A trigger that cannot start (a required parameter without a default) records the fire anyway and logs a
 *   warning, so it is tried again at its next tick rather than on every pass.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Cron } from 'croner';
import type { Store } from '../store/index.js';
import type { Engine } from '../engine/engine.js';
import type { PipelineConfig } from '../model/pipeline.js';
import type { Trigger } from '../model/execution.js';
import { WorkLoop } from '../lib/work-loop.js';
import { buildExecution, resolveParameters } from '../engine/build.js';
import { BadRequestError } from '../engine/errors.js';
import { parseCronExpression } from './cron-expression.js';

export interface CronSchedulerOptions {
  store: Store;
  /** Woken after an execution is written. */
  engine: Pick<Engine, 'wake'>;
  logger: Logger;
  /** Longest time between two reads of the saved pipelines, ms. Default 2,000. */
  reloadMs?: number;
  /** Epoch ms clock. */
  clock?: () => number;
}

/** A cron trigger as saved on a pipeline. */
export interface CronTriggerConfig {
  type: string;
  cronExpression?: string;
  enabled?: boolean;
  id?: string;
  runAsUser?: string;
  [field: string]: unknown;
}

/** The durable key of a trigger: its `id` when it has one, else its position. */
export function cronTriggerKey(trigger: { id?: unknown }, index: number): string {
  return typeof trigger.id === 'string' && trigger.id !== '' ? trigger.id : `#${index}`;
}

interface Armed {
  config: PipelineConfig;
  trigger: CronTriggerConfig;
  key: string;
  cron: Cron;
  /** Epoch ms of the pipeline's last save. */
  savedAt: number;
}

export class CronScheduler {
  private readonly loop: WorkLoop;
  private readonly clock: () => number;
  /** Parsed expressions by `pipelineId savedAt index`: a pipeline's triggers are parsed once per save. */
  private cache = new Map<string, Cron | null>();
  private nextDue: number | null = null;

  constructor(private readonly opts: CronSchedulerOptions) {
    this.clock = opts.clock ?? Date.now;
    this.loop = new WorkLoop({
      tick: () => this.pass(),
      nextDueAt: async () => this.nextDue,
      maxSleepMs: opts.reloadMs ?? 2_000,
      onError: (err) => opts.logger.error({ err }, 'cron scheduler error'),
      now: this.clock,
    });
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /** Runs a pass now (e.g. after a pipeline was saved). */
  wake(): void {
    this.loop.wake();
  }

  /** The enabled cron triggers of enabled pipelines, parsed. Invalid expressions (saved before checks) are skipped. */
  private async armed(): Promise<Armed[]> {
    const saved = await this.opts.store.repos.triggers.pipelinesWithTriggers();
    const out: Armed[] = [];
    const cache = new Map<string, Cron | null>();
    for (const { config, updatedAt } of saved) {
      if (config.disabled === true || !Array.isArray(config.triggers)) continue;
      config.triggers.forEach((t, i) => {
        if (t === null || typeof t !== 'object') return;
        const trigger = t as CronTriggerConfig;
        if (String(trigger.type).toLowerCase() !== 'cron' || trigger.enabled !== true) return;
        const cacheKey = `${config.id} ${updatedAt} ${i}`;
        let cron = this.cache.get(cacheKey);
        if (cron === undefined) {
          try {
            cron = parseCronExpression(String(trigger.cronExpression ?? ''));
          } catch (err) {
            cron = null;
            this.opts.logger.warn(
              { application: config.application, pipeline: config.name, path: `triggers[${i}].cronExpression`, err: (err as Error).message },
              'cron trigger has an invalid expression; it will not fire',
            );
          }
        }
        cache.set(cacheKey, cron);
        if (cron) out.push({ config, trigger, key: cronTriggerKey(trigger, i), cron, savedAt: updatedAt });
      });
    }
    this.cache = cache;
    return out;
  }

  /** Fires every due trigger once; returns how many fired. Sets `nextDue`. */
  private async pass(): Promise<number> {
    const armed = await this.armed();
    const lastFires = await this.opts.store.repos.triggers.cronLastFires();
    const now = this.clock();
    let fired = 0;
    let nextDue: number | null = null;
    for (const a of armed) {
      const last = lastFires.get(`${a.config.id}\u0000${a.key}`) ?? null;
      const baseline = Math.max(last ?? 0, a.savedAt);
      const due = a.cron.nextRun(new Date(baseline))?.getTime() ?? null;
      if (due === null) continue;
      if (due <= now) {
        if (await this.fire(a, last, now)) fired++;
        const after = a.cron.nextRun(new Date(now))?.getTime() ?? null;
        if (after !== null && (nextDue === null || after < nextDue)) nextDue = after;
      } else if (nextDue === null || due < nextDue) {
        nextDue = due;
      }
    }
    this.nextDue = nextDue;
    return fired;
  }

  /** Records the fire and starts the execution in one transaction; false when another writer fired it first. */
  private async fire(a: Armed, expected: number | null, now: number): Promise<boolean> {
    const log = { application: a.config.application, pipeline: a.config.name, trigger: a.key, cronExpression: a.trigger.cronExpression };
    const trigger = (parameters: Record<string, string>): Trigger => ({
      ...a.trigger,
      type: 'cron',
      user: typeof a.trigger.runAsUser === 'string' && a.trigger.runAsUser !== '' ? a.trigger.runAsUser : 'anonymous',
      parameters,
      eventId: randomUUID(),
    });
    let started: string | null = null;
    try {
      const parameters = resolveParameters(a.config, {});
      started = await this.opts.store.transaction(async (tx) => {
        if (!(await tx.triggers.recordCronFire(a.config.id, a.key, expected, now))) return null;
        const execution = buildExecution(a.config, trigger(parameters), now);
        await tx.executions.insert(execution, now);
        await tx.queue.push({ kind: 'StartExecution', executionId: execution.id }, now, now);
        return execution.id;
      });
    } catch (err) {
      if (!(err instanceof BadRequestError)) throw err;
      this.opts.logger.warn({ ...log, err: err.message }, 'cron trigger fired but the pipeline cannot start');
      await this.opts.store.transaction((tx) => tx.triggers.recordCronFire(a.config.id, a.key, expected, now));
      return false;
    }
    if (started === null) return false;
    this.opts.logger.info({ ...log, executionId: started }, 'cron trigger fired');
    this.opts.engine.wake();
    return true;
  }
}
