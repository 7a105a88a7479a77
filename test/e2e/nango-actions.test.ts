/**
 * Nango's own Node client (`@nangohq/node`, pinned) against `npm start`'s runtime, unchanged, for
 * the write side: the proxy (`get`, `post`, `proxy`) and actions (`triggerAction`,
 * `triggerActionAsync`, `getAsyncActionResult`) on the demo CRM, whose sandbox is a real HTTP
 * API on 127.0.0.1. The async action's webhook is verified the way a Nango receiver does.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { Nango } from '@nangohq/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIONS_MAX_RECEIVE_COUNT } from '../../functions/handlers/queue/actions-handler.js';
import { startLocalRuntime, type LocalRuntime } from '../../functions/local/runtime.js';
import demoCrm from '../../integrations/demo-crm/index.js';
import { startReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const SECRET_KEY = 'sk_nango_actions_e2e_0123456789abcdef';
const PCK = 'demo-crm';
const CONN = 'demo';
const quiet = { log: () => undefined };

let dataDir = '';
let runtime: LocalRuntime;
let receiver: WebhookReceiver;
let nango: Nango;

/** A Nango client error as axios reports it: the HTTP status and the error body. */
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

function api(path: string, init: RequestInit = {}) {
  return fetch(`${runtime.api!.url}${path}`, { ...init, headers: { Authorization: `Bearer ${SECRET_KEY}`, 'Content-Type': 'application/json', ...init.headers } });
}

const contactInput = (n: string) => ({ first_name: 'Ada', last_name: `Lovelace${n}`, email: `ada.${n}@example.com`, company: 'Analytical Engines' });

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'syncline-nango-actions-'));
  receiver = await startReceiver();
  runtime = await startLocalRuntime({ dataDir, integrations: [demoCrm], logger: quiet, demo: {}, executorConcurrency: 1, apiPort: 0, secretKey: SECRET_KEY });
  // Never the default host (api.nango.dev): every call goes to the local API on 127.0.0.1.
  nango = new Nango({ secretKey: SECRET_KEY, host: runtime.api!.url });
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
  await receiver?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('@nangohq/node proxy against npm start', () => {
  it('reads and writes the provider through the proxy with the connection credentials injected', async () => {
    const page = await nango.get<{ results: { id: number }[] }>({ providerConfigKey: PCK, connectionId: CONN, endpoint: '/crm/v3/objects/contacts', params: { limit: '5' } });
    expect(page.status).toBe(200);
    expect(page.data.results).toHaveLength(5);

    const created = await nango.post<{ id: number; properties: { email: string } }>({
      providerConfigKey: PCK,
      connectionId: CONN,
      endpoint: '/crm/v3/objects/contacts',
      data: { properties: { firstname: 'Grace', lastname: 'Hopper', email: 'grace.proxy@example.com' } },
    });
    expect(created.status).toBe(201);
    expect(runtime.sandbox!.dataset.contacts.get(created.data.id)?.properties.email).toBe('grace.proxy@example.com');

    // The provider's own error answer comes back as it was sent.
    const conflict = await failure(
      nango.proxy({
        method: 'POST',
        providerConfigKey: PCK,
        connectionId: CONN,
        endpoint: '/crm/v3/objects/contacts',
        data: { properties: { firstname: 'G', lastname: 'H', email: 'grace.proxy@example.com' } },
      }),
    );
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({ category: 'CONFLICT' });
  });
});

describe('@nangohq/node actions against npm start', () => {
  it('runs an action synchronously and returns its output', async () => {
    const contact = await nango.triggerAction<unknown, { id: string; email: string; lifecycle_stage: string }>(PCK, CONN, 'create-contact', contactInput('sync'));
    expect(contact).toMatchObject({ email: 'ada.sync@example.com', lifecycle_stage: 'lead' });
    expect(runtime.sandbox!.dataset.contacts.get(Number(contact.id))?.properties.lastname).toBe('Lovelacesync');
  });

  it('refuses an invalid input with the schema path, before the action runs', async () => {
    const before = runtime.sandbox!.requests();
    const invalid = await failure(nango.triggerAction(PCK, CONN, 'create-contact', { ...contactInput('bad'), email: 'not-an-email' }));
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe('invalid_action_input');
    expect(invalid.body.error.errors.map((e: { path: string }) => e.path)).toContain('input.email');
    expect(runtime.sandbox!.requests()).toBe(before);
  });

  it("passes an ActionError's payload to the caller", async () => {
    await nango.triggerAction(PCK, CONN, 'create-contact', contactInput('twice'));
    const again = await failure(nango.triggerAction(PCK, CONN, 'create-contact', contactInput('twice')));
    expect(again.status).toBe(500);
    expect(again.body.error).toMatchObject({
      code: 'action_script_runtime_error',
      payload: { message: 'A contact with this email already exists', code: 'contact_exists', email: 'ada.twice@example.com' },
    });
  });

  it('answers 404 for an unknown action and 400 for an unknown connection', async () => {
    expect((await failure(nango.triggerAction(PCK, CONN, 'no-such-action', {}))).status).toBe(404);
    const unknown = await failure(nango.triggerAction(PCK, 'nobody', 'create-contact', contactInput('x')));
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('unknown_connection');
  });

  it('parks an actions message in the DLQ after as many receives as the AWS queue does', async () => {
    const { Attributes } = await runtime.sqs.client.send(new GetQueueAttributesCommand({ QueueUrl: runtime.queues.actions, AttributeNames: ['RedrivePolicy'] }));
    expect(Number(JSON.parse(Attributes!.RedrivePolicy!).maxReceiveCount)).toBe(ACTIONS_MAX_RECEIVE_COUNT);
  });

  it('runs an action asynchronously: result by id and status URL, and a verified async_action webhook', async () => {
    const subscribed = await api('/webhooks/subscriptions', { method: 'POST', body: JSON.stringify({ url: receiver.url, events: ['async_action'] }) });
    expect(subscribed.status).toBe(201);
    const { secret } = (await subscribed.json()) as { secret: string };
    const verifier = new Nango({ secretKey: SECRET_KEY, webhookSigningKey: secret, host: runtime.api!.url });

    const queued = await nango.triggerActionAsync(PCK, CONN, 'create-contact', contactInput('async'));
    expect(queued).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), statusUrl: `/action/${queued.id}` });

    const [webhook] = await receiver.waitFor(1, 60_000);
    expect(verifier.verifyIncomingWebhookRequest(webhook!.body, webhook!.headers as Record<string, unknown>)).toBe(true);
    expect(webhook!.json).toEqual({ from: 'syncline', type: 'async_action', connectionId: CONN, providerConfigKey: PCK, payload: { id: queued.id, statusUrl: queued.statusUrl } });

    const byId = await nango.getAsyncActionResult<{ email: string }>({ id: queued.id });
    expect(byId.email).toBe('ada.async@example.com');
    expect(await nango.getAsyncActionResult({ statusUrl: queued.statusUrl })).toEqual(byId);
    expect((await failure(nango.getAsyncActionResult({ id: '00000000-0000-4000-8000-000000000000' }))).status).toBe(404);

    const history = await api(`/action/executions?provider_config_key=${PCK}&connection_id=${CONN}&action_name=create-contact`);
    const { executions } = (await history.json()) as { executions: { id: string; mode: string; status: string; logs: { message: string }[] }[] };
    const asyncRun = executions.find((e) => e.id === queued.id);
    expect(asyncRun).toMatchObject({ mode: 'async', status: 'SUCCESS' });
    expect(asyncRun!.logs.map((l) => l.message).join('\n')).toContain('created contact');
    expect(executions.some((e) => e.mode === 'sync' && e.status === 'ERROR')).toBe(true);
  }, 90_000);
});
