/** The API's validation messages for one field, shown next to it (role=alert so screen readers hear them). */
export default function FieldError({ messages, id }: { messages?: string[]; id?: string }) {
  if (!messages || messages.length === 0) return null;
  return (
    <span className="field-error" role="alert" id={id}>
      {messages.join('; ')}
    </span>
  );
}
