/**
 * Slack's own JSON Schema for app manifests (test/fixtures), compiled with Ajv, so tests can check that what we
 * print pastes into Slack's "From an app manifest" dialog.
 */
import { expect } from 'vitest';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { fixture } from './fixtures.js';

// ajv-formats is CommonJS; under NodeNext its default import is the module object or the plugin itself.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv) => Ajv;

export const manifestSchema = fixture('slack-manifest.schema.1.0.0.json');

/** Slack's manifest schema is draft-07 (`$schema`), which the default Ajv class implements. */
export function manifestValidator() {
  expect(manifestSchema.$schema).toBe('http://json-schema.org/draft-07/schema#');
  // strictTypes off: Slack's schema has keywords like minItems without a sibling type, which is valid JSON Schema.
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false });
  addFormats(ajv);
  // Slack's schema has two non-standard keywords: `_note` (an annotation) and `regex` (on background_color),
  // implemented here as a pattern check. Strict mode stays on so any other surprise fails loudly.
  ajv.addKeyword({ keyword: '_note' });
  ajv.addKeyword({
    keyword: 'regex',
    type: 'string',
    schemaType: 'string',
    validate: (re: string, data: string) => new RegExp(re).test(data),
  });
  return ajv.compile(manifestSchema);
}

