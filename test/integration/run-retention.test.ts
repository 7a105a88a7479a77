/**
 * Finished runs expire: every way a run ends (finished, cancelled, abandoned) stores a DynamoDB
 * TTL `retention` days after its end, while a running run never expires.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { stateKeys } from '../../functions/adapters/dynamodb/state/keys.js';
import { makeDynamoStateRepos } from '../../functions/adapters/dynamodb/state/index.js';
import { DEFAULT_RUN_RETENTION_DAYS } from '../../functions/adapters/dynamodb/state/run-repo.js';
import { newRun } from '../../functions/engine/model/run.js';
import { useDynamo } from '../support/dynamo.js';

const NOW = Date.UTC(2026, 10, 30, 12);
const key = { providerConfigKey: 'crm', connectionId: 'c1', syncName: 'contacts' };

describe('finished runs expire', () => {
  const dynamo = useDynamo();
  let tableName = '';
  const ttlOf = async (runId: string) => (await dynamo.doc.send(new GetCommand({ TableName: tableName, Key: stateKeys.run(key, runId), ConsistentRead: true }))).Item?.['ttl'] as number | undefined;

  beforeAll(async () => {
    tableName = (await dynamo.freshTables()).state;
  });

  it('keeps a running run, and expires a finished, cancelled or abandoned one after the retention', async () => {
    const state = makeDynamoStateRepos({ doc: dynamo.doc, tableName, now: () => NOW, runRetentionDays: 7 });
    await state.connectionSyncs.ensure(key, { enabled: true });

    const lease = { runId: 'r1', owner: 'test', expiresAt: NOW + 60_000 };
    expect((await state.connectionSyncs.acquireLease(key, lease, NOW)).acquired).toBe(true);
    const run = await state.runs.create(newRun({ ...key, runId: 'r1', trigger: 'MANUAL', type: 'INITIAL', startedAt: NOW }));
    expect(await ttlOf('r1')).toBeUndefined();
    await state.runs.finish({ ...run, status: 'SUCCESS', finishedAt: NOW + 1_000 }, { lastSyncDate: NOW, checkpoint: null, passId: null, recordCountDelta: {} }, lease);
    expect(await ttlOf('r1')).toBe(Math.floor((NOW + 1_000) / 1000) + 7 * 86_400);

    expect(await state.runs.cancel(key, 'r2', 'stopped by a test', NOW + 2_000)).toBe(true);
    expect(await ttlOf('r2')).toBe(Math.floor((NOW + 2_000) / 1000) + 7 * 86_400);

    const abandoned = await state.runs.create(newRun({ ...key, runId: 'r3', trigger: 'SCHEDULE', type: 'INCREMENTAL', startedAt: NOW }));
    expect(await state.runs.endAbandoned({ ...abandoned, status: 'ERROR', error: { type: 'abandoned', message: 'x' }, finishedAt: NOW + 3_000 })).toBe(true);
    expect(await ttlOf('r3')).toBe(Math.floor((NOW + 3_000) / 1000) + 7 * 86_400);
    expect(await state.runs.get(key, 'r3')).toMatchObject({ status: 'ERROR' });
  });

  it(`defaults to ${DEFAULT_RUN_RETENTION_DAYS} days`, async () => {
    const state = makeDynamoStateRepos({ doc: dynamo.doc, tableName, now: () => NOW });
    expect(await state.runs.cancel(key, 'r4', 'stopped by a test', NOW)).toBe(true);
    expect(await ttlOf('r4')).toBe(Math.floor(NOW / 1000) + DEFAULT_RUN_RETENTION_DAYS * 86_400);
  });
});
