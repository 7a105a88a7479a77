/**
 * The fan-out: a schedule fired for one sync; queue one run per connection (and sync variant)
 * that is due. Run ids derive from the scheduled time, so a repeated invocation for the same tick
 * queues the same run ids, and the executor drops the ones that already ran.
 */
import type { IntegrationRegistry } from '../integration.js';
import type { Metrics } from '../metrics.js';
import type { Clock, ConnectionSyncState, FanOutEvent, RunMessage, RunQueue, StateRepos } from '../ports.js';
import { scheduledRunId } from '../runner/run-invocation.js';
import { connectionSyncKey } from '../sync-keys.js';

export interface FanOutDeps {
  registry: IntegrationRegistry;
  /** `runs` is read only to measure running runs, and only with `metrics`. */
  state: Pick<StateRepos, 'connectionSyncs'> & Partial<Pick<StateRepos, 'runs'>>;
  queue: RunQueue;
  clock: Clock;
  /** Receives `OldestRunningRunAgeSeconds` and `StuckRuns` for the sync ticked; none when absent. */
  metrics?: Metrics;
  /** Queue sends in flight at once, each up to `sendChunk` messages. */
  sendConcurrency?: number;
}

export interface FanOutResult {
  queued: number;
  skipped: { paused: number; running: number; notDue: number; ownSchedule: number };
}

/** A run that started within this share of the period before the tick makes the tick redundant. */
const NOT_DUE_SHARE = 0.25;
/**
 * A run is stuck when it has been RUNNING longer than its sync's expected duration, taken as the
 * sync's period (the connection's override, or the sync's frequency) and never under 15 minutes:
 * a run slower than its own period delays the next tick, and a short period must not turn every
 * run that waits out a provider's rate limit into an alarm.
 */
export const MIN_EXPECTED_RUN_MS = 15 * 60_000;
const SEND_CHUNK = 100;

export async function fanOut(deps: FanOutDeps, event: FanOutEvent): Promise<FanOutResult> {
  const sync = deps.registry.getSync(event.integration, event.sync);
  if (!sync) throw new Error(`schedule names unknown sync ${event.integration}/${event.sync}`);
  const scheduledAt = Date.parse(event.scheduledAt);
  if (Number.isNaN(scheduledAt)) throw new Error(`scheduledAt "${event.scheduledAt}" is not a date`);
  const result: FanOutResult = { queued: 0, skipped: { paused: 0, running: 0, notDue: 0, ownSchedule: 0 } };
  const now = deps.clock.now();

  const decide = (cs: ConnectionSyncState): keyof FanOutResult['skipped'] | 'queue' => {
    // A connection with its own frequency has its own schedule; the shared one passes it by.
    if (event.connection === undefined && cs.frequencyOverrideMs !== null) return 'ownSchedule';
    if (!cs.enabled) return 'paused';
    if (cs.lease && cs.lease.expiresAt > now) return 'running';
    const period = cs.frequencyOverrideMs ?? sync.frequencyMs;
    if (cs.lastRun && cs.lastRun.startedAt > scheduledAt - period * NOT_DUE_SHARE) return 'notDue';
    return 'queue';
  };

  let pending: RunMessage[] = [];
  // A sliding window of sends: listing the next page overlaps sending this one, and a slow
  // send never holds the others back.
  const inFlight = new Set<Promise<void>>();
  let failure: unknown = null;
  const flush = async (messages: RunMessage[]) => {
    while (inFlight.size >= (deps.sendConcurrency ?? 4)) await Promise.race(inFlight);
    if (failure) throw failure;
    const send = deps.queue
      .send(messages)
      .then(() => void (result.queued += messages.length))
      .catch((error: unknown) => void (failure ??= error))
      .finally(() => inFlight.delete(send));
    inFlight.add(send);
  };

  const running = { oldestMs: 0, stuck: 0 };
  for await (const page of connectionSyncs(deps, event)) {
    for (const cs of page) {
      if (deps.metrics) await measureRunning(deps, cs, Math.max(cs.frequencyOverrideMs ?? sync.frequencyMs, MIN_EXPECTED_RUN_MS), now, running);
      const verdict = decide(cs);
      if (verdict !== 'queue') {
        result.skipped[verdict]++;
        continue;
      }
      const key = connectionSyncKey(cs.providerConfigKey, cs.connectionId, cs.syncName, cs.variant);
      pending.push({ ...key, runId: scheduledRunId(key, event.scheduledAt), trigger: 'SCHEDULE', scheduledAt: event.scheduledAt });
      if (pending.length >= SEND_CHUNK) {
        await flush(pending);
        pending = [];
      }
    }
  }
  if (pending.length > 0) await flush(pending);
  await Promise.all(inFlight);
  if (failure) throw failure;
  const detail = { integration: event.integration, sync: event.sync };
  // Published even when nothing runs: an alarm on a missing datapoint would otherwise misread a quiet sync.
  deps.metrics?.gauge('OldestRunningRunAgeSeconds', Math.floor(running.oldestMs / 1000), detail);
  deps.metrics?.count('StuckRuns', running.stuck, detail);
  return result;
}

/**
 * A connection-sync with a lease has a run going (or one that died holding it, which is as
 * stuck as a slow one while its item says RUNNING): its run item says since when.
 */
async function measureRunning(deps: FanOutDeps, cs: ConnectionSyncState, expectedMs: number, now: number, running: { oldestMs: number; stuck: number }): Promise<void> {
  if (!cs.lease || !deps.state.runs) return;
  const run = await deps.state.runs.get(cs, cs.lease.runId);
  if (run?.status !== 'RUNNING') return;
  const age = Math.max(0, now - run.startedAt);
  running.oldestMs = Math.max(running.oldestMs, age);
  if (age > expectedMs) running.stuck++;
}

async function* connectionSyncs(deps: FanOutDeps, event: FanOutEvent): AsyncIterable<ConnectionSyncState[]> {
  if (event.connection === undefined) {
    yield* deps.state.connectionSyncs.list(event.integration, event.sync);
    return;
  }
  // A connection or variant deleted meanwhile has no state left: nothing to queue.
  const one = await deps.state.connectionSyncs.get(connectionSyncKey(event.integration, event.connection, event.sync, event.variant));
  if (one) yield [one];
}
