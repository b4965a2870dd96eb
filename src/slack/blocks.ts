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
 * such values are sent with `verbatim: true` so Slack does not auto-parse them either. Pipeline instructions keep
 * their mrkdwn formatting and explicit or bare http(s)/mailto links; everything else in them is escaped.
 */
import type {
  ActionsBlock,
  Button,
  ContextBlock,
  HeaderBlock,
  KnownBlock,
  MrkdwnElement,
  PlainTextElement,
  SectionBlock,
} from '@slack/web-api';
import type { JudgmentDecision, JudgmentStatus, JudgmentView } from '../model/judgment.js';
import { encodeButtonValue } from './payload.js';

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
} as const;

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
 */
function instructionSegments(src: string): Seg[] {
  const segs: Seg[] = [];
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

/** Slack user ids (`U…`, `W…` for Enterprise Grid); only these are rendered as `<@id>` mentions. */
const SLACK_USER_ID_RE = /^[UW][A-Z0-9]{2,}$/;

/** Who judged: `<@U123>` when the decision carries a Slack user id, else the escaped user / email. */
function judgeSeg(d: JudgmentDecision): Seg {
  if (d.slackUserId && SLACK_USER_ID_RE.test(d.slackUserId)) return atom(`<@${d.slackUserId}>`);
  return txt(name(d.user, 'someone'));
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

  const custom = view.notificationText?.trim();
  if (custom) blocks.push(section(fit(instructionSegments(custom), BLOCK_KIT_LIMITS.text)));

  const instructions = view.instructions?.trim();
  if (instructions) {
    blocks.push(section(fit([txt('*Instructions*\n'), ...instructionSegments(instructions)], BLOCK_KIT_LIMITS.text)));
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
      confirm: confirmDialog(
        'Approve?',
        `Pipeline "${pipeline}" continues past stage "${stage}".`,
        'Approve',
        'primary',
      ),
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
          `Pipeline "${pipeline}" continues past stage "${stage}" with input "${plainName(input, 120, '(blank)')}".`,
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
    confirm: confirmDialog('Reject?', `Pipeline "${pipeline}" stops at stage "${stage}".`, 'Reject', 'danger'),
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
 *   the instructions, the trigger parameters (`name: value` fields), then the decision buttons: with no
 *   `judgmentInputs` Approve (`judgment:continue`, primary) and Reject (`judgment:stop`, danger); with inputs one
 *   button per input (`judgment:continue:<index>`) plus Reject. Every decision button has a confirm dialog and a
 *   value from {@link encodeButtonValue}. More than 25 buttons are split over several actions blocks; more than
 *   {@link MAX_INPUT_BUTTONS} inputs are noted instead of shown.
 * - Decided: the same summary, no buttons, and a context line
 *   "Approved by <@U123> at <!date^…^{date_short_pretty} {time}|ISO>" (or "Rejected by …"; the escaped
 *   user/email when there is no Slack user id), plus the channel if not Slack and the chosen input.
 * - Ended without judgment (e.g. "CANCELED"): the same summary, no buttons, a line saying so.
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
    const text = fit([txt(`${fallbackHead(view)} ${state} by `), judgeSeg(decision)], BLOCK_KIT_LIMITS.text);
    return { text, blocks };
  }
  const ended = view.endedWithoutJudgment ? oneLine(view.endedWithoutJudgment) : '';
  if (ended) {
    const status = escapeMrkdwn(clipPlain(ended, 60));
    const blocks = summaryBlocks(view, `ended without a judgment (${status})`, true);
    blocks.push(context(`No judgment was made: the stage ended ${status}.`));
    const text = fit([txt(`${fallbackHead(view)} ended without a judgment (${status})`)], BLOCK_KIT_LIMITS.text);
    return { text, blocks };
  }
  const blocks = [...summaryBlocks(view, 'is awaiting manual judgment', true), ...actionBlocks(view)];
  const text = fit([txt(`${fallbackHead(view)} is awaiting manual judgment`)], BLOCK_KIT_LIMITS.text);
  return { text, blocks };
}

/**
 * The `manualJudgmentContinue` / `manualJudgmentStop` notification, posted as a reply in the judgment
 * message's thread (Spinnaker's notification `when` names): who judged, when, with which input, and what
 * happens next ("the pipeline continues" / "the pipeline stops").
 *
 * @param kind which notification; it decides the wording. The judge comes from `view.decision` when it agrees
 *   with `kind`; otherwise the reply says only what happened.
 * @returns fallback `text` and `blocks` (a section and, when known, a context line with the time), within limits.
 * Never throws.
 */
export function judgmentThreadReply(view: JudgmentView, kind: JudgmentStatus): SlackMessageBody {
  const d = view.decision && view.decision.judgmentStatus === kind ? view.decision : null;
  const icon = kind === 'continue' ? ':white_check_mark:' : ':no_entry:';
  const what = kind === 'continue' ? 'Approved' : 'Rejected';
  const next = kind === 'continue' ? 'the pipeline continues' : 'the pipeline stops';
  const where = `stage *${name(view.stageName)}* of *${name(view.application)}* / *${name(view.pipelineName)}*`;

  const segs: Seg[] = [txt(`${icon} *${what}*`)];
  if (d) segs.push(txt(' by '), judgeSeg(d));
  segs.push(txt(`: ${where}; ${next}.`));
  if (d && d.judgmentInput !== null && d.judgmentInput !== undefined) {
    segs.push(txt('\nInput: '), txt(escapeMrkdwn(d.judgmentInput === '' ? '(blank)' : d.judgmentInput)));
  }
  const blocks: Block[] = [section(fit(segs, BLOCK_KIT_LIMITS.text))];
  const custom = view.notificationText?.trim();
  if (custom) blocks.push(section(fit(instructionSegments(custom), BLOCK_KIT_LIMITS.text)));
  if (d) blocks.push(context(fit(decisionSegments(d), BLOCK_KIT_LIMITS.text)));

  const textSegs: Seg[] = [txt(`${fallbackHead(view)} was ${what.toLowerCase()}`)];
  if (d) textSegs.push(txt(' by '), judgeSeg(d));
  textSegs.push(txt(`; ${next}`));
  return { text: fit(textSegs, BLOCK_KIT_LIMITS.text), blocks };
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

// ---------------------------------------------------------------------------------------------------------------
// Limits check

/**
 * Lists every way `blocks` breaks a Block Kit limit Slack enforces; an empty list means Slack should accept it.
 *
 * Checked: at most 50 blocks; block_id ≤ 255 and unique; text objects non-empty, ≤ 3,000 and of type
 * plain_text/mrkdwn; header plain_text ≤ 150; section has text or fields, ≤ 10 fields each ≤ 2,000; actions
 * 1–25 elements; context 1–10 elements; buttons: label plain_text 1–75, action_id ≤ 255 and unique in the
 * message, value ≤ 2,000, url ≤ 3,000, style primary/danger; confirm dialog title ≤ 100, text ≤ 300,
 * confirm/deny ≤ 30. Blocks of other types are checked only for block_id.
 *
 * @param blocks anything (e.g. blocks received by a fake Slack); non-arrays and non-objects are reported.
 * @returns human-readable violations such as `blocks[3].elements[1].text.text: 80 characters > 75`.
 * Never throws. Source: Slack Block Kit reference.
 */
export function checkBlockKitLimits(blocks: unknown): string[] {
  const out: string[] = [];
  if (!Array.isArray(blocks)) return ['blocks: not an array'];
  const L = BLOCK_KIT_LIMITS;
  if (blocks.length > L.blocks) out.push(`blocks: ${blocks.length} blocks > ${L.blocks}`);
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
      case 'divider':
        break;
      default:
        if (typeof b.type !== 'string') out.push(`${path}.type: missing`);
    }
  });
  return out;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
