/**
 * The webhook stage's fields, as orca's `WebhookStage.StageData` names them, with the checks made when a pipeline
 * is saved (messages name the field and what was expected) and the normalised form the task works with.
 */
import { z } from 'zod';
import { JsonPathError, parseJsonPath } from './json-path.js';

/** HTTP methods orca's WebhookStage accepts (Spring's `HttpMethod`). */
export const WEBHOOK_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE'] as const;
export type WebhookMethod = (typeof WEBHOOK_METHODS)[number];

/** `statusUrlResolution` values (orca's `WebhookStage.StatusUrlResolution`). */
export const STATUS_URL_RESOLUTIONS = ['getMethod', 'locationHeader', 'webhookResponse'] as const;
export type StatusUrlResolution = (typeof STATUS_URL_RESOLUTIONS)[number];

/** Per-request timeout when the stage does not set `requestTimeoutMs` (an extension): 30 s. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Longest `requestTimeoutMs` allowed, so a request ends well inside the engine's 60 s work lease. */
export const MAX_REQUEST_TIMEOUT_MS = 45_000;
/** Time between status polls when the stage does not set `monitorIntervalMs` (an extension): 5 s. */
export const DEFAULT_MONITOR_INTERVAL_MS = 5_000;

/** RFC 9110 token: what a header name may be made of. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const hasExpression = (s: string) => s.includes('${');

const statusCodes = z
  .array(
    z.union([z.number(), z.string().regex(/^\s*\d+\s*$/, 'expected an HTTP status code such as 503').transform(Number)], {
      error: 'expected an HTTP status code such as 503',
    }).pipe(z.number().int('expected a whole number').min(100, 'expected an HTTP status code (100-599)').max(599, 'expected an HTTP status code (100-599)')),
    { error: 'expected a list of HTTP status codes, e.g. [409, 422]' },
  )
  .optional()
  .nullable();

const jsonPath = z
  .string({ error: 'expected a JSON path such as $.status' })
  .superRefine((v, ctx) => {
    if (hasExpression(v)) return;
    try {
      parseJsonPath(v);
    } catch (err) {
      if (err instanceof JsonPathError) ctx.addIssue({ code: 'custom', message: err.message });
      else throw err;
    }
  })
  .optional()
  .nullable();

const statuses = z.string({ error: 'expected comma-separated statuses, e.g. "SUCCESS,DONE"' }).optional().nullable();

const headerValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number()]))], {
  error: 'expected a header value (a string or a list of strings)',
});

const seconds = z
  .union([z.number(), z.string().regex(/^\s*\d+(\.\d+)?\s*$/, 'expected seconds').transform(Number)], { error: 'expected seconds' })
  .pipe(z.number().nonnegative('expected 0 or more seconds').max(86_400, 'expected at most 86400 seconds (a day)'));

/** Checks an absolute http(s) URL; a URL holding `${...}` is checked when the stage runs, after evaluation. */
export function urlProblem(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    return 'expected an absolute http:// or https:// URL';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `only http:// and https:// URLs are allowed, not ${u.protocol}//`;
  return null;
}

/**
 * Header names (lowercase) a webhook stage may not send: `Cookie`, and the trusted identity header
 * (`auth.trustedHeader`, default `X-SPINNAKER-USER`) — a stage calling this service itself through a trusted
 * proxy address would otherwise act as whoever it names. Our own rule (orca has none); refused at save and at run.
 */
const forbiddenHeaders = new Set(['cookie', 'x-spinnaker-user']);

/** Adds a header name (case-insensitive) webhook stages may not send; the service adds `auth.trustedHeader`. */
export function forbidWebhookHeader(name: string): void {
  forbiddenHeaders.add(name.trim().toLowerCase());
}

/** zod schema of the webhook stage's own fields. */
export const webhookSchema = z
  .object({
    url: z
      .string({ error: (i) => (i.input === undefined ? 'the URL to call is required' : 'expected a URL string') })
      .min(1, 'the URL to call is required')
      .superRefine((v, ctx) => {
        if (hasExpression(v)) return;
        const p = urlProblem(v);
        if (p) ctx.addIssue({ code: 'custom', message: p });
      }),
    method: z
      .string({ error: `expected one of ${WEBHOOK_METHODS.join(', ')}` })
      .refine((m) => hasExpression(m) || (WEBHOOK_METHODS as readonly string[]).includes(m.toUpperCase()), {
        message: `expected one of ${WEBHOOK_METHODS.join(', ')}`,
      })
      .optional()
      .nullable(),
    payload: z.unknown().optional(),
    customHeaders: z
      .record(z.string(), headerValue, { error: 'expected an object of header names to values' })
      .superRefine((h, ctx) => {
        for (const [name, v] of Object.entries(h)) {
          if (!HEADER_NAME.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: 'not a valid HTTP header name' });
          else if (forbiddenHeaders.has(name.toLowerCase())) {
            ctx.addIssue({
              code: 'custom',
              path: [name],
              message: 'a webhook stage may not send the identity header or Cookie: a call back to this service would act as the user it names',
            });
          }
          else if (/[\r\n\0]/.test(Array.isArray(v) ? v.join() : String(v))) ctx.addIssue({ code: 'custom', path: [name], message: 'header values must not contain line breaks' });
        }
      })
      .optional()
      .nullable(),
    failFastStatusCodes: statusCodes,
    retryStatusCodes: statusCodes,
    waitForCompletion: z.boolean({ error: 'expected true or false' }).optional().nullable(),
    statusUrlResolution: z
      .enum(STATUS_URL_RESOLUTIONS, { error: `expected one of ${STATUS_URL_RESOLUTIONS.join(', ')}` })
      .optional()
      .nullable(),
    statusUrlJsonPath: jsonPath,
    statusJsonPath: jsonPath,
    progressJsonPath: jsonPath,
    successStatuses: statuses,
    canceledStatuses: statuses,
    terminalStatuses: statuses,
    waitBeforeMonitor: seconds.optional().nullable(),
    monitorIntervalMs: z
      .number({ error: 'expected milliseconds' })
      .int('expected whole milliseconds')
      .min(10, 'expected at least 10 ms')
      .max(3_600_000, 'expected at most 3600000 ms (an hour)')
      .optional(),
    requestTimeoutMs: z
      .number({ error: 'expected milliseconds' })
      .int('expected whole milliseconds')
      .min(100, 'expected at least 100 ms')
      .max(MAX_REQUEST_TIMEOUT_MS, `expected at most ${MAX_REQUEST_TIMEOUT_MS} ms`)
      .optional(),
  })
  .superRefine((s, ctx) => {
    if (s.waitForCompletion !== true) return;
    if (!s.statusJsonPath) ctx.addIssue({ code: 'custom', path: ['statusJsonPath'], message: 'required when waitForCompletion is true: the JSON path of the status, e.g. $.status' });
    if (s.statusUrlResolution === 'webhookResponse' && !s.statusUrlJsonPath) {
      ctx.addIssue({ code: 'custom', path: ['statusUrlJsonPath'], message: 'required when statusUrlResolution is webhookResponse: the JSON path of the status URL in the response' });
    }
  });

/** The stage's fields after evaluation, normalised for the task. */
export interface WebhookConfig {
  url: string;
  method: WebhookMethod;
  payload: unknown;
  headers: Record<string, string>;
  failFastStatusCodes: Set<number>;
  retryStatusCodes: Set<number>;
  waitForCompletion: boolean;
  statusUrlResolution: StatusUrlResolution;
  statusUrlJsonPath: string | null;
  statusJsonPath: string | null;
  progressJsonPath: string | null;
  /** Upper-cased status → outcome, from successStatuses / canceledStatuses / terminalStatuses. */
  statusMap: Map<string, 'SUCCEEDED' | 'CANCELED' | 'TERMINAL'>;
  waitBeforeMonitorMs: number;
  monitorIntervalMs: number;
  requestTimeoutMs: number;
}

/**
 * Reads the (evaluated) stage context into a WebhookConfig.
 * @returns the config, or the problems (path and message) when evaluation left it invalid.
 */
export function readWebhookConfig(context: Record<string, unknown>): { ok: true; config: WebhookConfig } | { ok: false; problems: string[] } {
  const parsed = webhookSchema.safeParse(context);
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((i) => `${i.path.map(String).join('.') || 'stage'}: ${i.message}`) };
  }
  const s = parsed.data;
  const problems: string[] = [];
  const urlIssue = urlProblem(s.url);
  if (urlIssue) problems.push(`url: ${urlIssue}`);
  const method = (s.method ?? 'POST').toUpperCase();
  if (!(WEBHOOK_METHODS as readonly string[]).includes(method)) problems.push(`method: expected one of ${WEBHOOK_METHODS.join(', ')}`);
  for (const [field, v] of [['statusJsonPath', s.statusJsonPath], ['statusUrlJsonPath', s.statusUrlJsonPath], ['progressJsonPath', s.progressJsonPath]] as const) {
    if (!v) continue;
    try {
      parseJsonPath(v);
    } catch (err) {
      problems.push(`${field}: ${(err as Error).message}`);
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.customHeaders ?? {})) headers[k] = Array.isArray(v) ? v.map(String).join(', ') : String(v);
  const statusMap = new Map<string, 'SUCCEEDED' | 'CANCELED' | 'TERMINAL'>();
  // later lists win, as orca's createStatusMap (success, then canceled, then terminal)
  for (const [list, outcome] of [[s.successStatuses, 'SUCCEEDED'], [s.canceledStatuses, 'CANCELED'], [s.terminalStatuses, 'TERMINAL']] as const) {
    for (const x of (list ?? '').split(',')) if (x.trim() !== '') statusMap.set(x.trim().toUpperCase(), outcome);
  }
  return {
    ok: true,
    config: {
      url: s.url.trim(),
      method: method as WebhookMethod,
      payload: s.payload,
      headers,
      failFastStatusCodes: new Set(s.failFastStatusCodes ?? []),
      retryStatusCodes: new Set(s.retryStatusCodes ?? []),
      waitForCompletion: s.waitForCompletion === true,
      statusUrlResolution: s.statusUrlResolution ?? 'getMethod',
      statusUrlJsonPath: s.statusUrlJsonPath ?? null,
      statusJsonPath: s.statusJsonPath ?? null,
      progressJsonPath: s.progressJsonPath ?? null,
      statusMap,
      waitBeforeMonitorMs: Math.round((s.waitBeforeMonitor ?? 0) * 1000),
      monitorIntervalMs: s.monitorIntervalMs ?? DEFAULT_MONITOR_INTERVAL_MS,
      requestTimeoutMs: s.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    },
  };
}
