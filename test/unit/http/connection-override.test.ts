/**
 * Per-call `providerConfigKey` / `connectionId`: a call naming another connection goes through
 * that connection's client (`forConnection`); naming the client's own takes the normal path.
 */
import { describe, expect, it, vi } from 'vitest';
import { ProxyConfigError } from '../../../functions/engine/http/errors.js';
import type { ConnectionRef, ProviderHttp } from '../../../functions/engine/http/provider-http.js';
import { collect, fakeClient, json } from './fake-fetch.js';

const SELF: ConnectionRef = { providerConfigKey: 'crm', connectionId: 'acme' };

/** A client for another connection, on its own fake network, answering with its connection id. */
function otherClient(ref: ConnectionRef) {
  return fakeClient((call) => json(200, call.url.searchParams.has('after') ? { items: [] } : { items: [{ id: `${ref.connectionId}-1` }], next: 'n' }), {
    self: ref,
  });
}

function setup() {
  const others = new Map<string, ReturnType<typeof otherClient>>();
  const forConnection = vi.fn(async (ref: ConnectionRef): Promise<ProviderHttp> => {
    const client = otherClient(ref);
    others.set(`${ref.providerConfigKey}/${ref.connectionId}`, client);
    return client.http;
  });
  const client = fakeClient(() => json(200, { from: 'self' }), { self: SELF, forConnection });
  return { http: client.http, ownCalls: client.calls, others, forConnection };
}

describe('per-call connection overrides', () => {
  it('delegates a call naming another connection, without the override fields', async () => {
    const { http, ownCalls, others, forConnection } = setup();

    const res = await http.get({ endpoint: '/items', connectionId: 'globex' });

    expect(forConnection).toHaveBeenCalledWith({ providerConfigKey: 'crm', connectionId: 'globex' });
    expect(res.data).toEqual({ items: [{ id: 'globex-1' }], next: 'n' });
    expect(ownCalls).toHaveLength(0);
    expect(others.get('crm/globex')?.calls.map((c) => c.url.pathname)).toEqual(['/items']);
  });

  it('delegates on another providerConfigKey, keeping the own connectionId', async () => {
    const { http, forConnection } = setup();
    await http.proxy({ endpoint: '/x', providerConfigKey: 'billing' });
    expect(forConnection).toHaveBeenCalledWith({ providerConfigKey: 'billing', connectionId: 'acme' });
  });

  it('delegates paginate to the other connection', async () => {
    const { http, ownCalls } = setup();
    const pages = await collect(
      http.paginate({ endpoint: '/items', connectionId: 'globex', paginate: { type: 'cursor', cursor_name_in_request: 'after', cursor_path_in_response: 'next', response_path: 'items' } }),
    );
    expect(pages).toEqual([[{ id: 'globex-1' }]]);
    expect(ownCalls).toHaveLength(0);
  });

  it('asks forConnection once per connection, and again after it failed', async () => {
    const { http, forConnection } = setup();
    forConnection.mockRejectedValueOnce(new Error('unknown connection'));

    await expect(http.get({ endpoint: '/x', connectionId: 'globex' })).rejects.toThrow('unknown connection');
    await http.get({ endpoint: '/x', connectionId: 'globex' });
    await http.get({ endpoint: '/y', connectionId: 'globex' });
    await http.get({ endpoint: '/y', connectionId: 'initech' });

    expect(forConnection.mock.calls.map(([ref]) => ref.connectionId)).toEqual(['globex', 'globex', 'initech']);
  });

  it('takes the normal path when the call names its own connection', async () => {
    const { http, ownCalls, forConnection } = setup();
    const res = await http.get({ endpoint: '/x', providerConfigKey: 'crm', connectionId: 'acme' });
    expect(res.data).toEqual({ from: 'self' });
    expect(ownCalls).toHaveLength(1);
    expect(forConnection).not.toHaveBeenCalled();
  });

  it('refuses an override when no forConnection is wired, naming the reason', async () => {
    const { http, calls } = fakeClient(() => json(200, {}), { self: SELF });
    await expect(http.get({ endpoint: '/x', connectionId: 'globex' })).rejects.toThrow(/Per-call providerConfigKey\/connectionId overrides are not available here/);
    await expect(collect(http.paginate({ endpoint: '/x', connectionId: 'globex', paginate: { type: 'offset', offset_name_in_request: 'o' } }))).rejects.toBeInstanceOf(ProxyConfigError);
    expect(calls).toHaveLength(0);
  });

  it('refuses half an override when the client does not know its own connection', async () => {
    const forConnection = vi.fn();
    const { http } = fakeClient(() => json(200, {}), { forConnection });
    await expect(http.get({ endpoint: '/x', connectionId: 'globex' })).rejects.toThrow(/must name both providerConfigKey and connectionId/);
    expect(forConnection).not.toHaveBeenCalled();
  });

  it('refuses an empty override', async () => {
    const { http, forConnection } = setup();
    await expect(http.get({ endpoint: '/x', connectionId: '' })).rejects.toBeInstanceOf(ProxyConfigError);
    expect(forConnection).not.toHaveBeenCalled();
  });
});
