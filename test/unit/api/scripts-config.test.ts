/**
 * `GET /scripts/config`'s body, built from the registry: Nango's `StandardNangoConfig` fields for
 * syncs and actions, models as draft-7 JSON Schema under Nango's CLI names, the OpenAI format,
 * and actions kept by discovery so they can be listed.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { buildScriptsConfig, toOpenAiFunctions } from '../../../functions/api/routes/scripts.config.js';
import { ScriptsConfigResponse } from '../../../functions/api/routes/scripts.schemas.js';
import { discoverProject } from '../../../functions/discovery/discover.js';
import { defineIntegration, IntegrationRegistry } from '../../../functions/engine/integration.js';
import { createAction } from '../../../functions/engine/script-definition.js';
import { createSync } from '../../../functions/engine/sync-definition.js';

const Ticket = z.object({ id: z.string(), title: z.string(), priority: z.number().int().optional(), closedAt: z.date().nullable() });

const registry = new IntegrationRegistry([
  defineIntegration({
    providerConfigKey: 'help-desk',
    provider: { name: 'helpdesk', baseUrl: 'https://api.example.com', auth: { mode: 'API_KEY' } },
    syncs: {
      tickets: createSync({
        description: 'Tickets, newest first',
        version: '1.2.0',
        frequency: 'every 30 minutes',
        autoStart: true,
        trackDeletes: true,
        scopes: ['tickets:read'],
        endpoints: [{ path: '/tickets', group: 'Tickets' }],
        webhookSubscriptions: ['ticket.updated'],
        metadata: z.object({ team: z.string() }),
        checkpoint: z.object({ since: z.string() }),
        models: { Ticket },
        exec: async () => undefined,
      }),
    },
    actions: {
      'close-ticket': createAction({
        description: 'Closes a ticket\n- ticketId: the ticket to close\n- reason: why',
        endpoint: { method: 'post', path: '/tickets/close' },
        scopes: ['tickets:write'],
        input: z.object({ ticketId: z.string(), reason: z.string().default('done') }),
        output: z.object({ ok: z.boolean() }),
        exec: async () => ({ ok: true }),
      }),
    },
  }),
]);

describe('GET /scripts/config (nango format)', () => {
  const [entry] = buildScriptsConfig(registry);

  it('has one entry per integration with its syncs, actions and an empty on-events list', () => {
    expect(ScriptsConfigResponse.safeParse([entry]).success).toBe(true);
    expect(entry).toMatchObject({ providerConfigKey: 'help-desk', provider: 'helpdesk', 'on-events': [] });
    expect(entry!.syncs.map((s) => s.name)).toEqual(['tickets']);
    expect(entry!.actions.map((a) => a.name)).toEqual(['close-ticket']);
  });

  it("lists a sync with Nango's fields and values", () => {
    const sync = entry!.syncs[0]!;
    expect(sync).toEqual({
      name: 'tickets',
      type: 'sync',
      returns: ['Ticket'],
      description: 'Tickets, newest first',
      attributes: {},
      scopes: ['tickets:read'],
      version: '1.2.0',
      endpoints: [{ method: 'GET', path: '/tickets', group: 'Tickets' }],
      input: 'SyncMetadata_help_desk_tickets',
      enabled: true,
      webhookSubscriptions: ['ticket.updated'],
      json_schema: { definitions: { Ticket: expect.any(Object), SyncMetadata_help_desk_tickets: expect.any(Object) } },
      sdk_version: null,
      models: [
        { name: 'Ticket', fields: [] },
        { name: 'SyncMetadata_help_desk_tickets', fields: [] },
      ],
      features: ['checkpoints'],
      sync_type: 'incremental',
      auto_start: true,
      runs: 'every 30 minutes',
      track_deletes: true,
    });
  });

  it('gives each model as a draft-7 JSON Schema that accepts the model and refuses what it refuses', () => {
    const schema = entry!.syncs[0]!.json_schema.definitions['Ticket']!;
    expect(schema).toMatchObject({ type: 'object', required: ['id', 'title', 'closedAt'], properties: { closedAt: { anyOf: [{ type: 'string', format: 'date-time' }, { type: 'null' }] } } });
    expect(schema['$schema']).toBeUndefined();
    const validator = z.fromJSONSchema(schema);
    expect(validator.safeParse({ id: 't1', title: 'Printer on fire', priority: 2, closedAt: null }).success).toBe(true);
    expect(validator.safeParse({ id: 't1', priority: 2, closedAt: null }).success).toBe(false);
    expect(validator.safeParse({ id: 't1', title: 'x', priority: 1.5, closedAt: null }).success).toBe(false);
  });

  it('lists an action with its input and output models named as Nango names them', () => {
    const action = entry!.actions[0]!;
    expect(action).toMatchObject({
      name: 'close-ticket',
      type: 'action',
      returns: ['ActionOutput_help_desk_closeticket'],
      input: 'ActionInput_help_desk_closeticket',
      scopes: ['tickets:write'],
      version: null,
      endpoints: [{ method: 'POST', path: '/tickets/close', group: null }],
      enabled: true,
      features: [],
    });
    expect(Object.keys(action.json_schema.definitions)).toEqual(['ActionInput_help_desk_closeticket', 'ActionOutput_help_desk_closeticket']);
    // The input as a caller sends it: a field with a default may be left out.
    expect(action.json_schema.definitions['ActionInput_help_desk_closeticket']).toMatchObject({ required: ['ticketId'] });
    expect(action).not.toHaveProperty('runs');
    expect(action).not.toHaveProperty('sync_type');
  });
});

describe('GET /scripts/config?format=openai', () => {
  it('gives a parameterless function per sync and the input properties of each action, described from its description', () => {
    const functions = toOpenAiFunctions(buildScriptsConfig(registry));
    expect(functions).toEqual([
      { name: 'tickets', description: 'Tickets, newest first', parameters: { type: 'object', properties: {}, required: [] } },
      {
        name: 'close-ticket',
        description: 'Closes a ticket\n- ticketId: the ticket to close\n- reason: why',
        parameters: {
          type: 'object',
          properties: { ticketId: { type: 'string', description: 'the ticket to close' }, reason: { type: 'string', default: 'done', description: 'why' } },
          required: ['ticketId'],
        },
      },
    ]);
    expect(ScriptsConfigResponse.safeParse({ data: functions }).success).toBe(true);
  });
});

describe('actions found by discovery', () => {
  let root = '';
  afterEach(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('are kept on the integration (still reported as not run), so the scripts config lists them', async () => {
    root = await mkdtemp(join(tmpdir(), 'syncline-scripts-'));
    const files = {
      'github/syncs/issues.ts': `import { createSync } from 'nango';
import * as z from 'zod';
export default createSync({ frequency: 'every hour', models: { Issue: z.object({ id: z.string() }) }, exec: async () => undefined });
`,
      'github/actions/create-issue.ts': `import { createAction } from 'nango';
import * as z from 'zod';
export default createAction({ description: 'Opens an issue', input: z.object({ title: z.string() }), output: z.object({ id: z.string() }), exec: async () => ({ id: '1' }) });
`,
    };
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(root, path)), { recursive: true });
      await writeFile(join(root, path), content);
    }
    const project = await discoverProject([root]);
    expect(project.problems).toEqual([]);
    expect(project.reports.find((r) => r.kind === 'action')).toMatchObject({ name: 'create-issue', status: 'loaded' });
    const [config] = buildScriptsConfig(new IntegrationRegistry(project.declarations));
    expect(config).toMatchObject({
      providerConfigKey: 'github',
      provider: 'github',
      syncs: [{ name: 'issues', auto_start: false }],
      actions: [{ name: 'create-issue', description: 'Opens an issue' }],
    });
  });
});
