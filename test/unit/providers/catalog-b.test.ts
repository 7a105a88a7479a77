/**
 * Catalog entries, batch B: every file parses against ProviderSchema, and the facts each entry
 * was written for (base URLs, OAuth endpoints, credential headers, rate-limit rules, paging) hold.
 */
import { describe, expect, it } from 'vitest';
import airtable from '../../../functions/engine/providers/catalog/airtable.js';
import bamboohr from '../../../functions/engine/providers/catalog/bamboohr.js';
import box from '../../../functions/engine/providers/catalog/box.js';
import calendly from '../../../functions/engine/providers/catalog/calendly.js';
import clickup from '../../../functions/engine/providers/catalog/clickup.js';
import discord from '../../../functions/engine/providers/catalog/discord.js';
import dropbox from '../../../functions/engine/providers/catalog/dropbox.js';
import github from '../../../functions/engine/providers/catalog/github.js';
import gitlab from '../../../functions/engine/providers/catalog/gitlab.js';
import gong from '../../../functions/engine/providers/catalog/gong.js';
import greenhouse from '../../../functions/engine/providers/catalog/greenhouse.js';
import lever from '../../../functions/engine/providers/catalog/lever.js';
import mailchimp from '../../../functions/engine/providers/catalog/mailchimp.js';
import monday from '../../../functions/engine/providers/catalog/monday.js';
import netsuite from '../../../functions/engine/providers/catalog/netsuite.js';
import quickbooks from '../../../functions/engine/providers/catalog/quickbooks.js';
import shopify from '../../../functions/engine/providers/catalog/shopify.js';
import stripe from '../../../functions/engine/providers/catalog/stripe.js';
import trello from '../../../functions/engine/providers/catalog/trello.js';
import twilio from '../../../functions/engine/providers/catalog/twilio.js';
import xero from '../../../functions/engine/providers/catalog/xero.js';
import zoom from '../../../functions/engine/providers/catalog/zoom.js';
import { type Provider, type ProviderInput, ProviderSchema } from '../../../functions/engine/providers/provider.js';

const ENTRIES: Record<string, ProviderInput> = {
  airtable,
  bamboohr,
  box,
  calendly,
  clickup,
  discord,
  dropbox,
  github,
  gitlab,
  gong,
  greenhouse,
  lever,
  mailchimp,
  monday,
  netsuite,
  quickbooks,
  shopify,
  stripe,
  trello,
  twilio,
  xero,
  zoom,
};

const parse = (input: ProviderInput): Provider => ProviderSchema.parse(input);

/** Narrows to OAUTH2 so the OAuth fields can be read. */
function oauth(p: Provider) {
  if (p.auth.mode !== 'OAUTH2') throw new Error(`${p.name} is ${p.auth.mode}, not OAUTH2`);
  return p.auth;
}

describe('provider catalog, batch B', () => {
  it.each(Object.entries(ENTRIES))('%s parses and is named after its file', (file, input) => {
    const provider = parse(input);
    expect(provider.name).toBe(file);
    expect(provider.docs).toMatch(/^https:\/\//);
  });

  it('github: api.github.com over OAuth, 403/429 counted only at zero remaining, Link paging', () => {
    const p = parse(github);
    expect(p.baseUrl).toBe('https://api.github.com');
    const auth = oauth(p);
    expect(auth.authorizationUrl).toBe('https://github.com/login/oauth/authorize');
    expect(auth.tokenUrl).toBe('https://github.com/login/oauth/access_token');
    expect(auth.scopeSeparator).toBe(' ');
    expect(p.retry).toEqual({ statuses: [403, 429], remainingHeader: 'x-ratelimit-remaining', wait: { header: 'x-ratelimit-reset', format: 'epoch-seconds' } });
    expect(p.pagination).toEqual({ type: 'link', link_rel_in_response_header: 'next', limit_name_in_request: 'per_page' });
  });

  it('shopify: per-shop host, token in X-Shopify-Access-Token, comma scopes, 429 + Retry-After', () => {
    const p = parse(shopify);
    expect(p.baseUrl).toBe('https://${connectionConfig.subdomain}.myshopify.com');
    const auth = oauth(p);
    expect(auth.authorizationUrl).toBe('https://${connectionConfig.subdomain}.myshopify.com/admin/oauth/authorize');
    expect(auth.tokenUrl).toBe('https://${connectionConfig.subdomain}.myshopify.com/admin/oauth/access_token');
    expect(auth.scopeSeparator).toBe(',');
    expect(p.proxy?.headers).toEqual({ 'x-shopify-access-token': '${accessToken}' });
    expect(p.retry).toEqual({ statuses: [429], wait: { header: 'retry-after', format: 'seconds' } });
    const pattern = new RegExp(p.connectionConfig['subdomain']!.pattern!);
    expect(pattern.test('my-store')).toBe(true);
    expect(pattern.test('evil.com/x')).toBe(false);
  });

  it('stripe: API key as the default bearer header, no default pagination', () => {
    const p = parse(stripe);
    expect(p.baseUrl).toBe('https://api.stripe.com');
    expect(p.auth.mode).toBe('API_KEY');
    expect(p.proxy).toBeUndefined();
    expect(p.pagination).toBeUndefined();
  });

  it('quickbooks: company id (realmId) in the base URL, Basic client auth at the token endpoint', () => {
    const p = parse(quickbooks);
    expect(p.baseUrl).toBe('https://quickbooks.api.intuit.com/v3/company/${connectionConfig.realmId}');
    expect(p.connectionConfig['realmId']).toBeDefined();
    expect(oauth(p).tokenRequestAuth).toBe('basic');
  });

  it('xero: tenant id header next to the bearer token', () => {
    const p = parse(xero);
    expect(p.proxy?.headers).toEqual({ authorization: 'Bearer ${accessToken}', 'xero-tenant-id': '${connectionConfig.tenant_id}' });
    expect(p.connectionConfig['tenant_id']).toBeDefined();
    expect(oauth(p).defaultScopes).toContain('offline_access');
  });

  it('netsuite: account id drives every host', () => {
    const p = parse(netsuite);
    const auth = oauth(p);
    for (const url of [p.baseUrl, auth.authorizationUrl, auth.tokenUrl]) expect(url).toContain('${connectionConfig.accountId}');
    expect(new RegExp(p.connectionConfig['accountId']!.pattern!).test('1234567-sb1')).toBe(true);
  });

  it('mailchimp: data center in the host', () => {
    const p = parse(mailchimp);
    expect(p.baseUrl).toBe('https://${connectionConfig.dc}.api.mailchimp.com/3.0');
    expect(new RegExp(p.connectionConfig['dc']!.pattern!).test('us6')).toBe(true);
  });

  it('airtable: OAuth with PKCE and bearer tokens, offset cursor paging', () => {
    const p = parse(airtable);
    expect(oauth(p).pkce).toBe(true);
    expect(p.proxy).toBeUndefined();
    expect(p.pagination).toMatchObject({ type: 'cursor', cursor_path_in_response: 'offset', cursor_name_in_request: 'offset' });
  });

  it('twilio and greenhouse: HTTP Basic', () => {
    expect(parse(twilio).auth.mode).toBe('BASIC');
    expect(parse(greenhouse).auth.mode).toBe('BASIC');
  });

  it('bamboohr: HTTP Basic on the company gateway, JSON requested', () => {
    const p = parse(bamboohr);
    expect(p.auth.mode).toBe('BASIC');
    expect(p.baseUrl).toContain('${connectionConfig.subdomain}');
    expect(p.proxy?.headers).toMatchObject({ authorization: 'Basic ${basicAuth}', accept: 'application/json' });
  });

  it('discord: bot token header', () => {
    const p = parse(discord);
    expect(p.auth.mode).toBe('API_KEY');
    expect(p.proxy?.headers).toEqual({ authorization: 'Bot ${apiKey}' });
  });

  it('trello: app key from connection config, user token as the credential', () => {
    const p = parse(trello);
    expect(p.proxy?.headers['authorization']).toContain('${connectionConfig.api_key}');
    expect(p.proxy?.headers['authorization']).toContain('${apiKey}');
  });

  it('gong: per-customer API host from the token response', () => {
    const p = parse(gong);
    expect(oauth(p).tokenResponseToConnectionConfig).toEqual({ api_base_url_for_customer: 'api_base_url_for_customer' });
    expect(p.baseUrl).toContain('connectionConfig.api_base_url_for_customer');
  });

  it('lever: audience on the authorization URL', () => {
    expect(oauth(parse(lever)).authorizationParams).toEqual({ audience: 'https://api.lever.co/v1/' });
  });
});
