/** Applications on their own: PUT /applications/{app}, GET /applications/{app}, and the list. */
import { afterEach, describe, expect, it } from 'vitest';
import { judgmentPipeline, startHarness, type Harness } from '../support/harness.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

describe('applications', () => {
  it('are created and updated with PUT, listed without pipelines, and shown with their pipelines', async () => {
    h = await startHarness();
    const created = await h.api('PUT', '/applications/payments', { description: 'Card payments', email: 'team-pay@example.com' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'payments', description: 'Card payments', email: 'team-pay@example.com' });

    const list = await h.api('GET', '/applications');
    expect(list.body).toEqual([expect.objectContaining({ name: 'payments', description: 'Card payments', email: 'team-pay@example.com' })]);
    expect((await h.api('GET', '/applications/payments')).body).toMatchObject({ name: 'payments', pipelines: [] });

    // A field left out keeps its value; null clears it.
    const updated = await h.api('PUT', '/applications/payments', { email: null });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ description: 'Card payments', email: null });
    expect((await h.api('PUT', '/applications/payments', { description: '  ' })).body).toMatchObject({ description: null });
    expect((await h.api('PUT', '/applications/payments', { description: 'Card payments' })).body).toMatchObject({ description: 'Card payments' });

    await h.api('POST', '/pipelines', judgmentPipeline({ application: 'payments' }));
    const shown = await h.api('GET', '/applications/payments');
    expect(shown.body.pipelines.map((p: any) => p.name)).toEqual(['Deploy to production']);
    expect(shown.body.description).toBe('Card payments');

    // An application made by saving a pipeline is listed as before, and can be given details later.
    await h.api('POST', '/pipelines', judgmentPipeline());
    expect((await h.api('GET', '/applications')).body.map((a: any) => a.name)).toEqual(['checkout', 'payments']);
    expect((await h.api('GET', '/applications/checkout')).body).toMatchObject({ name: 'checkout', description: null });
    expect((await h.api('PUT', '/applications/checkout', { description: 'Shop' })).status).toBe(200);
    expect((await h.api('GET', '/applications/checkout')).body.pipelines).toHaveLength(1);
  });

  it('answer 404 for an unknown application and 400 naming the field for bad input', async () => {
    h = await startHarness();
    const missing = await h.api('GET', '/applications/nope');
    expect(missing.status).toBe(404);
    expect(missing.body.message).toMatch(/no application named "nope"/);
    const cases: Array<[string, unknown, RegExp]> = [
      ['/applications/payments', { email: 'not-an-email' }, /^email: expected an email address/],
      ['/applications/payments', { description: 7 }, /^description: expected text/],
      ['/applications/payments', { permissions: { ADMIN: ['sre'] } }, /^permissions: unknown authorization; expected READ, WRITE or EXECUTE/],
      ['/applications/payments', { permissions: { READ: 'sre' } }, /^permissions\.READ: expected a list of role names/],
      ['/applications/payments', { owner: 'x' }, /^owner: unknown field; expected description, email or permissions/],
      ['/applications/pay%20ments', {}, /^application: "pay ments" is not a valid name/],
      ['/applications/payments', [1], /^body: expected a JSON object/],
    ];
    for (const [path, body, message] of cases) {
      const r = await h.api('PUT', path, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.message).toMatch(message);
    }
    expect((await h.api('GET', '/applications')).body).toEqual([]);
  });

  it('are case-insensitive as in Spinnaker: names are kept in lower case, never a second application beside one', async () => {
    h = await startHarness();
    expect((await h.api('PUT', '/applications/checkout', { description: 'Shop' })).status).toBe(201);
    const again = await h.api('PUT', '/applications/CheckOut', { email: 'shop@example.com' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ name: 'checkout', description: 'Shop', email: 'shop@example.com' });
    expect((await h.api('GET', '/applications/CHECKOUT')).body).toMatchObject({ name: 'checkout' });
    const saved = await h.api('POST', '/pipelines', judgmentPipeline({ application: 'CheckOut' }));
    expect(saved.body.application).toBe('checkout');
    expect((await h.api('GET', '/applications')).body.map((a: any) => a.name)).toEqual(['checkout']);
    expect((await h.api('GET', '/applications/checkout/pipelineConfigs')).body).toHaveLength(1);
  });
});
