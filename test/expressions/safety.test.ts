import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ExpressionError,
  MAX_EXPRESSION_LENGTH,
  evaluateExpression,
  evaluateObject,
  evaluateTemplate,
  evaluateTemplateValue,
  type ExpressionContext,
} from '../../src/expressions/index.js';
import { judgmentOptions, sampleContext } from './helpers.js';

const ctx = sampleContext();
const opts = judgmentOptions();

function refusal(source: string, c: ExpressionContext = ctx): ExpressionError {
  try {
    const value = evaluateExpression(source, c, opts);
    throw new Error(`${source} was evaluated to ${String(value)}`);
  } catch (err) {
    expect(err, String(err)).toBeInstanceOf(ExpressionError);
    return err as ExpressionError;
  }
}

const prototypesUntouched = (): void => {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.prototype.toString).toBe(Object.prototype.toString);
  expect(Object.keys(Object.prototype)).toEqual([]);
};
afterEach(prototypesUntouched);

describe('escape and prototype-pollution attempts are refused', () => {
  it.each([
    ["constructor.constructor('return process')()", "access to 'constructor' is not allowed"],
    ['__proto__', "access to '__proto__' is not allowed"],
    ['parameters.toString', "no such parameter 'toString' (parameters given: version, region)"],
    ['parameters.toString()', "calling the method 'toString' is not allowed"],
    ["parameters['constructor']", "access to 'constructor' is not allowed"],
    ["parameters['__pro' + 'to__']", "access to '__proto__' is not allowed"],
    ['parameters.__proto__.polluted', "access to '__proto__' is not allowed"],
    ['parameters.hasOwnProperty', "no such parameter 'hasOwnProperty'"],
    ["parameters.hasOwnProperty('x')", "calling the method 'hasOwnProperty' is not allowed"],
    ['tags.constructor', "access to 'constructor' is not allowed"],
    ["image.constructor.fromCharCode(65)", "access to 'constructor' is not allowed"],
    ["'x'.constructor", "access to 'constructor' is not allowed"],
    ['execution.prototype', "access to 'prototype' is not allowed"],
    ['tags.map', "a list has no property 'map'"],
    ["tags.push('x')", "calling the method 'push' is not allowed"],
    ["tags['push']('x')", 'methods must be called by name'],
    ['valueOf', "unknown name 'valueOf'"],
    ['toString()', "calling 'toString(...)' is not allowed"],
    ["eval('1')", "calling 'eval(...)' is not allowed"],
    ["Function('return process')()", "calling 'Function(...)' is not allowed"],
    ['process', "unknown name 'process'"],
    ['globalThis', "unknown name 'globalThis'"],
    ['require', "unknown name 'require'"],
    ['this', "'this' is not supported"],
    ['this.constructor', "'this' is not supported"],
    ["new Function('return 1')", "'new' (creating objects) is not supported"],
    ["T(java.lang.Runtime).getRuntime().exec('id')", 'type references T(...) are not supported'],
    ["#root.execution", "#root is a function; call it"],
    ["#this", "#this is a function; call it"],
    ["#constructor('x')", "access to 'constructor' is not allowed"],
    ["#__proto__('x')", "access to '__proto__' is not allowed"],
    ["#hasOwnProperty('toInt')", 'unknown function #hasOwnProperty'],
    ['parameters.region = 1', 'assignment (=) is not supported'],
    ["image.trim()()", 'only helper functions'],
    ["\uE000toInt('1')", 'unsupported character U+E000'],
    ["false and constructor", "access to 'constructor' is not allowed"],
  ])('%s', (source, message) => {
    const err = refusal(source);
    expect(err.message).toContain(message);
    expect(['UNSUPPORTED', 'NOT_FOUND', 'SYNTAX']).toContain(err.code);
  });

  it('does not run getters on the context', () => {
    let calls = 0;
    const c = { ...ctx, secret: {} } as ExpressionContext;
    Object.defineProperty(c.secret, 'x', {
      enumerable: true,
      get() {
        calls++;
        return 'leaked';
      },
    });
    Object.defineProperty(c, 'lazy', { enumerable: true, get: () => (calls++, 'leaked') });
    expect(refusal('secret.x', c).message).toBe("'x' of secret is not a plain value and cannot be read");
    expect(refusal('lazy', c).message).toMatch(/^unknown name 'lazy'/);
    expect(evaluateExpression("secret.containsKey('x') ? secret.x : 1", c)).toBe(1);
    expect(evaluateTemplate('${secret}', c).value).toBe('{}');
    expect(calls).toBe(0);
  });

  it('does not read inherited or non-enumerable properties', () => {
    const base = { inherited: 'from prototype' };
    const c = { ...ctx, child: Object.create(base) as Record<string, unknown> } as ExpressionContext;
    Object.defineProperty(c.child, 'hidden', { value: 'not enumerable', enumerable: false });
    expect(refusal('child.inherited', c).code).toBe('NOT_FOUND');
    expect(refusal('child.hidden', c).code).toBe('NOT_FOUND');
    expect(evaluateExpression("child.containsKey('inherited')", c)).toBe(false);
  });

  it('does not call functions found in the context', () => {
    let called = false;
    const c = { ...ctx, fn: () => (called = true), holder: { fn: () => (called = true) } } as ExpressionContext;
    expect(refusal('fn()', c).message).toContain("calling 'fn(...)' is not allowed");
    expect(refusal('holder.fn()', c).message).toContain("calling the method 'fn' is not allowed");
    expect(refusal('fn.name', c).code).toBe('TYPE');
    expect(called).toBe(false);
  });

  it('leaves refused expressions in templates as written', () => {
    const text = "a ${constructor.constructor('return process')()} b ${__proto__} c ${parameters.toString}";
    const { value, errors } = evaluateTemplate(text, ctx, opts);
    expect(value).toBe(text);
    expect(errors).toHaveLength(3);
  });

  it('never uses eval or new Function', () => {
    const dir = join(import.meta.dirname, '../../src/expressions');
    for (const file of readdirSync(dir)) {
      const code = readFileSync(join(dir, file), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/^\s*\/\/.*$/gm, '');
      expect(code, file).not.toMatch(/\beval\s*\(|new\s+Function\b|\bFunction\s*\(|\bvm\b|node:vm/);
    }
  });

  it('imports nothing from other src folders except src/model', () => {
    const dir = join(import.meta.dirname, '../../src/expressions');
    for (const file of readdirSync(dir)) {
      const imports = [...readFileSync(join(dir, file), 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
      for (const spec of imports) {
        if (spec.startsWith('.')) expect(spec.startsWith('./') || spec.startsWith('../model/'), `${file}: ${spec}`).toBe(true);
        else expect(['jsep'], `${file}: ${spec}`).toContain(spec);
      }
    }
  });
});

describe('limits', () => {
  it('refuses over-long expressions', () => {
    expect(refusal('1+'.repeat(MAX_EXPRESSION_LENGTH / 2) + '1').code).toBe('LIMIT');
  });

  it('refuses deep nesting without overflowing the stack', () => {
    expect(refusal('('.repeat(5000) + '1' + ')'.repeat(5000)).code).toBe('LIMIT');
    expect(refusal('!'.repeat(5000) + 'true').code).toBe('LIMIT');
    expect(refusal('-'.repeat(3000) + '1').code).toBe('LIMIT');
    expect(refusal('1' + ' + 1'.repeat(2000)).code).toBe('LIMIT');
  });

  it('refuses results that would grow beyond the string limit', () => {
    const blowUp = `image${".replace('', image)".repeat(4)}`;
    expect(refusal(blowUp).code).toBe('LIMIT');
  });
});

describe('fuzz: evaluateTemplate never throws and never hangs', () => {
  const pieces = [
    '${', '}', '{', "'", '"', "''", '#', '#judgment(', "#judgment('Approve production')", '#toInt(', '(', ')', '[', ']', '.',
    '?.', '?:', '?', ':', ' ', 'parameters', 'parameters.version', "parameters['region']", 'trigger.user', 'execution.id',
    'constructor', '__proto__', 'prototype', 'toString', 'this', 'new', 'T(', 'and', 'or', 'not', '==', '=', '!', '+', '-',
    '*', '/', '%', '&&', '||', '1', '0', '1e999', 'true', 'null', 'tags', 'image', '.replace(', '.split(', '.substring(',
    ',', '\\', '\n', '\u0000', '\uE000', '\uD800', 'ü', '$',
  ];
  const grammar = fc.array(fc.constantFrom(...pieces), { maxLength: 60 }).map((parts) => parts.join(''));
  const text = fc.oneof(grammar, fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 100 }));

  const timed = <T>(fn: () => T): T => {
    const start = performance.now();
    const result = fn();
    expect(performance.now() - start).toBeLessThan(250);
    return result;
  };

  it('evaluateTemplate', () => {
    fc.assert(
      fc.property(text, (t) => {
        const { value, errors } = timed(() => evaluateTemplate(t, ctx, opts));
        expect(typeof value).toBe('string');
        for (const e of errors) expect(typeof e.message).toBe('string');
        if (!t.includes('${')) expect(value).toBe(t);
      }),
      { numRuns: 3000 },
    );
  });

  it('evaluateTemplateValue and evaluateObject', () => {
    fc.assert(
      fc.property(text, fc.jsonValue({ maxDepth: 3 }), (t, json) => {
        timed(() => evaluateTemplateValue(t, ctx, opts));
        timed(() => evaluateObject({ t, json, list: [t] }, ctx, opts));
      }),
      { numRuns: 1000 },
    );
  });

  it('evaluateExpression throws only ExpressionError', () => {
    fc.assert(
      fc.property(text, (t) => {
        try {
          timed(() => evaluateExpression(t, ctx, opts));
        } catch (err) {
          expect(err).toBeInstanceOf(ExpressionError);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('handles pathological templates in linear time', () => {
    timed(() => evaluateTemplate('${'.repeat(100_000), ctx));
    timed(() => evaluateTemplate("${'".repeat(50_000), ctx));
    timed(() => evaluateTemplate('${count}'.repeat(5_000), ctx));
    timed(() => evaluateTemplate('{'.repeat(100_000) + '${' + '{'.repeat(100_000), ctx));
  });
});
