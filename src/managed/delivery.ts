/**
 * Managed delivery (keel, in miniature) on top of the pipeline engine: delivery configs, artifact versions, the
 * evaluation that promotes versions through environments, and manual-judgement constraints judged from the API or
 * Slack.
 *
 * Evaluation is durable and event-driven: every change that may promote something (a new config, a new version,
 * a judgement, a finished deploy) asks for an evaluation of the application in the same transaction
 * (`managed_evaluations.due_at = now`) and wakes the loop; the loop claims due applications by lease (PostgreSQL:
 * `FOR UPDATE SKIP LOCKED`), evaluates each in one transaction together with the deploy execution and queue message
 * it starts, the constraint states it writes and the Slack notifications it queues, and schedules the next
 * re-check (a judgement's timeout, the next allowed-times check, a running deploy). A restart loses nothing: what
 * is due stays due in the database.
 *
 * Rules (keel's, see `EnvironmentPromotionChecker`/`ConstraintEvaluator`s): per environment and artifact, the
 * versions newer than the environment's current one are tried newest first; a version failing a stateless
 * constraint (`depends-on`: deployed successfully to that environment) is passed over for the next older one;
 * outside `allowed-times` nothing is promoted; a `manual-judgement` is then asked for (PENDING) and, while
 * pending, keeps the environment from jumping past the version to an older one; a rejected or timed-out version is
 * passed over. When every constraint passes, the environment's `deploy` pipeline is triggered with
 * `artifactVersion`, `artifactReference`, `environment` (plus `deploy.parameters`); the version becomes CURRENT
 * when that execution SUCCEEDS, and a failed deploy leaves the previous version CURRENT (the failed one is not
 * tried again).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Repositories, Store } from '../store/index.js';
import type { Engine } from '../engine/engine.js';
import { WorkLoop } from '../lib/work-loop.js';
import { buildExecution, resolveParameters } from '../engine/build.js';
import { BadRequestError, ConflictError, NotFoundError } from '../engine/errors.js';
import { COMPLETED_STATUSES } from '../model/status.js';
import type { PipelineConfig } from '../model/pipeline.js';
import type { Trigger } from '../model/execution.js';
import {
  constraintFailed,
  constraintPassed,
  type ArtifactVersion,
  type ConstraintState,
  type DeliveryArtifact,
  type DeliveryConfig,
  type DeliveryEnvironment,
  type Deployment,
  type AllowedTimesConstraint,
  type ConstraintStatus,
  type ManualJudgementConstraint,
  type PromotionStatus,
} from './model.js';
import { sortNewestFirst, versionRefusal } from './ordering.js';
import { parseIsoDuration } from './duration.js';
import { describeWindows, inAllowedTimes, nextWindowOpens } from './allowed-times.js';
import { rawDeployTargets, validateDeliveryConfig } from './validate.js';
import type { JudgmentAccess } from '../engine/judge.js';

/** The comment of a PENDING judgement closed because its constraint (or environment) left the delivery config. */
export const CONSTRAINT_REMOVED = 'constraint removed from the delivery config';

/** The stateful constraint type (keel's spelling, kept on the wire). */
export const MANUAL_JUDGEMENT = 'manual-judgement';

/** Outbox kinds of the judgement message: post it (buttons), replace it with the outcome. */
export const MANAGED_SLACK_POST = 'slack.managed.judgement.post';
export const MANAGED_SLACK_UPDATE = 'slack.managed.judgement.update';

/** Payload of both outbox kinds: which judgement, which notification address. */
export interface ManagedSlackPayload {
  application: string;
  environment: string;
  reference: string;
  version: string;
  address: string;
}

/** Outbox kind of the compact event notifications (deployed, failed, pinned, ...), sent by frequency. */
export const MANAGED_SLACK_NOTIFY = 'slack.managed.notify';

/** Events sent to an environment's Slack notifications by frequency (keel's NotificationType names, lower-cased). */
export type ManagedEvent =
  | 'deployment_succeeded'
  | 'deployment_failed'
  | 'pinned'
  | 'unpinned'
  | 'marked_as_bad'
  | 'judgement_approved'
  | 'judgement_rejected'
  | 'delivery_config_changed';

/**
 * keel's mapping of frequency to events (`NotificationEventListener.translateFrequencyToEvents`): quiet = failures,
 * pins, vetoes (and the judgement message, which every frequency gets); normal adds deployments that succeeded and
 * config changes; verbose adds judgements approved/rejected.
 */
export const EVENTS_BY_FREQUENCY: Record<'quiet' | 'normal' | 'verbose', readonly ManagedEvent[]> = {
  quiet: ['deployment_failed', 'pinned', 'unpinned', 'marked_as_bad'],
  normal: ['deployment_failed', 'pinned', 'unpinned', 'marked_as_bad', 'deployment_succeeded', 'delivery_config_changed'],
  verbose: ['deployment_failed', 'pinned', 'unpinned', 'marked_as_bad', 'deployment_succeeded', 'delivery_config_changed', 'judgement_approved', 'judgement_rejected'],
};

/** Payload of a {@link MANAGED_SLACK_NOTIFY} item: everything the message says (rendered as it was then). */
export interface ManagedNoticePayload {
  event: ManagedEvent;
  application: string;
  environment: string | null;
  reference: string | null;
  version: string | null;
  user: string | null;
  detail: string | null;
  executionId: string | null;
  address: string;
}

/** How often an application blocked by `allowed-times` is looked at again (ms). */
export const ALLOWED_TIMES_RECHECK_MS = 60_000;
/** Safety-net re-check while a deploy runs (the engine's publications wake the loop sooner). */
const DEPLOYING_RECHECK_MS = 30_000;

export interface ManagedDeliveryOptions {
  store: Store;
  engine: Engine;
  logger: Logger;
  /** Epoch ms clock for constraints, timeouts and time windows (tests pass a fake). Default `Date.now`. */
  clock?: () => number;
  /** Whether Slack deliveries can be made (slack enabled); when false no judgement messages are queued. */
  slackEnabled: boolean;
  /** Called after a commit that queued outbox work (wakes the dispatcher; tells other replicas). */
  onOutbox?: () => void;
  /** Called after a commit that asked for an evaluation (tells other replicas). */
  onRequested?: () => void;
  /** Evaluation lease (ms); default 60 s. */
  leaseMs?: number;
}

/** A judgement of a manual-judgement constraint, from the API or Slack. */
export interface ConstraintJudgement {
  application: string;
  environment: string;
  /** Artifact reference; may be omitted when the config has one artifact. */
  reference?: string;
  version: string;
  status: 'OVERRIDE_PASS' | 'OVERRIDE_FAIL';
  comment: string | null;
  /** The judge (email or name) and roles, from the request identity or the Slack user. */
  user: string;
  roles: string[];
  slackUserId?: string | null;
  via: 'api' | 'ui' | 'cli' | 'slack';
  /**
   * Application permissions (src/auth/permissions.ts), as for a pipeline judgment (src/engine/judge.ts): when given,
   * the judge needs EXECUTE on the application, read in the judgement's transaction (refusal `no_permission`).
   * Admins hold EXECUTE but still answer to the constraint's own `roles`. Absent: not checked (internal callers).
   */
  access?: JudgmentAccess;
}

/**
 * What a caller (the API routes) runs inside a change's transaction: `check` first (throw to refuse: the
 * transaction rolls back, nothing changes), `record` last with what was done (e.g. the audit entry, so it commits
 * with the change). `check` gets the application(s) the change touches.
 */
export interface ManagedTxHooks<R> {
  check?: (tx: Repositories, application: string) => Promise<void>;
  record?: (tx: Repositories, result: R) => Promise<void>;
}

export type ConstraintJudgeOutcome =
  | { outcome: 'accepted'; state: ConstraintState }
  /** Someone decided first (or it timed out); `state` says who and how. */
  | { outcome: 'already_judged'; state: ConstraintState }
  /** No pending judgement for that version (not evaluated yet). */
  | { outcome: 'not_awaiting'; message: string }
  /**
   * Refused: `no_permission` when the judge lacks EXECUTE on the application, `not_allowed` when the constraint's
   * `roles` refuse them.
   */
  | { outcome: 'refused'; reason: 'no_permission' | 'not_allowed'; message: string; allowedRoles: string[] };

const ENDED = [...COMPLETED_STATUSES];

function judgementOf(env: DeliveryEnvironment): ManualJudgementConstraint | undefined {
  return env.constraints.find((c): c is ManualJudgementConstraint => c.type === MANUAL_JUDGEMENT);
}

/** Words for a decided state: "approved by alice@example.com", "Timed out after P5D". */
export function decidedText(s: ConstraintState): string {
  if (s.status === 'OVERRIDE_PASS') return `approved by ${s.judgedBy ?? 'unknown'}`;
  if (s.status === 'OVERRIDE_FAIL') return `rejected by ${s.judgedBy ?? 'unknown'}`;
  if (s.status === 'FAIL') return s.comment ?? 'failed';
  return s.status;
}

export class ManagedDelivery {
  private readonly loop: WorkLoop;
  private readonly clock: () => number;
  private readonly log: Logger;
  private readonly leaseMs: number;

  constructor(private readonly opts: ManagedDeliveryOptions) {
    this.clock = opts.clock ?? Date.now;
    this.leaseMs = opts.leaseMs ?? 60_000;
    this.log = opts.logger.child({ component: 'managed' });
    this.loop = new WorkLoop({
      tick: () => this.tick(),
      nextDueAt: () => opts.store.repos.managed.evaluations.nextDueAt(this.clock()),
      maxSleepMs: 2_000,
      onError: (err) => this.log.error({ err }, 'managed delivery loop error'),
      now: this.clock,
    });
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /** Evaluate due applications now (work was committed here or by another replica, or an execution ended). */
  wake(): void {
    this.loop.wake();
  }

  private requested(): void {
    this.loop.wake();
    this.opts.onRequested?.();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Configs and versions

  /**
   * Validates and stores a delivery config (keel's `POST /managed/delivery-configs`), then evaluates the application.
   * @throws BadRequestError with issues naming paths (see validate.ts), also for a `deploy.pipeline` that names no
   *   saved pipeline; ConflictError when another config already manages the application.
   */
  async submitConfig(doc: unknown, hooks: ManagedTxHooks<{ config: DeliveryConfig; changed: boolean; created: boolean }> = {}): Promise<DeliveryConfig> {
    let config: DeliveryConfig;
    try {
      config = validateDeliveryConfig(doc);
    } catch (err) {
      // Every problem at once: unknown deploy pipelines are listed with the other issues.
      if (!(err instanceof BadRequestError)) throw err;
      const issues = [...err.issues];
      for (const t of rawDeployTargets(doc)) {
        if (!(await findPipeline(this.opts.store.repos, t.application, t.pipeline))) issues.push({ path: t.path, message: `no pipeline "${t.pipeline.slice(0, 100)}" in application ${t.application.slice(0, 100)}` });
      }
      throw new BadRequestError(`invalid delivery config: ${issues.map((x) => `${x.path}: ${x.message}`).join('; ')}`, issues);
    }
    const now = this.clock();
    let notified = false;
    await this.opts.store.transaction(async (tx) => {
      await hooks.check?.(tx, config.application);
      const other = await tx.managed.configs.byApplication(config.application);
      if (other && other.name !== config.name) {
        throw new ConflictError(`application ${config.application} is managed by delivery config "${other.name}"; one config per application`);
      }
      const issues: Array<{ path: string; message: string }> = [];
      for (const [i, env] of config.environments.entries()) {
        if (!env.deploy) continue;
        const app = env.deploy.application ?? config.application;
        if (!(await findPipeline(tx, app, env.deploy.pipeline))) {
          issues.push({ path: `environments[${i}].deploy.pipeline`, message: `no pipeline "${env.deploy.pipeline}" in application ${app}` });
        }
      }
      if (issues.length > 0) throw new BadRequestError(`invalid delivery config: ${issues.map((x) => `${x.path}: ${x.message}`).join('; ')}`, issues);
      const before = await tx.managed.configs.byName(config.name);
      // A config of that name managing another application: the caller must be allowed to change that one too.
      if (before && before.application !== config.application) await hooks.check?.(tx, before.application);
      await tx.managed.configs.upsert(config, now);
      await tx.managed.evaluations.request(config.application, now);
      if (before) notified = (await this.closeRemovedJudgements(tx, before, config, now)) || notified;
      if (before && JSON.stringify(before) !== JSON.stringify(config)) {
        notified = (await this.queueNotices(tx, config, null, { event: 'delivery_config_changed', reference: null, version: null, user: null, detail: config.name, executionId: null }, String(now))) || notified;
      }
      await hooks.record?.(tx, { config, created: !before, changed: !before || JSON.stringify(before) !== JSON.stringify(config) });
    });
    this.log.info({ deliveryConfig: config.name, application: config.application }, 'delivery config saved');
    this.requested();
    if (notified) this.opts.onOutbox?.();
    return config;
  }

  async getConfig(name: string): Promise<DeliveryConfig> {
    const c = await this.opts.store.repos.managed.configs.byName(name);
    if (!c) throw new NotFoundError(`delivery config ${name} not found`);
    return c;
  }

  private async configOf(tx: Repositories, application: string): Promise<DeliveryConfig> {
    const c = await tx.managed.configs.byApplication(application);
    if (!c) throw new NotFoundError(`application ${application} has no delivery config`);
    return c;
  }

  /**
   * Registers a version of an artifact (idempotent: the same version again changes nothing) and evaluates.
   * @returns `created` false when it was known already.
   * @throws NotFoundError when the application has no delivery config or the config has no such artifact reference.
   */
  async registerVersion(
    v: Omit<ArtifactVersion, 'createdAt'> & { createdAt?: number },
    hooks: ManagedTxHooks<{ created: boolean }> = {},
  ): Promise<{ created: boolean; version: ArtifactVersion }> {
    const now = this.clock();
    const version: ArtifactVersion = { ...v, createdAt: v.createdAt ?? now };
    const created = await this.opts.store.transaction(async (tx) => {
      await hooks.check?.(tx, v.application);
      const config = await this.configOf(tx, v.application);
      if (!config.artifacts.some((a) => a.reference === v.reference)) {
        throw new NotFoundError(`delivery config ${config.name} has no artifact with reference ${v.reference} (has: ${config.artifacts.map((a) => a.reference).join(', ')})`);
      }
      // Versions are ordered by their artifact's rule (ordering.ts), so one that the rule cannot place is refused.
      const refusal = versionRefusal(config.artifacts.find((a) => a.reference === v.reference)!, v.version);
      if (refusal) throw new BadRequestError(refusal, [{ path: 'body.version', message: refusal }]);
      const added = await tx.managed.versions.add(version, now);
      if (added) await tx.managed.evaluations.request(v.application, now);
      await hooks.record?.(tx, { created: added });
      return added;
    });
    if (created) {
      this.log.info({ application: v.application, reference: v.reference, version: v.version }, 'artifact version registered');
      this.requested();
    }
    const stored = created ? version : ((await this.opts.store.repos.managed.versions.get(v.application, v.reference, v.version)) ?? version);
    return { created, version: stored };
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Judgement

  /**
   * Judges a pending manual-judgement (API, UI, CLI and Slack alike). Compare-and-set on the state: the first
   * decision wins, a later one gets `already_judged` with the decision that stands. In the same transaction it asks
   * for an evaluation (so an approval promotes at once) and queues the update of every judgement message.
   * `inSameTransaction` runs inside that transaction (e.g. marking a Slack click processed).
   * @throws NotFoundError for an unknown application, environment, artifact or version; BadRequestError when the
   *   environment has no manual-judgement constraint or the reference is ambiguous.
   */
  async judge(req: ConstraintJudgement, inSameTransaction?: (tx: Repositories, o: ConstraintJudgeOutcome) => Promise<void>): Promise<ConstraintJudgeOutcome> {
    const now = this.clock();
    let queued = false;
    const outcome = await this.opts.store.transaction(async (tx) => {
      const config = await this.configOf(tx, req.application);
      const env = config.environments.find((e) => e.name === req.environment);
      if (!env) throw new NotFoundError(`delivery config ${config.name} has no environment ${req.environment}`);
      const constraint = judgementOf(env);
      if (!constraint) {
        throw new BadRequestError(`environment ${env.name} has no manual-judgement constraint`, [{ path: 'type', message: 'the environment has no manual-judgement constraint' }]);
      }
      let reference = req.reference;
      if (reference === undefined) {
        if (config.artifacts.length !== 1) {
          throw new BadRequestError('artifactReference: required when the delivery config has several artifacts', [{ path: 'artifactReference', message: 'required: the config has several artifacts' }]);
        }
        reference = config.artifacts[0]!.reference;
      }
      if (!config.artifacts.some((a) => a.reference === reference)) throw new NotFoundError(`delivery config ${config.name} has no artifact with reference ${reference}`);
      if (!(await tx.managed.versions.get(req.application, reference, req.version))) {
        throw new NotFoundError(`version ${req.version} of ${reference} is not registered for ${req.application}`);
      }
      const key = { application: req.application, environment: env.name, reference, version: req.version, type: MANUAL_JUDGEMENT };
      let o: ConstraintJudgeOutcome | undefined;
      if (req.access && req.access.policy.enforced) {
        const app = await tx.applications.get(req.application);
        const denial = req.access.policy.denial({ user: req.user, roles: req.roles, admin: req.access.admin }, req.application, app?.permissions, 'EXECUTE');
        if (denial !== null) o = { outcome: 'refused', reason: 'no_permission', message: denial, allowedRoles: constraint.roles ?? [] };
      }
      const state = await tx.managed.environments.state(key.application, key.environment, key.reference, key.version, key.type);
      const allowed = constraint.roles ?? [];
      const mine = new Set(req.roles.map((r) => r.toLowerCase()));
      if (o) {
        // Refused by the application's permissions: nothing changes.
      } else if (!state || state.status === 'NOT_EVALUATED') {
        o = { outcome: 'not_awaiting', message: `version ${req.version} of ${reference} is not awaiting judgement in ${env.name} (its constraints have not been evaluated yet)` };
      } else if (state.status !== 'PENDING') {
        o = { outcome: 'already_judged', state };
      } else if (allowed.length > 0 && !allowed.some((r) => mine.has(r.toLowerCase()))) {
        o = { outcome: 'refused', reason: 'not_allowed', message: `${req.user} may not judge ${env.name}: it needs one of the roles ${allowed.join(', ')}`, allowedRoles: allowed };
      } else {
        const comment = req.comment && req.comment.trim() !== '' ? req.comment.trim().slice(0, 2000) : null;
        const won = await tx.managed.environments.decide(key, 'PENDING', { status: req.status, judgedBy: req.user, judgedBySlackUserId: req.slackUserId ?? null, comment }, now);
        const after = (await tx.managed.environments.state(key.application, key.environment, key.reference, key.version, key.type))!;
        if (!won) o = { outcome: 'already_judged', state: after };
        else {
          o = { outcome: 'accepted', state: after };
          await tx.managed.evaluations.request(req.application, now);
          queued = await this.queueUpdates(tx, env, key);
          const event = req.status === 'OVERRIDE_PASS' ? 'judgement_approved' : 'judgement_rejected';
          queued = (await this.queueNotices(tx, config, env.name, { event, reference, version: req.version, user: req.user, detail: comment, executionId: null }, 'decided')) || queued;
        }
      }
      if (inSameTransaction) await inSameTransaction(tx, o);
      return o;
    });
    this.log.info({ application: req.application, environment: req.environment, version: req.version, status: req.status, user: req.user, via: req.via, outcome: outcome.outcome }, 'constraint judgement attempt');
    if (outcome.outcome === 'accepted') this.requested();
    if (queued) this.opts.onOutbox?.();
    return outcome;
  }

  /**
   * After a config change: every PENDING manual judgement whose environment, artifact or `manual-judgement`
   * constraint is gone from the new config is closed (FAIL, comment {@link CONSTRAINT_REMOVED}, so its Slack
   * buttons go away: the message is re-rendered from the old environment's notifications). keel drops such states
   * with the constraint; we keep the record and say why. Returns true when it queued Slack updates.
   */
  private async closeRemovedJudgements(tx: Repositories, before: DeliveryConfig, after: DeliveryConfig, now: number): Promise<boolean> {
    let queued = false;
    for (const s of await tx.managed.environments.states(before.application)) {
      if (s.type !== MANUAL_JUDGEMENT || s.status !== 'PENDING') continue;
      const env = after.environments.find((e) => e.name === s.environment);
      const stillJudged = env && judgementOf(env) && after.artifacts.some((a) => a.reference === s.artifactReference);
      if (stillJudged) continue;
      const key = { application: s.application, environment: s.environment, reference: s.artifactReference, version: s.artifactVersion };
      if (await tx.managed.environments.decide({ ...key, type: MANUAL_JUDGEMENT }, 'PENDING', { status: 'FAIL', judgedBy: null, judgedBySlackUserId: null, comment: CONSTRAINT_REMOVED }, now)) {
        this.log.info({ ...key }, 'manual judgement closed: constraint removed from the delivery config');
        const old = before.environments.find((e) => e.name === s.environment);
        if (old) queued = (await this.queueUpdates(tx, old, key)) || queued;
      }
    }
    return queued;
  }

  /** Queues the replacement of every judgement message of a version (rendered from the state at delivery time). */
  private async queueUpdates(tx: Repositories, env: DeliveryEnvironment, key: { application: string; environment: string; reference: string; version: string }): Promise<boolean> {
    if (!this.opts.slackEnabled || env.notifications.length === 0) return false;
    for (const n of env.notifications) {
      const payload: ManagedSlackPayload = { ...key, address: n.address };
      await tx.outbox.add({ kind: MANAGED_SLACK_UPDATE, dedupeKey: managedSlackKey(MANAGED_SLACK_UPDATE, payload) + ':decided', payload: { ...payload } }, Date.now());
    }
    return true;
  }

  /**
   * Queues a re-render of the judgement messages of every version still PENDING judgement in `environment` (of
   * `reference`, or of every artifact when undefined), after a pin, unpin, veto or finished deploy there changed
   * what they say (the pinned-version warning, the marked-as-bad warning, the current version and how far ahead). Each update renders from the state at delivery time; the
   * occurrence suffix is unique so a second change after a delivered update is not deduplicated away (the managed
   * clock may stand still in tests).
   * @returns true when it queued something.
   */
  private async queueRerenders(tx: Repositories, env: DeliveryEnvironment, application: string, reference: string | undefined, why: string): Promise<boolean> {
    if (!this.opts.slackEnabled || env.notifications.length === 0) return false;
    const pending = (await tx.managed.environments.states(application, env.name)).filter(
      (s) => s.type === MANUAL_JUDGEMENT && s.status === 'PENDING' && (reference === undefined || s.artifactReference === reference),
    );
    const occurrence = `:${why}:${randomUUID()}`;
    for (const s of pending) {
      for (const n of env.notifications) {
        const payload: ManagedSlackPayload = { application, environment: env.name, reference: s.artifactReference, version: s.artifactVersion, address: n.address };
        await tx.outbox.add({ kind: MANAGED_SLACK_UPDATE, dedupeKey: managedSlackKey(MANAGED_SLACK_UPDATE, payload) + occurrence, payload: { ...payload } }, Date.now());
      }
    }
    return pending.length > 0;
  }

  /**
   * Queues the compact notification of `event` to every Slack notification (of `environment`, or of every
   * environment when null) whose frequency includes it; one per address. `occurrence` tells repeated events apart.
   */
  private async queueNotices(
    tx: Repositories,
    config: DeliveryConfig,
    environment: string | null,
    notice: Omit<ManagedNoticePayload, 'address' | 'application' | 'environment'>,
    occurrence: string,
  ): Promise<boolean> {
    if (!this.opts.slackEnabled) return false;
    const addresses = new Set<string>();
    for (const env of config.environments) {
      if (environment !== null && env.name !== environment) continue;
      for (const n of env.notifications) if (EVENTS_BY_FREQUENCY[n.frequency].includes(notice.event)) addresses.add(n.address);
    }
    for (const address of addresses) {
      const payload: ManagedNoticePayload = { ...notice, application: config.application, environment, address };
      const key = [MANAGED_SLACK_NOTIFY, config.application, environment ?? '*', notice.event, notice.reference ?? '', notice.version ?? '', occurrence, address].map((x) => encodeURIComponent(x)).join(':');
      await tx.outbox.add({ kind: MANAGED_SLACK_NOTIFY, dedupeKey: key, payload: { ...payload } }, Date.now());
    }
    return addresses.size > 0;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Pin and veto

  /** Resolves and checks an environment, artifact reference and (optionally) version of an application. */
  private async target(tx: Repositories, application: string, environment: string, reference: string | undefined, version?: string) {
    const config = await this.configOf(tx, application);
    const env = config.environments.find((e) => e.name === environment);
    if (!env) throw new NotFoundError(`delivery config ${config.name} has no environment ${environment}`);
    let ref = reference;
    if (ref === undefined) {
      if (config.artifacts.length !== 1) throw new BadRequestError('reference: required when the delivery config has several artifacts', [{ path: 'reference', message: 'required: the config has several artifacts' }]);
      ref = config.artifacts[0]!.reference;
    }
    if (!config.artifacts.some((a) => a.reference === ref)) throw new NotFoundError(`delivery config ${config.name} has no artifact with reference ${ref}`);
    if (version !== undefined && !(await tx.managed.versions.get(application, ref, version))) {
      throw new NotFoundError(`version ${version} of ${ref} is not registered for ${application}`);
    }
    return { config, env, reference: ref };
  }

  /**
   * Pins an environment to a version (keel's `POST /managed/application/{app}/pin`): the environment deploys that
   * version (bypassing its constraints, as keel does) and stays on it until unpinned.
   * @throws NotFoundError for an unknown application, environment, artifact or version.
   */
  async pin(
    req: { application: string; environment: string; reference?: string; version: string; comment: string | null; user: string },
    hooks: ManagedTxHooks<{ reference: string }> = {},
  ): Promise<void> {
    const now = this.clock();
    let notified = false;
    await this.opts.store.transaction(async (tx) => {
      await hooks.check?.(tx, req.application);
      const t = await this.target(tx, req.application, req.environment, req.reference, req.version);
      await tx.managed.marks.pin({ application: req.application, environment: t.env.name, reference: t.reference, version: req.version, by: req.user, comment: req.comment }, now);
      await tx.managed.evaluations.request(req.application, now);
      notified = await this.queueNotices(tx, t.config, t.env.name, { event: 'pinned', reference: t.reference, version: req.version, user: req.user, detail: req.comment, executionId: null }, String(now));
      // A judgement message posted before the pin now shows the pinned-version warning.
      notified = (await this.queueRerenders(tx, t.env, req.application, t.reference, 'pin')) || notified;
      await hooks.record?.(tx, { reference: t.reference });
    });
    if (notified) this.opts.onOutbox?.();
    this.log.info({ application: req.application, environment: req.environment, version: req.version, user: req.user }, 'environment pinned');
    this.requested();
  }

  /**
   * Removes the pin of an environment (of one artifact when `reference` is given) and evaluates again.
   * @returns false when there was no pin.
   */
  async unpin(req: { application: string; environment: string; reference?: string; user: string }, hooks: ManagedTxHooks<{ removed: boolean }> = {}): Promise<boolean> {
    const now = this.clock();
    let notified = false;
    const removed = await this.opts.store.transaction(async (tx) => {
      await hooks.check?.(tx, req.application);
      const t = await this.target(tx, req.application, req.environment, req.reference ?? (await this.configOf(tx, req.application)).artifacts[0]?.reference);
      const n = await tx.managed.marks.unpin(req.application, req.environment, req.reference);
      if (n > 0) {
        await tx.managed.evaluations.request(req.application, now);
        notified = await this.queueNotices(tx, t.config, t.env.name, { event: 'unpinned', reference: req.reference ?? null, version: null, user: req.user, detail: null, executionId: null }, String(now));
        notified = (await this.queueRerenders(tx, t.env, req.application, req.reference, 'unpin')) || notified;
        await hooks.record?.(tx, { removed: true });
      }
      return n > 0;
    });
    if (notified) this.opts.onOutbox?.();
    if (removed) {
      this.log.info({ application: req.application, environment: req.environment, user: req.user }, 'environment unpinned');
      this.requested();
    }
    return removed;
  }

  /**
   * Marks a version as bad in an environment (keel's veto): it is never a candidate there again; when it is the
   * current version, the environment moves to the newest version that passes its constraints.
   * @returns false when it was marked already.
   */
  async veto(
    req: { application: string; environment: string; reference?: string; version: string; comment: string | null; user: string },
    hooks: ManagedTxHooks<{ reference: string; added: boolean }> = {},
  ): Promise<boolean> {
    const now = this.clock();
    let notified = false;
    const added = await this.opts.store.transaction(async (tx) => {
      await hooks.check?.(tx, req.application);
      const t = await this.target(tx, req.application, req.environment, req.reference, req.version);
      const ok = await tx.managed.marks.veto({ application: req.application, environment: t.env.name, reference: t.reference, version: req.version, by: req.user, comment: req.comment }, now);
      if (ok) {
        await tx.managed.evaluations.request(req.application, now);
        notified = await this.queueNotices(tx, t.config, t.env.name, { event: 'marked_as_bad', reference: t.reference, version: req.version, user: req.user, detail: req.comment, executionId: null }, 'veto');
        notified = (await this.queueRerenders(tx, t.env, req.application, t.reference, 'veto')) || notified;
        // Environments that depend on this one: their judgement messages warn that the version will not deploy.
        for (const e of t.config.environments.filter((x) => x.constraints.some((c) => c.type === 'depends-on' && c.environment === t.env.name))) {
          notified = (await this.queueRerenders(tx, e, req.application, t.reference, 'upstream-veto')) || notified;
        }
      }
      await hooks.record?.(tx, { reference: t.reference, added: ok });
      return ok;
    });
    if (notified) this.opts.onOutbox?.();
    if (added) {
      this.log.info({ application: req.application, environment: req.environment, version: req.version, user: req.user }, 'version marked as bad');
      this.requested();
    }
    return added;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Reading

  /**
   * Constraint states of one environment, newest first (keel's `GET .../environment/{env}/constraints`).
   * @throws NotFoundError for an unknown application or environment.
   */
  async constraintStates(application: string, environment: string): Promise<ConstraintState[]> {
    const repos = this.opts.store.repos;
    const config = await this.configOf(repos, application);
    if (!config.environments.some((e) => e.name === environment)) throw new NotFoundError(`delivery config ${config.name} has no environment ${environment}`);
    return repos.managed.environments.states(application, environment);
  }

  /**
   * The application's environments × versions with each version's promotion status and constraint summaries
   * (`GET /managed/application/{app}`).
   * @throws NotFoundError when the application has no delivery config.
   */
  async applicationView(application: string): Promise<Record<string, unknown>> {
    const repos = this.opts.store.repos;
    const config = await this.configOf(repos, application);
    const deployments = await repos.managed.environments.deployments(application);
    const states = await repos.managed.environments.states(application);
    const pins = await repos.managed.marks.pins(application);
    const vetoes = await repos.managed.marks.vetoes(application);
    const now = this.clock();
    const artifacts: Array<{ artifact: DeliveryArtifact; versions: ArtifactVersion[] }> = [];
    for (const artifact of config.artifacts) {
      const versions = sortNewestFirst(artifact, await repos.managed.versions.list(application, artifact.reference));
      artifacts.push({ artifact, versions });
    }
    return {
      application,
      deliveryConfig: config.name,
      environments: config.environments.map((env) => {
        const window = windowSummary(env, now);
        return {
        name: env.name,
        artifacts: artifacts.map(({ artifact, versions }) => {
          const mine = deployments.filter((d) => d.environment === env.name && d.reference === artifact.reference);
          const current = mine.find((d) => d.status === 'CURRENT')?.version ?? null;
          const currentIdx = current === null ? versions.length : versions.findIndex((v) => v.version === current);
          const pin = pins.find((p) => p.environment === env.name && p.reference === artifact.reference);
          return {
            name: artifact.name,
            type: artifact.type,
            reference: artifact.reference,
            current,
            ...(pin ? { pinned: { version: pin.version, by: pin.by, comment: pin.comment, at: pin.at } } : {}),
            versions: versions.map((v, i) => {
              const d = mine.find((x) => x.version === v.version);
              const cs = states.filter((s) => s.environment === env.name && s.artifactReference === artifact.reference && s.artifactVersion === v.version);
              const veto = vetoes.find((x) => x.environment === env.name && x.reference === artifact.reference && x.version === v.version);
              return {
                version: v.version,
                createdAt: v.createdAt,
                // A judgement closed because its constraint left the config no longer decides the state.
                state: veto && d?.status !== 'CURRENT' && d?.status !== 'DEPLOYING' ? 'VETOED' : promotionStatus(d, cs.filter((s) => env.constraints.some((c) => c.type === s.type)), i > currentIdx),
                ...(veto ? { vetoed: { by: veto.by, comment: veto.comment, at: veto.at } } : {}),
                ...(d ? { deployment: { status: d.status, executionId: d.executionId, detail: d.detail } } : {}),
                constraints: cs.map((s) => ({ type: s.type, status: s.status, judgedBy: s.judgedBy, judgedAt: s.judgedAt, comment: s.comment })),
                constraintSummaries: constraintSummaries({ env, artifact, version: v.version, deployments, states: cs, vetoes, pin, now, window }),
                gitMetadata: v.gitMetadata,
                buildMetadata: v.buildMetadata,
              };
            }),
          };
        }),
        };
      }),
    };
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Evaluation

  private async tick(): Promise<number> {
    const now = this.clock();
    const repos = this.opts.store.repos;
    // A deploy that ended (here or on another replica) makes its application due.
    for (const app of await repos.managed.environments.applicationsWithEndedDeploys(ENDED)) await repos.managed.evaluations.request(app, now);
    const batch = await this.opts.store.transaction((tx) => tx.managed.evaluations.claim(now, this.leaseMs, 4));
    for (const { application, seq } of batch) {
      try {
        const r = await this.opts.store.transaction(async (tx) => {
          const result = await this.evaluate(tx, application);
          await tx.managed.evaluations.finish(application, seq, result.next);
          return result;
        });
        if (r.deployed) this.opts.engine.wake();
        if (r.outbox) this.opts.onOutbox?.();
      } catch (err) {
        this.log.error({ err, application }, 'evaluation failed; will retry');
        await repos.managed.evaluations.release(application, this.clock() + 5_000);
      }
    }
    return batch.length;
  }

  /** Evaluates one application in `tx`; returns when to look again and what it queued. */
  private async evaluate(tx: Repositories, application: string): Promise<{ next: number | null; deployed: boolean; outbox: boolean }> {
    const now = this.clock();
    const config = await tx.managed.configs.byApplication(application);
    const out = { next: null as number | null, deployed: false, outbox: false };
    if (!config) return out;
    const soon = (at: number) => {
      out.next = out.next === null ? at : Math.min(out.next, at);
    };
    // Timeouts first, in a pass of their own: every PENDING judgement whose deadline has passed fails now, whatever
    // holds its environment (a pin, a newer pending version, an allowed-times window); the next one schedules a look.
    for (const s of await tx.managed.environments.states(application)) {
      if (s.type !== MANUAL_JUDGEMENT || s.status !== 'PENDING' || s.deadline === null) continue;
      if (now < s.deadline) {
        soon(s.deadline);
        continue;
      }
      const env = config.environments.find((e) => e.name === s.environment);
      const mj = env ? judgementOf(env) : undefined;
      const key = { application, environment: s.environment, reference: s.artifactReference, version: s.artifactVersion };
      const comment = mj?.timeout ? `Timed out after ${mj.timeout}` : 'Timed out';
      if (await tx.managed.environments.decide({ ...key, type: MANUAL_JUDGEMENT }, 'PENDING', { status: 'FAIL', judgedBy: null, judgedBySlackUserId: null, comment }, now)) {
        this.log.info({ ...key }, 'manual judgement timed out');
        if (env) out.outbox = (await this.queueUpdates(tx, env, key)) || out.outbox;
      }
    }
    for (const artifact of config.artifacts) {
      const versions = sortNewestFirst(artifact, await tx.managed.versions.list(application, artifact.reference));
      for (const env of config.environments) {
        const deployments = (await tx.managed.environments.deployments(application)).filter((d) => d.reference === artifact.reference);
        const here = deployments.filter((d) => d.environment === env.name);
        const deploying = here.find((d) => d.status === 'DEPLOYING');
        if (deploying) {
          const ended = await this.settleDeploy(tx, config, deploying, now);
          if (ended === 'notified') out.outbox = true;
          if (!ended) {
            soon(now + DEPLOYING_RECHECK_MS);
            continue;
          }
        }
        const r = await this.promote(tx, config, env, artifact, versions, now);
        if (r.next !== null) soon(r.next);
        out.deployed ||= r.deployed;
        out.outbox ||= r.outbox;
      }
    }
    return out;
  }

  /**
   * Looks at a DEPLOYING version's execution: SUCCEEDED → CURRENT (the old one PREVIOUS), ended otherwise → FAILED,
   * and queues the deployment notification. Returns false while it runs, else true, or 'notified' when it queued one.
   */
  private async settleDeploy(tx: Repositories, config: DeliveryConfig, d: Deployment, now: number): Promise<boolean | 'notified'> {
    const execution = d.executionId ? await tx.executions.get(d.executionId) : undefined;
    const key = { application: d.application, environment: d.environment, reference: d.reference, version: d.version };
    if (execution && !COMPLETED_STATUSES.has(execution.status)) return false;
    if (execution?.status === 'SUCCEEDED') {
      await tx.managed.environments.retireCurrent(d.application, d.environment, d.reference, now);
      await tx.managed.environments.setDeployment({ ...key, status: 'CURRENT', executionId: d.executionId, detail: null }, now);
      this.log.info({ ...key, executionId: d.executionId }, 'version deployed: now CURRENT');
      const sent = await this.queueNotices(tx, config, d.environment, { event: 'deployment_succeeded', reference: d.reference, version: d.version, user: null, detail: null, executionId: d.executionId }, d.executionId ?? '');
      // A judgement message still waiting in this environment says which version is current and how far ahead it is.
      const env = config.environments.find((e) => e.name === d.environment);
      const rerendered = env ? await this.queueRerenders(tx, env, d.application, d.reference, 'deployed') : false;
      return sent || rerendered ? 'notified' : true;
    }
    const detail = execution ? `deploy execution ended ${execution.status}` : 'deploy execution no longer exists';
    await tx.managed.environments.setDeployment({ ...key, status: 'FAILED', executionId: d.executionId, detail }, now);
    this.log.warn({ ...key, executionId: d.executionId, detail }, 'deploy failed; the previous version stays current');
    const sent = await this.queueNotices(tx, config, d.environment, { event: 'deployment_failed', reference: d.reference, version: d.version, user: null, detail, executionId: d.executionId }, d.executionId ?? '');
    return sent ? 'notified' : true;
  }

  private async promote(
    tx: Repositories,
    config: DeliveryConfig,
    env: DeliveryEnvironment,
    artifact: DeliveryArtifact,
    versions: ArtifactVersion[],
    now: number,
  ): Promise<{ next: number | null; deployed: boolean; outbox: boolean }> {
    const out = { next: null as number | null, deployed: false, outbox: false };
    const all = (await tx.managed.environments.deployments(config.application)).filter((d) => d.reference === artifact.reference);
    const here = all.filter((d) => d.environment === env.name);
    const current = here.find((d) => d.status === 'CURRENT')?.version;
    // A pin: deploy the pinned version (constraints bypassed, as keel), once; nothing else while pinned.
    const pin = (await tx.managed.marks.pins(config.application)).find((p) => p.environment === env.name && p.reference === artifact.reference);
    if (pin) {
      const pinned = versions.find((v) => v.version === pin.version);
      const failedSincePin = here.some((d) => d.version === pin.version && d.status === 'FAILED' && d.updatedAt >= pin.at);
      if (pinned && current !== pin.version && !failedSincePin) out.deployed = await this.deploy(tx, config, env, artifact, pinned, now);
      return out;
    }
    const allVetoes = (await tx.managed.marks.vetoes(config.application)).filter((x) => x.reference === artifact.reference);
    const vetoed = new Set(allVetoes.filter((x) => x.environment === env.name).map((x) => x.version));
    const currentIdx = current === undefined ? versions.length : versions.findIndex((v) => v.version === current);
    // A vetoed current version: older versions are candidates too (the environment rolls back).
    const limit = currentIdx < 0 || (current !== undefined && vetoed.has(current)) ? versions.length : currentIdx;
    for (const v of versions.slice(0, limit)) {
      if (vetoed.has(v.version) || v.version === current) continue;
      if (here.some((d) => d.version === v.version && d.status === 'FAILED')) continue;
      // Stateless: depends-on (deployed successfully to the other environment and not marked as bad there, as
      // keel's wasSuccessfullyDeployedTo: a veto in test keeps the version out of prod).
      const dependsOk = env.constraints.every(
        (c) =>
          c.type !== 'depends-on' ||
          (all.some((d) => d.environment === c.environment && d.version === v.version && (d.status === 'CURRENT' || d.status === 'PREVIOUS')) &&
            !allVetoes.some((x) => x.environment === c.environment && x.version === v.version)),
      );
      if (!dependsOk) continue;
      // Stateless, the same for every version: allowed-times.
      const windows = env.constraints.filter((c) => c.type === 'allowed-times');
      if (windows.some((c) => c.type === 'allowed-times' && !inAllowedTimes(c.windows, c.tz, now))) {
        out.next = now + ALLOWED_TIMES_RECHECK_MS;
        return out;
      }
      // Stateful: manual-judgement.
      const mj = judgementOf(env);
      if (mj) {
        const key = { application: config.application, environment: env.name, reference: artifact.reference, version: v.version };
        let state = await tx.managed.environments.state(key.application, key.environment, key.reference, key.version, MANUAL_JUDGEMENT);
        if (!state) {
          const timeoutMs = mj.timeout ? parseIsoDuration(mj.timeout) : null;
          await tx.managed.environments.createState({ ...key, type: MANUAL_JUDGEMENT, status: 'PENDING', deadline: timeoutMs === null ? null : now + timeoutMs }, now);
          state = (await tx.managed.environments.state(key.application, key.environment, key.reference, key.version, MANUAL_JUDGEMENT))!;
          this.log.info({ ...key }, 'awaiting manual judgement');
          if (this.opts.slackEnabled) {
            for (const n of env.notifications) {
              const payload: ManagedSlackPayload = { ...key, address: n.address };
              await tx.outbox.add({ kind: MANAGED_SLACK_POST, dedupeKey: managedSlackKey(MANAGED_SLACK_POST, payload), payload: { ...payload } }, Date.now());
              out.outbox = true;
            }
          }
        }
        if (state.status === 'PENDING' || state.status === 'NOT_EVALUATED') {
          // A pending judgement holds the environment: no jumping past it to an older version (keel). Its timeout
          // is handled by the timeout pass in evaluate(), which also schedules the look at its deadline.
          if (state.deadline !== null) out.next = state.deadline;
          return out;
        }
        if (constraintFailed(state.status)) continue;
        if (!constraintPassed(state.status)) return out;
      }
      out.deployed = await this.deploy(tx, config, env, artifact, v, now);
      return out;
    }
    return out;
  }

  /** Starts the environment's deploy pipeline for `v` in `tx`; without `deploy`, the version is CURRENT at once. */
  private async deploy(tx: Repositories, config: DeliveryConfig, env: DeliveryEnvironment, artifact: DeliveryArtifact, v: ArtifactVersion, now: number): Promise<boolean> {
    const key = { application: config.application, environment: env.name, reference: artifact.reference, version: v.version };
    if (!env.deploy) {
      await tx.managed.environments.retireCurrent(key.application, key.environment, key.reference, now);
      await tx.managed.environments.setDeployment({ ...key, status: 'CURRENT', executionId: null, detail: 'no deploy pipeline configured' }, now);
      return false;
    }
    const app = env.deploy.application ?? config.application;
    const pipeline = await findPipeline(tx, app, env.deploy.pipeline);
    const fail = async (detail: string) => {
      await tx.managed.environments.setDeployment({ ...key, status: 'FAILED', executionId: null, detail }, now);
      this.log.warn({ ...key, detail }, 'could not start the deploy pipeline');
      // Delivered on the dispatcher's next poll (at most a second or so).
      await this.queueNotices(tx, config, env.name, { event: 'deployment_failed', reference: key.reference, version: key.version, user: null, detail, executionId: null }, `start:${now}`);
      return false;
    };
    if (!pipeline) return fail(`no pipeline "${env.deploy.pipeline}" in application ${app}`);
    if (pipeline.disabled === true) return fail(`pipeline "${pipeline.name}" is disabled`);
    let parameters: Record<string, string>;
    try {
      parameters = resolveParameters(pipeline, { ...(env.deploy.parameters ?? {}), artifactVersion: v.version, artifactReference: artifact.reference, environment: env.name });
    } catch (err) {
      return fail((err as Error).message);
    }
    // Engine tables run on the engine's (real) clock, whatever clock evaluates constraints.
    const engineNow = Date.now();
    const trigger: Trigger = { type: 'managed', user: config.serviceAccount ?? 'managed-delivery', parameters, deliveryConfig: config.name, environment: env.name } as Trigger;
    const execution = buildExecution(pipeline, trigger, engineNow);
    await tx.executions.insert(execution, engineNow);
    await tx.queue.push({ kind: 'StartExecution', executionId: execution.id }, engineNow, engineNow);
    await tx.managed.environments.setDeployment({ ...key, status: 'DEPLOYING', executionId: execution.id, detail: null }, now);
    this.log.info({ ...key, executionId: execution.id, pipeline: pipeline.name }, 'deploying version');
    return true;
  }
}

/** The dedupe key of a managed judgement delivery. */
export function managedSlackKey(kind: string, p: ManagedSlackPayload): string {
  return [kind, p.application, p.environment, p.reference, p.version, p.address].map(encodeURIComponent).join(':');
}

/**
 * The delivery config whose environments deploy with pipeline `name` (or its `id`) of `application`, or undefined.
 * Looks at the application's own config (the one a `deploy` without `application` points at); a config of another
 * application naming this one in `deploy.application` is not found (the store has no list of configs).
 */
export async function deliveryConfigDeployingWith(tx: Repositories, application: string, name: string, id: string | undefined): Promise<{ config: string; environments: string[] } | undefined> {
  const c = await tx.managed.configs.byApplication(application);
  if (!c) return undefined;
  const envs = c.environments.filter((e) => e.deploy && (e.deploy.application ?? c.application) === application && (e.deploy.pipeline === name || (id !== undefined && e.deploy.pipeline === id)));
  return envs.length > 0 ? { config: c.name, environments: envs.map((e) => e.name) } : undefined;
}

async function findPipeline(tx: Repositories, application: string, nameOrId: string): Promise<PipelineConfig | undefined> {
  const byId = await tx.pipelines.byId(nameOrId);
  if (byId && byId.application === application) return byId;
  return tx.pipelines.byName(application, nameOrId);
}

/** A version's promotion status in an environment, from its deployment and constraint states. */
function promotionStatus(d: Deployment | undefined, states: ConstraintState[], olderThanCurrent: boolean): PromotionStatus {
  if (d?.status === 'CURRENT') return 'CURRENT';
  if (d?.status === 'DEPLOYING') return 'DEPLOYING';
  if (d?.status === 'PREVIOUS') return 'PREVIOUS';
  if (d?.status === 'FAILED') return 'SKIPPED';
  if (states.some((s) => constraintFailed(s.status)) || olderThanCurrent) return 'SKIPPED';
  if (states.length > 0 && states.every((s) => constraintPassed(s.status))) return 'APPROVED';
  return 'PENDING';
}

/**
 * One constraint's summary for a version in an environment, as `GET /managed/application/{app}` returns it in
 * `constraintSummaries` (keel's constraint summaries, flattened): `status` is keel's ConstraintStatus and `detail`
 * says why in words ("waiting for test", "1.5.0 failed to deploy to test", "outside mon-fri 9-17 UTC; next window
 * opens 2026-11-30T09:00Z", "prod is pinned to 1.7.0"). `pinned` is our extension (keel shows pins apart).
 */
export interface ConstraintSummary {
  type: 'depends-on' | 'allowed-times' | 'manual-judgement' | 'pinned';
  status: ConstraintStatus;
  detail: string;
}

/** The allowed-times summary of an environment now (the same for every version), or null without windows. */
function windowSummary(env: DeliveryEnvironment, now: number): ConstraintSummary | null {
  const windows = env.constraints.filter((c): c is AllowedTimesConstraint => c.type === 'allowed-times');
  if (windows.length === 0) return null;
  const closed = windows.find((c) => !inAllowedTimes(c.windows, c.tz, now));
  if (!closed) return { type: 'allowed-times', status: 'PASS', detail: `inside ${windows.map((c) => describeWindows(c.windows, c.tz)).join('; ')}` };
  const opens = nextWindowOpens(closed.windows, closed.tz, now);
  const at = opens === null ? '' : `; next window opens ${new Date(opens).toISOString().replace(/:00\.000Z$/, 'Z')}`;
  return { type: 'allowed-times', status: 'PENDING', detail: `outside ${describeWindows(closed.windows, closed.tz)}${at}` };
}

function constraintSummaries(x: {
  env: DeliveryEnvironment;
  artifact: DeliveryArtifact;
  version: string;
  deployments: Deployment[];
  states: ConstraintState[];
  vetoes: Array<{ environment: string; reference: string; version: string; by: string; comment: string | null }>;
  pin: { version: string; by: string } | undefined;
  now: number;
  window: ConstraintSummary | null;
}): ConstraintSummary[] {
  const out: ConstraintSummary[] = [];
  if (x.pin) {
    out.push(
      x.pin.version === x.version
        ? { type: 'pinned', status: 'OVERRIDE_PASS', detail: `pinned here by ${x.pin.by}` }
        : { type: 'pinned', status: 'PENDING', detail: `${x.env.name} is pinned to ${x.pin.version}` },
    );
  }
  for (const c of x.env.constraints) {
    if (c.type === 'depends-on') {
      const d = x.deployments.find((y) => y.environment === c.environment && y.reference === x.artifact.reference && y.version === x.version);
      const veto = x.vetoes.find((y) => y.environment === c.environment && y.reference === x.artifact.reference && y.version === x.version);
      if (veto) out.push({ type: c.type, status: 'FAIL', detail: `${x.version} was marked as bad in ${c.environment} by ${veto.by}${veto.comment ? ` (${veto.comment})` : ''}` });
      else if (d?.status === 'CURRENT' || d?.status === 'PREVIOUS') out.push({ type: c.type, status: 'PASS', detail: `deployed to ${c.environment}` });
      else if (d?.status === 'FAILED') out.push({ type: c.type, status: 'FAIL', detail: `${x.version} failed to deploy to ${c.environment}` });
      else if (d?.status === 'DEPLOYING') out.push({ type: c.type, status: 'PENDING', detail: `deploying to ${c.environment}` });
      else out.push({ type: c.type, status: 'PENDING', detail: `waiting for ${c.environment}` });
    }
  }
  if (x.window) out.push(x.window);
  const mj = judgementOf(x.env);
  if (mj) {
    const s = x.states.find((y) => y.type === MANUAL_JUDGEMENT);
    if (!s) out.push({ type: 'manual-judgement', status: 'NOT_EVALUATED', detail: 'not asked yet: asked once the other constraints pass' });
    else if (s.status === 'PENDING') out.push({ type: 'manual-judgement', status: 'PENDING', detail: `awaiting judgement${s.deadline !== null ? `; times out ${new Date(s.deadline).toISOString()}` : ''}` });
    else out.push({ type: 'manual-judgement', status: s.status, detail: decidedText(s) });
  }
  return out;
}
