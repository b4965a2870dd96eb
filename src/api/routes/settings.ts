/**
 * `GET /settings/slack`: how this service talks to Slack, for the Settings page —
 * `{mode, connected, bot, team, scopes, lastDeliveryError, manifest, manifestYaml, error?}`.
 *
 * - `mode`: `slack`, `sandbox` (the built-in stand-in, `slack.mode`) or `off` (`slack.enabled` false).
 * - `connected`, `bot` `{id, userId, name}`, `team` `{id, name, url}`, `scopes`: from `auth.test` (scopes from its
 *   `x-oauth-scopes` header), asked at most once per {@link AUTH_TEST_CACHE_MS}; `error` is Slack's error word
 *   when auth.test fails (e.g. `invalid_auth`). Never a token.
 * - `lastDeliveryError`: the newest Slack delivery still failing or given up, `{what, error, status, attempts, at}`
 *   (epoch ms), or null.
 * - `manifest`: the app manifest for this service (`server.publicUrl`, Socket Mode, user groups as configured), and
 *   the same as YAML in `manifestYaml`.
 */
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../store/index.js';
import { SlackApiError, type SlackApi, type SlackAuthInfo } from '../../slack/client.js';
import { buildManifest, manifestToText, type SlackAppManifest } from '../../slack/manifest.js';

/** How long an auth.test answer is reused, ms. */
export const AUTH_TEST_CACHE_MS = 30_000;

export interface SettingsRouteDeps {
  store: Store;
  mode: 'slack' | 'sandbox' | 'off';
  /** The client the service uses (pointed at the sandbox in sandbox mode); null when off. */
  slack: SlackApi | null;
  /** Inputs of the manifest. */
  manifest: { appName: string; displayName: string; publicUrl: string; socketMode: boolean; userGroups: boolean };
}

export function settingsRoutes(app: FastifyInstance, deps: SettingsRouteDeps): void {
  let cached: { at: number; value: { ok: true; info: SlackAuthInfo } | { ok: false; error: string } } | null = null;

  const authTest = async () => {
    if (!deps.slack) return null;
    if (cached && Date.now() - cached.at < AUTH_TEST_CACHE_MS) return cached.value;
    let value: { ok: true; info: SlackAuthInfo } | { ok: false; error: string };
    try {
      value = { ok: true, info: await deps.slack.authTest() };
    } catch (err) {
      value = { ok: false, error: err instanceof SlackApiError ? err.code : 'request_error' };
    }
    cached = { at: Date.now(), value };
    return value;
  };

  app.get('/settings/slack', async () => {
    const auth = await authTest();
    let manifest: SlackAppManifest | null = null;
    let manifestError: string | null = null;
    try {
      manifest = buildManifest({
        appName: deps.manifest.appName,
        displayName: deps.manifest.displayName,
        gateUrl: deps.manifest.publicUrl,
        socketMode: deps.manifest.socketMode,
        userGroups: deps.manifest.userGroups,
      });
    } catch (err) {
      manifestError = (err as Error).message;
    }
    const last = await deps.store.repos.outbox.lastProblem('slack.');
    return {
      mode: deps.mode,
      connected: auth?.ok === true,
      ...(auth && !auth.ok ? { error: auth.error } : {}),
      bot: auth?.ok ? { id: auth.info.botId, userId: auth.info.userId, name: auth.info.user } : null,
      team: auth?.ok ? { id: auth.info.teamId, name: auth.info.team, url: auth.info.url } : null,
      scopes: auth?.ok ? (auth.info.scopes ?? null) : null,
      lastDeliveryError: last,
      manifest,
      manifestYaml: manifest ? manifestToText(manifest, 'yaml') : null,
      ...(manifestError ? { manifestError } : {}),
    };
  });
}
