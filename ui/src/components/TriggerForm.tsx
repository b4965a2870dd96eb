/**
 * Trigger form built from a pipeline's `parameterConfig`: a parameter with `hasOptions` and options becomes a
 * select; required ones are marked and checked before sending (the service checks them again).
 */
import { useState, type FormEvent } from 'react';
import { api, issuesByPath, type PipelineConfig } from '../api';
import FieldError from './FieldError';
import { errorText } from '../format';

export default function TriggerForm({ pipeline, onTriggered, onClose }: { pipeline: PipelineConfig; onTriggered: (executionId: string) => void; onClose: () => void }) {
  const params = pipeline.parameterConfig ?? [];
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(params.map((p) => [p.name, p.default === null || p.default === undefined ? '' : String(p.default)])),
  );
  const [missing, setMissing] = useState<string[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const miss = params.filter((p) => p.required && (values[p.name] ?? '').trim() === '').map((p) => p.name);
    setMissing(miss);
    if (miss.length > 0) return;
    setBusy(true);
    setError(null);
    try {
      const { ref } = await api.trigger(pipeline.application, pipeline.name, values);
      onTriggered(ref.replace(/^\/pipelines\//, ''));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const issues = issuesByPath(error);
  return (
    <form className="card trigger-form" onSubmit={submit} aria-label={`Trigger ${pipeline.name}`}>
      <h3>Trigger “{pipeline.name}”</h3>
      {params.length === 0 && <p className="muted">This pipeline has no parameters.</p>}
      {params.map((p) => {
        const id = `param-${p.name}`;
        const label = p.label || p.name;
        const err = missing.includes(p.name) ? ['required'] : (issues.get(`parameters.${p.name}`) ?? issues.get(p.name));
        const options = p.hasOptions && p.options && p.options.length > 0 ? p.options.map((o) => String(o.value)) : null;
        return (
          <div className="field" key={p.name}>
            <label htmlFor={id}>
              {label} {p.required && <span className="req">(required)</span>}
            </label>
            {options ? (
              <select id={id} value={values[p.name] ?? ''} onChange={(e) => setValues({ ...values, [p.name]: e.target.value })} aria-required={p.required}>
                {!p.required && <option value="">(none)</option>}
                {p.required && (values[p.name] ?? '') === '' && <option value="">Choose…</option>}
                {options.map((o) => <option key={o} value={o}>{o}</option>)}
              </select>
            ) : (
              <input id={id} value={values[p.name] ?? ''} onChange={(e) => setValues({ ...values, [p.name]: e.target.value })} aria-required={p.required} aria-invalid={err ? true : undefined} />
            )}
            {p.description && <small className="muted">{p.description}</small>}
            <FieldError messages={err} />
          </div>
        );
      })}
      {error !== null && <p className="error" role="alert">{errorText(error)}</p>}
      <div className="buttons">
        <button type="submit" className="primary" disabled={busy}>Run</button>
        <button type="button" onClick={onClose}>Cancel</button>
      </div>
    </form>
  );
}
