/**
 * `npm start`'s runtime end to end: DynamoDB Local on a data dir, the SQS emulator, the local
 * scheduler, the executor poller and the demo sandbox. The first run lands, a scheduled tick
 * picks up the sandbox's changes, and a restart keeps records and state.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SyncStatus } from '../../functions/engine/controls.js';
import { startLocalRuntime, type LocalRuntime } from '../../functions/local/runtime.js';
import { integrations } from '../../integrations/index.js';

const quiet = { log: () => undefined };
const contacts = { providerConfigKey: 'demo-crm', connectionId: 'demo', syncName: 'contacts' };

async function waitForStatus(runtime: LocalRuntime, predicate: (s: SyncStatus) => boolean, timeoutMs = 60_000): Promise<SyncStatus> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const status = await runtime.syncline.controls().status(contacts);
    if (predicate(status)) return status;
    if (Date.now() > until) throw new Error(`timed out; last status ${JSON.stringify(status)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('local runtime (npm start)', () => {
  let dataDir = '';
  let runtime: LocalRuntime | null = null;
  afterAll(async () => {
    await runtime?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('runs the demo, follows the schedule, and keeps everything across a restart', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'syncline-runtime-'));
    const start = () => startLocalRuntime({ dataDir, integrations, logger: quiet, demo: { tickMs: 1_000 }, executorConcurrency: 2 });
    runtime = await start();
    const startedAt = Date.now();

    const first = await waitForStatus(runtime, (s) => s.latestExecutionStatus === 'SUCCESS');
    expect(Date.now() - startedAt).toBeLessThan(90_000);
    expect(first.recordCount['Contact']).toBeGreaterThanOrEqual(120);
    const firstFinished = first.finishedAt;

    // A later scheduled tick, without waiting for it: the sandbox has changed meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await runtime.scheduler.tick(Date.now() + 120_000);
    const second = await waitForStatus(runtime, (s) => s.finishedAt !== firstFinished && s.latestExecutionStatus === 'SUCCESS');
    const changes = second.latestResult!['Contact']!;
    expect(changes.added).toBeGreaterThan(0);
    expect(changes.updated).toBeGreaterThan(0);
    expect(changes.deleted).toBeGreaterThan(0);
    const page = await runtime.syncline.records.list({ providerConfigKey: 'demo-crm', connectionId: 'demo', model: 'Contact' }, { limit: 10_000, filter: ['deleted'] });
    expect(page.records.length).toBe(changes.deleted);
    expect(page.records.every((r) => r.deletedAt !== null)).toBe(true);

    await runtime.stop();
    runtime = await start();
    const after = await runtime.syncline.controls().status(contacts);
    expect(after.recordCount).toEqual(second.recordCount);
    expect(after.finishedAt).toBe(second.finishedAt);
  }, 120_000);
});
