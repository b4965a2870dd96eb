/** wait: `waitTime` in seconds (Spinnaker's unit), or a ${...} expression. */
import Field from '../Field';
import type { StageFormProps } from './types';

export default function WaitForm({ stage, onChange, issues, idPrefix }: StageFormProps) {
  const id = `${idPrefix}-waitTime`;
  const v = stage.waitTime;
  return (
    <Field label="Wait time (seconds)" id={id} errors={issues('waitTime')} hint="Seconds, or a ${...} expression">
      <input
        id={id}
        value={v === undefined || v === null ? '' : String(v)}
        onChange={(e) => {
          const t = e.target.value;
          onChange({ waitTime: t.trim() === '' ? undefined : /^\d+(\.\d+)?$/.test(t.trim()) ? Number(t) : t });
        }}
        inputMode="numeric"
      />
    </Field>
  );
}
