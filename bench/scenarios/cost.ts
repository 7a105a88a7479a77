/**
 * 2. Cost per record in capacity units, read from ConsumedCapacity (INDEXES) of every call:
 * an initial load, a full refresh with nothing changed, a full refresh with 1% changed, an
 * incremental run with 1% changed — and the naive design (every record put on every run,
 * uncompressed JSON, long attribute names) really written to a scratch table and measured.
 */
import { createHash, randomUUID } from 'node:crypto';
import { CreateTableCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { recordPartitionKey } from '../../functions/adapters/dynamodb/record-store.js';
import { decodePayload } from '../../functions/adapters/dynamodb/record-codec.js';
import { mapWithConcurrency } from '../../functions/engine/concurrency.js';
import type { ConnectionSyncKey } from '../../functions/engine/ports.js';
import type { Sandbox } from '../../integrations/demo-crm/sandbox/server.js';
import { unitsFor, type CapacityTotals } from '../lib/capacity.js';
import { TABLES } from '../lib/common.js';
import { addConnection, type BenchEnv } from '../lib/env.js';
import { FULL, INCREMENTAL } from '../lib/integrations.js';
import { runThroughExecutor } from '../lib/run-executor.js';
import { round } from '../lib/stats.js';
import { ENGINE_WRITE_CONCURRENCY, readPartition } from './ingest.js';

export interface CostLine {
  scenario: string;
  records: number;
  /** Records the run had to write (new or changed). */
  changed: number;
  recordsTable: { rcu: number; wcu: number; indexWcu: number };
  stateTable: { rcu: number; wcu: number };
  perRecord: { rcu: number; wcu: number };
  perChangedRecord: { rcu: number; wcu: number } | null;
  calls: Record<string, number>;
  /** Filled in by run.ts for the lines a target applies to. */
  target?: string;
  met?: boolean;
}

const NAIVE_TABLE = 'bench-naive-records';
const CHANGED_SHARE = 0.01;

export function costLine(scenario: string, records: number, changed: number, capacity: CapacityTotals): CostLine {
  const recordsTable = {
    rcu: unitsFor(capacity.read, TABLES.records),
    wcu: unitsFor(capacity.write, TABLES.records),
    indexWcu: unitsFor(capacity.write, `${TABLES.records}/byCursor`),
  };
  const per = (n: number) => ({ rcu: round(recordsTable.rcu / n, 3), wcu: round(recordsTable.wcu / n, 3) });
  return {
    scenario,
    records,
    changed,
    recordsTable,
    stateTable: { rcu: unitsFor(capacity.read, TABLES.state), wcu: unitsFor(capacity.write, TABLES.state) },
    perRecord: per(records),
    perChangedRecord: changed > 0 ? per(changed) : null,
    calls: capacity.calls,
  };
}

/** Runs the engine scenarios on a connection that already holds the initial load of `sandbox`. */
export async function measureEngineCosts(env: BenchEnv, connectionId: string, sandbox: Sandbox): Promise<CostLine[]> {
  const records = sandbox.dataset.contacts.size;
  const full: ConnectionSyncKey = { providerConfigKey: FULL.providerConfigKey, syncName: FULL.syncName, connectionId };
  const incremental: ConnectionSyncKey = { providerConfigKey: INCREMENTAL.providerConfigKey, syncName: INCREMENTAL.syncName, connectionId };
  const lines: CostLine[] = [];
  const measure = async (scenario: string, key: ConnectionSyncKey, changed: number) => {
    const before = env.meter.snapshot();
    const { run } = await runThroughExecutor(env.syncline.executorDeps, key);
    const counts = Object.values(run.results)[0];
    if (counts && counts.added + counts.updated !== changed) throw new Error(`${scenario}: expected ${changed} changes, the run counted ${JSON.stringify(counts)}`);
    lines.push(costLine(scenario, records, changed, env.meter.since(before)));
  };

  await measure('full refresh, nothing changed', full, 0);
  const changedA = changeContacts(sandbox, CHANGED_SHARE, 0);
  await measure('full refresh, 1% changed', full, changedA);

  await addConnection(env, INCREMENTAL.providerConfigKey, connectionId, sandbox);
  await measure('initial load, incremental sync (no deletion tracking)', incremental, records);
  const changedB = changeContacts(sandbox, CHANGED_SHARE, 1);
  await measure('incremental run, 1% changed', incremental, changedB);
  return lines;
}

/** Changes `share` of the contacts (every 1/share-th, shifted by `offset`) the way a CRM user would. */
function changeContacts(sandbox: Sandbox, share: number, offset: number): number {
  const step = Math.round(1 / share);
  const now = new Date().toISOString();
  let changed = 0;
  let i = 0;
  for (const contact of sandbox.dataset.contacts.values()) {
    if (i++ % step !== offset) continue;
    contact.properties = { ...contact.properties, lifecyclestage: contact.properties.lifecyclestage === 'customer' ? 'lead' : 'customer', phone: `+351 21 ${900_000 + i}` };
    contact.updatedAt = now;
    changed++;
  }
  return changed;
}

/**
 * The naive design, written for real: one item per record with long attribute names, the
 * payload as plain JSON, a hex SHA-256, ISO dates, and the same kind of cursor index. Every
 * run puts every record (no read, so it cannot know what changed) and stamps it, which moves
 * its index entry. Measured on a sample of the connection's records.
 */
export async function measureNaiveCosts(env: BenchEnv, connectionId: string, sample: number): Promise<CostLine[]> {
  await env.dynamo.client.send(
    new CreateTableCommand({
      TableName: NAIVE_TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'partitionKey', AttributeType: 'S' },
        { AttributeName: 'recordId', AttributeType: 'S' },
        { AttributeName: 'lastModifiedCursor', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'partitionKey', KeyType: 'HASH' },
        { AttributeName: 'recordId', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byLastModified',
          Projection: { ProjectionType: 'ALL' },
          KeySchema: [
            { AttributeName: 'partitionKey', KeyType: 'HASH' },
            { AttributeName: 'lastModifiedCursor', KeyType: 'RANGE' },
          ],
        },
      ],
    }),
  );
  await waitUntilTableExists({ client: env.dynamo.client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { TableName: NAIVE_TABLE });
  const source = (await readPartition(env, recordPartitionKey({ providerConfigKey: FULL.providerConfigKey, connectionId, model: FULL.model }))).slice(0, sample);
  const payloads = source.map((item) => ({ id: item.sk, payload: decodePayload(item.d) }));
  const firstSeen = new Date().toISOString();
  const putAll = async () => {
    const runId = randomUUID();
    const before = env.meter.snapshot();
    await mapWithConcurrency(payloads, ENGINE_WRITE_CONCURRENCY, ({ id, payload }) => {
      const now = new Date().toISOString();
      const payloadJson = JSON.stringify(payload);
      return env.dynamo.doc.send(
        new PutCommand({
          TableName: NAIVE_TABLE,
          Item: {
            partitionKey: `${FULL.providerConfigKey}#${connectionId}#${FULL.model}`,
            recordId: id,
            providerConfigKey: FULL.providerConfigKey,
            connectionId,
            model: FULL.model,
            payloadJson,
            contentHash: createHash('sha256').update(payloadJson).digest('hex'),
            firstSeenAt: firstSeen,
            lastModifiedAt: now,
            lastModifiedCursor: `${now}#${id}`,
            lastAction: 'ADDED',
            version: 1,
            syncJobId: runId,
          },
        }),
      );
    });
    const capacity = env.meter.since(before);
    const write = unitsFor(capacity.write, NAIVE_TABLE);
    return { write, indexWrite: unitsFor(capacity.write, `${NAIVE_TABLE}/byLastModified`), calls: capacity.calls };
  };
  const initial = await putAll();
  const again = await putAll();
  const line = (scenario: string, m: typeof initial): CostLine => ({
    scenario,
    records: sample,
    changed: sample,
    recordsTable: { rcu: 0, wcu: m.write, indexWcu: m.indexWrite },
    stateTable: { rcu: 0, wcu: 0 },
    perRecord: { rcu: 0, wcu: round(m.write / sample, 3) },
    perChangedRecord: { rcu: 0, wcu: round(m.write / sample, 3) },
    calls: m.calls,
  });
  return [line('naive: initial load', initial), line('naive: every later run (changed or not)', again)];
}
