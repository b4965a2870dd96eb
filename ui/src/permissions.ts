/**
 * What the person using the UI may do on an application, from `GET /applications/{app}`'s `authorizations`
 * (Gate's answer to Deck: READ, WRITE, EXECUTE). The pages hide or disable Save, Delete, Trigger, Cancel, Approve
 * and Reject with it. Only a convenience: the service checks every request itself (a 403 names what is missing).
 */
import { useEffect, useState } from 'react';
import { ApiError, call } from './api';

export type Authorization = 'READ' | 'WRITE' | 'EXECUTE';

export interface Access {
  /** True once the service answered (until then `can` says yes: the service refuses what it must). */
  known: boolean;
  /** Whether the person holds `a` on the application. */
  can(a: Authorization): boolean;
  /** A sentence for a hidden control, e.g. "You need EXECUTE on checkout to do this." */
  why(a: Authorization): string;
}

/** Fiat's permissions as the service shows them. */
export type Permissions = Partial<Record<Authorization, string[]>>;

/** The person's authorizations on `app`; an application that does not exist yet (404) is open to them. */
export function useAuthorizations(app: string): Access {
  const [held, setHeld] = useState<Authorization[] | null>(null);
  useEffect(() => {
    let live = true;
    setHeld(null);
    call<{ authorizations?: Authorization[] }>('GET', `/applications/${encodeURIComponent(app)}`).then(
      (a) => live && setHeld(a.authorizations ?? ['READ', 'WRITE', 'EXECUTE']),
      (err) => live && setHeld(err instanceof ApiError && err.status === 403 ? [] : ['READ', 'WRITE', 'EXECUTE']),
    );
    return () => {
      live = false;
    };
  }, [app]);
  return {
    known: held !== null,
    can: (a) => held === null || held.includes(a),
    why: (a) => `You need ${a} on ${app} to do this.`,
  };
}

/** "a, b" → ["a", "b"] (blank entries dropped). */
export function roleList(text: string): string[] {
  return text
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
}
