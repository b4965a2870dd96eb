/** Executions of an application: status, pipeline, trigger user, start and duration; refreshed every 2 s. */
import { api, type Execution } from '../api';
import { links } from '../router';
import StatusBadge from '../components/StatusBadge';
import { usePoll } from '../usePoll';
import { elapsed, when } from '../format';
import { isAwaitingJudgment } from '../status';
import { useDocumentTitle } from '../a11y/useDocumentTitle';

export default function Executions({ app }: { app: string }) {
  useDocumentTitle(`Executions · ${app}`);
  const { value: list, error } = usePoll<Execution[]>(() => api.executions(app, 50), 2000, () => false, [app]);
  return (
    <section>
      <h1>{app}: executions</h1>
      {error && <p className="error" role="alert">{error}</p>}
      {list === null && !error && <p>Loading…</p>}
      {list && list.length === 0 && <p>No executions yet. <a href={links.pipelines(app)}>Run a pipeline</a>.</p>}
      {list && list.length > 0 && (
        <table>
          <thead>
            <tr><th>Status</th><th>Pipeline</th><th>Triggered by</th><th>Started</th><th>Duration</th><th>Execution</th></tr>
          </thead>
          <tbody>
            {list.map((e) => {
              const waiting = e.status === 'RUNNING' && e.stages.some(isAwaitingJudgment);
              return (
                <tr key={e.id}>
                  <td><StatusBadge status={e.status} awaiting={waiting} /></td>
                  <td>{e.name}</td>
                  <td>{e.trigger.user}</td>
                  <td>{when(e.startTime ?? e.buildTime)}</td>
                  <td>{elapsed(e.startTime, e.endTime)}</td>
                  <td><a href={links.execution(app, e.id)}>Details<span className="sr-only"> of {e.name} {e.id}</span></a></td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
