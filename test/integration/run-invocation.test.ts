import { describe, expect, it } from 'vitest';
import { makeContacts, makeEngineKit, type Contact } from '../support/engine-kit.js';

describe('runInvocation against DynamoDB Local', () => {
  it('runs a full refresh, then marks exactly the missing records deleted', async () => {
    const kit = await makeEngineKit();
    const contacts = makeContacts(1_000);
    kit.source.contacts = contacts;

    const first = await kit.run('contacts');
    expect(first).toMatchObject({ kind: 'FINISHED', run: { status: 'SUCCESS', type: 'INITIAL', results: { Contact: { added: 1_000, updated: 0, deleted: 0 } } } });

    const missing = [3, 150, 151, 600, 999].map((i) => contacts[i]!.id);
    kit.source.contacts = contacts.filter((c) => !missing.includes(c.id));
    const second = await kit.run('contacts');
    expect(second).toMatchObject({ kind: 'FINISHED', run: { status: 'SUCCESS', type: 'INCREMENTAL', results: { Contact: { added: 0, updated: 0, deleted: 5 } } } });

    const deleted = (await kit.listAll('Contact')).filter((r) => r.lastAction === 'DELETED');
    expect(deleted.map((r) => r.id).sort()).toEqual([...missing].sort());
    expect(deleted.every((r) => typeof r.deletedAt === 'number')).toBe(true);
    const status = await kit.state.connectionSyncs.get({ providerConfigKey: 'test-crm', connectionId: kit.connectionId, syncName: 'contacts' });
    expect(status!.recordCounts).toEqual({ Contact: 995 });

    // Deleted records that come back count as added; a newly missing one is deleted.
    kit.source.contacts = contacts.filter((c) => c.id !== contacts[10]!.id);
    const third = await kit.run('contacts');
    expect(third).toMatchObject({ run: { results: { Contact: { added: 5, updated: 0, deleted: 1 } } } });
  });

  it('costs no write and well under 0.5 read units per record on a full refresh that changed nothing', async () => {
    const kit = await makeEngineKit();
    kit.source.contacts = makeContacts(1_000);
    await kit.run('contacts');
    kit.capacity.length = 0;
    expect(await kit.run('contacts')).toMatchObject({ run: { status: 'SUCCESS', results: { Contact: { added: 0, updated: 0, deleted: 0 } } } });
    // One snapshot Query of the partition replaces a BatchGetItem per record and the deletion scan.
    expect(kit.capacity.filter((c) => c.operation !== 'Query')).toEqual([]);
    const reads = kit.capacity.reduce((sum, c) => sum + c.units, 0);
    expect(reads / 1_000).toBeLessThan(0.1);
  });

  it('refuses an implausible mass deletion and ends in ERROR with the reason', async () => {
    const kit = await makeEngineKit();
    kit.source.contacts = makeContacts(1_000);
    await kit.run('contacts');

    kit.source.contacts = [];
    const empty = await kit.run('contacts');
    expect(empty).toMatchObject({ kind: 'FINISHED', run: { status: 'ERROR', error: { type: 'DeletionRefusedError', message: expect.stringMatching(/refused to delete all 1000 Contact records/) } } });

    kit.source.contacts = makeContacts(400);
    const partial = await kit.run('contacts');
    expect(partial).toMatchObject({ run: { status: 'ERROR', error: { message: expect.stringMatching(/600 of 1000 .* more than the 50% limit/) } } });

    const live = (await kit.listAll('Contact')).filter((r) => r.lastAction !== 'DELETED');
    expect(live).toHaveLength(1_000);
  });

  it('lets a small dataset lose most of its records, and an operator accept a refused deletion once', async () => {
    const kit = await makeEngineKit();
    kit.source.contacts = makeContacts(4);
    await kit.run('contacts');
    kit.source.contacts = makeContacts(1);
    expect(await kit.run('contacts')).toMatchObject({ run: { status: 'SUCCESS', results: { Contact: { deleted: 3 } } } });

    kit.source.contacts = makeContacts(100);
    await kit.run('contacts');
    kit.source.contacts = makeContacts(40);
    await kit.controls.trigger([kit.key('contacts')]);
    const [refused] = await kit.drain();
    await kit.controls.trigger([kit.key('contacts')], { acceptMassDeletion: true });
    const [accepted] = await kit.drain();

    expect(refused).toMatchObject({ run: { status: 'ERROR', error: { type: 'DeletionRefusedError', message: expect.stringMatching(/60 of 100 .*acceptMassDeletion/) } } });
    expect(accepted).toMatchObject({ run: { status: 'SUCCESS', results: { Contact: { deleted: 60 } } } });
    expect((await kit.listAll('Contact')).filter((r) => r.lastAction !== 'DELETED')).toHaveLength(40);
  });

  it("does not count the script's own deletions as unseen, and revives a record it deleted earlier in the run", async () => {
    const kit = await makeEngineKit();
    const items = makeContacts(100);
    kit.source.exec = async (nango) => void (await nango.batchSave(items, 'Item'));
    await kit.run('scripted');
    // A reset makes the next run INITIAL again: it reads the partition into a snapshot.
    kit.source.exec = async (nango) => {
      await nango.trackDeletesStart('Item');
      await nango.batchDelete(items.slice(0, 60), 'Item');
      await nango.batchSave(items.slice(60), 'Item');
      await nango.batchSave([items[0]!], 'Item'); // the same content as before its deletion
      await nango.trackDeletesEnd('Item');
    };
    await kit.controls.trigger([kit.key('scripted')], { reset: true });

    const [outcome] = await kit.drain();

    expect(outcome).toMatchObject({ run: { status: 'SUCCESS', type: 'INITIAL', results: { Item: { added: 1, deleted: 60 } } } });
    const live = (await kit.listAll('Item')).filter((r) => r.lastAction !== 'DELETED').map((r) => r.id);
    expect(live).toHaveLength(41);
    expect(live).toContain(items[0]!.id);
  });

  it('honours a configured deletion threshold', async () => {
    const kit = await makeEngineKit({ maxDeleteShare: 0.9 });
    kit.source.contacts = makeContacts(100);
    await kit.run('contacts');
    kit.source.contacts = makeContacts(20);
    expect(await kit.run('contacts')).toMatchObject({ run: { status: 'SUCCESS', results: { Contact: { deleted: 80 } } } });
  });

  it('records a script error, keeps what was saved, deletes nothing and keeps lastSyncDate', async () => {
    const kit = await makeEngineKit();
    kit.source.contacts = makeContacts(50);
    const ok = await kit.run('contacts');
    if (ok.kind !== 'FINISHED') throw new Error('expected a finished run');

    kit.source.contacts = [...makeContacts(10), ...makeContacts(5, 1_000)];
    kit.source.failWith = new TypeError('provider answered garbage');
    const failed = await kit.run('contacts');
    expect(failed).toMatchObject({ run: { status: 'ERROR', error: { type: 'TypeError', message: 'provider answered garbage' }, results: { Contact: { added: 5, deleted: 0 } } } });
    const all = await kit.listAll('Contact');
    expect(all.filter((r) => r.lastAction === 'DELETED')).toHaveLength(0);
    expect(all).toHaveLength(55);
    const state = await kit.state.connectionSyncs.get({ providerConfigKey: 'test-crm', connectionId: kit.connectionId, syncName: 'contacts' });
    expect(state!.lastSyncDate).toBe(ok.run.startedAt);
    expect(state!.lastRun).toMatchObject({ status: 'ERROR' });
    expect(state!.lease).toBeNull();
  });

  it('sets lastSyncDate to the start of the last successful run', async () => {
    const kit = await makeEngineKit();
    const seen: (Date | undefined)[] = [];
    kit.source.exec = async (nango) => void seen.push(nango.lastSyncDate);
    const first = await kit.run('scripted');
    await kit.run('scripted');
    expect(seen[0]).toBeUndefined();
    expect(seen[1]).toEqual(new Date((first as { run: { startedAt: number } }).run.startedAt));
  });

  it('deep-merges batchUpdate, ignores unknown ids, soft-deletes with batchDelete, rejects invalid records one by one', async () => {
    const kit = await makeEngineKit({ recordValidation: 'reject' });
    const [a, b, c] = makeContacts(3);
    kit.source.exec = async (nango) => {
      await nango.batchSave([a!, b!, c!, { id: 'bad-email', name: 'x', email: 'not-an-email' }, { name: 'no id', email: 'n@o.id' }], 'Item');
    };
    const saved = await kit.run('scripted');
    expect(saved).toMatchObject({ run: { status: 'SUCCESS', results: { Item: { added: 3 } } } });
    const lines = (await kit.state.runLogs.list({ providerConfigKey: 'test-crm', connectionId: kit.connectionId, syncName: 'scripted' }, (saved as { run: { runId: string } }).run.runId)).map(
      (l) => l.message,
    );
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/invalid Item record "bad-email" not saved: does not match the model: ✖ Invalid email address\n {2}→ at email/),
        expect.stringMatching(/invalid Item record not saved: missing id/),
      ]),
    );

    kit.source.exec = async (nango) => {
      await nango.batchUpdate<Contact>(
        [
          { id: a!.id, address: { zip: '9999' }, tags: ['vip'] },
          { id: 'nobody', name: 'ghost' },
        ],
        'Item',
      );
      await nango.batchDelete([{ id: b!.id }], 'Item');
    };
    const updated = await kit.run('scripted');
    expect(updated).toMatchObject({ run: { status: 'SUCCESS', results: { Item: { added: 0, updated: 1, deleted: 1 } } } });
    const stored = await kit.records.getByIds(kit.partition('Item'), [a!.id, b!.id, 'nobody']);
    expect(stored.get(a!.id)!.payload).toEqual({ ...a, address: { city: 'Lisbon', zip: '9999' }, tags: ['vip'] });
    expect(stored.get(b!.id)!.lastAction).toBe('DELETED');
    expect(stored.has('nobody')).toBe(false);
  });

  it('lets exactly one of two concurrent runs of a connection-sync run', async () => {
    const kit = await makeEngineKit();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let executions = 0;
    kit.source.exec = async () => {
      executions++;
      await gate;
    };
    const both = [kit.run('scripted'), kit.run('scripted')];
    const first = await Promise.race(both.map((p) => p.then((o) => o)));
    expect(first.kind).toBe('BUSY');
    release();
    const outcomes = await Promise.all(both);
    expect(outcomes.map((o) => o.kind).sort()).toEqual(['BUSY', 'FINISHED']);
    expect(executions).toBe(1);
  });

  it('takes over a lease left by a crashed run once it expires', async () => {
    const kit = await makeEngineKit({ leaseMs: 60_000 });
    const key = { providerConfigKey: 'test-crm', connectionId: kit.connectionId, syncName: 'scripted' };
    await kit.state.connectionSyncs.ensure(key, { enabled: true });
    // A run that took the lease and died without releasing it.
    const now = kit.clock.now();
    expect(await kit.state.connectionSyncs.acquireLease(key, { runId: 'crashed', owner: 'dead-lambda', expiresAt: now + 60_000 }, now)).toMatchObject({ acquired: true });

    expect(await kit.run('scripted')).toMatchObject({ kind: 'BUSY', heldBy: { runId: 'crashed' } });
    kit.clock.advance(61_000);
    expect(await kit.run('scripted')).toMatchObject({ kind: 'FINISHED', run: { status: 'SUCCESS' } });
  });

  it('keeps its lease alive through one long call, so no second execution starts beside it', async () => {
    const kit = await makeEngineKit({ leaseMs: 3_000 });
    kit.source.exec = async () => {
      await new Promise((resolve) => setTimeout(resolve, 4_500)); // e.g. waiting out a long Retry-After
    };
    const first = kit.run('scripted');
    await new Promise((resolve) => setTimeout(resolve, 3_600)); // past the lease's first expiry
    expect(await kit.run('scripted')).toMatchObject({ kind: 'BUSY' });
    expect(await first).toMatchObject({ kind: 'FINISHED', run: { status: 'SUCCESS' } });
  }, 15_000);

  it('does not finish a run as SUCCESS when the script swallowed the deadline', async () => {
    const kit = await makeEngineKit({ deadlineMarginMs: 0 });
    kit.source.exec = async (nango) => {
      try {
        for (let page = 0; page < 10; page++) {
          kit.clock.advance(1_000);
          await nango.batchSave([{ id: `p${page}`, name: 'n', email: 'n@x.io' }], 'Item');
        }
      } catch {
        // A script that treats every error as "no more pages".
      }
    };
    const outcome = await kit.run('scripted', { deadline: kit.clock.now() + 3_500 });
    expect(outcome.kind).toBe('CONTINUE');
  });

  it('drops a message for a run that already finished', async () => {
    const kit = await makeEngineKit();
    const first = await kit.run('scripted', { runId: 'scheduled-1' });
    expect(first.kind).toBe('FINISHED');
    expect(await kit.run('scripted', { runId: 'scheduled-1' })).toEqual({ kind: 'DUPLICATE', runId: 'scheduled-1' });
  });
});
