/**
 * Block Kit for managed delivery's manual-judgement message (pure; after keel's ManualJudgmentNotificationHandler
 * layout, with our guarantees): application, artifact and version, target environment, git commit / author /
 * message / branch / PR, build link, how many versions ahead of the environment's current one, a link to the
 * environment view, and Approve (primary) / Reject (danger) buttons, each behind a confirm dialog ("Are you sure
 * you want to promote version …?"). Once judged or timed out, the message is rebuilt without buttons and with the
 * outcome ("Approved by <@U…>").
 */
import { escapeMrkdwn, type Block, type SlackMessageBody } from './blocks.js';
import { encodeManagedValue, MANAGED_APPROVE_ACTION, MANAGED_REJECT_ACTION } from './managed-payload.js';

/** What the judgement message shows; built from the stored state at delivery time. */
export interface ManagedJudgementView {
  application: string;
  environment: string;
  artifactName: string;
  reference: string;
  version: string;
  git: {
    commit?: string;
    author?: string;
    message?: string;
    branch?: string;
    repo?: string;
    pullRequest?: { number?: string; url?: string };
  } | null;
  build: { number?: string; url?: string } | null;
  /** Versions between the environment's current one and this one (null: nothing deployed there yet). */
  versionsAhead: number | null;
  current: string | null;
  /** Link to the application's environments view. */
  environmentUrl: string;
  /** Constraint status: PENDING shows buttons; anything else shows the outcome. */
  status: string;
  judgedBy: string | null;
  judgedBySlackUserId: string | null;
  comment: string | null;
  /** ISO-8601 timeout, shown while pending (e.g. "P5D"). */
  timeout: string | null;
  /** The environment's pin, when one holds it on another version (the approval will not deploy until unpinned). */
  pinned?: { version: string; by: string; comment: string | null } | null;
  /** This version was marked as bad (vetoed) in the environment: it will not deploy there. */
  vetoed?: { by: string; comment: string | null } | null;
  /**
   * This version was marked as bad in an environment this one depends on: depends-on fails (as keel's), so it will
   * not deploy here even when approved.
   */
  dependencyVetoed?: { environment: string; by: string; comment: string | null } | null;
}

const TEXT_MAX = 2900;

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

function esc(s: string | undefined | null, n = 300): string {
  return escapeMrkdwn(clip(String(s ?? '').replace(/\s+/g, ' ').trim(), n));
}

/** A link only for http(s) URLs; anything else is shown as text. */
function link(url: string | undefined, label: string): string {
  if (url && /^https?:\/\/[^\s<>|]+$/.test(url) && url.length <= 500) return `<${url}|${escapeMrkdwn(label)}>`;
  return escapeMrkdwn(label);
}

function judge(v: ManagedJudgementView): string {
  if (v.judgedBySlackUserId && /^[UW][A-Z0-9]+$/.test(v.judgedBySlackUserId)) return `<@${v.judgedBySlackUserId}>`;
  return esc(v.judgedBy ?? 'unknown', 200);
}

/**
 * The judgement message for `view`: buttons while PENDING, the outcome otherwise.
 * @returns fallback `text` and `blocks`, within Block Kit's limits (texts clipped). Throws only RangeError from
 *   {@link encodeManagedValue} for parts far beyond the limits the API accepts.
 */
export function managedJudgementMessage(v: ManagedJudgementView): SlackMessageBody {
  const what = `${esc(v.application, 100)}: ${esc(v.artifactName, 100)} version *${esc(v.version, 200)}* to *${esc(v.environment, 100)}*`;
  const lines: string[] = [];
  const g = v.git;
  if (g?.commit) lines.push(`*Commit:* \`${esc(g.commit.slice(0, 12), 12)}\`${g.branch ? ` on ${esc(g.branch, 100)}` : ''}${g.repo ? ` (${esc(g.repo, 150)})` : ''}`);
  if (g?.author) lines.push(`*Author:* ${esc(g.author, 150)}`);
  if (g?.message) lines.push(`*Message:* ${esc(g.message, 500)}`);
  if (g?.pullRequest?.number || g?.pullRequest?.url) lines.push(`*Pull request:* ${link(g.pullRequest.url, `#${g.pullRequest.number ?? '?'}`)}`);
  if (v.build?.number || v.build?.url) lines.push(`*Build:* ${link(v.build.url, `#${v.build.number ?? '?'}`)}`);
  if (v.versionsAhead !== null && v.current) lines.push(`*Ahead of current:* ${v.versionsAhead} version${v.versionsAhead === 1 ? '' : 's'} (current: ${esc(v.current, 200)})`);
  else lines.push(`*Current:* nothing deployed to ${esc(v.environment, 100)} yet`);
  if (v.pinned && v.pinned.version !== v.version) {
    lines.push(`:warning: ${esc(v.environment, 100)} is pinned to ${esc(v.pinned.version, 200)} by ${esc(v.pinned.by, 200)}${v.pinned.comment ? ` (${esc(v.pinned.comment, 300)})` : ''}: this version will not deploy until it is unpinned`);
  }
  if (v.vetoed) {
    lines.push(`:no_entry_sign: marked as bad in ${esc(v.environment, 100)} by ${esc(v.vetoed.by, 200)}${v.vetoed.comment ? ` (${esc(v.vetoed.comment, 300)})` : ''}: this version will not deploy there`);
  }
  if (v.dependencyVetoed) {
    const d = v.dependencyVetoed;
    lines.push(`:warning: marked as bad in ${esc(d.environment, 100)} by ${esc(d.by, 200)}${d.comment ? ` (${esc(d.comment, 300)})` : ''}: ${esc(v.environment, 100)} depends on ${esc(d.environment, 100)}, so this version will not deploy here even if approved`);
  }
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(`Manual judgement: ${v.environment}`, 150) } },
  ];
  const pending = v.status === 'PENDING';
  const head = pending ? `:hourglass: Awaiting manual judgement — ${what}` : `${what}`;
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(head, TEXT_MAX) } });
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(lines.join('\n'), TEXT_MAX) } });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(`${link(v.environmentUrl, 'Open the environments view')}${pending && v.timeout ? ` · times out after ${esc(v.timeout, 40)}` : ''}`, TEXT_MAX) }] });
  let text: string;
  if (pending) {
    const value = encodeManagedValue({ application: v.application, environment: v.environment, reference: v.reference, version: v.version });
    const ver = clip(v.version, 100);
    const env = clip(v.environment, 60);
    blocks.push({
      type: 'actions',
      block_id: 'managed_judgement',
      elements: [
        {
          type: 'button',
          action_id: MANAGED_APPROVE_ACTION,
          text: { type: 'plain_text', text: 'Approve' },
          style: 'primary',
          value,
          confirm: {
            title: { type: 'plain_text', text: 'Are you sure?' },
            text: { type: 'mrkdwn', text: clip(`Are you sure you want to promote version ${escapeMrkdwn(ver)} to ${escapeMrkdwn(env)}?`, 300) },
            confirm: { type: 'plain_text', text: 'Yes, promote' },
            deny: { type: 'plain_text', text: 'Cancel' },
          },
        },
        {
          type: 'button',
          action_id: MANAGED_REJECT_ACTION,
          text: { type: 'plain_text', text: 'Reject' },
          style: 'danger',
          value,
          confirm: {
            title: { type: 'plain_text', text: 'Are you sure?' },
            text: { type: 'mrkdwn', text: clip(`Are you sure you want to reject version ${escapeMrkdwn(ver)} for ${escapeMrkdwn(env)}?`, 300) },
            confirm: { type: 'plain_text', text: 'Yes, reject' },
            deny: { type: 'plain_text', text: 'Cancel' },
          },
        },
      ],
    });
    text = clip(`${v.application}: version ${v.version} of ${v.artifactName} awaits manual judgement for ${v.environment}`, TEXT_MAX);
  } else {
    let outcome: string;
    if (v.status === 'OVERRIDE_PASS') outcome = `:white_check_mark: Approved by ${judge(v)}`;
    else if (v.status === 'OVERRIDE_FAIL') outcome = `:no_entry: Rejected by ${judge(v)}`;
    else if (v.status === 'FAIL') outcome = `:alarm_clock: ${esc(v.comment ?? 'Failed', 200)}`;
    else outcome = esc(v.status, 40);
    const comment = v.comment && v.status !== 'FAIL' ? `\n*Comment:* ${esc(v.comment, 1000)}` : '';
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(outcome + comment, TEXT_MAX) } });
    const plainOutcome = v.status === 'OVERRIDE_PASS' ? `approved by ${v.judgedBy}` : v.status === 'OVERRIDE_FAIL' ? `rejected by ${v.judgedBy}` : (v.comment ?? v.status);
    text = clip(`${v.application}: version ${v.version} of ${v.artifactName} for ${v.environment} ${plainOutcome}`, TEXT_MAX);
  }
  return { text, blocks };
}

/** Ephemeral answer to a late clicker: who decided, how. */
export function managedAlreadyJudgedText(s: { status: string; judgedBy: string | null; comment: string | null }): string {
  if (s.status === 'OVERRIDE_PASS') return `Already approved by ${escapeMrkdwn(s.judgedBy ?? 'someone')}; nothing changed.`;
  if (s.status === 'OVERRIDE_FAIL') return `Already rejected by ${escapeMrkdwn(s.judgedBy ?? 'someone')}; nothing changed.`;
  if (s.status === 'FAIL') return `This judgement has ended: ${escapeMrkdwn(s.comment ?? 'failed')}. Nothing changed.`;
  return `This judgement is ${escapeMrkdwn(s.status)}; nothing changed.`;
}

/** What a compact managed delivery notification says (see `managedNotification`). */
export interface ManagedNoticeView {
  event: string;
  application: string;
  environment: string | null;
  reference: string | null;
  version: string | null;
  user: string | null;
  detail: string | null;
  /** Link to the environments view. */
  environmentUrl: string;
  /** Link to the deploy execution, when there is one. */
  executionUrl: string | null;
}

const NOTICE_WORDS: Record<string, { icon: string; what: string }> = {
  deployment_succeeded: { icon: ':white_check_mark:', what: 'deployed' },
  deployment_failed: { icon: ':x:', what: 'failed to deploy' },
  pinned: { icon: ':pushpin:', what: 'pinned' },
  unpinned: { icon: ':round_pushpin:', what: 'unpinned' },
  marked_as_bad: { icon: ':no_entry_sign:', what: 'marked as bad' },
  judgement_approved: { icon: ':white_check_mark:', what: 'approved' },
  judgement_rejected: { icon: ':no_entry:', what: 'rejected' },
  delivery_config_changed: { icon: ':memo:', what: 'delivery config changed' },
};

/**
 * One compact message for a managed delivery event (keel's notification types, sent by frequency): one section
 * line ("✅ checkout: version *1.2.0* of api deployed to *prod*") and a context line with who, why and links.
 * Never throws.
 */
export function managedNotification(v: ManagedNoticeView): SlackMessageBody {
  const w = NOTICE_WORDS[v.event] ?? { icon: ':information_source:', what: v.event };
  const env = v.environment ? ` ${v.event === 'deployment_failed' || v.event === 'deployment_succeeded' ? 'to' : 'in'} *${esc(v.environment, 100)}*` : '';
  const subject = v.version ? `version *${esc(v.version, 200)}*${v.reference ? ` of ${esc(v.reference, 100)}` : ''}` : v.environment ? `*${esc(v.environment, 100)}*` : '';
  const line =
    v.event === 'delivery_config_changed'
      ? `${w.icon} ${esc(v.application, 100)}: ${w.what}${v.detail ? ` (${esc(v.detail, 200)})` : ''}`
      : v.event === 'unpinned'
        ? `${w.icon} ${esc(v.application, 100)}: *${esc(v.environment ?? '', 100)}* ${w.what}`
        : `${w.icon} ${esc(v.application, 100)}: ${subject} ${w.what}${env}`;
  const extra = [
    v.user ? `by ${esc(v.user, 200)}` : null,
    v.detail && v.event !== 'delivery_config_changed' ? esc(v.detail, 500) : null,
    v.executionUrl ? link(v.executionUrl, 'deploy execution') : null,
    link(v.environmentUrl, 'environments'),
  ].filter((x): x is string => x !== null);
  const plain = line.replace(/:[a-z_]+: /, '').replace(/\*/g, '');
  return {
    text: clip(plain, TEXT_MAX),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: clip(line, TEXT_MAX) } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: clip(extra.join(' · '), TEXT_MAX) }] },
    ],
  };
}
