/**
 * `nango.setMergingStrategy`: with `ignore_if_modified_after`, a run's saves leave alone a
 * record someone else changed after the run started; `override` (the default) writes over it.
 */
import { describe, expect, it } from 'vitest';
import { SdkUsageError } from '../../../functions/engine/errors.js';
import type { RecordInput } from '../../../functions/engine/ports.js';
import { contentHash } from '../../../functions/engine/records/content-hash.js';
import { makeContacts } from '../../support/contacts.js';
import { makeSessionWorld } from '../../support/memory-session.js';

const input = (payload: Record<string, unknown>): RecordInput => ({ id: String(payload['id']), payload, hash: contentHash(payload) });

/** A record saved before the run, then one changed by an outside writer (an API write) after it started. */
async function worldWithOutsideChange() {
  const world = makeSessionWorld();
  const [early, late] = makeContacts(2);
  await world.records.saveBatch(world.partition(), [input(early!), input(late!)], { runId: 'previous-run', runStartedAt: world.clock.now() });
  world.clock.advance(60_000);
  const session = await world.open({ runId: 'r-merge' });
  world.clock.advance(1_000);
  await world.records.saveBatch(world.partition(), [input({ ...late!, name: 'changed by the API' })], { runId: 'api-write', runStartedAt: world.clock.now() });
  world.clock.advance(1_000);
  return { world, session, early: early!, late: late! };
}

const stored = async (world: ReturnType<typeof makeSessionWorld>, id: string) => (await world.records.getByIds(world.partition(), [id])).get(id)!.payload;

describe('setMergingStrategy', () => {
  it('overrides by default: the run writes over a record changed after it started', async () => {
    const { world, session, late } = await worldWithOutsideChange();

    await session.batchSave([{ ...late, name: 'from the provider' }], 'Contact');
    await session.writer.drain();

    expect((await stored(world, late.id))['name']).toBe('from the provider');
  });

  it('with ignore_if_modified_after, leaves a record changed after the run started and saves the rest', async () => {
    const { world, session, early, late } = await worldWithOutsideChange();
    await session.setMergingStrategy({ strategy: 'ignore_if_modified_after' }, 'Contact');

    await session.batchSave(
      [
        { ...early, name: 'early, renamed' },
        { ...late, name: 'from the provider' },
      ],
      'Contact',
    );
    await session.writer.drain();

    expect((await stored(world, late.id))['name']).toBe('changed by the API');
    expect((await stored(world, early.id))['name']).toBe('early, renamed'); // last changed before the run
    expect(session.writer.tallies.get('Contact')).toEqual({ added: 0, updated: 1, deleted: 0 });
    expect(session.records.skipped.get('Contact')).toBe(1);
    expect(world.lines('r-merge', 'debug')).toEqual([`Contact "${late.id}" not saved: modified since the run started by another writer (ignore_if_modified_after)`]);
    expect(world.lines('r-merge', 'warn')).toEqual([]);
    expect(world.lines('r-merge', 'error')).toEqual([]);
  });

  it('never blocks the run on its own writes', async () => {
    const { world, session, early } = await worldWithOutsideChange();
    await session.setMergingStrategy({ strategy: 'ignore_if_modified_after' }, 'Contact');

    await session.batchSave([{ ...early, name: 'first pass' }], 'Contact');
    await session.writer.drain();
    world.clock.advance(1_000);
    await session.batchSave([{ ...early, name: 'second pass' }], 'Contact');
    await session.writer.drain();

    expect((await stored(world, early.id))['name']).toBe('second pass');
  });

  it('applies to batchUpdate too', async () => {
    const { world, session, late } = await worldWithOutsideChange();
    await session.setMergingStrategy({ strategy: 'ignore_if_modified_after' }, 'Contact');

    await session.batchUpdate([{ id: late.id, tags: ['from-update'] }], 'Contact');

    expect(await stored(world, late.id)).toMatchObject({ name: 'changed by the API', tags: ['lead'] });
    expect(session.records.skipped.get('Contact')).toBe(1);
  });

  it('keeps the first strategy set for a model, as Nango does, and says so', async () => {
    const { world, session, late } = await worldWithOutsideChange();
    await session.setMergingStrategy({ strategy: 'ignore_if_modified_after' }, 'Contact');
    await session.setMergingStrategy({ strategy: 'override' }, 'Contact');

    await session.batchSave([{ ...late, name: 'from the provider' }], 'Contact');
    await session.writer.drain();

    expect((await stored(world, late.id))['name']).toBe('changed by the API');
    expect(world.lines('r-merge', 'warn')).toEqual(["merging strategy for model Contact is already set to 'ignore_if_modified_after'; 'override' is ignored"]);
  });

  it('writes records saved before the call under the strategy they were saved with', async () => {
    const { world, session, late } = await worldWithOutsideChange();

    await session.batchSave([{ ...late, name: 'saved before the call' }], 'Contact'); // still buffered
    await session.setMergingStrategy({ strategy: 'ignore_if_modified_after' }, 'Contact');

    expect((await stored(world, late.id))['name']).toBe('saved before the call');
  });

  it.each([
    [{ strategy: 'newest_wins' }, 'Contact', /setMergingStrategy expects \{ strategy: 'override' \| 'ignore_if_modified_after' \}, got \{"strategy":"newest_wins"\}/],
    ['override', 'Contact', /setMergingStrategy expects .*got "override"/],
    [undefined, 'Contact', /setMergingStrategy expects .*got undefined/],
    [{ strategy: 'override' }, 'Deal', /model "Deal" is not declared/],
  ])('refuses %j for %s with a usage error', async (merging, model, message) => {
    const world = makeSessionWorld();
    const session = await world.open();
    const call = session.setMergingStrategy(merging as { strategy: 'override' }, model);
    await expect(call).rejects.toThrow(SdkUsageError);
    await expect(session.setMergingStrategy(merging as { strategy: 'override' }, model)).rejects.toThrow(message);
  });
});
