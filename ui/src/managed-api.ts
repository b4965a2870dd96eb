/**
 * Typed fetches for managed delivery's Gate paths (src/api/routes/managed.ts, keel's API): the application's
 * environments × versions, the delivery config, constraint states, judging a manual-judgement, pin / unpin and mark
 * as bad. Calls go through {@link call} from ./api (same `X-SPINNAKER-USER`, same {@link ApiError} on non-2xx).
 * Times are epoch ms.
 */
import { call } from './api';

// The service's own definitions, imported as types only (nothing from src/ is bundled).
import type { ConstraintStatus, GitMetadata, PromotionStatus } from '../../src/managed/model.js';
export type { ConstraintStatus, GitMetadata };
/** keel's PromotionStatus of a version in an environment. */
export type PromotionState = PromotionStatus;

export interface ConstraintSummary {
  type: string;
  status: ConstraintStatus;
  judgedBy: string | null;
  judgedAt: number | null;
  comment: string | null;
}

/** One constraint's summary in words: `{type: 'depends-on', status: 'PENDING', detail: 'waiting for test'}`. */
export interface ConstraintWhy {
  type: 'depends-on' | 'allowed-times' | 'manual-judgement' | 'pinned';
  status: ConstraintStatus;
  detail: string;
}

export interface VersionInEnvironment {
  version: string;
  createdAt: number;
  state: PromotionState;
  vetoed?: { by: string; comment: string | null; at: number };
  deployment?: { status: string; executionId: string | null; detail: string | null };
  constraints: ConstraintSummary[];
  /** Why the version waits or was kept out, per constraint (keel's constraint summaries; `pinned` is ours). */
  constraintSummaries?: ConstraintWhy[];
  gitMetadata: GitMetadata | null;
  buildMetadata: { number?: string | number; url?: string } | null;
}

export interface ArtifactInEnvironment {
  name: string;
  type: string;
  reference: string;
  current: string | null;
  pinned?: { version: string; by: string; comment: string | null; at: number };
  /** Newest first (keel's ordering for the artifact type). */
  versions: VersionInEnvironment[];
}

/** `GET /managed/application/{app}`. */
export interface ManagedApplication {
  application: string;
  deliveryConfig: string;
  environments: Array<{ name: string; artifacts: ArtifactInEnvironment[] }>;
}

/** The parts of a delivery config the view shows (constraints per environment). */
export interface DeliveryConfigDoc {
  name: string;
  application: string;
  environments: Array<{ name: string; constraints: Array<{ type: string; environment?: string; timeout?: string; roles?: string[] }>; deploy?: { pipeline: string } }>;
}

/** One row of `GET /managed/application/{app}/environment/{env}/constraints` (newest first). */
export interface ConstraintState {
  type: string;
  environment: string;
  artifactReference: string;
  artifactVersion: string;
  status: ConstraintStatus;
  judgedBy: string | null;
  judgedAt: number | null;
  comment: string | null;
  createdAt: number;
  timeoutAt?: number;
}

const enc = encodeURIComponent;

export const managedApi = {
  /** @throws ApiError 404 when the application has no delivery config. */
  application: (app: string) => call<ManagedApplication>('GET', `/managed/application/${enc(app)}`),
  deliveryConfig: (name: string) => call<DeliveryConfigDoc>('GET', `/managed/delivery-configs/${enc(name)}`),
  constraints: (app: string, env: string) => call<ConstraintState[]>('GET', `/managed/application/${enc(app)}/environment/${enc(env)}/constraints`),
  /** Judges a pending manual-judgement; ApiError 409 names who decided first, 403 when roles refuse. */
  judge: (app: string, env: string, body: { artifactReference: string; artifactVersion: string; status: 'OVERRIDE_PASS' | 'OVERRIDE_FAIL'; comment?: string }) =>
    call<ConstraintState>('POST', `/managed/application/${enc(app)}/environment/${enc(env)}/constraint`, { type: 'manual-judgement', ...body }),
  pin: (app: string, body: { targetEnvironment: string; reference: string; version: string; comment?: string }) => call<null>('POST', `/managed/application/${enc(app)}/pin`, body),
  unpin: (app: string, env: string, reference: string) => call<null>('DELETE', `/managed/application/${enc(app)}/pin/${enc(env)}?reference=${enc(reference)}`),
  /** Mark as bad (keel's veto). */
  veto: (app: string, body: { targetEnvironment: string; reference: string; version: string; comment?: string }) => call<null>('POST', `/managed/application/${enc(app)}/veto`, body),
};
