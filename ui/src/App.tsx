/** The single-page app: nav bar and the screen for the current hash route. */
import { useState } from 'react';
import { useRoute, links } from './router';
import { currentUser, setCurrentUser } from './api';
import Applications from './pages/Applications';
import Pipelines from './pages/Pipelines';
import PipelineBuilder from './pages/PipelineBuilder';
import Executions from './pages/Executions';
import ExecutionDetail from './pages/ExecutionDetail';
import SlackSandbox from './pages/SlackSandbox';
import Settings from './pages/Settings';
import Environments from './pages/Environments';

function Nav({ app }: { app: string | null }) {
  const [user, setUser] = useState(currentUser());
  return (
    <header className="topbar">
      <a className="brand" href={links.applications()}>SlackOps</a>
      <nav aria-label="Main">
        <a href={links.applications()}>Applications</a>
        {app && <a href={links.pipelines(app)}>Pipelines</a>}
        {app && <a href={links.executions(app)}>Executions</a>}
        {app && <a href={links.environments(app)}>Environments</a>}
        <a href="#/slack-sandbox">Slack sandbox</a>
        <a href="#/settings">Settings</a>
      </nav>
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
    </header>
  );
}

export default function App() {
  const route = useRoute();
  const app = 'app' in route ? route.app : null;
  let page;
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
      <Nav app={app} />
      <main>{page}</main>
    </>
  );
}
