/** Stage types the builder offers, their labels, and the fields a new stage of each type starts with. */
import type { StageConfig } from '../../api';

export const STAGE_TYPES: Array<{ type: string; label: string }> = [
  { type: 'wait', label: 'Wait' },
  { type: 'manualJudgment', label: 'Manual Judgment' },
  { type: 'evaluateVariables', label: 'Evaluate Variables' },
  { type: 'checkPreconditions', label: 'Check Preconditions' },
  { type: 'webhook', label: 'Webhook' },
  { type: 'pipeline', label: 'Pipeline' },
];

export function typeLabel(type: string): string {
  return STAGE_TYPES.find((t) => t.type === type)?.label ?? type;
}

/** Type-specific starting fields, as Deck fills them in. */
export function stageDefaults(type: string, application: string): Record<string, unknown> {
  switch (type) {
    case 'wait':
      return { waitTime: 30 };
    case 'manualJudgment':
      return { judgmentInputs: [], notifications: [], failPipeline: true };
    case 'evaluateVariables':
      return { variables: [{ key: '', value: '' }] };
    case 'checkPreconditions':
      return { preconditions: [{ type: 'expression', failPipeline: true, context: { expression: '' } }] };
    case 'webhook':
      return { url: '', method: 'POST', waitForCompletion: false };
    case 'pipeline':
      return { application, waitForCompletion: true };
    default:
      return {};
  }
}

/** A new stage after the last one: next free numeric refId, depending on the last stage (Deck's default). */
export function newStage(type: string, stages: StageConfig[], application: string): StageConfig {
  const used = stages.map((s) => Number(s.refId)).filter((n) => Number.isFinite(n));
  const refId = String((used.length ? Math.max(...used) : 0) + 1);
  const last = stages[stages.length - 1];
  return { refId, requisiteStageRefIds: last ? [last.refId] : [], type, name: typeLabel(type), ...stageDefaults(type, application) };
}
