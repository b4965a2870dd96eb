/**
 * `slackops delivery apply -f spinnaker.yml [--url URL] [--token TOKEN]`: submits a delivery config to a running
 * service (`POST /managed/delivery-configs`, YAML sent as `application/x-yaml`, a `.json` file as JSON), like
 * Spinnaker's `spin` would. The token comes from `--token` or `$SLACKOPS_TOKEN` and is sent as a Bearer token; it is
 * never printed. With `auth.enabled` the token's roles need WRITE on the config's application (403 otherwise, exit
 * 1). It sends `X-SLACKOPS-CLIENT: cli`, so the audit log records the submit `via: cli`. Exit codes: 0 applied, 1 the service could not be reached or failed, 2 bad options or a config
 * the service refused (each problem printed with its path).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';

export interface ApplyResult {
  code: 0 | 1 | 2;
  /** Lines for stdout (success) or stderr (failure). */
  out: string[];
  err: string[];
}

/**
 * Reads `file` and submits it to `url`.
 * @returns what to print and the exit code; never throws.
 */
export async function applyDeliveryConfig(opts: { file: string; url: string; token?: string | null }): Promise<ApplyResult> {
  let body: string;
  try {
    body = readFileSync(opts.file, 'utf8');
  } catch (err) {
    return { code: 2, out: [], err: [`-f ${opts.file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`] };
  }
  let base: URL;
  try {
    base = new URL(opts.url);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    return { code: 2, out: [], err: [`--url: expected the service's base URL such as http://127.0.0.1:8084, got ${opts.url.slice(0, 100)}`] };
  }
  const json = opts.file.toLowerCase().endsWith('.json');
  const headers: Record<string, string> = { 'content-type': json ? 'application/json' : 'application/x-yaml', 'x-slackops-client': 'cli' };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let res: Response;
  try {
    res = await fetch(new URL('managed/delivery-configs', base.href.endsWith('/') ? base.href : `${base.href}/`), { method: 'POST', headers, body });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    return { code: 1, out: [], err: [`cannot reach ${base.origin}: ${cause}`] };
  }
  const text = await res.text();
  let parsed: any = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  if (res.ok) {
    const envs = Array.isArray(parsed?.environments) ? parsed.environments.map((e: { name: string }) => e.name).join(' → ') : '';
    return { code: 0, out: [`applied delivery config ${parsed?.name ?? '?'} for application ${parsed?.application ?? '?'}${envs ? ` (environments: ${envs})` : ''}`], err: [] };
  }
  const issues: Array<{ path: string; message: string }> = Array.isArray(parsed?.issues) ? parsed.issues : [];
  const lines = issues.length > 0 ? issues.map((i) => `${i.path}: ${i.message}`) : [String(parsed?.message ?? text).slice(0, 500)];
  return { code: res.status >= 400 && res.status < 500 && res.status !== 401 && res.status !== 403 ? 2 : 1, out: [], err: [`refused (${res.status}):`, ...lines] };
}

/** Adds `delivery apply` to the program. */
export function deliveryCommands(program: Command): void {
  const delivery = program.command('delivery').description('managed delivery (delivery configs)');
  delivery
    .command('apply')
    .description('submit a delivery config (spinnaker.yml) to a running service')
    .requiredOption('-f, --file <file>', 'the delivery config, YAML (or JSON when it ends in .json)')
    .option('--url <url>', 'the service base URL (default: $SLACKOPS_URL, else http://127.0.0.1:8084)')
    .option('--token <token>', 'API token (default: $SLACKOPS_TOKEN)')
    .action(async (opts: { file: string; url?: string; token?: string }) => {
      const r = await applyDeliveryConfig({
        file: opts.file,
        url: opts.url ?? process.env.SLACKOPS_URL ?? 'http://127.0.0.1:8084',
        token: opts.token ?? process.env.SLACKOPS_TOKEN ?? null,
      });
      for (const l of r.out) process.stdout.write(`${l}\n`);
      for (const l of r.err) process.stderr.write(`slackops: ${l}\n`);
      process.exit(r.code);
    });
}
