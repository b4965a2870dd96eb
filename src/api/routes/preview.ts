/**
 * `POST /slack/preview` `{pipeline, refId}` → `{text, blocks, channels}`: the Slack message the service would post
 * when that manualJudgment stage starts, built by the same code as the real one (the judgment view of
 * notifications/judgment-view.ts rendered by slack/blocks.ts `judgmentMessage`), from a synthetic execution: the
 * pipeline as given (it need not be saved), triggered by `preview@example.com` with each parameter at its
 * `parameterConfig` default (empty when it has none), the stage just started with its `${...}` evaluated.
 * `channels` are the Slack addresses that would post this awaiting message: the stage's Slack preferences whose
 * `when` includes `manualJudgment` (as notifications/fan-out.ts decides), none when `sendNotifications` is false.
 *
 * 400 naming the field: `pipeline` not a valid pipeline config (its issues, with paths), `refId` missing or no
 * stage with it, or the stage not a manualJudgment.
 */
import type { FastifyInstance } from 'fastify';
import { validatePipelineConfig } from '../../engine/validate.js';
import { buildExecution } from '../../engine/build.js';
import { evaluateStageContext } from '../../engine/expression-context.js';
import { BadRequestError } from '../../engine/errors.js';
import { judgmentViewFor, slackNotificationsOf, slackPreferences } from '../../notifications/judgment-view.js';
import { judgmentMessage } from '../../slack/blocks.js';
import type { PipelineConfig } from '../../model/pipeline.js';

/** Who the synthetic execution was triggered by. */
export const PREVIEW_USER = 'preview@example.com';

function defaults(config: PipelineConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of config.parameterConfig ?? []) out[p.name] = p.default !== undefined && p.default !== null ? String(p.default) : '';
  return out;
}

export function previewRoutes(app: FastifyInstance, deps: { publicUrl: string }): void {
  app.post('/slack/preview', async (req) => {
    const body = req.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new BadRequestError('body: expected a JSON object {pipeline, refId}', [{ path: 'body', message: 'expected a JSON object {pipeline, refId}' }]);
    }
    const { pipeline, refId } = body as { pipeline?: unknown; refId?: unknown };
    if (typeof refId !== 'string' && typeof refId !== 'number') {
      throw new BadRequestError('refId: required: the refId of a manualJudgment stage of the pipeline', [{ path: 'refId', message: 'required' }]);
    }
    if (pipeline === null || typeof pipeline !== 'object' || Array.isArray(pipeline)) {
      throw new BadRequestError('pipeline: required: the pipeline config (as POST /pipelines takes it)', [{ path: 'pipeline', message: 'expected a pipeline config object' }]);
    }
    let config: PipelineConfig;
    try {
      config = validatePipelineConfig(pipeline);
    } catch (err) {
      if (err instanceof BadRequestError) {
        const issues = err.issues.map((i) => ({ path: i.path ? `pipeline.${i.path}` : 'pipeline', message: i.message }));
        throw new BadRequestError(issues.map((i) => `${i.path}: ${i.message}`).join('; ') || `pipeline: ${err.message}`, issues);
      }
      throw err;
    }
    const now = Date.now();
    const execution = buildExecution(config, { type: 'manual', user: PREVIEW_USER, parameters: defaults(config) }, now);
    const stage = execution.stages.find((s) => s.refId === String(refId));
    if (!stage) {
      throw new BadRequestError(`refId: the pipeline has no stage with refId "${String(refId).slice(0, 100)}"`, [{ path: 'refId', message: 'no stage has this refId' }]);
    }
    if (stage.type !== 'manualJudgment') {
      throw new BadRequestError(`refId: stage "${stage.name}" is a ${stage.type} stage; only a manualJudgment stage posts a judgment message`, [
        { path: 'refId', message: `a ${stage.type} stage, not a manualJudgment` },
      ]);
    }
    execution.status = 'RUNNING';
    execution.startTime = now;
    stage.status = 'RUNNING';
    stage.startTime = now;
    stage.context = evaluateStageContext(execution, stage);
    const prefs = slackPreferences(stage.context.notifications);
    const notification = prefs.find((n) => n.when.includes('manualJudgment')) ?? prefs[0];
    const view = judgmentViewFor(execution, stage, deps.publicUrl, notification, 'manualJudgment');
    const message = judgmentMessage(view);
    return { text: message.text, blocks: message.blocks, channels: slackNotificationsOf(stage).filter((n) => n.when.includes('manualJudgment')).map((n) => n.address) };
  });
}
