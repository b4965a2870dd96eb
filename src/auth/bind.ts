/**
 * The start-up rule: a service reachable from other machines must authenticate its callers, or say deliberately
 * that it does not.
 */
import { isLoopbackHost, type Config } from '../config/index.js';

/** Thrown by `assertBindAllowed`; the message explains how to fix the configuration. */
export class BindRefusedError extends Error {
  override readonly name = 'BindRefusedError';
}

/**
 * Refuses to serve a non-loopback `server.host`
 * - with `auth.enabled: false`, unless `auth.allowUnauthenticated: true`;
 * - with auth enabled but no way to authenticate (no `auth.tokens`, no `auth.trustedProxies`, no `auth.oidc`), unless
 *   `auth.allowUnauthenticated: true` — every API call would be a 401.
 * Loopback (`127.0.0.0/8`, `::1`, `localhost`) is always allowed.
 * @throws BindRefusedError saying which settings to change.
 */
export function assertBindAllowed(config: Pick<Config, 'server' | 'auth'>): void {
  const { host } = config.server;
  const { auth } = config;
  if (isLoopbackHost(host) || auth.allowUnauthenticated) return;
  if (!auth.enabled) {
    throw new BindRefusedError(
      `refusing to serve ${host} without authentication: anyone who reaches it could trigger pipelines and judge them. ` +
        'Enable it (auth.enabled: true, with auth.tokens from "slackops token create" and/or auth.trustedProxies for an authenticating proxy), ' +
        'bind to 127.0.0.1, or set auth.allowUnauthenticated: true to serve it unauthenticated deliberately.',
    );
  }
  if (auth.tokens.length === 0 && auth.trustedProxies.length === 0 && auth.oidc === null) {
    throw new BindRefusedError(
      `refusing to serve ${host}: authentication is on (the default off loopback) but nobody could authenticate. ` +
        'Add auth.tokens (slackops token create prints an entry), auth.trustedProxies (the proxy that sets X-SPINNAKER-USER) or auth.oidc (web UI login), ' +
        'or set auth.allowUnauthenticated: true to serve it unauthenticated deliberately.',
    );
  }
}

/**
 * Settings that are allowed but risky, as warnings to log at start-up (none: an empty list):
 * - the Slack sandbox (`slack.mode: sandbox`, the default without a bot token) on a non-loopback bind: anyone who can
 *   log in can see every sandbox message (and, with auth disabled, click as any sandbox user);
 * - auth disabled off loopback with `auth.allowUnauthenticated: true`: anyone can claim any identity with the
 *   trusted header;
 * - `auth.trustedProxies` containing `0.0.0.0/0` or `::/0`: every peer is believed about the trusted header.
 */
export function startupWarnings(config: Pick<Config, 'server' | 'auth'> & { slack: { mode: string } }): string[] {
  const warnings: string[] = [];
  const offLoopback = !isLoopbackHost(config.server.host);
  if (offLoopback && config.slack.mode === 'sandbox') {
    warnings.push(
      `the Slack sandbox is on and ${config.server.host} is not loopback: every authenticated user sees every sandbox message` +
        (config.auth.enabled ? '' : ' and, with auth disabled, anyone can click as any sandbox user') +
        '; configure a real Slack workspace (slack.botToken) or set slack.enabled: false for a shared deployment',
    );
  }
  if (offLoopback && !config.auth.enabled && config.auth.allowUnauthenticated) {
    warnings.push(
      `AUTHENTICATION IS OFF on ${config.server.host} (auth.allowUnauthenticated: true): anyone who reaches it can claim any identity with the ${config.auth.trustedHeader} header, trigger pipelines and judge them`,
    );
  }
  const everyone = config.auth.trustedProxies.filter((c) => ['0.0.0.0/0', '::/0'].includes(c.trim()));
  if (everyone.length > 0) {
    warnings.push(`auth.trustedProxies contains ${everyone.join(' and ')}: every peer is believed when it sends ${config.auth.trustedHeader}, so anyone can claim any identity`);
  }
  return warnings;
}
