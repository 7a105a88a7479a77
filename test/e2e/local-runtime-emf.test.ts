/**
 * `npm start` shows what CloudWatch would get: the demo's first run, finished by the local
 * executor, prints EMF lines under the executor's service name, with the run's counts and the
 * per-integration detail (and no connection id).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { integrations } from '../../functions/discovery/project-integrations.js';
import { startLocalRuntime, type LocalRuntime } from '../../functions/local/runtime.js';

const quiet = { log: () => undefined };

describe('local runtime EMF lines', () => {
  let dataDir = '';
  let runtime: LocalRuntime | null = null;
  afterAll(async () => {
    await runtime?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('prints the EMF lines of the demo run', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'syncline-emf-'));
    const lines: string[] = [];
    runtime = await startLocalRuntime({ dataDir, integrations, logger: quiet, demo: { tickMs: 1_000 }, emf: (line) => lines.push(line) });
    const blobs = () => lines.map((line) => JSON.parse(line) as Record<string, unknown> & { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] } });

    const finished = await vi.waitFor(
      () => {
        const found = blobs().find((b) => b['service'] === 'syncline-executor' && b['RunsFinished'] !== undefined && b['integration'] === undefined);
        if (!found) throw new Error(`no finished run yet; lines: ${lines.length}`);
        return found;
      },
      { timeout: 90_000, interval: 200 },
    );

    expect(finished._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'Syncline', Dimensions: [['service']] });
    expect(finished).toMatchObject({ RunsFinished: 1, RunsSucceeded: 1 });
    expect(finished['RecordsAdded']).toBeGreaterThan(0);
    const detail = blobs().find((b) => b['service'] === 'syncline-executor' && b['status'] === 'SUCCESS');
    expect(detail).toMatchObject({ integration: 'demo-crm', RunsFinished: 1 });
    expect(lines.join('\n')).not.toContain('"demo"');
  }, 120_000);
});
