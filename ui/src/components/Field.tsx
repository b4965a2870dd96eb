/** A labelled form field with the API's messages for it shown next to it. */
import type { ReactNode } from 'react';
import FieldError from './FieldError';

export default function Field({ label, id, errors, hint, children }: { label: ReactNode; id: string; errors?: string[]; hint?: ReactNode; children: ReactNode }) {
  return (
    <div className={`field${errors && errors.length > 0 ? ' has-error' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children}
      {hint && <small className="muted">{hint}</small>}
      <FieldError messages={errors} />
    </div>
  );
}
