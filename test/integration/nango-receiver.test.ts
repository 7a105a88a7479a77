/**
 * A receiver written for Nango — typed against @nangohq/types, verifying X-Nango-Hmac-Sha256,
 * switching on `type` and telling a full sync from an incremental one by `checkpoints.from`, as
 * Nango's docs say — takes Syncline's webhooks unchanged. End to end on one machine: runs (one
 * of them continued across invocations) write to DynamoDB Local, the stream poller feeds the
 * run-results handler, deliveries go through the SQS emulator to a receiver on 127.0.0.1. The
 * subscription is created with the defaults (every event, `always`).
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { NangoAuthWebhookBodyError, NangoAuthWebhookBodySuccess, NangoSyncWebhookBody, NangoSyncWebhookBodyError, NangoSyncWebhookBodySuccess, NangoWebhookBody } from '@nangohq/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalKeyFileCipher } from '../../functions/adapters/crypto/local-cipher.js';
import type { RunRecord } from '../../functions/engine/model/run.js';
import type { Logger } from '../../functions/engine/ports.js';
import { startSqsEmulator, type SqsEmulator } from '../../functions/local/sqs-emulator.js';
import { startLocalWebhooks, type LocalWebhooks } from '../../functions/local/webhooks-local.js';
import { useDynamo } from '../support/dynamo.js';
import { makeContacts, makeEngineKit, PROVIDER, type EngineKit } from '../support/engine-kit.js';
import { startReceiver, verifySignatures, type ReceivedWebhook, type WebhookReceiver } from '../support/webhook-receiver.js';

/** Every key Nango's sync body may have (checked against its types by tsc). */
const SYNC_KEYS = [
  'from',
  'type',
  'connectionId',
  'providerConfigKey',
  'syncName',
  'syncVariant',
  'model',
  'syncType',
  'checkpoints',
  'success',
  'responseResults',
  'modifiedAfter',
  'queryTimeStamp',
  'error',
  'startedAt',
  'failedAt',
] as const satisfies readonly (keyof NangoSyncWebhookBodySuccess | keyof NangoSyncWebhookBodyError)[];
const AUTH_KEYS = ['from', 'type', 'connectionId', 'authMode', 'providerConfigKey', 'provider', 'environment', 'operation', 'tags', 'endUser', 'success', 'error'] as const satisfies readonly (
  | keyof NangoAuthWebhookBodySuccess
  | keyof NangoAuthWebhookBodyError
)[];

interface Handled {
  sync: { model: string; full: boolean; success: boolean; checkpoints: NangoSyncWebhookBody['checkpoints']; error?: NangoSyncWebhookBodyError['error'] }[];
  auth: { connectionId: string; operation: string; tags: Record<string, string> | undefined; error: string | undefined }[];
}

/** The customer's handler, as a Nango user writes it (no knowledge of Syncline). */
function handleNangoWebhook(webhook: ReceivedWebhook, signingKey: string, handled: Handled): void {
  const hmac = createHmac('sha256', signingKey).update(webhook.body).digest('hex');
  if (hmac !== webhook.headers['x-nango-hmac-sha256']) throw new Error('signature mismatch');
  const payload = JSON.parse(webhook.body) as NangoWebhookBody;
  switch (payload.type) {
    case 'sync': {
      const { checkpoints } = payload;
      const full = !checkpoints || checkpoints.from === null;
      if (payload.success) handled.sync.push({ model: payload.model, full, success: true, checkpoints });
      else handled.sync.push({ model: payload.model, full, success: false, checkpoints, error: payload.error });
      return;
    }
    case 'auth':
      handled.auth.push({ connectionId: payload.connectionId, operation: payload.operation, tags: payload.tags, error: payload.success ? undefined : payload.error.description });
      return;
    default:
      // Nango's docs: ignore webhook types you do not know.
      return;
  }
}

const dynamo = useDynamo();
let kit: EngineKit;
let sqs: SqsEmulator;
let webhooks: LocalWebhooks;
let receiver: WebhookReceiver;
let secret: string;
const handled: Handled = { sync: [], auth: [] };
const logs: string[] = [];
const logger: Logger = { log: (level, message) => void logs.push(`${level} ${message}`) };

beforeAll(async () => {
  kit = await makeEngineKit({ deadlineMarginMs: 0, indexSettleMs: 200 });
  sqs = await startSqsEmulator();
  webhooks = await startLocalWebhooks({
    dynamo: { endpoint: dynamo.endpoint, client: dynamo.client, doc: dynamo.doc },
    stateTable: kit.tables.state,
    sqs,
    cipher: new LocalKeyFileCipher(randomBytes(32)),
    logger,
    allowPrivate: true,
    retryPolicy: { baseDelayMs: 20, maxDelayMs: 80, minSpanMs: 0, maxAttempts: 5 },
    pollIntervalMs: 100,
    queueName: `nango-receiver-${randomUUID().slice(0, 8)}`,
    integrations: kit.registry,
    // The runs move the kit's clock forward: the webhooks keep the same time.
    clock: kit.clock,
  });
  receiver = await startReceiver();
  // What a Nango user gets from a new environment: every event, success webhooks even for empty runs.
  const subscription = await webhooks.service.createSubscription({ url: receiver.url });
  expect(subscription).toMatchObject({ events: ['sync.success', 'sync.error', 'auth.refresh_error', 'auth.creation', 'auth.override', 'async_action'], always: true });
  secret = subscription.secret;
}, 60_000);

afterAll(async () => {
  await receiver?.stop();
  await webhooks?.stop();
  await sqs?.stop();
});

/** One run of the `scripted` sync, continued invocation after invocation until it finishes. */
async function runToEnd(): Promise<RunRecord> {
  const runId = `run-${randomUUID()}`;
  for (let invocation = 1; invocation <= 10; invocation++) {
    const outcome = await kit.run('scripted', { runId, trigger: invocation === 1 ? 'MANUAL' : 'CONTINUATION', deadline: kit.clock.now() + 2_500 });
    if (outcome.kind === 'FINISHED') return outcome.run;
    if (outcome.kind !== 'CONTINUE') throw new Error(`the run stopped: ${outcome.kind}`);
  }
  throw new Error('the run did not finish in 10 invocations');
}

/** Pages of two items, one second each, from its checkpoint up to `last`. */
const pageUpTo = (last: number) =>
  (kit.source.exec = async (nango) => {
    let page = Number((await nango.getCheckpoint())?.['page'] ?? 0);
    while (page < last) {
      kit.clock.advance(1_000);
      await nango.batchSave(makeContacts(2, page * 2), 'Item');
      await nango.saveCheckpoint({ page: ++page });
    }
  });

async function receive(count: number): Promise<ReceivedWebhook[]> {
  const before = receiver.received.length;
  const got = (await receiver.waitFor(before + count, 10_000)).slice(before);
  for (const webhook of got) {
    expect(Object.keys(webhook.json).every((key) => (webhook.json.type === 'auth' ? (AUTH_KEYS as readonly string[]) : (SYNC_KEYS as readonly string[])).includes(key))).toBe(true);
    expect(verifySignatures(webhook, secret)).toEqual({ hmac: true, legacy: true, standard: true });
    handleNangoWebhook(webhook, secret, handled);
  }
  return got;
}

describe('a receiver written for Nango', () => {
  it('takes a first run continued over three invocations as a full sync, and the next run as incremental', async () => {
    pageUpTo(5);
    const first = await runToEnd();
    const [firstHook] = await receive(1);

    expect(first).toMatchObject({ status: 'SUCCESS', invocations: 3, results: { Item: { added: 10, updated: 0, deleted: 0 } } });
    expect(firstHook!.json).toMatchObject({ from: 'syncline', syncName: 'scripted', syncVariant: 'base', model: 'Item', checkpoints: { from: null, to: { page: 5 } } });
    expect(handled.sync.at(-1)).toMatchObject({ model: 'Item', success: true, full: true });

    pageUpTo(6);
    await runToEnd();
    const [secondHook] = await receive(1);

    expect(secondHook!.json).toMatchObject({ success: true, responseResults: { added: 2, updated: 0, deleted: 0 }, checkpoints: { from: { page: 5 }, to: { page: 6 } } });
    expect(handled.sync.at(-1)).toMatchObject({ success: true, full: false });
  }, 60_000);

  it('gets a success webhook for a run that changed nothing (always, by default)', async () => {
    pageUpTo(6); // already there: reads the checkpoint, saves nothing
    const run = await runToEnd();
    const [hook] = await receive(1);

    expect(run.results['Item']).toEqual({ added: 0, updated: 0, deleted: 0 });
    expect(hook!.json).toMatchObject({ success: true, responseResults: { added: 0, updated: 0, deleted: 0 }, checkpoints: { from: { page: 6 }, to: { page: 6 } } });
  }, 30_000);

  it('reads an error webhook: error {type, description}, and where the run started', async () => {
    kit.source.exec = async (nango) => {
      await nango.saveCheckpoint({ page: 7 });
      throw new Error('provider exploded');
    };
    const run = await runToEnd();
    const [hook] = await receive(1);

    expect(run.status).toBe('ERROR');
    expect(Object.keys(hook!.json.error)).toEqual(['type', 'description']);
    expect(handled.sync.at(-1)).toMatchObject({ success: false, full: false, error: { type: 'script_error', description: 'provider exploded' }, checkpoints: { from: { page: 6 }, to: { page: 7 } } });
  }, 30_000);

  it('gets an auth webhook with the connection tags when the connection is marked after a failed refresh, once', async () => {
    await kit.state.connections.put({ ...kit.connection, tags: { end_user_id: 'u-42', organization_id: 'org-7' }, updatedAt: new Date().toISOString() });
    const stored = await kit.state.connections.find(PROVIDER, kit.connectionId);
    const authError = { type: 'auth' as const, message: 'refreshing the access token failed with HTTP 400 (invalid_grant)', at: new Date().toISOString(), runId: 'run-x' };
    // The write the runner makes when the provider refuses a refresh (`markAuthError`).
    await kit.state.connections.recordAuthError(PROVIDER, kit.connectionId, authError, stored!.updatedAt);
    const [hook] = await receive(1);
    // A later write to the marked connection sends nothing more.
    await kit.state.connections.updateMetadata(PROVIDER, kit.connectionId, { note: 'still marked' });
    await new Promise((resolve) => setTimeout(resolve, 800));

    expect(hook!.json).toEqual({
      from: 'syncline',
      type: 'auth',
      connectionId: kit.connectionId,
      authMode: 'NONE',
      providerConfigKey: PROVIDER,
      provider: PROVIDER,
      environment: 'dev',
      operation: 'refresh',
      tags: { end_user_id: 'u-42', organization_id: 'org-7' },
      success: false,
      error: { type: 'refresh_token_external_error', description: authError.message },
    });
    expect(handled.auth).toEqual([{ connectionId: kit.connectionId, operation: 'refresh', tags: { end_user_id: 'u-42', organization_id: 'org-7' }, error: authError.message }]);
    expect(receiver.received).toHaveLength(5);
    const [delivery] = (await webhooks.service.listDeliveries((await webhooks.service.listSubscriptions())[0]!.id, 10)).filter((d) => d.event === 'auth.refresh_error');
    expect(delivery).toMatchObject({ status: 'SUCCEEDED', syncName: null, runId: 'run-x', id: hook!.headers['webhook-id'] });
  }, 30_000);
});
