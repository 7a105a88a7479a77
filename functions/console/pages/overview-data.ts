/**
 * What the Overview page reads, in one pass over the HTTP API. Each part is read only when the
 * key may read it, and a part that fails is reported next to the part, not for the whole page.
 *
 * Cost, per page load: 1 call to `/scripts/config`, 1 to `/connections` (up to 2,000), 1 to
 * `/sync/status` per integration, and 1 to `/sync/executions` per connection-sync — capped at
 * `MAX_RUN_QUERIES`, each returning at most `RUNS_PER_SYNC` executions. The API reads the log
 * lines of every execution it returns (one DynamoDB query each), so the runs count is the
 * expensive part: at the caps that is 50 calls and up to 5,000 executions. The API has no
 * "since" filter on executions, hence the client-side 24-hour cut.
 */
import { apiCall } from '../api.js';
import type { Area } from '../session.js';
import type { ConnectionListItem, ExecutionSummary, IntegrationScripts, SyncStatus } from './connection-types.js';

export const MAX_RUN_QUERIES = 50;
export const RUNS_PER_SYNC = 100;
const CONNECTIONS_LIMIT = 2_000;
const PARALLEL_CALLS = 6;
const DAY_MS = 24 * 60 * 60 * 1000;

/** A sync status with the integration it belongs to (`GET /sync/status` answers per integration). */
export type IntegrationSyncStatus = SyncStatus & { providerConfigKey: string };

export type Part<T> = { data: T; error?: undefined } | { data?: undefined; error: unknown } | { data?: undefined; error?: undefined; skipped: true };

export interface RunCounts {
  byStatus: Record<string, number>;
  /** Connection-syncs whose runs were counted; fewer than `total` when the cap was reached. */
  counted: number;
  total: number;
  /** Some connection-sync ran more than `RUNS_PER_SYNC` times in 24 h: the counts are a lower bound. */
  lowerBound: boolean;
  failures: unknown[];
}

export interface OverviewData {
  integrations: Part<IntegrationScripts[]>;
  connections: Part<ConnectionListItem[]>;
  statuses: Part<IntegrationSyncStatus[]>;
  statusFailures: unknown[];
  runs: Part<RunCounts>;
}

interface Reader {
  canRead(area: Area): boolean;
}

async function part<T>(allowed: boolean, read: () => Promise<T>): Promise<Part<T>> {
  if (!allowed) return { skipped: true };
  try {
    return { data: await read() };
  } catch (error) {
    return { error };
  }
}

/** Runs `work` over `items` with at most `limit` calls in flight, keeping the order. */
async function mapLimited<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { status: 'fulfilled', value: await work(items[index]!) };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

export async function loadOverview(session: Reader, now: number): Promise<OverviewData> {
  const [integrations, connections] = await Promise.all([
    part(session.canRead('integrations'), () => apiCall<IntegrationScripts[]>('GET', '/scripts/config')),
    part(session.canRead('connections'), () => apiCall<{ connections: ConnectionListItem[] }>('GET', '/connections', { query: { limit: CONNECTIONS_LIMIT } }).then((answer) => answer.connections)),
  ]);
  const keys = [...new Set([...(integrations.data ?? []).map((item) => item.providerConfigKey), ...(connections.data ?? []).map((item) => item.provider_config_key)])].sort();

  const statusFailures: unknown[] = [];
  const statuses = await part(session.canRead('syncs'), async () => {
    const answers = await mapLimited(keys, PARALLEL_CALLS, (providerConfigKey) =>
      apiCall<{ syncs: SyncStatus[] }>('GET', '/sync/status', { query: { provider_config_key: providerConfigKey, syncs: '*' } }).then((answer) =>
        answer.syncs.map((sync) => ({ ...sync, providerConfigKey })),
      ),
    );
    const all: IntegrationSyncStatus[] = [];
    for (const answer of answers) {
      if (answer.status === 'fulfilled') all.push(...answer.value);
      else statusFailures.push(answer.reason);
    }
    if (all.length === 0 && statusFailures.length > 0) throw statusFailures[0];
    return all;
  });

  const runs = await part(statuses.data !== undefined, () => countRecentRuns(statuses.data ?? [], now));
  return { integrations, connections, statuses, statusFailures, runs };
}

async function countRecentRuns(statuses: IntegrationSyncStatus[], now: number): Promise<RunCounts> {
  const since = now - DAY_MS;
  // Those that ran most recently first, so the cap drops the idle ones.
  const recent = [...statuses].sort((a, b) => (b.finishedAt ?? '').localeCompare(a.finishedAt ?? '')).slice(0, MAX_RUN_QUERIES);
  const answers = await mapLimited(recent, PARALLEL_CALLS, (sync) =>
    apiCall<{ executions: ExecutionSummary[] }>('GET', '/sync/executions', {
      query: { provider_config_key: sync.providerConfigKey, connection_id: sync.connection_id, sync_name: sync.name, sync_variant: sync.variant, limit: RUNS_PER_SYNC },
    }),
  );
  const counts: RunCounts = { byStatus: {}, counted: 0, total: statuses.length, lowerBound: false, failures: [] };
  for (const answer of answers) {
    if (answer.status === 'rejected') {
      counts.failures.push(answer.reason);
      continue;
    }
    counts.counted++;
    const executions = answer.value.executions;
    const inWindow = executions.filter((execution) => Date.parse(execution.started_at) >= since);
    for (const execution of inWindow) counts.byStatus[execution.status] = (counts.byStatus[execution.status] ?? 0) + 1;
    if (executions.length === RUNS_PER_SYNC && inWindow.length === executions.length) counts.lowerBound = true;
  }
  return counts;
}
