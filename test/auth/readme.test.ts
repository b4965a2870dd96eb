/** The README's configuration reference is generated from CONFIG_REFERENCE: it must be the current output. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configReferenceMarkdown } from '../../src/config/index.js';

describe('README configuration reference', () => {
  it('is exactly configReferenceMarkdown() between the markers', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const start = '<!-- config-reference:start -->\n';
    const end = '<!-- config-reference:end -->';
    const block = readme.slice(readme.indexOf(start) + start.length, readme.indexOf(end));
    expect(block).toBe(`${configReferenceMarkdown()}\n`);
  });
});
