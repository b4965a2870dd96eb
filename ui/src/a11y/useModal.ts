/**
 * Modal dialog behaviour (WAI-ARIA APG "Dialog (Modal)" pattern): Tab and Shift+Tab cycle inside the dialog, Escape
 * closes it wherever the focus is (listened for on the document, not only inside the dialog), and when the dialog
 * goes the focus returns to the element that opened it — the element focused when it appeared, or `returnTo()`
 * when that is gone (e.g. a button disabled while its click was sent).
 */
import { useEffect, useRef, type RefObject } from 'react';

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

export function useModal(dialog: RefObject<HTMLElement | null>, onEscape: () => void, returnTo?: () => HTMLElement | null | undefined): void {
  const escape = useRef(onEscape);
  escape.current = onEscape;
  const fallback = useRef(returnTo);
  fallback.current = returnTo;
  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement && document.activeElement !== document.body ? document.activeElement : null;
    const onKey = (e: KeyboardEvent) => {
      const root = dialog.current;
      if (!root) return;
      if (e.key === 'Escape') {
        e.preventDefault();
        escape.current();
        return;
      }
      if (e.key !== 'Tab') return;
      const items = [...root.querySelectorAll<HTMLElement>(FOCUSABLE)];
      if (items.length === 0) {
        e.preventDefault();
        return;
      }
      const first = items[0]!;
      const last = items[items.length - 1]!;
      const active = document.activeElement;
      if (!root.contains(active)) {
        e.preventDefault();
        first.focus();
      } else if (e.shiftKey && active === first) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && active === last) {
        e.preventDefault();
        first.focus();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      if (opener && opener.isConnected && !(opener as HTMLButtonElement).disabled) {
        opener.focus();
        return;
      }
      // The opener is gone or disabled (busy while its click was sent): once React has settled, the fallback.
      setTimeout(() => {
        const back = opener && opener.isConnected && !(opener as HTMLButtonElement).disabled ? opener : fallback.current?.();
        if (back?.isConnected) back.focus();
      }, 0);
    };
  }, [dialog]);
}
