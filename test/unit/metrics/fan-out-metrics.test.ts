/**
 * The fan-out's health metrics: the oldest running run's age and the runs RUNNING longer than
 * their sync's expected duration (its period, at least 15 minutes), per integration and sync.
 */
import { describe, expect, it } from 'vitest';
import { fanOut } from '../../../functions/engine/orchestration/fan-out.js';
import { makeMemoryEngine, PROVIDER } from '../../support/memory-engine.js';
import { MemoryMetrics } from '../../support/memory-metrics.js';

const HOUR = 3_600_000;

async function startHangingRun() {
  const engine = makeMemoryEngine();
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  engine.source.exec = async () => {
    started();
    await held;
  };
  const run = engine.run('scripted');
  await running;
  return { engine, run, release };
}

describe('fan-out metrics', () => {
  it('reports the running run age and counts it stuck past the sync period', async () => {
    const { engine, run, release } = await startHangingRun();
    const metrics = new MemoryMetrics();
    engine.clock.advance(2 * HOUR);

    await fanOut({ ...engine.deps, metrics }, { integration: PROVIDER, sync: 'scripted', scheduledAt: new Date(engine.clock.now()).toISOString() });
    release();
    await run;

    const detail = { integration: PROVIDER, sync: 'scripted' };
    expect(metrics.named('OldestRunningRunAgeSeconds')).toEqual([{ name: 'OldestRunningRunAgeSeconds', unit: 'Seconds', value: 2 * 3600, detail }]);
    expect(metrics.named('StuckRuns')).toEqual([{ name: 'StuckRuns', unit: 'Count', value: 1, detail }]);
  });

  it('does not count a run within its expected duration as stuck', async () => {
    const { engine, run, release } = await startHangingRun();
    const metrics = new MemoryMetrics();
    engine.clock.advance(10 * 60_000);

    await fanOut({ ...engine.deps, metrics }, { integration: PROVIDER, sync: 'scripted', scheduledAt: new Date(engine.clock.now()).toISOString() });
    release();
    await run;

    expect(metrics.total('OldestRunningRunAgeSeconds')).toBe(600);
    expect(metrics.total('StuckRuns')).toBe(0);
  });

  it('reports zero for a sync with nothing running', async () => {
    const engine = makeMemoryEngine();
    const metrics = new MemoryMetrics();

    await fanOut({ ...engine.deps, metrics }, { integration: PROVIDER, sync: 'contacts', scheduledAt: new Date(engine.clock.now()).toISOString() });

    expect(metrics.named('OldestRunningRunAgeSeconds').map((m) => m.value)).toEqual([0]);
    expect(metrics.named('StuckRuns').map((m) => m.value)).toEqual([0]);
  });
});
