/** Catalog entries, part A (CRM, support, communication, Google, Microsoft, Atlassian, work tools): each parses and states its provider's documented facts. */
import { describe, expect, it } from 'vitest';
import asana from '../../../functions/engine/providers/catalog/asana.js';
import attio from '../../../functions/engine/providers/catalog/attio.js';
import close from '../../../functions/engine/providers/catalog/close.js';
import confluence from '../../../functions/engine/providers/catalog/confluence.js';
import freshdesk from '../../../functions/engine/providers/catalog/freshdesk.js';
import front from '../../../functions/engine/providers/catalog/front.js';
import googleCalendar from '../../../functions/engine/providers/catalog/google-calendar.js';
import googleDrive from '../../../functions/engine/providers/catalog/google-drive.js';
import googleMail from '../../../functions/engine/providers/catalog/google-mail.js';
import googleSheets from '../../../functions/engine/providers/catalog/google-sheets.js';
import hubspot from '../../../functions/engine/providers/catalog/hubspot.js';
import intercom from '../../../functions/engine/providers/catalog/intercom.js';
import jira from '../../../functions/engine/providers/catalog/jira.js';
import linear from '../../../functions/engine/providers/catalog/linear.js';
import microsoft from '../../../functions/engine/providers/catalog/microsoft.js';
import notion from '../../../functions/engine/providers/catalog/notion.js';
import pipedrive from '../../../functions/engine/providers/catalog/pipedrive.js';
import salesforce from '../../../functions/engine/providers/catalog/salesforce.js';
import salesforceSandbox from '../../../functions/engine/providers/catalog/salesforce-sandbox.js';
import slack from '../../../functions/engine/providers/catalog/slack.js';
import zendesk from '../../../functions/engine/providers/catalog/zendesk.js';
import zohoCrm from '../../../functions/engine/providers/catalog/zoho-crm.js';
import { type Provider, type ProviderInput, ProviderSchema } from '../../../functions/engine/providers/provider.js';

const entries: Record<string, ProviderInput> = {
  hubspot,
  salesforce,
  'salesforce-sandbox': salesforceSandbox,
  pipedrive,
  'zoho-crm': zohoCrm,
  attio,
  close,
  intercom,
  zendesk,
  freshdesk,
  front,
  slack,
  microsoft,
  'google-calendar': googleCalendar,
  'google-drive': googleDrive,
  'google-mail': googleMail,
  'google-sheets': googleSheets,
  notion,
  confluence,
  jira,
  linear,
  asana,
};

const parse = (input: ProviderInput): Provider => ProviderSchema.parse(input);

function oauth2(provider: Provider) {
  if (provider.auth.mode !== 'OAUTH2') throw new Error(`${provider.name} is ${provider.auth.mode}, not OAUTH2`);
  return provider.auth;
}

/** `${connectionConfig.x}` names in a string (the first name of a `a || b` chain included). */
function connectionConfigNames(text: string): string[] {
  return [...text.matchAll(/connectionConfig\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);
}

describe('catalog entries (part A)', () => {
  it.each(Object.entries(entries))('%s parses and its file name is its name', (file, input) => {
    expect(parse(input).name).toBe(file);
  });

  it.each(Object.entries(entries))('%s only uses connection config it declares or takes from the token response', (_file, input) => {
    const provider = parse(input);
    const known = new Set([...Object.keys(provider.connectionConfig), ...(provider.auth.mode === 'OAUTH2' ? Object.keys(provider.auth.tokenResponseToConnectionConfig) : [])]);
    const urls = [provider.baseUrl, ...(provider.auth.mode === 'OAUTH2' ? [provider.auth.authorizationUrl, provider.auth.tokenUrl] : [])];
    for (const name of urls.flatMap((url) => connectionConfigNames(url ?? ''))) expect(known, `${provider.name} uses connectionConfig.${name}`).toContain(name);
  });

  it('hubspot: api.hubapi.com, its OAuth endpoints and CRM cursor paging', () => {
    const provider = parse(hubspot);
    expect(provider.baseUrl).toBe('https://api.hubapi.com');
    expect(oauth2(provider)).toMatchObject({ authorizationUrl: 'https://app.hubspot.com/oauth/authorize', tokenUrl: 'https://api.hubapi.com/oauth/v1/token' });
    expect(provider.pagination).toMatchObject({
      type: 'cursor',
      cursor_path_in_response: 'paging.next.after',
      cursor_name_in_request: 'after',
      limit_name_in_request: 'limit',
      response_path: 'results',
    });
    expect(provider.retry).toEqual({ statuses: [429], wait: { header: 'retry-after', format: 'seconds' } });
  });

  it.each([
    ['salesforce', salesforce, 'login.salesforce.com'],
    ['salesforce-sandbox', salesforceSandbox, 'test.salesforce.com'],
  ] as const)('%s: %s endpoints, instance_url from the token response as base URL, refresh without expires_in', (_name, input, host) => {
    const provider = parse(input);
    const auth = oauth2(provider);
    expect(auth.authorizationUrl).toBe(`https://${host}/services/oauth2/authorize`);
    expect(auth.tokenUrl).toBe(`https://${host}/services/oauth2/token`);
    expect(auth.tokenResponseToConnectionConfig).toEqual({ instance_url: 'instance_url' });
    expect(provider.baseUrl).toBe('${connectionConfig.instance_url}');
    expect(auth.refreshWithoutExpiryAfterMs).toBe(60 * 60 * 1000);
  });

  it('pipedrive: HTTP Basic client auth at the token endpoint, api_domain as base URL', () => {
    const provider = parse(pipedrive);
    const auth = oauth2(provider);
    expect(auth.tokenRequestAuth).toBe('basic');
    expect(auth.tokenResponseToConnectionConfig).toEqual({ api_domain: 'api_domain' });
    expect(provider.baseUrl).toBe('${connectionConfig.api_domain}');
  });

  it.each([
    ['zendesk', zendesk],
    ['freshdesk', freshdesk],
  ] as const)('%s: base URL from a subdomain the connect form validates', (_name, input) => {
    const provider = parse(input);
    expect(provider.baseUrl).toContain('${connectionConfig.subdomain}');
    const pattern = new RegExp(provider.connectionConfig['subdomain']!.pattern!);
    expect(pattern.test('acme-support')).toBe(true);
    expect(pattern.test('evil.com/x')).toBe(false);
    expect(pattern.test('')).toBe(false);
  });

  it('freshdesk: the API key is the Basic username, so BASIC mode with the default header', () => {
    const provider = parse(freshdesk);
    expect(provider.auth.mode).toBe('BASIC');
    expect(provider.proxy).toBeUndefined();
  });

  it('notion: names an API version on every call and keeps the bearer token', () => {
    const provider = parse(notion);
    expect(provider.proxy?.headers).toMatchObject({ authorization: 'Bearer ${accessToken}', 'notion-version': expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
    expect(oauth2(provider).tokenRequestAuth).toBe('basic');
  });

  it('microsoft: Graph with v2 endpoints under /common and offline_access', () => {
    const provider = parse(microsoft);
    const auth = oauth2(provider);
    expect(provider.baseUrl).toBe('https://graph.microsoft.com');
    expect(auth.authorizationUrl).toBe('https://login.microsoftonline.com/common/oauth2/v2.0/authorize');
    expect(auth.tokenUrl).toBe('https://login.microsoftonline.com/common/oauth2/v2.0/token');
    expect(auth.defaultScopes).toContain('offline_access');
  });

  it('scope separators: Slack, Zoho and Linear join scopes with commas', () => {
    for (const input of [slack, zohoCrm, linear]) expect(oauth2(parse(input)).scopeSeparator).toBe(',');
    expect(oauth2(parse(hubspot)).scopeSeparator).toBe(' ');
  });

  it('Google entries ask for offline access', () => {
    for (const input of [googleCalendar, googleDrive, googleMail, googleSheets]) {
      expect(oauth2(parse(input)).authorizationParams).toMatchObject({ access_type: 'offline' });
    }
  });

  it('rate-limit waits: Intercom resets at an epoch, Attio retries after a date', () => {
    expect(parse(intercom).retry.wait).toEqual({ header: 'x-ratelimit-reset', format: 'epoch-seconds' });
    expect(parse(attio).retry.wait).toEqual({ header: 'retry-after', format: 'http-date' });
  });

  it('zoho-crm: Zoho-oauthtoken scheme and a data-centre accounts server', () => {
    const provider = parse(zohoCrm);
    expect(provider.proxy?.headers['authorization']).toBe('Zoho-oauthtoken ${accessToken}');
    const pattern = new RegExp(provider.connectionConfig['accounts_domain']!.pattern!);
    for (const ok of ['accounts.zoho.eu', 'accounts.zoho.com.au', 'accounts.zohocloud.ca']) expect(pattern.test(ok)).toBe(true);
    expect(pattern.test('attacker.example.com')).toBe(false);
  });
});
