/**
 * A modal confirm dialog (native `<dialog>`, so focus stays inside and Escape cancels) for the environments view's
 * actions: approve / reject a judgement (keel's "Are you sure you want to promote version …?"), pin, unpin, mark as
 * bad. An optional comment goes with the action. A refused call (e.g. 409: someone decided first, naming who)
 * stays open showing the service's message.
 */
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { errorText } from '../../format';
import { ApiError } from '../../api';

export interface ActionDialogProps {
  title: string;
  question: string;
  confirmLabel: string;
  danger?: boolean;
  /** Show a comment field (max 2,000 characters, the API's limit). */
  withComment: boolean;
  commentLabel?: string;
  /** Runs the action; resolves when done (the dialog then closes), throws to show the error. */
  onConfirm: (comment: string) => Promise<void>;
  onClose: () => void;
}

export default function ActionDialog(p: ActionDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const d = ref.current;
    // No close() on cleanup: it would fire `close` (→ onClose) when StrictMode re-runs the effect; unmounting
    // removes the dialog anyway.
    if (d && !d.open) d.showModal();
  }, []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await p.onConfirm(comment.trim());
      p.onClose();
    } catch (err) {
      setError(err instanceof ApiError && err.status === 409 ? `Not done: ${err.body.message}` : errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <dialog ref={ref} className="action-dialog" aria-labelledby={`${id}-title`} aria-describedby={`${id}-q`} onClose={p.onClose}>
      <form method="dialog" onSubmit={(e) => void submit(e)}>
        <h2 id={`${id}-title`}>{p.title}</h2>
        <p id={`${id}-q`}>{p.question}</p>
        {p.withComment && (
          <div className="field">
            <label htmlFor={`${id}-comment`}>{p.commentLabel ?? 'Comment (optional)'}</label>
            <textarea id={`${id}-comment`} rows={3} maxLength={2000} value={comment} onChange={(e) => setComment(e.target.value)} />
          </div>
        )}
        {error && <p className="error" role="alert">{error}</p>}
        <div className="buttons">
          <button type="submit" className={p.danger ? 'danger' : 'primary'} disabled={busy}>{p.confirmLabel}</button>
          <button type="button" onClick={p.onClose} disabled={busy}>Cancel</button>
        </div>
      </form>
    </dialog>
  );
}
