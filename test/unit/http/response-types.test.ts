/**
 * `responseType`: `stream` hands the body over as a Node.js `Readable` without buffering it
 * (scripts pipe CSV and zip downloads), `arraybuffer` a Buffer, `text` a string, `json` parsed.
 */
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProviderHttpError, ProxyConfigError } from '../../../functions/engine/http/errors.js';
import type { ProxyResponseType } from '../../../functions/engine/http/proxy-config.js';
import { createProviderHttp } from '../../../functions/engine/http/provider-http.js';
import { parseProvider } from '../../../functions/engine/providers/provider.js';
import { fakeClient, json } from './fake-fetch.js';
import { startServer, type TestServer } from './test-server.js';

afterEach(() => {
  vi.useRealTimers();
});

/** A body of `chunks` chunks served on demand, recording how many were pulled and whether it was cancelled. */
function lazyBody(chunks: number, chunk: (i: number) => string) {
  const state = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (state.pulled === chunks) return controller.close();
        controller.enqueue(new TextEncoder().encode(chunk(state.pulled)));
        state.pulled += 1;
      },
      cancel() {
        state.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, state };
}

async function drain(readable: Readable): Promise<string> {
  const parts: Buffer[] = [];
  await pipeline(
    readable,
    new Writable({
      write(part: Buffer, _encoding, done) {
        parts.push(part);
        done();
      },
    }),
  );
  return Buffer.concat(parts).toString('utf8');
}

describe("responseType 'stream'", () => {
  it('returns a Readable that has not read the body yet, and pipes the whole download', async () => {
    const body = lazyBody(100, (i) => `row-${i}\n`);
    const { http } = fakeClient(() => new Response(body.stream, { status: 200, headers: { 'content-type': 'text/csv' } }));

    const res = await http.get<Readable>({ endpoint: '/export.csv', responseType: 'stream' });

    expect(res.data).toBeInstanceOf(Readable);
    expect(res.headers['content-type']).toBe('text/csv');
    expect(body.state.pulled).toBeLessThan(5);
    const text = await drain(res.data);
    expect(text.split('\n').filter(Boolean)).toHaveLength(100);
    expect(text.startsWith('row-0\nrow-1\n')).toBe(true);
  });

  it('is not cut off by the per-attempt timeout once the headers have arrived', async () => {
    vi.useFakeTimers();
    const body = lazyBody(2, (i) => `part-${i};`);
    const { http, calls } = fakeClient(() => new Response(body.stream), { timeoutMs: 1_000 });

    const res = await http.get<Readable>({ endpoint: '/big.zip', responseType: 'stream' });
    vi.advanceTimersByTime(10_000);

    expect(calls[0]?.signal?.aborted).toBe(false);
    expect(await drain(res.data)).toBe('part-0;part-1;');
  });

  it('gives an empty Readable for a bodiless answer', async () => {
    const { http } = fakeClient(() => new Response(null, { status: 204 }));
    const res = await http.delete<Readable>({ endpoint: '/x', responseType: 'stream' });
    expect(await drain(res.data)).toBe('');
  });

  it('raises ProviderHttpError on a non-2xx answer, reading only the start of the body, secrets redacted', async () => {
    const token = 'at-SECRET-1';
    const body = lazyBody(1_000, (i) => (i === 0 ? `{"error":"token ${token} expired"}` : 'x'.repeat(1024)));
    const { http } = fakeClient(
      () => new Response(body.stream, { status: 403, headers: { 'content-type': 'application/json' } }),
      {
        getCredentials: async () => ({ type: 'OAUTH2', accessToken: token }),
      },
      { auth: { mode: 'OAUTH2' } },
    );

    const error = await http.get({ endpoint: '/export', responseType: 'stream' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ProviderHttpError);
    expect((error as ProviderHttpError).status).toBe(403);
    expect((error as ProviderHttpError).bodyExcerpt).toMatch(/^\{"error":"token \[redacted\] expired"\}x+$/);
    expect((error as ProviderHttpError).bodyExcerpt).not.toContain(token);
    expect(body.state.pulled).toBeLessThan(100);
    expect(body.state.cancelled).toBe(true);
  });
});

describe('other response types', () => {
  const payload = '{"a":1}';
  const answer = () => new Response(payload, { status: 200, headers: { 'content-type': 'application/json' } });

  it.each<[ProxyResponseType | undefined, (data: unknown) => void]>([
    [undefined, (data) => expect(data).toEqual({ a: 1 })],
    ['json', (data) => expect(data).toEqual({ a: 1 })],
    ['text', (data) => expect(data).toBe(payload)],
    ['arraybuffer', (data) => expect(Buffer.isBuffer(data) && data.toString('utf8')).toBe(payload)],
  ])('%s', async (responseType, check) => {
    const { http } = fakeClient(answer);
    check((await http.get({ endpoint: '/x', ...(responseType ? { responseType } : {}) })).data);
  });

  it('json falls back to the text of a body that does not parse', async () => {
    const { http } = fakeClient(() => new Response('plain', { status: 200 }));
    expect((await http.get({ endpoint: '/x' })).data).toBe('plain');
  });

  it('times out a buffered body that stalls', async () => {
    vi.useFakeTimers();
    // Like fetch, the fake errors the body when the request's signal aborts.
    const { http, calls } = fakeClient(
      (call) =>
        new Response(
          new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(new TextEncoder().encode('{"a":'));
              call.signal?.addEventListener('abort', () => controller.error(call.signal?.reason));
            },
          }),
        ),
      { timeoutMs: 1_000 },
    );

    const pending = http.get({ endpoint: '/x' }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1_000);

    expect(calls[0]?.signal?.aborted).toBe(true);
    const error = await pending;
    expect(error).toBeInstanceOf(ProviderHttpError);
    expect((error as Error).message).toMatch(/network error \(timeout\)/);
  });

  it('refuses a response type it cannot produce', async () => {
    const { http, calls } = fakeClient(() => json(200, {}));
    await expect(http.get({ endpoint: '/x', responseType: 'blob' as ProxyResponseType })).rejects.toBeInstanceOf(ProxyConfigError);
    expect(calls).toHaveLength(0);
  });
});

describe("responseType 'stream' over a real socket", () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('pipes a 2 MB body through fetch unchanged', async () => {
    const row = `${'y'.repeat(1023)}\n`;
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/csv' });
      for (let i = 0; i < 2048; i++) res.write(row);
      res.end();
    });
    const http = createProviderHttp({ provider: parseProvider({ baseUrl: server.baseUrl, auth: { mode: 'NONE' } }), getCredentials: async () => ({ type: 'NONE' }) });

    const res = await http.get<Readable>({ endpoint: '/export.csv', responseType: 'stream' });
    const text = await drain(res.data);

    expect(text.length).toBe(2048 * 1024);
    expect(text.slice(0, 1024)).toBe(row);
  });
});
