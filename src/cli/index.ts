/**
 * The `slackops` command (commander):
 * - `slackops serve [--config FILE]` runs the service;
 * - `slackops manifest --app-name NAME --display-name NAME --gate-url URL [--format yaml|json] [--user-groups]` prints
 *   the Slack app manifest to paste into Slack's "From an app manifest" dialog; with `--socket-mode` the manifest
 *   turns Socket Mode on, has no request URL and `--gate-url` may be left out; `--user-groups` adds the
 *   `usergroups:read` bot scope (for `authz.slackUserGroups`);
 * - `slackops config check [--config FILE]` validates the configuration (including the rule that a non-loopback
 *   `server.host` needs authentication) and, when a bot token is set, calls `auth.test` to show which workspace and bot it reaches.
 * - `slackops token create --user EMAIL [--roles a,b] [--name NAME]` prints a new API token once, and the
 *   `auth.tokens` entry (its SHA-256, never the token) to paste into the configuration.
 * - `slackops delivery apply -f spinnaker.yml [--url URL] [--token TOKEN]` submits a delivery config (src/cli/delivery.ts).
 * Exit codes: 0 ok, 1 runtime failure (database, Slack), 2 bad configuration or options.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { ConfigError, loadConfig, redactedConfig } from '../config/index.js';
import { buildManifest, manifestToText } from '../slack/manifest.js';
import { SlackApi, SlackApiError } from '../slack/client.js';
import { newToken, sha256Hex, tokenConfigEntry } from '../auth/tokens.js';
import { assertBindAllowed } from '../auth/bind.js';
import { deliveryCommands } from './delivery.js';

function fail(message: string, code: number): never {
  process.stderr.write(`slackops: ${message}\n`);
  process.exit(code);
}

function load(file: string | undefined) {
  try {
    return loadConfig({ file: file ?? null, env: process.env });
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message, 2);
    throw err;
  }
}

const program = new Command();
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
program
  .name('slackops')
  .description('Pipelines that stop at a Manual Judgment, approved or rejected from Slack')
  .version(pkg.version)
  .showHelpAfterError()
  // Usage errors (unknown or missing options) exit 2, like bad configuration; --help and --version exit 0.
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));

program
  .command('serve')
  .description('run the service (API, engine, Slack callback)')
  .option('-c, --config <file>', 'YAML configuration file (default: $SLACKOPS_CONFIG, else built-in defaults)')
  .action(async (opts: { config?: string }) => {
    const config = load(opts.config);
    const { createService } = await import('../service.js');
    let service;
    try {
      service = await createService(config);
      await service.start();
    } catch (err) {
      // A refused bind is a configuration problem (exit 2), like a bad file.
      fail((err as Error).message, (err as Error).name === 'BindRefusedError' ? 2 : 1);
    }
    let stopping = false;
    const shutdown = (signal: string) => {
      if (stopping) return;
      stopping = true;
      service.logger.info({ signal }, 'stopping');
      service.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGTERM', () => shutdown('SIGTERM'));
  });

program
  .command('manifest')
  .description("print the Slack app manifest (paste it into Slack's \"Create New App → From an app manifest\")")
  .requiredOption('--app-name <name>', 'the app name shown in Slack')
  .requiredOption('--display-name <name>', "the bot user's display name")
  .option(
    '--gate-url <url>',
    'the public URL of this service (server.publicUrl); Slack posts clicks to <url>/notifications/callbacks/slack (required unless --socket-mode)',
  )
  .option('--socket-mode', 'Slack sends clicks over Socket Mode (slack.socketMode: true): no request URL, Slack need not reach this service')
  .option('--user-groups', 'also ask for the usergroups:read bot scope, so Slack user groups can count as roles (authz.slackUserGroups)')
  .addOption(new Option('--format <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
  .action(
    (opts: { appName: string; displayName: string; gateUrl?: string; socketMode?: boolean; userGroups?: boolean; format: 'yaml' | 'json' }) => {
      if (!opts.socketMode && (opts.gateUrl === undefined || opts.gateUrl.trim() === '')) {
        fail("required option '--gate-url <url>' not specified (leave it out only with --socket-mode)", 2);
      }
      let gateUrl = opts.gateUrl?.trim();
      if (gateUrl && /\/notifications\/callbacks\/slack\/?$/.test(gateUrl)) {
        // People paste the full callback URL; the option wants the service's base URL.
        gateUrl = gateUrl.replace(/\/notifications\/callbacks\/slack\/?$/, '');
        process.stderr.write(`slackops: --gate-url is the service's base URL; using ${gateUrl}\n`);
      }
      let text: string;
      try {
        const manifest = buildManifest({
          appName: opts.appName.trim(),
          displayName: opts.displayName.trim(),
          gateUrl,
          socketMode: opts.socketMode === true,
          userGroups: opts.userGroups === true,
        });
        text = manifestToText(manifest, opts.format);
      } catch (err) {
        // Name the options as the person typed them.
        const message = (err as Error).message
          .replace(/\bappName\b/g, '--app-name')
          .replace(/\bdisplayName\b/g, '--display-name')
          .replace(/\bgateUrl\b/g, '--gate-url');
        fail(message, 2);
      }
      process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    },
  );

const configCmd = program.command('config').description('configuration commands');
configCmd
  .command('check')
  .description('validate the configuration and test the Slack bot token with auth.test')
  .option('-c, --config <file>', 'YAML configuration file (default: $SLACKOPS_CONFIG)')
  .action(async (opts: { config?: string }) => {
    const config = load(opts.config);
    try {
      assertBindAllowed(config);
    } catch (err) {
      fail((err as Error).message, 2);
    }
    process.stdout.write(`configuration is valid:\n${JSON.stringify(redactedConfig(config), null, 2)}\n`);
    if (config.slack.mode === 'sandbox') {
      process.stdout.write(`slack: the built-in sandbox (slack.mode: sandbox): judgment messages appear at ${config.server.publicUrl}/#/slack-sandbox; Slack is not checked\n`);
      return;
    }
    if (!config.slack.token) {
      process.stdout.write('slack: no bot token configured; Slack is not checked\n');
      return;
    }
    try {
      const who = await new SlackApi({ token: config.slack.token, baseUrl: config.slack.baseUrl }).authTest();
      process.stdout.write(`slack: reached workspace "${who.team}" (${who.teamId}) at ${who.url} as bot user "${who.user}" (${who.userId})\n`);
    } catch (err) {
      const msg = err instanceof SlackApiError ? err.message : (err as Error).message;
      fail(`slack: auth.test failed: ${msg}`, 1);
    }
  });

const tokenCmd = program.command('token').description('API tokens (auth.tokens)');
tokenCmd
  .command('create')
  .description('print a new API token once, and the auth.tokens entry (its SHA-256) to paste into the configuration')
  .requiredOption('--user <email>', 'the user the token acts as (an email, so authz.roles apply to it too)')
  .option('--roles <roles>', 'comma-separated roles the token holds (on top of what authz.roles gives the user)', '')
  .option('--name <name>', 'a name for the entry (default: <user>-<random>)')
  .action((opts: { user: string; roles: string; name?: string }) => {
    const user = opts.user.trim();
    if (user === '' || /\s/.test(user)) fail('--user: expected an email such as alice@example.com, without spaces', 2);
    const roles = [...new Set(opts.roles.split(',').map((r) => r.trim()).filter((r) => r !== ''))];
    const name = (opts.name ?? `${user.split('@')[0]}-${newToken().slice(4, 10)}`).trim();
    if (name === '' || /[\r\n]/.test(name)) fail('--name: expected a single-line name', 2);
    const token = newToken();
    process.stdout.write(
      [
        `# API token for ${user} — shown once, kept nowhere; send it as "Authorization: Bearer <token>":`,
        token,
        '# Paste this under auth.tokens in the configuration (it holds only the SHA-256 of the token), then restart:',
        'auth:',
        '  tokens:',
        tokenConfigEntry({ name, tokenSha256: sha256Hex(token), user, roles }).replace(/^/gm, '  '),
        '',
      ].join('\n'),
    );
  });

deliveryCommands(program);

await program.parseAsync(process.argv);
