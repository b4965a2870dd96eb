/**
 * The Slack app manifest SlackOps needs: a bot user that can post and update messages and read users' emails,
 * and interactivity — pointed at our callback path, or, with Socket Mode, delivered over the WebSocket the service
 * opens (no request URL). Paste the output into "Create an app → From an app manifest".
 *
 * Field names and limits come from Slack's manifest JSON Schema (slackapi/manifest-schema,
 * `manifest.schema.1.0.0.json`, draft-07): `display_information.name` 1–35 characters,
 * `features.bot_user.display_name` 1–80, `settings.interactivity.request_url` `^https?://` and ≤ 3,500 (optional:
 * only `is_enabled` is required), `settings.socket_mode_enabled` a boolean.
 */
import { stringify as toYaml } from 'yaml';

/** Path of the Slack interactivity callback, below the gate URL (Spinnaker echo's `/notifications/callbacks/slack`). */
export const SLACK_CALLBACK_PATH = '/notifications/callbacks/slack';

/** Bot scopes: chat:write (post, update), users:read + users:read.email (users.info with profile.email). */
export const SLACK_BOT_SCOPES = ['users:read', 'users:read.email', 'chat:write'] as const;

/**
 * The bot scope added by `userGroups: true` (`slackops manifest --user-groups`): `usergroups.list` and
 * `usergroups.users.list` need it to read which user groups exist and who is in them, so that a group's handle can
 * count as a judge's role (`authz.slackUserGroups`). Not asked for otherwise: an app should request only the
 * scopes it uses.
 */
export const SLACK_USER_GROUPS_SCOPE = 'usergroups:read';

const NAME_MAX = 35;
const DISPLAY_NAME_MAX = 80;
const REQUEST_URL_MAX = 3500;

/** The manifest as built (a subset of Slack's schema; every field here is Slack's). */
export interface SlackAppManifest {
  display_information: { name: string };
  features: { bot_user: { display_name: string; always_online: boolean } };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    /** `request_url` is absent in Socket Mode (Slack then sends interactions over the WebSocket). */
    interactivity: { is_enabled: boolean; request_url?: string };
    org_deploy_enabled: boolean;
    socket_mode_enabled: boolean;
    token_rotation_enabled: boolean;
  };
}

/** Options of {@link buildManifest}. */
export interface ManifestOptions {
  /** The app's name in Slack (`display_information.name`), 1–35 characters, not blank. */
  appName: string;
  /** The bot user's display name (`features.bot_user.display_name`), 1–80 characters, not blank. */
  displayName: string;
  /**
   * The public base URL of this service (`server.publicUrl`), http(s), without query, fragment or credentials; a
   * trailing `/` is dropped and `/notifications/callbacks/slack` appended to make
   * `settings.interactivity.request_url` (≤ 3,500 characters). Required unless `socketMode`; with `socketMode`
   * it is optional, still checked when given, and not put in the manifest.
   */
  gateUrl?: string | undefined;
  /**
   * Socket Mode (`slack.socketMode: true`): `settings.socket_mode_enabled: true` and interactivity enabled without
   * a request URL — Slack sends clicks over the WebSocket the service opens with its app-level token (created
   * by hand under Basic Information → App-Level Tokens with scope `connections:write`; a manifest cannot create
   * it). Default false.
   */
  socketMode?: boolean | undefined;
  /** Also ask for {@link SLACK_USER_GROUPS_SCOPE} (for `authz.slackUserGroups: true`). Default false. */
  userGroups?: boolean | undefined;
}

/**
 * Builds the app manifest. Without `socketMode` and `userGroups` the result is exactly the HTTP-callback manifest
 * (request URL under `gateUrl`, three bot scopes, Socket Mode off).
 *
 * @returns the manifest object (validates against Slack's schema 1.0.0).
 * @throws Error whose message names the option (`appName`, `displayName`, `gateUrl`) and what is wrong; a
 *   missing `gateUrl` without `socketMode` is such an error.
 */
export function buildManifest(opts: ManifestOptions): SlackAppManifest {
  const appName = checkName('appName', opts.appName, NAME_MAX);
  const displayName = checkName('displayName', opts.displayName, DISPLAY_NAME_MAX);
  const socketMode = opts.socketMode === true;
  let interactivity: SlackAppManifest['settings']['interactivity'];
  if (socketMode) {
    // Checked so that a mistyped URL is not silently accepted, but unused: Socket Mode has no request URL.
    if (opts.gateUrl !== undefined && opts.gateUrl.trim() !== '') callbackUrl(opts.gateUrl);
    interactivity = { is_enabled: true };
  } else {
    if (opts.gateUrl === undefined || (typeof opts.gateUrl === 'string' && opts.gateUrl.trim() === '')) {
      throw new Error('gateUrl must be a non-empty http(s) URL (it is required unless Socket Mode is used)');
    }
    interactivity = { is_enabled: true, request_url: callbackUrl(opts.gateUrl) };
  }
  const bot: string[] = [...SLACK_BOT_SCOPES];
  if (opts.userGroups === true) bot.push(SLACK_USER_GROUPS_SCOPE);
  return {
    display_information: { name: appName },
    features: { bot_user: { display_name: displayName, always_online: false } },
    oauth_config: { scopes: { bot } },
    settings: {
      interactivity,
      org_deploy_enabled: false,
      socket_mode_enabled: socketMode,
      token_rotation_enabled: false,
    },
  };
}

/**
 * Renders a manifest as YAML or JSON (2-space indent, trailing newline), the two formats Slack's app
 * configuration page accepts.
 * @throws Error when `format` is neither 'yaml' nor 'json'.
 */
export function manifestToText(manifest: object, format: 'yaml' | 'json'): string {
  if (format === 'json') return `${JSON.stringify(manifest, null, 2)}\n`;
  if (format === 'yaml') return toYaml(manifest, { indent: 2, lineWidth: 0 });
  throw new Error(`manifest format must be "yaml" or "json", not "${String(format)}"`);
}

function checkName(option: string, value: unknown, max: number): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new Error(`${option} must be a non-empty string (Slack manifest allows 1-${max} characters)`);
  }
  if ([...value].length > max) {
    throw new Error(`${option} is ${[...value].length} characters; the Slack manifest allows at most ${max}`);
  }
  return value;
}

function callbackUrl(gateUrl: unknown): string {
  if (typeof gateUrl !== 'string' || gateUrl.trim() === '') throw new Error('gateUrl must be a non-empty http(s) URL');
  let url: URL;
  try {
    url = new URL(gateUrl.trim());
  } catch {
    throw new Error('gateUrl is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`gateUrl must use http or https, not ${url.protocol.replace(/:$/, '')}`);
  }
  if (url.search || url.hash) throw new Error('gateUrl must not have a query string or fragment');
  if (url.username || url.password) throw new Error('gateUrl must not contain credentials');
  const requestUrl = `${gateUrl.trim().replace(/\/+$/, '')}${SLACK_CALLBACK_PATH}`;
  if (requestUrl.length > REQUEST_URL_MAX) {
    throw new Error(`gateUrl is too long: the request URL would exceed Slack's ${REQUEST_URL_MAX} characters`);
  }
  return requestUrl;
}
