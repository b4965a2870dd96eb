/**
 * The single-page app: nav bar (with who is using it) and the screen for the current hash route.
 *
 * Who: at start the app asks `GET /auth/me` and shows no screen until it has answered. With the service's auth
 * enabled: logged in (session) → the user and **Log out**; behind an authenticating proxy or with a token → the
 * user; nobody → **Log in** (OpenID Connect, when the service offers it; it returns to the same screen) in the nav
 * bar and in place of the screen. With auth disabled (a service on loopback) → the free-typed **Acting as** field
 * as before, plus **Log in** when OpenID Connect is configured anyway.
 */
import { useEffect, useState } from 'react';
import { useRoute, links } from './router';
import { actingAsApplies, currentUser, loadIdentity, loginUrl, logout, setCurrentUser, useIdentity, type IdentityState } from './api';
import Applications from './pages/Applications';
import Pipelines from './pages/Pipelines';
import PipelineBuilder from './pages/PipelineBuilder';
import Executions from './pages/Executions';
import ExecutionDetail from './pages/ExecutionDetail';
import SlackSandbox from './pages/SlackSandbox';
import Settings from './pages/Settings';
import Audit from './pages/Audit';
import Environments from './pages/Environments';

function ActingAs() {
  const [user, setUser] = useState(currentUser());
  return (
    <label className="acting">
      Acting as
      <input
        value={user}
        placeholder="anonymous"
        onChange={(e) => {
          setUser(e.target.value);
          setCurrentUser(e.target.value);
        }}
        size={16}
      />
    </label>
  );
}

/** The right end of the nav bar: who is using the UI, and Log in / Log out. */
function Who({ state }: { state: IdentityState }) {
  const [busy, setBusy] = useState(false);
  if (state.status === 'loading') return null;
  if (state.status === 'error') return <span className="acting" role="status">{state.message}</span>;
  if (state.status === 'signedOut') {
    return state.login ? (
      <a className="button login" href={loginUrl(state.login)}>Log in</a>
    ) : (
      <span className="acting">Not signed in</span>
    );
  }
  const { me } = state;
  if (actingAsApplies(state)) {
    return (
      <span className="acting">
        <ActingAs />
        {me.auth.login && <a className="button login" href={loginUrl(me.auth.login)}>Log in</a>}
      </span>
    );
  }
  return (
    <span className="acting">
      <span aria-label="Signed in as" title={me.roles.length > 0 ? `Roles: ${me.roles.join(', ')}` : 'No roles'}>{me.user}</span>
      {me.method === 'session' && (
        <button
          type="button"
          disabled={busy}
          onClick={() => {
            setBusy(true);
            void logout().finally(() => setBusy(false));
          }}
        >
          Log out
        </button>
      )}
    </span>
  );
}

function Nav({ app, state }: { app: string | null; state: IdentityState }) {
  return (
    <header className="topbar">
      <a className="brand" href={links.applications()}>SlackOps</a>
      <nav aria-label="Main">
        <a href={links.applications()}>Applications</a>
        {app && <a href={links.pipelines(app)}>Pipelines</a>}
        {app && <a href={links.executions(app)}>Executions</a>}
        {app && <a href={links.environments(app)}>Environments</a>}
        <a href={links.audit(app ?? undefined)}>Audit</a>
        <a href="#/slack-sandbox">Slack sandbox</a>
        <a href="#/settings">Settings</a>
      </nav>
      <Who state={state} />
    </header>
  );
}

/** In place of a screen while nobody is signed in and the service requires it. */
function SignInRequired({ login, message }: { login: string | null; message: string }) {
  return (
    <section>
      <h1>Sign in required</h1>
      {login ? (
        <p>
          This SlackOps requires you to sign in. <a className="button login" href={loginUrl(login)}>Log in</a>
        </p>
      ) : (
        <p>
          This SlackOps requires authentication, and offers no login of its own: reach it through the authenticating
          proxy in front of it, or ask its operator. ({message})
        </p>
      )}
    </section>
  );
}

export default function App() {
  const route = useRoute();
  const state = useIdentity();
  useEffect(() => {
    void loadIdentity();
  }, []);
  const app = 'app' in route ? route.app : null;
  let page;
  if (state.status === 'loading') page = <p role="status">Loading…</p>;
  else if (state.status === 'signedOut') page = <SignInRequired login={state.login} message={state.message} />;
  else
    switch (route.page) {
      case 'applications':
        page = <Applications />;
        break;
      case 'pipelines':
        page = <Pipelines app={route.app} />;
        break;
      case 'builder':
        page = <PipelineBuilder key={`${route.app}/${route.name ?? ''}`} app={route.app} name={route.name} />;
        break;
      case 'executions':
        page = <Executions app={route.app} />;
        break;
      case 'execution':
        page = <ExecutionDetail key={route.id} app={route.app} id={route.id} refId={route.refId} />;
        break;
      case 'environments':
        page = <Environments key={route.app} app={route.app} />;
        break;
      case 'audit':
        page = <Audit key={route.app ?? ''} {...(route.app !== null ? { app: route.app } : {})} />;
        break;
      case 'slack-sandbox':
        page = <SlackSandbox />;
        break;
      case 'settings':
        page = <Settings />;
        break;
      default:
        page = (
          <section>
            <h1>Not found</h1>
            <p>No screen for <code>{route.hash}</code>. <a href={links.applications()}>Applications</a></p>
          </section>
        );
    }
  return (
    <>
      <Nav app={app} state={state} />
      <main>{page}</main>
    </>
  );
}
