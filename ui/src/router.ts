/**
 * A small hash router with Spinnaker Deck's URL shapes: `#/applications`, `#/applications/{app}/pipelines`,
 * `#/applications/{app}/pipelines/{name}/edit`, `#/applications/{app}/executions`,
 * `#/applications/{app}/executions/details/{id}?refId={refId}` (the link Slack messages carry),
 * `#/applications/{app}/environments` (managed delivery), `#/slack-sandbox`, `#/settings`, `#/audit` and
 * `#/applications/{app}/audit`. Path segments are percent-decoded.
 */
import { useEffect, useState } from 'react';

export type Route =
  | { page: 'applications' }
  | { page: 'pipelines'; app: string }
  | { page: 'builder'; app: string; name: string | null }
  | { page: 'executions'; app: string }
  | { page: 'execution'; app: string; id: string; refId: string | null }
  | { page: 'environments'; app: string }
  | { page: 'slack-sandbox' }
  | { page: 'settings' }
  | { page: 'audit'; app: string | null }
  | { page: 'not-found'; hash: string };

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Parses a location hash such as `#/applications/a/executions/details/x?refId=2`. */
export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const [pathPart = '', query = ''] = raw.split('?', 2);
  const params = new URLSearchParams(query);
  const seg = pathPart.split('/').filter((s) => s !== '').map(decode);
  if (seg.length === 0 || (seg[0] === 'applications' && seg.length === 1)) return { page: 'applications' };
  if (seg[0] === 'slack-sandbox') return { page: 'slack-sandbox' };
  if (seg[0] === 'settings') return { page: 'settings' };
  if (seg[0] === 'audit' && seg.length === 1) return { page: 'audit', app: null };
  if (seg[0] === 'applications' && seg[1]) {
    const app = seg[1];
    if (seg.length === 2 || (seg[2] === 'pipelines' && seg.length === 3)) return { page: 'pipelines', app };
    if (seg[2] === 'pipelines' && seg[4] === 'edit') return { page: 'builder', app, name: seg[3] === '_new' ? null : (seg[3] ?? null) };
    if (seg[2] === 'pipelines' && seg[3] === 'new') return { page: 'builder', app, name: null };
    if (seg[2] === 'executions' && seg.length === 3) return { page: 'executions', app };
    if (seg[2] === 'audit' && seg.length === 3) return { page: 'audit', app };
    if (seg[2] === 'executions' && seg[3] === 'details' && seg[4]) return { page: 'execution', app, id: seg[4], refId: params.get('refId') };
    if (seg[2] === 'environments' && seg.length === 3) return { page: 'environments', app };
  }
  return { page: 'not-found', hash };
}

const enc = encodeURIComponent;

/** Hash links for each screen. */
export const links = {
  applications: () => '#/applications',
  pipelines: (app: string) => `#/applications/${enc(app)}/pipelines`,
  edit: (app: string, name: string) => `#/applications/${enc(app)}/pipelines/${enc(name)}/edit`,
  newPipeline: (app: string) => `#/applications/${enc(app)}/pipelines/new`,
  executions: (app: string) => `#/applications/${enc(app)}/executions`,
  /** The audit log, of one application or (no argument) of all. */
  audit: (app?: string) => (app ? `#/applications/${enc(app)}/audit` : '#/audit'),
  /** Managed delivery's environments view of an application. */
  environments: (app: string) => `#/applications/${enc(app)}/environments`,
  execution: (app: string, id: string, refId?: string) =>
    `#/applications/${enc(app)}/executions/details/${enc(id)}${refId ? `?refId=${enc(refId)}` : ''}`,
};

/** The current route, updated on `hashchange`. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const on = () => setRoute(parseHash(window.location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

export function navigate(hash: string): void {
  window.location.hash = hash;
}
