/** The "JSON" tab: the same pipeline as Spinnaker JSON; edits apply when the text parses to an object with stages. */
import { useState } from 'react';
import type { PipelineConfig } from '../api';

export default function JsonTab({ pipeline, onChange }: { pipeline: PipelineConfig; onChange: (p: PipelineConfig) => void }) {
  const [text, setText] = useState(() => JSON.stringify(pipeline, null, 2));
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <div className="field">
      <label htmlFor="pipeline-json">Pipeline JSON</label>
      <textarea
        id="pipeline-json"
        className="mono json"
        rows={28}
        spellCheck={false}
        value={text}
        aria-invalid={problem ? true : undefined}
        onChange={(e) => {
          setText(e.target.value);
          try {
            const v = JSON.parse(e.target.value) as unknown;
            if (!v || typeof v !== 'object' || Array.isArray(v) || !Array.isArray((v as PipelineConfig).stages)) {
              setProblem('expected a pipeline object with a "stages" array');
              return;
            }
            const p = v as PipelineConfig;
            onChange({ ...p, stages: p.stages.map((s) => ({ ...s, refId: String(s.refId), requisiteStageRefIds: (s.requisiteStageRefIds ?? []).map(String) })) });
            setProblem(null);
          } catch (err) {
            setProblem(`not valid JSON: ${(err as Error).message}`);
          }
        }}
      />
      {problem && <span className="field-error" role="alert">{problem}</span>}
    </div>
  );
}
