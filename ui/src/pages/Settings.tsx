/**
 * `#/settings`: how the service talks to Slack (`GET /settings/slack`): the mode (Slack, the built-in sandbox, or
 * off), whether `auth.test` succeeds, the bot and workspace, the token's scopes (compared with the ones the app
 * needs), the last delivery error, and the app manifest to paste into Slack, with a copy button.
 */
import { useEffect, useState } from 'react';
import '../slack/blockkit.css';
import { useDocumentTitle } from '../a11y/useDocumentTitle';

interface SlackSettings {
  mode: 'slack' | 'sandbox' | 'off';
  connected: boolean;
  error?: string;
  bot: { id: string | null; userId: string; name: string } | null;
  team: { id: string; name: string; url: string } | null;
  scopes: string[] | null;
  lastDeliveryError: { kind: string; error: string; status: 'retrying' | 'failed'; attempts: number; at: number } | null;
  manifest: { oauth_config?: { scopes?: { bot?: string[] } } } | null;
  manifestYaml: string | null;
  manifestError?: string;
}

const MODE_WORDS: Record<SlackSettings['mode'], string> = {
  slack: 'Slack (a real workspace, with the configured bot token)',
  sandbox: 'Sandbox (the built-in stand-in for Slack: slack.mode is sandbox, the default without a bot token)',
  off: 'Off (slack.enabled: false): no messages are posted',
};

export default function Settings() {
  useDocumentTitle('Settings');
  const [s, setS] = useState<SlackSettings | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [copied, setCopied] = useState('');
  const [format, setFormat] = useState<'yaml' | 'json'>('yaml');

  useEffect(() => {
    let live = true;
    fetch('/settings/slack', { headers: { accept: 'application/json' } })
      .then(async (r) => {
        const body = await r.json();
        if (!r.ok) throw new Error(body?.message ?? `HTTP ${r.status}`);
        if (live) setS(body as SlackSettings);
      })
      .catch((err: Error) => live && setError(err.message));
    return () => {
      live = false;
    };
  }, []);

  if (error) return <section><h1>Settings</h1><p role="alert">Could not load the Slack settings: {error}</p></section>;
  if (!s) return <section><h1>Settings</h1><p role="status">Loading…</p></section>;

  const needed = s.manifest?.oauth_config?.scopes?.bot ?? [];
  const missing = s.scopes ? needed.filter((x) => !s.scopes!.includes(x)) : [];
  const manifestText = format === 'yaml' ? (s.manifestYaml ?? '') : s.manifest ? `${JSON.stringify(s.manifest, null, 2)}\n` : '';
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(manifestText);
      setCopied('Manifest copied to the clipboard.');
    } catch {
      // No clipboard permission (e.g. plain http on another host): select the text so Ctrl-C copies it.
      const pre = document.getElementById('manifest-text');
      if (pre) window.getSelection()?.selectAllChildren(pre);
      setCopied('Could not use the clipboard; the manifest is selected: press Ctrl-C (⌘-C) to copy it.');
    }
  };

  return (
    <section className="settings" aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <h2>Slack connection</h2>
      <dl>
        <dt>Mode</dt>
        <dd data-testid="slack-mode">{MODE_WORDS[s.mode]}</dd>
        <dt>Status</dt>
        <dd data-testid="slack-status">
          {s.mode === 'off' ? 'Not connected (Slack is off)' : s.connected ? '✔ Connected: auth.test succeeded' : `✖ Not connected: auth.test failed (${s.error ?? 'unknown error'})`}
        </dd>
        <dt>Bot</dt>
        <dd>{s.bot ? `@${s.bot.name} (user ${s.bot.userId}${s.bot.id ? `, bot ${s.bot.id}` : ''})` : '—'}</dd>
        <dt>Workspace</dt>
        <dd>{s.team ? `${s.team.name} (${s.team.id})` : '—'}</dd>
        <dt>Scopes</dt>
        <dd>
          {s.scopes ? (s.scopes.length > 0 ? s.scopes.join(', ') : '(none)') : '—'}
          {missing.length > 0 && <strong> — missing: {missing.join(', ')} (reinstall the app from the manifest below)</strong>}
        </dd>
        <dt>Last delivery error</dt>
        <dd data-testid="slack-last-error">
          {s.lastDeliveryError
            ? `${s.lastDeliveryError.error} (${s.lastDeliveryError.status === 'failed' ? 'gave up' : 'still retrying'} after ${s.lastDeliveryError.attempts} attempt${s.lastDeliveryError.attempts === 1 ? '' : 's'}, ${new Date(s.lastDeliveryError.at).toLocaleString()})`
            : 'None'}
        </dd>
      </dl>
      <h2>Slack app manifest</h2>
      <p>
        Create the Slack app from this manifest (Slack: <em>Your Apps → Create New App → From an app manifest</em>), install
        it, then set <code>slack.token</code> and <code>slack.signingSecret</code>.
      </p>
      {s.manifestError ? (
        <p role="alert">The manifest cannot be made: {s.manifestError}</p>
      ) : (
        <>
          <div className="sandbox-toolbar">
            <label>
              Format{' '}
              <select value={format} onChange={(e) => setFormat(e.target.value as 'yaml' | 'json')}>
                <option value="yaml">YAML</option>
                <option value="json">JSON</option>
              </select>
            </label>
            <button type="button" className="bk-button" onClick={() => void copy()}>
              Copy manifest
            </button>
            <span role="status" aria-live="polite">
              {copied}
            </span>
          </div>
          <pre id="manifest-text" aria-label="Slack app manifest" tabIndex={0}>
            {manifestText}
          </pre>
        </>
      )}
    </section>
  );
}
