/**
 * Delivery handlers for the Slack judgment notifications: post the awaiting message (buttons), update it when the
 * judgment is decided or ends, and reply in its thread with the continue/stop notification. Every handler renders
 * from the execution as it is now, so a late or repeated delivery still tells the truth. The Block Kit itself is
 * built in `slack/blocks.ts`; this file only decides what to send where.
 */
import type { Logger } from 'pino';
import type { Store, OutboxItem } from '../store/index.js';
import type { PipelineExecution, StageExecution } from '../model/execution.js';
import { SlackApiError, type SlackApi } from '../slack/client.js';
import { executionNotification, judgmentMessage, judgmentReminder, judgmentThreadReply } from '../slack/blocks.js';
import { findStage } from '../engine/handlers/index.js';
import { backoffMs, type DeliveryHandler, type DeliveryResult } from './dispatcher.js';
import { SLACK_NOTIFY, SLACK_POST, SLACK_REMIND, SLACK_REPLY, SLACK_UPDATE, slackDeliveryKey, type DeliveryPayload } from './fan-out.js';
import { executionNotificationViewFor, judgmentViewFor, slackNotificationsOf, slackPreferences } from './judgment-view.js';
import type { JudgmentView } from '../model/judgment.js';

export interface SlackDeliveryOptions {
  /** The bot's @-name, for "invite it with /invite @name" (`slack.botName`). */
  botName: string;
  store: Store;
  slack: SlackApi;
  publicUrl: string;
  logger: Logger;
}

/**
 * Slack errors people fix themselves, in words naming the channel and what to do (recorded on the stage as
 * `context.notificationErrors` and logged); others keep the client's wording.
 */
function explain(err: SlackApiError, address: string, botName: string): string {
  const ch = `#${address}`;
  switch (err.code) {
    case 'not_in_channel':
      return `not_in_channel: the bot is not in ${ch}: invite it with /invite @${botName}`;
    case 'channel_not_found':
      return `channel_not_found: ${ch} does not exist or is private without the bot: check the stage notification, or invite @${botName}`;
    case 'invalid_auth':
    case 'not_authed':
    case 'token_revoked':
    case 'account_inactive':
      return `${err.code}: Slack refused the bot token: check slack.token (slackops config check tests it)`;
    case 'missing_scope':
      return 'missing_scope: the bot token lacks a scope: reinstall the app from `slackops manifest` output';
    default:
      return err.message;
  }
}

function fromError(err: unknown, attempts: number, address: string, botName: string): DeliveryResult {
  if (err instanceof SlackApiError) {
    const error = explain(err, address, botName);
    if (err.retryable) return { result: 'retry', afterMs: Math.max(err.retryAfterMs ?? 0, backoffMs(attempts)), error };
    return { result: 'failed', error };
  }
  return { result: 'retry', afterMs: backoffMs(attempts), error: (err as Error)?.message ?? String(err) };
}

interface Target {
  execution: PipelineExecution;
  stage: StageExecution;
  address: string;
  gen?: number;
}

/** The view for one notification preference of the stage (its custom text for `when`). */
function viewFor(t: Target, publicUrl: string, when: string): JudgmentView {
  const notification = slackNotificationsOf(t.stage).find((n) => n.address === t.address);
  return judgmentViewFor(t.execution, t.stage, publicUrl, notification, when);
}

export function slackDeliveryHandlers(opts: SlackDeliveryOptions): Record<string, DeliveryHandler> {
  const { store, slack, publicUrl, botName } = opts;

  async function target(item: OutboxItem): Promise<Target | null> {
    const p = item.payload as unknown as DeliveryPayload;
    const execution = await store.repos.executions.get(p.executionId);
    const stage = execution ? findStage(execution, p.stageId) : undefined;
    if (!execution || !stage) return null;
    return { execution, stage, address: p.address, gen: p.gen };
  }

  /** The judgment message's ref, or a retry while its post is still pending, or null when there is none. */
  async function messageRef(t: Target): Promise<{ channel: string; ts: string } | DeliveryResult | null> {
    const ref = await store.repos.slackMessages.find(t.execution.id, t.stage.id, t.address);
    if (ref) return { channel: ref.channel, ts: ref.ts };
    const post = await store.repos.outbox.byKey(slackDeliveryKey(SLACK_POST, t.execution.id, t.stage.id, t.address, t.gen));
    if (post && post.status === 'pending') return { result: 'retry', afterMs: 500, error: 'waiting for the judgment message to be posted', quiet: true };
    return null;
  }

  const post: DeliveryHandler = async (item) => {
    const t = await target(item);
    if (!t) return { result: 'failed', error: 'execution or stage no longer exists' };
    if (await store.repos.slackMessages.find(t.execution.id, t.stage.id, t.address)) return { result: 'delivered' };
    try {
      const ref = await slack.postMessage(t.address, judgmentMessage(viewFor(t, publicUrl, 'manualJudgment')));
      await store.repos.slackMessages.record({ executionId: t.execution.id, stageId: t.stage.id, address: t.address, ...ref }, Date.now());
      return { result: 'delivered' };
    } catch (err) {
      return fromError(err, item.attempts, (item.payload as { address?: string }).address ?? '?', botName);
    }
  };

  const update: DeliveryHandler = async (item) => {
    const t = await target(item);
    if (!t) return { result: 'failed', error: 'execution or stage no longer exists' };
    const ref = await messageRef(t);
    if (ref === null) return { result: 'delivered' }; // never posted: nothing to update
    if ('result' in ref) return ref;
    try {
      await slack.updateMessage(ref, judgmentMessage(viewFor(t, publicUrl, 'manualJudgment')));
      return { result: 'delivered' };
    } catch (err) {
      return fromError(err, item.attempts, (item.payload as { address?: string }).address ?? '?', botName);
    }
  };

  const reply: DeliveryHandler = async (item) => {
    const t = await target(item);
    if (!t) return { result: 'failed', error: 'execution or stage no longer exists' };
    const kind = (item.payload as { status?: string }).status === 'stop' ? 'stop' : 'continue';
    const ref = await messageRef(t);
    if (ref !== null && 'result' in ref) return ref;
    const msg = judgmentThreadReply(viewFor(t, publicUrl, kind === 'stop' ? 'manualJudgmentStop' : 'manualJudgmentContinue'), kind);
    try {
      if (ref) await slack.postMessage(ref.channel, { ...msg, threadTs: ref.ts });
      else await slack.postMessage(t.address, msg);
      return { result: 'delivered' };
    } catch (err) {
      return fromError(err, item.attempts, (item.payload as { address?: string }).address ?? '?', botName);
    }
  };

  const remind: DeliveryHandler = async (item) => {
    const t = await target(item);
    if (!t) return { result: 'failed', error: 'execution or stage no longer exists' };
    if (t.stage.status !== 'RUNNING' || t.stage.context.judgmentStatus) return { result: 'delivered' }; // decided meanwhile
    const ref = await messageRef(t);
    if (ref === null) return { result: 'delivered' };
    if ('result' in ref) return ref;
    try {
      await slack.postMessage(ref.channel, { ...judgmentReminder(viewFor(t, publicUrl, 'manualJudgment'), Date.now()), threadTs: ref.ts });
      return { result: 'delivered' };
    } catch (err) {
      return fromError(err, item.attempts, (item.payload as { address?: string }).address ?? '?', botName);
    }
  };

  const notify: DeliveryHandler = async (item) => {
    const p = item.payload as unknown as DeliveryPayload;
    const execution = await store.repos.executions.get(p.executionId);
    if (!execution || !p.event) return { result: 'failed', error: 'execution no longer exists' };
    const stage = p.stageId ? (findStage(execution, p.stageId) ?? null) : null;
    const prefs = stage ? stage.context.notifications : execution.pipelineConfig?.notifications;
    const pref = slackPreferences(prefs).find((n) => n.address === p.address);
    try {
      await slack.postMessage(p.address, executionNotification(executionNotificationViewFor(execution, stage, p.event, pref, publicUrl)));
      return { result: 'delivered' };
    } catch (err) {
      return fromError(err, item.attempts, (item.payload as { address?: string }).address ?? '?', botName);
    }
  };

  return { [SLACK_POST]: post, [SLACK_UPDATE]: update, [SLACK_REPLY]: reply, [SLACK_REMIND]: remind, [SLACK_NOTIFY]: notify };
}
