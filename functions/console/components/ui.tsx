/**
 * The console's building blocks. Every control is a real `<button>`, `<a>` or labelled input, so
 * it is reachable by keyboard and named for screen readers and the browser tests.
 */
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiFailure } from '../api.js';
import { signOut } from '../session.js';

type ButtonKind = 'primary' | 'danger' | 'default';

const kindClass = (kind: ButtonKind = 'default') => (kind === 'default' ? 'btn' : `btn btn-${kind}`);

export function Button({
  onClick,
  kind,
  disabled,
  type = 'button',
  children,
  label,
}: {
  onClick?: () => void;
  kind?: ButtonKind;
  disabled?: boolean;
  type?: 'button' | 'submit' | 'reset';
  children: ComponentChildren;
  /** The accessible name, when the visible text is not enough (an icon, a repeated "Delete"). */
  label?: string;
}) {
  return (
    <button type={type} class={kindClass(kind)} disabled={disabled} aria-label={label} onClick={onClick}>
      {children}
    </button>
  );
}

/**
 * A button that asks first, in a native modal `<dialog>` (focus is trapped and Escape cancels,
 * by the browser). The dialog's confirm button repeats the action's name.
 */
export function ConfirmButton({
  onConfirm,
  confirmText,
  kind = 'danger',
  children,
  disabled,
}: {
  onConfirm: () => void | Promise<void>;
  confirmText: ComponentChildren;
  kind?: ButtonKind;
  children: ComponentChildren;
  disabled?: boolean;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  return (
    <>
      <button type="button" class={kindClass(kind)} disabled={disabled} onClick={() => dialog.current?.showModal()}>
        {children}
      </button>
      <dialog ref={dialog} class="confirm" aria-label="Confirm">
        <p>{confirmText}</p>
        <div class="toolbar">
          <button type="button" class="btn" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button
            type="button"
            class={kindClass(kind)}
            onClick={() => {
              dialog.current?.close();
              void onConfirm();
            }}
          >
            Confirm
          </button>
        </div>
      </dialog>
    </>
  );
}

/** An error in words a person can act on; never a blank page. */
export function ErrorBanner({ error }: { error: unknown }) {
  if (error === undefined || error === null) return null;
  return (
    <div class="banner banner-error" role="alert">
      {describeError(error)}
    </div>
  );
}

function describeError(error: unknown): ComponentChildren {
  if (error instanceof ApiFailure) {
    if (error.status === 401)
      return (
        <>
          <strong>The API key was refused — sign in again.</strong>{' '}
          <button type="button" class="btn" onClick={signOut}>
            Sign in again
          </button>
        </>
      );
    if (error.status === 403) {
      const scope = /lacks the (\S+) scope/.exec(error.message)?.[1];
      return (
        <>
          <strong>This API key may not do that.</strong> {scope ? `It needs the ${scope} scope.` : error.message}
        </>
      );
    }
    return (
      <>
        <strong>{error.status >= 500 ? `The server failed (${error.status}).` : 'The request was refused.'}</strong> {error.message}
        {error.errors.length > 0 && (
          <ul>
            {error.errors.map((e) => (
              <li key={`${e.path}:${e.message}`}>
                {e.path && <code>{e.path}</code>} {e.message}
              </li>
            ))}
          </ul>
        )}
      </>
    );
  }
  if (error instanceof TypeError) return <strong>The API could not be reached — check the network and try again.</strong>;
  return <strong>{error instanceof Error ? error.message : String(error)}</strong>;
}

export function Loading() {
  return (
    <p class="muted" role="status">
      Loading…
    </p>
  );
}

export function PageHeader({ title, children }: { title: string; children?: ComponentChildren }) {
  useEffect(() => {
    document.title = `${title} · Syncline`;
  }, [title]);
  return (
    <div class="page-header">
      <h1>{title}</h1>
      {children && <div class="toolbar">{children}</div>}
    </div>
  );
}

/** Pretty JSON; focusable, so a keyboard user can scroll a long one (it scrolls inside its box). */
export function JsonView({ value }: { value: unknown }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard (WCAG 2.1.1; axe scrollable-region-focusable).
    <pre class="json" tabIndex={0}>
      {JSON.stringify(value, null, 2) ?? 'undefined'}
    </pre>
  );
}

/**
 * A wide table's horizontal scroll box: a named, focusable region, so a keyboard user can
 * scroll it on a phone (WCAG 2.1.1; axe `scrollable-region-focusable`).
 */
export function TableScroll({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: see above; the region is scrollable, so it must take focus.
    <section class="table-wrap" tabIndex={0} aria-label={label}>
      {children}
    </section>
  );
}

export function StatusBadge({ status }: { status: string | null | undefined }) {
  const text = status ?? 'unknown';
  return <span class={`badge badge-${text.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`}>{text}</span>;
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty muted">{children}</p>;
}

/** How often a page re-reads what is still running (a sync's status, a run's logs). */
export const LIVE_POLL_MS = 2_000;

/**
 * Runs `fn` when `deps` change, keeping the last data while reloading; an answer that arrives
 * after a newer call started is dropped, so a fast typist never sees an old search's results.
 */
export function useAsync<T>(fn: () => Promise<T>, deps: unknown[]): { data?: T; error?: unknown; loading: boolean; reload(): void } {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const latest = useRef(0);
  // The caller's deps decide when to run, as with useEffect.
  useEffect(() => {
    const call = ++latest.current;
    setState((previous) => ({ data: previous.data, loading: true }));
    fn().then(
      (data) => call === latest.current && setState({ data, loading: false }),
      (error: unknown) => call === latest.current && setState((previous) => ({ data: previous.data, error, loading: false })),
    );
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/** Local date and time to the second, or "—". */
export function formatTime(value: number | string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return date.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** `850 ms`, `12.3 s`, `4 min 5 s`, `2 h 3 min`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
