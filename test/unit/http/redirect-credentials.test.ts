/**
 * What a redirect carries to another host: none of the connection's credentials — not in the
 * standard headers, not in a provider template's own header, not in a header the caller passed
 * on — and not the query of the first URL. Same-origin hops keep their headers, as fetch does.
 * The fake fetch sends nothing; it only records what would have left.
 */
import { describe, expect, it } from 'vitest';
import { fakeClient, json, type FakeCall } from './fake-fetch.js';

const KEY = 'key-redirect-5e3b91';
const TOKEN = 'at-redirect-77c0de';

const redirectTo = (location: string) => (call: FakeCall, index: number) => (index === 0 ? new Response(null, { status: 302, headers: { location } }) : json(200, { at: call.url.href }));

function keyedClient(location: string) {
  return fakeClient(
    redirectTo(location),
    { getCredentials: async () => ({ type: 'API_KEY', apiKey: KEY }) },
    { auth: { mode: 'API_KEY' }, proxy: { headers: { 'x-api-key': '${apiKey}', 'x-signature': 'sig ${apiKey}' }, query: { api_key: '${apiKey}' } } },
  );
}

describe('a redirect to another origin', () => {
  it('drops every header holding a credential, template and forwarded ones included, and keeps the others', async () => {
    const { http, calls } = keyedClient('https://elsewhere.example/landing');

    await http.get({ endpoint: '/start', headers: { 'X-Forwarded-Key': `Token ${KEY}`, 'X-Api-Version': '2' } });

    expect(calls).toHaveLength(2);
    expect(calls[0]!.headers.get('x-api-key')).toBe(KEY);
    const second = calls[1]!;
    expect(second.url.host).toBe('elsewhere.example');
    for (const name of ['x-api-key', 'x-signature', 'x-forwarded-key', 'authorization']) expect(second.headers.get(name)).toBeNull();
    expect(second.headers.get('x-api-version')).toBe('2');
    expect([...second.headers].some(([, value]) => value.includes(KEY))).toBe(false);
  });

  it('drops an OAuth bearer and a forwarded copy of the token', async () => {
    const { http, calls } = fakeClient(
      redirectTo('https://elsewhere.example/landing'),
      { getCredentials: async () => ({ type: 'OAUTH2', accessToken: TOKEN }) },
      { auth: { mode: 'OAUTH2', authorizationUrl: 'https://a.example/auth', tokenUrl: 'https://a.example/token' } },
    );

    await http.get({ endpoint: '/start', headers: { 'X-Upstream-Auth': TOKEN } });

    expect(calls[0]!.headers.get('authorization')).toBe(`Bearer ${TOKEN}`);
    expect([...calls[1]!.headers].some(([, value]) => value.includes(TOKEN))).toBe(false);
  });

  it('does not carry the credential in the first URL query over: the next URL is the Location as sent', async () => {
    const { http, calls } = keyedClient('https://elsewhere.example/landing?page=2');

    await http.get({ endpoint: '/start' });

    expect(calls[0]!.url.searchParams.get('api_key')).toBe(KEY);
    expect(calls[1]!.url.href).toBe('https://elsewhere.example/landing?page=2');
  });
});

describe('a redirect within the origin', () => {
  it('keeps the credential headers, as fetch does', async () => {
    const { http, calls } = keyedClient('/v2/start');

    await http.get({ endpoint: '/start' });

    expect(calls[1]!.url.href).toBe('https://api.example.com/v2/start');
    expect(calls[1]!.headers.get('x-api-key')).toBe(KEY);
  });
});
