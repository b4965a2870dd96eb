/**
 * Cron triggers through the real service and a real SQLite file: an every-second trigger fires and stops when its
 * pipeline is deleted; a tick missed while the service was down fires exactly once on start (durable last-fire
 * state in `cron_trigger_state`); disabled pipelines and triggers never fire.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startHarness, waitFor, type Harness } from '../support/harness.js';
import { Store } from '../../src/store/index.js';
import { cronTriggerKey, parseCronExpression } from '../../src/triggers/index.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function cronPipeline(application: string, name: string, trigger: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    application,
    name,
    parameterConfig: [{ name: 'region', default: 'eu-west-1' }],
    triggers: [{ type: 'cron', enabled: true, ...trigger }],
    stages: [{ refId: '1', requisiteStageRefIds: [], type: 'wait', name: 'Soak', waitTime: 0 }],
    ...extra,
  };
}

async function executions(h: Harness, application: string): Promise<any[]> {
  return (await h.api('GET', `/applications/${application}/pipelines?limit=1000`)).body as any[];
}

describe('cron triggers', () => {
  it('fire an every-second Quartz expression with the trigger and parameter defaults, and stop when the pipeline is deleted', async () => {
    const h = await startHarness({ slackEnabled: false });
    try {
      const saved = await h.api('POST', '/pipelines', cronPipeline('ticks', 'Every second', { id: 'tick-1', cronExpression: '* * * * * *' }));
      expect(saved.status).toBe(200);
      const list = await waitFor('two cron executions', async () => {
        const l = await executions(h, 'ticks');
        return l.length >= 2 ? l : null;
      }, 8_000);
      const e = list[list.length - 1];
      expect(e.pipelineConfigId).toBe(saved.body.id);
      expect(e.trigger).toMatchObject({ type: 'cron', id: 'tick-1', cronExpression: '* * * * * *', enabled: true, user: 'anonymous', parameters: { region: 'eu-west-1' } });
      expect(e.trigger.eventId).toMatch(/^[0-9a-f-]{36}$/);
      // one execution per tick: two fires always have a tick (a whole second) between them, never a burst
      const seconds = list.map((x) => Math.floor((x.buildTime as number) / 1000));
      expect(new Set(seconds).size).toBe(seconds.length);
      await waitFor('a cron execution to succeed', async () => (await executions(h, 'ticks')).some((x) => x.status === 'SUCCEEDED'));

      expect((await h.api('DELETE', '/pipelines/ticks/Every second')).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1_200));
      const after = (await executions(h, 'ticks')).length;
      await new Promise((r) => setTimeout(r, 2_500));
      expect((await executions(h, 'ticks')).length).toBe(after);
    } finally {
      await h.close();
    }
  }, 20_000);

  it('fire a tick missed while the service was down exactly once on start; disabled ones never', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slackops-cron-'));
    dirs.push(dir);
    // Midnight on January 1st: no tick falls inside the test, so only a missed tick can fire.
    const yearly = '0 0 0 1 1 ?';
    const first = await startHarness({ slackEnabled: false, dir });
    const ids: Record<string, string> = {};
    try {
      for (const [name, trigger, extra] of [
        ['Missed', { cronExpression: yearly }, {}],
        ['Missed 5-field', { cronExpression: '0 0 1 1 *' }, {}],
        ['Recently fired', { cronExpression: yearly }, {}],
        ['Pipeline disabled', { cronExpression: yearly }, { disabled: true }],
        ['Trigger disabled', { cronExpression: yearly, enabled: false }, {}],
      ] as const) {
        const res = await first.api('POST', '/pipelines', cronPipeline('missed', name, trigger, extra));
        expect(res.status).toBe(200);
        ids[name] = res.body.id;
      }
      expect(await executions(first, 'missed')).toEqual([]);
    } finally {
      await first.close();
    }

    // While the service is down: every pipeline was saved and last fired three years ago, except one fired a
    // second ago (after its latest tick).
    const now = Date.now();
    const longAgo = now - 3 * 365 * 24 * 3600_000;
    const store = await Store.open(`sqlite:${join(dir, 'slackops.db')}`);
    try {
      await store.db.updateTable('pipelines').set({ updated_at: longAgo }).execute();
      await store.transaction(async (tx) => {
        for (const [name, id] of Object.entries(ids)) {
          const key = cronTriggerKey({}, 0);
          expect(await tx.triggers.recordCronFire(id, key, null, name === 'Recently fired' ? now - 1_000 : longAgo)).toBe(true);
        }
      });
      // the compare-and-set refuses a writer that read a stale last fire
      expect(await store.repos.triggers.recordCronFire(ids.Missed!, '#0', now, now)).toBe(false);
    } finally {
      await store.close();
    }

    const second = await startHarness({ slackEnabled: false, dir });
    try {
      const list = await waitFor('the missed ticks to fire', async () => {
        const l = await executions(second, 'missed');
        return l.length >= 2 ? l : null;
      });
      // more passes of the scheduler change nothing
      await new Promise((r) => setTimeout(r, 2_500));
      const final = await executions(second, 'missed');
      expect(final.map((e) => e.name).sort()).toEqual(['Missed', 'Missed 5-field']);
      expect(final.every((e) => e.trigger.type === 'cron')).toBe(true);
      expect(list.map((e) => e.id).sort()).toEqual(final.map((e) => e.id).sort());
      const fires = await second.service.store.repos.triggers.cronLastFires();
      expect(fires.get(`${ids.Missed}\u0000#0`)).toBeGreaterThanOrEqual(now);
      expect(fires.get(`${ids['Recently fired']}\u0000#0`)).toBe(now - 1_000);
      expect(fires.get(`${ids['Pipeline disabled']}\u0000#0`)).toBe(longAgo);
    } finally {
      await second.close();
    }
  }, 30_000);
});

describe('parseCronExpression', () => {
  const from = new Date('2024-05-01T10:00:00Z');
  it.each([
    ['0 0 12 ? * MON-FRI', '2024-05-01T12:00:00.000Z'],
    ['0 0 12 ? * 1', '2024-05-05T12:00:00.000Z'], // Quartz: 1 is Sunday
    ['0 12 * * 1', '2024-05-06T12:00:00.000Z'], // crontab: 1 is Monday
    ['0 0/15 * * * ?', '2024-05-01T10:15:00.000Z'],
    ['0 0 0 1 1 ? 2030', '2030-01-01T00:00:00.000Z'],
    ['*/5 * * * *', '2024-05-01T10:05:00.000Z'],
  ])('%s next after 2024-05-01T10:00Z is %s (UTC)', (expr, next) => {
    expect(parseCronExpression(expr).nextRun(from)?.toISOString()).toBe(next);
  });

  it('names what is wrong', () => {
    expect(() => parseCronExpression('0 0 * *')).toThrow(/expected a Quartz expression/);
    expect(() => parseCronExpression('0 H * * * ?')).toThrow(/"H" \(hashed values\) is not supported/);
    expect(() => parseCronExpression('0 0 0 1 1 ? 2001')).toThrow(/never fires/);
  });
});
