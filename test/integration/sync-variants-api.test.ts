/**
 * Sync variants and the documented sync controls over real HTTP, against DynamoDB Local: a
 * variant is created, runs, shows in the status and keeps its records in its own partition,
 * then is deleted with them; `start` runs a sync at once; a reset of a running sync cancels it
 * first. The demo CRM integration plus a small one whose script reads `nango.variant`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeOverrideReader } from '../../functions/adapters/dynamodb/override-reader.js';
import { defineIntegration } from '../../functions/engine/integration.js';
import { newRun } from '../../functions/engine/model/run.js';
import type { RecordPartition } from '../../functions/engine/ports.js';
import type { NangoSync } from '../../functions/engine/sdk/nango-sync-types.js';
import { MAX_VARIANT_LENGTH } from '../../functions/engine/state-ports.js';
import { createSync } from '../../functions/engine/sync-definition.js';
import { recordPartition } from '../../functions/engine/sync-keys.js';
import { SANDBOX_KEY, startApiKit, VISIBILITY_LAG_MS, type ApiKit } from '../support/api-kit.js';
import { ContactSchema } from '../support/contacts.js';
import { useDynamo } from '../support/dynamo.js';

const PCK = 'demo-crm';
const CONN = 'acme';
const BOARDS = 'boards';

/** What the `boards` script does; tests replace it. */
let boardsExec: (nango: NangoSync) => Promise<void> = async () => undefined;

const boardsIntegration = defineIntegration({
  providerConfigKey: BOARDS,
  provider: { baseUrl: 'http://127.0.0.1:9', auth: { mode: 'API_KEY' } },
  syncs: {
    cards: createSync({ autoStart: true, frequency: 'every hour', syncType: 'incremental', models: { Card: ContactSchema }, exec: async (nango) => boardsExec(nango as unknown as NangoSync) }),
    manual: createSync({ autoStart: false, frequency: 'every hour', syncType: 'incremental', models: { ManualCard: ContactSchema }, exec: async () => undefined }),
  },
});

let kit: ApiKit;
const { doc } = useDynamo();

async function allRecords(partition: RecordPartition) {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await kit.records.list(partition, { limit: 1000, ...(cursor ? { cursor } : {}) });
    ids.push(...page.records.filter((r) => r.deletedAt === null).map((r) => r.id));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return ids;
}

const variantPath = (sync: string, variant: string) => `/sync/${sync}/variant/${encodeURIComponent(variant)}`;

beforeAll(async () => {
  kit = await startApiKit({ initialContacts: 40, integrations: [boardsIntegration] });
  const demo = { provider_config_key: PCK, connection_id: CONN, credentials: { type: 'API_KEY', apiKey: SANDBOX_KEY }, connection_config: { baseUrl: kit.sandbox.url } };
  expect((await kit.call('POST', '/connections', { body: demo })).status).toBe(201);
  expect((await kit.call('POST', '/connections', { body: { provider_config_key: BOARDS, connection_id: CONN, credentials: { type: 'API_KEY', apiKey: 'unused' } } })).status).toBe(201);
  await kit.drain();
}, 60_000);
afterAll(() => kit?.stop());

describe('a sync variant, end to end', () => {
  it('is created, runs, reports its status and keeps its records apart; deleting it removes them', async () => {
    const created = await kit.call('POST', variantPath('contacts', 'eu'), { body: { provider_config_key: PCK, connection_id: CONN } });
    expect(created).toMatchObject({ status: 200, body: { id: `${PCK}:contacts::eu:${CONN}`, name: 'contacts', variant: 'eu' } });
    expect(kit.queue.messages).toEqual([expect.objectContaining({ syncName: 'contacts', variant: 'eu', trigger: 'MANUAL' })]);
    await kit.drain();

    const status = await kit.call('GET', '/sync/status', { query: { provider_config_key: PCK, syncs: 'contacts,contacts::eu', connection_id: CONN } });
    expect(status.status).toBe(200);
    expect(status.body.syncs).toEqual([
      expect.objectContaining({ id: `${PCK}:contacts:${CONN}`, name: 'contacts', variant: 'base', status: 'SUCCESS', recordCount: { Contact: 40 } }),
      expect.objectContaining({ id: `${PCK}:contacts::eu:${CONN}`, name: 'contacts', variant: 'eu', status: 'SUCCESS', type: 'INITIAL', recordCount: { Contact: 40 } }),
    ]);
    const everything = await kit.call('GET', '/sync/status', { query: { provider_config_key: PCK, syncs: '*' } });
    expect(everything.body.syncs.map((s: { name: string; variant: string }) => `${s.name}::${s.variant}`).sort()).toEqual(['contacts::base', 'contacts::eu', 'notes::base']);

    const base = { providerConfigKey: PCK, connectionId: CONN, model: 'Contact' };
    expect(await allRecords({ ...base, variant: 'eu' })).toHaveLength(40);
    expect(await allRecords(base)).toHaveLength(40);
    const executions = await kit.call('GET', '/sync/executions', { query: { provider_config_key: PCK, connection_id: CONN, sync_name: 'contacts', sync_variant: 'eu' } });
    expect(executions.body.executions).toEqual([expect.objectContaining({ status: 'SUCCESS', results: { Contact: { added: 40, updated: 0, deleted: 0 } } })]);

    const deleted = await kit.call('DELETE', variantPath('contacts', 'eu'), { body: { provider_config_key: PCK, connection_id: CONN } });
    expect(deleted).toMatchObject({ status: 200, body: { success: true } });
    expect(await allRecords({ ...base, variant: 'eu' })).toEqual([]);
    expect(await allRecords(base)).toHaveLength(40);
    expect((await kit.call('GET', '/sync/status', { query: { provider_config_key: PCK, syncs: 'contacts::eu', connection_id: CONN } })).status).toBe(404);
    expect(await kit.call('DELETE', variantPath('contacts', 'eu'), { body: { provider_config_key: PCK, connection_id: CONN } })).toMatchObject({
      status: 404,
      body: { error: { code: 'not_found' } },
    });
  });

  it("refuses with Nango's codes in Syncline's error shape", async () => {
    const body = { provider_config_key: PCK, connection_id: CONN };
    const create = (sync: string, variant: string, b: object = body) => kit.call('POST', variantPath(sync, variant), { body: b });
    for (const variant of ['base', 'BASE', 'has.dot']) {
      expect(await create('contacts', variant)).toMatchObject({ status: 400, body: { error: { code: 'invalid_variant', message: expect.any(String), errors: [] } } });
    }
    expect(await create('contacts', 'x', { ...body, connection_id: 'ghost' })).toMatchObject({ status: 400, body: { error: { code: 'unknown_connection' } } });
    expect(await create('ghost', 'x')).toMatchObject({ status: 400, body: { error: { code: 'unknown_sync' } } });
    expect(await create('contacts', 'x', { ...body, provider_config_key: 'ghost' })).toMatchObject({ status: 400, body: { error: { code: 'unknown_provider_config' } } });
    expect((await create('notes', 'twice')).status).toBe(200);
    expect(await create('notes', 'twice')).toMatchObject({ status: 400, body: { error: { code: 'sync_variant_already_exists' } } });
    expect(await kit.call('DELETE', variantPath('notes', 'Base'), { body })).toMatchObject({ status: 400, body: { error: { code: 'invalid_variant' } } });
    expect((await kit.call('POST', variantPath('notes', 'x'), { body: { ...body, extra: 1 } })).status).toBe(400);
    kit.queue.take();
  });

  it('caps a sync at 100 per connection, base included', async () => {
    const body = { provider_config_key: BOARDS, connection_id: CONN };
    for (let i = 1; i < 100; i++) expect((await kit.call('POST', variantPath('manual', `v${i}`), { body })).status).toBe(200);
    expect(await kit.call('POST', variantPath('manual', 'v100'), { body })).toMatchObject({ status: 400, body: { error: { code: 'resource_capped', message: expect.stringMatching(/100/) } } });
    expect(kit.queue.messages).toEqual([]); // the sync does not auto-start: its variants wait for a start
  });

  it('gives the script its variant, honours sync_variant in frequency overrides and controls, and goes with its connection', async () => {
    boardsExec = async (nango) => void (await nango.batchSave([{ id: `${nango.variant}-card`, name: 'n', email: 'n@x.io' }], 'Card'));
    const body = { provider_config_key: BOARDS, connection_id: CONN };
    expect((await kit.call('POST', variantPath('cards', 'team-a'), { body })).status).toBe(200);
    await kit.call('POST', '/sync/trigger', { body: { ...body, syncs: ['cards'] } });
    await kit.drain();
    const cards = { providerConfigKey: BOARDS, connectionId: CONN, model: 'Card' };
    expect(await allRecords({ ...cards, variant: 'team-a' })).toEqual(['team-a-card']);
    expect(await allRecords(cards)).toEqual(['base-card']);

    const frequency = { ...body, sync_name: 'cards', sync_variant: 'team-a', frequency: 'every 5 minutes' };
    expect(await kit.call('PUT', '/sync/update-connection-frequency', { body: frequency })).toMatchObject({ status: 200, body: { frequency: 'every 5 minutes' } });
    const schedules = [...kit.scheduler.schedules.values()];
    expect(schedules).toEqual([expect.objectContaining({ rateExpression: 'rate(5 minutes)', target: { integration: BOARDS, sync: 'cards', connection: CONN, variant: 'team-a' } })]);
    expect(schedules[0]!.name).toMatch(/^[0-9A-Za-z._-]{1,64}$/);
    const overrides = [];
    for await (const o of makeOverrideReader({ doc, tableName: kit.tables.state, registry: kit.registry })()) overrides.push(o);
    expect(overrides).toEqual([{ providerConfigKey: BOARDS, syncName: 'cards', connectionId: CONN, variant: 'team-a', frequencyMs: 300_000 }]);
    const tooOften = await kit.call('PUT', '/sync/update-connection-frequency', { body: { ...frequency, frequency: 'every 30 seconds' } });
    expect(tooOften).toMatchObject({ status: 400, body: { error: { code: 'invalid_frequency', message: expect.stringMatching(/1-minute minimum.*EventBridge Scheduler/) } } });

    expect((await kit.call('POST', '/sync/pause', { body: { ...body, syncs: [{ name: 'cards', variant: 'team-a' }] } })).status).toBe(200);
    const paused = await kit.call('GET', '/sync/status', { query: { provider_config_key: BOARDS, syncs: 'cards,cards::team-a', connection_id: CONN } });
    expect(paused.body.syncs.map((s: { variant: string; status: string }) => [s.variant, s.status])).toEqual([
      ['base', 'SUCCESS'],
      ['team-a', 'PAUSED'],
    ]);

    expect((await kit.call('DELETE', `/connections/${CONN}`, { query: { provider_config_key: BOARDS } })).status).toBe(200);
    expect(await allRecords({ ...cards, variant: 'team-a' })).toEqual([]);
    expect(await kit.state.connectionSyncs.listVariants(BOARDS, 'cards', CONN)).toEqual([]);
    expect(await kit.state.connectionSyncs.listVariants(BOARDS, 'manual', CONN)).toEqual([]);
    expect(kit.scheduler.schedules.size).toBe(0);
  });
});

describe('a variant with the longest name allowed', () => {
  it('is created, runs, and is read, pruned, reported and deleted by that name', async () => {
    const long = 'v'.repeat(MAX_VARIANT_LENGTH);
    const body = { provider_config_key: PCK, connection_id: CONN };
    const headers = { 'Provider-Config-Key': PCK, 'Connection-Id': CONN };
    expect(await kit.call('POST', variantPath('contacts', long), { body })).toMatchObject({ status: 200, body: { id: `${PCK}:contacts::${long}:${CONN}`, variant: long } });
    await kit.drain();
    kit.clock.advance(VISIBILITY_LAG_MS + 1);

    const page = await kit.call('GET', '/records', { headers, query: { model: 'Contact', variant: long, limit: 1000 } });
    expect(page.status).toBe(200);
    expect(page.body.records.length).toBeGreaterThan(10);
    const prune = await kit.call('PATCH', '/records/prune', { headers, body: { model: 'Contact', variant: long, until_cursor: page.body.records[9]._nango_metadata.cursor } });
    expect(prune).toMatchObject({ status: 200, body: { count: 10, has_more: false } });
    const status = await kit.call('GET', '/sync/status', { query: { provider_config_key: PCK, syncs: `contacts::${long}`, connection_id: CONN } });
    expect(status).toMatchObject({ status: 200, body: { syncs: [{ variant: long, status: 'SUCCESS' }] } });
    const executions = await kit.call('GET', '/sync/executions', { query: { ...body, sync_name: 'contacts', sync_variant: long } });
    expect(executions.body.executions).toEqual([expect.objectContaining({ status: 'SUCCESS' })]);
    expect(await kit.call('DELETE', variantPath('contacts', long), { body })).toMatchObject({ status: 200 });

    // One character more is refused wherever a variant comes in.
    const tooLong = `${long}v`;
    expect(await kit.call('POST', variantPath('contacts', tooLong), { body })).toMatchObject({ status: 400, body: { error: { code: 'invalid_variant' } } });
    expect((await kit.call('GET', '/records', { headers, query: { model: 'Contact', variant: tooLong } })).status).toBe(400);
    expect((await kit.call('GET', '/sync/status', { query: { provider_config_key: PCK, syncs: `contacts::${tooLong}`, connection_id: CONN } })).status).toBe(400);
  });

  it("keeps every key within DynamoDB's limits with the longest integration, sync, model, connection id and variant", async () => {
    // 255 three-byte characters: the most bytes a connection id can have.
    const key = { providerConfigKey: 'i'.repeat(64), connectionId: '€'.repeat(255), syncName: 's'.repeat(64), variant: 'v'.repeat(MAX_VARIANT_LENGTH) };
    expect(Buffer.byteLength(key.connectionId)).toBe(765); // its state's sort key, `<connection>#<variant>`, is 1,021 of 1,024 bytes
    const syncs = kit.state.connectionSyncs;
    expect(await syncs.create(key, { enabled: true })).toMatchObject({ connectionId: key.connectionId, variant: key.variant });
    expect(await syncs.listVariants(key.providerConfigKey, key.syncName, key.connectionId)).toEqual([expect.objectContaining({ variant: key.variant })]);
    const run = newRun({ ...key, runId: `run-${'0'.repeat(36)}`, trigger: 'MANUAL', type: 'INITIAL', startedAt: kit.clock.now() });
    await kit.state.runs.create(run);
    await kit.state.runLogs.append(key, run.runId, [{ at: kit.clock.now(), level: 'info', message: 'logged' }]);
    expect(await kit.state.runLogs.list(key, run.runId)).toHaveLength(1);
    const partition = recordPartition(key, 'M'.repeat(64));
    const id = '€'.repeat(255);
    await kit.records.saveBatch(partition, [{ id, payload: { id }, hash: 'h' }], { runId: run.runId, runStartedAt: run.startedAt });
    const [record] = (await kit.records.list(partition, { limit: 10 })).records;
    expect(record).toMatchObject({ id });
    expect(await kit.records.prune(partition, { untilCursor: record!.cursor, limit: 10 })).toEqual({ count: 1, hasMore: false });
    expect(await kit.records.deleteAll(partition)).toBe(1);
    await syncs.delete(key);
    expect(await syncs.get(key)).toBeNull();
  });
});

describe('variant state on DynamoDB', () => {
  it("lists a connection's variants exactly, even when another connection's id extends it with a #", async () => {
    const repo = kit.state.connectionSyncs;
    await repo.ensure({ providerConfigKey: PCK, connectionId: 'x', syncName: 'notes', variant: 'v' }, { enabled: true });
    await repo.ensure({ providerConfigKey: PCK, connectionId: 'x#y', syncName: 'notes', variant: 'v' }, { enabled: true });
    await repo.ensure({ providerConfigKey: PCK, connectionId: 'x#v', syncName: 'notes' }, { enabled: true }); // a base item named like a variant key

    expect((await repo.listVariants(PCK, 'notes', 'x')).map((s) => [s.connectionId, s.variant])).toEqual([['x', 'v']]);
    expect((await repo.listVariants(PCK, 'notes', 'x#y')).map((s) => [s.connectionId, s.variant])).toEqual([['x#y', 'v']]);
    expect(await repo.get({ providerConfigKey: PCK, connectionId: 'x#v', syncName: 'notes' })).not.toHaveProperty('variant');
    expect(await repo.create({ providerConfigKey: PCK, connectionId: 'x', syncName: 'notes', variant: 'v' }, { enabled: true })).toBeNull();
    const listed = [];
    for await (const page of repo.list(PCK, 'notes')) listed.push(...page.map((s) => `${s.connectionId}/${s.variant ?? 'base'}`));
    expect(listed).toEqual(expect.arrayContaining(['x/v', 'x#y/v', 'x#v/base']));
  });
});

describe('the documented sync controls', () => {
  it('start runs a paused sync at once', async () => {
    const body = { provider_config_key: PCK, connection_id: CONN, syncs: ['notes'] };
    expect((await kit.call('POST', '/sync/pause', { body })).status).toBe(200);
    kit.queue.take();

    expect(await kit.call('POST', '/sync/start', { body })).toMatchObject({ status: 200, body: { success: true } });

    expect(kit.queue.messages).toEqual([expect.objectContaining({ syncName: 'notes', trigger: 'MANUAL' })]);
    await kit.drain();
    const status = await kit.call('GET', '/sync/status', { query: { provider_config_key: PCK, syncs: 'notes', connection_id: CONN } });
    expect(status.body.syncs[0]).toMatchObject({ status: 'SUCCESS', latestExecutionStatus: 'SUCCESS' });
  });

  it('a reset of a running sync cancels it, then runs from scratch', async () => {
    const body = { provider_config_key: BOARDS, connection_id: 'runner', credentials: { type: 'API_KEY', apiKey: 'unused' } };
    let inside!: () => void;
    let release!: () => void;
    const entered = new Promise<void>((resolve) => (inside = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    const seen: unknown[] = [];
    let calls = 0;
    boardsExec = async (nango) => {
      calls++;
      if (calls === 1) {
        await nango.saveCheckpoint({ page: 1 });
        inside();
        await released;
        await nango.saveCheckpoint({ page: 2 });
        return;
      }
      seen.push(await nango.getCheckpoint());
    };
    expect((await kit.call('POST', '/connections', { body })).status).toBe(201);
    const running = kit.drain(); // the connection's first run, which blocks inside the script
    await entered;

    const reset = await kit.call('POST', '/sync/trigger', { body: { provider_config_key: BOARDS, connection_id: 'runner', syncs: ['cards'], opts: { reset: true } } });

    expect(reset).toMatchObject({ status: 200, body: { success: true } });
    const key = { providerConfigKey: BOARDS, connectionId: 'runner', syncName: 'cards' };
    expect(await kit.state.connectionSyncs.get(key)).toMatchObject({ lease: null, checkpoint: null, lastRun: { status: 'CANCELLED' } });
    release();
    await running; // the cancelled run stops; the drain then runs the reset's run
    const [latest, cancelled] = await kit.state.runs.list(key, 10).then((runs) => runs.sort((a, b) => b.startedAt - a.startedAt || (a.status === 'CANCELLED' ? 1 : -1)));
    expect(cancelled).toMatchObject({ status: 'CANCELLED', error: { message: 'cancelled by a reset' } });
    expect(latest).toMatchObject({ status: 'SUCCESS', type: 'INITIAL' });
    expect(seen).toEqual([null]);
    expect(await kit.state.connectionSyncs.get(key)).toMatchObject({ checkpoint: null, lastRun: { status: 'SUCCESS' } });
  });
});
