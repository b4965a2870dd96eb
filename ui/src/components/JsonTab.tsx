/**
 * The "JSON" tab: the same pipeline as Spinnaker JSON; edits apply when the text parses to an object with stages.
 * While it does not, the builder is told (jsonProblems.ts) and refuses to save or to switch tabs.
 */
import { useState } from 'react';
import type { PipelineConfig } from '../api';
import { useJsonProblem } from './jsonProblems';

/** The name the builder uses for this tab's text in its "doesn't parse" messages. */
export const JSON_TAB_LABEL = 'Pipeline JSON';

export default function JsonTab({ pipeline, onChange }: { pipeline: PipelineConfig; onChange: (p: PipelineConfig) => void }) {
  const [text, setText] = useState(() => JSON.stringify(pipeline, null, 2));
  const [problem, setProblem] = useState<string | null>(null);
  useJsonProblem(JSON_TAB_LABEL, problem);
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
