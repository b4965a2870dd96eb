/**
 * The stage graph of an execution: stages placed in columns by DAG depth (longest path from a stage without
 * `requisiteStageRefIds`), edges drawn in SVG, so branches and joins show. Each stage is a real button with its
 * status as icon and text.
 */
import type { StageExecution } from '../api';
import StatusBadge from './StatusBadge';
import { isAwaitingJudgment } from '../status';
import { elapsed } from '../format';

const W = 200;
const H = 80;
const GX = 48;
const GY = 16;

/** Column (depth) and row of each stage by refId. */
export function layout(stages: StageExecution[]): Map<string, { col: number; row: number }> {
  const byRef = new Map(stages.map((s) => [s.refId, s]));
  const depth = new Map<string, number>();
  const visit = (ref: string, seen: Set<string>): number => {
    const known = depth.get(ref);
    if (known !== undefined) return known;
    const s = byRef.get(ref);
    if (!s || seen.has(ref)) return 0;
    seen.add(ref);
    const ups = s.requisiteStageRefIds.filter((r) => byRef.has(r));
    const d = ups.length === 0 ? 0 : 1 + Math.max(...ups.map((u) => visit(u, seen)));
    depth.set(ref, d);
    return d;
  };
  const rows = new Map<number, number>();
  const out = new Map<string, { col: number; row: number }>();
  for (const s of stages) {
    const col = visit(s.refId, new Set());
    const row = rows.get(col) ?? 0;
    rows.set(col, row + 1);
    out.set(s.refId, { col, row });
  }
  return out;
}

export default function StageGraph({ stages, selected, onSelect }: { stages: StageExecution[]; selected: string | null; onSelect: (refId: string) => void }) {
  const pos = layout(stages);
  const cols = Math.max(1, ...[...pos.values()].map((p) => p.col + 1));
  const rows = Math.max(1, ...[...pos.values()].map((p) => p.row + 1));
  const width = cols * W + (cols - 1) * GX;
  const height = rows * H + (rows - 1) * GY;
  const xy = (ref: string) => {
    const p = pos.get(ref)!;
    return { x: p.col * (W + GX), y: p.row * (H + GY) };
  };
  return (
    <div className="graph" style={{ width, height }} role="group" aria-label="Stage graph">
      <svg width={width} height={height} aria-hidden="true" className="edges">
        {stages.flatMap((s) =>
          s.requisiteStageRefIds
            .filter((r) => pos.has(r))
            .map((r) => {
              const a = xy(r);
              const b = xy(s.refId);
              const x1 = a.x + W;
              const y1 = a.y + H / 2;
              const x2 = b.x;
              const y2 = b.y + H / 2;
              const mx = (x1 + x2) / 2;
              return <path key={`${r}-${s.refId}`} d={`M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`} />;
            }),
        )}
      </svg>
      {stages.map((s) => {
        const { x, y } = xy(s.refId);
        return (
          <button
            type="button"
            key={s.refId}
            className={`node node-${s.status.toLowerCase()}${selected === s.refId ? ' selected' : ''}`}
            style={{ left: x, top: y, width: W, height: H }}
            aria-pressed={selected === s.refId}
            data-refid={s.refId}
            onClick={() => onSelect(s.refId)}
          >
            <span className="node-name">{s.name}</span>
            <StatusBadge status={s.status} awaiting={isAwaitingJudgment(s)} />
            <span className="node-time muted">{elapsed(s.startTime, s.endTime)}</span>
          </button>
        );
      })}
    </div>
  );
}
