/**
 * `GET /`: a placeholder page until the web UI lands. Slack messages link to Deck-shaped URLs
 * (`/#/applications/{app}/executions/details/{id}?refId=…`); this page reads that hash and links to the
 * execution's JSON, so the link in a Slack message leads somewhere useful today.
 */
import type { FastifyInstance } from 'fastify';

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SlackOps</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}code{background:#eee;padding:0 .2em}</style>
</head><body>
<h1>SlackOps</h1>
<p id="where">The web UI is not built yet. The REST API (Spinnaker Gate's paths) is served here: see the README.</p>
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

export function uiRoutes(app: FastifyInstance): void {
  app.get('/', { config: { auth: 'none' } }, async (_req, reply) => reply.type('text/html; charset=utf-8').send(PAGE));
}
