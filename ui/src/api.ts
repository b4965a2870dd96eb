/**
 * Typed fetch helpers for the service's Gate-shaped REST API (see src/api/routes/pipelines.ts).
 *
 * Who the UI acts as: with the service's auth enabled, the login session (an HttpOnly cookie the browser sends by
 * itself, set by `/auth/login` → OpenID Connect provider → `/auth/callback`), or whatever an authenticating proxy in
 * front adds. POST/PUT/PATCH/DELETE then carry the session's CSRF token (`X-CSRF-Token`, from `GET /auth/me`). With
 * auth disabled (a service on loopback), the name typed in "Acting as" is sent as `X-SPINNAKER-USER` (Gate's
 * header), as before authentication existed. Every call says `X-SLACKOPS-CLIENT: ui` (recorded as `via: ui`).
 *
 * A non-2xx answer throws {@link ApiError} carrying the service's error body `{status, error, message, issues?}`
 * (src/api/errors.ts); `issues[].path` names the field, e.g. `stages[1].waitTime`. A 401 also tells the listeners of
 * {@link onIdentityChange} (the session ended: the nav bar offers Log in again).
 */
import { useSyncExternalStore } from 'react';

// The service's wire shapes, imported as types only (nothing from src/ is bundled): one definition of an execution.
import type { ExecutionStatus } from '../../src/model/status.js';
import type { PipelineExecution, StageExecution } from '../../src/model/execution.js';
export type { ExecutionStatus, StageExecution };
/** An execution as `GET /pipelines/{id}` answers it. */
export type Execution = PipelineExecution;

export interface ParameterConfig {
  name: string;
  label?: string | null;
  description?: string | null;
  required?: boolean;
  default?: string | number | boolean | null;
  hasOptions?: boolean;
  options?: Array<{ value: string | number }>;
  [extra: string]: unknown;
}

export interface NotificationPreference {
  type: string;
  address: string;
  level?: string;
  when?: string[];
  message?: Record<string, { text?: string }>;
  [extra: string]: unknown;
}

/** A stage of a pipeline config: common fields plus the type's own fields at the top level, as Deck saves it. */
export interface StageConfig {
  refId: string;
  requisiteStageRefIds: string[];
  type: string;
  name: string;
  [field: string]: unknown;
}

export interface PipelineConfig {
  id?: string;
  application: string;
  name: string;
  parameterConfig?: ParameterConfig[];
  stages: StageConfig[];
  updateTs?: string;
  lastModifiedBy?: string;
  [field: string]: unknown;
}

export interface Application {
  name: string;
  description?: string;
  email?: string;
  createTs?: string;
  updateTs?: string;
}

export interface ErrorBody {
  status: number;
  error: string;
  message: string;
  issues?: Array<{ path: string; message: string }>;
  /** On a 401 when the service offers OpenID Connect login: where Log in starts (`/auth/login`). */
  login?: string;
}

/** `GET /auth/me` (src/auth/identity.ts `MeAnswer`). */
export interface Me {
  user: string;
  roles: string[];
  admin: boolean;
  via: string;
  /** `session` (logged in here), `token`, `trusted-header` (a proxy), `header` ("Acting as", auth disabled), `none`. */
  method: 'token' | 'session' | 'trusted-header' | 'header' | 'none';
  tokenName?: string;
  /** With a session: when it ends, epoch ms. */
  expiresAt?: number;
  /** Whether the service requires authentication, and where Log in starts (null: no OpenID Connect login). */
  auth: { enabled: boolean; login: string | null };
  /** With a session: sent back in `X-CSRF-Token` on mutations. */
  csrfToken?: string;
}

/**
 * What the UI knows about who is using it: `loading` until the first `GET /auth/me`; `me` when the service
 * answered; `signedOut` when it answered 401 (auth enabled, nobody known) with `login` when Log in is offered.
 */
export type IdentityState =
  | { status: 'loading' }
  | { status: 'me'; me: Me }
  | { status: 'signedOut'; login: string | null; message: string }
  | { status: 'error'; message: string };

/** A refused call: `body` is the service's error answer. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly body: ErrorBody) {
    super(body.message || `HTTP ${status}`);
  }
}

const USER_KEY = 'slackops.user';

let identity: IdentityState = { status: 'loading' };
const identityListeners = new Set<() => void>();

function setIdentity(next: IdentityState): void {
  identity = next;
  for (const l of identityListeners) l();
}

/** The current identity state (see {@link IdentityState}). */
export function currentIdentity(): IdentityState {
  return identity;
}

/** Calls `listener` whenever the identity state changes; returns the unsubscribe function. */
export function onIdentityChange(listener: () => void): () => void {
  identityListeners.add(listener);
  return () => identityListeners.delete(listener);
}

/** React hook: the identity state, re-rendering on change. Call {@link loadIdentity} once at start. */
export function useIdentity(): IdentityState {
  return useSyncExternalStore(onIdentityChange, currentIdentity);
}

/** Asks `GET /auth/me` and updates the identity state; resolves to the new state (never throws). */
export async function loadIdentity(): Promise<IdentityState> {
  try {
    setIdentity({ status: 'me', me: await call<Me>('GET', '/auth/me') });
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) setIdentity({ status: 'signedOut', login: err.body.login ?? null, message: err.body.message });
    else setIdentity({ status: 'error', message: err instanceof Error ? err.message : String(err) });
  }
  return identity;
}

/** Where the Log in button goes: the service's login path, returning to `hash` (default: the current screen). */
export function loginUrl(login: string, hash = window.location.hash || '#/'): string {
  return `${login}?redirect=${encodeURIComponent(hash.startsWith('#/') ? hash : '#/')}`;
}

/** Ends the login session (`POST /auth/logout`, with the CSRF token), then reloads the identity. */
export async function logout(): Promise<void> {
  try {
    await call('POST', '/auth/logout');
  } finally {
    await loadIdentity();
  }
}

/** Whether "Acting as" applies: the service has auth disabled and nobody is logged in. */
export function actingAsApplies(s: IdentityState = identity): boolean {
  return s.status === 'me' && !s.me.auth.enabled && s.me.method !== 'session';
}

/** The name the UI acts as (sent as `X-SPINNAKER-USER`); empty means the service's default, "anonymous". */
export function currentUser(): string {
  try {
    return localStorage.getItem(USER_KEY) ?? '';
  } catch {
    return '';
  }
}

export function setCurrentUser(name: string): void {
  localStorage.setItem(USER_KEY, name.trim());
}

const enc = encodeURIComponent;

const MUTATIONS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * One call; resolves to the parsed JSON body, throws ApiError on a non-2xx answer. A mutation refused for its CSRF
 * token (the session changed in another tab: a new login has a new token) is retried once with a fresh token.
 */
export async function call<T>(method: string, path: string, body?: unknown, retried = false): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', 'x-slackops-client': 'ui' };
  // "Acting as" only while the service has auth disabled; a logged-in session or a proxy says who we are otherwise.
  // (App renders no page before GET /auth/me has answered, so this is known.)
  const user = currentUser();
  if (user && actingAsApplies()) headers['x-spinnaker-user'] = user;
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (MUTATIONS.has(method) && identity.status === 'me' && identity.me.csrfToken) headers['x-csrf-token'] = identity.me.csrfToken;
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  if (res.status === 401 && path !== '/auth/me' && identity.status === 'me' && identity.me.auth.enabled) void loadIdentity();
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = { status: res.status, error: res.statusText, message: text.slice(0, 300) };
  }
  if (!res.ok) {
    const b = (parsed && typeof parsed === 'object' ? parsed : {}) as Partial<ErrorBody>;
    if (res.status === 403 && !retried && MUTATIONS.has(method) && /^X-CSRF-Token header/.test(b.message ?? '')) {
      if ((await loadIdentity()).status === 'me') return call<T>(method, path, body, true);
    }
    throw new ApiError(res.status, {
      status: res.status,
      error: b.error ?? res.statusText,
      message: b.message ?? `HTTP ${res.status}`,
      issues: b.issues,
      ...(typeof b.login === 'string' ? { login: b.login } : {}),
    });
  }
  return parsed as T;
}

export const api = {
  /** Who the service thinks is calling (prefer {@link useIdentity}, which shares one answer). */
  me: () => call<Me>('GET', '/auth/me'),
  applications: () => call<Application[]>('GET', '/applications'),
  application: (app: string) => call<Application>('GET', `/applications/${enc(app)}`),
  /** Creates or updates an application (the server's extension of Gate's path). */
  saveApplication: (app: string, body: { description?: string; email?: string }) => call<Application>('PUT', `/applications/${enc(app)}`, body),
  pipelineConfigs: (app: string) => call<PipelineConfig[]>('GET', `/applications/${enc(app)}/pipelineConfigs`),
  pipelineConfig: (app: string, name: string) => call<PipelineConfig>('GET', `/applications/${enc(app)}/pipelineConfigs/${enc(name)}`),
  savePipeline: (p: PipelineConfig) => call<PipelineConfig>('POST', '/pipelines', p),
  deletePipeline: (app: string, name: string) => call<{ deleted: boolean }>('DELETE', `/pipelines/${enc(app)}/${enc(name)}`),
  /** Triggers; resolves to `{ref: "/pipelines/<executionId>"}`. */
  trigger: (app: string, name: string, parameters: Record<string, string>) =>
    call<{ ref: string }>('POST', `/pipelines/${enc(app)}/${enc(name)}`, {
      type: 'manual',
      parameters,
      ...(currentUser() && actingAsApplies() ? { user: currentUser() } : {}),
    }),
  executions: (app: string, limit = 50) => call<Execution[]>('GET', `/applications/${enc(app)}/pipelines?limit=${limit}`),
  execution: (id: string) => call<Execution>('GET', `/pipelines/${enc(id)}`),
  cancel: (id: string) => call<Execution>('PUT', `/pipelines/${enc(id)}/cancel`),
  /** Judges a manualJudgment stage; `reason` is the service's extension, shown with a rejection. */
  judge: (id: string, stageId: string, judgmentStatus: 'continue' | 'stop', judgmentInput?: string, reason?: string) =>
    call<Execution>('PATCH', `/pipelines/${enc(id)}/stages/${enc(stageId)}`, {
      judgmentStatus,
      ...(judgmentInput ? { judgmentInput } : {}),
      ...(reason ? { reason } : {}),
    }),
  /** The Slack message a manualJudgment stage would post (server's POST /slack/preview). */
  slackPreview: (pipeline: PipelineConfig, refId: string) => call<{ text: string; blocks: unknown[] }>('POST', '/slack/preview', { pipeline, refId }),
};

/** Issues grouped by path, for showing each next to its field. */
export function issuesByPath(err: unknown): Map<string, string[]> {
  const m = new Map<string, string[]>();
  if (err instanceof ApiError) {
    for (const i of err.body.issues ?? []) m.set(i.path, [...(m.get(i.path) ?? []), i.message]);
  }
  return m;
}
