/**
 * Tables of managed delivery (migration 0006_managed_delivery). Times are epoch ms; JSON documents TEXT.
 */

/** One delivery config per name; one per application. `body` is the validated config JSON. */
export interface ManagedDeliveryConfigsTable {
  name: string;
  application: string;
  body: string;
  created_at: number;
  updated_at: number;
}

/** Registered artifact versions. `metadata` holds `{gitMetadata, buildMetadata}` JSON. */
export interface ManagedArtifactVersionsTable {
  application: string;
  reference: string;
  version: string;
  metadata: string;
  /** The version's creation time (from CI, else when registered). */
  created_at: number;
  registered_at: number;
}

/** What happened to a version in an environment: DEPLOYING, CURRENT, PREVIOUS or FAILED. */
export interface ManagedDeploymentsTable {
  application: string;
  environment: string;
  reference: string;
  version: string;
  status: string;
  execution_id: string | null;
  detail: string | null;
  created_at: number;
  updated_at: number;
}

/** Stateful constraint states (keel's ConstraintState), one per version, environment and constraint type. */
export interface ManagedConstraintStatesTable {
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
  /** When a PENDING state times out, or null. */
  deadline: number | null;
  created_at: number;
  updated_at: number;
}

/** The evaluation work queue: one row per application; due when `due_at <= now`, claimed by lease. */
export interface ManagedEvaluationsTable {
  application: string;
  due_at: number | null;
  /** Bumped by every request to evaluate: a finishing evaluation only clears `due_at` if no request came meanwhile. */
  seq: number;
  lease_until: number | null;
}

/** Slack messages posted for a pending judgement, per notification address. */
export interface ManagedSlackMessagesTable {
  application: string;
  environment: string;
  reference: string;
  version: string;
  address: string;
  channel: string;
  ts: string;
  created_at: number;
}

/** A pin: the environment stays on `version` of `reference` until unpinned. */
export interface ManagedPinsTable {
  application: string;
  environment: string;
  reference: string;
  version: string;
  pinned_by: string;
  comment: string | null;
  pinned_at: number;
}

/** A veto ("mark as bad"): the version is never a candidate in the environment. */
export interface ManagedVetoesTable {
  application: string;
  environment: string;
  reference: string;
  version: string;
  vetoed_by: string;
  comment: string | null;
  vetoed_at: number;
}

export interface ManagedTables {
  managed_pins: ManagedPinsTable;
  managed_vetoes: ManagedVetoesTable;
  managed_delivery_configs: ManagedDeliveryConfigsTable;
  managed_artifact_versions: ManagedArtifactVersionsTable;
  managed_deployments: ManagedDeploymentsTable;
  managed_constraint_states: ManagedConstraintStatesTable;
  managed_evaluations: ManagedEvaluationsTable;
  managed_slack_messages: ManagedSlackMessagesTable;
}
