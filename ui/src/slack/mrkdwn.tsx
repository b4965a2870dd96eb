/**
 * Slack mrkdwn ("Formatting text for app surfaces") to React elements — never to HTML strings, so nothing in a
 * message can become markup: every piece of text is a React text node (escaped by React).
 *
 * Understood: `*bold*`, `_italic_`, `~strike~`, `` `code` ``, ```` ```preformatted``` ````, `> quote` lines, line
 * breaks, `<https://…|label>` and `<https://…>` links (http, https and mailto only; anything else is shown as text),
 * `<@U…>` user mentions (named from `users` when known), `<#C…|name>` channels, `<!here>`/`<!channel>`/`<!everyone>`,
 * `<!date^epoch^format|fallback>` (shown in the browser's locale), `<!subteam^S…|@handle>`, the entities `&amp;`
 * `&lt;` `&gt;`, and a few emoji codes. Everything else is shown as written.
 */
import type { ReactNode } from 'react';

const EMOJI: Record<string, string> = {
  white_check_mark: '✔',
  heavy_check_mark: '✔️',
  no_entry: '⛔',
  x: '❌',
  warning: '⚠️',
  hourglass: '⌛',
  hourglass_flowing_sand: '⏳',
  alarm_clock: '⏰',
  bell: '🔔',
  rocket: '🚀',
  stopwatch: '⏱️',
  information_source: 'ℹ️',
  question: '❓',
  tada: '🎉',
  arrow_forward: '▶️',
  octagonal_sign: '🛑',
  large_green_circle: '🟢',
  red_circle: '🔴',
};

/** `&lt;` `&gt;` `&amp;` → the characters (Slack's three entities; others stay as written). */
export function decodeEntities(s: string): string {
  return s.replace(/&(lt|gt|amp);/g, (_m, e: string) => (e === 'lt' ? '<' : e === 'gt' ? '>' : '&'));
}

function emoji(s: string): string {
  return s.replace(/:([a-z0-9_+-]+):/g, (m, name: string) => EMOJI[name] ?? m);
}

/** A URL safe to put in an href: http(s) or mailto, else null. */
export function safeHref(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' || u.protocol === 'mailto:' ? u.toString() : null;
  } catch {
    return null;
  }
}

function dateText(spec: string, fallback: string): string {
  const epoch = Number(spec.split('^')[0]);
  if (!Number.isFinite(epoch)) return fallback;
  return new Date(epoch * 1000).toLocaleString();
}

/**
 * How to treat a text that is not a Slack message the service built but a pipeline author's instructions shown
 * the way Slack shows them (src/slack/blocks.ts `instructionSegments`): mentions and `<!…>` shown literally, and a
 * link live only when `linkAllowed(url)` says so (else shown as written, as text).
 */
export interface AuthorTextRules {
  linkAllowed: (url: string) => boolean;
}

interface Opts {
  users: Record<string, string>;
  author: AuthorTextRules | null;
}

/** One `<…>` token. */
function angle(inner: string, opts: Opts, key: string): ReactNode {
  const { users, author } = opts;
  const bar = inner.indexOf('|');
  const target = bar === -1 ? inner : inner.slice(0, bar);
  const label = bar === -1 ? null : decodeEntities(inner.slice(bar + 1));
  if (author) {
    // Author text: only an http(s)/mailto link the rules allow is live; mentions and the rest are shown as written.
    const href = /^(https?:\/\/|mailto:)/.test(target) ? safeHref(decodeEntities(target)) : null;
    if (!href || !author.linkAllowed(decodeEntities(target))) return `<${decodeEntities(inner)}>`;
    return (
      <a key={key} href={href} target="_blank" rel="noopener noreferrer">
        {label ?? decodeEntities(target)}
      </a>
    );
  }
  if (target.startsWith('@')) {
    const id = target.slice(1);
    return <span key={key} className="bk-mention">@{users[id] ?? label ?? id}</span>;
  }
  if (target.startsWith('#')) return <span key={key} className="bk-mention">#{label ?? target.slice(1)}</span>;
  if (target.startsWith('!date^')) {
    const text = dateText(target.slice('!date^'.length), label ?? '');
    return <time key={key} title={label ?? undefined}>{text}</time>;
  }
  if (target.startsWith('!subteam^')) return <span key={key} className="bk-mention">{label ?? '@group'}</span>;
  if (target.startsWith('!')) return <span key={key} className="bk-mention">@{target.slice(1)}</span>;
  const href = safeHref(decodeEntities(target));
  if (!href) return `<${decodeEntities(inner)}>`;
  return (
    <a key={key} href={href} target="_blank" rel="noopener noreferrer">
      {label ?? decodeEntities(target)}
    </a>
  );
}

const INLINE = /<([^<>\n]+)>|`([^`\n]+)`|(?<![\w*])\*([^*\n]+)\*(?![\w*])|(?<![\w_])_([^_\n]+)_(?![\w_])|(?<![\w~])~([^~\n]+)~(?![\w~])/g;

function inline(text: string, opts: Opts, prefix: string): ReactNode[] {
  const out: ReactNode[] = [];
  let last = 0;
  let i = 0;
  for (const m of text.matchAll(INLINE)) {
    const at = m.index ?? 0;
    if (at > last) out.push(emoji(decodeEntities(text.slice(last, at))));
    const key = `${prefix}.${i++}`;
    if (m[1] !== undefined) out.push(angle(m[1], opts, key));
    else if (m[2] !== undefined) out.push(<code key={key}>{decodeEntities(m[2])}</code>);
    else if (m[3] !== undefined) out.push(<strong key={key}>{inline(m[3], opts, key)}</strong>);
    else if (m[4] !== undefined) out.push(<em key={key}>{inline(m[4], opts, key)}</em>);
    else if (m[5] !== undefined) out.push(<s key={key}>{inline(m[5], opts, key)}</s>);
    last = at + m[0].length;
  }
  if (last < text.length) out.push(emoji(decodeEntities(text.slice(last))));
  return out;
}

/**
 * Renders Slack mrkdwn; `users` maps user ids to names for `<@U…>`. With `author`, the text is a pipeline author's
 * (evaluated) instructions rendered as the service sends them to Slack: see AuthorTextRules.
 */
export function Mrkdwn({ text, users = {}, author = null }: { text: string; users?: Record<string, string>; author?: AuthorTextRules | null }): ReactNode {
  const opts: Opts = { users, author };
  const parts = text.split(/```/);
  const out: ReactNode[] = [];
  parts.forEach((part, pi) => {
    if (pi % 2 === 1) {
      out.push(<pre key={`p${pi}`}>{decodeEntities(part.replace(/^\n/, ''))}</pre>);
      return;
    }
    const lines = part.split('\n');
    lines.forEach((line, li) => {
      const key = `p${pi}l${li}`;
      const quote = /^(&gt;|>) ?(.*)$/.exec(line);
      if (quote) out.push(<blockquote key={key}>{inline(quote[2] ?? '', opts, key)}</blockquote>);
      else {
        out.push(<span key={key}>{inline(line, opts, key)}</span>);
        if (li < lines.length - 1) out.push(<br key={`${key}br`} />);
      }
    });
  });
  return <>{out}</>;
}

const LINK_RE = /<((?:https?:\/\/|mailto:)[^\s<>|]+)(?:\|[^<>]*)?>|(https?:\/\/[^\s<>|]+)/g;

/**
 * The URLs written literally in an author's raw (unevaluated) text, outside any `${...}` — the same rule as
 * src/slack/blocks.ts `literalUrls`: a link is live only when its URL is one of these.
 */
export function literalUrls(template: string): Set<string> {
  const out = new Set<string>();
  const withoutExpressions = template.replace(/\$\{[^}]*\}/g, '\u0000');
  for (const m of withoutExpressions.matchAll(LINK_RE)) {
    let url = m[1] ?? m[2] ?? '';
    if (m[2] !== undefined) url = url.replace(/[.,;:!?)\]}'"]+$/, '');
    if (!url.includes('\u0000')) out.add(decodeEntities(url));
  }
  return out;
}
