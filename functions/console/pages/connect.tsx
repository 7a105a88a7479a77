/**
 * Connect (`#/connect`): create a connect session for testing — pick an integration, add tags,
 * get the hosted connect page's link (`POST /connect/sessions`, `connections:write`) to open in a
 * new tab. The tags are checked here as the API checks them, so a typo shows beside the field.
 */
import { useState } from 'preact/hooks';
import { apiCall } from '../api.js';
import { ErrorBanner, PageHeader, formatTime, useAsync } from '../components/ui.js';
import type { Route } from '../router.js';
import { useSession } from '../session.js';

interface IntegrationItem {
  unique_key: string;
  display_name: string;
}

interface SessionCreated {
  data: { token: string; connect_link: string; expires_at: string };
}

/** `ConnectionTagKey` in `functions/engine/connection-tags.ts`: a letter, then letters, digits, `_-./`, 64 at most. */
const TAG_KEY = /^[a-z][a-z0-9_\-./]{0,63}$/i;
const MAX_TAGS = 10;

/** `key=value` lines → tags, or the first problem in words. */
export function parseTags(text: string): { tags: Record<string, string> } | { problem: string } {
  const tags: Record<string, string> = {};
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const at = line.indexOf('=');
    const key = (at < 0 ? line : line.slice(0, at)).trim().toLowerCase();
    const value = at < 0 ? '' : line.slice(at + 1).trim();
    if (!TAG_KEY.test(key)) return { problem: `Line ${index + 1}: "${key}" is not a tag key (a letter, then letters, digits, _ - . /; 64 at most).` };
    if (value.length < 1 || value.length > 255) return { problem: `Line ${index + 1}: write key=value, with a value of 1 to 255 characters.` };
    if (key in tags) return { problem: `Line ${index + 1}: the tag "${key}" is given twice.` };
    tags[key] = value;
  }
  if (Object.keys(tags).length > MAX_TAGS) return { problem: `At most ${MAX_TAGS} tags.` };
  return { tags };
}

export function ConnectPage({ route: _route }: { route: Route }) {
  const session = useSession();
  const canRead = session.canRead('integrations');
  const integrations = useAsync(() => (canRead ? apiCall<{ data: IntegrationItem[] }>('GET', '/integrations') : Promise.resolve(null)), [session.apiKey]);
  const [integration, setIntegration] = useState('');
  const [tagsText, setTagsText] = useState('end_user_id=console-test');
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<SessionCreated['data'] | null>(null);

  if (!session.canWrite('connections')) {
    return (
      <div>
        <PageHeader title="Connect" />
        <p class="banner banner-readonly">Creating a connect link needs a key with connections:write; this key has {session.scopes.join(', ') || 'no scopes'}.</p>
      </div>
    );
  }

  const submit = async (event: Event) => {
    event.preventDefault();
    const parsed = parseTags(tagsText);
    if ('problem' in parsed) {
      setProblem(parsed.problem);
      return;
    }
    setProblem(null);
    setBusy(true);
    setError(undefined);
    try {
      const body = { allowed_integrations: [integration.trim()], ...(Object.keys(parsed.tags).length > 0 ? { tags: parsed.tags } : {}) };
      setCreated((await apiCall<SessionCreated>('POST', '/connect/sessions', { body })).data);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  // A key that may not list integrations (or a failed list) types the integration id instead of picking it.
  const listable = canRead && !integrations.error;
  const list = integrations.data?.data;
  return (
    <div>
      <PageHeader title="Connect" />
      <p>Create a connect session to try an integration's connect flow: the link opens the hosted connect page, valid for 30 minutes.</p>
      <form class="card" onSubmit={(e) => void submit(e)} aria-label="New connect link">
        {error ? <ErrorBanner error={error} /> : null}
        <div class="field">
          <label for="connect-integration">Integration</label>
          {listable ? (
            <select id="connect-integration" value={integration} onChange={(e) => setIntegration(e.currentTarget.value)} required disabled={!list}>
              <option value="">{list ? 'Choose…' : 'Loading…'}</option>
              {(list ?? []).map((item) => (
                <option key={item.unique_key} value={item.unique_key}>
                  {item.display_name} ({item.unique_key})
                </option>
              ))}
            </select>
          ) : (
            <input id="connect-integration" value={integration} onInput={(e) => setIntegration(e.currentTarget.value)} required autocomplete="off" />
          )}
        </div>
        <div class="field">
          <label for="connect-tags">Tags (one key=value a line, optional)</label>
          <textarea
            id="connect-tags"
            class="connect-tags"
            value={tagsText}
            onInput={(e) => setTagsText(e.currentTarget.value)}
            aria-invalid={problem ? true : undefined}
            aria-describedby={problem ? 'connect-tags-error' : undefined}
          />
          {problem ? (
            <span id="connect-tags-error" class="field-error">
              {problem}
            </span>
          ) : null}
        </div>
        <button type="submit" class="btn btn-primary" disabled={busy}>
          Create connect link
        </button>
      </form>
      {created ? (
        <section class="card connect-result" aria-labelledby="connect-link-heading">
          <h2 id="connect-link-heading">Connect link</h2>
          <p>
            {isWebUrl(created.connect_link) ? (
              <a href={created.connect_link} target="_blank" rel="noopener noreferrer" class="connect-link">
                {created.connect_link}
              </a>
            ) : (
              // Never a link unless it is http(s): a `javascript:` URL must not become clickable.
              <code>{created.connect_link}</code>
            )}
          </p>
          <p class="muted">
            Opens in a new tab. Expires <time dateTime={created.expires_at}>{formatTime(created.expires_at)}</time>.
          </p>
        </section>
      ) : null}
    </div>
  );
}

function isWebUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}
