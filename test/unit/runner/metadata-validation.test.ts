/**
 * Connection metadata is checked against the sync's `metadata` schema only when the sync opts
 * in (`validateMetadata`), as on Nango; `metadata: z.void()` never fails a run.
 */
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createSync } from '../../../functions/engine/sync-definition.js';
import { CONNECTION, makeMemoryEngine, PROVIDER } from '../../support/memory-engine.js';

const Team = z.object({ teamId: z.string() });

function engineWith(metadata: z.ZodType, validateMetadata: boolean | undefined) {
  let ran = false;
  const engine = makeMemoryEngine(
    {},
    {},
    {
      meta: createSync({
        frequency: 'every hour',
        autoStart: true,
        models: { Member: z.object({ id: z.string() }) },
        metadata,
        validateMetadata,
        exec: async () => void (ran = true),
      }),
    },
  );
  return { engine, ran: () => ran };
}

async function setMetadata(engine: ReturnType<typeof makeMemoryEngine>, metadata: Record<string, unknown>) {
  await engine.state.connections.updateMetadata(PROVIDER, CONNECTION, metadata);
}

describe('metadata validation', () => {
  it('is off by default: a run goes ahead with metadata that does not match the schema', async () => {
    const { engine, ran } = engineWith(Team, undefined);
    await setMetadata(engine, { teamId: 42 });

    expect(await engine.run('meta')).toMatchObject({ kind: 'FINISHED', run: { status: 'SUCCESS' } });
    expect(ran()).toBe(true);
  });

  it('fails the run before the script when the sync opts in and the metadata does not match', async () => {
    const { engine, ran } = engineWith(Team, true);
    await setMetadata(engine, { teamId: 42 });

    expect(await engine.run('meta')).toMatchObject({
      kind: 'FINISHED',
      run: { status: 'ERROR', error: { type: 'MetadataError', message: expect.stringMatching(/metadata schema of sync "meta": teamId: /) } },
    });
    expect(ran()).toBe(false);
  });

  it('lets a run go ahead when the sync opts in and the metadata matches', async () => {
    const { engine } = engineWith(Team, true);
    await setMetadata(engine, { teamId: 't-1' });

    expect(await engine.run('meta')).toMatchObject({ kind: 'FINISHED', run: { status: 'SUCCESS' } });
  });

  it.each([
    ['z.void()', z.void()],
    ['z.undefined()', z.undefined()],
    ['z.void().optional()', z.void().optional()],
  ])('never fails a run on %s, even when the sync opts in', async (_, schema) => {
    const { engine, ran } = engineWith(schema, true);
    await setMetadata(engine, { anything: 'at all' });

    expect(await engine.run('meta')).toMatchObject({ kind: 'FINISHED', run: { status: 'SUCCESS' } });
    expect(ran()).toBe(true);
  });
});
