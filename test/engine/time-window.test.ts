/**
 * Window arithmetic of `restrictExecutionDuringTimeWindow` (src/engine/time-window.ts), in UTC, orca's day numbers
 * (1 = Sunday … 7 = Saturday) and minute granularity (the end minute is inside); StartStage on a fixed clock
 * (SUSPENDED → queued again for the opening → RUNNING); and the window's validation at save.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, waitFor, type Harness } from '../support/harness.js';
import { isInWindow, nextWindowOpening, orcaDayOfWeek, type ExecutionWindow } from '../../src/engine/time-window.js';
import { startStage } from '../../src/engine/handlers/start-stage.js';
import { HandlerContext } from '../../src/engine/handlers/context.js';
import { buildExecution } from '../../src/engine/build.js';
import { validatePipelineConfig } from '../../src/engine/validate.js';
import type { PipelineExecution } from '../../src/model/execution.js';
import type { Repositories } from '../../src/store/index.js';

// 2024-01-01 is a Monday (orca day 2).
const at = (iso: string) => Date.parse(`${iso}Z`);
const MON = 2;
const TUE = 3;
const FRI = 6;
const SAT = 7;
const SUN = 1;

describe('orcaDayOfWeek', () => {
  it('numbers days as java.util.Calendar: 1 = Sunday … 7 = Saturday, in UTC', () => {
    expect(orcaDayOfWeek(at('2024-01-01T00:00:00'))).toBe(MON);
    expect(orcaDayOfWeek(at('2024-01-06T23:59:59'))).toBe(SAT);
    expect(orcaDayOfWeek(at('2024-01-07T00:00:00'))).toBe(SUN);
  });
});

describe('a window within a day', () => {
  const w: ExecutionWindow = { whitelist: [{ startHour: 9, startMin: 30, endHour: 17, endMin: 0 }] };
  it.each([
    ['2024-01-01T09:29:59', false],
    ['2024-01-01T09:30:00', true],
    ['2024-01-01T12:00:00', true],
    ['2024-01-01T17:00:59', true], // the end minute is inside, as orca's
    ['2024-01-01T17:01:00', false],
  ])('%s inside: %s', (t, inside) => {
    expect(isInWindow(w, at(t))).toBe(inside);
  });

  it('inside: the next opening is now', () => {
    expect(nextWindowOpening(w, at('2024-01-01T12:00:05'))).toBe(at('2024-01-01T12:00:05'));
  });

  it('before it: opens later the same day; after it: the next day', () => {
    expect(nextWindowOpening(w, at('2024-01-01T03:12:45'))).toBe(at('2024-01-01T09:30:00'));
    expect(nextWindowOpening(w, at('2024-01-01T17:01:00'))).toBe(at('2024-01-02T09:30:00'));
  });

  it('minutes default to 0', () => {
    const w2: ExecutionWindow = { whitelist: [{ startHour: 10, endHour: 11 }] };
    expect(isInWindow(w2, at('2024-01-01T11:00:30'))).toBe(true);
    expect(isInWindow(w2, at('2024-01-01T11:01:00'))).toBe(false);
    expect(nextWindowOpening(w2, at('2024-01-01T08:00:00'))).toBe(at('2024-01-01T10:00:00'));
  });
});

describe('a window crossing midnight', () => {
  const w: ExecutionWindow = { whitelist: [{ startHour: 22, startMin: 0, endHour: 2, endMin: 0 }] };
  it.each([
    ['2024-01-01T21:59:00', false],
    ['2024-01-01T22:00:00', true],
    ['2024-01-01T23:59:59', true],
    ['2024-01-02T00:00:00', true],
    ['2024-01-02T02:00:59', true],
    ['2024-01-02T02:01:00', false],
    ['2024-01-02T12:00:00', false],
  ])('%s inside: %s', (t, inside) => {
    expect(isInWindow(w, at(t))).toBe(inside);
  });

  it('opens at the start hour, later today', () => {
    expect(nextWindowOpening(w, at('2024-01-02T02:01:00'))).toBe(at('2024-01-02T22:00:00'));
  });

  it('with a days filter each minute counts on its own day (orca splits the window at midnight)', () => {
    const fri: ExecutionWindow = { ...w, days: [FRI] }; // 2024-01-05 is a Friday
    expect(isInWindow(fri, at('2024-01-05T01:00:00'))).toBe(true);
    expect(isInWindow(fri, at('2024-01-05T23:00:00'))).toBe(true);
    expect(isInWindow(fri, at('2024-01-06T01:00:00'))).toBe(false); // Saturday
    expect(nextWindowOpening(fri, at('2024-01-05T03:00:00'))).toBe(at('2024-01-05T22:00:00'));
    expect(nextWindowOpening(fri, at('2024-01-06T01:00:00'))).toBe(at('2024-01-12T00:00:00'));
  });

  it('a start minute after the end minute in the same hour also crosses midnight', () => {
    const w2: ExecutionWindow = { whitelist: [{ startHour: 5, startMin: 30, endHour: 5, endMin: 10 }] };
    expect(isInWindow(w2, at('2024-01-01T05:20:00'))).toBe(false);
    expect(isInWindow(w2, at('2024-01-01T05:40:00'))).toBe(true);
    expect(isInWindow(w2, at('2024-01-01T03:00:00'))).toBe(true);
  });
});

describe('days', () => {
  it('filters days; the next opening moves across days and weeks', () => {
    const w: ExecutionWindow = { whitelist: [{ startHour: 9, startMin: 0, endHour: 10, endMin: 0 }], days: [TUE, FRI] };
    expect(isInWindow(w, at('2024-01-01T09:30:00'))).toBe(false); // Monday
    expect(isInWindow(w, at('2024-01-02T09:30:00'))).toBe(true); // Tuesday
    expect(nextWindowOpening(w, at('2024-01-01T09:30:00'))).toBe(at('2024-01-02T09:00:00'));
    expect(nextWindowOpening(w, at('2024-01-02T10:01:00'))).toBe(at('2024-01-05T09:00:00'));
    expect(nextWindowOpening(w, at('2024-01-05T11:00:00'))).toBe(at('2024-01-09T09:00:00'));
  });

  it('a single allowed day that is today but past its window opens a week later', () => {
    const w: ExecutionWindow = { whitelist: [{ startHour: 9, startMin: 0, endHour: 10, endMin: 0 }], days: [MON] };
    expect(nextWindowOpening(w, at('2024-01-01T10:01:00'))).toBe(at('2024-01-08T09:00:00'));
  });

  it('an empty whitelist is the whole day on the allowed days', () => {
    const w: ExecutionWindow = { whitelist: [], days: [SAT, SUN] };
    expect(isInWindow(w, at('2024-01-06T00:00:00'))).toBe(true);
    expect(isInWindow(w, at('2024-01-07T23:59:59'))).toBe(true);
    expect(isInWindow(w, at('2024-01-08T00:00:00'))).toBe(false);
    expect(nextWindowOpening(w, at('2024-01-03T15:45:00'))).toBe(at('2024-01-06T00:00:00'));
    expect(isInWindow({ days: [MON] }, at('2024-01-01T13:00:00'))).toBe(true);
  });

  it('no whitelist and no days: always open', () => {
    expect(isInWindow({}, at('2024-01-03T15:45:00'))).toBe(true);
    expect(nextWindowOpening({ whitelist: [], days: [] }, at('2024-01-03T15:45:00'))).toBe(at('2024-01-03T15:45:00'));
  });

  it('several windows: the earliest next one wins, whatever their order', () => {
    const w: ExecutionWindow = {
      whitelist: [
        { startHour: 20, startMin: 0, endHour: 21, endMin: 0 },
        { startHour: 6, startMin: 0, endHour: 7, endMin: 0 },
      ],
    };
    expect(nextWindowOpening(w, at('2024-01-01T01:00:00'))).toBe(at('2024-01-01T06:00:00'));
    expect(nextWindowOpening(w, at('2024-01-01T08:00:00'))).toBe(at('2024-01-01T20:00:00'));
    expect(nextWindowOpening(w, at('2024-01-01T22:00:00'))).toBe(at('2024-01-02T06:00:00'));
  });

  it('never opens when days holds no day 1-7', () => {
    expect(nextWindowOpening({ days: [9] }, at('2024-01-01T00:00:00'))).toBeNull();
  });
});

describe('StartStage with restrictExecutionDuringTimeWindow (handler, fixed clock)', () => {
  /** A store of one execution and a queue, enough for StartStage's transaction. */
  function fakeTx(execution: PipelineExecution) {
    let stored = structuredClone(execution);
    const pushed: Array<{ kind: string; stageId?: string | null; deliverAt: number }> = [];
    const tx = {
      executions: {
        get: async (id: string) => (id === stored.id ? structuredClone(stored) : undefined),
        update: async (e: PipelineExecution) => {
          stored = structuredClone(e);
        },
      },
      queue: { push: async (m: { kind: string; stageId?: string | null }, deliverAt: number) => void pushed.push({ kind: m.kind, stageId: m.stageId, deliverAt }) },
      outbox: { add: async () => undefined },
    };
    return { tx: tx as unknown as Repositories, pushed, stored: () => stored };
  }

  function build(stage: Record<string, unknown>): PipelineExecution {
    const config = validatePipelineConfig({ application: 'tw', name: 'p', stages: [{ refId: '1', type: 'wait', name: 'Wait', waitTime: 0, ...stage }] });
    const e = buildExecution(config, { type: 'manual', user: 'u', parameters: {} }, at('2024-01-01T00:00:00'));
    e.status = 'RUNNING';
    return e;
  }

  const restricted = { restrictExecutionDuringTimeWindow: true, restrictedExecutionWindow: { whitelist: [{ startHour: 9, startMin: 0, endHour: 10, endMin: 0 }], days: [TUE] } };

  it('suspends the stage until the window opens, then starts it when StartStage comes back', async () => {
    const e = build(restricted);
    const stageId = e.stages[0]!.id;
    const store = fakeTx(e);
    await startStage(new HandlerContext(store.tx, at('2024-01-01T09:30:00')), { kind: 'StartStage', executionId: e.id, stageId });
    expect(store.stored().stages[0]!.status).toBe('SUSPENDED');
    expect(store.stored().stages[0]!.startTime).toBeNull();
    expect(store.stored().stages[0]!.context.scheduledTime).toBe(at('2024-01-02T09:00:00'));
    expect(store.pushed).toEqual([{ kind: 'StartStage', stageId, deliverAt: at('2024-01-02T09:00:00') }]);

    // delivered early (e.g. a duplicate): suspended again for the same opening
    await startStage(new HandlerContext(store.tx, at('2024-01-02T08:59:59')), { kind: 'StartStage', executionId: e.id, stageId });
    expect(store.stored().stages[0]!.status).toBe('SUSPENDED');
    expect(store.pushed[1]).toEqual({ kind: 'StartStage', stageId, deliverAt: at('2024-01-02T09:00:00') });

    await startStage(new HandlerContext(store.tx, at('2024-01-02T09:00:00')), { kind: 'StartStage', executionId: e.id, stageId });
    expect(store.stored().stages[0]!.status).toBe('RUNNING');
    expect(store.stored().stages[0]!.startTime).toBe(at('2024-01-02T09:00:00'));
    expect(store.pushed[2]).toMatchObject({ kind: 'RunTask', stageId });
  });

  it('starts at once inside the window', async () => {
    const e = build(restricted);
    const store = fakeTx(e);
    await startStage(new HandlerContext(store.tx, at('2024-01-02T09:59:00')), { kind: 'StartStage', executionId: e.id, stageId: e.stages[0]!.id });
    expect(store.stored().stages[0]!.status).toBe('RUNNING');
    expect(store.pushed.map((p) => p.kind)).toEqual(['RunTask']);
  });

  it('does not wait for the window of a stage that stageEnabled skips', async () => {
    const e = build({ ...restricted, stageEnabled: { type: 'expression', expression: 'false' } });
    const store = fakeTx(e);
    await startStage(new HandlerContext(store.tx, at('2024-01-01T12:00:00')), { kind: 'StartStage', executionId: e.id, stageId: e.stages[0]!.id });
    expect(store.stored().stages[0]!.status).toBe('SKIPPED');
  });

  it('fails the stage when a stored window cannot be read (saved before validation)', async () => {
    const e = build({});
    e.stages[0]!.context.restrictExecutionDuringTimeWindow = true;
    e.stages[0]!.context.restrictedExecutionWindow = { whitelist: [{ startHour: 25, endHour: 3 }] };
    const store = fakeTx(e);
    await startStage(new HandlerContext(store.tx, at('2024-01-01T12:00:00')), { kind: 'StartStage', executionId: e.id, stageId: e.stages[0]!.id });
    expect(store.stored().stages[0]!.status).toBe('TERMINAL');
    expect((store.stored().stages[0]!.context.exception as any).details.error).toContain('whitelist[0]');
  });
});

describe('validation of the window at save', () => {
  const stage = (fields: Record<string, unknown>) => ({ application: 'tw', name: 'p', stages: [{ refId: '1', type: 'wait', name: 'w', waitTime: 1, ...fields }] });
  const issues = (fields: Record<string, unknown>) => {
    try {
      validatePipelineConfig(stage(fields));
      return [];
    } catch (err) {
      return (err as { issues: unknown[] }).issues;
    }
  };

  it.each([
    [{ restrictExecutionDuringTimeWindow: 'yes' }, 'stages[0].restrictExecutionDuringTimeWindow', 'expected true or false'],
    [{ failOnFailedExpressions: 1 }, 'stages[0].failOnFailedExpressions', 'expected true or false'],
    [{ restrictExecutionDuringTimeWindow: true, restrictedExecutionWindow: 'always' }, 'stages[0].restrictedExecutionWindow', 'expected an object {whitelist: [{startHour, startMin, endHour, endMin}], days: [1-7]}'],
    [{ restrictExecutionDuringTimeWindow: true, restrictedExecutionWindow: { whitelist: [{ startHour: 24, endHour: 1 }] } }, 'stages[0].restrictedExecutionWindow.whitelist[0].startHour', 'expected a whole number 0-23 (hour)'],
    [{ restrictExecutionDuringTimeWindow: true, restrictedExecutionWindow: { whitelist: [{ startHour: 1, startMin: 60, endHour: 2 }] } }, 'stages[0].restrictedExecutionWindow.whitelist[0].startMin', 'expected a whole number 0-59 (minute)'],
    [{ restrictExecutionDuringTimeWindow: true, restrictedExecutionWindow: { whitelist: [{ startHour: 1 }] } }, 'stages[0].restrictedExecutionWindow.whitelist[0].endHour', 'required (hour, 0-23)'],
    [{ restrictExecutionDuringTimeWindow: true, restrictedExecutionWindow: { days: [0] } }, 'stages[0].restrictedExecutionWindow.days[0]', 'expected a day number 1-7 (1 = Sunday … 7 = Saturday)'],
    [{ restrictExecutionDuringTimeWindow: true, restrictedExecutionWindow: { jitter: { maxDelay: -1 } } }, 'stages[0].restrictedExecutionWindow.jitter.maxDelay', 'must not be negative'],
  ])('refuses %j', (fields, path, message) => {
    expect(issues(fields)).toContainEqual({ path, message });
  });

  it('accepts a full window, and ignores a stale window when the flag is off', () => {
    expect(issues({ restrictExecutionDuringTimeWindow: true, restrictedExecutionWindow: { whitelist: [{ startHour: 22, startMin: 0, endHour: 2, endMin: 0 }], days: [1, 7] } })).toEqual([]);
    expect(issues({ restrictExecutionDuringTimeWindow: false, restrictedExecutionWindow: { whitelist: 'junk' } })).toEqual([]);
  });
});

describe('restrictExecutionDuringTimeWindow through the service (UTC)', () => {
  let h: Harness;
  let seq = 0;
  beforeAll(async () => {
    h = await startHarness({ slackEnabled: false });
  });
  afterAll(async () => {
    await h.close();
  });

  async function run(stage: Record<string, unknown>): Promise<string> {
    const application = `window${++seq}`;
    const saved = await h.api('POST', '/pipelines', {
      application,
      name: 'p',
      stages: [
        { refId: '1', type: 'wait', name: 'Windowed', waitTime: 0, ...stage },
        { refId: '2', requisiteStageRefIds: ['1'], type: 'wait', name: 'After', waitTime: 0 },
      ],
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    const res = await h.api('POST', `/pipelines/${application}/p`, { user: 'erin@example.com' });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return (res.body as any).ref.replace('/pipelines/', '');
  }
  const get = async (id: string) => (await h.api('GET', `/pipelines/${id}`)).body as any;

  it('a stage whose window is closed now stays SUSPENDED, queued for the opening', async () => {
    const hour = (new Date().getUTCHours() + 12) % 24; // a one-minute window 12 hours away
    const id = await run({ restrictExecutionDuringTimeWindow: true, restrictedExecutionWindow: { whitelist: [{ startHour: hour, startMin: 0, endHour: hour, endMin: 0 }] } });
    const e = await waitFor('stage 1 SUSPENDED', async () => {
      const x = await get(id);
      return x.stages[0].status === 'SUSPENDED' ? x : null;
    });
    await new Promise((r) => setTimeout(r, 300));
    const later = await get(id);
    expect(later.status).toBe('RUNNING');
    expect(later.stages[0].status).toBe('SUSPENDED');
    expect(later.stages[0].startTime).toBeNull();
    expect(later.stages[1].status).toBe('NOT_STARTED');
    const opening = e.stages[0].context.scheduledTime;
    expect(new Date(opening).getUTCHours()).toBe(hour);
    expect(new Date(opening).getUTCMinutes()).toBe(0);
    expect(opening).toBeGreaterThan(Date.now());
    expect(opening - Date.now()).toBeLessThan(13 * 3600_000);
    // Deck's "skip remaining window": the same PATCH as a wait's skipRemainingWait starts the stage now
    const skip = await h.api('PATCH', `/pipelines/${id}/stages/${e.stages[0].id}`, { skipRemainingWait: true });
    expect(skip.status, JSON.stringify(skip.body)).toBe(200);
    const done = await waitFor('the execution to succeed after skipping the window', async () => {
      const x = await get(id);
      return x.status === 'SUCCEEDED' ? x : null;
    });
    expect(done.stages[0].status).toBe('SUCCEEDED');
  });

  it('a restricted stage with no window object is not restricted', async () => {
    const id = await run({ restrictExecutionDuringTimeWindow: true });
    const done = await waitFor('SUCCEEDED', async () => ((await get(id)).status === 'SUCCEEDED' ? get(id) : null));
    expect(done.stages[0].status).toBe('SUCCEEDED');
  });

  it('a stage whose window is open now runs as usual', async () => {
    const now = new Date().getUTCHours();
    const id = await run({
      restrictExecutionDuringTimeWindow: true,
      restrictedExecutionWindow: { whitelist: [{ startHour: (now + 23) % 24, startMin: 0, endHour: (now + 1) % 24, endMin: 59 }], days: [1, 2, 3, 4, 5, 6, 7] },
    });
    const e = await waitFor('execution end', async () => {
      const x = await get(id);
      return x.status === 'SUCCEEDED' || x.status === 'TERMINAL' ? x : null;
    });
    expect(e.status).toBe('SUCCEEDED');
    expect(e.stages.map((s: any) => s.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(e.stages[0].context.scheduledTime).toBeUndefined();
  });
});
