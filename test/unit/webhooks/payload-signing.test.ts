import { createHash, createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunRecord } from '../../../functions/engine/ports.js';
import { deliveryId, subscriptionOfDelivery } from '../../../functions/engine/webhooks/delivery-id.js';
import { buildErrorPayload, buildSuccessPayload, serializePayload } from '../../../functions/engine/webhooks/payload.js';
import { generateWebhookSecret, signWebhook } from '../../../functions/engine/webhooks/signing.js';

const run: RunRecord = {
  providerConfigKey: 'hubspot',
  connectionId: 'acme',
  syncName: 'contacts',
  runId: '20260101000000-abcd1234',
  status: 'SUCCESS',
  type: 'INCREMENTAL',
  trigger: 'SCHEDULE',
  startedAt: Date.parse('2026-01-01T00:00:00.000Z'),
  finishedAt: Date.parse('2026-01-01T00:00:05.250Z'),
  results: { Contact: { added: 3, updated: 2, deleted: 1 }, Note: { added: 0, updated: 0, deleted: 0 } },
  error: null,
  invocations: 1,
  stalledHandOvers: 0,
};

describe('payload', () => {
  it('has Nango sync webhook fields in order, modifiedAfter = run start', () => {
    const payload = buildSuccessPayload(run, 'Contact');

    expect(Object.keys(payload)).toEqual([
      'from',
      'type',
      'connectionId',
      'providerConfigKey',
      'syncName',
      'syncVariant',
      'model',
      'syncType',
      'success',
      'responseResults',
      'modifiedAfter',
      'queryTimeStamp',
    ]);
    expect(payload).toEqual({
      from: 'syncline',
      type: 'sync',
      connectionId: 'acme',
      providerConfigKey: 'hubspot',
      syncName: 'contacts',
      syncVariant: 'base',
      model: 'Contact',
      syncType: 'INCREMENTAL',
      success: true,
      responseResults: { added: 3, updated: 2, deleted: 1 },
      modifiedAfter: '2026-01-01T00:00:00.000Z',
      queryTimeStamp: '2026-01-01T00:00:00.000Z',
    });
  });

  it('queryTimeStamp is the run start on an INITIAL run too, as Nango sends it today', () => {
    expect(buildSuccessPayload({ ...run, type: 'INITIAL' }, 'Contact')).toMatchObject({ syncType: 'INITIAL', queryTimeStamp: '2026-01-01T00:00:00.000Z', modifiedAfter: '2026-01-01T00:00:00.000Z' });
  });

  it('an error payload carries error, startedAt and failedAt', () => {
    const payload = buildErrorPayload({ ...run, status: 'ERROR', error: { type: 'script_error', message: 'boom' } });

    expect(payload).toEqual({
      from: 'syncline',
      type: 'sync',
      connectionId: 'acme',
      providerConfigKey: 'hubspot',
      syncName: 'contacts',
      syncVariant: 'base',
      model: 'Contact,Note',
      syncType: 'INCREMENTAL',
      success: false,
      error: { type: 'script_error', description: 'boom' },
      startedAt: '2026-01-01T00:00:00.000Z',
      failedAt: '2026-01-01T00:00:05.250Z',
    });
  });

  it('the body is compact JSON that survives parse + stringify byte for byte', () => {
    const body = serializePayload(buildSuccessPayload(run, 'Contact'));

    expect(body).not.toMatch(/\s/);
    expect(JSON.stringify(JSON.parse(body))).toBe(body);
  });
});

describe('signatures, verified the way receivers do', () => {
  const secret = generateWebhookSecret();
  const body = serializePayload(buildSuccessPayload(run, 'Contact'));
  const id = deliveryId('whsub_0123456789abcdef', run, 'Contact');
  const headers = signWebhook({ secret, deliveryId: id, timestampS: 1_767_225_605, body });

  it('the secret is whsec_ + base64 of 32 bytes', () => {
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
  });

  it('X-Nango-Hmac-Sha256: hex HMAC-SHA256 of the raw body keyed with the secret', () => {
    expect(headers['X-Nango-Hmac-Sha256']).toBe(createHmac('sha256', secret).update(body).digest('hex'));
  });

  it('X-Nango-Signature: SHA-256 of secret + JSON.stringify(parsed body) (the legacy re-serializing check)', () => {
    const parsed: unknown = JSON.parse(body);
    const expected = createHash('sha256')
      .update(`${secret}${JSON.stringify(parsed)}`)
      .digest('hex');

    expect(headers['X-Nango-Signature']).toBe(expected);
  });

  describe('Standard Webhooks, checked by the official `standardwebhooks` library', () => {
    const signedAtMs = 1_767_225_605_000;
    /** The library compares webhook-timestamp with Date.now(): receive `afterMs` after signing. */
    const receiveAt = (afterMs: number) => vi.useFakeTimers({ toFake: ['Date'], now: signedAtMs + afterMs });
    afterEach(() => vi.useRealTimers());

    it('verifies with the secret exactly as the API returns it (whsec_…)', () => {
      receiveAt(60_000);

      expect(headers['webhook-id']).toBe(id);
      expect(headers['webhook-timestamp']).toBe('1767225605');
      expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    });

    it('refuses another secret, a changed body, and a timestamp over 5 minutes old (so each attempt is signed when sent)', () => {
      receiveAt(60_000);
      expect(() => new Webhook(generateWebhookSecret()).verify(body, headers)).toThrow('No matching signature found');
      expect(() => new Webhook(secret).verify(body.replace('"added":3', '"added":4'), headers)).toThrow('No matching signature found');

      receiveAt(5 * 60_000 + 1_000);
      expect(() => new Webhook(secret).verify(body, headers)).toThrow('Message timestamp too old');
    });
  });
});

describe('delivery ids', () => {
  it('are deterministic per (subscription, run, model) and name their subscription', () => {
    const a = deliveryId('whsub_0123456789abcdef', run, 'Contact');

    expect(deliveryId('whsub_0123456789abcdef', run, 'Contact')).toBe(a);
    expect(deliveryId('whsub_0123456789abcdef', run, 'Note')).not.toBe(a);
    expect(deliveryId('whsub_0123456789abcdef', run, null)).not.toBe(a);
    expect(deliveryId('whsub_fedcba9876543210', run, 'Contact')).not.toBe(a);
    expect(subscriptionOfDelivery(a)).toBe('whsub_0123456789abcdef');
    expect(subscriptionOfDelivery('whd_nope')).toBeNull();
  });

  it('sort by run end within a subscription', () => {
    const older = deliveryId('whsub_0123456789abcdef', run, 'Contact');
    const newer = deliveryId('whsub_0123456789abcdef', { ...run, runId: 'r2', finishedAt: run.finishedAt! + 1 }, 'Contact');

    expect(newer > older).toBe(true);
  });
});
