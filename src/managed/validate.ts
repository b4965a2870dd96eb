/**
 * Parsing and validating a delivery config (keel's YAML/JSON shape). Every problem is reported with its path in
 * the document, in keel's/Spinnaker's bracket style: `environments[1].constraints[0].environment: no such
 * environment`. Structure is checked with zod; references between parts (depends-on targets, cycles, unique
 * names, time windows, durations) by hand afterwards.
 */
import { z } from 'zod';
import { parse as parseYaml } from 'yaml';
import { BadRequestError } from '../engine/errors.js';
import { DEFAULT_TAG_VERSION_STRATEGY, TAG_VERSION_STRATEGIES } from './ordering.js';
import { ARTIFACT_TYPES, NOTIFICATION_FREQUENCIES, type DeliveryConfig } from './model.js';
import { parseIsoDuration } from './duration.js';
import { parseDays, parseHours, validTimeZone } from './allowed-times.js';

export interface Issue {
  path: string;
  message: string;
}

/** Longest manual-judgement timeout accepted (10 years, ms): beyond it, leave `timeout` out. */
export const MAX_TIMEOUT_MS = 10 * 366 * 86_400_000;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const str = (what = 'a string') => z.string({ error: `expected ${what}` });
const name = () => str().regex(NAME, 'expected 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit');

const constraint = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('depends-on'), environment: str('an environment name') }).passthrough(),
    z
      .object({
        type: z.literal('manual-judgement'),
        timeout: str('an ISO-8601 duration such as P5D').optional(),
        roles: z.array(str('a role name')).optional(),
      })
      .passthrough(),
    z
      .object({
        type: z.literal('allowed-times'),
        windows: z
          .array(
            z.object({
              days: str('days such as "mon-fri" or "weekdays"').optional(),
              hours: z.union([str('hours such as "9-17"'), z.number()], { error: 'expected hours such as "9-17"' }).optional(),
            }),
            { error: 'expected a list of {days, hours}' },
          )
          .min(1, 'expected at least one window'),
        tz: str('an IANA time zone such as Europe/Berlin').optional(),
      })
      .passthrough(),
  ],
  { error: 'expected a constraint of type depends-on, manual-judgement or allowed-times' },
);

const schema = z.object(
  {
    name: name(),
    application: name(),
    serviceAccount: str().optional(),
    artifacts: z
      .array(
        z
          .object({
            name: str().min(1, 'expected a non-empty string'),
            type: z.enum(ARTIFACT_TYPES, { error: `expected one of ${ARTIFACT_TYPES.join(', ')}` }),
            reference: str().min(1, 'expected a non-empty string').max(256, 'expected at most 256 characters').optional(),
            tagVersionStrategy: z.enum(TAG_VERSION_STRATEGIES, { error: `expected one of ${TAG_VERSION_STRATEGIES.join(', ')} (keel's tagVersionStrategy; default ${DEFAULT_TAG_VERSION_STRATEGY})` }).optional(),
          })
          .passthrough(),
        { error: 'expected a list of artifacts' },
      )
      .min(1, 'expected at least one artifact'),
    environments: z
      .array(
        z
          .object({
            name: name(),
            constraints: z.array(constraint, { error: 'expected a list of constraints' }).default([]),
            notifications: z
              .array(
                z.object({
                  type: z.literal('slack', { error: 'expected "slack"' }),
                  address: str('a Slack channel').min(1, 'expected a Slack channel'),
                  frequency: z.enum(NOTIFICATION_FREQUENCIES, { error: `expected one of ${NOTIFICATION_FREQUENCIES.join(', ')}` }).default('normal'),
                }),
                { error: 'expected a list of notifications' },
              )
              .default([]),
            deploy: z
              .object(
                {
                  pipeline: str('a pipeline name or id').min(1, 'expected a pipeline name or id'),
                  application: name().optional(),
                  parameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]), { error: 'expected an object of parameter values' }).optional(),
                },
                { error: 'expected {pipeline, application?, parameters?}' },
              )
              .optional(),
          })
          .passthrough(),
        { error: 'expected a list of environments' },
      )
      .min(1, 'expected at least one environment'),
  },
  { error: 'expected a delivery config object {name, application, artifacts, environments}' },
);

/** `['environments', 1, 'constraints', 0, 'environment']` → `environments[1].constraints[0].environment`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out || '(document)';
}

function fail(issues: Issue[]): never {
  throw new BadRequestError(`invalid delivery config: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
}

/**
 * Reads a request body as a delivery config document: a parsed JSON object, or YAML/JSON text.
 * @throws BadRequestError (`body`) when the text is not YAML or the document is not an object.
 */
export function readDocument(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  try {
    return parseYaml(body, { maxAliasCount: 100 });
  } catch (err) {
    fail([{ path: 'body', message: `not valid YAML: ${((err as Error).message ?? '').split('\n')[0]!.slice(0, 200)}` }]);
  }
}

/**
 * Validates a delivery config document.
 * @returns the config with defaults filled in (artifact `reference` = `name`, empty constraint and notification
 *   lists, notification frequency `normal`, deploy parameters as strings).
 * @throws BadRequestError listing every problem with its path (`issues`).
 */
export function validateDeliveryConfig(doc: unknown): DeliveryConfig {
  const r = schema.safeParse(doc);
  // A shape error does not hide the rest: duplicates found in the raw document are listed with it.
  if (!r.success) fail([...r.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })), ...rawDuplicateIssues(doc)]);
  const c = r.data;
  const issues: Issue[] = [];
  const refs = new Set<string>();
  const artifacts = c.artifacts.map((a, i) => {
    const reference = a.reference ?? a.name;
    if (refs.has(reference)) issues.push({ path: `artifacts[${i}].reference`, message: `duplicate reference "${reference}"` });
    refs.add(reference);
    if (a.tagVersionStrategy !== undefined && a.type !== 'docker') issues.push({ path: `artifacts[${i}].tagVersionStrategy`, message: 'only docker artifacts have a tagVersionStrategy' });
    return { name: a.name, type: a.type, reference, ...(a.type === 'docker' ? { tagVersionStrategy: a.tagVersionStrategy ?? DEFAULT_TAG_VERSION_STRATEGY } : {}) };
  });
  const envNames = new Map<string, number>();
  c.environments.forEach((e, i) => {
    if (envNames.has(e.name)) issues.push({ path: `environments[${i}].name`, message: `duplicate environment "${e.name}"` });
    else envNames.set(e.name, i);
  });
  const dependsOn = new Map<string, string[]>();
  c.environments.forEach((e, i) => {
    const deps: string[] = [];
    e.constraints.forEach((k, j) => {
      const at = `environments[${i}].constraints[${j}]`;
      if (k.type === 'depends-on') {
        if (!envNames.has(k.environment)) issues.push({ path: `${at}.environment`, message: 'no such environment' });
        else if (k.environment === e.name) issues.push({ path: `${at}.environment`, message: 'an environment cannot depend on itself' });
        else deps.push(k.environment);
      } else if (k.type === 'manual-judgement') {
        const ms = k.timeout === undefined ? 0 : parseIsoDuration(k.timeout);
        if (ms === null) issues.push({ path: `${at}.timeout`, message: `"${k.timeout!.slice(0, 40)}" is not an ISO-8601 duration (e.g. P5D, PT4H)` });
        else if (k.timeout !== undefined && ms <= 0) issues.push({ path: `${at}.timeout`, message: 'a zero timeout would fail every judgement at once; give a positive duration or leave timeout out to wait forever' });
        else if (ms > MAX_TIMEOUT_MS) issues.push({ path: `${at}.timeout`, message: 'longer than 10 years; leave timeout out to wait forever' });
      } else {
        k.windows.forEach((w, n) => {
          try {
            parseDays(w.days);
          } catch (err) {
            issues.push({ path: `${at}.windows[${n}].days`, message: (err as Error).message });
          }
          try {
            parseHours(w.hours);
          } catch (err) {
            issues.push({ path: `${at}.windows[${n}].hours`, message: (err as Error).message });
          }
        });
        if (k.tz !== undefined && !validTimeZone(k.tz)) issues.push({ path: `${at}.tz`, message: `"${k.tz.slice(0, 60)}" is not a known time zone` });
      }
    });
    dependsOn.set(e.name, deps);
  });
  // Cycles in depends-on: report each environment on a cycle once, at its first depends-on constraint in the cycle.
  const state = new Map<string, 'visiting' | 'done'>();
  const reported = new Set<string>();
  const visit = (env: string, stack: string[]): void => {
    if (state.get(env) === 'done') return;
    if (state.get(env) === 'visiting') {
      const cycle = [...stack.slice(stack.indexOf(env)), env];
      const first = cycle[0]!;
      if (!reported.has(first)) {
        cycle.slice(0, -1).forEach((x) => reported.add(x));
        const i = envNames.get(first)!;
        const j = c.environments[i]!.constraints.findIndex((k) => k.type === 'depends-on' && k.environment === cycle[1]);
        issues.push({ path: `environments[${i}].constraints[${j}].environment`, message: `depends-on cycle: ${cycle.join(' → ')}` });
      }
      return;
    }
    state.set(env, 'visiting');
    for (const d of dependsOn.get(env) ?? []) visit(d, [...stack, env]);
    state.set(env, 'done');
  };
  for (const e of c.environments) visit(e.name, []);
  if (issues.length > 0) fail(issues);
  return {
    name: c.name,
    application: c.application,
    ...(c.serviceAccount !== undefined ? { serviceAccount: c.serviceAccount } : {}),
    artifacts,
    environments: c.environments.map((e) => ({
      name: e.name,
      constraints: e.constraints.map((k) => {
        if (k.type === 'depends-on') return { type: k.type, environment: k.environment };
        if (k.type === 'manual-judgement') return { type: k.type, ...(k.timeout ? { timeout: k.timeout } : {}), ...(k.roles?.length ? { roles: k.roles } : {}) };
        return { type: k.type, windows: k.windows.map((w) => ({ ...(w.days !== undefined ? { days: w.days } : {}), ...(w.hours !== undefined ? { hours: String(w.hours) } : {}) })), ...(k.tz ? { tz: k.tz } : {}) };
      }),
      notifications: e.notifications.map((n) => ({ type: 'slack' as const, address: n.address.replace(/^#/, ''), frequency: n.frequency })),
      ...(e.deploy
        ? {
            deploy: {
              pipeline: e.deploy.pipeline,
              ...(e.deploy.application ? { application: e.deploy.application } : {}),
              ...(e.deploy.parameters ? { parameters: Object.fromEntries(Object.entries(e.deploy.parameters).map(([k, v]) => [k, String(v)])) } : {}),
            },
          }
        : {}),
    })),
  };
}

/** The body of `POST .../artifacts/{reference}/versions` (keel's PublishedArtifact, trimmed to what we use). */
export const versionBody = z.object(
  {
    version: str('a version string').min(1, 'expected a non-empty version').max(256, 'expected at most 256 characters'),
    createdAt: z.union([z.number().int().nonnegative(), z.string().datetime({ offset: true, error: 'expected an ISO-8601 time' })]).optional(),
    gitMetadata: z
      .object({
        commit: str().max(200).optional(),
        author: str().max(200).optional(),
        message: str().max(2000).optional(),
        branch: str().max(200).optional(),
        repo: z.union([str().max(300), z.object({ name: str().max(300).optional(), link: str().max(500).optional() })]).optional(),
        pullRequest: z.object({ number: z.union([z.string().max(50), z.number()]).optional(), url: str().max(500).optional() }).optional(),
      })
      .passthrough()
      .optional(),
    buildMetadata: z.object({ number: z.union([z.string().max(50), z.number()]).optional(), url: str().max(500).optional() }).passthrough().optional(),
  },
  { error: 'expected a JSON object {version, createdAt?, gitMetadata?, buildMetadata?}' },
);

/** The body of `POST .../environment/{env}/constraint` (keel's UpdatedConstraintStatus). */
export const constraintBody = z.object(
  {
    type: z.literal('manual-judgement', { error: 'expected "manual-judgement" (the only stateful constraint)' }),
    artifactVersion: str('a version').min(1),
    artifactReference: str('an artifact reference').min(1).optional(),
    status: z.enum(['OVERRIDE_PASS', 'OVERRIDE_FAIL'], { error: 'expected OVERRIDE_PASS or OVERRIDE_FAIL' }),
    comment: str().max(2000, 'expected at most 2000 characters').nullable().optional(),
  },
  { error: 'expected a JSON object {type, artifactVersion, artifactReference?, status, comment?}' },
);

/**
 * Parses `value` with a zod schema, mapping problems to a BadRequestError whose paths start with `where`.
 * @throws BadRequestError
 */
export function parseBody<T>(schema: z.ZodType<T>, value: unknown, where = 'body'): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ path: formatPath([where, ...i.path]), message: i.message }));
  throw new BadRequestError(issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
}

/** The body of keel's `POST /managed/application/{app}/pin` and `.../veto` (EnvironmentArtifactPin / Veto). */
export const pinBody = z.object(
  {
    targetEnvironment: str('an environment name').min(1, 'expected an environment name'),
    reference: str('an artifact reference').min(1).optional(),
    version: str('a version').min(1, 'expected a version'),
    comment: str().max(2000, 'expected at most 2000 characters').nullable().optional(),
  },
  { error: 'expected a JSON object {targetEnvironment, reference?, version, comment?}' },
);

/** Duplicate environment names and artifact references in a document that did not pass the shape check. */
function rawDuplicateIssues(doc: unknown): Issue[] {
  const issues: Issue[] = [];
  const d = doc as { environments?: unknown; artifacts?: unknown } | null;
  const dupes = (list: unknown, key: (x: Record<string, unknown>) => unknown, path: (i: number) => string, what: string) => {
    if (!Array.isArray(list)) return;
    const seen = new Set<string>();
    list.forEach((x, i) => {
      const k = x && typeof x === 'object' ? key(x as Record<string, unknown>) : undefined;
      if (typeof k !== 'string') return;
      if (seen.has(k)) issues.push({ path: path(i), message: `duplicate ${what} "${k.slice(0, 100)}"` });
      seen.add(k);
    });
  };
  if (d && typeof d === 'object') {
    dupes(d.environments, (x) => x.name, (i) => `environments[${i}].name`, 'environment');
    dupes(d.artifacts, (x) => x.reference ?? x.name, (i) => `artifacts[${i}].reference`, 'reference');
  }
  return issues;
}

/**
 * The `deploy` pipelines a (possibly invalid) delivery config document names, with their paths, so an unknown
 * pipeline is reported together with every other problem. `application` defaults to the document's.
 */
export function rawDeployTargets(doc: unknown): Array<{ path: string; application: string; pipeline: string }> {
  const d = doc as { application?: unknown; environments?: unknown } | null;
  if (!d || typeof d !== 'object' || !Array.isArray(d.environments)) return [];
  const out: Array<{ path: string; application: string; pipeline: string }> = [];
  d.environments.forEach((e, i) => {
    const dep = e && typeof e === 'object' ? (e as { deploy?: { pipeline?: unknown; application?: unknown } }).deploy : undefined;
    const app = typeof dep?.application === 'string' ? dep.application : d.application;
    if (dep && typeof dep.pipeline === 'string' && dep.pipeline !== '' && typeof app === 'string') out.push({ path: `environments[${i}].deploy.pipeline`, application: app, pipeline: dep.pipeline });
  });
  return out;
}
