/**
 * A manualJudgment stage's judgment: instructions rendered as Slack renders the message the service posts (Slack
 * mrkdwn via slack/mrkdwn.tsx; mentions shown literally; a link live only when its URL is written literally in the
 * author's raw instructions, outside `${...}`, and occurs in no trigger parameter or user — so a parameter can
 * neither plant a link nor an image), input choices, who may judge, approvals
 * so far, and Approve/Reject buttons calling `PATCH /pipelines/{id}/stages/{stageId}` (the same `judge(...)` as
 * Slack). Once judged: the decision, who and when.
 */
import { useEffect, useMemo, useState } from 'react';
import { api, type Execution, type StageExecution } from '../api';
import { Mrkdwn, literalUrls, type AuthorTextRules } from '../slack/mrkdwn';
import { errorText, when } from '../format';
import { isAwaitingJudgment } from '../status';

type Approval = { user: string; at: number; judgmentInput?: string | null };

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.trim() !== '') : [];
}

export default function JudgmentPanel({ execution, stage, onJudged }: { execution: Execution; stage: StageExecution; onJudged: (e: Execution) => void }) {
  const c = stage.context;
  const inputs = (Array.isArray(c.judgmentInputs) ? c.judgmentInputs : []).map((i) => String((i as { value?: unknown }).value ?? '')).filter(Boolean);
  const [input, setInput] = useState(inputs[0] ?? '');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const roles = strings(c.requiredJudgmentRoles).length > 0 ? strings(c.requiredJudgmentRoles) : strings(c.selectedStageRoles);
  const required = typeof c.requiredApprovals === 'number' && c.requiredApprovals > 1 ? c.requiredApprovals : 1;
  const approvals = (Array.isArray(c.approvals) ? c.approvals : []) as Approval[];
  const awaiting = isAwaitingJudgment(stage);
  const status = c.judgmentStatus;
  // The author's raw instructions (the execution carries only the evaluated ones): until they are known, or if the
  // pipeline is gone or renamed, no link in the instructions is live.
  const [rawInstructions, setRawInstructions] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    api.pipelineConfig(execution.application, execution.name).then(
      (p) => {
        const raw = p.stages.find((s) => String(s.refId) === stage.refId)?.instructions;
        if (live) setRawInstructions(typeof raw === 'string' ? raw : null);
      },
      () => live && setRawInstructions(null),
    );
    return () => {
      live = false;
    };
  }, [execution.application, execution.name, stage.refId]);
  const authorRules = useMemo<AuthorTextRules>(() => {
    const literal = rawInstructions === null ? new Set<string>() : literalUrls(rawInstructions);
    const untrusted = [execution.trigger.user, ...Object.entries(execution.trigger.parameters ?? {}).flat()].filter((v): v is string => typeof v === 'string' && v !== '');
    return { linkAllowed: (url) => literal.has(url) && !untrusted.some((v) => v.includes(url)) };
  }, [rawInstructions, execution.trigger]);

  async function judge(decision: 'continue' | 'stop') {
    setBusy(true);
    setError(null);
    try {
      onJudged(await api.judge(execution.id, stage.id, decision, decision === 'continue' ? input : undefined, decision === 'stop' ? reason.trim() : undefined));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="judgment card" aria-label="Manual judgment">
      <h3>Manual judgment</h3>
      {typeof c.instructions === 'string' && c.instructions.trim() !== '' ? (
        <div className="mrkdwn instructions">
          <Mrkdwn text={c.instructions} author={authorRules} />
        </div>
      ) : (
        <p className="muted">No instructions.</p>
      )}
      <dl className="facts">
        <dt>Who may judge</dt>
        <dd>{roles.length > 0 ? `members of ${roles.join(', ')}` : 'anyone'}{c.preventSelfApproval === true ? ` (not ${execution.trigger.user}, who triggered it)` : ''}</dd>
        {required > 1 && (
          <>
            <dt>Approvals</dt>
            <dd>
              {approvals.length} of {required}
              {approvals.length > 0 && `: ${approvals.map((a) => `${a.user} (${when(a.at)})`).join(', ')}`}
            </dd>
          </>
        )}
      </dl>
      {awaiting && (
        <div className="judge-actions">
          {inputs.length > 0 && (
            <div className="field">
              <label htmlFor={`judgment-input-${stage.id}`}>Judgment input</label>
              <select id={`judgment-input-${stage.id}`} value={input} onChange={(e) => setInput(e.target.value)}>
                {inputs.map((i) => <option key={i}>{i}</option>)}
              </select>
            </div>
          )}
          <div className="field">
            <label htmlFor={`judgment-reason-${stage.id}`}>Reason (optional, recorded with a rejection)</label>
            <input id={`judgment-reason-${stage.id}`} value={reason} maxLength={2000} onChange={(e) => setReason(e.target.value)} />
          </div>
          <div className="buttons">
            <button type="button" className="primary" disabled={busy} onClick={() => void judge('continue')}>✔ Approve</button>
            <button type="button" className="danger" disabled={busy} onClick={() => void judge('stop')}>✖ Reject</button>
          </div>
          {error && <p className="error" role="alert">{error}</p>}
        </div>
      )}
      {(status === 'continue' || status === 'stop') && (
        <p className="decision" role="status" aria-live="polite">
          {status === 'continue' ? '✔ Approved' : '✖ Rejected'}
          {typeof c.judgmentInput === 'string' && c.judgmentInput ? ` (${c.judgmentInput})` : ''} by <strong>{String(c.lastModifiedBy ?? stage.lastModified?.user ?? 'unknown')}</strong>
          {stage.lastModified ? ` at ${when(stage.lastModified.lastModifiedTime)}` : ''}
          {typeof c.judgmentReason === 'string' && c.judgmentReason ? `: “${c.judgmentReason}”` : ''}
        </p>
      )}
      {c.timedOut === true && <p className="decision">◔ Timed out without a judgment.</p>}
      {!awaiting && status === undefined && stage.status === 'NOT_STARTED' && <p className="muted">Not started yet.</p>}
    </section>
  );
}
