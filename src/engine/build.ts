/**
 * Turning a pipeline config and a trigger into a new execution (what orca's ExecutionLauncher does).
 */
import { randomUUID } from 'node:crypto';
import type { PipelineConfig } from '../model/pipeline.js';
import type { PipelineExecution, StageExecution, Trigger } from '../model/execution.js';
import { BadRequestError } from './errors.js';
import { STAGE_TYPES } from './stages/index.js';

/** Fields of a stage config that are not copied into the stage's `context` (they are top-level on the stage). */
const STAGE_TOP_LEVEL = new Set(['refId', 'requisiteStageRefIds', 'type', 'name']);

/**
 * Resolves trigger parameters against `parameterConfig`: given values win, absent ones take `default`, and a
 * required parameter with neither (or an empty value) is refused. Values are strings, as in Spinnaker.
 * A value outside a parameter's `options` (when `hasOptions`) is refused, as Deck's form refuses it.
 * Parameters not declared in `parameterConfig` are passed through (Spinnaker does the same).
 * @throws BadRequestError naming each missing required parameter and each value outside its options
 *   (`parameters.NAME`).
 */
export function resolveParameters(config: PipelineConfig, given: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(given)) if (v !== undefined && v !== null) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  const missing: string[] = [];
  const issues: Array<{ path: string; message: string }> = [];
  for (const p of config.parameterConfig ?? []) {
    const v = out[p.name];
    const options = (p.options ?? []).map((o) => String(o.value));
    if (p.hasOptions && options.length > 0 && v !== undefined && v !== '' && !options.includes(v)) {
      issues.push({ path: `parameters.${p.name}`, message: `"${v.slice(0, 100)}" is not one of the options (${options.join(', ')})` });
    }
    if (v === undefined || v === '') {
      const d = p.default;
      if (d !== undefined && d !== null && String(d) !== '') out[p.name] = String(d);
      else if (p.required) missing.push(p.name);
      else out[p.name] = v ?? '';
    }
  }
  for (const m of missing) issues.push({ path: `parameters.${m}`, message: 'required parameter has no value and no default' });
  if (issues.length > 0) {
    const head = missing.length > 0 ? `missing required parameter${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}` : 'invalid parameters';
    throw new BadRequestError(`${head}; ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
  }
  return out;
}

/** Creates a NOT_STARTED execution of `config`. `now` is epoch ms. */
export function buildExecution(config: PipelineConfig, trigger: Trigger, now: number): PipelineExecution {
  const stages: StageExecution[] = config.stages.map((s) => {
    const context: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s)) if (!STAGE_TOP_LEVEL.has(k)) context[k] = v;
    const taskName = STAGE_TYPES.get(s.type)?.taskName ?? s.type;
    return {
      id: randomUUID(),
      refId: String(s.refId),
      type: s.type,
      name: s.name,
      status: 'NOT_STARTED',
      context,
      outputs: {},
      requisiteStageRefIds: (s.requisiteStageRefIds ?? []).map(String),
      startTime: null,
      endTime: null,
      lastModified: null,
      tasks: [{ id: '1', name: taskName, status: 'NOT_STARTED', startTime: null, endTime: null }],
    };
  });
  return {
    id: randomUUID(),
    type: 'PIPELINE',
    application: config.application,
    name: config.name,
    pipelineConfigId: config.id,
    status: 'NOT_STARTED',
    buildTime: now,
    startTime: null,
    endTime: null,
    canceled: false,
    canceledBy: null,
    cancellationReason: null,
    trigger,
    stages,
    pipelineConfig: config,
  };
}
