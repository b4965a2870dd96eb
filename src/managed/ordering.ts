/**
 * How versions of an artifact are ordered, newest first, as keel sorts them for the artifact type: docker tags that
 * are semantic versions (`1.2.3`, `v1.2.3`, `1.2.3-rc.1`) by SemVer 2.0.0 precedence (keel's `SEMVER_TAG`
 * strategy); everything else (and docker tags that are not all semver) by creation time, newest first; ties by
 * version string. (`semver` is only a transitive dependency here, so the precedence rule is implemented below.)
 */
import type { ArtifactType, ArtifactVersion } from './model.js';

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

/** Versions sorted newest first for the artifact `type`. Does not change `versions`. */
export function sortNewestFirst(type: ArtifactType, versions: ArtifactVersion[]): ArtifactVersion[] {
  const parsed = new Map(versions.map((v) => [v.version, parseSemver(v.version)]));
  const bySemver = type === 'docker' && versions.length > 0 && versions.every((v) => parsed.get(v.version) !== null);
  return [...versions].sort((a, b) => {
    if (bySemver) {
      const c = compareSemver(parsed.get(b.version)!, parsed.get(a.version)!);
      if (c !== 0) return c;
    }
    if (a.createdAt !== b.createdAt) return b.createdAt - a.createdAt;
    return a.version < b.version ? 1 : a.version > b.version ? -1 : 0;
  });
}
