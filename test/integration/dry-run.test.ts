import { describe, expect, it } from 'vitest';
import { runInvocation } from '../../functions/engine/runner/run-invocation.js';
import { DryRunRecordStore, DryRunState } from '../../functions/local/dry-run-stores.js';
import { makeContacts, makeEngineKit, PROVIDER } from '../support/engine-kit.js';

describe('dry run', () => {
  it('reports what a run would add, update and delete, and saves nothing', async () => {
    const kit = await makeEngineKit();
    const contacts = makeContacts(100);
    kit.source.contacts = contacts;
    await kit.run('contacts');
    const before = await kit.listAll('Contact');
    const stateBefore = await kit.state.connectionSyncs.get(kit.key('contacts'));

    kit.source.contacts = [...contacts.slice(3).map((c, i) => (i < 2 ? { ...c, name: 'changed' } : c)), ...makeContacts(4, 500)];
    const records = new DryRunRecordStore(kit.records);
    const state = new DryRunState(kit.state);
    const outcome = await runInvocation({ ...kit.deps, records, state }, { providerConfigKey: PROVIDER, connectionId: kit.connectionId, syncName: 'contacts', trigger: 'MANUAL', owner: 'dry' });

    expect(outcome).toMatchObject({ kind: 'FINISHED', run: { status: 'SUCCESS', results: { Contact: { added: 4, updated: 2, deleted: 3 } } } });
    expect(
      [...records.changes.get('Contact')!]
        .filter(([, c]) => c.action === 'DELETED')
        .map(([id]) => id)
        .sort(),
    ).toEqual(contacts.slice(0, 3).map((c) => c.id));
    expect(await kit.listAll('Contact')).toEqual(before);
    expect(await kit.state.connectionSyncs.get(kit.key('contacts'))).toEqual(stateBefore);
  });
});
