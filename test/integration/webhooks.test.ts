/**
 * Webhooks end to end on one machine: real runs write their results to DynamoDB Local, the
 * stream poller feeds them to the run-results handler, deliveries go through the SQS emulator to
 * the delivery handler, which POSTs to receivers on 127.0.0.1 (allowed: `allowPrivate`). The
 * retry schedule is compressed to milliseconds; everything else is as in AWS.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { LocalKeyFileCipher } from '../../functions/adapters/crypto/local-cipher.js';
import type { Logger } from '../../functions/engine/ports.js';
import { WebhookUrlError } from '../../functions/engine/webhooks/webhook-service.js';
import { startSqsEmulator, type SqsEmulator } from '../../functions/local/sqs-emulator.js';
import { startLocalWebhooks, type LocalWebhooks } from '../../functions/local/webhooks-local.js';
import { useDynamo } from '../support/dynamo.js';
import { makeContacts, makeEngineKit, type EngineKit } from '../support/engine-kit.js';
import { startReceiver, verifySignatures, type WebhookReceiver } from '../support/webhook-receiver.js';

const dynamo = useDynamo();
let kit: EngineKit;
let sqs: SqsEmulator;
let webhooks: LocalWebhooks;
const receivers: WebhookReceiver[] = [];
const logs: string[] = [];
const logger: Logger = { log: (level, message) => void logs.push(`${level} ${message}`) };

beforeAll(async () => {
  kit = await makeEngineKit();
  sqs = await startSqsEmulator();
  webhooks = await startLocalWebhooks({
    dynamo: { endpoint: dynamo.endpoint, client: dynamo.client, doc: dynamo.doc },
    stateTable: kit.tables.state,
    sqs,
    cipher: new LocalKeyFileCipher(randomBytes(32)),
    logger,
    allowPrivate: true,
    retryPolicy: { baseDelayMs: 20, maxDelayMs: 80, minSpanMs: 0, maxAttempts: 8 },
    pollIntervalMs: 100,
  });
});

afterEach(async () => {
  for (const subscription of await webhooks.service.listSubscriptions()) await webhooks.service.deleteSubscription(subscription.id);
  for (const receiver of receivers.splice(0)) await receiver.stop();
  kit.source.failWith = null;
});

afterAll(async () => {
  await webhooks?.stop();
  await sqs?.stop();
});

async function receiver(respond?: Parameters<typeof startReceiver>[0]) {
  const started = await startReceiver(respond);
  receivers.push(started);
  return started;
}

async function runContacts() {
  const outcome = await kit.run('contacts');
  if (outcome.kind !== 'FINISHED') throw new Error(`run did not finish: ${outcome.kind}`);
  return { run: outcome.run, finishedAt: Date.now() };
}

/** Quiet period after the expected webhooks, to catch duplicates or unwanted ones. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 800));

describe('webhooks from run results', () => {
  it('a run that changed Contact records sends one signed delivery per subscription within 5 s', async () => {
    kit.source.contacts = makeContacts(5);
    await runContacts();
    await settle(); // its result reaches the stream before the subscriptions exist
    const [a, b] = [await receiver(), await receiver()];
    const subA = await webhooks.service.createSubscription({ url: a.url, events: ['sync.success', 'sync.error'], always: false });
    const subB = await webhooks.service.createSubscription({ url: b.url, events: ['sync.success'], always: false });
    // Second run: two contacts changed, one added.
    const changed = makeContacts(6).map((c, i) => (i < 2 ? { ...c, name: `${c.name} (renamed)` } : c));
    kit.source.contacts = changed;

    const { run, finishedAt } = await runContacts();
    const [gotA] = await a.waitFor(1, 5_000);
    const [gotB] = await b.waitFor(1, 5_000);
    const elapsed = Date.now() - finishedAt;
    await settle();

    expect(elapsed).toBeLessThan(5_000);
    expect(a.received).toHaveLength(1);
    expect(b.received).toHaveLength(1);
    expect(run.results['Contact']).toEqual({ added: 1, updated: 2, deleted: 0 });
    for (const [got, sub] of [
      [gotA!, subA],
      [gotB!, subB],
    ] as const) {
      expect(verifySignatures(got, sub.secret)).toEqual({ hmac: true, legacy: true, standard: true });
      expect(got.json).toMatchObject({
        from: 'syncline',
        type: 'sync',
        providerConfigKey: 'test-crm',
        connectionId: kit.connectionId,
        syncName: 'contacts',
        model: 'Contact',
        syncType: 'INCREMENTAL',
        success: true,
        responseResults: { added: 1, updated: 2, deleted: 0 },
        modifiedAfter: new Date(run.startedAt).toISOString(),
      });
    }
    const page = await kit.records.list(kit.partition('Contact'), { limit: 1000, modifiedAfter: Date.parse(gotA!.json.modifiedAfter) });
    expect(page.records.map((r) => r.id).sort()).toEqual(['c-000000', 'c-000001', 'c-000005']);
    const [delivery] = await webhooks.service.listDeliveries(subA.id, 10);
    expect(delivery).toMatchObject({ id: gotA!.headers['webhook-id'], status: 'SUCCEEDED', model: 'Contact' });
  });

  it('a run that changed nothing sends nothing, unless the subscription asks for always', async () => {
    const [quiet, always] = [await receiver(), await receiver()];
    await webhooks.service.createSubscription({ url: quiet.url, events: ['sync.success'], always: false });
    await webhooks.service.createSubscription({ url: always.url, events: ['sync.success'], always: true });

    const { run } = await runContacts(); // same source as before: no change
    const [got] = await always.waitFor(1, 5_000);
    await settle();

    expect(run.results['Contact']).toEqual({ added: 0, updated: 0, deleted: 0 });
    expect(got!.json).toMatchObject({ success: true, model: 'Contact', responseResults: { added: 0, updated: 0, deleted: 0 } });
    expect(always.received).toHaveLength(1);
    expect(quiet.received).toHaveLength(0);
  });

  it('a failed run sends an error webhook to subscriptions that asked for sync.error', async () => {
    const [errors, successes] = [await receiver(), await receiver()];
    const sub = await webhooks.service.createSubscription({ url: errors.url, events: ['sync.error'], always: false });
    await webhooks.service.createSubscription({ url: successes.url, events: ['sync.success'], always: true });
    kit.source.failWith = new Error('provider exploded');

    const { run } = await runContacts();
    const [got] = await errors.waitFor(1, 5_000);
    await settle();

    expect(run.status).toBe('ERROR');
    expect(verifySignatures(got!, sub.secret)).toEqual({ hmac: true, legacy: true, standard: true });
    expect(got!.json).toMatchObject({
      type: 'sync',
      success: false,
      syncName: 'contacts',
      model: 'Contact',
      error: { type: expect.any(String), description: expect.stringContaining('provider exploded') },
      startedAt: new Date(run.startedAt).toISOString(),
      failedAt: new Date(run.finishedAt!).toISOString(),
    });
    expect(successes.received).toHaveLength(0);
  });

  it('retries a receiver answering 500 five times with the same webhook-id, and succeeds at attempt 6', async () => {
    const flaky = await receiver((n) => ({ status: n <= 5 ? 500 : 200 }));
    const sub = await webhooks.service.createSubscription({ url: flaky.url, events: ['sync.success'], always: false });
    kit.source.contacts = [...(kit.source.contacts as object[]), ...makeContacts(2, 100)];

    await runContacts();
    const got = await flaky.waitFor(6, 10_000);
    await settle();

    expect(flaky.received).toHaveLength(6);
    expect(new Set(got.map((w) => w.headers['webhook-id'])).size).toBe(1);
    for (const webhook of got) expect(verifySignatures(webhook, sub.secret).standard).toBe(true);
    const [delivery] = await webhooks.service.listDeliveries(sub.id, 10);
    expect(delivery!.status).toBe('SUCCEEDED');
    expect(delivery!.attempts.map((a) => a.statusCode)).toEqual([500, 500, 500, 500, 500, 200]);
    expect(delivery!.attempts.slice(0, 5).every((a) => a.nextRetryAt !== null)).toBe(true);
  });

  it('a receiver answering 410 disables its subscription', async () => {
    const gone = await receiver(() => ({ status: 410 }));
    const sub = await webhooks.service.createSubscription({ url: gone.url, events: ['sync.success'], always: true });

    await runContacts();
    await gone.waitFor(1, 5_000);
    await vi.waitFor(async () => expect(await webhooks.service.getSubscription(sub.id)).toMatchObject({ enabled: false }), { timeout: 5_000, interval: 50 });
    await settle();

    expect(gone.received).toHaveLength(1);
    expect(await webhooks.service.getSubscription(sub.id)).toMatchObject({ enabled: false, disabledReason: expect.stringContaining('410') });
    const [delivery] = await webhooks.service.listDeliveries(sub.id, 10);
    expect(delivery).toMatchObject({ status: 'FAILED', attempts: [{ statusCode: 410, nextRetryAt: null }] });
  });

  it('a delivery that runs out of attempts fails, and replay sends it again with the same id', async () => {
    let healthy = false;
    const down = await receiver(() => ({ status: healthy ? 200 : 503 }));
    const sub = await webhooks.service.createSubscription({ url: down.url, events: ['sync.success'], always: true });

    await runContacts();
    await down.waitFor(8, 10_000);
    await vi.waitFor(async () => expect((await webhooks.service.listDeliveries(sub.id, 1))[0]?.status).toBe('FAILED'), { timeout: 5_000, interval: 50 });
    const [failed] = await webhooks.service.listDeliveries(sub.id, 1);
    healthy = true;
    await webhooks.service.replay(failed!.id);
    const all = await down.waitFor(9, 5_000);
    await vi.waitFor(async () => expect((await webhooks.service.listDeliveries(sub.id, 1))[0]?.status).toBe('SUCCEEDED'), { timeout: 5_000, interval: 50 });

    expect(failed!.attempts).toHaveLength(8);
    expect(all.at(-1)!.headers['webhook-id']).toBe(failed!.id);
  });

  it('refuses subscription URLs that point inside the network when the guard is on', async () => {
    const { WebhookService } = await import('../../functions/engine/webhooks/webhook-service.js');
    const { dnsResolver } = await import('../../functions/adapters/http/webhook-sender.js');
    const guarded = new WebhookService({
      store: webhooks.store,
      queue: { send: async () => undefined, sendToDeadLetter: async () => undefined },
      resolve: dnsResolver,
      clock: kit.clock,
      allowPrivate: false,
      allowHttp: false,
    });

    for (const url of ['http://169.254.169.254/', 'http://10.0.0.1/', 'https://localhost/hook', 'https://127.0.0.1/']) {
      await expect(guarded.createSubscription({ url, events: ['sync.success'], always: false })).rejects.toBeInstanceOf(WebhookUrlError);
    }
    expect(await webhooks.service.listSubscriptions()).toEqual([]);
  });
});
