/**
 * An executor that dies mid-run (fault injected after the k-th record write, lease left
 * behind as a killed Lambda would) gets its message redelivered by SQS; the run resumes under
 * the same run id and finishes with exact counts, no duplicate and no lost record.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { DynamoRecordStore } from '../../functions/adapters/dynamodb/record-store.js';
import { makeDynamoStateRepos } from '../../functions/adapters/dynamodb/state/index.js';
import { SqsRunQueue } from '../../functions/adapters/sqs/run-queue.js';
import { makeDynamoClients } from '../../functions/adapters/dynamodb/client.js';
import { defineIntegration, IntegrationRegistry } from '../../functions/engine/integration.js';
import type { Lease, RunMessage } from '../../functions/engine/ports.js';
import { createSync } from '../../functions/engine/sync-definition.js';
import { makeExecutorHandler } from '../../functions/handlers/queue/executor-handler.js';
import { startQueuePoller } from '../../functions/local/queue-poller.js';
import { startSqsEmulator, type SqsEmulator } from '../../functions/local/sqs-emulator.js';
import { ContactSchema, makeContacts, TestClock } from '../support/engine-kit.js';
import { useDynamo } from '../support/dynamo.js';

describe('executor crash and SQS redelivery', () => {
  const { endpoint, freshTables } = useDynamo();
  let sqs: SqsEmulator;
  afterAll(() => sqs?.stop());

  it('resumes a killed run after redelivery with correct counts and no duplicate or lost record', async () => {
    const tables = await freshTables();
    sqs = await startSqsEmulator();
    const queue = await sqs.createQueueWithDlq(`runs-${randomUUID().slice(0, 8)}`, { visibilityTimeoutS: 2, maxReceiveCount: 5 });
    const clock = new TestClock();

    // A DynamoDB client that can be made to fail at the k-th record write, like a process dying.
    // New records go out in BatchWriteItem calls: the crash lands between two of them.
    let crashAfterWrites = Number.POSITIVE_INFINITY;
    let writes = 0;
    let batchWrites = 0;
    const { doc } = makeDynamoClients({ endpoint });
    doc.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { TableName?: string; RequestItems?: Record<string, unknown[]> };
        if (context.commandName === 'PutItemCommand' && input.TableName === tables.records) {
          if (++writes > crashAfterWrites) throw new Error('injected crash: the executor died here');
        }
        const batch = context.commandName === 'BatchWriteItemCommand' ? input.RequestItems?.[tables.records] : undefined;
        if (batch) {
          batchWrites++;
          writes += batch.length;
          if (writes > crashAfterWrites) throw new Error('injected crash: the executor died here');
        }
        return next(args);
      },
      { step: 'initialize', name: 'faultInjection' },
    );
    const records = new DynamoRecordStore({ doc, tableName: tables.records, clock });
    const state = makeDynamoStateRepos({ doc, tableName: tables.state, now: () => clock.now() });
    // A killed Lambda does not clean up: while the fault is armed, its lease stays behind.
    const releaseLease = state.connectionSyncs.releaseLease.bind(state.connectionSyncs);
    state.connectionSyncs.releaseLease = async (key, lease: Lease) => (Number.isFinite(crashAfterWrites) ? undefined : releaseLease(key, lease));

    let source = makeContacts(300);
    const registry = new IntegrationRegistry([
      defineIntegration({
        providerConfigKey: 'crashy',
        provider: { baseUrl: 'http://127.0.0.1:9', auth: { mode: 'NONE' } },
        syncs: {
          contacts: createSync({
            autoStart: true,
            frequency: 'every hour',
            syncType: 'full',
            trackDeletes: true,
            models: { Contact: ContactSchema },
            exec: async (nango) => {
              for (let i = 0; i < source.length; i += 50) await nango.batchSave(source.slice(i, i + 50), 'Contact');
            },
          }),
        },
      }),
    ]);
    const connection = { providerConfigKey: 'crashy', connectionId: 'c1', credentials: { type: 'NONE' as const }, metadata: {}, connectionConfig: {}, createdAt: '', updatedAt: '' };
    await state.connections.put(connection);

    const runQueue = new SqsRunQueue({ sqs: sqs.client, queueUrl: queue.queueUrl });
    const logs: string[] = [];
    const handler = makeExecutorHandler({
      registry,
      records,
      state,
      clock,
      queue: runQueue,
      newId: () => randomUUID(),
      logger: {
        log: (level, message) => {
          logs.push(`${level} ${message}`);
          if (process.env.DEBUG_TEST) console.log(level, message);
        },
      },
      config: { leaseMs: 1_000, leaseCheckMs: 200, batchSize: 50, flushConcurrency: 2 },
    });
    const poller = startQueuePoller({ sqs: sqs.client, queueUrl: queue.queueUrl, handler, timeoutMs: 60_000, waitTimeSeconds: 1, onError: (e) => void logs.push(`poller: ${String(e)}`) });
    const key = { providerConfigKey: 'crashy', connectionId: 'c1', syncName: 'contacts' };
    const send = (runId: string) => runQueue.send([{ ...key, runId, trigger: 'MANUAL' } satisfies RunMessage]);
    const finished = (runId: string) =>
      vi.waitFor(
        async () => {
          const run = await state.runs.get(key, runId);
          if (!run || run.status === 'RUNNING') throw new Error(`run ${runId} did not finish; logs:\n${logs.join('\n')}`);
          return run;
        },
        { timeout: 30_000, interval: 100 },
      );

    try {
      await send('seed');
      expect(await finished('seed')).toMatchObject({ status: 'SUCCESS', results: { Contact: { added: 300 } } });

      // Second run: 5 contacts gone, 200 new ones; the executor dies after 120 more record writes.
      const gone = new Set(source.filter((_, i) => i % 60 === 7).map((c) => c.id));
      source = [...source.filter((c) => !gone.has(c.id)), ...makeContacts(200, 300)];
      writes = 0;
      crashAfterWrites = 120;
      await send('crashing');
      await vi.waitFor(() => expect(writes).toBeGreaterThan(120), { timeout: 45_000, interval: 50 });
      crashAfterWrites = Number.POSITIVE_INFINITY; // the redelivered message lands on a healthy executor

      const run = await finished('crashing');
      expect(run).toMatchObject({ status: 'SUCCESS', results: { Contact: { added: 200, updated: 0, deleted: 5 } } });
      expect(run.invocations).toBeGreaterThanOrEqual(2);
      const all = [];
      let cursor: string | undefined;
      do {
        const page = await records.list({ providerConfigKey: 'crashy', connectionId: 'c1', model: 'Contact' }, { limit: 1_000, cursor });
        all.push(...page.records);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(all).toHaveLength(500);
      expect(new Set(all.map((r) => r.id)).size).toBe(500);
      expect(
        all
          .filter((r) => r.lastAction === 'DELETED')
          .map((r) => r.id)
          .sort(),
      ).toEqual([...gone].sort());
      expect(all.filter((r) => r.lastAction !== 'DELETED').every((r) => r.version === 1)).toBe(true);
      expect(batchWrites).toBeGreaterThan(0); // the new records went out in batches
      const status = await state.connectionSyncs.get(key);
      expect(status!.recordCounts).toEqual({ Contact: 495 });
    } finally {
      await poller.stop();
    }
  }, 60_000);
});
