import { afterEach, describe, expect, it } from 'vitest';
import type { Credentials } from '../../../functions/engine/connection.js';
import { parseProvider, type ProviderInput } from '../../../functions/engine/providers/provider.js';
import { ProviderHttpError } from '../../../functions/engine/http/errors.js';
import { createProviderHttp } from '../../../functions/engine/http/provider-http.js';
import type { ProviderHttpDeps } from '../../../functions/engine/http/provider-http.js';
import { sendJson, startServer } from './test-server.js';
import type { RecordedRequest, TestServer } from './test-server.js';
import type { ServerResponse } from 'node:http';

const API_KEY = 'sk_live_TOPSECRET_42';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Serve the scripted responses in order; the last one repeats. */
async function scripted(...steps: Array<(req: RecordedRequest, res: ServerResponse) => void>): Promise<TestServer> {
  server = await startServer((req, res) => {
    const step = steps[Math.min(server!.requests.length - 1, steps.length - 1)]!;
    step(req, res);
  });
  return server;
}

const ok = (_req: RecordedRequest, res: ServerResponse) => sendJson(res, 200, { ok: true });
const status =
  (code: number, headers: Record<string, string> = {}) =>
  (_req: RecordedRequest, res: ServerResponse) =>
    sendJson(res, code, { error: 'nope' }, headers);
const dropConnection = (req: RecordedRequest, res: ServerResponse) => res.socket?.destroy();

function client(baseUrl: string, extra: Partial<ProviderHttpDeps> = {}, auth: ProviderInput['auth'] = { mode: 'API_KEY' }, proxy?: ProviderInput['proxy']) {
  const delays: number[] = [];
  const logs: string[] = [];
  const credentials: Credentials = { type: 'API_KEY', apiKey: API_KEY };
  const http = createProviderHttp({
    provider: parseProvider({ baseUrl, auth, ...(proxy ? { proxy } : {}) }),
    getCredentials: async () => credentials,
    sleep: async (ms) => void delays.push(ms),
    random: () => 0.5,
    log: (msg) => void logs.push(msg),
    ...extra,
  });
  return { http, delays, logs };
}

describe('retries', () => {
  it('waits exactly Retry-After seconds on 429, then succeeds', async () => {
    const { baseUrl, requests } = await scripted(status(429, { 'Retry-After': '7' }), ok);
    const { http, delays } = client(baseUrl);
    const res = await http.get({ endpoint: '/contacts', retries: 3 });
    expect(res.status).toBe(200);
    expect(requests).toHaveLength(2);
    expect(delays).toEqual([7000]);
  });

  it('honours an HTTP-date Retry-After on 503, capped by maxRetryDelayMs', async () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    const { baseUrl } = await scripted(status(503, { 'Retry-After': 'Wed, 01 Jan 2025 00:00:30 GMT' }), status(503, { 'Retry-After': '3600' }), ok);
    const { http, delays } = client(baseUrl, { now: () => now, maxRetryDelayMs: 60_000 });
    await http.get({ endpoint: '/contacts', retries: 2 });
    expect(delays).toEqual([30_000, 60_000]);
  });

  it('retries 5xx with full-jitter exponential backoff (3 s base)', async () => {
    const { baseUrl, requests } = await scripted(status(500), status(502), status(503), ok);
    const { http, delays } = client(baseUrl);
    await http.get({ endpoint: '/contacts', retries: 5 });
    expect(requests).toHaveLength(4);
    // random() = 0.5 → half of 3 s, 6 s, 12 s
    expect(delays).toEqual([1500, 3000, 6000]);
  });

  it('retries a dropped connection', async () => {
    const { baseUrl, requests } = await scripted(dropConnection, ok);
    const { http, delays } = client(baseUrl);
    const res = await http.get({ endpoint: '/contacts', retries: 1 });
    expect(res.data).toEqual({ ok: true });
    expect(requests).toHaveLength(2);
    expect(delays).toHaveLength(1);
  });

  it('retries a per-attempt timeout', async () => {
    const { baseUrl, requests } = await scripted(() => undefined /* never answers */, ok);
    const { http } = client(baseUrl, { timeoutMs: 100 });
    await expect(http.get({ endpoint: '/slow', retries: 1 })).resolves.toMatchObject({ status: 200 });
    expect(requests).toHaveLength(2);
  });

  it('retries extra statuses from retryOn but not other 4xx', async () => {
    const { baseUrl, requests } = await scripted(status(409), status(404));
    const { http, delays } = client(baseUrl);
    const error = await http.get({ endpoint: '/c', retries: 5, retryOn: [409] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderHttpError);
    expect((error as ProviderHttpError).status).toBe(404);
    expect(requests).toHaveLength(2);
    expect(delays).toHaveLength(1);
  });

  it('does not retry by default (retries = 0, as in Nango)', async () => {
    const { baseUrl, requests } = await scripted(status(500), ok);
    const { http } = client(baseUrl);
    await expect(http.get({ endpoint: '/c' })).rejects.toThrow('GET /c failed with 500 after 0 retries');
    expect(requests).toHaveLength(1);
  });
});

describe('giving up', () => {
  it('throws a ProviderHttpError after the configured retries', async () => {
    const { baseUrl, requests } = await scripted(status(429, { 'Retry-After': '1' }));
    const { http, delays } = client(baseUrl);
    const error = (await http.get({ endpoint: '/contacts', params: { page: '2' }, retries: 3 }).catch((e: unknown) => e)) as ProviderHttpError;
    expect(error).toBeInstanceOf(ProviderHttpError);
    expect(error.message).toBe('GET /contacts failed with 429 after 3 retries');
    expect(error.status).toBe(429);
    expect(error.retries).toBe(3);
    expect(error.method).toBe('GET');
    expect(error.url).toBe(`${baseUrl}/contacts?page=2`);
    expect(error.bodyExcerpt).toContain('nope');
    expect(error.response?.status).toBe(429);
    expect(requests).toHaveLength(4);
    expect(delays).toEqual([1000, 1000, 1000]);
  });

  it('reports a network failure when no response ever arrives', async () => {
    const { baseUrl } = await scripted(dropConnection);
    const { http } = client(baseUrl);
    const error = (await http.get({ endpoint: '/contacts', retries: 2 }).catch((e: unknown) => e)) as ProviderHttpError;
    expect(error).toBeInstanceOf(ProviderHttpError);
    expect(error.status).toBeUndefined();
    expect(error.message).toMatch(/^GET \/contacts failed with network error \(.+\) after 2 retries$/);
  });

  it('never leaks the credential: query key stripped from url, echoed key redacted from body', async () => {
    const { baseUrl, requests } = await scripted((req, res) => sendJson(res, 500, { error: `bad key ${req.query.get('key')}` }));
    const { http, logs } = client(baseUrl, {}, { mode: 'API_KEY' }, { query: { key: '${apiKey}' } });
    const error = (await http.get({ endpoint: '/contacts', params: { q: 'x' }, retries: 1 }).catch((e: unknown) => e)) as ProviderHttpError;
    expect(requests[0]?.query.get('key')).toBe(API_KEY); // it was sent…
    expect(error.url).toBe(`${baseUrl}/contacts?q=x`); // …but is not reported
    expect(error.bodyExcerpt).toContain('bad key [redacted]');
    for (const text of [error.message, error.url, error.bodyExcerpt ?? '', String(error.stack), ...logs]) {
      expect(text).not.toContain(API_KEY);
    }
  });

  it('keeps the bearer token out of the message and logs', async () => {
    const { baseUrl } = await scripted((req, res) => sendJson(res, 401, { error: `invalid ${req.headers.authorization}` }));
    const { http, logs } = client(baseUrl);
    const error = (await http.get({ endpoint: '/me' }).catch((e: unknown) => e)) as ProviderHttpError;
    expect(error.message).toBe('GET /me failed with 401 after 0 retries');
    expect(error.bodyExcerpt).toBe('{"error":"invalid Bearer [redacted]"}');
    expect([...logs, error.message, error.url].join('\n')).not.toContain(API_KEY);
  });
});
