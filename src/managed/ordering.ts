/**
 * How versions of an artifact are ordered, newest first, as keel sorts them for the artifact type (never by when
 * they were registered, so a late-registered 1.9.0 never deploys over 2.1.0):
 * - npm: SemVer 2.0.0 precedence (keel's `NpmVersionSortingStrategy`); a version that is not semver is refused at
 *   registration.
 * - docker: the artifact's `tagVersionStrategy` (keel's name and default `semver-tag`): `semver-tag` orders tags
 *   that are semantic versions (`1.2.3`, `v1.2.3`) by precedence, `increasing-tag` orders all-digit tags
 *   numerically. A tag that does not match the strategy is refused at registration (keel ignores such tags; a 400
 *   is clearer).
 * - deb: Debian version ordering (`[epoch:]upstream[-revision]`, deb-version(7)).
 * Ties (and versions stored before these rules that do not match them, which sort after all matching ones) by
 * creation time, newest first, then by version string. (`semver` is only a transitive dependency here, so the
 * precedence rules are implemented below.)
 */
import type { ArtifactVersion, DeliveryArtifact } from './model.js';

/** keel's docker `tagVersionStrategy` values this service supports (keel's default is `semver-tag`). */
export const TAG_VERSION_STRATEGIES = ['semver-tag', 'increasing-tag'] as const;
export type TagVersionStrategy = (typeof TAG_VERSION_STRATEGIES)[number];
export const DEFAULT_TAG_VERSION_STRATEGY: TagVersionStrategy = 'semver-tag';

const SEMVER = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

interface Semver {
  core: [number, number, number];
  pre: string[];
}

/** The semantic version in a tag, or null. */
export function parseSemver(v: string): Semver | null {
  const m = SEMVER.exec(v);
  if (!m) return null;
  return { core: [Number(m[1]), Number(m[2]), Number(m[3])], pre: m[4] ? m[4].split('.') : [] };
}

/** SemVer 2.0.0 §11 precedence: negative when a < b. Build metadata is ignored. */
export function compareSemver(a: Semver, b: Semver): number {
  for (let i = 0; i < 3; i++) if (a.core[i] !== b.core[i]) return a.core[i]! - b.core[i]!;
  if (a.pre.length === 0 || b.pre.length === 0) return (a.pre.length === 0 ? 1 : 0) - (b.pre.length === 0 ? 1 : 0);
  for (let i = 0; i < Math.max(a.pre.length, b.pre.length); i++) {
    const x = a.pre[i];
    const y = b.pre[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const xn = /^\d+$/.test(x);
    const yn = /^\d+$/.test(y);
    if (xn && yn && Number(x) !== Number(y)) return Number(x) - Number(y);
    if (xn !== yn) return xn ? -1 : 1;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

const DEB = /^(?:(\d+):)?([0-9][A-Za-z0-9.+~:-]*?)(?:-([A-Za-z0-9.+~]+))?$/;

interface DebVersion {
  epoch: number;
  upstream: string;
  revision: string;
}

/** A Debian version `[epoch:]upstream[-revision]` (deb-version(7)), or null. */
export function parseDebVersion(v: string): DebVersion | null {
  const m = DEB.exec(v);
  if (!m) return null;
  return { epoch: m[1] ? Number(m[1]) : 0, upstream: m[2]!, revision: m[3] ?? '0' };
}

/** dpkg's character order in the non-digit parts: `~` before everything (even the end), letters before the rest. */
function debOrder(c: string | undefined): number {
  if (c === undefined) return 0;
  if (c === '~') return -1;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

/** dpkg's `verrevcmp`: alternating non-digit and digit runs. Negative when a < b. */
function debPartCompare(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !/\d/.test(a[i]!)) || (j < b.length && !/\d/.test(b[j]!))) {
      const ac = i < a.length && !/\d/.test(a[i]!) ? debOrder(a[i]) : 0;
      const bc = j < b.length && !/\d/.test(b[j]!) ? debOrder(b[j]) : 0;
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    let an = '';
    let bn = '';
    while (i < a.length && /\d/.test(a[i]!)) an += a[i++];
    while (j < b.length && /\d/.test(b[j]!)) bn += b[j++];
    const d = BigInt(an || '0') - BigInt(bn || '0');
    if (d !== 0n) return d < 0n ? -1 : 1;
  }
  return 0;
}

/** Debian version comparison (epoch, then upstream, then revision). Negative when a < b. */
export function compareDebVersion(a: DebVersion, b: DebVersion): number {
  if (a.epoch !== b.epoch) return a.epoch - b.epoch;
  return debPartCompare(a.upstream, b.upstream) || debPartCompare(a.revision, b.revision);
}

/** The artifact's version ordering, by type and (docker) `tagVersionStrategy`. */
function strategyOf(artifact: Pick<DeliveryArtifact, 'type' | 'tagVersionStrategy'>): 'semver' | 'increasing' | 'deb' {
  if (artifact.type === 'deb') return 'deb';
  if (artifact.type === 'docker' && (artifact.tagVersionStrategy ?? DEFAULT_TAG_VERSION_STRATEGY) === 'increasing-tag') return 'increasing';
  return 'semver';
}

/**
 * Why `version` cannot be a version of `artifact` (a sentence for a 400 naming the rule), or null when it can.
 * npm: must be semver; docker: must match the `tagVersionStrategy`; deb: must be a Debian version.
 */
export function versionRefusal(artifact: Pick<DeliveryArtifact, 'type' | 'tagVersionStrategy' | 'reference'>, version: string): string | null {
  const s = strategyOf(artifact);
  if (s === 'increasing') return /^\d{1,30}$/.test(version) ? null : `"${version.slice(0, 60)}" does not match tagVersionStrategy increasing-tag of artifact ${artifact.reference} (expected an all-digit tag such as 77)`;
  if (s === 'deb') return parseDebVersion(version) ? null : `"${version.slice(0, 60)}" is not a Debian version ([epoch:]upstream[-revision]) for deb artifact ${artifact.reference}`;
  if (parseSemver(version)) return null;
  return artifact.type === 'docker'
    ? `"${version.slice(0, 60)}" does not match tagVersionStrategy semver-tag of artifact ${artifact.reference} (expected a semantic version such as 1.2.3 or v1.2.3)`
    : `"${version.slice(0, 60)}" is not a semantic version (npm artifact ${artifact.reference}; expected e.g. 1.2.3)`;
}

/** Versions sorted newest first for `artifact` (see the module comment). Does not change `versions`. */
export function sortNewestFirst(artifact: Pick<DeliveryArtifact, 'type' | 'tagVersionStrategy'>, versions: ArtifactVersion[]): ArtifactVersion[] {
  const s = strategyOf(artifact);
  const cmp = (a: string, b: string): number | null => {
    if (s === 'increasing') {
      if (!/^\d+$/.test(a) || !/^\d+$/.test(b)) return null;
      const d = BigInt(a) - BigInt(b);
      return d === 0n ? 0 : d < 0n ? -1 : 1;
    }
    if (s === 'deb') {
      const x = parseDebVersion(a);
      const y = parseDebVersion(b);
      return x && y ? compareDebVersion(x, y) : null;
    }
    const x = parseSemver(a);
    const y = parseSemver(b);
    return x && y ? compareSemver(x, y) : null;
  };
  const ok = new Map(versions.map((v) => [v.version, versionRefusal({ ...artifact, reference: '' }, v.version) === null]));
  return [...versions].sort((a, b) => {
    const oa = ok.get(a.version)!;
    const ob = ok.get(b.version)!;
    if (oa !== ob) return oa ? -1 : 1;
    const c = oa ? cmp(b.version, a.version) : null;
    if (c !== null && c !== 0) return c;
    if (a.createdAt !== b.createdAt) return b.createdAt - a.createdAt;
    return a.version < b.version ? 1 : a.version > b.version ? -1 : 0;
  });
}
