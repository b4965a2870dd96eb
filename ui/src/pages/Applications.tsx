/**
 * Applications: list (those you may READ), search, create (PUT /applications/{app}) with optional permissions
 * (Fiat's READ/WRITE/EXECUTE role lists; left empty, the application is open to anyone signed in).
 */
import { useEffect, useState, type FormEvent } from 'react';
import { api, call, issuesByPath, type Application } from '../api';
import { roleList, type Authorization, type Permissions } from '../permissions';
import { links, navigate } from '../router';
import FieldError from '../components/FieldError';
import { errorText, when } from '../format';
import { useDocumentTitle } from '../a11y/useDocumentTitle';

export default function Applications() {
  useDocumentTitle('Applications');
  const [apps, setApps] = useState<Application[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [query, setQuery] = useState('');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [email, setEmail] = useState('');
  const [createError, setCreateError] = useState<unknown>(null);
  const [roles, setRoles] = useState<Record<Authorization, string>>({ READ: '', WRITE: '', EXECUTE: '' });

  useEffect(() => {
    api.applications().then(setApps, (e) => setError(errorText(e)));
  }, []);

  async function create(e: FormEvent) {
    e.preventDefault();
    setCreateError(null);
    try {
      const permissions: Permissions = {};
      for (const a of ['READ', 'WRITE', 'EXECUTE'] as const) if (roleList(roles[a]).length > 0) permissions[a] = roleList(roles[a]);
      await call<Application>('PUT', `/applications/${encodeURIComponent(name.trim())}`, {
        ...(description ? { description } : {}),
        ...(email ? { email } : {}),
        ...(Object.keys(permissions).length > 0 ? { permissions } : {}),
      });
      navigate(links.pipelines(name.trim()));
    } catch (err) {
      setCreateError(err);
    }
  }

  const issues = issuesByPath(createError);
  const shown = (apps ?? []).filter((a) => a.name.toLowerCase().includes(query.trim().toLowerCase()));
  return (
    <section>
      <h1>Applications</h1>
      <div className="toolbar">
        <label>
          Search applications
          <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} />
        </label>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {apps === null && !error && <p>Loading…</p>}
      {apps && (
        <table>
          <thead>
            <tr><th>Name</th><th>Description</th><th>Owner email</th><th>Created</th></tr>
          </thead>
          <tbody>
            {shown.map((a) => (
              <tr key={a.name}>
                <td><a href={links.pipelines(a.name)}>{a.name}</a></td>
                <td>{a.description ?? ''}</td>
                <td>{a.email ?? ''}</td>
                <td>{when(a.createTs ? Number(a.createTs) : null)}</td>
              </tr>
            ))}
            {shown.length === 0 && (
              <tr><td colSpan={4}>{apps.length === 0 ? 'No applications yet: create one below.' : 'No application matches.'}</td></tr>
            )}
          </tbody>
        </table>
      )}
      <form className="card" onSubmit={create} aria-labelledby="create-app">
        <h2 id="create-app">Create application</h2>
        <label>
          Application name <span className="req" aria-hidden="true">*</span>
          <input required value={name} onChange={(e) => setName(e.target.value)} aria-required="true" />
          <FieldError messages={issues.get('name') ?? issues.get('application') ?? issues.get('params.app')} />
        </label>
        <label>
          Description
          <input value={description} onChange={(e) => setDescription(e.target.value)} />
          <FieldError messages={issues.get('description') ?? issues.get('body.description')} />
        </label>
        <label>
          Owner email
          <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} />
          <FieldError messages={issues.get('email') ?? issues.get('body.email')} />
        </label>
        <fieldset>
          <legend>Permissions (roles, comma-separated; empty: anyone signed in)</legend>
          {(['READ', 'WRITE', 'EXECUTE'] as const).map((a) => (
            <label key={a}>
              {a} roles
              <input value={roles[a]} onChange={(e) => setRoles({ ...roles, [a]: e.target.value })} placeholder={a === 'EXECUTE' ? 'empty: the READ roles' : a === 'WRITE' ? 'empty (with READ set): admins only' : ''} />
              <FieldError messages={issues.get(`permissions.${a}`) ?? issues.get('permissions')} />
            </label>
          ))}
        </fieldset>
        {createError !== null && issues.size === 0 && <p className="error" role="alert">{errorText(createError)}</p>}
        <button type="submit" className="primary">Create application</button>
      </form>
    </section>
  );
}
