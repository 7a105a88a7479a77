/**
 * Builds the engine against DynamoDB Local for a test: fresh tables, the real DynamoDB
 * adapters, a clock the test can move forward, and a test integration whose scripts read
 * from an in-memory source the test controls.
 */
import { randomUUID } from 'node:crypto';
import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { DynamoRecordStore } from '../../functions/adapters/dynamodb/record-store.js';
import { makeDynamoStateRepos } from '../../functions/adapters/dynamodb/state/index.js';
import type { Connection } from '../../functions/engine/connection.js';
import { defineIntegration, IntegrationRegistry } from '../../functions/engine/integration.js';
import type { Clock, LogLevel, RecordPartition } from '../../functions/engine/ports.js';
import { runInvocation, type RunRequest } from '../../functions/engine/runner/run-invocation.js';
import type { RunnerConfig } from '../../functions/engine/runner/runner-config.js';
import type { NangoSync } from '../../functions/engine/sdk/nango-sync-types.js';
import { createSync } from '../../functions/engine/sync-definition.js';
import { SyncControls } from '../../functions/engine/controls.js';
import { handleRunMessage } from '../../functions/engine/orchestration/handle-run-message.js';
import type { RunMessage } from '../../functions/engine/ports.js';
import { ContactSchema, type Contact } from './contacts.js';
import { useDynamo } from './dynamo.js';

export { ContactSchema, makeContacts, type Contact } from './contacts.js';
import { MemoryRunQueue } from './memory-queue.js';
import { MemoryScheduler } from './memory-scheduler.js';

export class TestClock implements Clock {
  private offset = 0;
  now(): number {
    return Date.now() + this.offset;
  }
  advance(ms: number): void {
    this.offset += ms;
  }
}

/** What the test integration's scripts read; tests change it between runs. */
export interface TestSource {
  contacts: unknown[];
  /** Thrown by the full-refresh script after it saved its records. */
  failWith: Error | null;
  /** Body of the `scripted` sync. */
  exec: (nango: NangoSync) => Promise<void>;
}

export const PROVIDER = 'test-crm';

export async function makeEngineKit(config: Partial<RunnerConfig> = {}) {
  const { doc, freshTables } = useDynamo();
  const tables = await freshTables();
  const clock = new TestClock();
  const capacity: { operation: string; units: number }[] = [];
  const onCapacity = (operation: string, consumed: ConsumedCapacity[]) => {
    for (const c of consumed) capacity.push({ operation, units: c.CapacityUnits ?? 0 });
  };
  const records = new DynamoRecordStore({ doc, tableName: tables.records, clock, onCapacity });
  const state = makeDynamoStateRepos({ doc, tableName: tables.state, now: () => clock.now() });
  const source: TestSource = { contacts: [], failWith: null, exec: async () => undefined };
  const logs: { level: LogLevel; message: string }[] = [];

  const registry = new IntegrationRegistry([
    defineIntegration({
      providerConfigKey: PROVIDER,
      provider: { baseUrl: 'http://127.0.0.1:9', auth: { mode: 'NONE' } },
      syncs: {
        contacts: createSync({
          autoStart: true,
          frequency: 'every 5 minutes',
          syncType: 'full',
          trackDeletes: true,
          models: { Contact: ContactSchema },
          exec: async (nango) => {
            for (let i = 0; i < source.contacts.length; i += 250) {
              await nango.batchSave(source.contacts.slice(i, i + 250) as Contact[], 'Contact');
            }
            if (source.failWith) throw source.failWith;
          },
        }),
        scripted: createSync({
          autoStart: true,
          frequency: 'every hour',
          syncType: 'incremental',
          models: { Item: ContactSchema },
          exec: async (nango) => source.exec(nango as unknown as NangoSync),
        }),
      },
    }),
  ]);

  const connectionId = `conn-${randomUUID().slice(0, 8)}`;
  const connection: Connection = {
    providerConfigKey: PROVIDER,
    connectionId,
    credentials: { type: 'NONE' },
    metadata: {},
    connectionConfig: {},
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
  };
  await state.connections.put(connection);

  const deps = {
    registry,
    records,
    state,
    clock,
    config,
    newId: () => `run-${randomUUID()}`,
    logger: { log: (level: LogLevel, message: string) => void logs.push({ level, message }) },
  };
  const run = (syncName: string, extra: Partial<RunRequest> = {}) =>
    runInvocation(deps, { providerConfigKey: PROVIDER, connectionId, syncName, trigger: 'MANUAL', owner: `owner-${randomUUID()}`, ...extra });
  const partition = (model: string): RecordPartition => ({ providerConfigKey: PROVIDER, connectionId, model });

  /** Every record of a model, following cursors to the end. */
  const listAll = async (model: string) => {
    const all = [];
    let cursor: string | undefined;
    do {
      const page = await records.list(partition(model), { limit: 1000, cursor });
      all.push(...page.records);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return all;
  };

  const queue = new MemoryRunQueue();
  const scheduler = new MemoryScheduler();
  const controls = new SyncControls({ registry, state, records, queue, scheduler, clock, newId: deps.newId });
  /** Runs every queued message like the executor, until the queue is empty; returns the outcomes. */
  const drain = async (deadlineMs: number | null = null) => {
    const outcomes = [];
    for (let messages = queue.take(); messages.length > 0; messages = queue.take()) {
      for (const message of messages) {
        outcomes.push(await handleRunMessage({ ...deps, queue }, message as RunMessage, { owner: `owner-${randomUUID()}`, deadline: deadlineMs === null ? null : clock.now() + deadlineMs }));
      }
    }
    return outcomes;
  };
  const key = (syncName: string) => ({ providerConfigKey: PROVIDER, connectionId, syncName });

  return { doc, tables, clock, records, state, registry, source, logs, capacity, connection, connectionId, deps, run, partition, listAll, queue, scheduler, controls, drain, key };
}

export type EngineKit = Awaited<ReturnType<typeof makeEngineKit>>;
