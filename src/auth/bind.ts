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
