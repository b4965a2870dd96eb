/** Calls `load` now and then every `everyMs` (ms) until `stop(value)` is true; re-runs when `deps` change. */
import { useEffect, useRef, useState } from 'react';
import { errorText } from './format';

export function usePoll<T>(load: () => Promise<T>, everyMs: number, stop: (v: T) => boolean, deps: unknown[]) {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        const v = await loadRef.current();
        if (!live) return;
        setValue(v);
        setError(null);
        if (stop(v)) return;
      } catch (err) {
        if (!live) return;
        setError(errorText(err));
      }
      timer = setTimeout(() => void run(), everyMs);
    };
    void run();
    return () => {
      live = false;
      if (timer) clearTimeout(timer);
    };
  }, [...deps, tick]);
  /** Loads again now (and resumes polling), e.g. after an action changed the value. */
  const refresh = () => setTick((t) => t + 1);
  return { value, error, refresh, setValue };
}
