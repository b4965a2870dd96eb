/**
 * The service's Prometheus metrics (prom-client), served by `GET /metrics` in the text exposition format.
 *
 * Each service instance has its own {@link Registry} (never prom-client's global default one), so several services
 * in one process (tests, a replica pair) keep their figures apart. Two kinds of figures:
 *
 * - **Cluster-wide gauges**, read from the database at scrape time ({@link readGauges}): executions by application
 *   and status, outbox depth, queue depth and lag. Every replica on one PostgreSQL answers the same values; sum or
 *   average them across replicas and you count them twice (use `max by (...)` or scrape one replica for them).
 * - **Per-replica counters and histograms**, observed where the work happens: stage durations and judgment wait
 *   times (on the replica whose engine committed the change), Slack callback latency (on the replica that answered
 *   Slack), Slack Web API calls (on the replica that made them). Sum them across replicas.
 *
 * prom-client's default process metrics (CPU, memory, event loop lag, GC, ...) are prefixed `slackops_`. They
 * describe the process, not the service, so they are collected once per process into a private registry shared by
 * the services of that process and merged into each service's registry.
 *
 * Labels carry only bounded values: statuses, stage types, Slack method names and error codes, HTTP status codes,
 * and application names (as many as the applications configured). Never execution ids, user or channel names,
 * tokens or secrets — those belong in the logs.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Store } from '../store/index.js';
import { readGauges, type GaugeSnapshot } from '../store/gauges.js';
import { EXECUTION_STATUSES } from '../model/status.js';
import type { EngineObserver } from '../engine/engine.js';

/** Prefix of every metric name. */
export const METRIC_PREFIX = 'slackops_';

/** Stage durations: from 10 ms (a wait 0) to 3 days (orca's default judgment timeout). Seconds. */
export const STAGE_DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 12 * 3600, 86_400, 3 * 86_400];
/** Judgment waits: from 1 s (someone watching the channel) to 3 days. Seconds. */
export const JUDGMENT_WAIT_BUCKETS = [1, 5, 15, 60, 300, 900, 1800, 3600, 4 * 3600, 12 * 3600, 86_400, 3 * 86_400];
/** Slack callback handling: Slack gives up after 3 s. Seconds. */
export const CALLBACK_DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5];

let processRegistry: Registry | null = null;

/** The process-wide registry of prom-client's default metrics (`slackops_process_*`, `slackops_nodejs_*`), made once. */
function defaultMetricsRegistry(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: METRIC_PREFIX });
  }
  return processRegistry;
}

/** A label value that is safe to expose: short `[a-z0-9_.]` words pass, anything else becomes `other`. */
function boundedWord(value: string, pattern = /^[A-Za-z0-9_.]{1,64}$/): string {
  return pattern.test(value) ? value : 'other';
}

/** One Slack Web API call as {@link SlackApi}'s `onCall` hook reports it. */
export interface SlackCallReport {
  /** Web API method (`chat.postMessage`, ...) or `response_url`. */
  method: string;
  /** `ok`, or the error code of the failure (Slack's error string, `ratelimited`, `http_<status>`, `request_error`). */
  error: string;
}

export interface ServiceMetricsOptions {
  store: Store;
  /** Epoch ms clock for the queue lag (tests may move it). */
  clock?: () => number;
  /** Include prom-client's default process metrics (default true). */
  defaultMetrics?: boolean;
}

/** The metrics of one service instance: its registry, and the hooks the engine, the Slack client and the API call. */
export class ServiceMetrics {
  /** This service's registry (own metrics plus the process-wide default metrics). */
  readonly registry: Registry;
  private readonly clock: () => number;
  private readonly executions: Gauge<'application' | 'status'>;
  private readonly outboxDepth: Gauge;
  private readonly queueDepth: Gauge<'state'>;
  private readonly queueLag: Gauge;
  private readonly databaseUp: Gauge;
  private readonly stageDuration: Histogram<'stageType' | 'status'>;
  private readonly judgmentWait: Histogram<'judgmentStatus'>;
  private readonly callbackDuration: Histogram<'code'>;
  private readonly slackCalls: Counter<'method' | 'error'>;

  constructor(private readonly opts: ServiceMetricsOptions) {
    this.clock = opts.clock ?? Date.now;
    const own = new Registry();
    const registers = [own];
    this.executions = new Gauge({
      name: `${METRIC_PREFIX}executions`,
      help: 'Executions stored, by application and status (cluster-wide: read from the database at scrape time).',
      labelNames: ['application', 'status'],
      registers,
    });
    this.outboxDepth = new Gauge({
      name: `${METRIC_PREFIX}outbox_depth`,
      help: 'Notification outbox items still to deliver (pending: due now or waiting for a retry; cluster-wide).',
      registers,
    });
    this.queueDepth = new Gauge({
      name: `${METRIC_PREFIX}queue_depth`,
      help: 'Engine queue messages by state: due (waiting for a worker), claimed (being handled), scheduled (not due yet: waits, timeouts, retries). Cluster-wide.',
      labelNames: ['state'],
      registers,
    });
    this.queueLag = new Gauge({
      name: `${METRIC_PREFIX}queue_lag_seconds`,
      help: 'Age of the oldest due, unclaimed engine queue message in seconds (0 when none waits; cluster-wide).',
      registers,
    });
    this.databaseUp = new Gauge({
      name: `${METRIC_PREFIX}database_up`,
      help: 'Whether the database answered the queries of this scrape (1) or not (0: the cluster-wide gauges are then absent or NaN).',
      registers,
    });
    this.stageDuration = new Histogram({
      name: `${METRIC_PREFIX}stage_duration_seconds`,
      help: "Time from a stage's start to its end in seconds, by stage type and final status (per replica: observed where the stage completed).",
      labelNames: ['stageType', 'status'],
      buckets: STAGE_DURATION_BUCKETS,
      registers,
    });
    this.judgmentWait = new Histogram({
      name: `${METRIC_PREFIX}judgment_wait_seconds`,
      help: 'Time from a manual judgment stage starting to its decision in seconds, by judgmentStatus (per replica: observed where the decision was made).',
      labelNames: ['judgmentStatus'],
      buckets: JUDGMENT_WAIT_BUCKETS,
      registers,
    });
    this.callbackDuration = new Histogram({
      name: `${METRIC_PREFIX}slack_callback_duration_seconds`,
      help: 'Time to answer POST /notifications/callbacks/slack in seconds, by HTTP status code (per replica; Slack gives up after 3 s).',
      labelNames: ['code'],
      buckets: CALLBACK_DURATION_BUCKETS,
      registers,
    });
    this.slackCalls = new Counter({
      name: `${METRIC_PREFIX}slack_api_calls_total`,
      help: "Slack Web API calls by method and outcome: error is ok or the failure's code, e.g. ratelimited, channel_not_found, http_500, request_error (per replica).",
      labelNames: ['method', 'error'],
      registers,
    });
    this.registry = opts.defaultMetrics === false ? own : Registry.merge([defaultMetricsRegistry(), own]);
  }

  /** The Content-Type of {@link scrape}'s text (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /**
   * Reads the cluster-wide gauges from the database, then renders every metric in the Prometheus text format.
   * A database that does not answer sets `slackops_database_up 0`, leaves the labelled database gauges out and
   * sets the unlabelled ones to NaN (unknown); the per-replica metrics are still served. Never throws for the
   * database.
   */
  async scrape(): Promise<string> {
    const now = this.clock();
    let g: GaugeSnapshot | null = null;
    try {
      g = await readGauges(this.opts.store.db, now);
    } catch {
      g = null;
    }
    // Reset and set with no await in between, so that two scrapes at once never mix their figures.
    this.executions.reset();
    this.queueDepth.reset();
    this.outboxDepth.reset();
    this.queueLag.reset();
    this.databaseUp.set(g ? 1 : 0);
    if (!g) {
      // Unknown, not 0: a gauge without labels cannot be left out, so it says NaN (labelled ones are left out).
      this.outboxDepth.set(Number.NaN);
      this.queueLag.set(Number.NaN);
    } else {
      const applications = new Set(g.executions.map((e) => e.application));
      // Every status of a known application is shown, 0 included, so "RUNNING went to 0" is a value, not a gap.
      for (const application of applications) for (const status of EXECUTION_STATUSES) this.executions.set({ application, status }, 0);
      for (const e of g.executions) this.executions.set({ application: e.application, status: e.status }, e.count);
      this.outboxDepth.set(g.outboxPending);
      this.queueDepth.set({ state: 'due' }, g.queueDue);
      this.queueDepth.set({ state: 'claimed' }, g.queueClaimed);
      this.queueDepth.set({ state: 'scheduled' }, g.queueScheduled);
      this.queueLag.set(g.oldestDueAt === null ? 0 : Math.max(0, now - g.oldestDueAt) / 1000);
    }
    return this.registry.metrics();
  }

  /** The engine's observer: stage durations and judgment waits, converted from ms to seconds. */
  readonly engineObserver: EngineObserver = {
    stageCompleted: ({ stageType, status, durationMs }) => {
      if (durationMs === null || durationMs < 0) return;
      this.stageDuration.observe({ stageType: boundedWord(stageType), status }, durationMs / 1000);
    },
    judgmentDecided: ({ judgmentStatus, waitMs }) => {
      if (waitMs < 0) return;
      this.judgmentWait.observe({ judgmentStatus }, waitMs / 1000);
    },
  };

  /** The Slack client's `onCall` hook: counts one Web API call by method and outcome. */
  readonly slackCall = (call: SlackCallReport): void => {
    this.slackCalls.inc({ method: boundedWord(call.method), error: boundedWord(call.error, /^[a-z0-9_]{1,64}$/) });
  };

  /**
   * One answered Slack callback request.
   * @param code the HTTP status code answered.
   * @param seconds time from the request's arrival to the answer, in seconds.
   */
  callbackAnswered(code: number, seconds: number): void {
    this.callbackDuration.observe({ code: String(code) }, seconds);
  }
}
