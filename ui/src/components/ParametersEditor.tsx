/** The pipeline's `parameterConfig`: name, label, required, default, and options (which make the trigger form a select). */
import type { ParameterConfig } from '../api';
import Field from './Field';
import ListInput from './ListInput';

export default function ParametersEditor({ params, onChange, issues }: { params: ParameterConfig[]; onChange: (p: ParameterConfig[]) => void; issues: (path: string) => string[] | undefined }) {
  const update = (i: number, patch: Partial<ParameterConfig>) => onChange(params.map((p, j) => (j === i ? { ...p, ...patch } : p)));
  return (
    <fieldset>
      <legend>Parameters</legend>
      {params.map((p, i) => {
        const id = `param-${i}`;
        return (
          <div className="row card inner" key={i} role="group" aria-label={`Parameter ${i + 1}`}>
            <Field label="Parameter name" id={`${id}-name`} errors={issues(`parameterConfig[${i}].name`)}>
              <input id={`${id}-name`} value={p.name} onChange={(e) => update(i, { name: e.target.value })} />
            </Field>
            <Field label="Label" id={`${id}-label`} errors={issues(`parameterConfig[${i}].label`)}>
              <input id={`${id}-label`} value={p.label ?? ''} onChange={(e) => update(i, { label: e.target.value || undefined })} />
            </Field>
            <Field label="Default" id={`${id}-default`} errors={issues(`parameterConfig[${i}].default`)}>
              <input id={`${id}-default`} value={p.default === null || p.default === undefined ? '' : String(p.default)} onChange={(e) => update(i, { default: e.target.value || undefined })} />
            </Field>
            <Field label="Options (comma-separated)" id={`${id}-options`} errors={issues(`parameterConfig[${i}].options`)}>
              <ListInput
                id={`${id}-options`}
                items={(p.options ?? []).map((o) => String(o.value))}
                onChange={(values) => update(i, values.length > 0 ? { hasOptions: true, options: values.map((value) => ({ value })) } : { hasOptions: false, options: undefined })}
              />
            </Field>
            <label className="check">
              <input type="checkbox" checked={p.required === true} onChange={(e) => update(i, { required: e.target.checked })} /> Required
            </label>
            <button type="button" className="link" onClick={() => onChange(params.filter((_, j) => j !== i))}>Remove parameter {i + 1}</button>
          </div>
        );
      })}
      <button type="button" onClick={() => onChange([...params, { name: '', required: false }])}>Add parameter</button>
    </fieldset>
  );
}
