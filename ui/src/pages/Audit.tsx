/**
 * The audit log (`GET /audit`): who did what, how (api, ui, cli, slack, webhook) and with which outcome, newest
 * first; optionally one application's. Entries of applications you may not READ are not shown by the service.
 * Route: `#/audit` (and `#/applications/{app}/audit`) — wired in App.tsx / router.ts by their owner.
 */
import { useState, type FormEvent } from 'react';
import { call } from '../api';
import { links } from '../router';
import { usePoll } from '../usePoll';
import { when } from '../format';
import { useDocumentTitle } from '../a11y/useDocumentTitle';

/** One entry as the service answers it (see src/auth/audit.ts). */
export interface AuditEntry {
  id: number;
  at: number;
  user: string;
  via: string;
  action: string;
  application: string;
  executionId?: string;
  stageId?: string;
  outcome: 'ok' | 'refused' | 'denied';
  detail: Record<string, unknown>;
}

/** The detail in one line: the reason or message first, then the rest. */
function detailText(d: Record<string, unknown>): string {
  const { reason, message, ...rest } = d;
  const head = typeof reason === 'string' ? reason : typeof message === 'string' ? message : '';
  const tail = Object.entries(rest)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
  return [head, tail].filter(Boolean).join(' · ');
}

export default function Audit({ app }: { app?: string }) {
  useDocumentTitle(app ? `Audit log · ${app}` : 'Audit log');
  const [filter, setFilter] = useState(app ?? '');
  const [shown, setShown] = useState(app ?? '');
  const query = shown ? `?application=${encodeURIComponent(shown)}&limit=200` : '?limit=200';
  const { value: entries, error } = usePoll<AuditEntry[]>(() => call<AuditEntry[]>('GET', `/audit${query}`), 5000, () => false, [query]);
  function apply(e: FormEvent) {
    e.preventDefault();
    setShown(filter.trim());
  }
  return (
    <section>
      <h1>Audit log{shown ? `: ${shown}` : ''}</h1>
      <form className="toolbar" onSubmit={apply}>
        <label>
          Application
          <input value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="all you may read" />
        </label>
        <button type="submit">Show</button>
      </form>
      {error && <p className="error" role="alert">{error}</p>}
      {entries === null && !error && <p>Loading…</p>}
      {entries && entries.length === 0 && <p>No entries.</p>}
      {entries && entries.length > 0 && (
        <table>
          <thead>
            <tr><th>When</th><th>Who</th><th>Via</th><th>Action</th><th>Application</th><th>Outcome</th><th>Detail</th></tr>
          </thead>
          <tbody>
            {entries.map((a) => (
              <tr key={a.id}>
                <td>{when(a.at)}</td>
                <td>{a.user}</td>
                <td>{a.via}</td>
                <td>
                  {a.executionId ? <a href={links.execution(a.application, a.executionId)}>{a.action}</a> : a.action}
                </td>
                <td><a href={links.pipelines(a.application)}>{a.application}</a></td>
                <td className={a.outcome === 'ok' ? '' : 'error'}>{a.outcome}</td>
                <td>{detailText(a.detail)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
