/**
 * Catalog providers behave as their entries say, against local servers playing the provider:
 * where the credential goes, how a rate limit is recognised and waited out, how lists page by
 * default, and how an integration overrides a catalog provider.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import type { Credentials } from '../../../functions/engine/connection.js';
import { createProviderHttp } from '../../../functions/engine/http/provider-http.js';
import { IntegrationRegistry } from '../../../functions/engine/integration.js';
import { catalogProvider, listProviders } from '../../../functions/engine/providers/catalog.js';
import type { Provider } from '../../../functions/engine/providers/provider.js';
import { renderTemplate, TemplateError } from '../../../functions/engine/providers/template.js';
import { createSync } from '../../../functions/engine/sync-definition.js';
import { sendJson, startServer, type TestServer } from '../http/test-server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const NOW = Date.parse('2026-01-01T00:00:00Z');

function http(provider: Provider, baseUrl: string, credentials: Credentials, connectionConfig: Record<string, unknown> = {}) {
  const delays: number[] = [];
  const client = createProviderHttp({
    provider: { ...provider, baseUrl },
    connectionConfig,
    getCredentials: async () => credentials,
    sleep: async (ms) => void delays.push(ms),
    now: () => NOW,
  });
  return { client, delays };
}

describe('the catalog', () => {
  it('has at least 40 providers, each citing its docs', () => {
    const providers = listProviders();
    expect(providers.length).toBeGreaterThanOrEqual(40);
    for (const provider of providers) expect(provider.docs).toMatch(/^https:\/\//);
    expect(catalogProvider('hubspot')).toMatchObject({
      baseUrl: 'https://api.hubapi.com',
      auth: { mode: 'OAUTH2', authorizationUrl: 'https://app.hubspot.com/oauth/authorize', tokenUrl: 'https://api.hubapi.com/oauth/v1/token' },
    });
    expect(() => catalogProvider('hubspott')).toThrow(/not in the provider catalog \(did you mean hubspot/);
  });
});

describe('GitHub', () => {
  const github = catalogProvider('github');

  it('waits out a 403 that says the rate limit is exhausted, until x-ratelimit-reset', async () => {
    let calls = 0;
    server = await startServer((_req, res) =>
      ++calls === 1 ? sendJson(res, 403, { message: 'API rate limit exceeded' }, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 42) }) : sendJson(res, 200, []),
    );
    const { client, delays } = http(github, server.baseUrl, { type: 'OAUTH2', accessToken: 'gho_1' });

    await client.get({ endpoint: '/user/repos', retries: 2 });

    expect(delays).toEqual([42_000]);
  });

  it('does not retry a 403 that is a permission error', async () => {
    server = await startServer((_req, res) => sendJson(res, 403, { message: 'Resource not accessible' }, { 'x-ratelimit-remaining': '4999' }));
    const { client, delays } = http(github, server.baseUrl, { type: 'OAUTH2', accessToken: 'gho_1' });

    await expect(client.get({ endpoint: '/repos/a/b/issues', retries: 2 })).rejects.toMatchObject({ status: 403 });
    expect(delays).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it('pages with its default Link-header pagination when the script gives no paginate block', async () => {
    server = await startServer((req, res) => {
      const page = Number(req.query.get('page') ?? 1);
      const next: Record<string, string> = page < 3 ? { link: `<${server!.baseUrl}/repos/a/b/issues?page=${page + 1}&per_page=2>; rel="next"` } : {};
      sendJson(res, 200, [{ id: page * 10 + 1 }, { id: page * 10 + 2 }], next);
    });
    const { client } = http(github, server.baseUrl, { type: 'OAUTH2', accessToken: 'gho_1' });

    const pages = [];
    for await (const page of client.paginate({ endpoint: '/repos/a/b/issues', paginate: { limit: 2 } })) pages.push(page.map((i: { id: number }) => i.id));

    expect(pages).toEqual([
      [11, 12],
      [21, 22],
      [31, 32],
    ]);
    expect(server.requests[0]!.query.get('per_page')).toBe('2');
  });
});

describe('Shopify and Salesforce', () => {
  it('sends Shopify its token in X-Shopify-Access-Token, not Authorization, on the shop subdomain', async () => {
    const shopify = catalogProvider('shopify');
    expect(renderTemplate(shopify.baseUrl, { connectionConfig: { subdomain: 'acme' } })).toBe('https://acme.myshopify.com');
    server = await startServer((_req, res) => sendJson(res, 200, { products: [] }));
    const { client } = http(shopify, server.baseUrl, { type: 'OAUTH2', accessToken: 'shpat_1' }, { subdomain: 'acme' });

    await client.get({ endpoint: '/admin/api/2024-10/products.json' });

    expect(server.requests[0]!.headers['x-shopify-access-token']).toBe('shpat_1');
    expect(server.requests[0]!.headers.authorization).toBeUndefined();
  });

  it("builds Salesforce's base URL from the instance_url kept from the token response", () => {
    const salesforce = catalogProvider('salesforce');
    expect(salesforce.auth).toMatchObject({ tokenResponseToConnectionConfig: { instance_url: 'instance_url' } });
    expect(renderTemplate(salesforce.baseUrl, { connectionConfig: { instance_url: 'https://acme.my.salesforce.com' } })).toBe('https://acme.my.salesforce.com');
    expect(() => renderTemplate(salesforce.baseUrl, { connectionConfig: {} }, 'the base URL')).toThrow(TemplateError);
  });
});

describe('integrations over the catalog', () => {
  it('name a catalog provider and may point it at a sandbox', () => {
    const registry = new IntegrationRegistry([
      {
        providerConfigKey: 'hubspot-sandbox',
        provider: 'hubspot',
        overrides: { baseUrl: 'http://127.0.0.1:4010', tokenUrl: 'http://127.0.0.1:4010/oauth/v1/token' },
        syncs: { contacts: createSync({ frequency: 'every hour', syncType: 'incremental', models: { Contact: z.object({ id: z.string() }) }, exec: async () => undefined }) },
      },
    ]);
    const integration = registry.get('hubspot-sandbox')!;
    expect(integration.providerName).toBe('hubspot');
    expect(integration.provider).toMatchObject({
      baseUrl: 'http://127.0.0.1:4010',
      auth: { tokenUrl: 'http://127.0.0.1:4010/oauth/v1/token', authorizationUrl: 'https://app.hubspot.com/oauth/authorize' },
    });
    expect(integration.provider.pagination).toMatchObject({ type: 'cursor', cursor_path_in_response: 'paging.next.after' });
  });

  it('fail to load with the reason when the provider is unknown or invalid', () => {
    const syncs = {};
    expect(() => new IntegrationRegistry([{ providerConfigKey: 'x', provider: 'nope', syncs }])).toThrow(/integration "x": its provider is invalid: "nope" is not in the provider catalog/);
    expect(() => new IntegrationRegistry([{ providerConfigKey: 'y', provider: { baseUrl: 'ftp://x', auth: { mode: 'NONE' } }, syncs }])).toThrow(/integration "y": its provider is invalid/);
  });
});

describe('templates', () => {
  it('fill placeholders with fallbacks and refuse a hole', () => {
    const values = { connectionConfig: { region: '', domain: 'eu.api.x.com' }, credentials: { raw: { instance_url: 'https://i' } } };
    expect(renderTemplate('https://${connectionConfig.region || connectionConfig.domain}/v1', values)).toBe('https://eu.api.x.com/v1');
    expect(renderTemplate("https://${connectionConfig.missing || 'api.x.com'}", values)).toBe('https://api.x.com');
    expect(renderTemplate('${credentials.raw.instance_url}', values)).toBe('https://i');
    expect(() => renderTemplate('https://${connectionConfig.subdomain}.x.com', values, 'the base URL')).toThrow(/the base URL needs connectionConfig.subdomain/);
    expect(() => renderTemplate('${constructor.prototype}', values)).toThrow(TemplateError);
  });
});
