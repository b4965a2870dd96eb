/**
 * One cell of the environments view: a version's state in an environment (icon + text), its pin / mark-as-bad /
 * deploy notes, its manual judgement (Approve / Reject while pending, the decision afterwards), and the pin and
 * mark-as-bad actions. Buttons are named for their target ("Approve 1.2.0 for prod") so each is unique on the page.
 */
import type { ArtifactInEnvironment, VersionInEnvironment } from '../../managed-api';
import { links } from '../../router';
import PromotionBadge from './PromotionBadge';
import { when } from '../../format';

/** A text mark for each status, so the reason never rests on colour alone. */
const WHY_ICON: Record<string, string> = { PENDING: '◔', NOT_EVALUATED: '○', FAIL: '✖', OVERRIDE_FAIL: '✖' };

export type CellAction = 'approve' | 'reject' | 'pin' | 'veto';

export default function EnvironmentCell(p: {
  app: string;
  environment: string;
  artifact: ArtifactInEnvironment;
  v: VersionInEnvironment;
  onAction: (a: CellAction) => void;
}) {
  const { v, environment: env, artifact } = p;
  const mj = v.constraints.find((c) => c.type === 'manual-judgement');
  const awaiting = mj?.status === 'PENDING' && v.state !== 'VETOED';
  const pinnedHere = artifact.pinned?.version === v.version;
  // Why a waiting version waits, in words (the judgement itself is shown below when it was asked).
  const why = v.state === 'PENDING' || v.state === 'APPROVED' ? (v.constraintSummaries ?? []).filter((c) => c.status !== 'PASS' && c.status !== 'OVERRIDE_PASS' && !(c.type === 'manual-judgement' && mj)) : [];
  return (
    <td
      className={`cell cell-${v.state.toLowerCase()}${awaiting ? ' cell-pending-judgement' : ''}`}
      data-env={env}
      data-version={v.version}
      data-state={v.state}
    >
      <PromotionBadge state={v.state} />
      <div className="cell-notes">
        {pinnedHere && <p>⚑ Pinned by {artifact.pinned!.by}{artifact.pinned!.comment ? `: “${artifact.pinned!.comment}”` : ''}</p>}
        {v.vetoed && <p>⊘ Marked as bad by {v.vetoed.by}{v.vetoed.comment ? `: “${v.vetoed.comment}”` : ''}</p>}
        {v.deployment?.detail && v.deployment.status === 'FAILED' && <p className="error">✖ {v.deployment.detail}</p>}
        {v.deployment?.executionId && (v.state === 'DEPLOYING' || v.deployment.status === 'FAILED') && (
          <p><a href={links.execution(p.app, v.deployment.executionId)}>Deploy execution</a></p>
        )}
        {mj && mj.status === 'OVERRIDE_PASS' && <p>✔ Approved by {mj.judgedBy ?? 'unknown'}{mj.judgedAt ? ` (${when(mj.judgedAt)})` : ''}{mj.comment ? `: “${mj.comment}”` : ''}</p>}
        {mj && mj.status === 'OVERRIDE_FAIL' && <p>✖ Rejected by {mj.judgedBy ?? 'unknown'}{mj.judgedAt ? ` (${when(mj.judgedAt)})` : ''}{mj.comment ? `: “${mj.comment}”` : ''}</p>}
        {mj && mj.status === 'FAIL' && <p>✖ {mj.comment ?? 'Judgement failed'}</p>}
        {why.length > 0 && (
          <ul className="constraint-why" aria-label={`Why ${v.version} waits in ${env}`}>
            {why.map((c) => (
              <li key={c.type} data-constraint={c.type} data-status={c.status}>
                {WHY_ICON[c.status] ?? '•'} {c.type}: {c.detail}
              </li>
            ))}
          </ul>
        )}
      </div>
      {awaiting && (
        <div className="judgement-ask" role="group" aria-label={`Manual judgement of ${v.version} for ${env}`}>
          <p>◔ Awaiting manual judgement{artifact.pinned && !pinnedHere ? ` (⚠ ${env} is pinned to ${artifact.pinned.version}: it will not deploy until unpinned)` : ''}</p>
          <div className="buttons">
            <button type="button" className="primary" aria-label={`Approve ${v.version} for ${env}`} onClick={() => p.onAction('approve')}>✔ Approve</button>
            <button type="button" className="danger" aria-label={`Reject ${v.version} for ${env}`} onClick={() => p.onAction('reject')}>✖ Reject</button>
          </div>
        </div>
      )}
      <div className="cell-actions">
        {!pinnedHere && <button type="button" aria-label={`Pin ${env} to ${v.version}`} onClick={() => p.onAction('pin')}>⚑ Pin</button>}
        {!v.vetoed && <button type="button" className="danger" aria-label={`Mark ${v.version} as bad in ${env}`} onClick={() => p.onAction('veto')}>⊘ Mark as bad</button>}
      </div>
    </td>
  );
}
