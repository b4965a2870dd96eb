/** An execution/stage status as icon + text (never colour alone). */
import type { ExecutionStatus } from '../api';

const ICONS: Record<string, string> = {
  SUCCEEDED: '✔', RUNNING: '▶', NOT_STARTED: '○', PAUSED: '‖', SUSPENDED: '‖', BUFFERED: '…',
  TERMINAL: '✖', CANCELED: '⊘', STOPPED: '■', SKIPPED: '↷', FAILED_CONTINUE: '⚠', AWAITING: '◔',
};

export default function StatusBadge({ status, awaiting }: { status: ExecutionStatus | string; awaiting?: boolean }) {
  const label = awaiting ? 'AWAITING JUDGMENT' : status;
  const key = awaiting ? 'AWAITING' : status;
  return (
    <span className={`status status-${key.toLowerCase()}`} data-status={status}>
      <span aria-hidden="true">{ICONS[key] ?? '•'}</span> {label}
    </span>
  );
}
