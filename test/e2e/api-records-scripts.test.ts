/**
 * Records beyond plain paging, end to end over HTTP against DynamoDB Local and the demo CRM
 * sandbox: `filter` in any case, `variant`, `PATCH /records/prune` (paging with has_more, pruned
 * records listed as `{id, _nango_metadata}`, the next run restoring them without counting a
 * change), and `GET /scripts/config` (syncs and actions with their models as JSON Schema).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { defineIntegration } from '../../functions/engine/integration.js';
import { createAction } from '../../functions/engine/script-definition.js';
import { createSync } from '../../functions/engine/sync-definition.js';
import { SANDBOX_KEY, startApiKit, VISIBILITY_LAG_MS, type ApiKit } from '../support/api-kit.js';

const PCK = 'demo-crm';
const CONN = 'acme';
const headers = { 'Connection-Id': CONN, 'Provider-Config-Key': PCK };

/** A second integration with an action, for the scripts config. */
const helpDesk = defineIntegration({
  providerConfigKey: 'help-desk',
  provider: { name: 'helpdesk', baseUrl: 'http://127.0.0.1:9', auth: { mode: 'NONE' } },
  syncs: {
    tickets: createSync({ frequency: 'every hour', models: { Ticket: z.object({ id: z.string(), title: z.string() }) }, exec: async () => undefined }),
  },
  actions: {
    'close-ticket': createAction({
      description: 'Closes a ticket\n- ticketId: the ticket',
      endpoint: { method: 'POST', path: '/tickets/close' },
      input: z.object({ ticketId: z.string() }),
      output: z.object({ ok: z.boolean() }),
      exec: async () => ({ ok: true }),
    }),
  },
});

let kit: ApiKit;

const settle = () => kit.clock.advance(VISIBILITY_LAG_MS * 2);

async function listAll(query: Record<string, string | number | string[]> = {}) {
  const all: any[] = [];
  let cursor: string | null = null;
  do {
    const page: { status: number; body: any } = await kit.call('GET', '/records', { headers, query: { model: 'Contact', limit: 1000, ...query, ...(cursor ? { cursor } : {}) } });
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    all.push(...page.body.records);
    cursor = page.body.next_cursor;
  } while (cursor !== null);
  return all;
}

async function runContacts() {
  const trigger = await kit.call('POST', '/sync/trigger', { body: { provider_config_key: PCK, connection_id: CONN, syncs: ['contacts'] } });
  expect(trigger.status).toBe(200);
  await kit.drain();
  settle();
}

/** The sandbox changes its data once per tick: a test that must see none pins the tick. */
const sandboxTick = () => Math.floor((kit.clock.now() - kit.sandbox.dataset.options.epoch) / kit.sandbox.dataset.options.tickMs);

beforeAll(async () => {
  kit = await startApiKit({ initialContacts: 120, integrations: [helpDesk] });
  const created = await kit.call('POST', '/connections', {
    body: { provider_config_key: PCK, connection_id: CONN, credentials: { type: 'API_KEY', apiKey: SANDBOX_KEY }, connection_config: { baseUrl: kit.sandbox.url } },
  });
  expect(created.status).toBe(201);
  await kit.drain();
  settle();
}, 60_000);
afterAll(() => kit?.stop());

describe('GET /records filter', () => {
  it('takes the actions in any case, as a comma list or repeated', async () => {
    const before = new Date(kit.clock.now()).toISOString();
    kit.clock.advance(kit.sandbox.dataset.options.tickMs); // one tick: 2 added, 3 updated, 1 deleted
    await runContacts();

    const actions = (records: any[]) => records.map((r) => r._nango_metadata.last_action).sort();
    expect(actions(await listAll({ filter: 'UPDATED' }))).toEqual(['UPDATED', 'UPDATED', 'UPDATED']);
    expect(actions(await listAll({ filter: 'Deleted' }))).toEqual(['DELETED']);
    expect(actions(await listAll({ filter: 'ADDED,updated', modified_after: before }))).toEqual(['ADDED', 'ADDED', 'UPDATED', 'UPDATED', 'UPDATED']);
    expect(actions(await listAll({ filter: ['added', 'UPDATED'], modified_after: before }))).toEqual(['ADDED', 'ADDED', 'UPDATED', 'UPDATED', 'UPDATED']);
    expect(await listAll({ filter: 'ADDED,UPDATED,DELETED' })).toEqual(await listAll({ filter: 'added,updated,deleted' }));

    const bad = await kit.call('GET', '/records', { headers, query: { model: 'Contact', filter: 'REMOVED' } });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'invalid_request', errors: [{ path: expect.stringMatching(/^query\.filter/) }] } } });
  });
});

describe('variant', () => {
  it('reads the base partition for variant=base and answers 404 for a variant the connection does not have', async () => {
    const plain = await listAll();
    expect(plain.length).toBeGreaterThan(100);
    expect(await listAll({ variant: 'base' })).toEqual(plain);

    const unknown = await kit.call('GET', '/records', { headers, query: { model: 'Contact', variant: 'eu' } });
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'not_found', message: expect.stringContaining('no variant "eu" of sync "contacts"') } } });
    const pruneUnknown = await kit.call('PATCH', '/records/prune', { headers, body: { model: 'Contact', variant: 'eu', until_cursor: plain[0]._nango_metadata.cursor } });
    expect(pruneUnknown.status).toBe(404);
    // A variant that could reach into another partition's key is refused outright.
    expect((await kit.call('GET', '/records', { headers, query: { model: 'Contact', variant: 'eu|acme' } })).status).toBe(400);
    expect((await kit.call('GET', '/records', { headers: { ...headers, 'Connection-Id': 'ghost' }, query: { model: 'Contact', variant: 'eu' } })).body.error.message).toMatch(
      /unknown connection "ghost"/,
    );
  });
});

describe('PATCH /records/prune', () => {
  it('empties payloads up to the cursor in calls of `limit`, keeps ids, metadata and order; the next run restores them silently', async () => {
    // Start right after a tick, so the sandbox changes nothing until the restoring run has read it.
    kit.clock.advance(kit.sandbox.dataset.options.tickMs - ((kit.clock.now() - kit.sandbox.dataset.options.epoch) % kit.sandbox.dataset.options.tickMs) + 1);
    await runContacts();
    const tick = sandboxTick();
    const before = await listAll();
    const until = before[49]._nango_metadata.cursor;

    const prune = (body: Record<string, unknown>) => kit.call('PATCH', '/records/prune', { headers, body: { model: 'Contact', until_cursor: until, ...body } });
    expect(await prune({ limit: 20 })).toMatchObject({ status: 200, body: { count: 20, has_more: true } });
    expect(await prune({ limit: 20, variant: 'base' })).toMatchObject({ status: 200, body: { count: 20, has_more: true } });
    expect(await prune({ limit: 20 })).toMatchObject({ status: 200, body: { count: 10, has_more: false } });
    expect((await prune({})).body).toEqual({ count: 0, has_more: false });

    const pruned = await listAll();
    expect(pruned.map((r) => r._nango_metadata.cursor)).toEqual(before.map((r) => r._nango_metadata.cursor));
    for (const [i, record] of pruned.entries()) {
      const { pruned_at, ...rest } = record._nango_metadata;
      const { pruned_at: wasPruned, ...beforeRest } = before[i]._nango_metadata;
      expect(wasPruned).toBeNull();
      expect(rest).toEqual(beforeRest);
      if (i < 50) {
        expect(Object.keys(record)).toEqual(['id', '_nango_metadata']);
        expect(record.id).toBe(before[i].id);
        expect(pruned_at).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
      } else {
        expect(record).toEqual({ ...before[i], _nango_metadata: { ...before[i]._nango_metadata, pruned_at: null } });
      }
    }

    // A full refresh sees the same contacts again: payloads come back, nothing counts as changed.
    await runContacts();
    expect(sandboxTick()).toBe(tick);
    const restored = await listAll();
    const expected = before.map((r) => (r._nango_metadata.last_action === 'DELETED' ? r.id : { ...r, _nango_metadata: { ...r._nango_metadata, pruned_at: null } }));
    expect(restored.map((r) => (r._nango_metadata.last_action === 'DELETED' ? r.id : r))).toEqual(expected);
    // Deleted contacts are not seen again, so they stay pruned.
    for (const r of restored.slice(0, 50)) if (r._nango_metadata.last_action === 'DELETED') expect(r._nango_metadata.pruned_at).not.toBeNull();
    const status = await kit.call('GET', '/sync/status', { query: { provider_config_key: PCK, syncs: 'contacts', connection_id: CONN } });
    expect(status.body.syncs[0].latestResult).toEqual({ Contact: { added: 0, updated: 0, deleted: 0 } });
  });

  it('refuses a bad cursor, bad bodies and unknown targets without changing anything', async () => {
    const snapshot = await listAll();
    const cursor = snapshot.at(-1)._nango_metadata.cursor;
    const call = (body: unknown, extra: Record<string, string> = {}) => kit.call('PATCH', '/records/prune', { headers: { ...headers, ...extra }, body });

    expect(await call({ model: 'Contact', until_cursor: 'not-a-cursor' })).toMatchObject({ status: 400, body: { error: { code: 'invalid_cursor', errors: [{ path: 'body.until_cursor' }] } } });
    for (const body of [
      { model: 'Contact' },
      { until_cursor: cursor },
      { model: 'Contact', until_cursor: cursor, limit: 0 },
      { model: 'Contact', until_cursor: cursor, limit: 10_001 },
      { model: 'Contact', until_cursor: cursor, extra: 1 },
    ]) {
      expect((await call(body)).status, JSON.stringify(body)).toBe(400);
    }
    expect((await call({ model: 'Invoice', until_cursor: cursor })).status).toBe(404);
    expect((await call({ model: 'Contact', until_cursor: cursor }, { 'Connection-Id': 'ghost' })).status).toBe(404);
    expect((await call({ model: 'Contact', until_cursor: cursor }, { 'Provider-Config-Key': 'ghost' })).status).toBe(404);
    expect(await listAll()).toEqual(snapshot);
  });
});

describe('GET /scripts/config', () => {
  it("lists every integration's syncs and actions in Nango's shape, with models as JSON Schema", async () => {
    const answer = await kit.call('GET', '/scripts/config');
    expect(answer.status).toBe(200);
    expect(answer.body.map((e: any) => e.providerConfigKey)).toEqual(['demo-crm', 'help-desk']);
    const [crm, desk] = answer.body;
    expect(crm).toMatchObject({ provider: 'demo-crm', 'on-events': [] });
    expect(crm.actions).toEqual([
      expect.objectContaining({ name: 'create-contact', type: 'action', returns: ['ActionOutput_demo_crm_createcontact'], endpoints: [{ method: 'POST', path: '/contacts', group: 'Contacts' }] }),
    ]);
    expect(crm.syncs.map((s: any) => [s.name, s.type, s.runs, s.sync_type, s.track_deletes, s.auto_start, s.enabled, s.returns])).toEqual([
      ['contacts', 'sync', 'every minute', 'full', true, true, true, ['Contact']],
      ['notes', 'sync', 'every minute', 'incremental', false, true, true, ['Note']],
    ]);
    expect(desk.actions).toEqual([
      expect.objectContaining({
        name: 'close-ticket',
        type: 'action',
        returns: ['ActionOutput_help_desk_closeticket'],
        input: 'ActionInput_help_desk_closeticket',
        endpoints: [{ method: 'POST', path: '/tickets/close', group: null }],
      }),
    ]);

    // Every stored contact matches the schema the config gives for Contact; a broken one does not.
    const contactSchema = z.fromJSONSchema(crm.syncs[0].json_schema.definitions.Contact);
    const contacts = (await listAll({ filter: 'added,updated' })).filter((r) => r._nango_metadata.pruned_at === null).map(({ _nango_metadata, ...payload }) => payload);
    expect(contacts.length).toBeGreaterThan(100);
    for (const contact of contacts) expect(contactSchema.safeParse(contact).success, JSON.stringify(contact)).toBe(true);
    expect(contactSchema.safeParse({ ...contacts[0], email: 42 }).success).toBe(false);
  });

  it('answers the OpenAI function list for format=openai and 400 for an unknown format', async () => {
    const answer = await kit.call('GET', '/scripts/config', { query: { format: 'openai' } });
    expect(answer.status).toBe(200);
    expect(answer.body.data.map((f: any) => f.name)).toEqual(['contacts', 'notes', 'create-contact', 'tickets', 'close-ticket']);
    expect(answer.body.data.at(-1)).toEqual({
      name: 'close-ticket',
      description: 'Closes a ticket\n- ticketId: the ticket',
      parameters: { type: 'object', properties: { ticketId: { type: 'string', description: 'the ticket' } }, required: ['ticketId'] },
    });
    expect((await kit.call('GET', '/scripts/config', { query: { format: 'yaml' } })).status).toBe(400);
  });
});
