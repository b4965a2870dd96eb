/**
 * Outbox delivery handlers for managed delivery's judgement message: post it (with buttons) when a manual-judgement
 * becomes PENDING, replace it with the outcome when judged (Slack, API) or timed out, and re-render it while pending
 * when a pin, unpin or veto in its environment changes what it says. Both render from the stored
 * state at delivery time, like the pipeline judgment's handlers, so a late or repeated delivery tells the truth; a
 * posted message's ref is recorded before the item is marked delivered, so a retried post posts nothing twice.
 */
import type { Logger } from 'pino';
import type { OutboxItem, Store } from '../store/index.js';
import { SlackApiError, type SlackApi } from '../slack/client.js';
import { managedJudgementMessage, managedNotification, type ManagedJudgementView } from '../slack/managed-blocks.js';
import { backoffMs, type DeliveryHandler, type DeliveryResult } from '../notifications/dispatcher.js';
import { MANAGED_SLACK_NOTIFY, MANAGED_SLACK_POST, MANAGED_SLACK_UPDATE, MANUAL_JUDGEMENT, managedSlackKey, type ManagedNoticePayload, type ManagedSlackPayload } from './delivery.js';
import { sortNewestFirst } from './ordering.js';

export interface ManagedSlackDeliveryOptions {
  store: Store;
  slack: SlackApi;
  /** `server.publicUrl`, for the environments view link. */
  publicUrl: string;
  logger: Logger;
}

function fromError(err: unknown, attempts: number): DeliveryResult {
  if (err instanceof SlackApiError) {
    if (err.retryable) return { result: 'retry', afterMs: Math.max(err.retryAfterMs ?? 0, backoffMs(attempts)), error: err.message };
    return { result: 'failed', error: err.message };
  }
  return { result: 'retry', afterMs: backoffMs(attempts), error: (err as Error)?.message ?? String(err) };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
}

/** The outbox handlers by kind, to merge into the dispatcher's. */
export function managedSlackDeliveryHandlers(opts: ManagedSlackDeliveryOptions): Record<string, DeliveryHandler> {
  const { store, slack } = opts;

  async function view(p: ManagedSlackPayload): Promise<ManagedJudgementView | null> {
    const repos = store.repos.managed;
    const config = await repos.configs.byApplication(p.application);
    // An environment or artifact removed from the config still renders (its judgement was closed: no buttons).
    const artifact = config?.artifacts.find((a) => a.reference === p.reference) ?? { name: p.reference, type: 'docker' as const, reference: p.reference };
    const env = config?.environments.find((e) => e.name === p.environment) ?? { name: p.environment, constraints: [], notifications: [] };
    const state = await repos.environments.state(p.application, p.environment, p.reference, p.version, MANUAL_JUDGEMENT);
    if (!config || !state) return null;
    const versions = sortNewestFirst(artifact, await repos.versions.list(p.application, p.reference));
    const v = versions.find((x) => x.version === p.version);
    const current = (await repos.environments.deployments(p.application)).find((d) => d.environment === p.environment && d.reference === p.reference && d.status === 'CURRENT')?.version ?? null;
    const ci = current === null ? -1 : versions.findIndex((x) => x.version === current);
    const vi = versions.findIndex((x) => x.version === p.version);
    const pin = (await repos.marks.pins(p.application)).find((x) => x.environment === p.environment && x.reference === p.reference);
    const vetoes = (await repos.marks.vetoes(p.application)).filter((x) => x.reference === p.reference && x.version === p.version);
    const veto = vetoes.find((x) => x.environment === p.environment);
    const upstream = vetoes.find((x) => env.constraints.some((c) => c.type === 'depends-on' && c.environment === x.environment));
    const g = v?.gitMetadata ?? null;
    const repo = g?.repo === undefined ? undefined : typeof g.repo === 'string' ? g.repo : g.repo.name;
    return {
      application: p.application,
      environment: p.environment,
      artifactName: artifact.name,
      reference: p.reference,
      version: p.version,
      git: g
        ? {
            commit: str(g.commit),
            author: str(g.author),
            message: str(g.message),
            branch: str(g.branch),
            repo: str(repo),
            pullRequest: g.pullRequest ? { number: str(g.pullRequest.number), url: str(g.pullRequest.url) } : undefined,
          }
        : null,
      build: v?.buildMetadata ? { number: str(v.buildMetadata.number), url: str(v.buildMetadata.url) } : null,
      versionsAhead: ci >= 0 && vi >= 0 ? ci - vi : null,
      current,
      environmentUrl: `${opts.publicUrl.replace(/\/$/, '')}/#/applications/${encodeURIComponent(p.application)}/environments`,
      status: state.status,
      judgedBy: state.judgedBy,
      judgedBySlackUserId: state.judgedBySlackUserId,
      comment: state.comment,
      pinned: pin ? { version: pin.version, by: pin.by, comment: pin.comment } : null,
      vetoed: veto ? { by: veto.by, comment: veto.comment } : null,
      dependencyVetoed: upstream ? { environment: upstream.environment, by: upstream.by, comment: upstream.comment } : null,
      timeout: env.constraints.flatMap((c) => (c.type === 'manual-judgement' && c.timeout ? [c.timeout] : []))[0] ?? null,
    };
  }

  const post: DeliveryHandler = async (item: OutboxItem) => {
    const p = item.payload as unknown as ManagedSlackPayload;
    if (await store.repos.managed.environments.message(p.application, p.environment, p.reference, p.version, p.address)) return { result: 'delivered' };
    const v = await view(p);
    if (!v) return { result: 'failed', error: 'the delivery config, version or judgement no longer exists' };
    try {
      const ref = await slack.postMessage(p.address, managedJudgementMessage(v));
      await store.repos.managed.environments.recordMessage({ ...p, ...ref }, Date.now());
      return { result: 'delivered' };
    } catch (err) {
      return fromError(err, item.attempts);
    }
  };

  const update: DeliveryHandler = async (item: OutboxItem) => {
    const p = item.payload as unknown as ManagedSlackPayload;
    const ref = await store.repos.managed.environments.message(p.application, p.environment, p.reference, p.version, p.address);
    if (!ref) {
      const posting = await store.repos.outbox.byKey(managedSlackKey(MANAGED_SLACK_POST, p));
      if (posting?.status === 'pending') return { result: 'retry', afterMs: 500, error: 'waiting for the judgement message to be posted', quiet: true };
      return { result: 'delivered' }; // never posted: nothing to update
    }
    // Several updates of one message may be delivered at once (a pin re-render and a decision, say), and the one
    // rendered first may reach Slack last. So after each chat.update the state is read again and, when the message
    // would now read differently, sent again: the last update to land reflects the state after it was sent.
    let body = null as ReturnType<typeof managedJudgementMessage> | null;
    for (let round = 0; round < 5; round++) {
      const v = await view(p);
      if (!v) return body ? { result: 'delivered' } : { result: 'failed', error: 'the delivery config, version or judgement no longer exists' };
      const next = managedJudgementMessage(v);
      if (body && JSON.stringify(next) === JSON.stringify(body)) break;
      body = next;
      try {
        await slack.updateMessage(ref, body);
      } catch (err) {
        return fromError(err, item.attempts);
      }
    }
    return { result: 'delivered' };
  };

  const base = opts.publicUrl.replace(/\/$/, '');
  const notify: DeliveryHandler = async (item: OutboxItem) => {
    const p = item.payload as unknown as ManagedNoticePayload;
    try {
      await slack.postMessage(
        p.address,
        managedNotification({
          ...p,
          environmentUrl: `${base}/#/applications/${encodeURIComponent(p.application)}/environments`,
          executionUrl: p.executionId ? `${base}/#/applications/${encodeURIComponent(p.application)}/executions/details/${encodeURIComponent(p.executionId)}` : null,
        }),
      );
      return { result: 'delivered' };
    } catch (err) {
      return fromError(err, item.attempts);
    }
  };

  return { [MANAGED_SLACK_POST]: post, [MANAGED_SLACK_UPDATE]: update, [MANAGED_SLACK_NOTIFY]: notify };
}
