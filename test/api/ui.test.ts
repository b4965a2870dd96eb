/** The web UI served from a build folder next to the JSON API; a clear page when it is not built. */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandboxService, type SandboxService } from '../support/sandbox-service.js';
import { DEFAULT_UI_DIR } from '../../src/api/routes/ui.js';

let s: SandboxService | null = null;
const dirs: string[] = [];
afterEach(async () => {
  await s?.close();
  s = null;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function build(): string {
  const dir = mkdtempSync(join(tmpdir(), 'slackops-ui-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>SlackOps UI</title><script type="module" src="./assets/app-abc123.js"></script>');
  writeFileSync(join(dir, 'assets', 'app-abc123.js'), 'console.log("ui")');
  return dir;
}

describe('GET / and the UI build', () => {
  it('serves index.html and the assets from the build; API paths keep answering JSON', async () => {
    const dir = build();
    s = await startSandboxService({ uiDir: dir });
    const index = await fetch(`${s.service.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/text\/html/);
    expect(await index.text()).toContain('<title>SlackOps UI</title>');
    const asset = await fetch(`${s.service.url}/assets/app-abc123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toMatch(/immutable/);

    expect((await s.api('GET', '/applications')).body).toEqual([]);
    expect((await s.api('GET', '/health')).body).toMatchObject({ status: 'UP' });
    const missing = await s.api('GET', '/pipelines/no-such-execution');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ status: 404 });
    const noFile = await s.api('GET', '/assets/nothing.js');
    expect(noFile.status).toBe(404);
    expect(noFile.body).toMatchObject({ status: 404, message: 'no route for GET /assets/nothing.js' });
    // No path escapes the build folder.
    expect((await fetch(`${s.service.url}/..%2f..%2fpackage.json`)).status).toBe(404);
    const escape = await fetch(`${s.service.url}/assets/..%2f..%2f..%2fetc%2fpasswd`);
    expect(escape.status).toBeGreaterThanOrEqual(400);
    expect(await escape.text()).not.toContain('root:');
    // Top-level files of the build are served too; a long path parameter is still the API's 414.
    writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    expect((await fetch(`${s.service.url}/favicon.svg`)).status).toBe(200);
    expect((await s.api('GET', `/pipelines/${'x'.repeat(600)}`)).status).toBe(414);
  });

  it('says to run npm run build when there is no build', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'slackops-ui-none-'));
    dirs.push(empty);
    s = await startSandboxService({ uiDir: join(empty, 'dist-ui') });
    const page = await fetch(`${s.service.url}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('The web UI is not built');
    expect(html).toContain('npm run build');
  });

  it('the real build loads nothing from another origin (no CDN)', () => {
    const files = [join(DEFAULT_UI_DIR, 'index.html'), ...readdirSync(join(DEFAULT_UI_DIR, 'assets')).filter((f) => f.endsWith('.css')).map((f) => join(DEFAULT_UI_DIR, 'assets', f))];
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      expect(text, f).not.toMatch(/(src|href)=["']?(https?:)?\/\//i);
      expect(text, f).not.toMatch(/@import\s+url\(["']?(https?:)?\/\//i);
    }
  });
});
