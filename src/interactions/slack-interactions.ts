/**
 * Where a verified Slack click becomes a judgment. The callback route records the click durably and answers
 * Slack at once; this processor then works out who clicked (users.info → email, cached; the Slack user name when
 * the email cannot be had, never null), turns the button into a `judge(...)` call, and tells a late clicker
 * (ephemerally) who already judged and how. Pending clicks survive a restart: they are processed on start.
 */
import type { Logger } from 'pino';
import type { Store, SlackInteractionRow } from '../store/index.js';
import type { Engine } from '../engine/engine.js';
import { NotFoundError, BadRequestError } from '../engine/errors.js';
import { findStage } from '../engine/handlers/index.js';
import { judgmentInputValues } from '../engine/stages/manual-judgment.js';
import { WorkLoop } from '../lib/work-loop.js';
import { parseJudgmentClick, SlackPayloadError, type JudgmentClick } from '../slack/payload.js';
import { alreadyJudgedText } from '../slack/blocks.js';
import type { SlackApi } from '../slack/client.js';

export interface SlackInteractionOptions {
  store: Store;
  engine: Engine;
  slack: SlackApi;
  logger: Logger;
  /** How long a users.info answer is trusted (ms). Default 1 hour. */
  userCacheTtlMs?: number;
  clock?: () => number;
}

/** What became of a click; stored with the interaction. */
export type ClickResult =
  | { result: 'accepted'; user: string }
  | { result: 'already_judged'; user: string; by: string; judgmentStatus: string }
  | { result: 'not_awaiting'; user: string; stageStatus: string }
  | { result: 'rejected'; user: string; reason: string }
  | { result: 'ignored'; reason: string };

export class SlackInteractionProcessor {
  private readonly loop: WorkLoop;
  private readonly clock: () => number;

  constructor(private readonly opts: SlackInteractionOptions) {
    this.clock = opts.clock ?? Date.now;
    this.loop = new WorkLoop({
      tick: () => this.tick(),
      nextDueAt: async () => null,
      maxSleepMs: 2_000,
      onError: (err) => opts.logger.error({ err }, 'slack interaction loop error'),
      now: this.clock,
    });
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /**
   * Records a verified click durably and wakes the processor. Call before answering Slack.
   * @returns the interaction's id.
   */
  async record(payload: Record<string, unknown>): Promise<number> {
    const id = await this.opts.store.repos.slackInteractions.record(payload, this.clock());
    this.loop.wake();
    return id;
  }

  private async tick(): Promise<number> {
    const batch = await this.opts.store.transaction((tx) => tx.slackInteractions.claim(this.clock(), 30_000, 8));
    for (const row of batch) await this.processRow(row);
    return batch.length;
  }

  private async processRow(row: SlackInteractionRow): Promise<void> {
    const repo = this.opts.store.repos.slackInteractions;
    try {
      const result = await this.process(row.payload);
      await repo.finish(row.id, 'done', result, this.clock());
      this.opts.logger.info({ interaction: row.id, ...result }, 'slack click processed');
    } catch (err) {
      if (row.attempts >= 5) {
        this.opts.logger.error({ err, interaction: row.id }, 'slack click could not be processed; giving up');
        await repo.finish(row.id, 'failed', { error: (err as Error).message }, this.clock());
      } else {
        this.opts.logger.warn({ err, interaction: row.id, attempts: row.attempts }, 'slack click processing failed; will retry');
        await repo.retryLater(row.id, this.clock() + 1_000 * 2 ** row.attempts);
      }
    }
  }

  /** Processes one click. Throws only for failures worth retrying (database errors). */
  async process(payload: Record<string, unknown>): Promise<ClickResult> {
    let click: JudgmentClick;
    try {
      const parsed = parseJudgmentClick(payload);
      if (parsed.kind === 'ignored') return { result: 'ignored', reason: parsed.reason };
      click = parsed;
    } catch (err) {
      if (err instanceof SlackPayloadError) return { result: 'ignored', reason: err.message };
      throw err;
    }
    const user = await this.identify(click.slackUserId, click.slackUserName);
    const execution = await this.opts.store.repos.executions.get(click.executionId);
    const stage = execution ? findStage(execution, click.stageId) : undefined;
    if (!execution || !stage) {
      await this.tell(click, 'This judgment no longer exists (the execution was not found).');
      return { result: 'rejected', user, reason: 'execution or stage not found' };
    }
    let judgmentInput: string | null = null;
    if (click.inputIndex !== null) {
      const inputs = judgmentInputValues(stage.context);
      const chosen = inputs[click.inputIndex];
      if (chosen === undefined) {
        await this.tell(click, 'This button no longer matches the stage\'s judgment inputs; use the link to judge in the UI.');
        return { result: 'rejected', user, reason: `judgmentInputs has no entry ${click.inputIndex}` };
      }
      judgmentInput = chosen;
    }
    try {
      const outcome = await this.opts.engine.judge({
        executionId: execution.id,
        stageId: stage.id,
        judgmentStatus: click.judgmentStatus,
        judgmentInput,
        user,
        via: 'slack',
        slackUserId: click.slackUserId,
      });
      switch (outcome.outcome) {
        case 'accepted':
          return { result: 'accepted', user };
        case 'already_judged':
          await this.tell(click, alreadyJudgedText(outcome.decision));
          return { result: 'already_judged', user, by: outcome.decision.user, judgmentStatus: outcome.decision.judgmentStatus };
        case 'not_awaiting':
          await this.tell(click, `This judgment is no longer pending: the stage is ${outcome.stageStatus}.`);
          return { result: 'not_awaiting', user, stageStatus: outcome.stageStatus };
      }
    } catch (err) {
      if (err instanceof NotFoundError || err instanceof BadRequestError) {
        await this.tell(click, `Could not judge: ${err.message}`);
        return { result: 'rejected', user, reason: err.message };
      }
      throw err;
    }
  }

  /**
   * The clicker's identity: their email from users.info (needs `users:read` and `users:read.email`), cached for
   * `userCacheTtlMs`; on any failure the cached answer, else the Slack user name. Never empty.
   */
  async identify(slackUserId: string, slackUserName: string): Promise<string> {
    const users = this.opts.store.repos.slackUsers;
    const ttl = this.opts.userCacheTtlMs ?? 3_600_000;
    const cached = await users.get(slackUserId);
    if (cached && this.clock() - cached.fetchedAt < ttl) return cached.email ?? cached.name;
    try {
      const info = await this.opts.slack.userInfo(slackUserId);
      await users.put({ userId: slackUserId, name: info.name || slackUserName, email: info.email }, this.clock());
      return info.email ?? (info.name || slackUserName || slackUserId);
    } catch (err) {
      this.opts.logger.warn({ err: (err as Error).message, slackUserId }, 'users.info failed; judging as the Slack user name');
      return cached?.email ?? cached?.name ?? (slackUserName || slackUserId);
    }
  }

  /** Best-effort ephemeral reply to the clicker: response_url when Slack gave one, else chat.postEphemeral. */
  private async tell(click: JudgmentClick, text: string): Promise<void> {
    try {
      if (click.responseUrl) await this.opts.slack.respond(click.responseUrl, { text, response_type: 'ephemeral', replace_original: false });
      else if (click.channelId) await this.opts.slack.postEphemeral(click.channelId, click.slackUserId, text, undefined);
    } catch (err) {
      this.opts.logger.warn({ err: (err as Error).message, slackUserId: click.slackUserId }, 'could not send ephemeral reply');
    }
  }
}
