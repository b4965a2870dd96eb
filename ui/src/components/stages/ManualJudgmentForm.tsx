/**
 * manualJudgment: instructions (Slack mrkdwn, previewed with the same mrkdwn renderer as the Slack preview),
 * judgment inputs, notifications (Deck's "Send notifications" + notification preferences with `when` =
 * manualJudgment / manualJudgmentContinue / manualJudgmentStop; a new preference starts at manualJudgment and one
 * with no `when` is flagged here and refused by the API), who may judge (`selectedStageRoles`), `requiredApprovals` and `preventSelfApproval`
 * (extensions), and the timeout (`stageTimeoutMs`, shown in minutes).
 */
import Field from '../Field';
import FieldError from '../FieldError';
import { Mrkdwn } from '../../slack/mrkdwn';
import ListInput from '../ListInput';
import type { NotificationPreference } from '../../api';
import type { StageFormProps } from './types';

const WHEN: Array<[string, string]> = [
  ['manualJudgment', 'This stage is awaiting judgment'],
  ['manualJudgmentContinue', 'This stage was judged to continue'],
  ['manualJudgmentStop', 'This stage was judged to stop'],
];

function list(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}

export default function ManualJudgmentForm({ stage, onChange, issues, idPrefix }: StageFormProps) {
  const instructions = typeof stage.instructions === 'string' ? stage.instructions : '';
  const inputs = (Array.isArray(stage.judgmentInputs) ? stage.judgmentInputs : []) as Array<{ value: string }>;
  const prefs = (Array.isArray(stage.notifications) ? stage.notifications : []) as NotificationPreference[];
  // The service's rule (notifications/fan-out.ts): it notifies unless sendNotifications is explicitly false. Deck
  // ticks the box when notifications exist unless it is false; only a click writes sendNotifications.
  const send = stage.sendNotifications === true || (stage.sendNotifications !== false && prefs.length > 0);
  const setPref = (i: number, p: Partial<NotificationPreference>) => onChange({ notifications: prefs.map((x, j) => (j === i ? { ...x, ...p } : x)) });
  const timeoutMin = typeof stage.stageTimeoutMs === 'number' ? stage.stageTimeoutMs / 60_000 : '';
  return (
    <>
      <div className="split">
        <Field
          label="Instructions (Slack mrkdwn)"
          id={`${idPrefix}-instructions`}
          errors={issues('instructions')}
          hint="Slack's mrkdwn, not Markdown: *bold*, _italic_, ~strike~, `code`, <https://example.com|link>. Shown to the judge here and in Slack; ${...} expressions allowed"
        >
          <textarea id={`${idPrefix}-instructions`} rows={5} value={instructions} onChange={(e) => onChange({ instructions: e.target.value || undefined })} />
        </Field>
        <div className="preview" aria-label="Instructions preview" role="region">
          <div className="preview-title">Preview</div>
          {instructions ? <div className="mrkdwn"><Mrkdwn text={instructions} /></div> : <p className="muted">No instructions.</p>}
        </div>
      </div>

      <fieldset>
        <legend>Judgment inputs</legend>
        <FieldError messages={issues('judgmentInputs')} />
        {inputs.map((inp, i) => (
          <div className="row" key={i}>
            <Field label={`Judgment input ${i + 1}`} id={`${idPrefix}-input-${i}`} errors={issues(`judgmentInputs[${i}].value`)}>
              <input id={`${idPrefix}-input-${i}`} value={inp.value} onChange={(e) => onChange({ judgmentInputs: inputs.map((x, j) => (j === i ? { value: e.target.value } : x)) })} />
            </Field>
            <button type="button" className="link" onClick={() => onChange({ judgmentInputs: inputs.filter((_, j) => j !== i) })}>Remove input {i + 1}</button>
          </div>
        ))}
        <button type="button" onClick={() => onChange({ judgmentInputs: [...inputs, { value: '' }] })}>Add judgment input</button>
      </fieldset>

      <fieldset>
        <legend>Notifications</legend>
        <label className="check">
          <input type="checkbox" checked={send} onChange={(e) => onChange({ sendNotifications: e.target.checked })} /> Send notifications
        </label>
        <FieldError messages={issues('notifications')} />
        {send && (
          <>
            {prefs.map((p, i) => {
              const id = `${idPrefix}-notif-${i}`;
              const when = list(p.when);
              const silent = when.length === 0;
              return (
                <div className="card inner" key={i} role="group" aria-label={`Notification preference ${i + 1}`}>
                  <Field label="Notify via" id={`${id}-type`} errors={issues(`notifications[${i}].type`)}>
                    <select id={`${id}-type`} value={p.type} onChange={(e) => setPref(i, { type: e.target.value })}>
                      <option value="slack">Slack</option>
                    </select>
                  </Field>
                  <Field label="Slack channel" id={`${id}-address`} errors={issues(`notifications[${i}].address`)} hint="e.g. #deploys, or a channel id">
                    <input id={`${id}-address`} value={p.address} onChange={(e) => setPref(i, { address: e.target.value })} />
                  </Field>
                  <fieldset>
                    <legend>Notify when</legend>
                    {WHEN.map(([value, label]) => (
                      <label className="check" key={value}>
                        <input
                          type="checkbox"
                          checked={when.includes(value)}
                          onChange={(e) => setPref(i, { when: e.target.checked ? [...when, value] : when.filter((w) => w !== value) })}
                        />{' '}
                        {label}
                      </label>
                    ))}
                    {silent && <p className="field-error" role="alert">Tick at least one: with none, this preference never posts.</p>}
                    <FieldError messages={issues(`notifications[${i}].when`)} />
                  </fieldset>
                  <button type="button" className="link" onClick={() => onChange({ notifications: prefs.filter((_, j) => j !== i) })}>Remove notification preference {i + 1}</button>
                </div>
              );
            })}
            <button type="button" onClick={() => onChange({ notifications: [...prefs, { type: 'slack', address: '', level: 'stage', when: ['manualJudgment'] }] })}>
              Add Notification Preference
            </button>
          </>
        )}
      </fieldset>

      <fieldset>
        <legend>Who may judge</legend>
        <Field label="Authorized roles (comma-separated; empty = anyone)" id={`${idPrefix}-roles`} errors={issues('selectedStageRoles')}>
          <ListInput id={`${idPrefix}-roles`} items={list(stage.selectedStageRoles)} onChange={(roles) => onChange({ selectedStageRoles: roles.length > 0 ? roles : undefined })} />
        </Field>
        <Field label="Required approvals" id={`${idPrefix}-approvals`} errors={issues('requiredApprovals')} hint="Distinct people who must approve (1-20)">
          <input
            id={`${idPrefix}-approvals`}
            type="number"
            min={1}
            max={20}
            value={typeof stage.requiredApprovals === 'number' ? stage.requiredApprovals : ''}
            onChange={(e) => onChange({ requiredApprovals: e.target.value === '' ? undefined : Number(e.target.value) })}
          />
        </Field>
        <label className="check">
          <input type="checkbox" checked={stage.preventSelfApproval === true} onChange={(e) => onChange({ preventSelfApproval: e.target.checked || undefined })} /> The person who
          triggered may not approve
        </label>
      </fieldset>

      <Field label="Timeout (minutes)" id={`${idPrefix}-timeout`} errors={issues('stageTimeoutMs')} hint="Empty: 3 days">
        <input
          id={`${idPrefix}-timeout`}
          type="number"
          min={1}
          value={timeoutMin}
          onChange={(e) => onChange({ stageTimeoutMs: e.target.value === '' ? undefined : Math.round(Number(e.target.value) * 60_000) })}
        />
      </Field>
      <label className="check">
        <input type="checkbox" checked={stage.markSuccessfulOnTimeout === true} onChange={(e) => onChange({ markSuccessfulOnTimeout: e.target.checked || undefined })} /> On
        timeout, mark the stage successful instead of failing it
      </label>
    </>
  );
}
