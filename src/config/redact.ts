import type { Config } from './load.js';
import { maskUrlPassword } from './values.js';

/** `Config` with its secrets replaced: `'***'` where a secret is set, null where it is not. */
export interface RedactedConfig {
  server: Config['server'];
  database: { url: string };
  slack: Omit<Config['slack'], 'token' | 'signingSecret' | 'appToken'> & {
    token: '***' | null;
    signingSecret: '***' | null;
    appToken: '***' | null;
  };
  logging: Config['logging'];
  /** As configured (role members' emails are not secrets). */
  authz: Config['authz'];
  /**
   * As configured: tokens appear by name, user and roles; their SHA-256 is not a secret, the token is never stored.
   * `oidc.clientSecret` and `sessionSecret` become `'***'` when set.
   */
  auth: Omit<Config['auth'], 'oidc' | 'sessionSecret'> & {
    oidc: (Omit<NonNullable<Config['auth']['oidc']>, 'clientSecret'> & { clientSecret: '***' | null }) | null;
    sessionSecret: '***' | null;
  };
  webhook: Config['webhook'];
}

/**
 * A copy of the configuration that is safe to print (`slackops config check`, startup logs): `slack.token`,
 * `slack.signingSecret` and `slack.appToken` become `'***'` when set and stay null when not; a password in
 * `database.url` (`postgres://user:password@...` or `?password=...`) or in `slack.baseUrl` (a proxy's
 * `https://user:password@...`) becomes `***`. The input is not changed
 * (the copy shares nothing with it).
 */
export function redactedConfig(config: Config): RedactedConfig {
  return {
    server: { ...config.server },
    database: { url: maskUrlPassword(config.database.url).replace(/([?&]password=)[^&#]*/gi, '$1***') },
    slack: {
      ...config.slack,
      responseUrlHosts: [...config.slack.responseUrlHosts],
      baseUrl: maskUrlPassword(config.slack.baseUrl),
      token: config.slack.token === null ? null : '***',
      signingSecret: config.slack.signingSecret === null ? null : '***',
      appToken: config.slack.appToken === null ? null : '***',
    },
    logging: { ...config.logging },
    authz: {
      ...config.authz,
      roles: Object.fromEntries(Object.entries(config.authz.roles).map(([role, emails]) => [role, [...emails]])),
    },
    auth: {
      ...config.auth,
      tokens: config.auth.tokens.map((t) => ({ ...t, roles: [...t.roles] })),
      trustedProxies: [...config.auth.trustedProxies],
      adminRoles: [...config.auth.adminRoles],
      oidc:
        config.auth.oidc === null
          ? null
          : { ...config.auth.oidc, scopes: [...config.auth.oidc.scopes], clientSecret: config.auth.oidc.clientSecret === null ? null : '***' },
      sessionSecret: config.auth.sessionSecret === null ? null : '***',
    },
    webhook: {
      allowedHosts: config.webhook.allowedHosts === null ? null : [...config.webhook.allowedHosts],
      deniedCidrs: [...config.webhook.deniedCidrs],
    },
  };
}

/**
 * pino `redact` paths (fast-redact syntax) covering the configuration's secrets wherever our logs may carry them:
 * the config object itself (top level, under `config`, or one or two levels down), Slack's echo-style alias keys,
 * the app-level token (`appToken`, Socket Mode's `xapp-...`),
 * HTTP headers with credentials (`authorization` — Slack Web API calls carry `Bearer xoxb-...` or, for
 * `apps.connections.open`, `Bearer xapp-...` —, cookies,
 * `x-slack-signature`), axios-style error configs (the Slack SDK's HTTP client), Slack's `response_url`
 * (a capability URL) and the database URL (it may hold a password; print `redactedConfig(config)` to show it).
 *
 * Use as `pino({ redact: { paths: SECRET_LOG_PATHS, censor: '***' } })`. Note `*.x` matches exactly one level;
 * deeper nesting needs its own path.
 */
export const SECRET_LOG_PATHS: string[] = [
  // the config or its slack section, wherever it sits
  'token',
  'signingSecret',
  'signing_secret',
  'appToken',
  'slack.token',
  'slack.signingSecret',
  'slack.signing_secret',
  'slack.appToken',
  'slack.app.token',
  'slack.app.signingSecret',
  'slack.app.signing_secret',
  'config.slack.token',
  'config.slack.signingSecret',
  'config.slack.appToken',
  'config.database.url',
  'database.url',
  '*.token',
  '*.signingSecret',
  '*.signing_secret',
  '*.appToken',
  '*.*.token',
  '*.*.signingSecret',
  '*.*.signing_secret',
  '*.*.appToken',
  // OpenID Connect client secret and the session key (auth.oidc.clientSecret, auth.sessionSecret)
  'clientSecret',
  'sessionSecret',
  '*.clientSecret',
  '*.sessionSecret',
  '*.*.clientSecret',
  '*.*.*.clientSecret',
  'auth.oidc.clientSecret',
  'config.auth.oidc.clientSecret',
  'config.auth.sessionSecret',
  // HTTP requests and responses (ours and Slack's)
  'headers.authorization',
  'headers.Authorization',
  'headers.cookie',
  'headers["x-slack-signature"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-slack-signature"]',
  'request.headers.authorization',
  'request.headers["x-slack-signature"]',
  'res.headers["set-cookie"]',
  'headers["set-cookie"]',
  '*.headers.cookie',
  '*.headers.authorization',
  '*.headers.Authorization',
  'err.config.headers.Authorization',
  'err.config.headers.authorization',
  'error.config.headers.Authorization',
  'error.config.headers.authorization',
  // Slack interaction payloads
  'response_url',
  '*.response_url',
];
