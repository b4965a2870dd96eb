/**
 * Worker thread of the callback-acknowledgement part: runs autocannon against the Slack callback so the load
 * generator has its own event loop and does not delay the service it measures (they still share the CPUs).
 *
 * workerData: {@link AckLoad}. Each request takes the next form body in `bodies` (round robin) and is signed
 * as Slack signs it (`v0:<timestamp>:<body>`, HMAC-SHA256 with the signing secret) with the current timestamp,
 * so every request carries a valid, fresh signature. Posts back an {@link AckLoadResult}.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { computeSlackSignature } from '../../src/slack/signature.js';

export interface AckLoad {
  /** The callback URL, e.g. http://127.0.0.1:1234/notifications/callbacks/slack. */
  url: string;
  signingSecret: string;
  /** Form bodies (`payload=<url-encoded JSON>`), sent in order, then again from the start. */
  bodies: string[];
  /** Offered rate over all connections, requests per second (autocannon `overallRate`). */
  rate: number;
  /** How long to offer it, in seconds: `rate × durationS` requests are sent (autocannon `amount`). */
  durationS: number;
  connections: number;
}

export interface AckLoadResult {
  /** Latency of every answered request, ms from sending to the whole answer (autocannon's responseTime). */
  latenciesMs: number[];
  /** Answers by status code. */
  statusCodes: Record<string, number>;
  errors: number;
  timeouts: number;
  /** Wall time of the run, from starting autocannon to its last answer, ms. */
  elapsedMs: number;
}

const load = workerData as AckLoad;
let next = 0;
const latenciesMs: number[] = [];
const statusCodes: Record<string, number> = {};
const started = performance.now();
const instance = autocannon(
  {
    url: load.url,
    method: 'POST',
    connections: load.connections,
    overallRate: load.rate,
    amount: load.rate * load.durationS,
    requests: [
      {
        setupRequest: (req) => {
          const body = load.bodies[next++ % load.bodies.length]!;
          const timestamp = String(Math.floor(Date.now() / 1000));
          return {
            ...req,
            body,
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              'x-slack-request-timestamp': timestamp,
              'x-slack-signature': computeSlackSignature(load.signingSecret, timestamp, body),
            },
          };
        },
      },
    ],
  },
  (err, result) => {
    if (err) throw err;
    const out: AckLoadResult = { latenciesMs, statusCodes, errors: result.errors, timeouts: result.timeouts, elapsedMs: performance.now() - started };
    parentPort!.postMessage(out);
  },
);
instance.on('response', (_client, statusCode, _bytes, responseTime) => {
  latenciesMs.push(responseTime);
  statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
});
