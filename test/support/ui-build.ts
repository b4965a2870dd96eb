/**
 * vitest globalSetup: makes sure dist/ui (the built web UI the service serves) exists and is not older than the
 * UI sources, running `vite build` (about 2 s) only when it is missing or stale. The build goes to a temporary
 * folder that then replaces dist/ui, so a test reading dist/ui never sees half a build.
 */
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const UI = join(ROOT, 'ui');
const OUT = join(ROOT, 'dist', 'ui');

function newest(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).map((n) => newest(join(path, n))));
}

/** True when dist/ui/index.html is missing or older than any file under ui/. */
export function uiBuildStale(): boolean {
  const index = join(OUT, 'index.html');
  return !existsSync(index) || statSync(index).mtimeMs < newest(UI);
}

export default async function setup(): Promise<void> {
  if (!existsSync(UI) || !uiBuildStale()) return;
  const { build } = await import('vite');
  const tmp = join(ROOT, 'dist', `ui.build-${process.pid}`);
  await build({ configFile: join(UI, 'vite.config.ts'), logLevel: 'error', build: { outDir: tmp, emptyOutDir: true } });
  rmSync(OUT, { recursive: true, force: true });
  renameSync(tmp, OUT);
}
