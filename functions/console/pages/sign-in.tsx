/**
 * Sign in with an API key. The key is checked with `GET /api-keys/current` before it is kept
 * (sessionStorage, this tab only); the form is sent by script, never as a URL query.
 */
import { useState } from 'preact/hooks';
import { ApiFailure, apiCall } from '../api.js';
import { ErrorBanner } from '../components/ui.js';
import type { Route } from '../router.js';
import { type CurrentKey, signIn } from '../session.js';

export function SignInPage(_: { route: Route }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const trimmed = key.trim();
    if (!trimmed) return setError(new Error('Enter an API key.'));
    setBusy(true);
    setError(undefined);
    try {
      // Not `apiCall`'s stored key: this one is not kept until the API accepts it.
      await apiCall<CurrentKey>('GET', '/api-keys/current', { headers: { Authorization: `Bearer ${trimmed}` } });
      signIn(trimmed);
    } catch (caught) {
      setError(caught instanceof ApiFailure && caught.status === 401 ? new Error('This API key was not accepted. Check it and try again.') : caught);
      setBusy(false);
    }
  };

  return (
    <main id="main" class="sign-in">
      <h1>Sign in to Syncline</h1>
      <p class="muted">Use a Syncline API key. It is kept in this browser tab only, until you sign out or close the tab.</p>
      <ErrorBanner error={error} />
      <form class="card" onSubmit={submit} method="post" action="#" autoComplete="off">
        <div class="field">
          <label for="api-key">API key</label>
          <input id="api-key" type="password" value={key} onInput={(e) => setKey(e.currentTarget.value)} required autoComplete="off" spellcheck={false} />
        </div>
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
