/**
 * Block Kit messages for manual judgments, built from a channel-neutral {@link JudgmentView}.
 *
 * Pure functions: no I/O, no clock (every time shown comes from the view). Whatever the view holds — long
 * instructions, hundreds of judgment inputs, huge parameter values, 500-character stage names, markup in user
 * values — the result stays inside the limits Slack enforces (Slack answers `invalid_blocks` otherwise), which
 * {@link checkBlockKitLimits} states and the tests fuzz.
 *
 * Escaping: every value that came from a user is escaped for mrkdwn (`&`, `<`, `>` per Slack's "Formatting text
 * for app surfaces"), so it cannot mention `@channel`, ping users or smuggle links; mrkdwn text objects carrying
 * such values are sent with `verbatim: true` so Slack does not auto-parse them either. Pipeline instructions (and
 * custom notification texts) keep their mrkdwn formatting and explicit or bare http(s)/mailto links; everything
 * else in them is escaped, and a link whose URL occurs in a user-supplied value of the view (a trigger parameter,
 * the trigger user) is shown as text, since `${parameters.x}` may have put it there.
 */
import type {
  ActionsBlock,
  Button,
  ContextBlock,
  HeaderBlock,
  InputBlock,
  KnownBlock,
  ModalView,
  MrkdwnElement,
  PlainTextElement,
  SectionBlock,
} from '@slack/web-api';
import type {
  ExecutionNotificationView,
  JudgmentApproval,
  JudgmentDecision,
  JudgmentStatus,
  JudgmentView,
} from '../model/judgment.js';
import {
  encodeButtonValue,
  encodeRejectMetadata,
  REJECT_CALLBACK_ID,
  REJECT_REASON_ACTION_ID,
  REJECT_REASON_BLOCK_ID,
  SLACK_PRIVATE_METADATA_MAX,
} from './payload.js';

/** A Slack modal view object, as views.open takes it (`ModalView` from @slack/web-api). */
export type { ModalView };

/** A Block Kit layout block as sent to chat.postMessage / chat.update (`KnownBlock` from @slack/web-api). */
export type Block = KnownBlock;

/** A message body: `text` is the plain fallback Slack shows in notifications; `blocks` the rich layout. */
export interface SlackMessageBody {
  text: string;
  blocks: Block[];
}

/**
 * The Block Kit limits this module keeps to, from Slack's Block Kit reference (blocks, block elements,
 * composition objects). Lengths are in UTF-16 code units, which is never less than Slack's character count.
 */
export const BLOCK_KIT_LIMITS = {
  /** Blocks in one message. */
  blocks: 50,
  /** Any text object (`text.text`), incl. section text and context elements. */
  text: 3000,
  /** Fields in one section. */
  sectionFields: 10,
  /** Text of one section field. */
  sectionFieldText: 2000,
  /** Elements in one actions block. */
  actionsElements: 25,
  /** Elements in one context block. */
  contextElements: 10,
  /** Header block plain_text. */
  headerText: 150,
  /** Button label. */
  buttonText: 75,
  /** Button value. */
  buttonValue: 2000,
  /** Button url. */
  buttonUrl: 3000,
  /** action_id (unique within the message). */
  actionId: 255,
  /** block_id (unique within the message). */
  blockId: 255,
  /** Confirmation dialog title. */
  confirmTitle: 100,
  /** Confirmation dialog text. */
  confirmText: 300,
  /** Confirmation dialog confirm / deny button labels. */
  confirmButton: 30,
  /** Input block label and hint. */
  inputLabel: 2000,
  /** Placeholder of an input element. */
  placeholder: 150,
  /** Upper bound of a plain_text_input's `max_length` / `min_length`. */
  plainTextInputLength: 3000,
} as const;

/**
 * The modal view limits this module keeps to, from Slack's modal view object reference. Blocks inside a modal
 * follow {@link BLOCK_KIT_LIMITS}, except that a modal may hold 100 blocks.
 */
export const MODAL_LIMITS = {
  /** Blocks in one modal view. */
  blocks: 100,
  /** `title`, `submit` and `close` plain_text. */
  title: 24,
  submit: 24,
  close: 24,
  /** `callback_id`. */
  callbackId: 255,
  /** `private_metadata`. */
  privateMetadata: SLACK_PRIVATE_METADATA_MAX,
} as const;

/** `max_length` of the reject modal's reason field, in characters. */
export const REJECT_REASON_MAX_LENGTH = 2000;

/** Appended wherever text from the view was cut to fit a limit. */
export const TRUNCATION_NOTE = '… (truncated; see the execution)';

/** Most judgment-input buttons shown; more inputs than this get a note instead (8 actions blocks with Reject). */
export const MAX_INPUT_BUTTONS = 199;

/** Most trigger parameters shown (3 sections of 10 fields); the rest are counted in a note. */
export const MAX_PARAMETERS_SHOWN = 30;

/** Longest shown parameter value, in characters before escaping. */
const PARAMETER_VALUE_MAX = 500;
/** Longest shown application / pipeline / stage / user name, in characters before escaping. */
const NAME_MAX = 150;

/**
 * Longest shown free-text reason (a rejection's `decision.reason`), in characters before escaping: the reject
 * modal's `max_length`, so a reason typed in Slack is shown whole.
 */
export const REASON_SHOWN_MAX = 2000;

/** Most people named in an approvals line; more are counted ("and 3 more"). */
export const MAX_APPROVERS_SHOWN = 20;

/** Most roles named in a "who may judge" line or text; more are counted. */
export const MAX_ROLES_SHOWN = 20;

/** Longest shown failure reason of an execution notification, in characters before escaping. */
const ERROR_MAX = 1000;
/** Longest shown role name, in characters before escaping. */
const ROLE_MAX = 100;

// ---------------------------------------------------------------------------------------------------------------
// Escaping and truncation

/**
 * Escapes a user-supplied value for Slack mrkdwn: `&` → `&amp;`, `<` → `&lt;`, `>` → `&gt;` (Slack, "Formatting
 * text for app surfaces" → escaping). Nothing else is changed; the result shows `s` literally, with no mentions,
 * links or special commands. Total function, never throws.
 */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes like {@link escapeMrkdwn} but leaves `&amp;`, `&lt;`, `&gt;` already written by an author alone. */
function escapeKeepingEntities(s: string): string {
  return s.replace(/&(?!(?:amp|lt|gt);)/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A piece of mrkdwn: `cut` pieces may be truncated; atomic ones (mentions, dates, links) are kept whole or dropped. */
interface Seg {
  s: string;
  atomic: boolean;
}
const txt = (s: string): Seg => ({ s, atomic: false });
const atom = (s: string): Seg => ({ s, atomic: true });

/** Cuts already-escaped mrkdwn to at most `n` code units, never inside an entity or a surrogate pair. */
function safeCut(s: string, n: number): string {
  if (s.length <= n) return s;
  let cut = s.slice(0, n);
  const amp = cut.lastIndexOf('&');
  if (amp !== -1) {
    const m = /^&(?:amp|lt|gt);/.exec(s.slice(amp));
    if (m && amp + m[0].length > cut.length) cut = cut.slice(0, amp);
  }
  return dropLoneHighSurrogate(cut);
}

function dropLoneHighSurrogate(s: string): string {
  const last = s.charCodeAt(s.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? s.slice(0, -1) : s;
}

/** Joins segments; when longer than `max`, cuts and appends `note` so the result is at most `max`. */
function fit(segs: Seg[], max: number, note: string = TRUNCATION_NOTE): string {
  const whole = segs.map((g) => g.s).join('');
  if (whole.length <= max) return whole;
  const budget = Math.max(0, max - note.length);
  let out = '';
  for (const g of segs) {
    const room = budget - out.length;
    if (g.s.length <= room) {
      out += g.s;
      continue;
    }
    if (!g.atomic) out += safeCut(g.s, room);
    break;
  }
  return (out + note).slice(0, max);
}

/** Plain text cut to `max` with a trailing '…' (for plain_text objects and button labels). */
function clipPlain(s: string, max: number): string {
  if (s.length <= max) return s;
  return `${cutPlain(s, max - 1)}…`;
}

/** The first `n` code units of `s`, without splitting a surrogate pair. */
function cutPlain(s: string, n: number): string {
  return s.length <= n ? s : dropLoneHighSurrogate(s.slice(0, n));
}

/** Collapses whitespace (names go inside `*bold*` and headers, where a newline would break the markup). */
function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** A user-supplied name, on one line, clipped, escaped; `fallback` when empty. */
function name(s: string | null | undefined, fallback = '(unnamed)'): string {
  const v = oneLine(s ?? '');
  return escapeMrkdwn(clipPlain(v === '' ? fallback : v, NAME_MAX));
}

/** Plain (unescaped) one-line name for plain_text objects. */
function plainName(s: string | null | undefined, max: number, fallback = '(unnamed)'): string {
  const v = oneLine(s ?? '');
  return clipPlain(v === '' ? fallback : v, max);
}

const LINK_RE = /<((?:https?:\/\/|mailto:)[^\s<>|]+)(?:\|([^<>]*))?>|(https?:\/\/[^\s<>|]+)/g;

/**
 * The pipeline author's instructions as mrkdwn segments: formatting (`*bold*`, `_italic_`, `` `code` ``, lists,
 * newlines) kept as written; explicit links `<https://...|label>` and bare http(s) URLs become link tokens that
 * are never cut in half; all other `&`, `<`, `>` escaped, so `<!channel>`, `<@U...>`, `<#C...>` show literally.
 *
 * Instructions and custom texts are evaluated before they reach us, so `${parameters.x}` or `${trigger.user}`
 * may have put user-supplied text into them. A link whose URL occurs in any of `untrusted` (the view's
 * user-supplied values) is therefore shown escaped, as text, never as a link. (A URL assembled from several
 * values, or from a value and the author's text, is not caught here: escaping values when the expressions are
 * evaluated is the complete fix.)
 */
function instructionSegments(src: string, untrusted: readonly string[] = [], templates?: readonly string[]): Seg[] {
  const segs: Seg[] = [];
  // With the author's raw templates known, a link is live only if its URL is written there literally (outside
  // any ${...}): a user value can then neither plant a link nor choose where one points.
  const literal = templates ? literalUrls(templates) : null;
  let last = 0;
  for (const m of src.matchAll(LINK_RE)) {
    const at = m.index;
    let url = m[1] ?? m[3] ?? '';
    let trailing = '';
    if (m[3] !== undefined) {
      // A bare URL: leave sentence punctuation after it outside the link.
      const t = /[.,;:!?)\]}'"]+$/.exec(url);
      if (t) {
        trailing = t[0];
        url = url.slice(0, -trailing.length);
      }
    }
    if (at > last) segs.push(txt(escapeKeepingEntities(src.slice(last, at))));
    if ((literal !== null && !literal.has(url)) || untrusted.some((v) => v.includes(url))) {
      // The link came (or may have come) from a user's value: show it literally.
      segs.push(txt(escapeKeepingEntities(m[0])));
      last = at + m[0].length;
      continue;
    }
    const label = m[2];
    segs.push(
      atom(
        label !== undefined && label !== ''
          ? `<${escapeKeepingEntities(url)}|${escapeKeepingEntities(label)}>`
          : `<${escapeKeepingEntities(url)}>`,
      ),
    );
    if (trailing) segs.push(txt(escapeKeepingEntities(trailing)));
    last = at + m[0].length;
  }
  if (last < src.length) segs.push(txt(escapeKeepingEntities(src.slice(last))));
  return segs;
}

/** URLs written literally in the author's templates (those inside a `${...}` are not). */
function literalUrls(templates: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const t of templates) {
    const withoutExpressions = t.replace(/\$\{[^}]*\}/g, '\u0000');
    for (const m of withoutExpressions.matchAll(LINK_RE)) {
      let url = m[1] ?? m[3] ?? '';
      if (m[3] !== undefined) url = url.replace(/[.,;:!?)\]}'"]+$/, '');
      if (!url.includes('\u0000')) out.add(url);
    }
  }
  return out;
}

/** The user-supplied strings of a judgment view (trigger user, parameter names and values), non-empty. */
function untrustedValues(view: JudgmentView): string[] {
  const out: string[] = [];
  const add = (v: unknown): void => {
    if (typeof v === 'string' && v !== '') out.push(v);
  };
  add(view.triggeredBy);
  for (const [k, v] of Object.entries(view.parameters ?? {})) {
    add(k);
    add(v);
  }
  return out;
}

/** Slack user ids (`U…`, `W…` for Enterprise Grid); only these are rendered as `<@id>` mentions. */
const SLACK_USER_ID_RE = /^[UW][A-Z0-9]{2,}$/;

/** A person: `<@U123>` when a valid Slack user id is known, else the escaped user / email ('someone' if empty). */
function personSeg(p: { user: string; slackUserId: string | null }): Seg {
  if (typeof p.slackUserId === 'string' && SLACK_USER_ID_RE.test(p.slackUserId)) return atom(`<@${p.slackUserId}>`);
  return txt(name(typeof p.user === 'string' ? p.user : '', 'someone'));
}

/** Who judged: `<@U123>` when the decision carries a Slack user id, else the escaped user / email. */
function judgeSeg(d: JudgmentDecision): Seg {
  return personSeg(d);
}

/** `<!date^SECONDS^{date_short_pretty} {time}|ISO>` (Slack's date formatting token), or null for a bad time. */
function dateToken(atMs: number): string | null {
  if (!Number.isFinite(atMs)) return null;
  const d = new Date(atMs);
  if (Number.isNaN(d.getTime())) return null;
  const iso = d.toISOString();
  return `<!date^${Math.floor(atMs / 1000)}^{date_short_pretty} {time}|${iso}>`;
}

const VIA_WORDS: Record<JudgmentDecision['via'], string> = {
  slack: 'Slack',
  api: 'the API',
  ui: 'the UI',
  cli: 'the CLI',
};

function verb(status: JudgmentStatus): string {
  return status === 'continue' ? 'Approved' : 'Rejected';
}

/** "Approved by <@U123> at <!date…>" (+ " via the API") (+ " with input: X"), as segments. */
function decisionSegments(d: JudgmentDecision, opts: { lowercase?: boolean } = {}): Seg[] {
  const v = verb(d.judgmentStatus);
  const segs: Seg[] = [txt(`${opts.lowercase ? v.toLowerCase() : v} by `), judgeSeg(d)];
  const date = dateToken(d.at);
  if (date) segs.push(txt(' at '), atom(date));
  if (d.via !== 'slack' && Object.hasOwn(VIA_WORDS, d.via)) segs.push(txt(` via ${VIA_WORDS[d.via]}`));
  if (d.judgmentInput !== null && d.judgmentInput !== undefined) {
    segs.push(txt(' with input: '), txt(escapeMrkdwn(d.judgmentInput === '' ? '(blank)' : d.judgmentInput)));
  }
  return segs;
}

// ---------------------------------------------------------------------------------------------------------------
// Durations, approvals, roles, reasons

const DURATION_UNITS: ReadonlyArray<readonly [string, number]> = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
];

/**
 * A duration as people read it at a glance: the largest whole unit and, when not zero, the next one down, both
 * rounded down — `45s`, `30m`, `2h`, `3d`, `1h 30m`, `2d 4h`, `1m 5s`; under a second, whole milliseconds
 * (`250ms`). Units: d (24 h), h, m, s.
 *
 * @param ms a duration in milliseconds.
 * @returns the text, or null when `ms` is not a finite number ≥ 0 (callers then leave the duration out).
 * Never throws.
 */
export function formatDuration(ms: number): string | null {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return null;
  if (ms < 1000) return `${Math.floor(ms)}ms`;
  // Under a minute, tenths of a second where they matter: 1500 → "1.5s" (the configured stageTimeoutMs, told truly).
  if (ms < 60_000 && ms % 1000 !== 0) return `${Math.floor(ms / 100) / 10}s`;
  for (let i = 0; i < DURATION_UNITS.length; i++) {
    const [unit, size] = DURATION_UNITS[i] as readonly [string, number];
    if (ms < size) continue;
    const whole = Math.floor(ms / size);
    let out = `${whole}${unit}`;
    const next = DURATION_UNITS[i + 1];
    if (next) {
      const rest = Math.floor((ms - whole * size) / next[1]);
      if (rest > 0) out += ` ${rest}${next[0]}`;
    }
    return out;
  }
  return `${Math.floor(ms / 1000)}s`;
}

/** `requiredApprovals` when it asks for more than one approval (a safe integer > 1), else null. */
function requiredApprovalsOf(view: JudgmentView): number | null {
  const r = view.requiredApprovals;
  return typeof r === 'number' && Number.isSafeInteger(r) && r > 1 ? r : null;
}

/** "<@U1>, alice@example.com and 3 more", at most {@link MAX_APPROVERS_SHOWN} people named. */
function peopleSegs(people: ReadonlyArray<{ user: string; slackUserId: string | null }>): Seg[] {
  const shown = people.slice(0, MAX_APPROVERS_SHOWN);
  const segs: Seg[] = [];
  shown.forEach((p, i) => {
    if (i > 0) segs.push(txt(', '));
    segs.push(personSeg(p));
  });
  if (people.length > shown.length) segs.push(txt(` and ${people.length - shown.length} more`));
  return segs;
}

/** The approvals received so far, skipping malformed entries. */
function approvalsOf(view: JudgmentView): JudgmentApproval[] {
  return Array.isArray(view.approvals) ? view.approvals.filter((a) => typeof a === 'object' && a !== null) : [];
}

/**
 * "1 of 2 approvals: <@U1>" (or "0 of 2 approvals") while more than one approval is needed; null otherwise.
 */
function progressSegs(view: JudgmentView): Seg[] | null {
  const required = requiredApprovalsOf(view);
  if (required === null) return null;
  const approvals = approvalsOf(view);
  const segs: Seg[] = [txt(`${approvals.length} of ${required} approvals`)];
  if (approvals.length > 0) segs.push(txt(': '), ...peopleSegs(approvals));
  return segs;
}

/** Role names from the view, one line each, clipped and escaped; empty ones dropped. */
function roleNames(roles: readonly string[] | null | undefined): string[] {
  if (!Array.isArray(roles)) return [];
  return roles
    .filter((r): r is string => typeof r === 'string' && oneLine(r) !== '')
    .map((r) => escapeMrkdwn(clipPlain(oneLine(r), ROLE_MAX)));
}

/** "Only members of deployers, sre may judge", or null when anyone may. */
function rolesLine(view: JudgmentView): string | null {
  const roles = roleNames(view.allowedRoles);
  if (roles.length === 0) return null;
  const shown = roles.slice(0, MAX_ROLES_SHOWN);
  const more = roles.length - shown.length;
  const list = shown.join(', ') + (more > 0 ? ` and ${more} more roles` : '');
  return fit([txt(`Only members of ${list} may judge`)], BLOCK_KIT_LIMITS.text);
}

/** A free-text reason, trimmed, clipped to {@link REASON_SHOWN_MAX} and escaped; null when there is none. */
function reasonText(reason: string | null | undefined): string | null {
  if (typeof reason !== 'string') return null;
  const r = reason.trim();
  if (r === '') return null;
  return r.length > REASON_SHOWN_MAX
    ? `${escapeMrkdwn(cutPlain(r, REASON_SHOWN_MAX))}${TRUNCATION_NOTE}`
    : escapeMrkdwn(r);
}

/** Whether the view ended because its stage timed out / was canceled (case-insensitive). */
function endedAs(view: JudgmentView): 'TIMED_OUT' | 'CANCELED' | 'OTHER' | null {
  const ended = typeof view.endedWithoutJudgment === 'string' ? oneLine(view.endedWithoutJudgment) : '';
  if (ended === '') return null;
  const upper = ended.toUpperCase();
  if (upper === 'TIMED_OUT') return 'TIMED_OUT';
  if (upper === 'CANCELED' || upper === 'CANCELLED') return 'CANCELED';
  return 'OTHER';
}

/** " after 2h" from `timeoutMs`, or '' when unknown. */
function afterTimeout(timeoutMs: number | null | undefined): string {
  const d = typeof timeoutMs === 'number' ? formatDuration(timeoutMs) : null;
  return d ? ` after ${d}` : '';
}

// ---------------------------------------------------------------------------------------------------------------
// Block helpers

function mrkdwn(text: string): MrkdwnElement {
  return { type: 'mrkdwn', text, verbatim: true };
}

function plain(text: string): PlainTextElement {
  return { type: 'plain_text', text, emoji: true };
}

function section(text: string): SectionBlock {
  return { type: 'section', text: mrkdwn(text) };
}

function context(text: string): ContextBlock {
  return { type: 'context', elements: [mrkdwn(text)] };
}

function isLinkableUrl(url: string): boolean {
  return /^https?:\/\/[^\s]+$/.test(url) && url.length <= BLOCK_KIT_LIMITS.buttonUrl;
}

/** A button label from a judgment input: one line, '(blank)' when empty, at most 75 characters. */
function inputLabel(input: string): string {
  return plainName(input, BLOCK_KIT_LIMITS.buttonText, '(blank)');
}

const HEADER_PREFIX = 'Manual judgment: ';
const HEADER_NAME_MAX = BLOCK_KIT_LIMITS.headerText - HEADER_PREFIX.length;

/** Header, summary (with the "View execution" link button), instructions and parameters. */
function summaryBlocks(view: JudgmentView, state: string, triggeredLine: boolean): Block[] {
  const blocks: Block[] = [];
  const header: HeaderBlock = {
    type: 'header',
    text: plain(clipPlain(`${HEADER_PREFIX}${plainName(view.stageName, HEADER_NAME_MAX)}`, BLOCK_KIT_LIMITS.headerText)),
  };
  blocks.push(header);

  const summarySegs: Seg[] = [
    txt(`*${name(view.application)}* / *${name(view.pipelineName)}*: stage *${name(view.stageName)}* ${state}`),
  ];
  if (triggeredLine) summarySegs.push(txt(`\nTriggered by ${name(view.triggeredBy, 'unknown')}`));
  const summary: SectionBlock = section(fit(summarySegs, BLOCK_KIT_LIMITS.text));
  if (isLinkableUrl(view.executionUrl)) {
    summary.accessory = {
      type: 'button',
      text: plain('View execution'),
      url: view.executionUrl,
      action_id: 'open_execution',
    };
  }
  blocks.push(summary);

  const untrusted = untrustedValues(view);
  const custom = view.notificationText?.trim();
  if (custom) blocks.push(section(fit(instructionSegments(custom, untrusted, view.templates), BLOCK_KIT_LIMITS.text)));

  const instructions = view.instructions?.trim();
  if (instructions) {
    blocks.push(
      section(fit([txt('*Instructions*\n'), ...instructionSegments(instructions, untrusted, view.templates)], BLOCK_KIT_LIMITS.text)),
    );
  }

  const params = Object.entries(view.parameters ?? {});
  const shown = params.slice(0, MAX_PARAMETERS_SHOWN);
  for (let i = 0; i < shown.length; i += BLOCK_KIT_LIMITS.sectionFields) {
    const fields = shown.slice(i, i + BLOCK_KIT_LIMITS.sectionFields).map(([k, v]) => {
      const value = String(v ?? '');
      const valueSegs: Seg[] =
        value === ''
          ? [txt('_(empty)_')]
          : value.length > PARAMETER_VALUE_MAX
            ? [txt(escapeMrkdwn(cutPlain(value, PARAMETER_VALUE_MAX))), txt(TRUNCATION_NOTE)]
            : [txt(escapeMrkdwn(value))];
      return mrkdwn(fit([txt(`*${name(k, '(no name)')}*\n`), ...valueSegs], BLOCK_KIT_LIMITS.sectionFieldText));
    });
    const block: SectionBlock = { type: 'section', fields };
    if (i === 0) block.text = mrkdwn('*Parameters*');
    blocks.push(block);
  }
  if (params.length > shown.length) {
    blocks.push(context(`…and ${params.length - shown.length} more parameters (see the execution)`));
  }
  if (!isLinkableUrl(view.executionUrl)) {
    blocks.push(context(fit([txt(`Execution ${name(view.executionId, '?')}`)], BLOCK_KIT_LIMITS.text)));
  }
  return blocks;
}

function confirmDialog(
  title: string,
  text: string,
  confirmLabel: string,
  style: 'primary' | 'danger',
): NonNullable<Button['confirm']> {
  return {
    title: plain(clipPlain(title, BLOCK_KIT_LIMITS.confirmTitle)),
    text: plain(clipPlain(text, BLOCK_KIT_LIMITS.confirmText)),
    confirm: plain(confirmLabel),
    deny: plain('Cancel'),
    style,
  };
}

/** The decision buttons (Approve/Reject, or one per input + Reject), split into actions blocks of ≤ 25. */
function actionBlocks(view: JudgmentView): Block[] {
  const pipeline = plainName(view.pipelineName, 60);
  const stage = plainName(view.stageName, 60);
  const value = (judgmentStatus: JudgmentStatus, inputIndex: number | null): string =>
    encodeButtonValue({ executionId: view.executionId, stageId: view.stageId, judgmentStatus, inputIndex });

  const buttons: Button[] = [];
  const inputs = view.judgmentInputs ?? [];
  if (inputs.length === 0) {
    buttons.push({
      type: 'button',
      action_id: 'judgment:continue',
      text: plain('Approve'),
      style: 'primary',
      value: value('continue', null),
      confirm: confirmDialog('Approve?', `${approveEffect(view, pipeline, stage)}.`, 'Approve', 'primary'),
    });
  } else {
    inputs.slice(0, MAX_INPUT_BUTTONS).forEach((input, i) => {
      const label = inputLabel(input);
      buttons.push({
        type: 'button',
        action_id: `judgment:continue:${i}`,
        text: plain(label),
        value: value('continue', i),
        confirm: confirmDialog(
          `Approve with "${plainName(input, 60, '(blank)')}"?`,
          `${approveEffect(view, pipeline, stage)} with input "${plainName(input, 120, '(blank)')}".`,
          'Approve',
          'primary',
        ),
      });
    });
  }
  buttons.push({
    type: 'button',
    action_id: 'judgment:stop',
    text: plain('Reject'),
    style: 'danger',
    value: value('stop', null),
    // No confirm dialog: the click opens the reject modal (rejectReasonModal), which asks for a reason and is the
    // confirmation.
  });

  const blocks: Block[] = [];
  for (let i = 0; i < buttons.length; i += BLOCK_KIT_LIMITS.actionsElements) {
    const block: ActionsBlock = {
      type: 'actions',
      block_id: i === 0 ? 'judgment' : `judgment-${i / BLOCK_KIT_LIMITS.actionsElements}`,
      elements: buttons.slice(i, i + BLOCK_KIT_LIMITS.actionsElements),
    };
    blocks.push(block);
  }
  if (inputs.length > MAX_INPUT_BUTTONS) {
    blocks.push(
      context(
        `${inputs.length - MAX_INPUT_BUTTONS} more judgment inputs are not shown; open the execution to choose one of them.`,
      ),
    );
  }
  return blocks;
}

/** What an approval does, for the confirm dialog: continue, or count towards `requiredApprovals`. */
function approveEffect(view: JudgmentView, pipeline: string, stage: string): string {
  const required = typeof view.requiredApprovals === 'number' && view.requiredApprovals > 1 ? view.requiredApprovals : 1;
  if (required === 1) return `Pipeline "${pipeline}" continues past stage "${stage}"`;
  const have = Array.isArray(view.approvals) ? view.approvals.length : 0;
  return `Your approval counts towards the ${required} needed (${have} so far); the pipeline continues past "${stage}" at ${required}`;
}

/** Approvals given before a rejection or an end without judgment, so the message keeps them. */
function earlierApprovals(view: JudgmentView): Block[] {
  const list = Array.isArray(view.approvals) ? view.approvals.filter((a) => typeof a === 'object' && a !== null) : [];
  return list.length > 0 ? [context(fit([txt('Approved before: '), ...peopleSegs(list)], BLOCK_KIT_LIMITS.text))] : [];
}

/** Plain fallback line: "app / pipeline: stage <state>". */
function fallbackHead(view: JudgmentView): string {
  return `${name(view.application)} / ${name(view.pipelineName)}: ${name(view.stageName)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Public builders

/**
 * The judgment message, in the state the view describes.
 *
 * - Awaiting (`decision` null, no `endedWithoutJudgment`): header "Manual judgment: <stage>", a summary
 *   (application, pipeline, stage, who triggered) with a "View execution" link button to `view.executionUrl`,
 *   the instructions, the trigger parameters (`name: value` fields), then
 *   - when `requiredApprovals` > 1, a context line with the progress: "1 of 2 approvals: <@U1>" (a Slack mention
 *     when the approval carries a valid Slack user id, else the escaped user / email; at most
 *     {@link MAX_APPROVERS_SHOWN} named);
 *   - when `allowedRoles` is non-empty, a context line "Only members of deployers, sre may judge" (escaped);
 *   - the decision buttons: with no `judgmentInputs` Approve (`judgment:continue`, primary) and Reject
 *     (`judgment:stop`, danger); with inputs one button per input (`judgment:continue:<index>`) plus Reject.
 *     Approve buttons have a confirm dialog; Reject has none, because clicking it opens the reject modal
 *     (`rejectReasonModal` in `modals.ts`), which is its confirmation. Every button's value comes from
 *     {@link encodeButtonValue}. More than 25 buttons are split over several actions blocks; more than
 *     {@link MAX_INPUT_BUTTONS} inputs are noted instead of shown.
 * - Decided: the same summary, no buttons, a context line
 *   "Approved by <@U123> at <!date^…^{date_short_pretty} {time}|ISO>" (or "Rejected by …"; the escaped
 *   user/email when there is no Slack user id), plus the channel if not Slack and the chosen input; when
 *   `decision.approvers` has more than one entry, a context line "All approvers: <@U1>, <@U2>"; when the decision
 *   carries a `reason`, a section "Reason: …" (escaped, at most {@link REASON_SHOWN_MAX} characters shown).
 * - Ended without a judgment, no buttons:
 *   - "TIMED_OUT": "Timed out after 2h without a judgment." (duration from `timeoutMs`, see
 *     {@link formatDuration}; left out when unknown);
 *   - "CANCELED": "Canceled by <endedBy> before a judgment was made." (`endedBy` escaped; "Canceled before a
 *     judgment was made." when unknown);
 *   - any other status: "No judgment was made: the stage ended <STATUS>."
 *
 * @returns `text`, the plain fallback for notifications, and `blocks`, always within {@link BLOCK_KIT_LIMITS}.
 * @throws RangeError only while awaiting, when `executionId`/`stageId` are empty, hold a lone surrogate, or are
 *   so long that a button value would exceed 2,000 characters (SlackOps ids are at most 64 characters); see
 *   {@link encodeButtonValue}.
 * Sources: Slack Block Kit reference (blocks, button element, confirmation dialog), "Formatting text for app
 * surfaces" (escaping, `<@U>` mentions, `<!date^…>`).
 */
export function judgmentMessage(view: JudgmentView): SlackMessageBody {
  const decision = view.decision;
  if (decision) {
    const state = decision.judgmentStatus === 'continue' ? 'was approved' : 'was rejected';
    const blocks = summaryBlocks(view, state, true);
    blocks.push(context(fit(decisionSegments(decision), BLOCK_KIT_LIMITS.text)));
    const approvers = Array.isArray(decision.approvers)
      ? decision.approvers.filter((a) => typeof a === 'object' && a !== null)
      : [];
    if (approvers.length > 1) {
      blocks.push(context(fit([txt('All approvers: '), ...peopleSegs(approvers)], BLOCK_KIT_LIMITS.text)));
    }
    if (decision.judgmentStatus === 'stop') blocks.push(...earlierApprovals(view));
    const reason = reasonText(decision.reason);
    if (reason !== null) blocks.push(section(fit([txt('Reason: '), txt(reason)], BLOCK_KIT_LIMITS.text)));
    const text = fit([txt(`${fallbackHead(view)} ${state} by `), judgeSeg(decision)], BLOCK_KIT_LIMITS.text);
    return { text, blocks };
  }
  const ended = endedAs(view);
  if (ended === 'TIMED_OUT') {
    const after = afterTimeout(view.timeoutMs);
    const blocks = summaryBlocks(view, `timed out${after} without a judgment`, true);
    blocks.push(context(`Timed out${after} without a judgment.`), ...earlierApprovals(view));
    const text = fit([txt(`${fallbackHead(view)} timed out${after} without a judgment`)], BLOCK_KIT_LIMITS.text);
    return { text, blocks };
  }
  if (ended === 'CANCELED') {
    const by = typeof view.endedBy === 'string' && oneLine(view.endedBy) !== '' ? ` by ${name(view.endedBy)}` : '';
    const blocks = summaryBlocks(view, 'was canceled before a judgment', true);
    const why = typeof view.endedReason === 'string' && oneLine(view.endedReason) !== '' ? `: ${escapeMrkdwn(clipPlain(oneLine(view.endedReason), 300))}` : '';
    blocks.push(context(fit([txt(`Canceled${by} before a judgment was made${why}.`)], BLOCK_KIT_LIMITS.text)), ...earlierApprovals(view));
    const text = fit([txt(`${fallbackHead(view)} was canceled${by} before a judgment`)], BLOCK_KIT_LIMITS.text);
    return { text, blocks };
  }
  if (ended === 'OTHER') {
    const status = escapeMrkdwn(clipPlain(oneLine(view.endedWithoutJudgment ?? ''), 60));
    const blocks = summaryBlocks(view, `ended without a judgment (${status})`, true);
    blocks.push(context(`No judgment was made: the stage ended ${status}.`));
    const text = fit([txt(`${fallbackHead(view)} ended without a judgment (${status})`)], BLOCK_KIT_LIMITS.text);
    return { text, blocks };
  }
  const blocks = summaryBlocks(view, 'is awaiting manual judgment', true);
  const progress = progressSegs(view);
  if (progress) blocks.push(context(fit(progress, BLOCK_KIT_LIMITS.text)));
  const roles = rolesLine(view);
  if (roles) blocks.push(context(roles));
  blocks.push(...actionBlocks(view));
  const required = requiredApprovalsOf(view);
  const progressNote = required === null ? '' : ` (${approvalsOf(view).length} of ${required} approvals)`;
  const text = fit([txt(`${fallbackHead(view)} is awaiting manual judgment${progressNote}`)], BLOCK_KIT_LIMITS.text);
  return { text, blocks };
}

/**
 * The `manualJudgmentContinue` / `manualJudgmentStop` notification, posted as a reply in the judgment
 * message's thread (Spinnaker's notification `when` names): who judged, when, with which input, and what
 * happens next ("the pipeline continues" / "the pipeline stops"). For 'stop', the decision's `reason` follows
 * as "Reason: …" (escaped, at most {@link REASON_SHOWN_MAX} characters shown); for a 'continue' that needed
 * several approvals, "All approvers: …".
 *
 * @param kind which notification; it decides the wording. The judge comes from `view.decision` when it agrees
 *   with `kind`; otherwise the reply says only what happened.
 * @returns fallback `text` and `blocks` (a section, the custom text when set, and, when known, a context line with
 *   the time), within limits. Never throws.
 */
export function judgmentThreadReply(view: JudgmentView, kind: JudgmentStatus): SlackMessageBody {
  const d = view.decision && view.decision.judgmentStatus === kind ? view.decision : null;
  const icon = kind === 'continue' ? ':white_check_mark:' : ':no_entry:';
  const what = kind === 'continue' ? 'Approved' : 'Rejected';
  const next = kind === 'continue' ? 'the pipeline continues' : view.failPipeline === false ? 'this branch of the pipeline stops' : 'the pipeline stops';
  const where = `stage *${name(view.stageName)}* of *${name(view.application)}* / *${name(view.pipelineName)}*`;

  const segs: Seg[] = [txt(`${icon} *${what}*`)];
  if (d) segs.push(txt(' by '), judgeSeg(d));
  segs.push(txt(`: ${where}; ${next}.`));
  if (d && d.judgmentInput !== null && d.judgmentInput !== undefined) {
    segs.push(txt('\nInput: '), txt(escapeMrkdwn(d.judgmentInput === '' ? '(blank)' : d.judgmentInput)));
  }
  const approvers = d && Array.isArray(d.approvers) ? d.approvers.filter((a) => typeof a === 'object' && a !== null) : [];
  if (approvers.length > 1) segs.push(txt('\nAll approvers: '), ...peopleSegs(approvers));
  const reason = d ? reasonText(d.reason) : null;
  if (reason !== null) segs.push(txt('\nReason: '), txt(reason));
  const blocks: Block[] = [section(fit(segs, BLOCK_KIT_LIMITS.text))];
  const custom = view.notificationText?.trim();
  if (custom) blocks.push(section(fit(instructionSegments(custom, untrustedValues(view), view.templates), BLOCK_KIT_LIMITS.text)));
  if (d) blocks.push(context(fit(decisionSegments(d), BLOCK_KIT_LIMITS.text)));

  const textSegs: Seg[] = [txt(`${fallbackHead(view)} was ${what.toLowerCase()}`)];
  if (d) textSegs.push(txt(' by '), judgeSeg(d));
  textSegs.push(txt(`; ${next}`));
  return { text: fit(textSegs, BLOCK_KIT_LIMITS.text), blocks };
}

/**
 * A reminder posted in the judgment message's thread while the stage still waits (the engine's
 * `judgment.reminder` event, every `notifyEveryMs`): ":hourglass_flowing_sand: Still awaiting a judgment (waiting
 * 2h): stage *…* of *…* / *…*.", then, when `requiredApprovals` > 1, the progress ("1 of 2 approvals: <@U1>"),
 * and the roles line when `allowedRoles` is set. The buttons stay on the original message; the reply has none.
 *
 * @param view the judgment, still awaiting (the caller sends reminders only then; the text does not check).
 * @param nowMs the current time in epoch ms; the wait is `nowMs - view.awaitingSince`, shown with
 *   {@link formatDuration} and left out when `awaitingSince` is unknown or later than `nowMs`.
 * @returns fallback `text` and `blocks` within {@link BLOCK_KIT_LIMITS}. Never throws.
 */
export function judgmentReminder(view: JudgmentView, nowMs: number): SlackMessageBody {
  const since = view.awaitingSince;
  const waited =
    typeof since === 'number' && Number.isFinite(since) && Number.isFinite(nowMs) ? formatDuration(nowMs - since) : null;
  const waiting = waited ? ` (waiting ${waited})` : '';
  const where = `stage *${name(view.stageName)}* of *${name(view.application)}* / *${name(view.pipelineName)}*`;
  const blocks: Block[] = [
    section(fit([txt(`:hourglass_flowing_sand: Still awaiting a judgment${waiting}: ${where}.`)], BLOCK_KIT_LIMITS.text)),
  ];
  const progress = progressSegs(view);
  if (progress) blocks.push(context(fit(progress, BLOCK_KIT_LIMITS.text)));
  const roles = rolesLine(view);
  if (roles) blocks.push(context(roles));
  const required = requiredApprovalsOf(view);
  const progressNote = required === null ? '' : `; ${approvalsOf(view).length} of ${required} approvals`;
  const text = fit(
    [txt(`${fallbackHead(view)} is still awaiting a judgment${waiting}${progressNote}`)],
    BLOCK_KIT_LIMITS.text,
  );
  return { text, blocks };
}

const EVENT_WORDS: Record<ExecutionNotificationView['event'], { icon: string; verb: string; expected: string }> = {
  'pipeline.starting': { icon: ':arrow_forward:', verb: 'started', expected: 'RUNNING' },
  'pipeline.complete': { icon: ':white_check_mark:', verb: 'completed', expected: 'SUCCEEDED' },
  'pipeline.failed': { icon: ':x:', verb: 'failed', expected: 'TERMINAL' },
  'stage.starting': { icon: ':arrow_forward:', verb: 'started', expected: 'RUNNING' },
  'stage.complete': { icon: ':white_check_mark:', verb: 'completed', expected: 'SUCCEEDED' },
  'stage.failed': { icon: ':x:', verb: 'failed', expected: 'TERMINAL' },
};

/**
 * A compact message for Spinnaker's pipeline- and stage-level notification events (echo's `when` values
 * `pipeline.starting|complete|failed`, `stage.starting|complete|failed`):
 *
 * - a section: an emoji (:arrow_forward: started, :white_check_mark: completed, :x: failed) and one line,
 *   "*checkout* / *Deploy*: pipeline completed", "*checkout* / *Deploy*: stage *Soak* completed",
 *   "*checkout* / *Deploy*: pipeline failed: <error>"; the status is added in parentheses when it is not the one
 *   the event implies (RUNNING, SUCCEEDED, TERMINAL), e.g. "pipeline failed (CANCELED)". A "View execution" link
 *   button (`open_execution`) to `executionUrl` when it is an http(s) URL, else a context line naming the execution;
 * - the custom text (`customText`, the pipeline author's mrkdwn), escaped like instructions: formatting and
 *   http(s)/mailto links kept, `<!channel>`, mentions and other markup shown literally;
 * - a context line "Triggered by <user>", plus " · took 2m 5s" when both `startTime` and `endTime` are known.
 *
 * Every user value (names, error, status, triggeredBy) is escaped. An unknown `event` is shown with
 * :information_source: and its name.
 * @returns fallback `text` (one line, escaped) and `blocks` within {@link BLOCK_KIT_LIMITS}. Never throws.
 * Source: Slack Block Kit reference; spinnaker/echo notification `when` names.
 */
export function executionNotification(view: ExecutionNotificationView): SlackMessageBody {
  const words = Object.hasOwn(EVENT_WORDS, view.event)
    ? EVENT_WORDS[view.event]
    : { icon: ':information_source:', verb: escapeMrkdwn(clipPlain(oneLine(String(view.event ?? '')), 60)), expected: '' };
  const isStage = typeof view.event === 'string' && view.event.startsWith('stage.');
  const status = typeof view.status === 'string' ? oneLine(view.status) : '';
  const statusNote = status !== '' && status.toUpperCase() !== words.expected ? ` (${escapeMrkdwn(clipPlain(status, 60))})` : '';
  const subject = isStage ? `stage *${name(view.stageName, '(unnamed stage)')}*` : 'pipeline';
  const head = `*${name(view.application)}* / *${name(view.pipelineName)}*: ${subject} ${words.verb}${statusNote}`;
  const error = typeof view.error === 'string' && view.error.trim() !== '' ? view.error.trim() : null;
  const errorSegs: Seg[] = error
    ? [
        txt(': '),
        txt(escapeMrkdwn(error.length > ERROR_MAX ? cutPlain(error, ERROR_MAX) : error)),
        ...(error.length > ERROR_MAX ? [txt(TRUNCATION_NOTE)] : []),
      ]
    : [];

  const blocks: Block[] = [];
  const main: SectionBlock = section(fit([txt(`${words.icon} ${head}`), ...errorSegs], BLOCK_KIT_LIMITS.text));
  const url = typeof view.executionUrl === 'string' ? view.executionUrl : '';
  if (isLinkableUrl(url)) {
    main.accessory = { type: 'button', text: plain('View execution'), url, action_id: 'open_execution' };
  }
  blocks.push(main);
  const custom = typeof view.customText === 'string' ? view.customText.trim() : '';
  const untrusted = [view.triggeredBy, view.error].filter((v): v is string => typeof v === 'string' && v !== '');
  if (custom) blocks.push(section(fit(instructionSegments(custom, untrusted, view.templates), BLOCK_KIT_LIMITS.text)));

  let meta = `Triggered by ${name(view.triggeredBy, 'unknown')}`;
  const { startTime, endTime } = view;
  const known = (t: unknown): t is number => typeof t === 'number' && Number.isFinite(t);
  if (known(startTime) && known(endTime)) {
    const took = formatDuration(endTime - startTime);
    if (took) meta += ` · took ${took}`;
  }
  if (!isLinkableUrl(url)) meta += ` · execution ${name(view.executionId, '?')}`;
  blocks.push(context(fit([txt(meta)], BLOCK_KIT_LIMITS.text)));

  const textSubject = isStage ? `stage ${name(view.stageName, '(unnamed stage)')}` : 'pipeline';
  const text = fit(
    [txt(`${name(view.application)} / ${name(view.pipelineName)}: ${textSubject} ${words.verb}${statusNote}`), ...errorSegs],
    BLOCK_KIT_LIMITS.text,
  );
  return { text, blocks };
}

/**
 * Ephemeral text for someone who clicks after the stage was already judged: who judged, how, when, and that
 * their click changed nothing. E.g. "This stage was already approved by <@U123> at <!date…> with input: v2.
 * Your click did not change anything." Slack mrkdwn, at most 3,000 characters. Never throws.
 */
export function alreadyJudgedText(decision: JudgmentDecision): string {
  return fit(
    [txt('This stage was already '), ...decisionSegments(decision, { lowercase: true }), txt('. Your click did not change anything.')],
    BLOCK_KIT_LIMITS.text,
  );
}

/**
 * Ephemeral text for someone outside the roles allowed to judge: "You can't judge this stage: it needs a member of
 * deployers or sre." (roles escaped, one line each, "a, b or c"; at most {@link MAX_ROLES_SHOWN} named, then "or
 * one of 3 more roles"). With no usable role names: "You can't judge this stage: you are not among the people
 * allowed to." Slack mrkdwn, at most 3,000 characters. Never throws.
 */
export function notAllowedText(allowedRoles: string[]): string {
  const roles = roleNames(allowedRoles);
  if (roles.length === 0) return "You can't judge this stage: you are not among the people allowed to.";
  const shown = roles.slice(0, MAX_ROLES_SHOWN);
  const more = roles.length - shown.length;
  let list: string;
  if (more > 0) list = `${shown.join(', ')} or one of ${more} more roles`;
  else if (shown.length === 1) list = shown[0] as string;
  else list = `${shown.slice(0, -1).join(', ')} or ${shown.at(-1) as string}`;
  return fit([txt(`You can't judge this stage: it needs a member of ${list}.`)], BLOCK_KIT_LIMITS.text);
}

/**
 * Ephemeral text for the person who triggered the execution when they click Approve: "You triggered this
 * execution, so you can't approve it; someone else must. You may still reject it." Never throws.
 */
export function selfApprovalText(): string {
  return "You triggered this execution, so you can't approve it; someone else must. You may still reject it.";
}

/**
 * Ephemeral text for someone who approves again while more approvals are needed: "You already approved this
 * stage (1 of 2 approvals); 1 more person must approve." (or "N more people"). When the counts are not usable
 * (not whole numbers ≥ 0, or nothing missing): "You already approved this stage; your click did not change
 * anything." Never throws.
 * @param progress.approvals approvals counted so far (yours included); `required` the approvals needed.
 */
export function alreadyApprovedByYouText(progress: { approvals: number; required: number }): string {
  const { approvals, required } = progress ?? { approvals: NaN, required: NaN };
  const ok = Number.isSafeInteger(approvals) && Number.isSafeInteger(required) && approvals >= 0 && required > approvals;
  if (!ok) return 'You already approved this stage; your click did not change anything.';
  const missing = required - approvals;
  const who = missing === 1 ? 'person' : 'people';
  return `You already approved this stage (${approvals} of ${required} approvals); ${missing} more ${who} must approve.`;
}

/**
 * Ephemeral text for a click on a judgment that timed out: "This judgment timed out after 2h; nothing was
 * changed." (duration from {@link formatDuration}; "This judgment timed out; nothing was changed." when
 * `timeoutMs` is null or unusable). Never throws.
 */
export function timedOutText(timeoutMs: number | null): string {
  return `This judgment timed out${afterTimeout(timeoutMs)}; nothing was changed.`;
}

/**
 * Ephemeral text for a click on a stage that is not awaiting a judgment (canceled, skipped, not started, ...):
 * "This stage is not awaiting a judgment (its status is CANCELED); nothing was changed." The status is escaped
 * and clipped to 60 characters; without one the parenthesis is left out. Never throws.
 */
export function notAwaitingText(stageStatus: string): string {
  const status = typeof stageStatus === 'string' ? oneLine(stageStatus) : '';
  const note = status === '' ? '' : ` (its status is ${escapeMrkdwn(clipPlain(status, 60))})`;
  return `This stage is not awaiting a judgment${note}; nothing was changed.`;
}

/** Where a Reject click came from: the judgment it rejects and the message holding the button. */
export interface RejectModalTarget {
  executionId: string;
  stageId: string;
  stageName: string;
  pipelineName: string;
  application: string;
  /** The Reject click's `response_url`, kept in private_metadata for the ephemeral answer (dropped if too long). */
  responseUrl?: string | null;
  /** Channel id of the judgment message. */
  channelId?: string | null;
  /** `ts` of the judgment message. */
  messageTs?: string | null;
  /** The stage's `failPipeline`; false means a rejection halts only this branch. */
  failPipeline?: boolean;
}

/**
 * The modal a Reject click opens (views.open with the click's `trigger_id`): it asks for an optional reason and is
 * the rejection's confirmation (the Reject button has no confirm dialog).
 *
 * Shape: `type: 'modal'`, `callback_id` {@link REJECT_CALLBACK_ID} (`judgment:reject`), title "Reject", submit
 * "Reject", close "Cancel"; a section "Reject stage *…* of *…* / *…*? The pipeline stops at this stage." (names
 * escaped, one line each, clipped); one optional input block, `block_id` `reason`, holding a multiline
 * plain_text_input, `action_id` `reason`, `max_length` {@link REJECT_REASON_MAX_LENGTH} (2,000). Its
 * `private_metadata` is {@link encodeRejectMetadata} of the target: `rj1:<executionId>:<stageId>:<channelId>:
 * <messageTs>:<responseUrl>`, at most 3,000 characters (the response_url is left out when it would not fit).
 * `notify_on_close` is not set, so closing the modal sends nothing and changes nothing.
 *
 * On submit Slack sends a `view_submission` whose `view.state.values.reason.reason.value` is the reason;
 * `parseInteraction` (payload.ts) turns it into a `RejectSubmission`. The result always passes
 * {@link checkModalLimits}.
 *
 * @throws RangeError when `executionId` or `stageId` is empty or not well-formed Unicode, or the ids are so long
 *   that the metadata would exceed 3,000 characters (see {@link encodeRejectMetadata}).
 * Sources: Slack modal view object reference (title/submit/close 24 characters, private_metadata 3,000,
 * callback_id 255), input block and plain-text input element references (max_length 1–3,000), views.open.
 */
export function rejectReasonModal(target: RejectModalTarget): ModalView {
  const privateMetadata = encodeRejectMetadata(target);
  const where = `stage *${name(target.stageName)}* of *${name(target.application)}* / *${name(target.pipelineName)}*`;
  const reason: InputBlock = {
    type: 'input',
    block_id: REJECT_REASON_BLOCK_ID,
    optional: true,
    label: plain('Reason'),
    hint: plain('Shown with the rejection in the channel and recorded on the stage.'),
    element: {
      type: 'plain_text_input',
      action_id: REJECT_REASON_ACTION_ID,
      multiline: true,
      max_length: REJECT_REASON_MAX_LENGTH,
      placeholder: plain('Why are you rejecting it?'),
    },
  };
  return {
    type: 'modal',
    callback_id: REJECT_CALLBACK_ID,
    title: plain('Reject'),
    submit: plain('Reject'),
    close: plain('Cancel'),
    private_metadata: privateMetadata,
    blocks: [
      section(
        fit(
          [txt(`Reject ${where}? ${target.failPipeline === false ? 'This branch of the pipeline stops here.' : 'The pipeline stops at this stage.'}`)],
          BLOCK_KIT_LIMITS.text,
        ),
      ),
      reason,
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Limits check

/**
 * Lists every way `blocks` breaks a Block Kit limit Slack enforces; an empty list means Slack should accept it.
 *
 * Checked: at most 50 blocks (`opts.maxBlocks`; 100 in a modal); block_id ≤ 255 and unique; text objects
 * non-empty, ≤ 3,000 and of type plain_text/mrkdwn; header plain_text ≤ 150; section has text or fields, ≤ 10
 * fields each ≤ 2,000; actions 1–25 elements; context 1–10 elements; buttons: label plain_text 1–75, action_id
 * ≤ 255 and unique in the message, value ≤ 2,000, url ≤ 3,000, style primary/danger; confirm dialog title ≤ 100,
 * text ≤ 300, confirm/deny ≤ 30; input blocks: label (and hint) plain_text ≤ 2,000, an element; plain_text_input:
 * max_length an integer 1–3,000, min_length 0–3,000 and not above max_length, placeholder plain_text ≤ 150.
 * Blocks of other types are checked only for block_id.
 *
 * @param blocks anything (e.g. blocks received by a fake Slack); non-arrays and non-objects are reported.
 * @param opts.maxBlocks how many blocks are allowed (default {@link BLOCK_KIT_LIMITS}.blocks, 50).
 * @returns human-readable violations such as `blocks[3].elements[1].text.text: 80 characters > 75`.
 * Never throws. Source: Slack Block Kit reference.
 */
export function checkBlockKitLimits(blocks: unknown, opts: { maxBlocks?: number } = {}): string[] {
  const out: string[] = [];
  if (!Array.isArray(blocks)) return ['blocks: not an array'];
  const L = BLOCK_KIT_LIMITS;
  const maxBlocks = opts.maxBlocks ?? L.blocks;
  if (blocks.length > maxBlocks) out.push(`blocks: ${blocks.length} blocks > ${maxBlocks}`);
  const blockIds = new Set<string>();
  const actionIds = new Set<string>();

  const textObj = (v: unknown, path: string, max: number, plainOnly = false): void => {
    if (!isObj(v)) return void out.push(`${path}: missing text object`);
    if (v.type !== 'plain_text' && v.type !== 'mrkdwn') out.push(`${path}.type: "${String(v.type)}" is not a text type`);
    if (plainOnly && v.type !== 'plain_text') out.push(`${path}.type: must be plain_text`);
    if (typeof v.text !== 'string') return void out.push(`${path}.text: missing`);
    if (v.text.length === 0) out.push(`${path}.text: empty`);
    if (v.text.length > max) out.push(`${path}.text: ${v.text.length} characters > ${max}`);
  };

  const element = (e: unknown, path: string): void => {
    if (!isObj(e)) return void out.push(`${path}: not an object`);
    if (e.action_id !== undefined) {
      if (typeof e.action_id !== 'string' || e.action_id.length === 0) out.push(`${path}.action_id: empty or not a string`);
      else {
        if (e.action_id.length > L.actionId) out.push(`${path}.action_id: ${e.action_id.length} characters > ${L.actionId}`);
        if (actionIds.has(e.action_id)) out.push(`${path}.action_id: "${e.action_id}" is not unique in the message`);
        actionIds.add(e.action_id);
      }
    }
    if (e.type === 'button') {
      textObj(e.text, `${path}.text`, L.buttonText, true);
      if (e.value !== undefined && (typeof e.value !== 'string' || e.value.length > L.buttonValue)) {
        out.push(`${path}.value: not a string of at most ${L.buttonValue} characters`);
      }
      if (e.url !== undefined && (typeof e.url !== 'string' || e.url.length > L.buttonUrl)) {
        out.push(`${path}.url: not a string of at most ${L.buttonUrl} characters`);
      }
      if (e.style !== undefined && e.style !== 'primary' && e.style !== 'danger') {
        out.push(`${path}.style: "${String(e.style)}" is not primary or danger`);
      }
    }
    if (e.type === 'plain_text_input') {
      const lengthOk = (v: unknown, min: number): boolean =>
        typeof v === 'number' && Number.isInteger(v) && v >= min && v <= L.plainTextInputLength;
      if (e.max_length !== undefined && !lengthOk(e.max_length, 1)) {
        out.push(`${path}.max_length: not an integer in 1..${L.plainTextInputLength}`);
      }
      if (e.min_length !== undefined && !lengthOk(e.min_length, 0)) {
        out.push(`${path}.min_length: not an integer in 0..${L.plainTextInputLength}`);
      }
      if (typeof e.min_length === 'number' && typeof e.max_length === 'number' && e.min_length > e.max_length) {
        out.push(`${path}.min_length: greater than max_length`);
      }
      if (e.placeholder !== undefined) textObj(e.placeholder, `${path}.placeholder`, L.placeholder, true);
    }
    if (e.confirm !== undefined) {
      const c = e.confirm;
      if (!isObj(c)) out.push(`${path}.confirm: not an object`);
      else {
        textObj(c.title, `${path}.confirm.title`, L.confirmTitle, true);
        textObj(c.text, `${path}.confirm.text`, L.confirmText);
        textObj(c.confirm, `${path}.confirm.confirm`, L.confirmButton, true);
        textObj(c.deny, `${path}.confirm.deny`, L.confirmButton, true);
      }
    }
  };

  blocks.forEach((b, i) => {
    const path = `blocks[${i}]`;
    if (!isObj(b)) return void out.push(`${path}: not an object`);
    if (b.block_id !== undefined) {
      if (typeof b.block_id !== 'string' || b.block_id.length === 0 || b.block_id.length > L.blockId) {
        out.push(`${path}.block_id: not a string of 1..${L.blockId} characters`);
      } else {
        if (blockIds.has(b.block_id)) out.push(`${path}.block_id: "${b.block_id}" is not unique in the message`);
        blockIds.add(b.block_id);
      }
    }
    switch (b.type) {
      case 'header':
        textObj(b.text, `${path}.text`, L.headerText, true);
        break;
      case 'section': {
        if (b.text === undefined && b.fields === undefined) out.push(`${path}: section needs text or fields`);
        if (b.text !== undefined) textObj(b.text, `${path}.text`, L.text);
        if (b.fields !== undefined) {
          if (!Array.isArray(b.fields)) out.push(`${path}.fields: not an array`);
          else {
            if (b.fields.length > L.sectionFields) out.push(`${path}.fields: ${b.fields.length} fields > ${L.sectionFields}`);
            b.fields.forEach((f, j) => textObj(f, `${path}.fields[${j}]`, L.sectionFieldText));
          }
        }
        if (b.accessory !== undefined) element(b.accessory, `${path}.accessory`);
        break;
      }
      case 'actions': {
        if (!Array.isArray(b.elements) || b.elements.length === 0) {
          out.push(`${path}.elements: must be a non-empty array`);
          break;
        }
        if (b.elements.length > L.actionsElements) {
          out.push(`${path}.elements: ${b.elements.length} elements > ${L.actionsElements}`);
        }
        b.elements.forEach((e, j) => element(e, `${path}.elements[${j}]`));
        break;
      }
      case 'context': {
        if (!Array.isArray(b.elements) || b.elements.length === 0) {
          out.push(`${path}.elements: must be a non-empty array`);
          break;
        }
        if (b.elements.length > L.contextElements) {
          out.push(`${path}.elements: ${b.elements.length} elements > ${L.contextElements}`);
        }
        b.elements.forEach((e, j) => {
          if (isObj(e) && e.type === 'image') return;
          textObj(e, `${path}.elements[${j}]`, L.text);
        });
        break;
      }
      case 'input': {
        textObj(b.label, `${path}.label`, L.inputLabel, true);
        if (b.hint !== undefined) textObj(b.hint, `${path}.hint`, L.inputLabel, true);
        if (!isObj(b.element)) out.push(`${path}.element: missing or not an object`);
        else element(b.element, `${path}.element`);
        break;
      }
      case 'divider':
        break;
      default:
        if (typeof b.type !== 'string') out.push(`${path}.type: missing`);
    }
  });
  return out;
}

/**
 * Lists every way a modal view breaks a limit Slack enforces for views.open / views.update / views.push (Slack
 * answers `invalid_arguments` otherwise); an empty list means Slack should accept it.
 *
 * Checked: an object with `type: 'modal'`; `title` plain_text, 1–24 characters; `submit` / `close`, when present,
 * plain_text 1–24; `submit` present when there is an input block; `callback_id` a string ≤ 255; `private_metadata`
 * a string ≤ 3,000; `blocks` as {@link checkBlockKitLimits} with at most 100 blocks. Paths start with `view.`.
 *
 * @param view anything (e.g. a view received by a fake Slack).
 * @returns human-readable violations such as `view.title.text: 25 characters > 24`. Never throws.
 * Source: Slack modal view object reference.
 */
export function checkModalLimits(view: unknown): string[] {
  if (!isObj(view)) return ['view: not an object'];
  const out: string[] = [];
  const M = MODAL_LIMITS;
  if (view.type !== 'modal') out.push(`view.type: "${String(view.type)}" is not "modal"`);
  const plainText = (v: unknown, path: string, max: number): void => {
    if (!isObj(v)) return void out.push(`${path}: missing text object`);
    if (v.type !== 'plain_text') out.push(`${path}.type: must be plain_text`);
    if (typeof v.text !== 'string') return void out.push(`${path}.text: missing`);
    if (v.text.length === 0) out.push(`${path}.text: empty`);
    if (v.text.length > max) out.push(`${path}.text: ${v.text.length} characters > ${max}`);
  };
  plainText(view.title, 'view.title', M.title);
  if (view.submit !== undefined) plainText(view.submit, 'view.submit', M.submit);
  if (view.close !== undefined) plainText(view.close, 'view.close', M.close);
  if (view.callback_id !== undefined && (typeof view.callback_id !== 'string' || view.callback_id.length > M.callbackId)) {
    out.push(`view.callback_id: not a string of at most ${M.callbackId} characters`);
  }
  if (
    view.private_metadata !== undefined &&
    (typeof view.private_metadata !== 'string' || view.private_metadata.length > M.privateMetadata)
  ) {
    out.push(`view.private_metadata: not a string of at most ${M.privateMetadata} characters`);
  }
  const blocks = view.blocks;
  if (Array.isArray(blocks) && blocks.some((b) => isObj(b) && b.type === 'input') && view.submit === undefined) {
    out.push('view.submit: required when the view has an input block');
  }
  for (const problem of checkBlockKitLimits(blocks, { maxBlocks: M.blocks })) out.push(`view.${problem}`);
  return out;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
