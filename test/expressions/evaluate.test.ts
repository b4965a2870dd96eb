import { describe, expect, it } from 'vitest';
import { ExpressionError, evaluateExpression, type ExpressionErrorCode } from '../../src/expressions/index.js';
import { judgmentOptions, sampleContext } from './helpers.js';

const ctx = sampleContext();
const opts = judgmentOptions();
const ev = (source: string): unknown => evaluateExpression(source, ctx, opts);

function failure(source: string, c = ctx): ExpressionError {
  try {
    evaluateExpression(source, c, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(ExpressionError);
    return err as ExpressionError;
  }
  throw new Error(`expected ${source} to fail`);
}

describe('literals and names', () => {
  it.each([
    ["'text'", 'text'],
    ['"text"', 'text'],
    ["'it''s'", "it's"],
    ['"say ""hi"""', 'say "hi"'],
    ["'C:\\temp\\new'", 'C:\\temp\\new'],
    ["'a}b{c'", 'a}b{c'],
    ['42', 42],
    ['1.5', 1.5],
    ['1e3', 1000],
    ['true', true],
    ['false', false],
    ['null', null],
    ['count', 3],
    ['nothing', null],
    ['image', 'registry.example.com/checkout:1.4.2'],
  ])('%s → %j', (source, expected) => {
    expect(ev(source)).toEqual(expected);
  });

  it('reads the names the fixture uses', () => {
    expect(ev('trigger.user')).toBe('alice@example.com');
    expect(ev('execution.id')).toBe('01HZXEXEC');
    expect(ev('execution.name')).toBe('Deploy to production');
    expect(ev('execution.application')).toBe('checkout');
    expect(ev("parameters.version != ''")).toBe(true);
    expect(evaluateExpression("parameters.version != ''", sampleContext({ version: '' }))).toBe(false);
  });

  it('returns lists and maps from the context as they are', () => {
    expect(ev('tags')).toEqual(['blue', 'green']);
    expect(ev('deploy.nested')).toEqual({ deep: 'yes' });
  });
});

describe('member access', () => {
  it.each([
    ["parameters['region']", 'eu-west-1'],
    ['parameters["region"]', 'eu-west-1'],
    ['trigger.parameters.version', '1.4.2'],
    ["deploy['server.group']", 'checkout-v042'],
    ['deploy.zones[1]', 'b'],
    ["deploy['zones'][0]", 'a'],
    ['tags.length', 2],
    ["'abc'[1]", 'b'],
    ['image.length', 35],
    ['nothing?.x', null],
    ['deploy?.cluster', 'prod-eu'],
    ["parameters[true ? 'region' : 'version']", 'eu-west-1'],
  ])('%s → %j', (source, expected) => {
    expect(ev(source)).toEqual(expected);
  });

  it.each([
    ['parameters.nope', 'NOT_FOUND', "no such parameter 'nope' (parameters given: version, region)"],
    ["parameters['nope']", 'NOT_FOUND', "no such parameter 'nope' (parameters given: version, region)"],
    ['trigger.parameters.nope', 'NOT_FOUND', "no such parameter 'nope' (parameters given: version, region)"],
    ['deploy.nope', 'NOT_FOUND', "no such property 'nope' in deploy (it has: cluster, server.group, zones, nested)"],
    ['execution.nope.x', 'NOT_FOUND', "no such property 'nope' in execution (it has: id, name, application, status)"],
    ['unknownThing', 'NOT_FOUND', "unknown name 'unknownThing'"],
    ['tags[2]', 'NOT_FOUND', 'index 2 is out of range: tags has 2 elements'],
    ['tags[-1]', 'NOT_FOUND', 'index -1 is out of range: tags has 2 elements'],
    ['tags.first', 'NOT_FOUND', "a list has no property 'first'"],
    ['image.trim', 'NOT_FOUND', "a string has no property 'trim'; call it: image.trim()"],
    ['nothing.x', 'TYPE', 'cannot read "x" of null (nothing is null)'],
    ['count.x', 'TYPE', "a number has no properties (reading 'x' of count)"],
    ['tags[0.5]', 'TYPE', 'a property name or index must be text or a whole number, got a number'],
  ] as const)('%s fails: %s', (source, code, message) => {
    const err = failure(source);
    expect(err.code).toBe(code);
    expect(err.message.startsWith(message), err.message).toBe(true);
    expect(err.expression).toBe(source);
  });

  it('says when no parameters were given', () => {
    expect(failure('parameters.version', sampleContext({})).message).toBe("no such parameter 'version' (no parameters were given)");
  });
});

describe('operators', () => {
  it.each([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 4 - 3', 3],
    ['7 / 2', 3.5],
    ['7 % 3', 1],
    ['-count', -3],
    ["'v' + parameters.version", 'v1.4.2'],
    ["count + ' replicas'", '3 replicas'],
    ["'x' + nothing", 'xnull'],
    ["'x' + enabled", 'xtrue'],
    ['count == 3', true],
    ["count == '3'", false],
    ["replicas == '3'", true],
    ['tags == tags', true],
    ['count != 4', true],
    ['nothing == null', true],
    ['count < 4', true],
    ['count >= 3', true],
    ['count > 3', false],
    ["'abc' < 'abd'", true],
    ['ratio <= 0.5', true],
    ['true && false', false],
    ['true || false', true],
    ['!enabled', false],
    ['count > 2 and enabled', true],
    ['count > 5 or enabled', true],
    ['not enabled', false],
    ['count GT 2 AND NOT false', true],
    ['count eq 3 and count ne 4 and count lt 4 and count le 3 and count ge 3', true],
    ['9 div 3 + 9 mod 4', 4],
    ["enabled ? 'on' : 'off'", 'on'],
    ["count > 5 ? 'many' : count > 2 ? 'some' : 'few'", 'some'],
    ["nothing ?: 'fallback'", 'fallback'],
    ["'' ?: 'fallback'", 'fallback'],
    ["parameters.region ?: 'fallback'", 'eu-west-1'],
    ["parameters.missing ?: 'fallback'", 'fallback'],
    ["parameters['missing'] ?: 'fallback'", 'fallback'],
    ['false and unknownThing', false],
    ['true or unknownThing', true],
    ["true ? 'a' : unknownThing", 'a'],
  ])('%s → %j', (source, expected) => {
    expect(ev(source)).toEqual(expected);
  });

  it.each([
    ["'a' * 2", 'TYPE', "'*' needs numbers, got a string and a number"],
    ["replicas > 2", 'TYPE', "cannot compare a string with a number using '>'"],
    ['count / 0', 'TYPE', 'division by zero'],
    ['count % 0', 'TYPE', 'division by zero'],
    ['enabled + count', 'TYPE', 'cannot add a boolean and a number'],
    ["'yes' and true", 'TYPE', "'and' needs true or false on its left, got a string"],
    ["'x' or true", 'TYPE', "'or' needs true or false on its left, got a string"],
    ["false or 'x'", 'TYPE', "'or' needs true or false on its right, got a string"],
    ["not 'true'", 'TYPE', "'not' needs true or false, got a string"],
    ["-'1'", 'TYPE', "'-' needs a number, got a string"],
    ["count ? 'a' : 'b'", 'TYPE', "the condition before '?' must be true or false, got a number"],
    ['nothing.x ?: 1', 'TYPE', 'cannot read "x" of null'],
  ] as const)('%s fails: %s', (source, code, message) => {
    const err = failure(source);
    expect(err.code).toBe(code);
    expect(err.message.startsWith(message), err.message).toBe(true);
  });
});

describe('methods', () => {
  it.each([
    ["parameters.region.toUpperCase()", 'EU-WEST-1'],
    ["'MiXed'.toLowerCase()", 'mixed'],
    ["'  pad  '.trim()", 'pad'],
    ["image.startsWith('registry.')", true],
    ["image.endsWith(':1.4.2')", true],
    ["image.contains('checkout')", true],
    ["image.includes('nope')", false],
    ["'abc'.length()", 3],
    ["'abcdef'.substring(2)", 'cdef'],
    ["'abcdef'.substring(1, 3)", 'bc'],
    ["parameters.version.replace('.', '-')", '1-4-2'],
    ["'x'.replace('', '-')", '-x-'],
    ["parameters.version.split('.')", ['1', '4', '2']],
    ["'a,b,,'.split(',')", ['a', 'b']],
    ["'abc'.split(',')", ['abc']],
    ["parameters.version.split('.')[0]", '1'],
    ["''.isEmpty()", true],
    ["'x'.isEmpty()", false],
    ["'Prod'.equalsIgnoreCase('PROD')", true],
    ["'a'.equals('a')", true],
    ['tags.size()', 2],
    ["tags.contains('green')", true],
    ['tags.isEmpty()', false],
    ["parameters.containsKey('region')", true],
    ["parameters.containsKey('nope')", false],
    ['deploy.size()', 4],
    ['deploy.nested.isEmpty()', false],
    ['nothing?.trim()', null],
  ])('%s → %j', (source, expected) => {
    expect(ev(source)).toEqual(expected);
  });

  it.each([
    ["'abc'.substring(2, 9)", 'NOT_FOUND', 'substring(2, 9) is out of range for "abc" (3 characters)'],
    ["'abc'.substring('1')", 'TYPE', 'substring() expects a whole number as argument 1, got a string'],
    ["'abc'.startsWith(1)", 'TYPE', 'startsWith() expects text as argument 1, got a number'],
    ["'abc'.trim(1)", 'TYPE', 'trim() takes 0 arguments, got 1'],
    ['tags.containsKey(0)', 'NOT_FOUND', "lists have no method 'containsKey'"],
    ["deploy.startsWith('x')", 'NOT_FOUND', "maps have no method 'startsWith'"],
    ['count.size()', 'TYPE', 'cannot call size() on a number (count)'],
    ["image.matches('.*')", 'UNSUPPORTED', "calling the method 'matches' is not allowed"],
    ["image['toUpperCase']()", 'UNSUPPORTED', 'methods must be called by name'],
    ["'x'.repeat(1000000)", 'UNSUPPORTED', "calling the method 'repeat' is not allowed"],
  ] as const)('%s fails: %s', (source, code, message) => {
    const err = failure(source);
    expect(err.code).toBe(code);
    expect(err.message.startsWith(message), err.message).toBe(true);
  });
});

describe('helper functions', () => {
  it.each([
    ["#judgment('Approve production')", 'Roll out'],
    ["#judgement('Approve production')", 'Roll out'],
    ['#toInt(replicas)', 3],
    ["#toInt('-12') + 1", -11],
    ['#toInt(count)', 3],
    ["#toFloat('2.5')", 2.5],
    ["#toFloat(' 1e2 ')", 100],
    ["#toBoolean('TRUE')", true],
    ["#toBoolean('yes')", false],
    ['#toBoolean(nothing)', false],
    ["#alphanumerical('checkout-service_v2!')", 'checkoutservicev2'],
    ['#toJson(deploy.nested)', '{"deep":"yes"}'],
    ['#toJson(tags)', '["blue","green"]'],
    ["#toInt(replicas) > 2 and #judgment('Approve production') == 'Roll out'", true],
  ])('%s → %j', (source, expected) => {
    expect(ev(source)).toEqual(expected);
  });

  it.each([
    ["#toInt('3.5')", 'FUNCTION', '#toInt(...) failed: "3.5" is not an integer'],
    ["#toInt('99999999999')", 'FUNCTION', '#toInt(...) failed: "99999999999" is not an integer'],
    ["#toInt(' 3')", 'FUNCTION', '#toInt(...) failed: " 3" is not an integer'],
    ["#toFloat('NaN')", 'FUNCTION', '#toFloat(...) failed: "NaN" is not a number'],
    ['#alphanumerical(count)', 'FUNCTION', '#alphanumerical(...) failed: expected text, got 3'],
    ['#toInt()', 'FUNCTION', '#toInt(...) failed: takes 1 argument, got 0'],
    ["#toJson('${x}')", 'FUNCTION', '#toJson(...) failed: result for toJson cannot contain an expression'],
    ["#judgment('Nope')", 'FUNCTION', '#judgment(...) failed: no manual judgment stage named "Nope"'],
    ["#stage('x')", 'NOT_FOUND', 'unknown function #stage (available: #toInt, #toFloat, #toBoolean, #alphanumerical, #toJson, #judgment, #judgement)'],
    ['#toInt', 'UNSUPPORTED', '#toInt is a function; call it, as in #toInt(...)'],
    ['#', 'SYNTAX', "'#' must be followed by a function name"],
    ['# toInt(1)', 'SYNTAX', "'#' must be followed by a function name"],
  ] as const)('%s fails: %s', (source, code, message) => {
    const err = failure(source);
    expect(err.code).toBe(code);
    expect(err.message.startsWith(message), err.message).toBe(true);
  });

  it('lets opts.functions replace a built-in', () => {
    expect(evaluateExpression("#toInt('x')", ctx, { functions: { toInt: () => 7 } })).toBe(7);
  });

  it('without opts.functions, #judgment is unknown', () => {
    expect(() => evaluateExpression("#judgment('Approve production')", ctx)).toThrow(/unknown function #judgment/);
  });

  it('passes evaluated arguments and does not treat # inside strings as a function', () => {
    const seen: unknown[][] = [];
    const r = evaluateExpression("#echo('#notAFunction(', count + 1, parameters.region)", ctx, {
      functions: { echo: (...args) => (seen.push(args), args.join('|')) },
    });
    expect(r).toBe('#notAFunction(|4|eu-west-1');
    expect(seen).toEqual([['#notAFunction(', 4, 'eu-west-1']]);
  });
});

describe('syntax', () => {
  it.each<[string, ExpressionErrorCode, string]>([
    ['', 'SYNTAX', 'empty expression'],
    ['   ', 'SYNTAX', 'empty expression'],
    ["'open", 'SYNTAX', "unterminated string literal (a ' is not closed)"],
    ['(1 + 2', 'SYNTAX', 'syntax error: '],
    ['1 +', 'SYNTAX', 'syntax error: '],
    ['count count', 'SYNTAX', 'more than one expression'],
    ['a = 1', 'UNSUPPORTED', 'assignment (=) is not supported; compare with =='],
    ['count === 3', 'UNSUPPORTED', "'===' is not supported; use =="],
    ['count !== 3', 'UNSUPPORTED', "'!==' is not supported; use !="],
    ['count | 1', 'UNSUPPORTED', "the operator '|' is not supported"],
    ['count ** 2', 'UNSUPPORTED', "the operator '**' is not supported"],
    ['~count', 'UNSUPPORTED', "the operator '~' is not supported"],
    ['+count', 'UNSUPPORTED', "the operator '+' is not supported"],
    ['[1, 2]', 'UNSUPPORTED', 'list literals [...] are not supported'],
    ['{1, 2}', 'UNSUPPORTED', 'inline lists and maps ({...}) are not supported'],
    ['(1, 2)', 'UNSUPPORTED', 'comma-separated expressions are not supported'],
    ["image matches '.*'", 'UNSUPPORTED', "the SpEL operator 'matches' is not supported"],
    ['count instanceof T(Integer)', 'UNSUPPORTED', "the SpEL operator 'instanceof' is not supported"],
  ])('%j fails: %s', (source, code, message) => {
    const err = failure(source);
    expect(err.code).toBe(code);
    expect(err.message.startsWith(message), err.message).toBe(true);
  });

  it('keeps SpEL word operators as property names after a dot', () => {
    const c = { ...ctx, flags: { and: 1, not: 2, or: 3 } };
    expect(evaluateExpression('flags.and + flags.not + flags.or', c)).toBe(6);
  });
});
