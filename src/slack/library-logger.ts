/**
 * The Slack libraries' loggers (@slack/web-api, @slack/socket-mode) routed into ours: their info as debug, their
 * warnings and errors as warn, their debug chatter dropped (it prints whole payloads), and every line scrubbed of
 * tokens, response_urls and WebSocket tickets.
 */
import { LogLevel, type Logger as SlackLogger } from '@slack/web-api';

/** A pino-compatible sink (pino's Logger fits). */
export interface LibraryLogSink {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** Removes `token` and anything shaped like a Slack token, a response_url or a Socket Mode ticket. */
export function scrubSecrets(text: string, token: string | undefined): string {
  return (token ? text.split(token).join('[token]') : text)
    .replace(/\b(xox[a-z]|xapp)-[A-Za-z0-9-]+/g, '[token]')
    .replace(/https:\/\/hooks\.slack\.com\/\S+/g, '[response_url]')
    .replace(/ticket=[^&\s"]+/g, 'ticket=[redacted]');
}

/** JSON.stringify that never throws (cycles, BigInt). */
export function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/**
 * @param component tag on every line, e.g. `slack-web-api`.
 * @param maxLength longest line kept, characters.
 */
export function libraryLogger(sink: LibraryLogSink | undefined, token: string, component: string, maxLength: number, initial: LogLevel): SlackLogger {
  let level: LogLevel = initial;
  const send = (kind: 'debug' | 'warn', msg: unknown[]): void => {
    if (!sink) return;
    const text = msg.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : safeJson(m))).join(' ');
    sink[kind]({ component }, scrubSecrets(text, token).slice(0, maxLength));
  };
  return {
    debug: () => undefined,
    info: (...msg: unknown[]) => send('debug', msg),
    warn: (...msg: unknown[]) => send('warn', msg),
    error: (...msg: unknown[]) => send('warn', msg),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
