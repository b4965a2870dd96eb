/**
 * Sets `document.title` to "{title} · SlackOps" while a page is shown (WCAG 2.4.2 "Page Titled": a screen reader
 * announces it, and browser tabs and history tell pages apart).
 */
import { useEffect } from 'react';

export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · SlackOps`;
  }, [title]);
}
