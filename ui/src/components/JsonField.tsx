/**
 * A textarea editing one JSON value; the value changes only when the text parses. While it does not, the field
 * says so and tells the builder (jsonProblems.ts), which then refuses to save.
 */
import { useState } from 'react';
import Field from './Field';
import { useJsonProblem } from './jsonProblems';

export default function JsonField({ label, id, value, onChange, errors, rows = 4 }: { label: string; id: string; value: unknown; onChange: (v: unknown) => void; errors?: string[]; rows?: number }) {
  const [text, setText] = useState(() => (value === undefined ? '' : JSON.stringify(value, null, 2)));
  const [bad, setBad] = useState<string | null>(null);
  useJsonProblem(label, bad);
  return (
    <Field label={label} id={id} errors={bad ? [bad, ...(errors ?? [])] : errors}>
      <textarea
        id={id}
        className="mono"
        rows={rows}
        value={text}
        aria-invalid={bad ? true : undefined}
        onChange={(e) => {
          setText(e.target.value);
          if (e.target.value.trim() === '') {
            setBad(null);
            onChange(undefined);
            return;
          }
          try {
            onChange(JSON.parse(e.target.value));
            setBad(null);
          } catch (err) {
            setBad(`not valid JSON: ${(err as Error).message}`);
          }
        }}
      />
    </Field>
  );
}
