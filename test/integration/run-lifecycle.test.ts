/**
 * The run lifecycle against DynamoDB Local: the conditional writes of the run repository keep a
 * final run final under any sequence of writes, and a cancel that lands between the runner's
 * read of a run and its write is never undone.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { makeDynamoStateRepos } from '../../functions/adapters/dynamodb/state/index.js';
import { makeEngineKit } from '../support/engine-kit.js';
import { useDynamo } from '../support/dynamo.js';
import { checkRunLifecycle } from '../support/run-lifecycle-property.js';

describe('the run lifecycle on DynamoDB', () => {
  it('holds over random sequences of writes', async () => {
    const { doc, freshTables } = useDynamo();
    const tables = await freshTables();
    const state = makeDynamoStateRepos({ doc, tableName: tables.state });
    await checkRunLifecycle(async () => ({ state, key: { providerConfigKey: 'p', connectionId: `c-${randomUUID()}`, syncName: 's' } }), 40);
  });

  it('lets a cancel that lands between the runner reading the run and creating it win', async () => {
    const kit = await makeEngineKit();
    const key = kit.key('scripted');
    let ran = false;
    kit.source.exec = async () => void (ran = true);
    const read = kit.state.runs.get.bind(kit.state.runs);
    let fired = false;
    kit.state.runs.get = async (k, runId) => {
      const run = await read(k, runId);
      if (!fired) {
        fired = true;
        expect(await kit.state.runs.cancel(key, runId, 'cancelled by request', kit.clock.now())).toBe(true);
      }
      return run;
    };

    const outcome = await kit.run('scripted');

    expect(outcome).toMatchObject({ kind: 'STOPPED', reason: 'run was cancelled before it started' });
    expect(ran).toBe(false);
    const [stored] = await kit.state.runs.list(key, 5);
    expect(stored).toMatchObject({ status: 'CANCELLED', error: { type: 'cancelled' } });
    expect((await kit.state.connectionSyncs.get(key))!.lease).toBeNull();
  });
});
