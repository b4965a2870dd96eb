/**
 * The Slack message a manualJudgment stage will post, from the service's own Block Kit builder
 * (`POST /slack/preview {pipeline, refId}`), rendered by BlockKit. Refreshed shortly after each edit.
 */
import { useEffect, useState } from 'react';
import { api, type PipelineConfig } from '../api';
import BlockKit from '../slack/BlockKit';
import { errorText } from '../format';

export default function SlackPreview({ pipeline, refId }: { pipeline: PipelineConfig; refId: string }) {
  const [preview, setPreview] = useState<{ text: string; blocks: unknown[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const key = JSON.stringify(pipeline);
  useEffect(() => {
    let live = true;
    const t = setTimeout(() => {
      api.slackPreview(pipeline, refId).then(
        (p) => live && (setPreview(p), setError(null)),
        (e) => live && setError(errorText(e)),
      );
    }, 400);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [key, refId]);
  return (
    <section className="slack-preview" aria-label="Slack preview">
      <h3>Slack preview</h3>
      {error && <p className="error">Preview unavailable: {error}</p>}
      {preview ? <BlockKit blocks={preview.blocks as never} /> : !error && <p className="muted">Loading…</p>}
    </section>
  );
}
