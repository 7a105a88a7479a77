/**
 * A fetch that sends nothing: each test scripts the provider's answers in `respond` and asserts
 * on the calls it recorded. `fakeClient` builds a provider client on it with a recorded sleep.
 */
import { createProviderHttp } from '../../../functions/engine/http/provider-http.js';
import type { ProviderHttpDeps } from '../../../functions/engine/http/provider-http.js';
import { parseProvider, type ProviderInput } from '../../../functions/engine/providers/provider.js';

export interface FakeCall {
  url: URL;
  method: string;
  headers: Headers;
  /** The body as sent, decoded as text; undefined when none was sent. */
  body: string | undefined;
  signal: AbortSignal | undefined;
}

export type Responder = (call: FakeCall, index: number) => Response | Promise<Response>;

export function fakeFetch(respond: Responder) {
  const calls: FakeCall[] = [];
  const fetchImpl: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const body = init?.body === undefined || init.body === null ? undefined : await new Response(init.body).text();
    const call: FakeCall = { url, method: init?.method ?? 'GET', headers: new Headers(init?.headers), body, signal: init?.signal ?? undefined };
    calls.push(call);
    return respond(call, calls.length - 1);
  };
  return { fetch: fetchImpl, calls };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

export const BASE_URL = 'https://api.example.com';

export function fakeClient(respond: Responder, extra: Partial<ProviderHttpDeps> = {}, provider: Partial<ProviderInput> = {}) {
  const net = fakeFetch(respond);
  const delays: number[] = [];
  const http = createProviderHttp({
    provider: parseProvider({ baseUrl: BASE_URL, auth: { mode: 'NONE' }, ...provider }),
    getCredentials: async () => ({ type: 'NONE' }),
    fetch: net.fetch,
    sleep: async (ms) => void delays.push(ms),
    random: () => 0.5,
    ...extra,
  });
  return { http, calls: net.calls, delays };
}

export async function collect<T>(pages: AsyncIterable<T[]>): Promise<T[][]> {
  const out: T[][] = [];
  for await (const page of pages) out.push(page);
  return out;
}
