/**
 * Repositories of managed delivery, one per aggregate: delivery configs, artifact versions, environment state
 * (deployments, constraint states and their Slack messages) and the evaluation work queue. Bound to an executor
 * like the others, so a judgement, the evaluation it asks for and its notifications commit together.
 */
import type { Dialect } from './migrations.js';
import type { Executor } from './repositories.js';
import type {
  ArtifactVersion,
  ConstraintState,
  ConstraintStatus,
  DeliveryConfig,
  Deployment,
  DeploymentStatus,
} from '../managed/model.js';

export class DeliveryConfigRepository {
  constructor(private readonly db: Executor) {}

  /** Inserts or replaces a config by name. The caller checks that no other config owns the application. */
  async upsert(config: DeliveryConfig, now: number): Promise<void> {
    const body = JSON.stringify(config);
    await this.db
      .insertInto('managed_delivery_configs')
      .values({ name: config.name, application: config.application, body, created_at: now, updated_at: now })
      .onConflict((oc) => oc.column('name').doUpdateSet({ application: config.application, body, updated_at: now }))
      .execute();
  }

  async byName(name: string): Promise<DeliveryConfig | undefined> {
    const r = await this.db.selectFrom('managed_delivery_configs').select('body').where('name', '=', name).executeTakeFirst();
    return r ? (JSON.parse(r.body) as DeliveryConfig) : undefined;
  }

  async byApplication(application: string): Promise<DeliveryConfig | undefined> {
    const r = await this.db.selectFrom('managed_delivery_configs').select('body').where('application', '=', application).executeTakeFirst();
    return r ? (JSON.parse(r.body) as DeliveryConfig) : undefined;
  }
}

export class ArtifactVersionRepository {
  constructor(private readonly db: Executor) {}

  /** Registers a version; the same (application, reference, version) again changes nothing. Returns true when new. */
  async add(v: ArtifactVersion, now: number): Promise<boolean> {
    const res = await this.db
      .insertInto('managed_artifact_versions')
      .values({
        application: v.application,
        reference: v.reference,
        version: v.version,
        metadata: JSON.stringify({ gitMetadata: v.gitMetadata, buildMetadata: v.buildMetadata }),
        created_at: v.createdAt,
        registered_at: now,
      })
      .onConflict((oc) => oc.columns(['application', 'reference', 'version']).doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async list(application: string, reference: string): Promise<ArtifactVersion[]> {
    const rows = await this.db
      .selectFrom('managed_artifact_versions')
      .selectAll()
      .where('application', '=', application)
      .where('reference', '=', reference)
      .execute();
    return rows.map((r) => {
      const m = JSON.parse(r.metadata) as { gitMetadata: ArtifactVersion['gitMetadata']; buildMetadata: ArtifactVersion['buildMetadata'] };
      return { application: r.application, reference: r.reference, version: r.version, createdAt: Number(r.created_at), gitMetadata: m.gitMetadata ?? null, buildMetadata: m.buildMetadata ?? null };
    });
  }

  async get(application: string, reference: string, version: string): Promise<ArtifactVersion | undefined> {
    return (await this.list(application, reference)).find((v) => v.version === version);
  }
}

function toState(r: {
  application: string;
  environment: string;
  reference: string;
  version: string;
  type: string;
  status: string;
  judged_by: string | null;
  judged_slack_user: string | null;
  judged_at: number | null;
  comment: string | null;
  deadline: number | null;
  created_at: number;
}): ConstraintState {
  return {
    application: r.application,
    environment: r.environment,
    type: r.type,
    artifactReference: r.reference,
    artifactVersion: r.version,
    status: r.status as ConstraintStatus,
    judgedBy: r.judged_by,
    judgedBySlackUserId: r.judged_slack_user,
    judgedAt: r.judged_at === null ? null : Number(r.judged_at),
    comment: r.comment,
    deadline: r.deadline === null ? null : Number(r.deadline),
    createdAt: Number(r.created_at),
  };
}

/** Deployments, constraint states and judgement messages of an application's environments. */
export class ManagedEnvironmentRepository {
  constructor(private readonly db: Executor) {}

  async deployments(application: string): Promise<Deployment[]> {
    const rows = await this.db.selectFrom('managed_deployments').selectAll().where('application', '=', application).orderBy('updated_at').execute();
    return rows.map((r) => ({
      application: r.application,
      environment: r.environment,
      reference: r.reference,
      version: r.version,
      status: r.status as DeploymentStatus,
      executionId: r.execution_id,
      detail: r.detail,
      createdAt: Number(r.created_at),
      updatedAt: Number(r.updated_at),
    }));
  }

  /** Records (or replaces) what happened to a version in an environment. */
  async setDeployment(d: { application: string; environment: string; reference: string; version: string; status: DeploymentStatus; executionId: string | null; detail: string | null }, now: number): Promise<void> {
    await this.db
      .insertInto('managed_deployments')
      .values({ application: d.application, environment: d.environment, reference: d.reference, version: d.version, status: d.status, execution_id: d.executionId, detail: d.detail, created_at: now, updated_at: now })
      .onConflict((oc) => oc.columns(['application', 'environment', 'reference', 'version']).doUpdateSet({ status: d.status, execution_id: d.executionId, detail: d.detail, updated_at: now }))
      .execute();
  }

  /** Marks the environment's CURRENT version(s) of `reference` PREVIOUS. */
  async retireCurrent(application: string, environment: string, reference: string, now: number): Promise<void> {
    await this.db
      .updateTable('managed_deployments')
      .set({ status: 'PREVIOUS', updated_at: now })
      .where('application', '=', application)
      .where('environment', '=', environment)
      .where('reference', '=', reference)
      .where('status', '=', 'CURRENT')
      .execute();
  }

  /**
   * Applications with a DEPLOYING version whose execution has ended (or vanished): their evaluation is due.
   * `ended` lists the execution statuses that count as ended.
   */
  async applicationsWithEndedDeploys(ended: readonly string[]): Promise<string[]> {
    const rows = await this.db
      .selectFrom('managed_deployments as d')
      .leftJoin('executions as e', 'e.id', 'd.execution_id')
      .select('d.application')
      .distinct()
      .where('d.status', '=', 'DEPLOYING')
      .where((eb) => eb.or([eb('e.id', 'is', null), eb('e.status', 'in', [...ended])]))
      .execute();
    return rows.map((r) => r.application);
  }

  async states(application: string, environment?: string): Promise<ConstraintState[]> {
    let q = this.db.selectFrom('managed_constraint_states').selectAll().where('application', '=', application);
    if (environment !== undefined) q = q.where('environment', '=', environment);
    const rows = await q.orderBy('created_at', 'desc').execute();
    return rows.map(toState);
  }

  async state(application: string, environment: string, reference: string, version: string, type: string): Promise<ConstraintState | undefined> {
    const r = await this.db
      .selectFrom('managed_constraint_states')
      .selectAll()
      .where('application', '=', application)
      .where('environment', '=', environment)
      .where('reference', '=', reference)
      .where('version', '=', version)
      .where('type', '=', type)
      .executeTakeFirst();
    return r ? toState(r) : undefined;
  }

  /** Creates a state if there is none yet; returns true when it created one. */
  async createState(s: { application: string; environment: string; reference: string; version: string; type: string; status: ConstraintStatus; deadline: number | null }, now: number): Promise<boolean> {
    const res = await this.db
      .insertInto('managed_constraint_states')
      .values({ ...s, judged_by: null, judged_slack_user: null, judged_at: null, comment: null, created_at: now, updated_at: now })
      .onConflict((oc) => oc.columns(['application', 'environment', 'reference', 'version', 'type']).doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /**
   * Decides a state if it is still `from` (compare-and-set: the first decision wins). Returns true when this call
   * decided it; false when it was not `from` any more (someone decided first).
   */
  async decide(
    key: { application: string; environment: string; reference: string; version: string; type: string },
    from: ConstraintStatus,
    to: { status: ConstraintStatus; judgedBy: string | null; judgedBySlackUserId: string | null; comment: string | null },
    now: number,
  ): Promise<boolean> {
    const res = await this.db
      .updateTable('managed_constraint_states')
      .set({ status: to.status, judged_by: to.judgedBy, judged_slack_user: to.judgedBySlackUserId, judged_at: now, comment: to.comment, updated_at: now })
      .where('application', '=', key.application)
      .where('environment', '=', key.environment)
      .where('reference', '=', key.reference)
      .where('version', '=', key.version)
      .where('type', '=', key.type)
      .where('status', '=', from)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** Records a posted judgement message; a second record for the same address keeps the first. */
  async recordMessage(m: { application: string; environment: string; reference: string; version: string; address: string; channel: string; ts: string }, now: number): Promise<void> {
    await this.db
      .insertInto('managed_slack_messages')
      .values({ ...m, created_at: now })
      .onConflict((oc) => oc.columns(['application', 'environment', 'reference', 'version', 'address']).doNothing())
      .execute();
  }

  async message(application: string, environment: string, reference: string, version: string, address: string): Promise<{ channel: string; ts: string } | undefined> {
    const r = await this.db
      .selectFrom('managed_slack_messages')
      .select(['channel', 'ts'])
      .where('application', '=', application)
      .where('environment', '=', environment)
      .where('reference', '=', reference)
      .where('version', '=', version)
      .where('address', '=', address)
      .executeTakeFirst();
    return r;
  }
}

/** A pin or a veto as stored. Times epoch ms. */
export interface EnvironmentMark {
  application: string;
  environment: string;
  reference: string;
  version: string;
  by: string;
  comment: string | null;
  at: number;
}

/** Pins and vetoes ("mark as bad") of an application's environments. */
export class EnvironmentMarkRepository {
  constructor(private readonly db: Executor) {}

  /** Pins an environment to a version (replacing an earlier pin of the same artifact). */
  async pin(m: Omit<EnvironmentMark, 'at'>, now: number): Promise<void> {
    await this.db
      .insertInto('managed_pins')
      .values({ application: m.application, environment: m.environment, reference: m.reference, version: m.version, pinned_by: m.by, comment: m.comment, pinned_at: now })
      .onConflict((oc) => oc.columns(['application', 'environment', 'reference']).doUpdateSet({ version: m.version, pinned_by: m.by, comment: m.comment, pinned_at: now }))
      .execute();
  }

  /** Removes pins of an environment (of one artifact, or all); returns how many were removed. */
  async unpin(application: string, environment: string, reference?: string): Promise<number> {
    let q = this.db.deleteFrom('managed_pins').where('application', '=', application).where('environment', '=', environment);
    if (reference !== undefined) q = q.where('reference', '=', reference);
    const res = await q.executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  async pins(application: string): Promise<EnvironmentMark[]> {
    const rows = await this.db.selectFrom('managed_pins').selectAll().where('application', '=', application).execute();
    return rows.map((r) => ({ application: r.application, environment: r.environment, reference: r.reference, version: r.version, by: r.pinned_by, comment: r.comment, at: Number(r.pinned_at) }));
  }

  /** Marks a version bad in an environment; returns false when it was marked already. */
  async veto(m: Omit<EnvironmentMark, 'at'>, now: number): Promise<boolean> {
    const res = await this.db
      .insertInto('managed_vetoes')
      .values({ application: m.application, environment: m.environment, reference: m.reference, version: m.version, vetoed_by: m.by, comment: m.comment, vetoed_at: now })
      .onConflict((oc) => oc.columns(['application', 'environment', 'reference', 'version']).doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async vetoes(application: string): Promise<EnvironmentMark[]> {
    const rows = await this.db.selectFrom('managed_vetoes').selectAll().where('application', '=', application).execute();
    return rows.map((r) => ({ application: r.application, environment: r.environment, reference: r.reference, version: r.version, by: r.vetoed_by, comment: r.comment, at: Number(r.vetoed_at) }));
  }
}

/** The evaluation work queue: which applications are due for evaluation, claimed by lease. */
export class ManagedEvaluationRepository {
  constructor(
    private readonly db: Executor,
    private readonly dialect: Dialect = 'sqlite',
  ) {}

  /** Asks for an evaluation of `application` at `at` (or earlier, if one is due sooner already). */
  async request(application: string, at: number): Promise<void> {
    await this.db
      .insertInto('managed_evaluations')
      .values({ application, due_at: at, seq: 1, lease_until: null })
      .onConflict((oc) =>
        oc.column('application').doUpdateSet((eb) => ({
          seq: eb('managed_evaluations.seq', '+', 1),
          due_at: eb
            .case()
            .when('managed_evaluations.due_at', 'is', null)
            .then(at)
            .when('managed_evaluations.due_at', '>', at)
            .then(at)
            .else(eb.ref('managed_evaluations.due_at'))
            .end(),
        })),
      )
      .execute();
  }

  /**
   * Claims up to `limit` due applications by leasing them until `now + leaseMs`. On PostgreSQL rows locked by another
   * replica's claim are skipped (`FOR UPDATE SKIP LOCKED`), so two replicas never evaluate one application at once.
   */
  async claim(now: number, leaseMs: number, limit: number): Promise<Array<{ application: string; seq: number }>> {
    let q = this.db
      .selectFrom('managed_evaluations')
      .select(['application', 'seq'])
      .where('due_at', 'is not', null)
      .where('due_at', '<=', now)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .orderBy('due_at')
      .limit(limit);
    if (this.dialect === 'postgres') q = q.forUpdate().skipLocked();
    const rows = await q.execute();
    if (rows.length > 0) {
      await this.db
        .updateTable('managed_evaluations')
        .set({ lease_until: now + leaseMs })
        .where('application', 'in', rows.map((r) => r.application))
        .execute();
    }
    return rows.map((r) => ({ application: r.application, seq: Number(r.seq) }));
  }

  /**
   * Ends an evaluation: the next one is due at `next` (null: only when asked), unless a request came in meanwhile
   * (`seq` moved on), which stays due.
   */
  async finish(application: string, seq: number, next: number | null): Promise<void> {
    const res = await this.db
      .updateTable('managed_evaluations')
      .set({ due_at: next, lease_until: null })
      .where('application', '=', application)
      .where('seq', '=', seq)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) {
      await this.db.updateTable('managed_evaluations').set({ lease_until: null }).where('application', '=', application).execute();
    }
  }

  /** Frees a claim for a retry at `at`. */
  async release(application: string, at: number): Promise<void> {
    await this.db.updateTable('managed_evaluations').set({ lease_until: null, due_at: at }).where('application', '=', application).execute();
  }

  async nextDueAt(now: number): Promise<number | null> {
    const row = await this.db
      .selectFrom('managed_evaluations')
      .select((eb) => eb.fn.min('due_at').as('next'))
      .where('due_at', 'is not', null)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .executeTakeFirst();
    return row?.next == null ? null : Number(row.next);
  }

  /** Frees every lease (SQLite at start: one process owns the file, so any lease left is a killed process's). */
  async releaseAll(): Promise<void> {
    await this.db.updateTable('managed_evaluations').set({ lease_until: null }).where('lease_until', 'is not', null).execute();
  }
}

/** The managed delivery repositories bound to one executor (`repos.managed`). */
export class ManagedRepositories {
  readonly configs: DeliveryConfigRepository;
  readonly versions: ArtifactVersionRepository;
  readonly environments: ManagedEnvironmentRepository;
  readonly evaluations: ManagedEvaluationRepository;
  readonly marks: EnvironmentMarkRepository;

  constructor(db: Executor, dialect: Dialect = 'sqlite') {
    this.configs = new DeliveryConfigRepository(db);
    this.versions = new ArtifactVersionRepository(db);
    this.environments = new ManagedEnvironmentRepository(db);
    this.evaluations = new ManagedEvaluationRepository(db, dialect);
    this.marks = new EnvironmentMarkRepository(db);
  }
}
