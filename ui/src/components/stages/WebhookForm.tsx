/** webhook: the call (url, method, payload, customHeaders) and, optionally, waiting for completion by polling. */
import Field from '../Field';
import JsonField from '../JsonField';
import type { StageFormProps } from './types';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE'];

export default function WebhookForm({ stage, onChange, issues, idPrefix }: StageFormProps) {
  const text = (field: string, label: string, hint?: string) => (
    <Field label={label} id={`${idPrefix}-${field}`} errors={issues(field)} hint={hint}>
      <input id={`${idPrefix}-${field}`} value={String(stage[field] ?? '')} onChange={(e) => onChange({ [field]: e.target.value === '' ? undefined : e.target.value })} />
    </Field>
  );
  const waiting = stage.waitForCompletion === true;
  return (
    <>
      {text('url', 'Webhook URL')}
      <Field label="Method" id={`${idPrefix}-method`} errors={issues('method')}>
        <select id={`${idPrefix}-method`} value={String(stage.method ?? 'POST')} onChange={(e) => onChange({ method: e.target.value })}>
          {METHODS.map((m) => <option key={m}>{m}</option>)}
        </select>
      </Field>
      <JsonField label="Payload (JSON)" id={`${idPrefix}-payload`} value={stage.payload} onChange={(v) => onChange({ payload: v })} errors={issues('payload')} />
      <JsonField label="Custom headers (JSON object)" id={`${idPrefix}-headers`} value={stage.customHeaders} onChange={(v) => onChange({ customHeaders: v })} errors={issues('customHeaders')} rows={2} />
      <label className="check">
        <input type="checkbox" checked={waiting} onChange={(e) => onChange({ waitForCompletion: e.target.checked })} /> Wait for completion
      </label>
      {waiting && (
        <>
          <Field label="Status URL resolution" id={`${idPrefix}-sur`} errors={issues('statusUrlResolution')}>
            <select id={`${idPrefix}-sur`} value={String(stage.statusUrlResolution ?? 'getMethod')} onChange={(e) => onChange({ statusUrlResolution: e.target.value })}>
              <option value="getMethod">GET the webhook URL</option>
              <option value="locationHeader">Location header</option>
              <option value="webhookResponse">From the webhook response</option>
            </select>
          </Field>
          {stage.statusUrlResolution === 'webhookResponse' && text('statusUrlJsonPath', 'Status URL JSON path')}
          {text('statusJsonPath', 'Status JSON path', 'e.g. $.status')}
          {text('successStatuses', 'Success statuses', 'comma-separated, e.g. SUCCESS,DONE')}
          {text('canceledStatuses', 'Canceled statuses')}
          {text('terminalStatuses', 'Terminal statuses')}
        </>
      )}
    </>
  );
}
