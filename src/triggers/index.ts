/**
 * Pipeline triggers (Spinnaker echo's job): webhook triggers fired by `POST /webhooks/webhook/{source}` and cron
 * triggers fired by the scheduler; `validateTriggers` checks them when a pipeline is saved.
 */
export { validateTriggers } from './validate.js';
export { payloadMatches, matchingWebhookTrigger, type WebhookTriggerConfig } from './webhook.js';
export { parseCronExpression, cronExpressionProblem, cronDialect, CRON_TIMEZONE } from './cron-expression.js';
export { CronScheduler, cronTriggerKey, type CronSchedulerOptions, type CronTriggerConfig } from './cron-scheduler.js';
