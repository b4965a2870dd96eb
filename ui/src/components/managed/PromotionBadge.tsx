/** A version's promotion state in an environment as icon + text (never colour alone), keel's PromotionStatus names. */
import type { PromotionState } from '../../managed-api';

const ICONS: Record<PromotionState, string> = {
  PENDING: '◔',
  APPROVED: '✓',
  DEPLOYING: '▶',
  CURRENT: '●',
  PREVIOUS: '↺',
  SKIPPED: '↷',
  VETOED: '⊘',
};

/** What each state means, for the tooltip and screen readers. */
export const STATE_HELP: Record<PromotionState, string> = {
  PENDING: 'not deployed here yet; waiting for its constraints',
  APPROVED: 'constraints passed; about to deploy',
  DEPLOYING: 'the deploy pipeline is running',
  CURRENT: 'the version deployed here now',
  PREVIOUS: 'was deployed here before',
  SKIPPED: 'passed over (rejected, failed, or older than the current version)',
  VETOED: 'marked as bad here: never deployed again',
};

export default function PromotionBadge({ state }: { state: PromotionState }) {
  return (
    <span className={`mstate mstate-${state.toLowerCase()}`} data-state={state} title={STATE_HELP[state]}>
      <span aria-hidden="true">{ICONS[state] ?? '•'}</span> {state}
    </span>
  );
}
