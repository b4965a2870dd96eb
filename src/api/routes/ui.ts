/**
 * The web UI: the single-page app built by `npm run build` (`vite build` → `dist/ui`), served from disk with
 * @fastify/static — nothing from a CDN. `GET /` is its index.html, `GET /assets/*` its hashed assets and
 * `GET /<file>` its other top-level files; no catch-all route, so every API path keeps its own answers. Screens live in the URL's hash (`/#/applications/...`, Deck's shape), so the server needs no
 * history fallback.
 *
 * When the build is missing, `GET /` answers a short page saying to run `npm run build` (and, for a Deck-shaped
 * execution link from a Slack message, links to the execution's JSON).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';

/** Where the build goes: `<package root>/dist/ui` (the same from src/ under tsx and from the compiled dist/). */
export const DEFAULT_UI_DIR = resolve(fileURLToPath(new URL('../../../dist/ui', import.meta.url)));

/** Names of top-level build files served (no path separators, no dot files). */
const TOP_LEVEL_FILE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,100}\.(html|ico|svg|png|txt|webmanifest|json|js|css)$/;

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

/** The page and its files are open even with auth enabled: they hold no data; the API calls they make are checked. */
const OPEN = { config: { auth: 'none' as const } };

/**
 * Serves the UI build in `dir` (default {@link DEFAULT_UI_DIR}). Files are looked up per request, so building while
 * the service runs needs no restart.
 */
export function uiRoutes(app: FastifyInstance, opts: { dir?: string } = {}): void {
  const dir = resolve(opts.dir ?? DEFAULT_UI_DIR);
  const built = () => existsSync(join(dir, 'index.html'));
  // Only reply.sendFile is used from the plugin: the routes below are narrow, so that no catch-all route shadows the
  // API's own errors (a too-long path parameter is still a 414, an unknown path the API's 404).
  void app.register(fastifyStatic, { root: dir, serve: false, cacheControl: false });
  const sendFrom = (reply: FastifyReply, file: string, cache: string) => reply.header('cache-control', cache).sendFile(file, dir);
  // Vite puts every built file but index.html under assets/, with a content hash in its name.
  app.get<{ Params: { '*': string } }>('/assets/*', OPEN, async (req, reply) => sendFrom(reply, `assets/${req.params['*']}`, 'public, max-age=31536000, immutable'));
  // Top-level files of the build (a favicon, say), looked up per request.
  app.get<{ Params: { file: string } }>('/:file', OPEN, async (req, reply) => {
    const file = req.params.file;
    if (!TOP_LEVEL_FILE.test(file) || !existsSync(join(dir, file))) return reply.callNotFound();
    return sendFrom(reply, file, file.endsWith('.html') ? 'no-cache' : 'public, max-age=3600');
  });
  app.get('/', OPEN, async (_req, reply) => {
    if (!built()) return reply.type('text/html; charset=utf-8').send(NOT_BUILT);
    return reply.header('cache-control', 'no-cache').sendFile('index.html', dir);
  });
}
