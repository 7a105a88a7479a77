/**
 * What an action's `nango` object keeps between calls and attempts: a deadline that stops even a
 * script stuck outside the SDK, a checkpoint a retried attempt resumes from, metadata written
 * through to the connection, named locks released when the attempt ends.
 */
import { describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import { createAction } from '../../../functions/engine/script-definition.js';
import { CONNECTION, makeActionWorld, PROVIDER } from './action-world.js';

describe('the deadline of a synchronous trigger', () => {
  it('ends a script stuck in a non-SDK await with action_timeout 504, suggesting X-Async', async () => {
    const world = await makeActionWorld({ stuck: createAction({ description: 'x', input: z.void(), output: z.void(), exec: () => new Promise<void>(() => undefined) }) });

    const pending = world.trigger('stuck', undefined);
    await vi.waitFor(() => expect(world.timers.active.size).toBe(1));
    world.clock.advance(25_000);
    world.timers.fire();
    const result = await pending;

    expect(result).toMatchObject({ kind: 'completed', outcome: { status: 'ERROR', error: { type: 'action_timeout', status: 504, message: expect.stringMatching(/25 s.*X-Async: true/) } } });
    expect(await world.service.get('exec-1')).toMatchObject({ status: 'ERROR', error: { type: 'action_timeout' } });
  });

  it('stops a script at its next SDK call once the deadline has passed, even if it catches the error', async () => {
    const world = await makeActionWorld({
      slow: createAction({
        description: 'x',
        input: z.void(),
        output: z.unknown(),
        exec: async (nango) => {
          world.clock.advance(30_000);
          await nango.getMetadata().catch(() => undefined);
          return { done: true };
        },
      }),
    });
    expect(await world.trigger('slow', undefined)).toMatchObject({ outcome: { status: 'ERROR', error: { type: 'action_timeout' } } });
  });
});

describe('checkpoints, metadata and locks', () => {
  it('gives a retried attempt the checkpoint the failed one saved', async () => {
    const seen: unknown[] = [];
    const world = await makeActionWorld({
      resumable: createAction({
        description: 'x',
        input: z.void(),
        output: z.object({ from: z.number() }),
        exec: async (nango) => {
          const checkpoint = await nango.getCheckpoint();
          seen.push(checkpoint);
          if (!checkpoint) {
            await nango.saveCheckpoint({ page: 2 });
            throw new Error('crashed after page 1');
          }
          return { from: checkpoint['page'] as number };
        },
      }),
    });

    await world.trigger('resumable', undefined, { async: true, maxRetries: 1 });

    expect(await world.work()).toEqual(['RETRYING', 'FINISHED']);
    expect(seen).toEqual([null, { page: 2 }]);
    expect(await world.service.get('exec-1')).toMatchObject({ status: 'SUCCESS', output: { from: 2 }, checkpoint: { page: 2 } });
  });

  it('writes metadata updates through to the connection and reads them back in the same run', async () => {
    let read: unknown;
    const world = await makeActionWorld({
      tag: createAction({
        description: 'x',
        input: z.object({ label: z.string() }),
        output: z.void(),
        exec: async (nango, { label }) => {
          await nango.updateMetadata({ label });
          read = await nango.getMetadata();
        },
      }),
    });

    expect(await world.trigger('tag', { label: 'vip' })).toMatchObject({ outcome: { status: 'SUCCESS', output: null } });
    expect(read).toEqual({ region: 'eu', label: 'vip' });
    expect((await world.state.connections.find(PROVIDER, CONNECTION))!.metadata).toEqual({ region: 'eu', label: 'vip' });
  });

  it('releases the locks an execution took when it ends, so the next one can take them', async () => {
    const taken: boolean[] = [];
    const world = await makeActionWorld({
      exclusive: createAction({ description: 'x', input: z.void(), output: z.void(), exec: async (nango) => void taken.push(await nango.tryAcquireLock({ key: 'export', ttlMs: 60_000 })) }),
    });
    await world.trigger('exclusive', undefined);
    await world.trigger('exclusive', undefined);
    expect(taken).toEqual([true, true]);
  });

  it('marks the connection when the provider refuses to refresh its token, as a sync run does', async () => {
    const world = await makeActionWorld(
      { read: createAction({ description: 'x', input: z.void(), output: z.unknown(), exec: async (nango) => (await nango.get({ endpoint: '/me' })).data }) },
      { oauth: true, provider: (req) => (req.url.endsWith('/token') ? Response.json({ error: 'invalid_grant' }, { status: 400 }) : Response.json({ me: 1 })) },
    );

    expect(await world.trigger('read', undefined)).toMatchObject({ outcome: { status: 'ERROR', error: { type: 'script_internal_error', payload: { name: 'CredentialsRefreshError' } } } });

    expect((await world.state.connections.find(PROVIDER, CONNECTION))!.authError).toMatchObject({ type: 'auth', message: expect.stringMatching(/invalid_grant/) });
    expect(world.providerRequests.map((r) => new URL(r.url).pathname)).toEqual(['/token']);
    await expect(world.trigger('read', undefined)).rejects.toMatchObject({ status: 400, code: 'connection_auth_error' });
  });
});
