/**
 * The first look at a verified Slack interaction, shared by the HTTP callback and Socket Mode (two transports, one
 * handler, as Bolt's receivers): is it ours to record, to ignore, or malformed?
 */
import { parseInteraction, SlackPayloadError } from '../slack/payload.js';
import { parseManagedClick } from '../slack/managed-payload.js';

/**
 * @returns `record` for a judgment click, a reject-reason submission or a managed delivery judgement click
 *   (`managed:approve` / `managed:reject`); `ignored` with the reason otherwise.
 * @throws SlackPayloadError (→ 400 on HTTP) when the payload is meant for us but malformed.
 */
export function checkInteraction(payload: Record<string, unknown>): 'record' | { ignored: string } {
  if (parseManagedClick(payload)) return 'record';
  const parsed = parseInteraction(payload);
  return parsed.kind === 'ignored' ? { ignored: parsed.reason } : 'record';
}

export { SlackPayloadError };
