/** evaluateVariables: `variables: [{key, value, description?}]`, evaluated in order. */
import Field from '../Field';
import FieldError from '../FieldError';
import type { StageFormProps } from './types';

type Variable = { key: string; value: unknown; description?: string };

export default function EvaluateVariablesForm({ stage, onChange, issues, idPrefix }: StageFormProps) {
  const vars = (Array.isArray(stage.variables) ? stage.variables : []) as Variable[];
  const set = (next: Variable[]) => onChange({ variables: next });
  return (
    <fieldset>
      <legend>Variables</legend>
      <FieldError messages={issues('variables')} />
      {vars.map((v, i) => (
        <div className="row" key={i}>
          <Field label={`Variable ${i + 1} name`} id={`${idPrefix}-var-${i}-key`} errors={issues(`variables[${i}].key`)}>
            <input id={`${idPrefix}-var-${i}-key`} value={v.key ?? ''} onChange={(e) => set(vars.map((x, j) => (j === i ? { ...x, key: e.target.value } : x)))} />
          </Field>
          <Field label={`Variable ${i + 1} value`} id={`${idPrefix}-var-${i}-value`} errors={issues(`variables[${i}].value`)}>
            <input
              id={`${idPrefix}-var-${i}-value`}
              value={typeof v.value === 'string' ? v.value : JSON.stringify(v.value ?? '')}
              onChange={(e) => set(vars.map((x, j) => (j === i ? { ...x, value: e.target.value } : x)))}
            />
          </Field>
          <button type="button" className="link" onClick={() => set(vars.filter((_, j) => j !== i))}>Remove variable {i + 1}</button>
        </div>
      ))}
      <button type="button" onClick={() => set([...vars, { key: '', value: '' }])}>Add variable</button>
    </fieldset>
  );
}
