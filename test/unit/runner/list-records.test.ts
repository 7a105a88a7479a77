/**
 * `nango.listRecords(model, { cursor })`: the connection's live records of a model in the
 * records API's order and shape, paged, including what the run has just saved.
 */
import { describe, expect, it, vi } from 'vitest';
import { SdkUsageError } from '../../../functions/engine/errors.js';
import { recordsPageJson } from '../../../functions/api/routes/records.page.js';
import { makeContacts } from '../../support/contacts.js';
import { collect, makeSessionWorld } from '../../support/memory-session.js';

describe('listRecords', () => {
  it('yields live records in modification order with _nango_metadata, as the records API shapes them', async () => {
    const world = makeSessionWorld();
    const [a, b, c] = makeContacts(3);
    const first = await world.open({ runId: 'r-1' });
    await first.batchSave([a!, b!, c!], 'Contact');
    await first.batchDelete([{ id: b!.id }], 'Contact');
    world.clock.advance(1_000);
    await first.batchUpdate([{ id: a!.id, name: 'Ada' }], 'Contact');

    const listed = await collect(first.listRecords('Contact'));

    expect(listed.map((r) => r['id'])).toEqual([c!.id, a!.id]); // b deleted; a modified last
    const page = await world.records.list(world.partition(), { limit: 10, filter: ['added', 'updated'] });
    expect(listed).toEqual(JSON.parse(recordsPageJson(page.records, null)).records);
    expect(listed[1]).toEqual({
      ...a,
      name: 'Ada',
      _nango_metadata: {
        first_seen_at: expect.any(String),
        last_modified_at: new Date(world.clock.now()).toISOString(),
        last_action: 'ADDED',
        deleted_at: null,
        pruned_at: null,
        cursor: expect.any(String),
      },
    });
  });

  it('includes the records this run has saved but not yet written', async () => {
    const world = makeSessionWorld();
    const session = await world.open({ config: { batchSize: 100 } });
    await session.batchSave(makeContacts(3), 'Contact'); // buffered: fewer than a batch

    expect(await world.records.list(world.partition(), { limit: 10 })).toMatchObject({ records: [] });
    expect(await collect(session.listRecords('Contact'))).toHaveLength(3);
  });

  it('reads page by page, so memory stays bounded, and carries on from a cursor', async () => {
    const world = makeSessionWorld();
    const session = await world.open({ config: { batchSize: 10 } });
    await session.batchSave(makeContacts(25), 'Contact');
    await session.writer.drain();
    const list = vi.spyOn(world.records, 'list');

    const all = await collect(session.listRecords('Contact'));
    expect(all).toHaveLength(25);
    expect(list.mock.calls.map(([, query]) => query.limit)).toEqual([10, 10, 10]);

    const cursor = (all[11]!['_nango_metadata'] as { cursor: string }).cursor;
    const rest = await collect(session.listRecords('Contact', { cursor }));
    expect(rest.map((r) => r['id'])).toEqual(all.slice(12).map((r) => r['id']));
  });

  it('stops between pages when the script stops iterating', async () => {
    const world = makeSessionWorld();
    const session = await world.open({ config: { batchSize: 5 } });
    await session.batchSave(makeContacts(20), 'Contact');
    await session.writer.drain();
    const list = vi.spyOn(world.records, 'list');

    for await (const record of session.listRecords('Contact')) if (record['id'] === 'c-000002') break;

    expect(list).toHaveBeenCalledTimes(1);
  });

  it('lists only this connection', async () => {
    const world = makeSessionWorld();
    const mine = await world.open();
    const theirs = await world.open({ connectionId: 'globex' });
    await theirs.batchSave(makeContacts(2), 'Contact');
    await theirs.writer.drain();

    expect(await collect(mine.listRecords('Contact'))).toEqual([]);
  });

  it.each([
    ['an unknown model', 'Deal', undefined, /model "Deal" is not declared by sync "items"/],
    ['a cursor the store never issued', 'Contact', { cursor: 'not-a-cursor' }, /listRecords\("Contact"\): cursor is not valid/],
    ['an empty cursor', 'Contact', { cursor: '' }, /cursor must be a non-empty string/],
    ['a cursor that is not a string', 'Contact', { cursor: 12 }, /cursor must be a non-empty string/],
    ['options that are not an object', 'Contact', 'abc', /options must be an object/],
  ])('refuses %s with a usage error', async (_, model, options, message) => {
    const world = makeSessionWorld();
    const session = await world.open();
    const listing = collect(session.listRecords(model, options as { cursor?: string }));
    await expect(listing).rejects.toThrow(SdkUsageError);
    await expect(collect(session.listRecords(model, options as { cursor?: string }))).rejects.toThrow(message);
  });
});

describe('trackDeletesEnd', () => {
  it('returns the ids it marked deleted, and none when nothing went', async () => {
    const world = makeSessionWorld();
    const contacts = makeContacts(4);
    const seed = await world.open({ runId: 'seed' });
    await seed.batchSave(contacts, 'Contact');
    await seed.writer.drain();
    const session = await world.open({ runId: 'pass', syncName: 'full' });

    await session.trackDeletesStart('Contact');
    await session.batchSave(contacts.slice(0, 3), 'Contact');
    expect(await session.trackDeletesEnd('Contact')).toEqual({ deletedKeys: [contacts[3]!.id] });

    await session.trackDeletesStart('Contact');
    await session.batchSave(contacts.slice(0, 3), 'Contact');
    expect(await session.trackDeletesEnd('Contact')).toEqual({ deletedKeys: [] });
    expect(session.writer.tallies.get('Contact')).toMatchObject({ deleted: 1 });
  });
});
