import { describe, expect, it } from 'vitest';
import { evaluateObject, evaluateTemplate, evaluateTemplateValue } from '../../src/expressions/index.js';
import { fixture, judgmentOptions, sampleContext } from './helpers.js';

const ctx = sampleContext();
const opts = judgmentOptions();

interface FixtureStage {
  refId: string;
  name: string;
  type: string;
  [field: string]: unknown;
}

describe('the fixture pipeline', () => {
  const pipeline = fixture<{ pipeline: { stages: FixtureStage[] } }>('spinnaker-pipeline-manual-judgment.json').pipeline;
  const stage = (refId: string): FixtureStage => pipeline.stages.find((s) => s.refId === refId)!;

  it('evaluates every ${...} of every stage without an error', () => {
    for (const s of pipeline.stages) {
      const { errors } = evaluateObject(s, ctx, opts);
      expect(errors, s.name).toEqual([]);
    }
  });

  it('computes the image of "Compute image"', () => {
    const { value } = evaluateObject(stage('1'), ctx, opts);
    expect((value as { variables: Array<{ value: string }> }).variables[0]!.value).toBe('registry.example.com/checkout:1.4.2');
    expect(evaluateTemplate('registry.example.com/checkout:${parameters.version}', ctx).value).toBe(
      'registry.example.com/checkout:1.4.2',
    );
  });

  it('keeps the precondition a boolean, true with a version and false without', () => {
    const expression = '${parameters.version != \'\'}';
    expect(evaluateTemplateValue(expression, ctx)).toEqual({ value: true, errors: [] });
    expect(evaluateTemplateValue(expression, sampleContext({ version: '', region: 'eu-west-1' }))).toEqual({ value: false, errors: [] });
    const { value } = evaluateObject(stage('2'), ctx, opts);
    expect((value as { preconditions: Array<{ context: { expression: unknown } }> }).preconditions[0]!.context.expression).toBe(true);
  });

  it('renders the judgment instructions', () => {
    expect(evaluateTemplate(stage('3').instructions as string, ctx).value).toBe(
      'Deploy *registry.example.com/checkout:1.4.2* to eu-west-1? Check the staging dashboard first.',
    );
  });

  it('builds the webhook payload, #judgment included', () => {
    const { value, errors } = evaluateObject(stage('4').payload, ctx, opts);
    expect(errors).toEqual([]);
    expect(value).toEqual({
      image: 'registry.example.com/checkout:1.4.2',
      region: 'eu-west-1',
      rollout: 'Roll out',
      requestedBy: 'alice@example.com',
    });
  });

  it('reads ${execution.id}, ${execution.name} and ${trigger.user}', () => {
    expect(evaluateTemplate('${execution.name} #${execution.id} by ${trigger.user}', ctx).value).toBe(
      'Deploy to production #01HZXEXEC by alice@example.com',
    );
  });

  it('leaves #judgment as written, with the reason, before the judgment is made', () => {
    const pending = judgmentOptions({ 'Approve production': null });
    const { value, errors } = evaluateObject(stage('4').payload, ctx, pending);
    expect((value as { rollout: string }).rollout).toBe("${#judgment('Approve production')}");
    expect(errors).toEqual([
      {
        path: 'rollout',
        expression: "#judgment('Approve production')",
        message: '#judgment(...) failed: no manual judgment stage named "Approve production" with a judgment input',
      },
    ]);
  });
});

describe('evaluateTemplate', () => {
  it.each([
    ['no expressions at all', 'no expressions at all'],
    ['', ''],
    ['${count}', '3'],
    ['${enabled}', 'true'],
    ['${ratio}', '0.5'],
    ['${tags}', '["blue","green"]'],
    ['${deploy.nested}', '{"deep":"yes"}'],
    ['${count}${count}', '33'],
    ['a ${parameters.region} b ${parameters.version} c', 'a eu-west-1 b 1.4.2 c'],
    ["${#judgment('Approve production')}!", 'Roll out!'],
    ["${parameters['region']}", 'eu-west-1'],
    ["${'}'}", '}'],
    ["${'${'}", '${'],
    ['${"a}b" + \'c{d\'}', 'a}bc{d'],
    ['$ {count} $count {count}', '$ {count} $count {count}'],
    ['$${count}', '$3'],
    ['cost: 5$ ${count}', 'cost: 5$ 3'],
  ])('%j → %j', (text, expected) => {
    expect(evaluateTemplate(text, ctx, opts)).toEqual({ value: expected, errors: [] });
  });

  it('leaves a failing expression as written and records why, evaluating the others', () => {
    const text = 'Deploy ${image} to ${parameters.regoin} by ${trigger.user}';
    expect(evaluateTemplate(text, ctx)).toEqual({
      value: 'Deploy registry.example.com/checkout:1.4.2 to ${parameters.regoin} by alice@example.com',
      errors: [{ expression: 'parameters.regoin', message: "no such parameter 'regoin' (parameters given: version, region)" }],
    });
  });

  it('treats null as a failure (orca leaves such expressions as written)', () => {
    expect(evaluateTemplate('x${nothing}y', ctx)).toEqual({
      value: 'x${nothing}y',
      errors: [{ expression: 'nothing', message: 'evaluated to null' }],
    });
  });

  it.each([
    ['${', '${', ''],
    ['before ${count', 'before ${count', 'count'],
    ['${count} then ${oops', '3 then ${oops', 'oops'],
    ["${'unclosed string}", "${'unclosed string}", "'unclosed string}"],
    ['${ {nested ${count} }', '${ {nested ${count} }', ' {nested ${count} }'],
  ])('leaves an unbalanced ${ as is: %j', (text, value, expression) => {
    expect(evaluateTemplate(text, ctx)).toEqual({ value, errors: [{ expression, message: 'unclosed ${ (no matching })' }] });
  });

  it('takes nested braces as part of one expression (and refuses the inline map)', () => {
    expect(evaluateTemplate('${ {a:1} } after', ctx)).toEqual({
      value: '${ {a:1} } after',
      errors: [{ expression: ' {a:1} ', message: 'inline lists and maps ({...}) are not supported' }],
    });
  });

  it('records an empty expression', () => {
    expect(evaluateTemplate('a${}b', ctx)).toEqual({ value: 'a${}b', errors: [{ expression: '', message: 'empty expression' }] });
  });
});

describe('evaluateTemplateValue', () => {
  it.each([
    ['${count}', 3],
    ['${enabled}', true],
    ['${#toInt(replicas)}', 3],
    ['${count > 2}', true],
    ['${tags}', ['blue', 'green']],
    ['${parameters.region}', 'eu-west-1'],
    [' ${count}', ' 3'],
    ['${count} ', '3 '],
    ['${count}${count}', '33'],
    ['plain', 'plain'],
  ])('%j → %j', (text, expected) => {
    expect(evaluateTemplateValue(text, ctx, opts)).toEqual({ value: expected, errors: [] });
  });

  it('returns the text unchanged when the whole-value expression fails', () => {
    expect(evaluateTemplateValue('${nope}', ctx)).toEqual({
      value: '${nope}',
      errors: [{ expression: 'nope', message: expect.stringMatching(/^unknown name 'nope'/) as unknown as string }],
    });
  });
});

describe('evaluateObject', () => {
  it('deep-evaluates strings in objects and arrays, keeping whole-value types', () => {
    const input = {
      name: '${execution.name}',
      replicas: '${#toInt(replicas)}',
      canary: '${count > 2}',
      list: ['${parameters.region}', 'plain', 7, null, { deep: ['${tags[0]}'] }],
      untouched: { n: 1, b: false, s: 'no expression' },
    };
    const copy = structuredClone(input);
    const { value, errors } = evaluateObject(input, ctx);
    expect(errors).toEqual([]);
    expect(value).toEqual({
      name: 'Deploy to production',
      replicas: 3,
      canary: true,
      list: ['eu-west-1', 'plain', 7, null, { deep: ['blue'] }],
      untouched: { n: 1, b: false, s: 'no expression' },
    });
    expect(input).toEqual(copy);
    expect(value).not.toBe(input);
  });

  it('reports failures with their path', () => {
    const { value, errors } = evaluateObject(
      { payload: { a: '${nope}', 'odd key': ['${1 +}'] }, variables: [{ key: 'k', value: 'x ${nothing}' }] },
      ctx,
    );
    expect(value).toEqual({ payload: { a: '${nope}', 'odd key': ['${1 +}'] }, variables: [{ key: 'k', value: 'x ${nothing}' }] });
    expect(errors.map((e) => [e.path, e.expression])).toEqual([
      ['payload.a', 'nope'],
      ['payload["odd key"][0]', '1 +'],
      ['variables[0].value', 'nothing'],
    ]);
  });

  it('evaluates keys as text, as orca does', () => {
    expect(evaluateObject({ '${parameters.region}': '${count}' }, ctx).value).toEqual({ 'eu-west-1': 3 });
  });

  it('keeps a __proto__ key of parsed JSON as an own property and sets no prototype', () => {
    const input = JSON.parse('{"__proto__": {"polluted": "${count}"}, "a": "${count}"}') as Record<string, unknown>;
    const { value } = evaluateObject(input, ctx);
    const out = value as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')!.value).toEqual({ polluted: 3 });
    expect(out.polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('leaves a circular reference as it is and reports it', () => {
    const input: Record<string, unknown> = { a: '${count}' };
    input.self = input;
    const { value, errors } = evaluateObject(input, ctx);
    expect((value as Record<string, unknown>).a).toBe(3);
    expect((value as Record<string, unknown>).self).toBe(input);
    expect(errors).toEqual([{ expression: '', message: 'circular reference left as is', path: 'self' }]);
  });

  it('passes through values that are not strings, arrays or plain objects', () => {
    const date = new Date(0);
    expect(evaluateObject(date, ctx).value).toBe(date);
    expect(evaluateObject(5, ctx).value).toBe(5);
    expect(evaluateObject(null, ctx).value).toBeNull();
    expect(evaluateObject('${count}', ctx).value).toBe(3);
  });
});
