/**
 * `#/slack-sandbox`: the built-in Slack sandbox (slack.mode: sandbox, the default without a bot token). Shows the
 * messages the service posted, per channel, rendered from their Block Kit with their thread replies and the
 * ephemeral answers the chosen person got; its buttons send a click as that person through the service's real,
 * signed Slack callback (`POST /sandbox/slack/actions`); a dialog the service opens (views.open, e.g. the reason
 * for a rejection) is shown as a form and submitted as Slack would. Polls every second, so updates show by themselves.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import BlockKit, { type BlockAction } from '../slack/BlockKit';
import { Mrkdwn } from '../slack/mrkdwn';
import { useModal } from '../a11y/useModal';
import { useDocumentTitle } from '../a11y/useDocumentTitle';

interface SandboxUser {
  id: string;
  name: string;
  realName: string;
  email: string | null;
}
interface Channel {
  id: string;
  name: string;
  messages: number;
  /** ts of the channel's newest message (string order is time order), null when empty. */
  latestTs: string | null;
}
interface Message {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[] | null;
  threadTs: string | null;
  updates: number;
  postedAt: number;
  updatedAt: number;
}
interface Ephemeral {
  channel: string;
  user: string;
  text: string;
  threadTs: string | null;
  nearTs: string | null;
  ts: string;
  at: number;
}
interface ViewInput {
  blockId: string;
  actionId: string;
  type: string;
  optional: boolean;
}
interface OpenView {
  id: string;
  userId: string;
  view: { title?: { text?: string }; submit?: { text?: string }; close?: { text?: string }; blocks?: Array<Record<string, any>> };
  inputs: ViewInput[];
}

const BASE = '/sandbox/slack';
const USER_KEY = 'slackops.sandbox.user';
const POLL_MS = 1000;

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw Object.assign(new Error(body?.message ?? `HTTP ${res.status}`), { status: res.status });
  return body as T;
}

async function postJson<T>(path: string, data: unknown): Promise<T> {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(data) });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new Error(body?.message ?? `HTTP ${res.status}`);
  return body as T;
}

function timeOf(ms: number): string {
  return new Date(ms).toLocaleTimeString();
}

/**
 * What the service's callback answered, in words. A 2xx only acknowledges Slack's request (Slack's 3-second rule):
 * the click may still have been refused (already judged, role missing), which the service says in an ephemeral
 * answer, so a 2xx is never worded as "accepted".
 */
function callbackWords(cb: { status: number; body: unknown }): string {
  if (cb.status >= 200 && cb.status < 300) return `Slack's request was acknowledged (HTTP ${cb.status})`;
  const msg = cb.body && typeof cb.body === 'object' && 'message' in cb.body ? String((cb.body as { message: unknown }).message) : '';
  return `the service refused it (HTTP ${cb.status}${msg ? `: ${msg}` : ''})`;
}

function ViewForm({ open, users, onDone, returnTo }: { open: OpenView; users: Record<string, string>; onDone: (status: string) => void; returnTo: () => HTMLElement | null }) {
  const [values, setValues] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const first = useRef<HTMLTextAreaElement | HTMLInputElement | null>(null);
  const box = useRef<HTMLFormElement>(null);
  // The view opens after the click's round trip, so the focus goes back to the clicked button (returnTo).
  useModal(box, () => void close(), returnTo);
  useEffect(() => first.current?.focus(), [open.id]);
  const title = open.view.title?.text ?? 'Dialog';
  const blocks = open.view.blocks ?? [];
  const keyOf = (i: ViewInput) => `${i.blockId}.${i.actionId}`;
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const out: Record<string, Record<string, string>> = {};
    for (const i of open.inputs) (out[i.blockId] ??= {})[i.actionId] = values[keyOf(i)] ?? '';
    try {
      const r = await postJson<{ closed: boolean; callback: { status: number; body: unknown } }>(`${BASE}/views/${encodeURIComponent(open.id)}/submit`, { values: out });
      onDone(`Submitted “${title}”: ${callbackWords(r.callback)}.`);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const close = async () => {
    await postJson(`${BASE}/views/${encodeURIComponent(open.id)}/close`, {}).catch(() => undefined);
    onDone(`Closed “${title}” without submitting; nothing was sent.`);
  };
  return (
    <div className="bk-overlay">
      <form ref={box} className="bk-dialog" role="dialog" aria-modal="true" aria-labelledby="sandbox-view-title" onSubmit={submit}>
        <h2 id="sandbox-view-title">{title}</h2>
        <BlockKit blocks={blocks.filter((b) => b.type !== 'input')} users={users} />
        {blocks
          .filter((b) => b.type === 'input')
          .map((b, n) => {
            const input = open.inputs.find((i) => i.blockId === b.block_id);
            if (!input) return null;
            const id = `sandbox-input-${n}`;
            const label = `${b.label?.text ?? input.actionId}${input.optional ? ' (optional)' : ''}`;
            const common = {
              id,
              value: values[keyOf(input)] ?? '',
              required: !input.optional,
              maxLength: typeof b.element?.max_length === 'number' ? b.element.max_length : undefined,
              placeholder: b.element?.placeholder?.text,
              onChange: (e: React.ChangeEvent<HTMLTextAreaElement | HTMLInputElement>) => setValues({ ...values, [keyOf(input)]: e.target.value }),
            };
            return (
              <div key={id}>
                <label htmlFor={id}>{label}</label>
                {b.element?.multiline ? (
                  <textarea rows={4} ref={n === 0 ? (el) => void (first.current = el) : undefined} {...common} />
                ) : (
                  <input type="text" ref={n === 0 ? (el) => void (first.current = el) : undefined} {...common} />
                )}
                {b.hint?.text && <div className="bk-hint">{b.hint.text}</div>}
              </div>
            );
          })}
        {error && (
          <p role="alert" className="error">
            Error: {error}
          </p>
        )}
        <div className="bk-dialog-buttons">
          <button type="button" className="bk-button" onClick={() => void close()}>
            {open.view.close?.text ?? 'Cancel'}
          </button>
          <button type="submit" className="bk-button bk-primary" disabled={busy}>
            {open.view.submit?.text ?? 'Submit'}
          </button>
        </div>
      </form>
    </div>
  );
}

export default function SlackSandbox() {
  useDocumentTitle('Slack sandbox');
  const [off, setOff] = useState<string | null>(null);
  const [users, setUsers] = useState<SandboxUser[]>([]);
  const [userId, setUserId] = useState<string>(() => {
    try {
      return localStorage.getItem(USER_KEY) ?? 'U0SANDBOXYOU';
    } catch {
      return 'U0SANDBOXYOU';
    }
  });
  const [channels, setChannels] = useState<Channel[]>([]);
  const [channel, setChannel] = useState<string | null>(null);
  const [messages, setMessages] = useState<Message[]>([]);
  const [ephemerals, setEphemerals] = useState<Ephemeral[]>([]);
  const [views, setViews] = useState<OpenView[]>([]);
  const [status, setStatus] = useState('');
  // After a click: the ephemeral answers seen before it, so the first new one is shown as the click's outcome.
  const [pendingAnswer, setPendingAnswer] = useState<{ user: string; seen: Set<string> } | null>(null);
  const [answer, setAnswer] = useState<string | null>(null);
  const ephemeralsRef = useRef<Ephemeral[]>([]);
  // The button last clicked: a dialog the service opens in answer (views.open) gives the focus back to it.
  const lastClicked = useRef<HTMLElement | null>(null);
  ephemeralsRef.current = ephemerals;
  useEffect(() => {
    if (!pendingAnswer) return;
    const fresh = ephemerals.find((e) => e.user === pendingAnswer.user && !pendingAnswer.seen.has(e.ts));
    if (fresh) {
      setAnswer(fresh.text);
      setPendingAnswer(null);
    }
  }, [ephemerals, pendingAnswer]);
  const [busy, setBusy] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);

  const names: Record<string, string> = Object.fromEntries(users.map((u) => [u.id, u.name]));
  const me = users.find((u) => u.id === userId);

  const load = useCallback(async () => {
    try {
      const ch = await getJson<{ channels: Channel[] }>(`${BASE}/channels`);
      setChannels(ch.channels);
      // Until one is chosen, show the channel with the newest message (where the last judgment was posted).
      const newest = ch.channels.reduce<Channel | null>((best, c) => (c.latestTs !== null && (best?.latestTs == null || c.latestTs > best.latestTs) ? c : best), null);
      const current = channel ?? newest?.name ?? ch.channels[0]?.name ?? null;
      if (current !== channel) setChannel(current);
      if (current) {
        const m = await getJson<{ messages: Message[]; ephemerals: Ephemeral[] }>(
          `${BASE}/messages?channel=${encodeURIComponent(current)}&userId=${encodeURIComponent(userId)}`,
        );
        setMessages(m.messages);
        setEphemerals(m.ephemerals);
      }
      const v = await getJson<{ views: OpenView[] }>(`${BASE}/views?userId=${encodeURIComponent(userId)}`);
      setViews(v.views);
      setLoadError(null);
    } catch (err) {
      if ((err as { status?: number }).status === 404) setOff((err as Error).message);
      else setLoadError((err as Error).message);
    }
  }, [channel, userId]);

  useEffect(() => {
    getJson<{ users: SandboxUser[]; asCaller?: boolean }>(`${BASE}/users`).then(
      (r) => {
        setUsers(r.users);
        // With auth enabled the service lists only the logged-in caller: every click is theirs.
        if (r.asCaller && r.users[0]) setUserId(r.users[0].id);
      },
      (err) => (err as { status?: number }).status === 404 && setOff((err as Error).message),
    );
  }, []);

  useEffect(() => {
    if (off) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      await load();
      if (live) timer = setTimeout(() => void tick(), POLL_MS);
    };
    void tick();
    return () => {
      live = false;
      if (timer) clearTimeout(timer);
    };
  }, [load, off]);

  const act = async (m: Message, a: BlockAction) => {
    const focused = document.activeElement;
    if (focused instanceof HTMLElement && focused !== document.body) lastClicked.current = focused;
    setBusy(true);
    setStatus(`Sending “${a.text}” as ${me?.name ?? userId}…`);
    setAnswer(null);
    setPendingAnswer({ user: userId, seen: new Set(ephemeralsRef.current.map((e) => e.ts)) });
    try {
      const r = await postJson<{ callback: { status: number; body: unknown } }>(`${BASE}/actions`, { channel: m.channel, ts: m.ts, actionId: a.actionId, userId });
      setStatus(`Clicked “${a.text}” as ${me?.name ?? userId}: ${callbackWords(r.callback)}.`);
      await load();
    } catch (err) {
      setPendingAnswer(null);
      setStatus(`Could not click “${a.text}”: ${(err as Error).message}`);
    } finally {
      setBusy(false);
    }
  };

  if (off) {
    return (
      <section aria-labelledby="sandbox-title">
        <h1 id="sandbox-title">Slack sandbox</h1>
        <p role="status">Not available: {off}.</p>
        <p>It runs when no Slack bot token is configured, or with <code>slack.mode: sandbox</code>.</p>
      </section>
    );
  }

  const top = messages.filter((m) => m.threadTs === null);
  const repliesOf = (ts: string) => messages.filter((m) => m.threadTs === ts);
  // Ephemeral answers: under the message whose button was clicked, else in the thread they were posted to.
  const ephemeralsOf = (ts: string | null) => ephemerals.filter((e) => (e.nearTs ?? e.threadTs) === ts);
  const view = views[0];

  return (
    <section aria-labelledby="sandbox-title" className="sandbox-page">
      <h1 id="sandbox-title">Slack sandbox</h1>
      <p className="sandbox-banner" role="note">
        <strong>SANDBOX</strong> — this is not Slack. The service posts here, not to a Slack workspace, because{' '}
        <code>slack.mode</code> is <code>sandbox</code> (the default when no bot token is configured). Buttons send the
        same signed request Slack would to <code>/notifications/callbacks/slack</code>. Messages are kept in memory until
        the service restarts.
      </p>
      <div className="sandbox-toolbar">
        <label>
          Click as{' '}
          <select
            value={userId}
            onChange={(e) => {
              setUserId(e.target.value);
              try {
                localStorage.setItem(USER_KEY, e.target.value);
              } catch {
                /* private mode: not remembered */
              }
            }}
          >
            {users.map((u) => (
              <option key={u.id} value={u.id}>
                {u.name} ({u.email ?? 'no email'})
              </option>
            ))}
          </select>
        </label>
        <p className="sandbox-status" role="status" aria-live="polite">
          {status}
          {status.startsWith('Clicked') && (answer !== null ? (
            <>
              {' '}The service answered (only visible to you): <span className="sandbox-answer"><Mrkdwn text={answer} users={names} /></span>
            </>
          ) : pendingAnswer ? ' Any answer only you should see (an ephemeral message) appears here; an accepted click updates the message instead.' : '')}
        </p>
      </div>
      {loadError && <p role="alert">Could not load the sandbox: {loadError}</p>}
      <div className="sandbox">
        <nav className="sandbox-channels" aria-label="Channels">
          <h2>Channels</h2>
          {channels.length === 0 ? (
            <p>No messages yet. Trigger a pipeline whose manual judgment notifies a Slack channel.</p>
          ) : (
            <ul>
              {channels.map((c) => (
                <li key={c.id}>
                  <button type="button" aria-current={c.name === channel ? 'true' : undefined} onClick={() => setChannel(c.name)}>
                    #{c.name} ({c.messages})
                  </button>
                </li>
              ))}
            </ul>
          )}
        </nav>
        <div aria-label={channel ? `Messages in #${channel}` : 'Messages'} role="region">
          {channel && <h2>#{channel}</h2>}
          {ephemeralsOf(null).map((e) => (
            <div key={e.ts} className="sandbox-ephemeral">
              <span className="sandbox-meta">Only visible to you · {timeOf(e.at)}</span>
              <div><Mrkdwn text={e.text} users={names} /></div>
            </div>
          ))}
          {top.map((m) => (
            <article key={m.ts} className="sandbox-message" data-ts={m.ts} aria-label={`Message ${m.text}`}>
              <div className="sandbox-meta">
                <strong>slackops</strong>
                <span>APP</span>
                <span>{timeOf(m.postedAt)}</span>
                {m.updates > 0 && <span className="sandbox-edited">(edited {timeOf(m.updatedAt)})</span>}
              </div>
              {m.blocks ? (
                <BlockKit blocks={m.blocks} users={names} busy={busy} onAction={(a) => act(m, a)} />
              ) : (
                <div>{m.text}</div>
              )}
              {(repliesOf(m.ts).length > 0 || ephemeralsOf(m.ts).length > 0) && (
                <div className="sandbox-thread" aria-label="Thread replies">
                  {repliesOf(m.ts).map((r) => (
                    <div key={r.ts} className="sandbox-reply">
                      <div className="sandbox-meta">
                        <strong>slackops</strong> <span>{timeOf(r.postedAt)}</span>
                      </div>
                      {r.blocks ? <BlockKit blocks={r.blocks} users={names} busy={busy} onAction={(a) => act(r, a)} /> : <div>{r.text}</div>}
                    </div>
                  ))}
                  {ephemeralsOf(m.ts).map((e) => (
                    <div key={e.ts} className="sandbox-ephemeral">
                      <span className="sandbox-meta">Only visible to you · {timeOf(e.at)}</span>
                      <div><Mrkdwn text={e.text} users={names} /></div>
                    </div>
                  ))}
                </div>
              )}
            </article>
          ))}
        </div>
      </div>
      {view && (
        <ViewForm
          key={view.id}
          open={view}
          users={names}
          returnTo={() => lastClicked.current}
          onDone={(s) => {
            setStatus(s);
            setViews([]);
            void load();
          }}
        />
      )}
    </section>
  );
}
