/**
 * The configuration reference: every setting, its default, its environment variable and what it does. The
 * loader reads its environment variable names from here, so this table and the behaviour can't drift apart.
 */

/** One row of the configuration reference (what the README's table is generated from). */
export interface ConfigReferenceEntry {
  /** Dotted YAML key, e.g. `server.port`. */
  key: string;
  /** The default as text; `(none)` when unset by default. */
  default: string;
  /** Environment variable that overrides the file's value, when there is one. */
  env?: string;
  /** Short and exact. */
  description: string;
}

/** Environment variable naming the YAML file to read when `loadConfig` is not given one. */
export const CONFIG_FILE_ENV = 'SLACKOPS_CONFIG';

/** Environment variable for each key that has one. Values from the environment win over the file. */
export const ENV_VARS = {
  'server.host': 'SLACKOPS_SERVER_HOST',
  'server.port': 'SLACKOPS_SERVER_PORT',
  'server.publicUrl': 'SLACKOPS_SERVER_PUBLIC_URL',
  'database.url': 'SLACKOPS_DATABASE_URL',
  'slack.enabled': 'SLACKOPS_SLACK_ENABLED',
  'slack.mode': 'SLACKOPS_SLACK_MODE',
  'slack.token': 'SLACKOPS_SLACK_TOKEN',
  'slack.botName': 'SLACKOPS_SLACK_BOT_NAME',
  'slack.signingSecret': 'SLACKOPS_SLACK_SIGNING_SECRET',
  'slack.baseUrl': 'SLACKOPS_SLACK_BASE_URL',
  'slack.socketMode': 'SLACKOPS_SLACK_SOCKET_MODE',
  'slack.appToken': 'SLACKOPS_SLACK_APP_TOKEN',
  'logging.level': 'SLACKOPS_LOG_LEVEL',
  'auth.enabled': 'SLACKOPS_AUTH_ENABLED',
} as const;

export type EnvKey = keyof typeof ENV_VARS;

/**
 * The configuration reference table. Settings come from a YAML file (the one the caller names, else
 * `$SLACKOPS_CONFIG`, else none) and the environment; the environment wins; empty values count as unset. Unknown keys are errors.
 * The alias rows are Spinnaker echo's spellings (`slack.app.*`, snake_case), accepted so an echo config can be
 * reused; setting an alias and its main key to different values is an error.
 */
export const CONFIG_REFERENCE: ConfigReferenceEntry[] = [
  {
    key: 'server.host',
    default: '127.0.0.1',
    env: ENV_VARS['server.host'],
    description: 'Address the HTTP server listens on (0.0.0.0 for all IPv4 interfaces).',
  },
  {
    key: 'server.port',
    default: '8084',
    env: ENV_VARS['server.port'],
    description: 'TCP port the HTTP server listens on (1-65535; 0 picks a free port — then set server.publicUrl, as the default would say :0).',
  },
  {
    key: 'server.publicUrl',
    default: 'http://<host>:<port>',
    env: ENV_VARS['server.publicUrl'],
    description:
      'Base URL people and Slack reach the service at; used in links. http(s), trailing slash removed; host 0.0.0.0/:: becomes localhost in the default.',
  },
  {
    key: 'database.url',
    default: 'sqlite:./data/slackops.db',
    env: ENV_VARS['database.url'],
    description:
      'sqlite:PATH (relative to the working directory), sqlite::memory:, or postgres://user:password@host:5432/db (postgresql:// too).',
  },
  {
    key: 'database.leaseMs',
    default: '60000',
    description:
      "How long a replica holds claimed work (renewed while it runs) before another may take it over, in ms (2000-3600000); deliveries 2x, Slack clicks 0.5x.",
  },
  {
    key: 'slack.enabled',
    default: 'false',
    env: ENV_VARS['slack.enabled'],
    description:
      'Post judgment messages to Slack and accept button clicks. Requires slack.token, and slack.signingSecret (HTTP callback) or slack.appToken (Socket Mode).',
  },
  {
    key: 'slack.mode',
    default: 'sandbox',
    env: ENV_VARS['slack.mode'],
    description:
      'slack, or sandbox: the built-in Slack stand-in at /#/slack-sandbox (no token needed). Default slack when slack.token or slack.enabled is set.',
  },
  {
    key: 'slack.token',
    default: '(none)',
    env: ENV_VARS['slack.token'],
    description: 'Bot token (xoxb-...) used for Slack Web API calls. Secret.',
  },
  {
    key: 'slack.botName',
    default: 'slackops',
    env: ENV_VARS['slack.botName'],
    description: "The bot's @-name used in hints (\"invite it with /invite @slackops\"); the name Slack shows is set in the app (slackops manifest --display-name).",
  },
  {
    key: 'slack.signingSecret',
    default: '(none)',
    env: ENV_VARS['slack.signingSecret'],
    description: "Slack app's signing secret; every request from Slack is checked against it. Secret.",
  },
  {
    key: 'slack.baseUrl',
    default: 'https://slack.com',
    env: ENV_VARS['slack.baseUrl'],
    description: 'Slack Web API base URL (methods are called at <baseUrl>/api/<method>); change only for tests or proxies.',
  },
  {
    key: 'slack.socketMode',
    default: 'false',
    env: ENV_VARS['slack.socketMode'],
    description:
      'Take button clicks over Socket Mode (a WebSocket this service opens to Slack), not the public callback URL. Needs slack.appToken, not slack.signingSecret.',
  },
  {
    key: 'slack.appToken',
    default: '(none)',
    env: ENV_VARS['slack.appToken'],
    description: 'App-level token (xapp-..., scope connections:write) that opens the Socket Mode connection. Not slack.app.token. Secret.',
  },
  {
    key: 'logging.level',
    default: 'info',
    env: ENV_VARS['logging.level'],
    description: 'Log level: fatal, error, warn, info, debug, trace or silent.',
  },
  {
    key: 'authz.roles',
    default: '{}',
    description:
      'Role name → list of member emails (compared case-insensitively), for stages that limit who may judge (selectedStageRoles, requiredJudgmentRoles).',
  },
  {
    key: 'authz.slackUserGroups',
    default: 'false',
    description:
      'Slack user groups count as roles too (group handle = role). Needs the bot scope usergroups:read to list groups and members (manifest --user-groups).',
  },
  {
    key: 'authz.userGroupCacheMs',
    default: '300000',
    description: 'How long Slack user-group membership is reused before Slack is asked again, in ms (0 = every time).',
  },
  {
    key: 'slack.responseUrlHosts',
    default: '["hooks.slack.com"]',
    description:
      "Hosts a Slack response_url may point at (https; names or *.example.com); slack.baseUrl's origin is always allowed, anything else never called.",
  },
  {
    key: 'auth.enabled',
    default: 'false',
    env: ENV_VARS['auth.enabled'],
    description:
      'Require a token or trusted proxy on the API (not /health, the Slack callback, webhook triggers). Default true when server.host is not loopback.',
  },
  {
    key: 'auth.allowUnauthenticated',
    default: 'false',
    description:
      'Deliberately serve a non-loopback server.host with nobody authenticating (auth.enabled false, or no tokens/proxies); otherwise the start is refused.',
  },
  {
    key: 'auth.tokens',
    default: '[]',
    description:
      'API tokens [{name, tokenSha256, user, roles}] for Authorization: Bearer <token>; only the SHA-256 is stored. slackops token create prints one.',
  },
  {
    key: 'auth.trustedHeader',
    default: 'X-SPINNAKER-USER',
    description:
      "Header a proxy sets to the user's email (Gate's). With auth enabled believed only from auth.trustedProxies; with auth disabled from anyone.",
  },
  {
    key: 'auth.trustedProxies',
    default: '[]',
    description: 'IP addresses and CIDR ranges (10.0.0.0/8, ::1) of the proxies whose auth.trustedHeader is believed.',
  },
  {
    key: 'auth.adminRoles',
    default: '[]',
    description: 'Roles whose holders are administrators (reported by GET /auth/me; application permissions use it).',
  },
  {
    key: 'auth.oidc.issuer',
    default: '(none)',
    description:
      "OpenID Connect issuer for the web UI's Log in (https; http only on loopback). Register <publicUrl>/auth/callback as the client's redirect URI.",
  },
  { key: 'auth.oidc.clientId', default: '(none)', description: 'Client id registered at the issuer (required with auth.oidc.issuer).' },
  {
    key: 'auth.oidc.clientSecret',
    default: '(none)',
    description: 'Client secret, sent with HTTP Basic (client_secret_basic); unset for a public client (PKCE only). Secret; ${file:...} works.',
  },
  {
    key: 'auth.oidc.scopes',
    default: '["openid","email","profile"]',
    description: 'Scopes asked for (openid always added); add groups where the provider releases the groups claim only for it (Dex, Okta).',
  },
  {
    key: 'auth.oidc.groupsClaim',
    default: 'groups',
    description: 'Claim (ID token, else userinfo) whose values become the user\'s roles; a dotted path reaches nested claims (realm_access.roles).',
  },
  {
    key: 'auth.sessionSecret',
    default: '(random at start)',
    description:
      'Key signing session cookies and CSRF tokens (32+ characters). Unset: made up at start, so logins end at restart and do not work across replicas. Secret.',
  },
  { key: 'auth.sessionTtlMs', default: '43200000', description: 'How long a login lasts, in ms (60000 to 30 days); then Log in again.' },
  {
    key: 'webhook.allowedHosts',
    default: '(none)',
    description:
      'When set, webhook stages may only call these hosts: names, *.example.com, or IP/CIDR ranges matched against the resolved address.',
  },
  {
    key: 'webhook.deniedCidrs',
    default: '["169.254.0.0/16","fe80::/10","fd00:ec2::254/128"]',
    description:
      'Addresses webhook stages never connect to, checked after DNS on every request; default link-local/metadata (loopback, private allowed). Replaces the default.',
  },
  { key: 'slack.signing_secret', default: '(none)', description: 'Alias of slack.signingSecret (echo).' },
  { key: 'slack.app.token', default: '(none)', description: 'Alias of slack.token (echo): the bot token, not slack.appToken.' },
  { key: 'slack.app.signingSecret', default: '(none)', description: 'Alias of slack.signingSecret (echo).' },
  { key: 'slack.app.signing_secret', default: '(none)', description: 'Alias of slack.signingSecret (echo).' },
];

/**
 * CONFIG_REFERENCE as a Markdown table (key | default | environment | description), preceded by one line about
 * `SLACKOPS_CONFIG`; for pasting into the README.
 */
export function configReferenceMarkdown(): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|');
  const rows = CONFIG_REFERENCE.map(
    (e) => `| \`${e.key}\` | \`${cell(e.default)}\` | ${e.env !== undefined ? `\`${e.env}\`` : ''} | ${cell(e.description)} |`,
  );
  return [
    `Settings come from a YAML file (the one named on the command line, else \`${CONFIG_FILE_ENV}\`) and from environment variables, which win over the file. Empty values count as unset; unknown keys are errors.`,
    '',
    '| key | default | environment | description |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}
