/** One problem found in the configuration. */
export interface ConfigIssue {
  /**
   * Dotted key of the setting, e.g. `server.port` or `slack.app.token`; for problems with the file itself
   * (missing, unreadable, not YAML) the file's path, e.g. `/etc/slackops.yaml` or `/etc/slackops.yaml:3:7`.
   */
  path: string;
  /** What is wrong, in words. Never contains a secret value (tokens, signing secrets, database passwords). */
  message: string;
}

/**
 * Thrown by `loadConfig`/`parseConfig` when the configuration can't be used. Carries every problem found in one
 * pass (not just the first), so an operator fixes the file once.
 *
 * `message` is a header followed by one line per issue, `  <path>: <problem>`, e.g.
 * ```
 * invalid configuration in /etc/slackops.yaml (2 problems):
 *   server.port: expected an integer between 1 and 65535, got "abc"
 *   slack.token: required when slack.enabled is true (set it in the file or SLACKOPS_SLACK_TOKEN)
 * ```
 * Neither `message` nor `issues` ever contains a secret value: the loader scrubs every secret it has seen
 * (file or environment) from the texts before constructing the error.
 */
export class ConfigError extends Error {
  readonly issues: ConfigIssue[];
  /** Absolute path of the file that was read, or null when the config came from defaults/environment only. */
  readonly file: string | null;

  constructor(issues: ConfigIssue[], file: string | null = null) {
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    const where = file === null ? '' : ` in ${file}`;
    super(`invalid configuration${where} (${count}):\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
    this.file = file;
  }
}
