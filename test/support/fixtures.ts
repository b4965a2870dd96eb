/**
 * Reads the test fixtures (Slack's signature example, payload shapes, manifest schema, a Spinnaker pipeline) from
 * test/fixtures, copied from the team's shared fixtures; SLACKOPS_FIXTURES_DIR points elsewhere.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES_DIR = process.env.SLACKOPS_FIXTURES_DIR ?? fileURLToPath(new URL('../fixtures/', import.meta.url));

/** Parsed JSON of one fixture file. */
export function fixture<T = Record<string, unknown>>(file: string): T {
  return JSON.parse(readFileSync(join(FIXTURES_DIR, file), 'utf8')) as T;
}
