/**
 * Scripts' named locks (`nango.tryAcquireLock`, `releaseLock`, `releaseAllLocks`): one holder
 * per key on a connection, re-entrant for the run that holds it, gone when it expires or when
 * the run ends — however it ends — but kept across the run's own continuations.
 */
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { SdkUsageError } from '../../../functions/engine/errors.js';
import { newRun } from '../../../functions/engine/model/run.js';
import { MAX_LOCK_TTL_MS } from '../../../functions/engine/runner/run-locks.js';
import type { NangoSync } from '../../../functions/engine/sdk/nango-sync-types.js';
import { createSync } from '../../../functions/engine/sync-definition.js';
import { CONNECTION, makeMemoryEngine, PROVIDER } from '../../support/memory-engine.js';
import { makeSessionWorld } from '../../support/memory-session.js';

const scope = { providerConfigKey: PROVIDER, connectionId: CONNECTION };

describe('tryAcquireLock / releaseLock', () => {
  it('gives a key to one run at a time on a connection, re-entrantly, until released', async () => {
    const world = makeSessionWorld();
    const first = await world.open({ runId: 'r-1' });
    const second = await world.open({ runId: 'r-2', syncName: 'other' });

    expect(await first.tryAcquireLock({ key: 'export', ttlMs: 60_000 })).toBe(true);
    expect(await second.tryAcquireLock({ key: 'export', ttlMs: 60_000 })).toBe(false);
    expect(await first.tryAcquireLock({ key: 'export', ttlMs: 60_000 })).toBe(true);
    expect(await second.tryAcquireLock({ key: 'another-key', ttlMs: 60_000 })).toBe(true);

    expect(await second.releaseLock({ key: 'export' })).toBe(false); // not its lock
    expect(await first.releaseLock({ key: 'export' })).toBe(true);
    expect(await first.releaseLock({ key: 'export' })).toBe(false); // released already
    expect(await second.tryAcquireLock({ key: 'export', ttlMs: 60_000 })).toBe(true);
  });

  it('lets another run take a lock once it has expired; taking it again extends it', async () => {
    const world = makeSessionWorld();
    const first = await world.open({ runId: 'r-1' });
    const second = await world.open({ runId: 'r-2', syncName: 'other' });

    await first.tryAcquireLock({ key: 'k', ttlMs: 10_000 });
    world.clock.advance(8_000);
    expect(await first.tryAcquireLock({ key: 'k', ttlMs: 10_000 })).toBe(true); // now held until 18 s
    world.clock.advance(9_999);
    expect(await second.tryAcquireLock({ key: 'k', ttlMs: 10_000 })).toBe(false);
    world.clock.advance(1);
    expect(await second.tryAcquireLock({ key: 'k', ttlMs: 10_000 })).toBe(true);
    expect(await first.releaseLock({ key: 'k' })).toBe(false); // its lock expired and was taken
    expect(world.state.locks.holders(scope, world.clock.now())).toEqual(new Map([['k', 'r-2']]));
  });

  it('scopes locks to the connection', async () => {
    const world = makeSessionWorld();
    const acme = await world.open({ runId: 'r-1' });
    const globex = await world.open({ runId: 'r-2', connectionId: 'globex' });

    expect(await acme.tryAcquireLock({ key: 'k', ttlMs: 1_000 })).toBe(true);
    expect(await globex.tryAcquireLock({ key: 'k', ttlMs: 1_000 })).toBe(true);
  });

  it('releases every lock of the run with releaseAllLocks, and only the run’s', async () => {
    const world = makeSessionWorld();
    const first = await world.open({ runId: 'r-1' });
    const second = await world.open({ runId: 'r-2', syncName: 'other' });
    await first.tryAcquireLock({ key: 'a', ttlMs: 60_000 });
    await first.tryAcquireLock({ key: 'b', ttlMs: 60_000 });
    await second.tryAcquireLock({ key: 'c', ttlMs: 60_000 });

    await first.releaseAllLocks();

    expect(world.state.locks.holders(scope, world.clock.now())).toEqual(new Map([['c', 'r-2']]));
  });

  it('works without a shared lock store (a dry run), binding only the run itself', async () => {
    const world = makeSessionWorld();
    const session = await world.open({ withoutLockRepo: true });

    expect(await session.tryAcquireLock({ key: 'k', ttlMs: 1_000 })).toBe(true);
    expect(await session.releaseLock({ key: 'k' })).toBe(true);
    expect(world.state.locks.holders(scope, world.clock.now()).size).toBe(0);
  });

  it.each([
    [{ key: '', ttlMs: 1_000 }, 'tryAcquireLock: key: must not be empty'],
    [{ key: 'x'.repeat(256), ttlMs: 1_000 }, 'tryAcquireLock: key: must be at most 255 characters'],
    [{ key: 7, ttlMs: 1_000 }, 'tryAcquireLock: key: must be a string'],
    [{ key: 'k' }, 'tryAcquireLock: ttlMs: must be a number of milliseconds'],
    [{ key: 'k', ttlMs: 0 }, 'tryAcquireLock: ttlMs: must be positive'],
    [{ key: 'k', ttlMs: -5 }, 'tryAcquireLock: ttlMs: must be positive'],
    [{ key: 'k', ttlMs: 1.5 }, 'tryAcquireLock: ttlMs: must be a whole number of milliseconds'],
    [{ key: 'k', ttlMs: MAX_LOCK_TTL_MS + 1 }, 'tryAcquireLock: ttlMs: must be at most 3600000 (one hour)'],
    ['k', 'tryAcquireLock expects an object { key, ttlMs }'],
  ])('refuses %j with a usage error', async (options, message) => {
    const world = makeSessionWorld();
    const session = await world.open();
    const call = session.tryAcquireLock(options as { key: string; ttlMs: number });
    await expect(call).rejects.toThrow(SdkUsageError);
    await expect(session.tryAcquireLock(options as { key: string; ttlMs: number })).rejects.toThrow(message);
  });

  it('accepts the longest key and ttl', async () => {
    const world = makeSessionWorld();
    const session = await world.open();
    expect(await session.tryAcquireLock({ key: 'x'.repeat(255), ttlMs: MAX_LOCK_TTL_MS })).toBe(true);
  });

  it.each([
    [{ key: '' }, 'releaseLock: key: must not be empty'],
    [null, 'releaseLock expects an object { key }'],
  ])('refuses releaseLock(%j) with a usage error', async (options, message) => {
    const world = makeSessionWorld();
    const session = await world.open();
    await expect(session.releaseLock(options as { key: string })).rejects.toThrow(message);
  });
});

describe('at the end of a run', () => {
  const Lockable = z.object({ id: z.string() });
  type Engine = ReturnType<typeof makeMemoryEngine>;
  /** An engine with a `locker` sync whose script takes `k`, then does what the test says. */
  function engineWithLocker(then: (nango: NangoSync, engine: Engine) => Promise<void> = async () => undefined) {
    const engine: Engine = makeMemoryEngine(
      {},
      {},
      {
        locker: createSync({
          frequency: 'every hour',
          autoStart: true,
          models: { Lockable },
          exec: async (nango) => {
            if (!(await nango.tryAcquireLock({ key: 'k', ttlMs: 60 * 60_000 }))) throw new Error('lock busy');
            await then(nango as unknown as NangoSync, engine);
          },
        }),
      },
    );
    const held = () => engine.state.locks.holders(scope, engine.clock.now());
    return { engine, held };
  }

  it('releases the run’s locks when it succeeds', async () => {
    const { engine, held } = engineWithLocker();
    expect(await engine.run('locker')).toMatchObject({ kind: 'FINISHED', run: { status: 'SUCCESS' } });
    expect(held().size).toBe(0);
  });

  it('releases them when the script fails', async () => {
    const { engine, held } = engineWithLocker(async () => {
      throw new Error('boom');
    });
    expect(await engine.run('locker')).toMatchObject({ kind: 'FINISHED', run: { status: 'ERROR' } });
    expect(held().size).toBe(0);
  });

  it('releases them when the run is cancelled while it runs', async () => {
    const { engine, held } = engineWithLocker(async (nango, engine) => {
      const [run] = await engine.state.runs.list(engine.key('locker'), 1);
      expect(await engine.state.runs.cancel(engine.key('locker'), run!.runId, 'cancelled by request', engine.clock.now())).toBe(true);
      expect(held().size).toBe(1);
      engine.clock.advance(10_000); // the next SDK call renews the lease, and finds it gone
      await nango.getCheckpoint();
    });
    expect(await engine.run('locker')).toMatchObject({ kind: 'STOPPED' });
    expect(held().size).toBe(0);
  });

  it('releases them when the continuation of a run cancelled between two invocations arrives', async () => {
    const { engine, held } = engineWithLocker(async (nango, engine) => {
      engine.clock.advance(2_000);
      await nango.getCheckpoint(); // past the deadline: hands over
    });
    expect(await engine.run('locker', { runId: 'r-1', deadline: engine.clock.now() + 1_000 })).toEqual({ kind: 'CONTINUE', runId: 'r-1' });
    expect(held()).toEqual(new Map([['k', 'r-1']]));
    expect(await engine.state.runs.cancel(engine.key('locker'), 'r-1', 'cancelled by request', engine.clock.now())).toBe(true);

    expect(await engine.run('locker', { runId: 'r-1', trigger: 'CONTINUATION' })).toEqual({ kind: 'DUPLICATE', runId: 'r-1' });
    expect(held().size).toBe(0);
  });

  it('releases the locks of a run whose executor died, when the next run takes over', async () => {
    const { engine, held } = engineWithLocker(async () => {
      throw new Error('never returns');
    });
    const key = engine.key('locker');
    await engine.state.connectionSyncs.ensure(key, { enabled: true });
    const now = engine.clock.now();
    await engine.state.connectionSyncs.acquireLease(key, { runId: 'dead', owner: 'dead-lambda', expiresAt: now + 1_000 }, now);
    await engine.state.runs.create(newRun({ ...key, runId: 'dead', trigger: 'MANUAL', type: 'INITIAL', startedAt: now }));
    await engine.state.locks.tryAcquire(scope, 'k', 'dead', now + 60 * 60_000, now);
    engine.clock.advance(2_000);

    const outcome = await engine.run('locker');

    expect(outcome).toMatchObject({ kind: 'FINISHED', run: { status: 'ERROR', error: { message: 'never returns' } } }); // it got the lock
    expect(await engine.state.runs.get(key, 'dead')).toMatchObject({ status: 'ERROR', error: { type: 'abandoned' } });
    expect(held().size).toBe(0);
  });

  it('keeps them across the run’s continuations, and releases them when the run ends', async () => {
    const engine = makeMemoryEngine(
      { deadlineMarginMs: 0 },
      {},
      {
        locker: createSync({
          frequency: 'every hour',
          autoStart: true,
          models: { Lockable },
          exec: async (nango) => {
            const page = Number((await nango.getCheckpoint())?.['page'] ?? 0);
            if (page === 0 && !(await nango.tryAcquireLock({ key: 'k', ttlMs: 60 * 60_000 }))) throw new Error('lock busy');
            for (let next = page + 1; next <= 3; next++) {
              engine.clock.advance(1_000);
              await nango.saveCheckpoint({ page: next });
            }
          },
        }),
      },
    );
    const held = () => engine.state.locks.holders(scope, engine.clock.now());
    const seen: number[] = [];
    const first = await engine.run('locker', { runId: 'r-1', deadline: engine.clock.now() + 1_500 });
    expect(first).toEqual({ kind: 'CONTINUE', runId: 'r-1' });
    seen.push(held().size);

    let outcome = first;
    while (outcome.kind === 'CONTINUE') outcome = await engine.run('locker', { runId: 'r-1', trigger: 'CONTINUATION', deadline: engine.clock.now() + 1_500 });

    expect(seen).toEqual([1]);
    expect(outcome).toMatchObject({ kind: 'FINISHED', run: { status: 'SUCCESS', invocations: expect.any(Number) } });
    expect(held().size).toBe(0);
  });
});
