/**
 * Nango's own Node client (`@nangohq/node`, pinned) pointed at `npm start`'s runtime, unchanged:
 * every call that concerns records, syncs, connections and metadata, the way an application
 * written for Nango makes it. A webhook receiver written to Nango's types verifies the signature
 * with the client's `verifyIncomingWebhookRequest` and reads the body as `NangoSyncWebhookBody`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Nango } from '@nangohq/node';
import type { NangoSyncWebhookBody } from '@nangohq/types';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startLocalRuntime, type LocalRuntime } from '../../functions/local/runtime.js';
import demoCrm from '../../integrations/demo-crm/index.js';
import { startReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const SECRET_KEY = 'sk_nango_client_e2e_0123456789abcdef';
const PCK = 'demo-crm';
const CONN = 'demo';
const quiet = { log: () => undefined };

let dataDir = '';
let runtime: LocalRuntime;
let receiver: WebhookReceiver;
let nango: Nango;

/** A Nango client error as axios reports it: the HTTP status and Syncline's error body. */
async function failure(call: Promise<unknown>): Promise<{ status: number; body: any }> {
  try {
    await call;
  } catch (error) {
    const response = (error as { response?: { status: number; data: unknown } }).response;
    if (response) return { status: response.status, body: response.data };
    throw error;
  }
  throw new Error('expected the call to fail');
}

async function statusOf(sync: string | { name: string; variant: string }) {
  const { syncs } = await nango.syncStatus(PCK, [sync], CONN);
  expect(syncs).toHaveLength(1);
  // Syncline's status also has Nango's `latestExecutionStatus` and `variant`, which this client version does not type.
  return syncs[0]! as (typeof syncs)[number] & { variant?: string; latestExecutionStatus?: string | null };
}

/** Waits for a sync's status to satisfy `predicate` (runs are real: queue poller, executor, sandbox). */
function waitForStatus(sync: string | { name: string; variant: string }, predicate: (s: Awaited<ReturnType<typeof statusOf>>) => boolean, timeout = 60_000) {
  return vi.waitFor(
    async () => {
      const status = await statusOf(sync);
      if (!predicate(status)) throw new Error(`still waiting; status ${JSON.stringify(status)}`);
      return status;
    },
    { timeout, interval: 200 },
  );
}

async function allRecords(config: { model: string; filter?: any; modifiedAfter?: string; variant?: string; limit?: number }) {
  const records: any[] = [];
  let cursor: string | null = null;
  do {
    const page: { records: any[]; next_cursor: string | null } = await nango.listRecords({
      providerConfigKey: PCK,
      connectionId: CONN,
      limit: config.limit ?? 100,
      ...config,
      ...(cursor ? { cursor } : {}),
    });
    records.push(...page.records);
    cursor = page.next_cursor;
  } while (cursor);
  return records;
}

/** The records API trails a writing sync by the visibility lag (2 s); wait it out. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 2_200));

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'syncline-nango-client-'));
  receiver = await startReceiver();
  runtime = await startLocalRuntime({ dataDir, integrations: [demoCrm], logger: quiet, demo: { tickMs: 1_000 }, executorConcurrency: 2, apiPort: 0, secretKey: SECRET_KEY });
  // Never the default host (api.nango.dev): every call goes to the local API on 127.0.0.1.
  nango = new Nango({ secretKey: SECRET_KEY, host: runtime.api!.url });
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
  await receiver?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('@nangohq/node against npm start', () => {
  it('reads records with every filter the client offers', async () => {
    const first = await waitForStatus('contacts', (s) => s.latestExecutionStatus === 'SUCCESS');
    await settle();
    const all = await allRecords({ model: 'Contact', limit: 37 });
    expect(all.length).toBe(first.recordCount['Contact']);
    expect(new Set(all.map((r) => r.id)).size).toBe(all.length);
    expect(all[0]._nango_metadata).toMatchObject({ last_action: expect.any(String), cursor: expect.any(String) });

    // Upper case, lower case and combined filters, as the client's types allow them.
    const added = await allRecords({ model: 'Contact', filter: 'ADDED' });
    expect(added.length).toBeGreaterThan(0);
    expect(added.every((r) => r._nango_metadata.last_action === 'ADDED')).toBe(true);
    expect((await allRecords({ model: 'Contact', filter: 'added' })).length).toBe(added.length);
    const addedOrUpdated = await allRecords({ model: 'Contact', filter: 'ADDED,updated' });
    expect(addedOrUpdated.every((r) => ['ADDED', 'UPDATED'].includes(r._nango_metadata.last_action))).toBe(true);

    // modifiedAfter and ids.
    const last = all[all.length - 1];
    const after = await allRecords({ model: 'Contact', modifiedAfter: last._nango_metadata.last_modified_at });
    expect(after.map((r) => r.id)).toContain(last.id);
    const byIds = await nango.listRecords({ providerConfigKey: PCK, connectionId: CONN, model: 'Contact', ids: [all[0].id, all[1].id] });
    expect(byIds.records.map((r) => r.id).sort()).toEqual([all[0].id, all[1].id].sort());
  }, 90_000);

  it('reads, sets and updates metadata, and reads the connection with its credentials', async () => {
    expect(await nango.getMetadata(PCK, CONN)).toEqual({});
    await nango.setMetadata(PCK, CONN, { region: 'eu', teams: ['a'] });
    await nango.updateMetadata(PCK, CONN, { teams: ['b'] });
    expect(await nango.getMetadata(PCK, CONN)).toEqual({ region: 'eu', teams: ['b'] });

    const connection = await nango.getConnection(PCK, CONN);
    expect(connection).toMatchObject({
      connection_id: CONN,
      provider_config_key: PCK,
      metadata: { region: 'eu', teams: ['b'] },
      credentials: { type: 'API_KEY', apiKey: expect.stringMatching(/^demo_/) },
    });
    const token = await nango.getToken(PCK, CONN);
    expect(token).toMatchObject({ type: 'API_KEY', apiKey: (connection.credentials as { apiKey: string }).apiKey });
  });

  it('lists, filters, tags and deletes connections', async () => {
    // A second connection, imported with tags the way Nango's upsert takes them.
    const imported = await fetch(`${runtime.api!.url}/connections`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${SECRET_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        provider_config_key: PCK,
        connection_id: 'second',
        credentials: { type: 'API_KEY', apiKey: 'demo_second_key' },
        connection_config: { baseUrl: runtime.sandbox!.url },
        tags: { End_User_Id: 'user-42', plan: 'pro' },
      }),
    });
    expect(imported.status).toBe(201);

    const listed = await nango.listConnections();
    expect(listed.connections.map((c) => c.connection_id).sort()).toEqual([CONN, 'second']);
    const second = listed.connections.find((c) => c.connection_id === 'second')!;
    expect(second).toMatchObject({ id: expect.any(Number), provider_config_key: PCK, tags: { end_user_id: 'user-42', plan: 'pro' }, errors: [] });

    expect((await nango.listConnections({ integrationId: PCK, limit: 10 })).connections).toHaveLength(2);
    expect((await nango.listConnections({ integrationId: 'other-integration' })).connections).toHaveLength(0);
    expect((await nango.listConnections({ tags: { plan: 'pro' } })).connections.map((c) => c.connection_id)).toEqual(['second']);
    expect((await nango.listConnections({ userId: 'user-42' })).connections.map((c) => c.connection_id)).toEqual(['second']);
    expect((await nango.listConnections('second')).connections).toHaveLength(1);
    expect((await nango.listConnections(undefined, 'secon')).connections.map((c) => c.connection_id)).toEqual(['second']);

    await nango.patchConnection({ connectionId: CONN, provider_config_key: PCK }, { tags: { plan: 'free' } });
    expect((await nango.getConnection(PCK, CONN)).tags).toEqual({ plan: 'free' });
    expect((await nango.listConnections({ tags: { plan: 'free' } })).connections.map((c) => c.connection_id)).toEqual([CONN]);

    await nango.deleteConnection(PCK, 'second');
    expect((await nango.listConnections()).connections.map((c) => c.connection_id)).toEqual([CONN]);
    expect((await failure(nango.getConnection(PCK, 'second'))).status).toBe(404);
  });

  it('gives a restricted key no secrets and a 403 outside its scopes', async () => {
    const created = await fetch(`${runtime.api!.url}/api-keys`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${SECRET_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'reader', scopes: ['records:read', 'connections:read'] }),
    });
    expect(created.status).toBe(201);
    const { secret } = (await created.json()) as { secret: string };
    const reader = new Nango({ secretKey: secret, host: runtime.api!.url });

    expect((await reader.listRecords({ providerConfigKey: PCK, connectionId: CONN, model: 'Contact', limit: 1 })).records).toHaveLength(1);
    const connection = await reader.getConnection(PCK, CONN);
    expect(connection.credentials).toEqual({ type: 'API_KEY' });
    expect(JSON.stringify(connection)).not.toMatch(/demo_[0-9a-f]{8}/);
    // getToken is getConnection underneath: a restricted key gets the type, never the secret (as on Nango)…
    expect(await reader.getToken(PCK, CONN)).toEqual({ type: 'API_KEY' });
    // …and asking for a fresh token is refused.
    expect(await failure(reader.getConnection(PCK, CONN, true))).toMatchObject({ status: 403 });
    expect(await failure(reader.setMetadata(PCK, CONN, { x: 1 }))).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    expect(await failure(reader.triggerSync(PCK, ['contacts'], CONN))).toMatchObject({ status: 403 });
    expect(await failure(reader.deleteConnection(PCK, CONN))).toMatchObject({ status: 403 });
  });

  it('pauses, starts (running at once), triggers, resets and re-rates syncs', async () => {
    await nango.pauseSync(PCK, ['notes'], CONN);
    expect((await statusOf('notes')).status).toBe('PAUSED');

    const before = (await statusOf('notes')).finishedAt;
    await nango.startSync(PCK, ['notes'], CONN);
    // Started syncs run now, not one interval later.
    await waitForStatus('notes', (s) => s.finishedAt !== before && s.latestExecutionStatus === 'SUCCESS', 30_000);

    const beforeTrigger = (await statusOf('notes')).finishedAt;
    await nango.triggerSync(PCK, ['notes'], CONN);
    await waitForStatus('notes', (s) => s.finishedAt !== beforeTrigger && s.latestExecutionStatus === 'SUCCESS', 30_000);

    const beforeReset = (await statusOf('notes')).finishedAt;
    await nango.triggerSync(PCK, [{ name: 'notes', variant: 'base' }], CONN, { reset: true });
    const reset = await waitForStatus('notes', (s) => s.finishedAt !== beforeReset && s.latestExecutionStatus === 'SUCCESS', 30_000);
    expect(reset.type).toBe('INITIAL');

    expect(await nango.updateSyncConnectionFrequency(PCK, 'notes', CONN, 'every 2 hours')).toEqual({ frequency: 'every 2 hours' });
    expect((await statusOf('notes')).frequency).toBe('every 2 hours');
    expect(await nango.updateSyncConnectionFrequency(PCK, { name: 'notes', variant: 'base' }, CONN, null)).toEqual({ frequency: 'every minute' });
    expect((await failure(nango.updateSyncConnectionFrequency(PCK, 'notes', CONN, 'every 10 seconds'))).status).toBe(400);
  }, 90_000);

  it('creates a sync variant that runs and stores its own records, and deletes it', async () => {
    const created = await nango.createSyncVariant({ provider_config_key: PCK, connection_id: CONN, name: 'notes', variant: 'archive' });
    expect(created).toMatchObject({ name: 'notes', variant: 'archive', id: expect.any(String) });
    expect(await failure(nango.createSyncVariant({ provider_config_key: PCK, connection_id: CONN, name: 'notes', variant: 'base' }))).toMatchObject({ status: 400 });

    const variant = { name: 'notes', variant: 'archive' };
    const status = await waitForStatus(variant, (s) => s.latestExecutionStatus === 'SUCCESS', 30_000);
    expect(status.variant).toBe('archive');
    const all = (await nango.syncStatus(PCK, '*', CONN)).syncs as { name: string; variant?: string }[];
    expect(all.map((s) => `${s.name}::${s.variant}`).sort()).toEqual(['contacts::base', 'notes::archive', 'notes::base']);

    await settle();
    const archived = await allRecords({ model: 'Note', variant: 'archive' });
    expect(archived.length).toBe(status.recordCount['Note']);
    expect(archived.length).toBeGreaterThan(0);

    await nango.deleteSyncVariant({ provider_config_key: PCK, connection_id: CONN, name: 'notes', variant: 'archive' });
    expect((await failure(nango.listRecords({ providerConfigKey: PCK, connectionId: CONN, model: 'Note', variant: 'archive' }))).status).toBe(404);
    expect((await nango.syncStatus(PCK, '*', CONN)).syncs).toHaveLength(2);
  }, 60_000);

  it('prunes record payloads up to a cursor and lists the scripts config', async () => {
    await settle();
    const notes = await allRecords({ model: 'Note' });
    const until = notes[Math.min(4, notes.length - 1)]._nango_metadata.cursor;
    const pruned = await nango.pruneRecords({ providerConfigKey: PCK, connectionId: CONN, model: 'Note', untilCursor: until, limit: 1_000 });
    expect(pruned).toEqual({ count: Math.min(5, notes.length), has_more: false });
    const after = await allRecords({ model: 'Note' });
    expect(after.filter((r) => r._nango_metadata.pruned_at).length).toBe(pruned.count);

    const config = (await nango.getScriptsConfig()) as any[];
    const demo = config.find((c) => c.providerConfigKey === PCK);
    expect(demo.syncs.map((s: { name: string }) => s.name).sort()).toEqual(['contacts', 'notes']);
    expect(demo.syncs.find((s: { name: string }) => s.name === 'contacts')).toMatchObject({ type: 'sync', returns: ['Contact'], runs: 'every minute' });
  });

  it('sends webhooks a Nango receiver verifies and reads unchanged', async () => {
    const subscribed = await fetch(`${runtime.api!.url}/webhooks/subscriptions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${SECRET_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: receiver.url }),
    });
    expect(subscribed.status).toBe(201);
    const { secret } = (await subscribed.json()) as { secret: string };
    const verifier = new Nango({ secretKey: SECRET_KEY, webhookSigningKey: secret, host: runtime.api!.url });

    await nango.triggerSync(PCK, ['contacts'], CONN);
    const [webhook] = await receiver.waitFor(1, 60_000);
    expect(verifier.verifyIncomingWebhookRequest(webhook!.body, webhook!.headers as Record<string, unknown>)).toBe(true);
    const body = webhook!.json as NangoSyncWebhookBody;
    expect(body).toMatchObject({ type: 'sync', connectionId: CONN, providerConfigKey: PCK, syncVariant: 'base' });
    if (body.success) {
      expect(body.responseResults).toMatchObject({ added: expect.any(Number), updated: expect.any(Number) });
      // The receiver fetches what changed from modifiedAfter, as Nango's docs say.
      await settle();
      const changed = await allRecords({ model: body.model, modifiedAfter: body.modifiedAfter });
      expect(changed.length).toBeGreaterThanOrEqual(body.responseResults.added + body.responseResults.updated);
    } else {
      throw new Error(`unexpected error webhook: ${JSON.stringify(body.error)}`);
    }
  }, 90_000);
});
