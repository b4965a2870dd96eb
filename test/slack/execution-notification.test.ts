/**
 * Pipeline- and stage-level notifications (echo's `pipeline.*` / `stage.*` events) as compact Block Kit.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ExecutionEventName, ExecutionNotificationView } from '../../src/model/judgment.js';
import { BLOCK_KIT_LIMITS, checkBlockKitLimits, executionNotification } from '../../src/slack/blocks.js';

type Obj = Record<string, any>;

const URL = 'https://slackops.example.com/#/applications/checkout/executions/details/01HEXEC?refId=2';

function note(over: Partial<ExecutionNotificationView> = {}): ExecutionNotificationView {
  return {
    event: 'pipeline.complete',
    application: 'checkout',
    pipelineName: 'Deploy',
    executionId: '01HEXEC',
    executionUrl: URL,
    status: 'SUCCEEDED',
    triggeredBy: 'dave@example.com',
    stageName: null,
    customText: null,
    startTime: 1_700_000_000_000,
    endTime: 1_700_000_125_000,
    error: null,
    ...over,
  };
}

const head = (blocks: unknown[]): Obj => blocks[0] as Obj;
const contextText = (blocks: unknown[]): string => (blocks.at(-1) as Obj).elements[0].text;

describe('executionNotification', () => {
  it('pipeline.starting: emoji, one line, who triggered (no duration without an end), link', () => {
    const { blocks, text } = executionNotification(note({ event: 'pipeline.starting', status: 'RUNNING', endTime: null }));
    expect(head(blocks).text.text).toBe(':arrow_forward: *checkout* / *Deploy*: pipeline started');
    expect(head(blocks).accessory).toEqual({
      type: 'button',
      text: { type: 'plain_text', text: 'View execution', emoji: true },
      url: URL,
      action_id: 'open_execution',
    });
    expect(contextText(blocks)).toBe('Triggered by dave@example.com');
    expect(text).toBe('checkout / Deploy: pipeline started');
    expect(blocks).toHaveLength(2);
    expect(checkBlockKitLimits(blocks)).toEqual([]);
  });

  it('pipeline.complete: duration when both times are known', () => {
    const { blocks, text } = executionNotification(note());
    expect(head(blocks).text.text).toBe(':white_check_mark: *checkout* / *Deploy*: pipeline completed');
    expect(contextText(blocks)).toBe('Triggered by dave@example.com · took 2m 5s');
    expect(text).toBe('checkout / Deploy: pipeline completed');
  });

  it('pipeline.failed: the error, escaped', () => {
    const { blocks, text } = executionNotification(
      note({ event: 'pipeline.failed', status: 'TERMINAL', error: 'stage "Deploy" TERMINAL: <!channel> timed out & gave up' }),
    );
    expect(head(blocks).text.text).toBe(
      ':x: *checkout* / *Deploy*: pipeline failed: stage "Deploy" TERMINAL: &lt;!channel&gt; timed out &amp; gave up',
    );
    expect(text).toBe('checkout / Deploy: pipeline failed: stage "Deploy" TERMINAL: &lt;!channel&gt; timed out &amp; gave up');
    expect(JSON.stringify(blocks)).not.toContain('<!channel>');
  });

  it('notes a status other than the one the event implies', () => {
    const { blocks } = executionNotification(note({ event: 'pipeline.failed', status: 'CANCELED' }));
    expect(head(blocks).text.text).toBe(':x: *checkout* / *Deploy*: pipeline failed (CANCELED)');
    const stopped = executionNotification(note({ event: 'stage.complete', stageName: 'Soak', status: 'FAILED_CONTINUE' }));
    expect(head(stopped.blocks).text.text).toBe(':white_check_mark: *checkout* / *Deploy*: stage *Soak* completed (FAILED_CONTINUE)');
  });

  it('stage.starting / stage.complete / stage.failed name the stage', () => {
    const starting = executionNotification(note({ event: 'stage.starting', stageName: 'Soak', status: 'RUNNING', endTime: null }));
    expect(head(starting.blocks).text.text).toBe(':arrow_forward: *checkout* / *Deploy*: stage *Soak* started');
    expect(starting.text).toBe('checkout / Deploy: stage Soak started');
    const complete = executionNotification(note({ event: 'stage.complete', stageName: 'Soak' }));
    expect(head(complete.blocks).text.text).toBe(':white_check_mark: *checkout* / *Deploy*: stage *Soak* completed');
    expect(contextText(complete.blocks)).toBe('Triggered by dave@example.com · took 2m 5s');
    const failed = executionNotification(note({ event: 'stage.failed', stageName: 'Soak', status: 'TERMINAL', error: 'boom' }));
    expect(head(failed.blocks).text.text).toBe(':x: *checkout* / *Deploy*: stage *Soak* failed: boom');
  });

  it("shows the author's custom text like instructions: formatting and links kept, mentions escaped", () => {
    const { blocks } = executionNotification(
      note({ customText: 'Version *7.7.7* is out, see <https://docs.example.com|notes> <!here> <@U123>' }),
    );
    expect((blocks[1] as Obj).text.text).toBe('Version *7.7.7* is out, see <https://docs.example.com|notes> &lt;!here&gt; &lt;@U123&gt;');
    expect((blocks[1] as Obj).text.verbatim).toBe(true);
  });

  it('shows a link that came from the trigger user or the error as text', () => {
    const { blocks } = executionNotification(
      note({ triggeredBy: 'https://evil.example.com', customText: 'Started by https://evil.example.com, see <https://docs.example.com|docs>' }),
    );
    expect((blocks[1] as Obj).text.text).toBe('Started by https://evil.example.com, see <https://docs.example.com|docs>');
  });

  it('escapes names and the triggering user', () => {
    const { blocks, text } = executionNotification(
      note({ event: 'stage.complete', application: '<!channel>', pipelineName: 'a&b', stageName: '<@U1>', triggeredBy: '<!everyone>' }),
    );
    const json = JSON.stringify(blocks);
    expect(json).not.toMatch(/<!channel>|<@U1>|<!everyone>/);
    expect(head(blocks).text.text).toBe(':white_check_mark: *&lt;!channel&gt;* / *a&amp;b*: stage *&lt;@U1&gt;* completed');
    expect(contextText(blocks)).toBe('Triggered by &lt;!everyone&gt; · took 2m 5s');
    expect(text).toBe('&lt;!channel&gt; / a&amp;b: stage &lt;@U1&gt; completed');
  });

  it('names the execution instead of a link button when the URL is unusable', () => {
    const { blocks } = executionNotification(note({ executionUrl: 'javascript:alert(1)' }));
    expect(head(blocks).accessory).toBeUndefined();
    expect(contextText(blocks)).toBe('Triggered by dave@example.com · took 2m 5s · execution 01HEXEC');
    expect(JSON.stringify(blocks)).not.toContain('javascript:');
  });

  it('leaves a negative or unknown duration out', () => {
    expect(contextText(executionNotification(note({ endTime: 1 })).blocks)).toBe('Triggered by dave@example.com');
    expect(contextText(executionNotification(note({ startTime: null })).blocks)).toBe('Triggered by dave@example.com');
  });

  it('stays within limits for a huge error and custom text', () => {
    const { blocks, text } = executionNotification(
      note({ event: 'pipeline.failed', status: 'TERMINAL', error: '<&>'.repeat(10_000), customText: 'x'.repeat(10_000), stageName: 'S'.repeat(500) }),
    );
    expect(checkBlockKitLimits(blocks)).toEqual([]);
    expect(text.length).toBeLessThanOrEqual(BLOCK_KIT_LIMITS.text);
    expect(head(blocks).text.text).toContain('(truncated; see the execution)');
  });

  it('keeps Block Kit limits for any view (fuzz)', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ maxLength: 5000, unit: fc.constantFrom('&', '<', '>', '*', '\n', ' ', 'a', '|', '😀', '\uD800') }),
      fc.constantFrom('', '<!channel>', 'https://x.example/a?b=1&c=2', '<https://x|y>'),
    );
    const time = fc.option(fc.oneof(fc.integer({ min: -8.64e15, max: 8.64e15 }), fc.constantFrom(Number.NaN, Infinity)), { nil: null });
    const events: ExecutionEventName[] = ['pipeline.starting', 'pipeline.complete', 'pipeline.failed', 'stage.starting', 'stage.complete', 'stage.failed'];
    const arb: fc.Arbitrary<ExecutionNotificationView> = fc.record({
      event: fc.constantFrom(...events),
      application: text,
      pipelineName: text,
      executionId: text,
      executionUrl: fc.oneof(fc.constant(URL), text, fc.constant(`https://x/${'y'.repeat(3100)}`)),
      status: text,
      triggeredBy: text,
      stageName: fc.option(text, { nil: null }),
      customText: fc.option(text, { nil: null }),
      startTime: time,
      endTime: time,
      error: fc.option(text, { nil: null }),
    });
    fc.assert(
      fc.property(arb, (v) => {
        const msg = executionNotification(v);
        expect(checkBlockKitLimits(msg.blocks)).toEqual([]);
        expect(msg.text.length).toBeGreaterThan(0);
        expect(msg.text.length).toBeLessThanOrEqual(BLOCK_KIT_LIMITS.text);
        // Nothing a user wrote may ping: the only raw '<' left are author links in the custom text.
        const withoutCustom = JSON.stringify(msg.blocks.filter((_, i) => !(i === 1 && v.customText?.trim())));
        expect(withoutCustom).not.toMatch(/<(?!https?:\/\/)/);
      }),
      { numRuns: 300 },
    );
  });
});
