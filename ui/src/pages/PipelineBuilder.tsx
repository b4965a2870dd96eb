/**
 * Pipeline builder (`#/applications/{app}/pipelines/{name}/edit`; `…/pipelines/new` for "Configure a new
 * pipeline"): stages with add/remove, listed in graph order (no reorder arrows: order comes from dependencies), a form per stage type, parameters, a JSON tab on the
 * same pipeline, and the API's validation errors shown at the fields they name. Saves with `POST /pipelines`.
 */
import { useCallback, useEffect, useState } from 'react';
import { api, ApiError, issuesByPath, type PipelineConfig, type StageConfig } from '../api';
import { links, navigate } from '../router';
import Field from '../components/Field';
import FieldError from '../components/FieldError';
import StageForm from '../components/StageForm';
import ParametersEditor from '../components/ParametersEditor';
import JsonTab, { JSON_TAB_LABEL } from '../components/JsonTab';
import { JsonProblemContext } from '../components/jsonProblems';
import { STAGE_TYPES, newStage, typeLabel } from '../components/stages/defaults';
import { errorText } from '../format';
import { useAuthorizations } from '../permissions';
import { useDocumentTitle } from '../a11y/useDocumentTitle';

/**
 * The stage list's order: by the dependency graph, as Deck lists stages — depth first (a stage after every stage it
 * depends on), then the order in the pipeline. Only the display: the `stages` array and `requisiteStageRefIds` are
 * untouched, since order in the array means nothing to the engine (dependencies alone decide what runs when). A
 * cycle (refused on save) puts the stages in it at the end.
 */
export function graphOrder(stages: StageConfig[]): number[] {
  const byRef = new Map(stages.map((s, i) => [s.refId, i]));
  const depth = new Map<number, number>();
  const visiting = new Set<number>();
  const depthOf = (i: number): number => {
    const known = depth.get(i);
    if (known !== undefined) return known;
    if (visiting.has(i)) return stages.length; // a cycle
    visiting.add(i);
    let d = 0;
    for (const r of stages[i]!.requisiteStageRefIds ?? []) {
      const j = byRef.get(r);
      if (j !== undefined) d = Math.max(d, depthOf(j) + 1);
    }
    visiting.delete(i);
    depth.set(i, d);
    return d;
  };
  return stages.map((_, i) => i).sort((a, b) => depthOf(a) - depthOf(b) || a - b);
}

/** "Saved at …" carried over the remount when a first save moves the page to the pipeline's edit URL. */
let savedNote: string | null = null;

export default function PipelineBuilder({ app, name }: { app: string; name: string | null }) {
  useDocumentTitle(name === null ? `New pipeline · ${app}` : `Edit ${name} · ${app}`);
  const [pipeline, setPipeline] = useState<PipelineConfig | null>(name === null ? { application: app, name: '', stages: [], parameterConfig: [] } : null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [selected, setSelected] = useState(0);
  const [tab, setTab] = useState<'stages' | 'json'>('stages');
  const [newType, setNewType] = useState('wait');
  const [saveError, setSaveError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(() => {
    const note = savedNote;
    savedNote = null;
    return note;
  });
  const [busy, setBusy] = useState(false);
  // JSON fields whose text does not parse (label → problem): while any does, Save and leaving the JSON tab are refused.
  const [jsonProblems, setJsonProblems] = useState<Record<string, string>>({});
  const [refusal, setRefusal] = useState<string | null>(null);
  const reportJsonProblem = useCallback((label: string, problem: string | null) => {
    setJsonProblems((prev) => {
      if ((prev[label] ?? null) === problem) return prev;
      const next = { ...prev };
      if (problem === null) delete next[label];
      else next[label] = problem;
      return next;
    });
    if (problem !== null) setSaved(null); // what is on screen is no longer what was saved
    else setRefusal(null);
  }, []);
  // Saving needs WRITE on the application; without it the builder is read-only in effect (no Save).
  const access = useAuthorizations(app);

  useEffect(() => {
    if (name === null) return;
    api.pipelineConfig(app, name).then(
      (p) => setPipeline({ ...p, stages: p.stages.map((s) => ({ ...s, requisiteStageRefIds: s.requisiteStageRefIds ?? [] })) }),
      (e) => setLoadError(errorText(e)),
    );
  }, [app, name]);

  if (loadError) return <section><h1>Pipeline</h1><p className="error" role="alert">{loadError}</p></section>;
  if (!pipeline) return <section><p>Loading…</p></section>;

  const issueMap = issuesByPath(saveError);
  const issues = (path: string) => issueMap.get(path);
  const stageHasIssues = (i: number) => [...issueMap.keys()].some((k) => k.startsWith(`stages[${i}]`));
  const change = (p: PipelineConfig) => {
    setPipeline(p);
    setSaved(null);
  };
  const setStages = (stages: StageConfig[]) => change({ ...pipeline, stages });

  function addStage() {
    const s = newStage(newType, pipeline!.stages, app);
    setStages([...pipeline!.stages, s]);
    setSelected(pipeline!.stages.length);
    switchTab('stages');
  }
  function removeStage(i: number) {
    const gone = pipeline!.stages[i]!.refId;
    setStages(pipeline!.stages.filter((_, j) => j !== i).map((s) => ({ ...s, requisiteStageRefIds: s.requisiteStageRefIds.filter((r) => r !== gone) })));
    setSelected(Math.max(0, Math.min(selected, pipeline!.stages.length - 2)));
  }
  const unparsed = Object.keys(jsonProblems);
  function switchTab(to: 'stages' | 'json') {
    if (to !== tab && tab === 'json' && jsonProblems[JSON_TAB_LABEL]) {
      setRefusal(`The JSON tab doesn't parse (${jsonProblems[JSON_TAB_LABEL]}): fix it before switching to Stages, or your edit would be lost.`);
      return;
    }
    setRefusal(null);
    setTab(to);
  }
  async function save() {
    if (unparsed.length > 0) {
      setSaved(null);
      setRefusal(`Not saved: ${unparsed.map((l) => `“${l}”`).join(', ')} ${unparsed.length > 1 ? "don't" : "doesn't"} parse as JSON; fix ${unparsed.length > 1 ? 'them' : 'it'} first.`);
      return;
    }
    setRefusal(null);
    setBusy(true);
    setSaveError(null);
    try {
      const result = await api.savePipeline({ ...pipeline!, application: app });
      const note = `Saved at ${new Date().toLocaleTimeString()}`;
      setSaved(note);
      if (result.name !== name) {
        savedNote = note;
        navigate(links.edit(app, result.name));
      }
      else setPipeline({ ...result, stages: result.stages.map((s) => ({ ...s, requisiteStageRefIds: s.requisiteStageRefIds ?? [] })) });
    } catch (err) {
      setSaveError(err);
    } finally {
      setBusy(false);
    }
  }

  const stage = pipeline.stages[selected];
  const allIssues = saveError instanceof ApiError ? (saveError.body.issues ?? []) : [];
  return (
    <JsonProblemContext.Provider value={reportJsonProblem}>
    <section className="builder">
      <div className="page-head">
        <h1>{name === null ? 'New pipeline' : `Pipeline: ${name}`}</h1>
        <div className="buttons">
          {access.can('WRITE') ? (
            <button type="button" className="primary" onClick={() => void save()} disabled={busy}>Save changes</button>
          ) : (
            <span className="muted">{access.why('WRITE')}</span>
          )}
          <a className="button" href={links.pipelines(app)}>Back to pipelines</a>
          <span className="saved" role="status" aria-live="polite">{saved && unparsed.length === 0 ? `✔ ${saved}` : ''}</span>
        </div>
      </div>
      {refusal !== null && (
        <div className="error-summary" role="alert">
          <p>{refusal}</p>
        </div>
      )}
      {saveError !== null && (
        <div className="error-summary" role="alert">
          <p>Not saved: {allIssues.length > 0 ? `${allIssues.length} problem${allIssues.length > 1 ? 's' : ''}` : errorText(saveError)}</p>
          {allIssues.length > 0 && (
            <ul>
              {allIssues.map((i, k) => <li key={k}><code>{i.path || '(pipeline)'}</code>: {i.message}</li>)}
            </ul>
          )}
        </div>
      )}
      <Field label="Pipeline name" id="pipeline-name" errors={issues('name')}>
        <input id="pipeline-name" value={pipeline.name} onChange={(e) => change({ ...pipeline, name: e.target.value })} />
      </Field>
      <div className="tabs" role="tablist" aria-label="Editor">
        <button type="button" role="tab" aria-selected={tab === 'stages'} onClick={() => switchTab('stages')}>Stages</button>
        <button type="button" role="tab" aria-selected={tab === 'json'} onClick={() => switchTab('json')}>JSON</button>
      </div>
      {tab === 'json' ? (
        <JsonTab pipeline={pipeline} onChange={(p) => change({ ...p, application: app })} />
      ) : (
        <div className="builder-grid">
          <aside aria-label="Stages">
            <p className="muted small">In run order: a stage is listed after those it depends on (set in its “Depends on”).</p>
            <ol className="stage-list">
              {graphOrder(pipeline.stages).map((i) => ({ s: pipeline.stages[i]!, i })).map(({ s, i }) => (
                <li key={s.refId} className={i === selected ? 'selected' : ''}>
                  <button type="button" className="stage-pick" aria-current={i === selected ? 'true' : undefined} onClick={() => setSelected(i)}>
                    <strong>{s.name || '(unnamed)'}</strong> <span className="muted">{typeLabel(s.type)}</span>
                    {stageHasIssues(i) && <span className="badge-error"> ⚠ has errors</span>}
                  </button>
                  <span className="stage-actions">
                    <button type="button" aria-label={`Remove ${s.name}`} onClick={() => removeStage(i)}>✕</button>
                  </span>
                </li>
              ))}
            </ol>
            <div className="add-stage">
              <label htmlFor="new-stage-type">New stage type</label>
              <select id="new-stage-type" value={newType} onChange={(e) => setNewType(e.target.value)}>
                {STAGE_TYPES.map((t) => <option key={t.type} value={t.type}>{t.label}</option>)}
              </select>
              <button type="button" onClick={addStage}>Add stage</button>
            </div>
            <FieldError messages={issues('stages')} />
          </aside>
          <div className="stage-pane">
            {stage ? (
              <StageForm
                key={stage.refId}
                pipeline={pipeline}
                index={selected}
                issues={issues}
                onReplace={(s) => setStages(pipeline.stages.map((x, j) => (j === selected ? s : x)))}
              />
            ) : (
              <p className="muted">No stages yet: choose a type and “Add stage”.</p>
            )}
            <ParametersEditor params={pipeline.parameterConfig ?? []} onChange={(parameterConfig) => change({ ...pipeline, parameterConfig })} issues={issues} />
          </div>
        </div>
      )}
    </section>
    </JsonProblemContext.Provider>
  );
}
