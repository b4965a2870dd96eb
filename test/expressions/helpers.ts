import type { EvaluateOptions, ExpressionContext } from '../../src/expressions/index.js';

export { fixture } from '../support/fixtures.js';

/** A context like the one the engine builds for the fixture pipeline after "Compute image" ran. */
export function sampleContext(parameters: Record<string, string> = { version: '1.4.2', region: 'eu-west-1' }): ExpressionContext {
  const trigger = { type: 'manual', user: 'alice@example.com', parameters };
  return {
    execution: { id: '01HZXEXEC', name: 'Deploy to production', application: 'checkout', status: 'RUNNING' },
    trigger,
    parameters,
    image: `registry.example.com/checkout:${parameters.version ?? ''}`,
    replicas: '3',
    count: 3,
    ratio: 0.5,
    enabled: true,
    nothing: null,
    tags: ['blue', 'green'],
    deploy: { cluster: 'prod-eu', 'server.group': 'checkout-v042', zones: ['a', 'b'], nested: { deep: 'yes' } },
  };
}

/** `#judgment`/`#judgement` as orca defines them: the judgmentInput of the named manual judgment stage. */
export function judgmentOptions(inputs: Record<string, string | null> = { 'Approve production': 'Roll out' }): EvaluateOptions {
  const judgment = (name: unknown): unknown => {
    if (typeof name !== 'string' || !Object.hasOwn(inputs, name) || inputs[name] === null) {
      throw new Error(`no manual judgment stage named ${JSON.stringify(name)} with a judgment input`);
    }
    return inputs[name];
  };
  return { functions: { judgment, judgement: judgment } };
}
