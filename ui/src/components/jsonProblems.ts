/**
 * Which JSON text fields of the builder hold text that does not parse. A JSON field keeps its last good value
 * while its text is invalid, so saving then would silently save something other than what is on screen: the
 * builder refuses to save (and to leave the JSON tab) while this registry is not empty.
 */
import { createContext, useContext, useEffect } from 'react';

/** Reports `problem` (null when the text parses) for the field `label`; the builder provides it. */
export type ReportJsonProblem = (label: string, problem: string | null) => void;

export const JsonProblemContext = createContext<ReportJsonProblem>(() => {});

/** Keeps the builder told whether the field `label` parses; clears the report when the field goes away. */
export function useJsonProblem(label: string, problem: string | null): void {
  const report = useContext(JsonProblemContext);
  useEffect(() => {
    report(label, problem);
  }, [report, label, problem]);
  useEffect(() => () => report(label, null), [report, label]);
}
