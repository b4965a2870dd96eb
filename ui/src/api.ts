/**
 * Typed fetch helpers for the service's Gate-shaped REST API (see src/api/routes/pipelines.ts). Every call sends
 * `X-SPINNAKER-USER` with the name chosen in the nav bar (Gate's header; the service reads who is acting from it).
 * A non-2xx answer throws {@link ApiError} carrying the service's error body `{status, error, message, issues?}`
 * (src/api/errors.ts); `issues[].path` names the field, e.g. `stages[1].waitTime`.
 */

export type ExecutionStatus =
  | 'NOT_STARTED' | 'RUNNING' | 'PAUSED' | 'SUSPENDED' | 'SUCCEEDED' | 'FAILED_CONTINUE'
  | 'TERMINAL' | 'CANCELED' | 'STOPPED' | 'SKIPPED' | 'BUFFERED';

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

export interface StageExecution {
  id: string;
  refId: string;
  type: string;
  name: string;
  status: ExecutionStatus;
  context: Record<string, unknown>;
  outputs: Record<string, unknown>;
  requisiteStageRefIds: string[];
  /** Epoch ms. */
  startTime: number | null;
  endTime: number | null;
  lastModified: { user: string; lastModifiedTime: number } | null;
}

export interface Execution {
  id: string;
  application: string;
  name: string;
  pipelineConfigId: string;
  status: ExecutionStatus;
  buildTime: number;
  startTime: number | null;
  endTime: number | null;
  canceled: boolean;
  canceledBy: string | null;
  trigger: { type: string; user: string; parameters: Record<string, string> };
  stages: StageExecution[];
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
}

/** A refused call: `body` is the service's error answer. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly body: ErrorBody) {
    super(body.message || `HTTP ${status}`);
  }
}

const USER_KEY = 'slackops.user';

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

/** One call; resolves to the parsed JSON body, throws ApiError on a non-2xx answer. */
export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const user = currentUser();
  if (user) headers['x-spinnaker-user'] = user;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = { status: res.status, error: res.statusText, message: text.slice(0, 300) };
  }
  if (!res.ok) {
    const b = (parsed && typeof parsed === 'object' ? parsed : {}) as Partial<ErrorBody>;
    throw new ApiError(res.status, { status: res.status, error: b.error ?? res.statusText, message: b.message ?? `HTTP ${res.status}`, issues: b.issues });
  }
  return parsed as T;
}

export const api = {
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
    call<{ ref: string }>('POST', `/pipelines/${enc(app)}/${enc(name)}`, { type: 'manual', parameters, ...(currentUser() ? { user: currentUser() } : {}) }),
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
