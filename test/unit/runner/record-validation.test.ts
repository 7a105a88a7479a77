/**
 * Records that do not match their model: stored as given with a warning per record (`warn`,
 * the default), or kept out one by one (`reject`); the sync's own mode wins over the runner's.
 * A record without a usable id is kept out in both modes.
 */
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { validateRecord } from '../../../functions/engine/records/validate-record.js';
import { makeSessionWorld } from '../../support/memory-session.js';

const good = { id: 'c-1', name: 'Ada', email: 'ada@example.com' };

describe('warn mode (the default)', () => {
  it('stores a mismatching record as given, with one warning naming each mismatch by path', async () => {
    const world = makeSessionWorld();
    const session = await world.open({ runId: 'r-warn' });
    const odd = { id: 42, name: 'Bob', email: 7, address: { city: 9 }, extra: { kept: true } };

    await session.batchSave([good, odd], 'Contact');
    await session.writer.drain();

    const stored = await world.records.getByIds(world.partition(), ['c-1', '42']);
    expect(stored.get('42')!.payload).toEqual({ ...odd, id: '42' }); // payload unchanged, id a string
    expect(stored.get('c-1')!.payload).toEqual(good);
    const warnings = world.lines('r-warn', 'warn');
    expect(warnings).toEqual([
      expect.stringMatching(/^Contact "42" does not match the model \(stored anyway\): email: .*expected string, received number; address\.city: .*expected string, received number$/),
    ]);
    expect(session.records.mismatched.get('Contact')).toBe(1);
    expect(session.records.rejected.size).toBe(0);
    expect(session.writer.tallies.get('Contact')).toMatchObject({ added: 2 });
  });

  it('names at most five mismatches, then how many more', async () => {
    const world = makeSessionWorld();
    const Wide = z.object({ id: z.string(), a: z.string(), b: z.string(), c: z.string(), d: z.string(), e: z.string(), f: z.string(), g: z.string() });
    const session = await world.open({ runId: 'r-wide', models: { Wide } });

    await session.batchSave([{ id: 'w', tags: [1] }], 'Wide');

    const [line] = world.lines('r-wide', 'warn');
    expect(line).toMatch(/: a: .*; b: .*; c: .*; d: .*; e: .*; and 2 more$/);
  });

  it('still rejects a record without a usable id, and keeps the rest of the batch', async () => {
    const world = makeSessionWorld();
    const session = await world.open({ runId: 'r-ids' });

    await session.batchSave([good, { name: 'no id' }, { id: '', name: 'empty' }, { id: 'x'.repeat(256) }, 'text', { id: { nested: 1 } }], 'Contact');
    await session.writer.drain();

    expect((await world.records.getByIds(world.partition(), ['c-1'])).size).toBe(1);
    expect(session.records.rejected.get('Contact')).toBe(5);
    expect(world.lines('r-ids', 'warn')).toEqual([
      'invalid Contact record not saved: missing id',
      'invalid Contact record not saved: id is empty',
      'invalid Contact record not saved: id is longer than 255 characters',
      'invalid Contact record not saved: record is not an object',
      'invalid Contact record not saved: id must be a string or a number, got object',
    ]);
  });

  it('stores a batchUpdate whose merged record does not match, with a warning', async () => {
    const world = makeSessionWorld();
    const first = await world.open({ runId: 'r-1' });
    await first.batchSave([good], 'Contact');
    await first.writer.drain();
    const second = await world.open({ runId: 'r-2', syncName: 'other' });

    await second.batchUpdate([{ id: 'c-1', email: false }], 'Contact');

    expect((await world.records.getByIds(world.partition(), ['c-1'])).get('c-1')!.payload).toEqual({ ...good, email: false });
    expect(world.lines('r-2', 'warn')).toEqual([expect.stringMatching(/^Contact "c-1" does not match the model \(stored anyway\): email: /)]);
  });

  it('summarizes the mismatches per model at the end of the run', async () => {
    const world = makeSessionWorld();
    const session = await world.open({ runId: 'r-sum' });
    await session.batchSave(
      [
        { ...good, email: 1 },
        { ...good, id: 'c-2', email: 2 },
      ],
      'Contact',
    );

    session.records.summarize();

    expect(world.lines('r-sum', 'warn')).toContain('2 Contact records did not match the model and were stored anyway');
  });
});

describe('reject mode', () => {
  it('keeps a mismatching record out with its reason, as before, when the runner says so', async () => {
    const world = makeSessionWorld();
    const session = await world.open({ runId: 'r-rej', config: { recordValidation: 'reject' } });

    await session.batchSave([good, { ...good, id: 'bad', email: 'not-an-email' }], 'Contact');
    await session.writer.drain();

    expect([...(await world.records.getByIds(world.partition(), ['c-1', 'bad'])).keys()]).toEqual(['c-1']);
    expect(world.lines('r-rej', 'warn')).toEqual([expect.stringMatching(/^invalid Contact record "bad" not saved: does not match the model: ✖ Invalid email address\n {2}→ at email$/)]);
    expect(session.records.mismatched.size).toBe(0);
  });

  it('follows the sync when it declares a mode: reject over a warn runner, warn over a reject runner', async () => {
    const world = makeSessionWorld();
    const strict = await world.open({ runId: 'r-strict', validation: 'reject', config: { recordValidation: 'warn' } });
    const lenient = await world.open({ runId: 'r-lenient', syncName: 'other', validation: 'warn', config: { recordValidation: 'reject' } });

    await strict.batchSave([{ ...good, id: 's', email: 1 }], 'Contact');
    await lenient.batchSave([{ ...good, id: 'l', email: 1 }], 'Contact');
    await strict.writer.drain();
    await lenient.writer.drain();

    expect([...(await world.records.getByIds(world.partition(), ['s', 'l'])).keys()]).toEqual(['l']);
    expect(strict.records.validation).toBe('reject');
    expect(lenient.records.validation).toBe('warn');
  });
});

describe('validateRecord', () => {
  const Contact = z.object({ id: z.string(), email: z.string() });

  it('reports a mismatch in warn mode without touching the payload', () => {
    const result = validateRecord({ id: 7, email: ['x'], tags: [{ n: 1 }] }, Contact.strict(), 'warn');
    expect(result).toEqual({
      ok: true,
      record: { id: '7', payload: { id: '7', email: ['x'], tags: [{ n: 1 }] }, hash: expect.any(String) },
      mismatch: expect.stringMatching(/^email: .*expected string, received array; \(record\): Unrecognized key: "tags"$/),
    });
  });

  it('formats array positions in paths', () => {
    const Tagged = z.object({ id: z.string(), tags: z.array(z.object({ n: z.string() })) });
    const result = validateRecord({ id: '1', tags: [{ n: 'a' }, { n: 2 }] }, Tagged, 'warn');
    expect(result.ok && result.mismatch).toMatch(/^tags\[1\]\.n: /);
  });
});
