/**
 * Managed delivery (Spinnaker keel's shapes): a delivery config names an application's artifacts and the
 * environments their versions are promoted through, each with constraints, notifications and (our extension) the
 * pipeline that deploys a version there. Pure types and small rules; no I/O.
 */

/** Artifact types keel knows that this service accepts. */
export const ARTIFACT_TYPES = ['docker', 'deb', 'npm'] as const;
export type ArtifactType = (typeof ARTIFACT_TYPES)[number];

export interface DeliveryArtifact {
  name: string;
  type: ArtifactType;
  /** Unique within the config; defaults to `name` (keel's default). */
  reference: string;
  /**
   * Docker only: how tags are ordered (keel's `tagVersionStrategy`): `semver-tag` (keel's default) or
   * `increasing-tag` (all-digit tags, numerically). Tags that do not match are refused at registration.
   */
  tagVersionStrategy?: 'semver-tag' | 'increasing-tag';
}

/** keel's `depends-on`: the version must have been deployed successfully to `environment` first. */
export interface DependsOnConstraint {
  type: 'depends-on';
  environment: string;
}

/** keel's `manual-judgement`: a person approves (OVERRIDE_PASS) or rejects (OVERRIDE_FAIL) each version. */
export interface ManualJudgementConstraint {
  type: 'manual-judgement';
  /** ISO-8601 duration (e.g. `P5D`); absent = waits forever. */
  timeout?: string;
  /**
   * Extension: roles allowed to judge (like a pipeline stage's `requiredJudgmentRoles`); absent or empty = anyone
   * who may call the API / click in Slack.
   */
  roles?: string[];
}

/** One allowed-times window: keel's `days` (`mon-fri`, `weekdays`, `weekends`, `sat,sun`) and `hours` (`9-17`, `22-2`). */
export interface TimeWindow {
  days?: string;
  hours?: string;
}

/** keel's `allowed-times`: promotion only inside one of the windows, in time zone `tz` (IANA; default UTC). */
export interface AllowedTimesConstraint {
  type: 'allowed-times';
  windows: TimeWindow[];
  tz?: string;
}

export type Constraint = DependsOnConstraint | ManualJudgementConstraint | AllowedTimesConstraint;

/** keel's notification frequencies. */
export const NOTIFICATION_FREQUENCIES = ['quiet', 'normal', 'verbose'] as const;
export type NotificationFrequency = (typeof NOTIFICATION_FREQUENCIES)[number];

export interface DeliveryNotification {
  type: 'slack';
  /** Channel name (with or without `#`) or id. */
  address: string;
  frequency: NotificationFrequency;
}

/** Extension: the pipeline that deploys a version into the environment. */
export interface DeployConfig {
  /** Pipeline name or id. */
  pipeline: string;
  /** The pipeline's application; defaults to the delivery config's. */
  application?: string;
  /** Extra trigger parameters, merged under `artifactVersion`, `artifactReference`, `environment`. */
  parameters?: Record<string, string>;
}

export interface DeliveryEnvironment {
  name: string;
  constraints: Constraint[];
  notifications: DeliveryNotification[];
  deploy?: DeployConfig;
}

export interface DeliveryConfig {
  name: string;
  application: string;
  serviceAccount?: string;
  artifacts: DeliveryArtifact[];
  environments: DeliveryEnvironment[];
}

/** keel's constraint state statuses. */
export const CONSTRAINT_STATUSES = ['NOT_EVALUATED', 'PENDING', 'PASS', 'FAIL', 'OVERRIDE_PASS', 'OVERRIDE_FAIL'] as const;
export type ConstraintStatus = (typeof CONSTRAINT_STATUSES)[number];

/** True for a status that lets the version through. */
export function constraintPassed(s: ConstraintStatus): boolean {
  return s === 'PASS' || s === 'OVERRIDE_PASS';
}

/** True for a status that keeps the version out for good. */
export function constraintFailed(s: ConstraintStatus): boolean {
  return s === 'FAIL' || s === 'OVERRIDE_FAIL';
}

/** A stateful constraint's state for one version in one environment (keel's `ConstraintState`). Times epoch ms. */
export interface ConstraintState {
  application: string;
  environment: string;
  type: string;
  artifactReference: string;
  artifactVersion: string;
  status: ConstraintStatus;
  judgedBy: string | null;
  judgedAt: number | null;
  comment: string | null;
  createdAt: number;
  /** Extension: when a PENDING judgement times out (epoch ms), or null for never. */
  deadline: number | null;
  /** Extension: the Slack user id of the judge when judged from Slack (for an @-mention). */
  judgedBySlackUserId: string | null;
}

/** keel's git metadata of a version, as CI sends it. */
export interface GitMetadata {
  commit?: string;
  author?: string;
  message?: string;
  branch?: string;
  repo?: string | { name?: string; link?: string };
  pullRequest?: { number?: string | number; url?: string };
}

/** A registered artifact version. `createdAt` epoch ms. */
export interface ArtifactVersion {
  application: string;
  reference: string;
  version: string;
  createdAt: number;
  gitMetadata: GitMetadata | null;
  buildMetadata: { number?: string | number; url?: string } | null;
}

/** What happened to a version in an environment (our deployments). */
export type DeploymentStatus = 'DEPLOYING' | 'CURRENT' | 'PREVIOUS' | 'FAILED';

export interface Deployment {
  application: string;
  environment: string;
  reference: string;
  version: string;
  status: DeploymentStatus;
  executionId: string | null;
  /** Why a deploy failed (execution status, missing pipeline), else null. */
  detail: string | null;
  createdAt: number;
  updatedAt: number;
}

/** A version's state in an environment as `GET /managed/application/{app}` shows it (keel's PromotionStatus). */
export type PromotionStatus = 'PENDING' | 'APPROVED' | 'DEPLOYING' | 'CURRENT' | 'PREVIOUS' | 'SKIPPED' | 'VETOED';
