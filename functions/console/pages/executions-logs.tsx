/**
 * The executions of one connection-sync, polled while one runs, and a run's log lines paged on
 * the client. `GET /sync/executions` returns each run with all its lines, so following a running
 * run is re-reading the list every 2 s and showing the last page: no second endpoint, and the
 * table's statuses and counts move along with the lines.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ApiFailure, apiCall } from '../api.js';
import { Empty, formatTime, LIVE_POLL_MS } from '../components/ui.js';
import type { Target } from './executions-target.js';

/** One entry of `GET /sync/executions` (`ExecutionSchema` in `functions/api/routes/syncs.schemas.ts`). */
export interface Execution {
  id: string;
  status: 'RUNNING' | 'SUCCESS' | 'ERROR' | 'CANCELLED';
  type: 'INITIAL' | 'INCREMENTAL';
  trigger: 'SCHEDULE' | 'MANUAL' | 'CONTINUATION';
  started_at: string;
  finished_at: string | null;
  invocations: number;
  results: Record<string, { added: number; updated: number; deleted: number }>;
  error: { type: string; message: string } | null;
  logs: LogLine[];
}

export interface LogLine {
  at: string;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
}

/** How many of the newest executions a live poll re-reads. */
const POLL_LIMIT = 5;
export const LOG_PAGE_SIZE = 100;

export interface ExecutionsState {
  executions?: Execution[];
  error?: unknown;
  loading: boolean;
  /** Some run is RUNNING: the list is being re-read every 2 s. */
  polling: boolean;
  reload(): void;
}

/**
 * The newest `limit` executions; re-read every 2 s while one of them is RUNNING. A poll that fails
 * keeps the last list (and shows the error); one refused for good (a 4xx) stops the polling.
 */
export function useExecutions(target: Target, limit: number): ExecutionsState {
  const [state, setState] = useState<{ executions?: Execution[]; error?: unknown; loading: boolean }>({ loading: true });
  const [round, setRound] = useState(0);
  // A poll re-reads only the newest few executions (the running one is among them, with its new
  // log lines) and merges them in: every 2 s a whole page with every run's logs would cost a
  // state-table query per execution.
  const polled = useRef(false);
  useEffect(() => {
    let current = true;
    const poll = polled.current;
    polled.current = false;
    setState((s) => ({ ...s, loading: true }));
    const query = {
      provider_config_key: target.providerConfigKey,
      connection_id: target.connectionId,
      sync_name: target.item,
      sync_variant: target.variant || undefined,
      limit: poll ? Math.min(POLL_LIMIT, limit) : limit,
    };
    apiCall<{ executions: Execution[] }>('GET', '/sync/executions', { query }).then(
      (answer) =>
        current &&
        setState((s) => {
          if (!poll || !s.executions) return { executions: answer.executions, loading: false };
          const fresh = new Set(answer.executions.map((e) => e.id));
          return { executions: [...answer.executions, ...s.executions.filter((e) => !fresh.has(e.id))].slice(0, limit), loading: false };
        }),
      (error: unknown) => current && setState((s) => ({ ...s, error, loading: false })),
    );
    return () => {
      current = false;
    };
  }, [target.providerConfigKey, target.connectionId, target.item, target.variant, limit, round]);

  const refused = state.error instanceof ApiFailure && state.error.status < 500;
  const polling = !refused && (state.executions?.some((e) => e.status === 'RUNNING') ?? false);
  useEffect(() => {
    if (!polling || state.loading) return;
    // One request at a time: the next poll is set once the previous answer is in.
    const timer = setTimeout(() => {
      polled.current = true;
      setRound((r) => r + 1);
    }, LIVE_POLL_MS);
    return () => clearTimeout(timer);
  }, [polling, state]);

  return { ...state, polling, reload: () => setRound((r) => r + 1) };
}

/**
 * A run's lines, 100 a page. A running run opens on its last page and follows it (new lines
 * appear, the view stays at the end) until the reader pages back; a finished one opens on page 1.
 */
export function ExecutionLogs({ execution }: { execution: Execution }) {
  const running = execution.status === 'RUNNING';
  // null: follow the last page as lines arrive.
  const [page, setPage] = useState<number | null>(running ? null : 0);
  const lines = execution.logs;
  const pages = Math.max(1, Math.ceil(lines.length / LOG_PAGE_SIZE));
  const shown = page === null ? pages - 1 : Math.min(page, pages - 1);
  const start = shown * LOG_PAGE_SIZE;
  const visible = lines.slice(start, start + LOG_PAGE_SIZE);
  const following = running && page === null;

  const list = useRef<HTMLOListElement>(null);
  useLayoutEffect(() => {
    if (following && list.current) list.current.scrollTop = list.current.scrollHeight;
  }, [following, lines.length]);

  return (
    <div class="log-view">
      <div class="toolbar">
        <span class="muted" data-testid="log-position">
          {lines.length === 0 ? 'No lines' : `Lines ${start + 1}–${start + visible.length} of ${lines.length}`} · page {shown + 1} of {pages}
        </span>
        <button type="button" class="btn" onClick={() => setPage(0)} disabled={shown === 0}>
          First lines
        </button>
        <button type="button" class="btn" onClick={() => setPage(shown - 1)} disabled={shown === 0}>
          Previous lines
        </button>
        <button type="button" class="btn" onClick={() => setPage(shown + 1)} disabled={shown >= pages - 1}>
          Next lines
        </button>
        <button type="button" class="btn" onClick={() => setPage(running ? null : pages - 1)} disabled={following || (!running && shown === pages - 1)}>
          {running ? 'Follow live' : 'Last lines'}
        </button>
        <span role="status" class={following ? 'live-indicator' : 'muted'}>
          {following ? 'Following live' : running ? 'Paused on an earlier page; the run is still going' : `Run ${execution.status.toLowerCase()}`}
        </span>
      </div>
      {visible.length === 0 ? (
        <Empty>{running ? 'No log lines yet.' : 'This run wrote no log lines.'}</Empty>
      ) : (
        // A scrolling box must be reachable by keyboard to be scrolled by keyboard (WCAG 2.1.1).
        // biome-ignore lint/a11y/noNoninteractiveTabindex: see above
        <ol class="log-lines" start={start + 1} ref={list} tabIndex={0} aria-label={`Log lines of run ${execution.id}`}>
          {visible.map((line, index) => (
            <li key={start + index} class={`log-line log-${line.level}`}>
              <time dateTime={line.at}>{formatTime(line.at)}</time> <span class="log-level">{line.level}</span> <span class="log-message">{line.message}</span>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
