/**
 * One execution (`#/applications/{app}/executions/details/{id}?refId={refId}`, the link Slack messages carry):
 * the stage graph, and the selected stage (from `refId`, else the one awaiting judgment) with status, timing,
 * context, outputs and its judgment panel. Polled every second until the execution is complete.
 */
import { useRef } from 'react';
import { api, type Execution } from '../api';
import { links, navigate } from '../router';
import StatusBadge from '../components/StatusBadge';
import StageGraph from '../components/StageGraph';
import JudgmentPanel from '../components/JudgmentPanel';
import { usePoll } from '../usePoll';
import { elapsed, errorText, when } from '../format';
import { isAwaitingJudgment, isComplete } from '../status';
import { useAuthorizations } from '../permissions';
import { useDocumentTitle } from '../a11y/useDocumentTitle';

export default function ExecutionDetail({ app, id, refId }: { app: string; id: string; refId: string | null }) {
  useDocumentTitle(`Execution ${id} · ${app}`);
  const { value: e, error, setValue, refresh } = usePoll<Execution>(() => api.execution(id), 1000, (v) => isComplete(v.status), [id]);
  // Without a refId the view follows the running stage, but stays on a judgment once one was shown awaiting, so
  // the decision stays in view when the next stage starts.
  const autoPick = useRef<string | null>(null);
  // Cancel, Approve and Reject need EXECUTE on the application.
  const access = useAuthorizations(app);
  if (error && !e) return <section><h1>Execution {id}</h1><p className="error" role="alert">{error}</p></section>;
  if (!e) return <section><p>Loading…</p></section>;
  const chosen =
    e.stages.find((s) => s.refId === (refId ?? autoPick.current)) ??
    e.stages.find(isAwaitingJudgment) ??
    e.stages.find((s) => s.status === 'RUNNING') ??
    e.stages[0];
  if (refId === null && chosen && isAwaitingJudgment(chosen)) autoPick.current = chosen.refId;
  const unknownRef = refId !== null && !e.stages.some((s) => s.refId === refId);

  async function cancel() {
    if (!window.confirm('Cancel this execution?')) return;
    try {
      setValue(await api.cancel(id));
    } catch (err) {
      window.alert(errorText(err));
    }
  }

  return (
    <section>
      <div className="page-head">
        <h1>
          {e.name} <StatusBadge status={e.status} awaiting={e.status === 'RUNNING' && e.stages.some(isAwaitingJudgment)} />
        </h1>
        <div className="buttons">
          {!isComplete(e.status) && access.can('EXECUTE') && <button type="button" className="danger" onClick={() => void cancel()}>Cancel execution</button>}
          <a className="button" href={links.executions(app)}>All executions</a>
        </div>
      </div>
      <dl className="facts inline">
        <dt>Triggered by</dt><dd>{e.trigger.user} ({e.trigger.type})</dd>
        <dt>Started</dt><dd>{when(e.startTime ?? e.buildTime)}</dd>
        <dt>Duration</dt><dd>{elapsed(e.startTime, e.endTime)}</dd>
        {Object.keys(e.trigger.parameters ?? {}).length > 0 && (
          <>
            <dt>Parameters</dt>
            <dd>{Object.entries(e.trigger.parameters).map(([k, v]) => `${k}=${v}`).join(', ')}</dd>
          </>
        )}
        {e.canceledBy && (<><dt>Canceled by</dt><dd>{e.canceledBy}</dd></>)}
      </dl>
      {error && <p className="error">Refresh failed: {error}</p>}
      {unknownRef && <p className="error" role="alert">This execution has no stage with refId “{refId}”.</p>}
      <div className="graph-wrap">
        <StageGraph stages={e.stages} selected={chosen?.refId ?? null} onSelect={(r) => navigate(links.execution(app, id, r))} />
      </div>
      {chosen && (
        <article className="stage-detail card" aria-label={`Stage ${chosen.name}`}>
          <h2>
            {chosen.name} <span className="muted">({chosen.type}, refId {chosen.refId})</span>
          </h2>
          <dl className="facts inline">
            <dt>Status</dt><dd><StatusBadge status={chosen.status} awaiting={isAwaitingJudgment(chosen)} /></dd>
            <dt>Started</dt><dd>{when(chosen.startTime)}</dd>
            <dt>Ended</dt><dd>{when(chosen.endTime)}</dd>
            <dt>Duration</dt><dd>{elapsed(chosen.startTime, chosen.endTime)}</dd>
          </dl>
          {chosen.type === 'manualJudgment' && (
            // Without EXECUTE the panel still shows the decision; its Approve/Reject controls are disabled.
            <fieldset style={{ border: 0, padding: 0, margin: 0, minWidth: 0 }} disabled={!access.can('EXECUTE')}>
              {!access.can('EXECUTE') && isAwaitingJudgment(chosen) && <p className="muted">{access.why('EXECUTE')}</p>}
              <JudgmentPanel
                key={chosen.id}
                execution={e}
                stage={chosen}
                onJudged={(next) => {
                  setValue(next);
                  refresh();
                }}
              />
            </fieldset>
          )}
          <details>
            <summary>Context</summary>
            <pre className="mono">{JSON.stringify(chosen.context, null, 2)}</pre>
          </details>
          <details open={Object.keys(chosen.outputs).length > 0}>
            <summary>Outputs</summary>
            <pre className="mono">{JSON.stringify(chosen.outputs, null, 2)}</pre>
          </details>
        </article>
      )}
    </section>
  );
}
