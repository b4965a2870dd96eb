/** A comma-separated list in one text input; keeps what is typed (e.g. a trailing comma) and reports the items. */
import { useState } from 'react';

export default function ListInput({ id, items, onChange }: { id: string; items: string[]; onChange: (items: string[]) => void }) {
  const [text, setText] = useState(items.join(', '));
  return (
    <input
      id={id}
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        onChange(e.target.value.split(',').map((s) => s.trim()).filter(Boolean));
      }}
    />
  );
}
