/**
 * The README shows the Slack message before and after a decision as Block Kit JSON (docs/). This keeps those files
 * equal to what the builders render now; `UPDATE_DOCS=1 npx vitest run test/slack/docs-examples.test.ts` rewrites
 * them after an intended change.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { judgmentMessage } from '../../src/slack/blocks.js';
import { EXAMPLE_APPROVED, EXAMPLE_AWAITING } from '../support/example-views.js';

const cases = [
  ['docs/slack-message-awaiting.json', EXAMPLE_AWAITING],
  ['docs/slack-message-approved.json', EXAMPLE_APPROVED],
] as const;

describe('README Slack examples', () => {
  for (const [file, view] of cases) {
    it(`${file} is what the service posts`, () => {
      const url = new URL(`../../${file}`, import.meta.url);
      const rendered = `${JSON.stringify({ blocks: judgmentMessage(view).blocks }, null, 2)}\n`;
      if (process.env.UPDATE_DOCS) writeFileSync(url, rendered);
      expect(readFileSync(url, 'utf8')).toBe(rendered);
    });
  }
});
