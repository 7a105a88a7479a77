/**
 * `npm start`'s runtime end to end: DynamoDB Local on a data dir, the SQS emulator, the local
 * scheduler, the executor poller and the demo sandbox. The first run lands, a scheduled tick
 * picks up the sandbox's changes, and a restart keeps records and state.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { SyncStatus } from '../../functions/engine/controls.js';
import { startLocalRuntime, type LocalRuntime } from '../../functions/local/runtime.js';
import { integrations } from '../../functions/discovery/project-integrations.js';
import { startReceiver, verifySignatures, type WebhookReceiver } from '../support/webhook-receiver.js';

const quiet = { log: () => undefined };
const contacts = { providerConfigKey: 'demo-crm', connectionId: 'demo', syncName: 'contacts' };

function waitForStatus(runtime: LocalRuntime, predicate: (s: SyncStatus) => boolean, timeoutMs = 60_000): Promise<SyncStatus> {
  return vi.waitFor(
    async () => {
      const status = await runtime.syncline.controls().status(contacts);
      if (!predicate(status)) throw new Error(`timed out; last status ${JSON.stringify(status)}`);
      return status;
    },
    { timeout: timeoutMs, interval: 100 },
  );
}

describe('local runtime (npm start)', () => {
  let dataDir = '';
  let runtime: LocalRuntime | null = null;
  let receiver: WebhookReceiver | null = null;
  afterAll(async () => {
    await runtime?.stop();
    await receiver?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('runs the demo, follows the schedule, and keeps everything across a restart', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'syncline-runtime-'));
    const secretKey = 'sk_local_test_key_0123456789';
    const start = () => startLocalRuntime({ dataDir, integrations, logger: quiet, demo: { tickMs: 1_000 }, executorConcurrency: 2, apiPort: 0, secretKey });
    runtime = await start();
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${runtime!.api!.url}${path}`, {
        ...init,
        headers: { Authorization: `Bearer ${secretKey}`, 'Connection-Id': 'demo', 'Provider-Config-Key': 'demo-crm', 'Content-Type': 'application/json', ...init.headers },
      });
    const startedAt = Date.now();

    const first = await waitForStatus(runtime, (s) => s.latestExecutionStatus === 'SUCCESS');
    expect(Date.now() - startedAt).toBeLessThan(90_000);
    expect(first.recordCount['Contact']).toBeGreaterThanOrEqual(120);
    const firstFinished = first.finishedAt;

    // A client of the HTTP API, as written against Nango's reference, pages through the records
    // (once the visibility lag after the run has passed).
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const ids = new Set<string>();
    let cursor: string | null = null;
    do {
      const response = await api(`/records?model=Contact&limit=50${cursor ? `&cursor=${cursor}` : ''}`);
      expect(response.status).toBe(200);
      const page = (await response.json()) as { records: { id: string }[]; next_cursor: string | null };
      for (const r of page.records) ids.add(r.id);
      cursor = page.next_cursor;
    } while (cursor);
    expect(ids.size).toBe(first.recordCount['Contact']);

    // A receiver on 127.0.0.1 subscribes; the next run's webhook arrives signed, within 5 s of the run's end.
    receiver = await startReceiver();
    const subscribed = await api('/webhooks/subscriptions', { method: 'POST', body: JSON.stringify({ url: receiver.url, events: ['sync.success'] }) });
    expect(subscribed.status).toBe(201);
    const { secret } = (await subscribed.json()) as { secret: string };

    // A later scheduled tick, without waiting for it: the sandbox has changed meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await runtime.scheduler.tick(Date.now() + 120_000);
    const second = await waitForStatus(runtime, (s) => s.finishedAt !== firstFinished && s.latestExecutionStatus === 'SUCCESS');
    const { received } = receiver;
    const webhook = await vi.waitFor(
      () => {
        const found = received.find((w) => w.json.model === 'Contact');
        if (!found) throw new Error('no Contact webhook received yet');
        return found;
      },
      { timeout: 10_000, interval: 20 },
    );
    expect(Date.now() - Date.parse(second.finishedAt!)).toBeLessThan(5_000);
    expect(receiver.received.filter((w) => w.json.model === 'Contact')).toHaveLength(1);
    expect(verifySignatures(webhook, secret)).toEqual({ hmac: true, legacy: true, standard: true });
    expect(webhook.json).toMatchObject({
      type: 'sync',
      connectionId: 'demo',
      providerConfigKey: 'demo-crm',
      syncName: 'contacts',
      model: 'Contact',
      success: true,
      responseResults: second.latestResult!['Contact'],
    });
    // Fetching from the payload's modifiedAfter returns exactly what the run changed.
    const changed = await api(`/records?model=Contact&limit=1000&modified_after=${encodeURIComponent(webhook.json.modifiedAfter)}`);
    const changedRecords = ((await changed.json()) as { records: { _nango_metadata: { last_action: string } }[] }).records;
    const counted = second.latestResult!['Contact']!;
    expect(changedRecords).toHaveLength(counted.added + counted.updated + counted.deleted);
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
