/** The constraint states of one environment, newest first: version, constraint, status, who judged, when, comment. */
import type { ConstraintState } from '../../managed-api';
import { when } from '../../format';

const WORDS: Record<string, string> = {
  NOT_EVALUATED: '○ NOT_EVALUATED',
  PENDING: '◔ PENDING',
  PASS: '✔ PASS',
  OVERRIDE_PASS: '✔ OVERRIDE_PASS (approved)',
  FAIL: '✖ FAIL',
  OVERRIDE_FAIL: '✖ OVERRIDE_FAIL (rejected)',
};

export default function ConstraintHistory({ environment, states }: { environment: string; states: ConstraintState[] }) {
  const headingId = `history-${environment.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  return (
    <section className="constraint-history" aria-labelledby={headingId}>
      <h3 id={headingId}>Constraint history: {environment}</h3>
      {states.length === 0 ? (
        <p className="muted">No stateful constraint evaluated in {environment} yet.</p>
      ) : (
        <table>
          <thead>
            <tr><th>Version</th><th>Constraint</th><th>Status</th><th>Judged by</th><th>When</th><th>Comment</th></tr>
          </thead>
          <tbody>
            {states.map((s) => (
              <tr key={`${s.type}/${s.artifactReference}/${s.artifactVersion}`} data-version={s.artifactVersion}>
                <td className="mono">{s.artifactVersion}{s.artifactReference ? <span className="muted"> ({s.artifactReference})</span> : null}</td>
                <td>{s.type}</td>
                <td data-status={s.status}>{WORDS[s.status] ?? s.status}{s.status === 'PENDING' && s.timeoutAt ? <span className="muted"> · times out {when(s.timeoutAt)}</span> : null}</td>
                <td>{s.judgedBy ?? '—'}</td>
                <td>{s.judgedAt ? when(s.judgedAt) : `asked ${when(s.createdAt)}`}</td>
                <td>{s.comment ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
