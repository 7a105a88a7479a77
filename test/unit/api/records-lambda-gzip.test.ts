/**
 * A gzipped records page through the Lambda adapter the API entry uses (`hono/aws-lambda`,
 * API Gateway HTTP API payload v2): the body goes out base64 with `Content-Encoding: gzip`,
 * and decodes to the very JSON an uncompressed answer carries.
 */
import { gunzipSync } from 'node:zlib';
import { Hono } from 'hono';
import { handle, type LambdaEvent } from 'hono/aws-lambda';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import type { ApiDeps } from '../../../functions/api/deps.js';
import { toErrorResponse } from '../../../functions/api/errors.js';
import type { ApiEnv } from '../../../functions/api/route.js';
import { recordsRoutes } from '../../../functions/api/routes/records.js';
import { defineIntegration, IntegrationRegistry } from '../../../functions/engine/integration.js';
import type { ConnectionSyncState, StoredRecord } from '../../../functions/engine/ports.js';
import { createSync } from '../../../functions/engine/sync-definition.js';

const registry = new IntegrationRegistry([
  defineIntegration({
    providerConfigKey: 'crm',
    provider: { baseUrl: 'https://api.example.com', auth: { mode: 'NONE' } },
    syncs: { contacts: createSync({ frequency: 'every hour', models: { Contact: z.object({ id: z.string() }) }, exec: async () => undefined }) },
  }),
]);

const stored = (id: string): StoredRecord => {
  const payload = { id, about: 'word '.repeat(200) };
  return { id, payload, payloadJson: JSON.stringify(payload), firstSeenAt: 0, lastModifiedAt: 0, lastAction: 'ADDED', deletedAt: null, prunedAt: null, version: 1, cursor: `c-${id}` };
};

function lambdaHandler() {
  const state = (key: { providerConfigKey: string; connectionId: string; syncName: string }): ConnectionSyncState => ({
    ...key,
    enabled: true,
    frequencyOverrideMs: null,
    lastSyncDate: null,
    checkpoint: null,
    passId: null,
    lease: null,
    releasedAt: 0,
    lastRun: null,
    recordCounts: {},
    updatedAt: 0,
  });
  const deps = {
    syncline: {
      registry,
      records: { list: async () => ({ records: Array.from({ length: 50 }, (_, i) => stored(String(i))), nextCursor: 'c-49' }) },
      state: { connectionSyncs: { get: async (key: Parameters<typeof state>[0]) => state(key) } },
    },
    clock: { now: () => 1_000_000 },
    visibilityLagMs: 2_000,
  } as unknown as ApiDeps;
  const app = new Hono<ApiEnv>();
  const route = recordsRoutes(deps).find((r) => r.spec.path === '/records' && r.spec.method === 'get')!;
  app.get('/records', (c) => route.handle(c));
  app.onError((error, c) => {
    const { status, body } = toErrorResponse(error, { log: () => undefined }, 'req');
    return c.json(body, status);
  });
  return handle(app);
}

function event(headers: Record<string, string>): LambdaEvent {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/records',
    rawQueryString: 'model=Contact&limit=50',
    headers: { host: 'api.example.com', 'connection-id': 'acme', 'provider-config-key': 'crm', ...headers },
    requestContext: {
      accountId: '1',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method: 'GET', path: '/records', protocol: 'HTTP/1.1', sourceIp: '203.0.113.1', userAgent: 'test' },
      requestId: 'r',
      routeKey: '$default',
      stage: '$default',
      time: '',
      timeEpoch: 0,
    },
    body: null,
    isBase64Encoded: false,
  } as unknown as LambdaEvent; // the fields the adapter reads
}

describe('GET /records in Lambda', () => {
  it('sends a gzipped page as a base64 body with Content-Encoding: gzip', async () => {
    const handler = lambdaHandler();
    const plain = (await handler(event({ 'accept-encoding': 'identity' }), {} as never)) as { body: string; isBase64Encoded: boolean; headers: Record<string, string> };
    const zipped = (await handler(event({ 'accept-encoding': 'gzip, deflate, br' }), {} as never)) as typeof plain;

    expect(plain.isBase64Encoded).toBe(false);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(plain.body).records).toHaveLength(50);

    expect(zipped.isBase64Encoded).toBe(true);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers['vary']).toBe('Accept-Encoding');
    const compressed = Buffer.from(zipped.body, 'base64');
    expect(compressed.byteLength).toBeLessThan(Buffer.byteLength(plain.body) / 4);
    expect(gunzipSync(compressed).toString('utf8')).toBe(plain.body);
  });
});
