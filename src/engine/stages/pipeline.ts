/**
 * `pipeline`: runs another pipeline (a child execution) and, by default, waits for it, as orca's PipelineStage
 * (orca-front50: `PipelineStage` → `StartPipelineTask` (through `DependentPipelineStarter`), then
 * `MonitorPipelineTask` unless `waitForCompletion` is false). The work runs in `execute`, outside any transaction,
 * through the engine's {@link ExecutionLauncher}.
 *
 * Fields (Deck's): `application` (the child's application; orca also reads `pipelineApplication`; default here: the
 * parent's application), `pipeline` (the child's pipeline config id), `pipelineParameters` (its trigger
 * parameters; `${...}` already evaluated when the stage started), `waitForCompletion` (default true, as Deck and
 * orca: only `false` / "false" turns it off).
 *
 * Start (StartPipelineTask): the config is looked up by id within the application — missing → TERMINAL "cannot be
 * located", as orca; `disabled: true` → TERMINAL, as orca's DependentPipelineStarter. The child's trigger is
 * `{type: "pipeline", user: <parent trigger user>, parentExecution: {id, application, name}, parentStageId,
 * parameters}` (orca embeds the whole parent execution and names the stage `parentPipelineStageId`; we keep a
 * reference and give both names). Parameters the child requires but lacks → TERMINAL with the same message
 * `POST /pipelines/{app}/{name}` answers with 400. The launcher records `executionId` / `executionName` in the
 * stage's context and outputs in the transaction that stores the child, so a re-run polls that child instead of
 * starting another (orca's `taskGraph` likewise skips `startPipeline` once `executionId` is set).
 *
 * Wait (MonitorPipelineTask, orca's "legacy" single-child form): polled every {@link MONITOR_INTERVAL_MS} (orca: 15 s)
 * until the child completes. SUCCEEDED → SUCCEEDED; CANCELED → CANCELED; any other end (TERMINAL, STOPPED, …) →
 * TERMINAL, which the engine maps to the stage's failure status (`failPipeline`, `continuePipeline`), with an error
 * naming the child and quoting its failed stages' errors (orca: "Exception in child pipeline stage (name: stage):
 * message"). Outputs: `executionId`, `executionName`, `status` (the child's; orca puts it in the context).
 *
 * Cancel (orca's `PipelineStage.cancel`): when the parent's stage is canceled while RUNNING, the CancelExecution
 * handler cancels the child too ({@link childExecutionId}). Recursion: a pipeline starting itself, directly or
 * through a chain, is stopped at {@link MAX_PIPELINE_DEPTH} levels (orca has no such guard).
 *
 * Not supported (orca has them): `expectedArtifacts` binding, custom strategies, `skipDownstreamOutput`, the
 * child's stage outputs merged into this stage's outputs.
 */
import { z } from 'zod';
import type { PipelineExecution, StageExecution } from '../../model/execution.js';
import type { ExecutionStatus } from '../../model/status.js';
import { isComplete } from '../../model/status.js';
import type { ExecutionLauncher, StageRunContext, StageType, TaskResult } from './types.js';

/** How often the child is polled while waiting (ms). */
export const MONITOR_INTERVAL_MS = 1_000;
/** Deepest chain of pipeline stages: an execution started at a deeper level is refused. */
export const MAX_PIPELINE_DEPTH = 10;

const schema = z.object({
  application: z.string({ error: 'expected the child pipeline\'s application' }).min(1, 'expected an application name').optional(),
  pipelineApplication: z.string({ error: 'expected an application name' }).optional(),
  pipeline: z
    .string({ error: (i) => (i.input === undefined ? 'required: the id of the pipeline config to run' : 'expected a pipeline config id') })
    .min(1, 'expected a pipeline config id'),
  pipelineParameters: z.record(z.string(), z.unknown(), { error: 'expected an object of parameter names to values' }).optional().nullable(),
  waitForCompletion: z.union([z.boolean(), z.string()], { error: 'expected true or false' }).optional(),
});

/** The child execution a `pipeline` stage started, if any (read by the CancelExecution handler). */
export function childExecutionId(stage: StageExecution): string | undefined {
  const id = stage.type === 'pipeline' ? stage.context.executionId : undefined;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

export const pipelineStage: StageType = {
  type: 'pipeline',
  schema,
  taskName: 'startPipeline',
  start() {
    return {};
  },
  run({ now }) {
    // the work happens in `execute`; reaching here means the engine ran the task without it: try again shortly
    return { status: 'RUNNING', retryAt: now + MONITOR_INTERVAL_MS };
  },
  async execute(ctx) {
    if (!ctx.launcher) throw new Error('the pipeline stage needs the engine\'s launcher');
    const launcher = ctx.launcher;
    const known = childExecutionId(ctx.stage);
    if (known) return waitForCompletion(ctx.stage.context) ? monitor(ctx, launcher, known) : started(ctx.stage, known);
    return startChild(ctx, launcher);
  },
};

/** `waitForCompletion`: anything but false / "false" waits (orca's `taskGraph`). */
function waitForCompletion(context: Record<string, unknown>): boolean {
  return String(context.waitForCompletion ?? 'true').trim().toLowerCase() !== 'false';
}

/** StartPipelineTask: finds the config, guards recursion, and starts the child. */
async function startChild(ctx: StageRunContext, launcher: ExecutionLauncher): Promise<TaskResult> {
  const { execution, stage } = ctx;
  const c = stage.context;
  const application = (nonEmpty(c.pipelineApplication) ?? nonEmpty(c.application) ?? execution.application).toLowerCase();
  const pipelineId = nonEmpty(c.pipeline);
  if (!pipelineId) return fail('pipeline: expected the id of the pipeline config to run');
  const config = await launcher.pipelineConfig(pipelineId);
  if (!config || config.application !== application) {
    return fail(`The referenced pipeline cannot be located: application ${application} has no pipeline with id ${JSON.stringify(pipelineId)}`);
  }
  const child = `pipeline "${config.name}" (${config.application}, id ${config.id})`;
  if (config.disabled === true) return fail(`${child} is disabled and cannot be triggered`);

  const chain = await ancestry(launcher, execution);
  if (chain.length >= MAX_PIPELINE_DEPTH + 1) {
    const names = [...chain].reverse().map((e) => `"${e.name}"`).join(' → ');
    return fail(
      `cannot start ${child}: pipeline stages are nested more than ${MAX_PIPELINE_DEPTH} deep (${names} → "${config.name}"); ` +
        'does a pipeline start itself, directly or through a chain of pipeline stages?',
    );
  }

  const parameters = c.pipelineParameters && typeof c.pipelineParameters === 'object' ? (c.pipelineParameters as Record<string, unknown>) : {};
  const trigger = {
    type: 'pipeline',
    user: execution.trigger.user,
    parentExecution: { id: execution.id, application: execution.application, name: execution.name },
    parentStageId: stage.id,
    parentPipelineStageId: stage.id,
    parameters,
  };
  const r = await launcher.startChild(config, trigger, { executionId: execution.id, stageId: stage.id });
  switch (r.outcome) {
    case 'refused':
      return fail(`cannot start ${child}: ${r.message}`);
    case 'stale':
      // the stage ended meanwhile (canceled): the engine discards this result
      return { status: 'RUNNING', retryAt: ctx.now + MONITOR_INTERVAL_MS };
    case 'started':
    case 'existing':
      if (!waitForCompletion(c)) return started(stage, r.executionId, r.executionName);
      return { status: 'RUNNING', retryAt: ctx.now + MONITOR_INTERVAL_MS, context: { executionId: r.executionId, executionName: r.executionName } };
  }
}

/** With `waitForCompletion: false`: SUCCEEDED as soon as the child exists. */
function started(stage: StageExecution, executionId: string, executionName = String(stage.context.executionName ?? '')): TaskResult {
  const out = { executionId, executionName };
  return { status: 'SUCCEEDED', context: out, outputs: out };
}

/** MonitorPipelineTask: one look at the child. */
async function monitor(ctx: StageRunContext, launcher: ExecutionLauncher, executionId: string): Promise<TaskResult> {
  const child = await launcher.execution(executionId);
  const executionName = String(ctx.stage.context.executionName ?? child?.name ?? '');
  if (!child) return fail(`child execution ${executionId} (${executionName || 'unknown pipeline'}) not found`, { executionId, executionName });
  const out: Record<string, unknown> = { executionId, executionName: child.name, status: child.status };
  if (!isComplete(child.status)) return { status: 'RUNNING', retryAt: ctx.now + MONITOR_INTERVAL_MS, context: { status: child.status } };
  if (child.status === 'SUCCEEDED') return { status: 'SUCCEEDED', context: out, outputs: out };
  const named = `child pipeline "${child.name}" (${child.application}, execution ${child.id})`;
  if (child.status === 'CANCELED') {
    const by = child.canceledBy ? ` by ${child.canceledBy}` : '';
    return { status: 'CANCELED', context: { ...out, exception: { details: { error: `${named} was canceled${by}` } } }, outputs: out };
  }
  const errors = childErrors(child);
  const error = `${named} ended ${child.status}${errors.length > 0 ? `: ${errors.join('; ')}` : ''}`;
  return fail(error, out, errors);
}

/** orca's MonitorPipelineTask message for each failed stage of the child. */
function childErrors(child: PipelineExecution): string[] {
  const out: string[] = [];
  const failed: ReadonlySet<ExecutionStatus> = new Set(['TERMINAL', 'STOPPED']);
  for (const s of child.stages.filter((x) => failed.has(x.status))) {
    const details = (s.context.exception as { details?: { error?: unknown; errors?: unknown } } | undefined)?.details;
    const messages = Array.isArray(details?.errors) && details.errors.length > 0 ? details.errors : details?.error !== undefined ? [details.error] : [];
    for (const m of messages) out.push(`Exception in child pipeline stage (${child.name}: ${s.name || s.type}): ${String(m)}`);
  }
  return out;
}

/** The execution and its ancestors through pipeline triggers (`trigger.parentExecution.id`), nearest first; at most one past the limit. */
async function ancestry(launcher: ExecutionLauncher, execution: PipelineExecution): Promise<Array<{ id: string; name: string }>> {
  const chain = [{ id: execution.id, name: execution.name }];
  let current: PipelineExecution | undefined = execution;
  while (current && chain.length <= MAX_PIPELINE_DEPTH) {
    const parent = current.trigger.parentExecution as { id?: unknown; name?: unknown } | undefined;
    if (current.trigger.type !== 'pipeline' || !parent || typeof parent.id !== 'string') break;
    current = await launcher.execution(parent.id);
    chain.push({ id: parent.id, name: current?.name ?? String(parent.name ?? parent.id) });
  }
  return chain;
}

function fail(message: string, out: Record<string, unknown> = {}, errors?: string[]): TaskResult {
  const details = errors && errors.length > 0 ? { error: message, errors } : { error: message };
  return { status: 'TERMINAL', context: { ...out, exception: { details } }, outputs: out };
}

function nonEmpty(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}
