/**
 * Configuration: one validated, typed `Config` from a YAML file and the environment. See `CONFIG_REFERENCE` for
 * every key, default and environment variable.
 */
export { loadConfig, parseConfig, isLoopbackHost, type Config, type LoadConfigOptions, type LogLevel, type TokenEntry, type OidcConfig } from './load.js';
export { ConfigError, type ConfigIssue } from './errors.js';
export { redactedConfig, SECRET_LOG_PATHS, type RedactedConfig } from './redact.js';
export {
  CONFIG_REFERENCE,
  CONFIG_FILE_ENV,
  ENV_VARS,
  configReferenceMarkdown,
  type ConfigReferenceEntry,
} from './reference.js';
export { LOG_LEVELS } from './values.js';
