/**
 * What every queue-message handler gets: repositories bound to the handler's transaction, the clock, and ways to
 * push follow-up messages and publish domain events (both written in the same transaction).
 */
import type { Repositories } from '../../store/index.js';
import type { PipelineExecution, StageExecution } from '../../model/execution.js';
import type { EngineMessage } from '../messages.js';
import { EVENT_OUTBOX_KIND, eventKey, type DomainEvent } from '../events.js';
import { NotFoundError } from '../errors.js';
import { isComplete, type ExecutionStatus } from '../../model/status.js';

export class HandlerContext {
  /** Set when a message was pushed; the runner wakes itself after commit. */
  pushed = false;
  /** Set when an event was published; the notification dispatcher is woken after commit. */
  published = false;
  /** Every event published in this transaction, in order (read after commit for metrics and logs). */
  readonly events: DomainEvent[] = [];

  constructor(
    readonly tx: Repositories,
    readonly now: number,
  ) {}

  async push(msg: EngineMessage, deliverAt = this.now): Promise<void> {
    await this.tx.queue.push(msg, deliverAt, this.now);
    this.pushed = true;
  }

  /** Executions this handler read or saved, by id (to stamp stage events with the stage's restart generation). */
  private readonly seen = new Map<string, PipelineExecution>();

  async publish(events: DomainEvent[] | undefined): Promise<void> {
    for (const original of events ?? []) {
      let e = original;
      if ('stageId' in e && !('gen' in e)) {
        const stageId = e.stageId;
        const stage = this.seen.get(e.executionId)?.stages.find((s) => s.id === stageId);
        const gen = stage?.context.restartGeneration;
        if (typeof gen === 'number') e = { ...e, gen } as DomainEvent;
      }
      await this.tx.outbox.add({ kind: EVENT_OUTBOX_KIND, dedupeKey: eventKey(e), payload: e as unknown as Record<string, unknown> }, this.now);
      this.published = true;
      this.events.push(e);
    }
  }

  async execution(id: string): Promise<PipelineExecution> {
    const e = await this.tx.executions.get(id);
    if (!e) throw new NotFoundError(`execution ${id} not found`);
    this.seen.set(id, e);
    if (!this.statusesAtRead.has(id)) this.statusesAtRead.set(id, new Map(e.stages.map((s) => [s.id, s.status])));
    return e;
  }

  /** Stage statuses of each execution as `execution(id)` first read it here, to tell which stages end in this transaction. */
  private readonly statusesAtRead = new Map<string, Map<string, ExecutionStatus>>();

  /** The execution as last read through `execution(id)` or saved in this transaction, if it was. */
  executionSeen(id: string): PipelineExecution | undefined {
    return this.seen.get(id);
  }

  /**
   * Stages that reached a completed status (orca's `isComplete`) in this transaction: read through `execution(id)`
   * while not complete, and complete in the execution as last saved. For metrics and logs after the commit.
   */
  completedStages(): Array<{ execution: PipelineExecution; stage: StageExecution }> {
    const out: Array<{ execution: PipelineExecution; stage: StageExecution }> = [];
    for (const [id, before] of this.statusesAtRead) {
      const execution = this.seen.get(id);
      if (!execution) continue;
      for (const stage of execution.stages) {
        const was = before.get(stage.id);
        if (was !== undefined && !isComplete(was) && isComplete(stage.status)) out.push({ execution, stage });
      }
    }
    return out;
  }

  async save(execution: PipelineExecution): Promise<void> {
    this.seen.set(execution.id, execution);
    await this.tx.executions.update(execution, this.now);
  }
}

/** Finds a stage by `id`, or by `refId` when no id matches. */
export function findStage(execution: PipelineExecution, idOrRefId: string): StageExecution | undefined {
  return execution.stages.find((s) => s.id === idOrRefId) ?? execution.stages.find((s) => s.refId === idOrRefId);
}

export function upstreamStages(execution: PipelineExecution, stage: StageExecution): StageExecution[] {
  return execution.stages.filter((s) => stage.requisiteStageRefIds.includes(s.refId));
}

export function downstreamStages(execution: PipelineExecution, stage: StageExecution): StageExecution[] {
  return execution.stages.filter((s) => s.requisiteStageRefIds.includes(stage.refId));
}
