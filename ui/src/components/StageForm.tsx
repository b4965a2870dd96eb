/** The form of one stage: common fields (name, type, dependencies, failPipeline) and its type's own form. */
import type { PipelineConfig, StageConfig } from '../api';
import Field from './Field';
import FieldError from './FieldError';
import SlackPreview from './SlackPreview';
import { STAGE_TYPES, stageDefaults, typeLabel } from './stages/defaults';
import type { StageFormProps } from './stages/types';
import WaitForm from './stages/WaitForm';
import ManualJudgmentForm from './stages/ManualJudgmentForm';
import EvaluateVariablesForm from './stages/EvaluateVariablesForm';
import CheckPreconditionsForm from './stages/CheckPreconditionsForm';
import WebhookForm from './stages/WebhookForm';
import PipelineStageForm from './stages/PipelineStageForm';

const FORMS: Record<string, (p: StageFormProps) => React.JSX.Element> = {
  wait: WaitForm,
  manualJudgment: ManualJudgmentForm,
  evaluateVariables: EvaluateVariablesForm,
  checkPreconditions: CheckPreconditionsForm,
  webhook: WebhookForm,
  pipeline: PipelineStageForm,
};

export default function StageForm({ pipeline, index, onReplace, issues }: { pipeline: PipelineConfig; index: number; onReplace: (s: StageConfig) => void; issues: (path: string) => string[] | undefined }) {
  const stage = pipeline.stages[index]!;
  const at = (f: string) => issues(`stages[${index}]${f.startsWith('[') ? '' : '.'}${f}`);
  const onChange = (patch: Record<string, unknown>) => {
    const next: StageConfig = { ...stage };
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) delete next[k];
      else next[k] = v;
    }
    onReplace(next);
  };
  const idPrefix = `stage-${stage.refId}`;
  const others = pipeline.stages.filter((s) => s.refId !== stage.refId);
  const Form = FORMS[stage.type];
  const reqIssues = stage.requisiteStageRefIds.flatMap((_, j) => at(`requisiteStageRefIds[${j}]`) ?? []).concat(at('requisiteStageRefIds') ?? []);
  return (
    <div className="stage-form">
      <h2>{typeLabel(stage.type)} stage</h2>
      <Field label="Stage name" id={`${idPrefix}-name`} errors={at('name')}>
        <input id={`${idPrefix}-name`} value={stage.name} onChange={(e) => onChange({ name: e.target.value })} />
      </Field>
      <Field label="Type" id={`${idPrefix}-type`} errors={at('type')}>
        <select
          id={`${idPrefix}-type`}
          value={stage.type}
          onChange={(e) => onReplace({ refId: stage.refId, requisiteStageRefIds: stage.requisiteStageRefIds, name: stage.name, type: e.target.value, ...stageDefaults(e.target.value, pipeline.application) })}
        >
          {STAGE_TYPES.map((t) => <option key={t.type} value={t.type}>{t.label}</option>)}
          {!FORMS[stage.type] && <option value={stage.type}>{stage.type}</option>}
        </select>
      </Field>
      <fieldset>
        <legend>Depends on</legend>
        {others.length === 0 && <p className="muted">No other stages.</p>}
        {others.map((o) => (
          <label className="check" key={o.refId}>
            <input
              type="checkbox"
              checked={stage.requisiteStageRefIds.includes(o.refId)}
              onChange={(e) =>
                onChange({ requisiteStageRefIds: e.target.checked ? [...stage.requisiteStageRefIds, o.refId] : stage.requisiteStageRefIds.filter((r) => r !== o.refId) })
              }
            />{' '}
            {o.name} <span className="muted">(refId {o.refId})</span>
          </label>
        ))}
        <FieldError messages={reqIssues.length > 0 ? reqIssues : undefined} />
      </fieldset>
      {stage.type !== 'checkPreconditions' && (
        <label className="check">
          <input type="checkbox" checked={stage.failPipeline !== false} onChange={(e) => onChange({ failPipeline: e.target.checked })} /> Fail the pipeline if this stage fails
        </label>
      )}
      {Form ? <Form stage={stage} onChange={onChange} issues={at} idPrefix={idPrefix} /> : <p>No form for stage type “{stage.type}”: edit it in the JSON tab.</p>}
      {stage.type === 'manualJudgment' && <SlackPreview pipeline={pipeline} refId={stage.refId} />}
    </div>
  );
}
