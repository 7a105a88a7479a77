/**
 * Run sessions over in-memory ports, for tests of the script SDK's data side one call at a
 * time: each `open` starts a run (its own lease, run id and start time) on a shared store, so a
 * test can set two runs, or a run and an outside writer, against each other.
 */
import type * as z from 'zod';
import type { Connection } from '../../functions/engine/connection.js';
import type { LogLevel, RecordPartition } from '../../functions/engine/ports.js';
import { newRun } from '../../functions/engine/model/run.js';
import { LeaseKeeper } from '../../functions/engine/runner/lease-keeper.js';
import { DEFAULT_RUNNER_CONFIG, type RunnerConfig } from '../../functions/engine/runner/runner-config.js';
import { RunSession } from '../../functions/engine/runner/run-session.js';
import { createSync, normalizeSync, type RecordValidation } from '../../functions/engine/sync-definition.js';
import { ContactSchema } from './contacts.js';
import { ManualClock } from './memory-engine.js';
import { MemoryRecordStore } from './memory-record-store.js';
import { makeMemoryState } from './memory-state.js';

export const PROVIDER = 'memory-crm';
export const CONNECTION = 'acme';

export interface OpenOptions {
  runId?: string;
  /** Two sessions of one connection need two syncs: a connection-sync runs one run at a time. */
  syncName?: string;
  connectionId?: string;
  validation?: RecordValidation;
  models?: Record<string, z.ZodType>;
  config?: Partial<RunnerConfig>;
  /** Leave out the lock repository, as a dry run does. */
  withoutLockRepo?: boolean;
}

export function makeSessionWorld() {
  const clock = new ManualClock();
  const state = makeMemoryState(clock);
  const records = new MemoryRecordStore(() => clock.now());
  const logs: { level: LogLevel; message: string; runId: unknown }[] = [];
  const logger = { log: (level: LogLevel, message: string, fields?: Record<string, unknown>) => void logs.push({ level, message, runId: fields?.['runId'] }) };
  let runs = 0;

  async function open(options: OpenOptions = {}): Promise<RunSession> {
    const runId = options.runId ?? `run-${++runs}`;
    const syncName = options.syncName ?? 'items';
    const key = { providerConfigKey: PROVIDER, connectionId: options.connectionId ?? CONNECTION, syncName };
    const config = { ...DEFAULT_RUNNER_CONFIG, indexSettleMs: 0, ...options.config };
    const sync = normalizeSync(
      syncName,
      createSync({ frequency: 'every hour', syncType: 'incremental', models: options.models ?? { Contact: ContactSchema }, validation: options.validation, exec: async () => undefined }),
    );
    const now = clock.now();
    const connection: Connection = { ...key, credentials: { type: 'NONE' }, metadata: {}, connectionConfig: {}, createdAt: '', updatedAt: '' };
    await state.connections.put(connection);
    await state.connectionSyncs.ensure(key, { enabled: true });
    const lease = { runId, owner: `owner-${runId}`, expiresAt: now + config.leaseMs };
    const taken = await state.connectionSyncs.acquireLease(key, lease, now);
    if (!taken.acquired) throw new Error(`test setup: ${taken.reason}`);
    const run = newRun({ ...key, runId, trigger: 'MANUAL', type: 'INCREMENTAL', startedAt: now });
    return new RunSession({
      sync,
      connection,
      key,
      run,
      lease: new LeaseKeeper({ repo: state.connectionSyncs, key, lease, clock, leaseMs: config.leaseMs, checkEveryMs: config.leaseCheckMs }),
      checkpoint: null,
      passId: runId,
      deadline: null,
      useSnapshots: false,
      acceptMassDeletion: false,
      records,
      state: options.withoutLockRepo ? { ...state, locks: undefined } : state,
      clock,
      logger,
      config,
    });
  }

  const partition = (model = 'Contact', connectionId = CONNECTION): RecordPartition => ({ providerConfigKey: PROVIDER, connectionId, model });
  /** Log lines of one run at one level. */
  const lines = (runId: string, level: LogLevel) => logs.filter((l) => l.runId === runId && l.level === level).map((l) => l.message);

  return { clock, state, records, logs, open, partition, lines };
}

/** Everything an async generator yields. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of iterable) all.push(item);
  return all;
}
