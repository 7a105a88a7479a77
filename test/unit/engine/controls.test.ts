import { describe, expect, it } from 'vitest';
import { SyncControls } from '../../../functions/engine/controls.js';
import { makeMemoryEngine } from '../../support/memory-engine.js';
import { MemoryScheduler } from '../../support/memory-scheduler.js';

describe('sync controls', () => {
  it('refuse to accept a mass deletion for a sync that is running, where the one-run acceptance would be dropped', async () => {
    const engine = makeMemoryEngine();
    const controls = new SyncControls({ ...engine.deps, queue: engine.queue, scheduler: new MemoryScheduler() });
    const key = engine.key('contacts');
    await engine.state.connectionSyncs.ensure(key, { enabled: true });
    await engine.state.connectionSyncs.acquireLease(key, { runId: 'r-running', owner: 'o', expiresAt: engine.clock.now() + 60_000 }, engine.clock.now());

    await expect(controls.trigger([key], { acceptMassDeletion: true })).rejects.toThrow(/running .*accept its deletions once it has finished/);
    expect(engine.queue.messages).toEqual([]);

    await engine.state.connectionSyncs.releaseLease(key, { runId: 'r-running', owner: 'o', expiresAt: 0 });
    await controls.trigger([key], { acceptMassDeletion: true });
    expect(engine.queue.messages).toMatchObject([{ syncName: 'contacts', acceptMassDeletion: true }]);
  });
});
