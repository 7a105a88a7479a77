/**
 * The demo integration end to end at the engine level: real scripts (both Nango forms), the
 * provider HTTP client with auth and paging against the sandbox API, DynamoDB Local.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoRecordStore } from '../../functions/adapters/dynamodb/record-store.js';
import { makeDynamoStateRepos } from '../../functions/adapters/dynamodb/state/index.js';
import { IntegrationRegistry } from '../../functions/engine/integration.js';
import { runInvocation } from '../../functions/engine/runner/run-invocation.js';
import demoCrm from '../../integrations/demo-crm/index.js';
import { startSandbox, type Sandbox } from '../../integrations/demo-crm/sandbox/server.js';
import { TestClock } from '../support/engine-kit.js';
import { useDynamo } from '../support/dynamo.js';

describe('demo-crm integration', () => {
  const clock = new TestClock();
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ apiKey: 'demo-key', now: () => clock.now(), tickMs: 20_000, initialContacts: 250 });
  });
  afterAll(() => sandbox.stop());

  it('syncs contacts (full refresh with deletions) and notes (incremental) from the sandbox', async () => {
    const { doc, freshTables } = useDynamo();
    const tables = await freshTables();
    const records = new DynamoRecordStore({ doc, tableName: tables.records, clock });
    const state = makeDynamoStateRepos({ doc, tableName: tables.state, now: () => clock.now() });
    const deps = { registry: new IntegrationRegistry([demoCrm]), records, state, clock, newId: () => randomUUID(), logger: { log: () => undefined } };
    const connectionId = 'demo';
    await state.connections.put({
      providerConfigKey: 'demo-crm',
      connectionId,
      credentials: { type: 'API_KEY', apiKey: 'demo-key' },
      metadata: {},
      connectionConfig: { baseUrl: sandbox.url },
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    });
    const run = (syncName: string) => runInvocation(deps, { providerConfigKey: 'demo-crm', connectionId, syncName, trigger: 'SCHEDULE', owner: randomUUID() });

    expect(await run('contacts')).toMatchObject({ run: { status: 'SUCCESS', results: { Contact: { added: 250, updated: 0, deleted: 0 } } } });
    expect(await run('notes')).toMatchObject({ run: { status: 'SUCCESS', results: { Note: { added: 20, updated: 0, deleted: 0 } } } });

    clock.advance(20_000); // one sandbox tick: 2 contacts added, 3 changed, 1 deleted; a note added, one edited
    expect(await run('contacts')).toMatchObject({ run: { status: 'SUCCESS', results: { Contact: { added: 2, updated: 3, deleted: 1 } } } });
    expect(await run('notes')).toMatchObject({ run: { status: 'SUCCESS', type: 'INCREMENTAL', results: { Note: { added: 1, updated: 1, deleted: 0 } } } });
    expect(sandbox.dataset.contacts.size).toBe(251);
  });

  it('fails the run with a clear error when the API key is wrong, and leaks no key', async () => {
    const { doc, freshTables } = useDynamo();
    const tables = await freshTables();
    const records = new DynamoRecordStore({ doc, tableName: tables.records, clock });
    const state = makeDynamoStateRepos({ doc, tableName: tables.state, now: () => clock.now() });
    const lines: string[] = [];
    const deps = { registry: new IntegrationRegistry([demoCrm]), records, state, clock, newId: () => randomUUID(), logger: { log: (_: string, m: string) => void lines.push(m) } };
    await state.connections.put({
      providerConfigKey: 'demo-crm',
      connectionId: 'bad',
      credentials: { type: 'API_KEY', apiKey: 'sk-wrong-secret' },
      metadata: {},
      connectionConfig: { baseUrl: sandbox.url },
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    });
    const outcome = await runInvocation(deps, { providerConfigKey: 'demo-crm', connectionId: 'bad', syncName: 'contacts', trigger: 'MANUAL', owner: 'o' });
    expect(outcome).toMatchObject({ run: { status: 'ERROR', error: { type: 'ProviderHttpError', message: expect.stringMatching(/401/) } } });
    expect(JSON.stringify(outcome)).not.toContain('sk-wrong-secret');
    expect(lines.join('\n')).not.toContain('sk-wrong-secret');
  });
});
