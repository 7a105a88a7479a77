/**
 * The console's shell: signs in, loads what the key may do (`GET /api-keys/current`), and shows
 * the page the hash names inside a header with the navigation and a `<main>` landmark.
 */
import './styles.css';
import { Component, type ComponentChildren, type ComponentType, render } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { ErrorBanner, Loading, useAsync } from './components/ui.js';
import { ConnectPage } from './pages/connect.js';
import { ConnectionPage } from './pages/connection.js';
import { ConnectionsPage } from './pages/connections.js';
import { ExecutionsPage } from './pages/executions.js';
import { OverviewPage } from './pages/overview.js';
import { RecordsPage } from './pages/records.js';
import { ReferencePage } from './pages/reference.js';
import { SignInPage } from './pages/sign-in.js';
import { WebhooksPage } from './pages/webhooks.js';
import { hrefTo, type Route, type RoutePattern, useRoute } from './router.js';
import { fetchCurrentKey, makeSession, type Session, SessionProvider, signOut, useStoredApiKey } from './session.js';

const PAGES: Record<RoutePattern, ComponentType<{ route: Route }>> = {
  '/': OverviewPage,
  '/connections': ConnectionsPage,
  '/connections/:providerConfigKey/:connectionId': ConnectionPage,
  '/executions': ExecutionsPage,
  '/records': RecordsPage,
  '/webhooks': WebhooksPage,
  '/reference': ReferencePage,
  '/connect': ConnectPage,
};

/** Navigation entries; a page under another (a connection under Connections) lights its parent. */
const NAV: { label: string; path: string; section: (path: string) => boolean }[] = [
  { label: 'Overview', path: '/', section: (path) => path === '/' },
  { label: 'Connections', path: '/connections', section: (path) => path.startsWith('/connections') || path === '/executions' || path === '/records' },
  { label: 'Webhooks', path: '/webhooks', section: (path) => path === '/webhooks' },
  { label: 'API reference', path: '/reference', section: (path) => path === '/reference' },
  { label: 'Connect', path: '/connect', section: (path) => path === '/connect' },
];

function App() {
  const apiKey = useStoredApiKey();
  const route = useRoute();
  if (!apiKey) return <SignInPage route={route} />;
  return <SignedIn apiKey={apiKey} route={route} />;
}

function SignedIn({ apiKey, route }: { apiKey: string; route: Route }) {
  const current = useAsync(fetchCurrentKey, [apiKey]);
  if (!current.data) {
    return (
      <main id="main" class="sign-in">
        {current.error ? <ErrorBanner error={current.error} /> : <Loading />}
        {current.error !== undefined && (
          <button type="button" class="btn" onClick={signOut}>
            Sign out
          </button>
        )}
      </main>
    );
  }
  const session = makeSession(apiKey, current.data);
  return (
    <SessionProvider session={session}>
      <Shell session={session} route={route} />
    </SessionProvider>
  );
}

function Shell({ session, route }: { session: Session; route: Route }) {
  const Page = route.pattern ? PAGES[route.pattern as RoutePattern] : undefined;
  const main = useRef<HTMLElement>(null);
  // After navigating, keyboard and screen-reader users start at the new page, not the old link.
  const firstRender = useRef(true);
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    main.current?.focus({ preventScroll: true });
    scrollTo(0, 0);
  }, [route.path]);
  return (
    <>
      {/* A button, not `href="#main"`: the hash is the router's, and would name a page. */}
      <button type="button" class="skip-link btn" onClick={() => main.current?.focus()}>
        Skip to content
      </button>
      <header class="app-header">
        <a class="brand" href={hrefTo('/')}>
          Syncline
        </a>
        <nav class="app-nav" aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.path}>
                <a href={hrefTo(item.path)} aria-current={item.section(route.path) ? 'page' : undefined}>
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span>
            Key <strong data-testid="key-name">{session.name}</strong>
            {!session.isFull && (
              <span class="badge badge-readonly" title={session.scopes.join(', ')}>
                {isReadOnly(session) ? 'read-only' : 'restricted'}
              </span>
            )}
          </span>
          <button type="button" class="btn" onClick={session.signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {Page ? (
          <PageBoundary key={route.path}>
            <Page route={route} />
          </PageBoundary>
        ) : (
          <>
            <h1>Page not found</h1>
            <p>
              No console page at <code>{route.path}</code>. <a href={hrefTo('/')}>Go to the overview</a>.
            </p>
          </>
        )}
      </main>
    </>
  );
}

/**
 * A page that throws while rendering (an answer of an unexpected shape, a bug) shows what went
 * wrong and a way on, never a blank console. Keyed by the route, so navigating away resets it.
 */
class PageBoundary extends Component<{ children: ComponentChildren }, { error: unknown }> {
  override state: { error: unknown } = { error: undefined };

  override componentDidCatch(error: unknown): void {
    this.setState({ error });
  }

  override render() {
    if (this.state.error === undefined) return this.props.children;
    return (
      <>
        <h1>This page failed</h1>
        <ErrorBanner error={this.state.error} />
        <p>
          <button type="button" class="btn" onClick={() => location.reload()}>
            Reload
          </button>{' '}
          <a href={hrefTo('/')}>Go to the overview</a>
        </p>
      </>
    );
  }
}

function isReadOnly(session: Session): boolean {
  return session.scopes.every((scope) => scope.endsWith(':read'));
}

render(<App />, document.getElementById('app')!);
