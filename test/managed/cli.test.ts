/**
 * `slackops delivery apply -f spinnaker.yml` as a person runs it: a real child process against a running service.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { SPINNAKER_YML, deployPipeline } from './support.js';

const root = new URL('../../', import.meta.url).pathname;
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  expect((await h.api('POST', '/pipelines', deployPipeline())).status).toBe(200);
});
afterAll(async () => {
  await h.close();
});

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/index.ts'), ...args], {
      cwd: root,
      env: { ...process.env, SLACKOPS_URL: '', SLACKOPS_TOKEN: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => (stdout += d));
    proc.stderr.on('data', (d) => (stderr += d));
    proc.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('slackops delivery apply', () => {
  it('submits spinnaker.yml, and prints each problem with its path when the service refuses it', async () => {
    const good = join(h.dir, 'spinnaker.yml');
    writeFileSync(good, SPINNAKER_YML);
    const ok = await run(['delivery', 'apply', '-f', good, '--url', h.service.url]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('applied delivery config checkout-delivery for application checkout (environments: test → prod)');
    expect((await h.api('GET', '/managed/delivery-configs/checkout-delivery')).status).toBe(200);

    const bad = join(h.dir, 'bad.yml');
    writeFileSync(bad, SPINNAKER_YML.replace('environment: test', 'environment: staging'));
    const refused = await run(['delivery', 'apply', '-f', bad, '--url', h.service.url]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('environments[1].constraints[0].environment: no such environment');

    const missing = await run(['delivery', 'apply', '-f', join(h.dir, 'nope.yml'), '--url', h.service.url]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read: ENOENT');
  });
});
