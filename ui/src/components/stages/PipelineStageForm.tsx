/** pipeline: runs another pipeline (`application`, `pipeline` = its config id, `pipelineParameters`, `waitForCompletion`). */
import { useEffect, useState } from 'react';
import { api, type PipelineConfig } from '../../api';
import Field from '../Field';
import JsonField from '../JsonField';
import type { StageFormProps } from './types';

export default function PipelineStageForm({ stage, onChange, issues, idPrefix }: StageFormProps) {
  const app = String(stage.application ?? '');
  const [configs, setConfigs] = useState<PipelineConfig[]>([]);
  useEffect(() => {
    if (!app) return setConfigs([]);
    api.pipelineConfigs(app).then(setConfigs, () => setConfigs([]));
  }, [app]);
  return (
    <>
      <Field label="Application" id={`${idPrefix}-app`} errors={issues('application')}>
        <input id={`${idPrefix}-app`} value={app} onChange={(e) => onChange({ application: e.target.value })} />
      </Field>
      <Field label="Pipeline" id={`${idPrefix}-pipeline`} errors={issues('pipeline')}>
        <select id={`${idPrefix}-pipeline`} value={String(stage.pipeline ?? '')} onChange={(e) => onChange({ pipeline: e.target.value || undefined })}>
          <option value="">Choose…</option>
          {configs.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
        </select>
      </Field>
      <JsonField label="Pipeline parameters (JSON object)" id={`${idPrefix}-params`} value={stage.pipelineParameters} onChange={(v) => onChange({ pipelineParameters: v })} errors={issues('pipelineParameters')} rows={3} />
      <label className="check">
        <input type="checkbox" checked={stage.waitForCompletion !== false} onChange={(e) => onChange({ waitForCompletion: e.target.checked })} /> Wait for results
      </label>
    </>
  );
}
