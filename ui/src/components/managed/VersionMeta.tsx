/** A version's git and build metadata as CI registered it (commit, author, message, branch, repo, PR, build link). */
import type { VersionInEnvironment } from '../../managed-api';
import { when } from '../../format';

/** Only http(s) URLs become links; anything else shows as text. */
function safeUrl(u: unknown): string | null {
  return typeof u === 'string' && /^https?:\/\//i.test(u) ? u : null;
}

export default function VersionMeta({ v }: { v: VersionInEnvironment }) {
  const g = v.gitMetadata;
  const b = v.buildMetadata;
  const repo = g?.repo === undefined ? null : typeof g.repo === 'string' ? g.repo : (g.repo.name ?? null);
  const pr = g?.pullRequest;
  const prUrl = safeUrl(pr?.url);
  const buildUrl = safeUrl(b?.url);
  return (
    <div className="version-meta">
      <div className="version-name">{v.version}</div>
      <dl className="facts small">
        {g?.commit && (<><dt>Commit</dt><dd className="mono">{String(g.commit).slice(0, 12)}{g.branch ? ` on ${g.branch}` : ''}{repo ? ` (${repo})` : ''}</dd></>)}
        {g?.author && (<><dt>Author</dt><dd>{g.author}</dd></>)}
        {g?.message && (<><dt>Message</dt><dd>{g.message}</dd></>)}
        {pr && (pr.number !== undefined || prUrl) && (<><dt>Pull request</dt><dd>{prUrl ? <a href={prUrl} target="_blank" rel="noreferrer">#{String(pr.number ?? '?')}</a> : `#${String(pr.number ?? '?')}`}</dd></>)}
        {b && (b.number !== undefined || buildUrl) && (<><dt>Build</dt><dd>{buildUrl ? <a href={buildUrl} target="_blank" rel="noreferrer">#{String(b.number ?? '?')}</a> : `#${String(b.number ?? '?')}`}</dd></>)}
        <dt>Registered</dt><dd>{when(v.createdAt)}</dd>
      </dl>
    </div>
  );
}
