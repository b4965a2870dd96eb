/** checkPreconditions: `preconditions: [{type: "expression"|"stageStatus", context, failPipeline}]`. */
import Field from '../Field';
import FieldError from '../FieldError';
import type { StageFormProps } from './types';

type Pre = { type: string; failPipeline?: boolean; context: Record<string, unknown> };
const STATUSES = ['SUCCEEDED', 'FAILED_CONTINUE', 'TERMINAL', 'CANCELED', 'STOPPED', 'SKIPPED', 'RUNNING', 'NOT_STARTED'];

export default function CheckPreconditionsForm({ stage, onChange, issues, idPrefix }: StageFormProps) {
  const list = (Array.isArray(stage.preconditions) ? stage.preconditions : []) as Pre[];
  const set = (next: Pre[]) => onChange({ preconditions: next });
  const update = (i: number, p: Partial<Pre>) => set(list.map((x, j) => (j === i ? { ...x, ...p } : x)));
  return (
    <fieldset>
      <legend>Preconditions</legend>
      <FieldError messages={issues('preconditions')} />
      {list.map((p, i) => {
        const id = `${idPrefix}-pre-${i}`;
        return (
          <div className="card inner" key={i}>
            <Field label={`Precondition ${i + 1} type`} id={`${id}-type`} errors={issues(`preconditions[${i}].type`)}>
              <select id={`${id}-type`} value={p.type} onChange={(e) => update(i, { type: e.target.value, context: {} })}>
                <option value="expression">expression</option>
                <option value="stageStatus">stageStatus</option>
              </select>
            </Field>
            {p.type === 'expression' ? (
              <Field label="Expression" id={`${id}-expr`} errors={issues(`preconditions[${i}].context.expression`)} hint="e.g. ${parameters.region == 'eu-west-1'}">
                <input id={`${id}-expr`} value={String(p.context?.expression ?? '')} onChange={(e) => update(i, { context: { ...p.context, expression: e.target.value } })} />
              </Field>
            ) : (
              <>
                <Field label="Stage name" id={`${id}-sn`} errors={issues(`preconditions[${i}].context.stageName`)}>
                  <input id={`${id}-sn`} value={String(p.context?.stageName ?? '')} onChange={(e) => update(i, { context: { ...p.context, stageName: e.target.value } })} />
                </Field>
                <Field label="Stage status" id={`${id}-ss`} errors={issues(`preconditions[${i}].context.stageStatus`)}>
                  <select id={`${id}-ss`} value={String(p.context?.stageStatus ?? '')} onChange={(e) => update(i, { context: { ...p.context, stageStatus: e.target.value } })}>
                    <option value="">Choose…</option>
                    {STATUSES.map((s) => <option key={s}>{s}</option>)}
                  </select>
                </Field>
              </>
            )}
            <label className="check">
              <input type="checkbox" checked={p.failPipeline !== false} onChange={(e) => update(i, { failPipeline: e.target.checked })} /> Fail pipeline when false
            </label>
            <button type="button" className="link" onClick={() => set(list.filter((_, j) => j !== i))}>Remove precondition {i + 1}</button>
          </div>
        );
      })}
      <button type="button" onClick={() => set([...list, { type: 'expression', failPipeline: true, context: { expression: '' } }])}>Add precondition</button>
    </fieldset>
  );
}
