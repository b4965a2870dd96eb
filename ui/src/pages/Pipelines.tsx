/** Pipelines of an application: each with its last execution's status, trigger, edit, delete. */
import { useEffect, useState } from 'react';
import { api, type Execution, type PipelineConfig } from '../api';
import { links, navigate } from '../router';
import StatusBadge from '../components/StatusBadge';
import TriggerForm from '../components/TriggerForm';
import { errorText, when } from '../format';
import { isAwaitingJudgment } from '../status';
import { useAuthorizations } from '../permissions';
import { useDocumentTitle } from '../a11y/useDocumentTitle';

export default function Pipelines({ app }: { app: string }) {
  useDocumentTitle(`Pipelines · ${app}`);
  const [pipelines, setPipelines] = useState<PipelineConfig[] | null>(null);
  const [executions, setExecutions] = useState<Execution[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [triggering, setTriggering] = useState<string | null>(null);
  // Trigger needs EXECUTE, new/delete need WRITE on the application (hidden when not held).
  const access = useAuthorizations(app);

  async function load() {
    try {
      const [p, e] = await Promise.all([api.pipelineConfigs(app), api.executions(app, 100)]);
      setPipelines(p);
      setExecutions(e);
      setError(null);
    } catch (err) {
      setError(errorText(err));
    }
  }
  useEffect(() => {
    void load();
  }, [app]);

  async function remove(p: PipelineConfig) {
    if (!window.confirm(`Delete pipeline “${p.name}”?`)) return;
    try {
      await api.deletePipeline(app, p.name);
      await load();
    } catch (err) {
      setError(errorText(err));
    }
  }

  const last = (p: PipelineConfig) =>
    executions.filter((e) => e.pipelineConfigId === p.id).sort((a, b) => b.buildTime - a.buildTime)[0];

  return (
    <section>
      <h1>{app}: pipelines</h1>
      <div className="toolbar">
        {access.can('WRITE') && <a className="button primary" href={links.newPipeline(app)}>Configure a new pipeline</a>}
        <a className="button" href={links.executions(app)}>Executions</a>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {pipelines === null && !error && <p>Loading…</p>}
      {pipelines && pipelines.length === 0 && <p>No pipelines yet. Use “Configure a new pipeline”.</p>}
      {pipelines && pipelines.length > 0 && (
        <table>
          <thead>
            <tr><th>Pipeline</th><th>Stages</th><th>Last execution</th><th>Actions</th></tr>
          </thead>
          <tbody>
            {pipelines.map((p) => {
              const e = last(p);
              return (
                <tr key={p.id ?? p.name}>
                  <td><a href={links.edit(app, p.name)}>{p.name}</a></td>
                  <td>{p.stages.length}</td>
                  <td>
                    {e ? (
                      <a href={links.execution(app, e.id)}><StatusBadge status={e.status} awaiting={e.status === 'RUNNING' && e.stages.some(isAwaitingJudgment)} /> {when(e.buildTime)}</a>
                    ) : (
                      <span className="muted">never run</span>
                    )}
                  </td>
                  <td className="buttons">
                    {access.can('EXECUTE') && <button type="button" className="primary" onClick={() => setTriggering(p.name)}>Start manual execution</button>}
                    <a className="button" href={links.edit(app, p.name)}>{access.can('WRITE') ? 'Edit' : 'View'}</a>
                    {access.can('WRITE') && <button type="button" className="danger" onClick={() => void remove(p)}>Delete</button>}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {triggering && pipelines?.find((p) => p.name === triggering) && (
        <TriggerForm
          pipeline={pipelines.find((p) => p.name === triggering)!}
          onClose={() => setTriggering(null)}
          onTriggered={(id) => navigate(links.execution(app, id))}
        />
      )}
    </section>
  );
}
