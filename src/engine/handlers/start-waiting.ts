/**
 * Concurrent executions of one pipeline config, as orca does it:
 *
 * - Whether an execution must wait (orca's `PipelineExecution.shouldQueue()` in OrcaMessageHandler, used by
 *   StartExecutionHandler): with `limitConcurrent: true` it waits while another execution of the same config is
 *   RUNNING (at most one at a time, whatever `maxConcurrentExecutions` says); with `limitConcurrent` false or absent
 *   and `maxConcurrentExecutions: N > 0` it waits while N others are RUNNING; otherwise it never waits. A waiting
 *   execution stays NOT_STARTED (orca keeps its StartExecution message in the PendingExecutionService; BUFFERED is
 *   the status of orca's separate QoS buffering, not of this queue). Only RUNNING executions count, as in orca's
 *   query (a PAUSED one does not hold a slot).
 * - What happens when one ends (orca's CompleteExecutionHandler pushes `StartWaitingExecutions(configId,
 *   purgeQueue = !keepWaitingPipelines)`; StartWaitingExecutionsHandler): with `keepWaitingPipelines: true` the
 *   oldest waiting execution starts; otherwise (the default) the newest waiting one starts and every older waiting
 *   one is CANCELED ("Dropping queued pipeline").
 *
 * The ended execution's own copy of the config decides, as orca reads the flags from the execution.
 */
import type { PipelineConfig } from '../../model/pipeline.js';
import type { PipelineExecution } from '../../model/execution.js';
import type { EngineMessage } from '../messages.js';
import type { HandlerContext } from './context.js';

/** How many executions of the config may run at once, or null for no limit. */
export function concurrencyLimit(config: Partial<PipelineConfig> | undefined): number | null {
  if (!config) return null;
  if (config.limitConcurrent === true) return 1;
  const max = config.maxConcurrentExecutions;
  if (typeof max === 'number' && Number.isInteger(max) && max > 0) return max;
  return null;
}

/** Whether `execution` must wait for a running execution of its pipeline config to end before it starts. */
export async function shouldQueue(h: HandlerContext, execution: PipelineExecution): Promise<boolean> {
  const limit = concurrencyLimit(execution.pipelineConfig);
  if (limit === null || !execution.pipelineConfigId) return false;
  const running = await h.tx.executions.listByPipelineConfig(execution.pipelineConfigId, ['RUNNING']);
  return running.filter((e) => e.id !== execution.id).length >= limit;
}

/**
 * Queues `StartWaitingExecutions` after `ended` ended, when its config limits concurrency. Call in the transaction
 * that ends the execution (CompleteExecution, CancelExecution).
 */
export async function queueStartWaiting(h: HandlerContext, ended: PipelineExecution): Promise<void> {
  if (concurrencyLimit(ended.pipelineConfig) === null) return;
  await h.push({
    kind: 'StartWaitingExecutions',
    executionId: ended.id,
    payload: { pipelineConfigId: ended.pipelineConfigId, keepWaitingPipelines: ended.pipelineConfig?.keepWaitingPipelines === true },
  });
}

/**
 * StartWaitingExecutions: starts as many waiting executions as there are free slots (StartExecution re-checks the
 * limit, so a race only leaves an execution waiting for the next end); without `keepWaitingPipelines` the older
 * waiting ones are canceled.
 */
export async function startWaitingExecutions(h: HandlerContext, msg: EngineMessage): Promise<void> {
  const payload = msg.payload ?? {};
  const ended = await h.tx.executions.get(msg.executionId);
  const configId = typeof payload.pipelineConfigId === 'string' ? payload.pipelineConfigId : ended?.pipelineConfigId;
  if (!configId) return;
  const keep = typeof payload.keepWaitingPipelines === 'boolean' ? payload.keepWaitingPipelines : ended?.pipelineConfig?.keepWaitingPipelines === true;
  const limit = concurrencyLimit(ended?.pipelineConfig) ?? 1;
  const running = await h.tx.executions.listByPipelineConfig(configId, ['RUNNING']);
  const waiting = (await h.tx.executions.listByPipelineConfig(configId, ['NOT_STARTED'])).filter((e) => !e.canceled && e.id !== msg.executionId);
  if (waiting.length === 0) return;
  const free = Math.max(0, limit - running.length);
  if (!keep) {
    const newest = waiting[waiting.length - 1]!;
    for (const listed of waiting.slice(0, -1)) {
      // The list was read without locks; on PostgreSQL another replica may have started or canceled this one
      // since. Lock and re-read it (this transaction holds only `ended`, and no transaction locks a waiting
      // execution before an ended one, so the order cannot deadlock), and leave it alone if it changed: saving
      // the listed copy would overwrite what the other transaction committed.
      const older = await h.tx.executions.get(listed.id);
      if (!older || older.status !== 'NOT_STARTED' || older.canceled) continue;
      older.canceled = true;
      older.canceledBy = 'system';
      older.cancellationReason = `a newer execution (${newest.id}) was waiting; only the newest waiting execution is kept (keepWaitingPipelines is false)`;
      await h.save(older);
      await h.push({ kind: 'CancelExecution', executionId: older.id });
    }
    if (free > 0) await h.push({ kind: 'StartExecution', executionId: newest.id });
    return;
  }
  for (const next of waiting.slice(0, free)) await h.push({ kind: 'StartExecution', executionId: next.id });
}
