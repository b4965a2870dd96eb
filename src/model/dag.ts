/**
 * Rules of the stage graph: stages form a DAG by `refId` and `requisiteStageRefIds` (Spinnaker's fields).
 */

export interface DagNode {
  refId: string;
  requisiteStageRefIds?: string[];
}

/**
 * Finds dependency cycles. Returns each cycle found as the list of refIds along it (first repeated at the end),
 * e.g. `["1", "2", "1"]`; an empty array when the graph is acyclic. References to unknown refIds are ignored here.
 */
export function findCycles(nodes: DagNode[]): string[][] {
  const byRef = new Map<string, DagNode>();
  for (const n of nodes) if (!byRef.has(n.refId)) byRef.set(n.refId, n); // first wins on duplicates
  const state = new Map<string, 'visiting' | 'done'>();
  const cycles: string[][] = [];
  const path: string[] = [];
  const visit = (ref: string): void => {
    const s = state.get(ref);
    if (s === 'done') return;
    if (s === 'visiting') {
      cycles.push([...path.slice(path.indexOf(ref)), ref]);
      return;
    }
    state.set(ref, 'visiting');
    path.push(ref);
    for (const up of byRef.get(ref)?.requisiteStageRefIds ?? []) if (byRef.has(up)) visit(up);
    path.pop();
    state.set(ref, 'done');
  };
  for (const n of nodes) visit(n.refId);
  return cycles;
}

/** refIds of the stages that list `refId` among their `requisiteStageRefIds`. */
export function downstreamOf(nodes: DagNode[], refId: string): string[] {
  return nodes.filter((n) => (n.requisiteStageRefIds ?? []).includes(refId)).map((n) => n.refId);
}
