/**
 * The web UI: the single-page app built by `npm run build` (`vite build` → `dist/ui`), served from disk with
 * @fastify/static — nothing from a CDN. `GET /` is its index.html; its assets are served by name; the JSON API's
 * routes are more specific than the static catch-all, so they keep working, and a path that is neither answers the
 * API's 404. Screens live in the URL's hash (`/#/applications/...`, Deck's shape), so the server needs no
 * history fallback.
 *
 * When the build is missing, `GET /` answers a short page saying to run `npm run build` (and, for a Deck-shaped
 * execution link from a Slack message, links to the execution's JSON).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';

/** Where the build goes: `<package root>/dist/ui` (the same from src/ under tsx and from the compiled dist/). */
export const DEFAULT_UI_DIR = resolve(fileURLToPath(new URL('../../../dist/ui', import.meta.url)));

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SlackOps</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}code{background:#eee;padding:0 .2em}</style>
</head><body>
<h1>SlackOps</h1>
<p><strong>The web UI is not built.</strong> Run <code>npm run build</code> in the SlackOps folder, then reload this page
(no restart needed). The REST API (Spinnaker Gate's paths) works meanwhile: see the README.</p>
<p id="where"></p>
<script>
  const m = /^#\\/applications\\/([^/]+)\\/executions\\/details\\/([^?]+)/.exec(location.hash);
  if (m) {
    const id = decodeURIComponent(m[2]);
    const p = document.getElementById('where');
    p.textContent = 'Execution ' + id + ' of ' + decodeURIComponent(m[1]) + ': ';
    const a = document.createElement('a');
    a.href = '/pipelines/' + encodeURIComponent(id);
    a.textContent = 'its JSON (GET /pipelines/' + id + ')';
    p.appendChild(a);
  }
</script>
</body></html>
`;

/**
 * Serves the UI build in `dir` (default {@link DEFAULT_UI_DIR}). Whether the build exists is checked per request
 * of `/`, so building while the service runs needs no restart.
 */
export function uiRoutes(app: FastifyInstance, opts: { dir?: string } = {}): void {
  const dir = resolve(opts.dir ?? DEFAULT_UI_DIR);
  const built = () => existsSync(join(dir, 'index.html'));
  void app.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    // `/` is answered below (index.html, or the "not built" page).
    index: false,
    // One catch-all route: files are looked up per request, so a build made while the service runs is served (the
    // folder may not exist yet; @fastify/static then only logs a warning).
    wildcard: true,
    preCompressed: false,
    // Cache headers are set below, not by send.
    cacheControl: false,
    setHeaders: (res, path) => {
      // Asset names carry a content hash; the index must be fetched again to pick up a new build.
      if (path.endsWith('.html')) res.setHeader('cache-control', 'no-cache');
      else if (path.includes(`${join(dir, 'assets')}`)) res.setHeader('cache-control', 'public, max-age=31536000, immutable');
    },
  });
  app.get('/', async (_req, reply) => {
    if (!built()) return reply.type('text/html; charset=utf-8').send(NOT_BUILT);
    return reply.header('cache-control', 'no-cache').sendFile('index.html', dir);
  });
}
