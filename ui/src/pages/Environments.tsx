/**
 * The environments view of an application (Deck's managed delivery "Environments" tab): versions down,
 * environments across, each cell a version's state there (PENDING, APPROVED, DEPLOYING, CURRENT, PREVIOUS,
 * SKIPPED, VETOED) with icon + text; git and build metadata of each version; pending manual judgements with
 * Approve / Reject (confirm dialog, the same `judge(...)` as Slack — a 409 says who decided first); pin, unpin and
 * mark as bad with a comment; and each environment's constraint history. Polls every 2 s. Without a delivery
 * config it says so and shows how to submit one.
 */
import { useState } from 'react';
import { ApiError } from '../api';
import { usePoll } from '../usePoll';
import { managedApi, type ArtifactInEnvironment, type ConstraintState, type DeliveryConfigDoc, type ManagedApplication, type VersionInEnvironment } from '../managed-api';
import EnvironmentCell, { type CellAction } from '../components/managed/EnvironmentCell';
import ActionDialog from '../components/managed/ActionDialog';
import ConstraintHistory from '../components/managed/ConstraintHistory';
import NoDeliveryConfig from '../components/managed/NoDeliveryConfig';
import VersionMeta from '../components/managed/VersionMeta';
import '../components/managed/environments.css';

/** How often the view reloads (ms). */
const POLL_MS = 2_000;

type Loaded =
  | { kind: 'none' }
  | { kind: 'view'; view: ManagedApplication; config: DeliveryConfigDoc | null; history: Record<string, ConstraintState[]> };

async function load(app: string): Promise<Loaded> {
  let view: ManagedApplication;
  try {
    view = await managedApi.application(app);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404 && /delivery config/.test(err.body.message)) return { kind: 'none' };
    throw err;
  }
  const [config, ...histories] = await Promise.all([
    managedApi.deliveryConfig(view.deliveryConfig).catch(() => null),
    ...view.environments.map((e) => managedApi.constraints(app, e.name).catch(() => [] as ConstraintState[])),
  ]);
  const history: Record<string, ConstraintState[]> = {};
  view.environments.forEach((e, i) => (history[e.name] = (histories[i] as ConstraintState[]) ?? []));
  return { kind: 'view', view, config: config as DeliveryConfigDoc | null, history };
}

/** "depends on test · manual judgement (times out after P5D) · allowed times" */
function constraintWords(config: DeliveryConfigDoc | null, env: string): string {
  const e = config?.environments.find((x) => x.name === env);
  if (!e) return '';
  const parts = e.constraints.map((c) => {
    if (c.type === 'depends-on') return `depends on ${c.environment}`;
    if (c.type === 'manual-judgement') return `manual judgement${c.timeout ? ` (times out after ${c.timeout})` : ''}${c.roles?.length ? `, by ${c.roles.join(', ')}` : ''}`;
    if (c.type === 'allowed-times') return 'allowed times only';
    return c.type;
  });
  return parts.length > 0 ? parts.join(' · ') : 'no constraints';
}

type Pending =
  | { action: CellAction; env: string; artifact: ArtifactInEnvironment; version: string }
  | { action: 'unpin'; env: string; artifact: ArtifactInEnvironment; version: string };

export default function Environments({ app }: { app: string }) {
  const { value, error, refresh } = usePoll(() => load(app), POLL_MS, () => false, [app]);
  const [pending, setPending] = useState<Pending | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const body = (() => {
    if (value === null) return error ? null : <p>Loading…</p>;
    if (value.kind === 'none') return <NoDeliveryConfig app={app} />;
    const { view, config, history } = value;
    const artifacts = view.environments[0]?.artifacts ?? [];
    const waiting = view.environments.flatMap((e) =>
      e.artifacts.flatMap((a) => a.versions.filter((v) => v.state !== 'VETOED' && v.constraints.some((c) => c.type === 'manual-judgement' && c.status === 'PENDING')).map((v) => ({ env: e.name, a, v }))),
    );
    return (
      <>
        <p className="muted">Delivery config <strong>{view.deliveryConfig}</strong> · updates every {POLL_MS / 1000} s</p>
        <section aria-labelledby="pending-judgements" className="card">
          <h2 id="pending-judgements">Pending judgements</h2>
          {waiting.length === 0 ? (
            <p className="muted">Nothing awaits a manual judgement.</p>
          ) : (
            <ul className="pending-list">
              {waiting.map(({ env, a, v }) => (
                <li key={`${env}/${a.reference}/${v.version}`}>
                  ◔ <strong>{v.version}</strong> of {a.name} awaits judgement for <strong>{env}</strong> (Approve / Reject in the table below)
                </li>
              ))}
            </ul>
          )}
        </section>
        {artifacts.map((art) => (
          <ArtifactTable key={art.reference} app={app} view={view} config={config} reference={art.reference} onAction={setPending} />
        ))}
        {view.environments.map((e) => (
          <ConstraintHistory key={e.name} environment={e.name} states={history[e.name] ?? []} />
        ))}
      </>
    );
  })();

  async function run(p: Pending, comment: string) {
    const c = comment === '' ? undefined : comment;
    const base = { targetEnvironment: p.env, reference: p.artifact.reference, version: p.version, ...(c ? { comment: c } : {}) };
    switch (p.action) {
      case 'approve':
      case 'reject':
        await managedApi.judge(app, p.env, { artifactReference: p.artifact.reference, artifactVersion: p.version, status: p.action === 'approve' ? 'OVERRIDE_PASS' : 'OVERRIDE_FAIL', ...(c ? { comment: c } : {}) });
        setDone(`${p.action === 'approve' ? 'Approved' : 'Rejected'} ${p.version} for ${p.env}.`);
        break;
      case 'pin':
        await managedApi.pin(app, base);
        setDone(`Pinned ${p.env} to ${p.version}.`);
        break;
      case 'unpin':
        await managedApi.unpin(app, p.env, p.artifact.reference);
        setDone(`Unpinned ${p.env}.`);
        break;
      case 'veto':
        await managedApi.veto(app, base);
        setDone(`Marked ${p.version} as bad in ${p.env}.`);
        break;
    }
    refresh();
  }

  const dialog = pending && (() => {
    const { action, env, version } = pending;
    const texts = {
      approve: { title: 'Approve', question: `Are you sure you want to promote version ${version} to ${env}?`, confirm: 'Yes, promote', danger: false },
      reject: { title: 'Reject', question: `Are you sure you want to reject version ${version} for ${env}?`, confirm: 'Yes, reject', danger: true },
      pin: { title: 'Pin', question: `Pin ${env} to version ${version}? It deploys ${version} (its constraints bypassed) and stays on it until unpinned.`, confirm: 'Pin', danger: false },
      unpin: { title: 'Unpin', question: `Unpin ${env} (pinned to ${version})? The newest version that passes its constraints will be promoted.`, confirm: 'Unpin', danger: false },
      veto: { title: 'Mark as bad', question: `Mark version ${version} as bad in ${env}? It will never deploy there again; if it is current, ${env} moves to the newest good version.`, confirm: 'Mark as bad', danger: true },
    }[action];
    return (
      <ActionDialog
        key={`${action}/${env}/${version}`}
        title={texts.title}
        question={texts.question}
        confirmLabel={texts.confirm}
        danger={texts.danger}
        withComment={action !== 'unpin'}
        commentLabel={action === 'pin' || action === 'veto' ? 'Comment (why; shown to others)' : 'Comment (optional)'}
        onConfirm={(comment) => run(pending, comment)}
        onClose={() => setPending(null)}
      />
    );
  })();

  return (
    <section>
      <h1>{app}: environments</h1>
      {error && <p className="error" role="alert">{error}</p>}
      <p className="sr-only" role="status">{done ?? ''}</p>
      {body}
      {dialog}
    </section>
  );
}

function ArtifactTable(p: {
  app: string;
  view: ManagedApplication;
  config: DeliveryConfigDoc | null;
  reference: string;
  onAction: (x: Pending) => void;
}) {
  const envs = p.view.environments.map((e) => ({ name: e.name, artifact: e.artifacts.find((a) => a.reference === p.reference)! })).filter((e) => e.artifact);
  const first = envs[0]?.artifact;
  if (!first) return null;
  const rows: VersionInEnvironment[] = first.versions;
  return (
    <div className="table-wrap">
      <table className="env-table">
        <caption>
          <strong>{first.name}</strong> <span className="muted">({first.type}, reference {first.reference}) — versions newest first</span>
        </caption>
        <thead>
          <tr>
            <th scope="col">Version</th>
            {envs.map(({ name, artifact }) => (
              <th scope="col" key={name} className="env-head">
                <div className="env-name">{name}</div>
                <div className="muted">{constraintWords(p.config, name)}</div>
                <div>Current: <span className="mono">{artifact.current ?? 'none'}</span></div>
                {artifact.pinned && (
                  <div>
                    ⚑ Pinned to <span className="mono">{artifact.pinned.version}</span> by {artifact.pinned.by}{' '}
                    <button type="button" aria-label={`Unpin ${name}`} onClick={() => p.onAction({ action: 'unpin', env: name, artifact, version: artifact.pinned!.version })}>Unpin</button>
                  </div>
                )}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && (
            <tr><td colSpan={envs.length + 1}>No versions registered yet. CI registers them with <code>POST /managed/application/{p.app}/artifacts/{p.reference}/versions</code>.</td></tr>
          )}
          {rows.map((row) => (
            <tr key={row.version} data-version={row.version}>
              <th scope="row"><VersionMeta v={row} /></th>
              {envs.map(({ name, artifact }) => {
                const v = artifact.versions.find((x) => x.version === row.version);
                if (!v) return <td key={name} className="muted">—</td>;
                return (
                  <EnvironmentCell
                    key={name}
                    app={p.app}
                    environment={name}
                    artifact={artifact}
                    v={v}
                    onAction={(action) => p.onAction({ action, env: name, artifact, version: v.version })}
                  />
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
