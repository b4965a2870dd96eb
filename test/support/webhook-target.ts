/**
 * A local HTTP server on 127.0.0.1 for webhook stage tests: it records every request and answers each path from a
 * script of responses the test sets (the last one repeats), so a test can say "503 twice, then 200".
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TargetRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON, or undefined. */
  json: unknown;
}

export interface TargetResponse {
  status: number;
  /** An object is sent as JSON; a string as is. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Send the body in chunks without Content-Length. */
  chunked?: boolean;
  /** Wait this long before answering (to provoke timeouts). */
  delayMs?: number;
}

export type Responder = TargetResponse | ((req: TargetRequest) => TargetResponse);

export interface WebhookTarget {
  /** `http://127.0.0.1:<port>` */
  base: string;
  port: number;
  requests: TargetRequest[];
  /** Requests to `path` (any method). */
  requestsTo(path: string): TargetRequest[];
  /** Scripts the answers for `method path`; each request takes the next one, the last repeats. */
  on(method: string, path: string, ...responses: Responder[]): void;
  close(): Promise<void>;
}

/** Starts the target on `port` (0: any free port). Unscripted paths answer 404. */
export async function startWebhookTarget(port = 0): Promise<WebhookTarget> {
  const scripts = new Map<string, Responder[]>();
  const requests: TargetRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      const path = req.url ?? '/';
      const r: TargetRequest = { method: req.method ?? 'GET', path, headers: req.headers, text, json };
      requests.push(r);
      const script = scripts.get(`${r.method} ${path.split('?')[0]}`);
      const next = script && script.length > 0 ? (script.length > 1 ? script.shift()! : script[0]!) : { status: 404, body: { error: 'not scripted' } };
      const answer = typeof next === 'function' ? next(r) : next;
      const send = () => {
        if (res.destroyed) return;
        const body = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
        const headers: Record<string, string> = { ...(typeof answer.body === 'object' ? { 'content-type': 'application/json' } : {}), ...answer.headers };
        if (answer.chunked) {
          res.writeHead(answer.status, { ...headers, 'transfer-encoding': 'chunked' });
          for (let i = 0; i < body.length; i += 64 * 1024) res.write(body.slice(i, i + 64 * 1024));
          res.end();
          return;
        }
        res.writeHead(answer.status, headers);
        res.end(body);
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    base: `http://127.0.0.1:${actual}`,
    port: actual,
    requests,
    requestsTo: (path) => requests.filter((r) => r.path.split('?')[0] === path),
    on(method, path, ...responses) {
      scripts.set(`${method.toUpperCase()} ${path}`, responses);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 with nothing listening (bound then released). */
export async function unusedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
