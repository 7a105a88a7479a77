/**
 * A connection's config against its provider's declared fields: on import (every declared field
 * that is given), and before a URL that carries the client secret is rendered (every value the
 * template uses: its declared pattern, or host-safe). Plus the catalog invariant that makes the
 * second check meaningful: every config value a catalog token or authorization URL uses has a
 * declared pattern that no hostile suffix can pass.
 */
import { describe, expect, it } from 'vitest';
import { catalogProvider, listProviders } from '../../../functions/engine/providers/catalog.js';
import { checkConnectionConfig, checkSecretUrlValues, fullMatch, renderSecretUrl } from '../../../functions/engine/providers/connection-config.js';
import { parseProvider, ProviderSchema } from '../../../functions/engine/providers/provider.js';
import { templateNames } from '../../../functions/engine/providers/template.js';

const zendesk = catalogProvider('zendesk');
const zoho = catalogProvider('zoho-crm');
/** What an attacker appends to end the host and start a path, query, fragment, port or user info of its own. */
const HOSTILE_SUFFIXES = ['/x', '?', '#', '@evil.example', ':8443', '\\evil', ' x', '%2F', '\nx'];

describe('checkConnectionConfig', () => {
  it('accepts declared fields that match their pattern, blanks, and undeclared fields', () => {
    expect(checkConnectionConfig(zendesk.connectionConfig, { subdomain: 'acme-support' })).toEqual([]);
    expect(checkConnectionConfig(zoho.connectionConfig, { accounts_domain: 'accounts.zoho.eu' })).toEqual([]);
    // Blank optional fields fall back to the template's default, as renderTemplate does.
    expect(checkConnectionConfig(zoho.connectionConfig, { accounts_domain: '' })).toEqual([]);
    expect(checkConnectionConfig(zoho.connectionConfig, { accounts_domain: null })).toEqual([]);
    expect(checkConnectionConfig(zendesk.connectionConfig, { baseUrl: 'http://127.0.0.1:1234/anything?' })).toEqual([]);
  });

  it('names each declared field whose value breaks its pattern or is not a string', () => {
    expect(checkConnectionConfig(zendesk.connectionConfig, { subdomain: 'evil.example/x?' })).toEqual([{ field: 'subdomain', message: 'must match ^[a-zA-Z0-9][a-zA-Z0-9-]*$' }]);
    expect(checkConnectionConfig(zoho.connectionConfig, { accounts_domain: 'evil.example' })).toEqual([
      { field: 'accounts_domain', message: 'must match ^accounts\\.(zoho|zohocloud)\\.[a-z]{2,3}(\\.[a-z]{2})?$' },
    ]);
    expect(checkConnectionConfig(zendesk.connectionConfig, { subdomain: 42 })).toEqual([{ field: 'subdomain', message: 'must be a string' }]);
    expect(checkConnectionConfig(zendesk.connectionConfig, { subdomain: ['acme'] })).toEqual([{ field: 'subdomain', message: 'must be a string' }]);
  });

  it('matches a pattern against the whole value, even one written without anchors', () => {
    expect(fullMatch('[a-z]+', 'acme')).toBe(true);
    expect(fullMatch('[a-z]+', 'acme.evil.example/x')).toBe(false);
    expect(fullMatch('a|b', 'ab')).toBe(false);
  });

  it('refuses a provider declaring a pattern that is not a regular expression', () => {
    const declared = { baseUrl: 'https://x.example', auth: { mode: 'NONE' as const }, connectionConfig: { region: { title: 'Region', pattern: '([a-z' } } };
    expect(ProviderSchema.safeParse(declared).success).toBe(false);
  });
});

describe('checkSecretUrlValues', () => {
  const template = 'https://${connectionConfig.subdomain}.zendesk.com/oauth/tokens';

  it('checks the declared pattern of every config value the template uses', () => {
    expect(checkSecretUrlValues(template, zendesk.connectionConfig, { subdomain: 'acme' })).toEqual([]);
    expect(checkSecretUrlValues(template, zendesk.connectionConfig, { subdomain: 'evil.example/x?' })).toEqual([{ field: 'subdomain', message: expect.stringMatching(/^must match/) }]);
  });

  it('wants a host-safe value where no pattern is declared', () => {
    const open = 'https://${connectionConfig.host || "login.example.com"}/token';
    expect(checkSecretUrlValues(open, {}, { host: 'eu.login.example.com' })).toEqual([]);
    expect(checkSecretUrlValues(open, {}, {})).toEqual([]);
    for (const suffix of HOSTILE_SUFFIXES) {
      expect(checkSecretUrlValues(open, {}, { host: `eu.login.example.com${suffix}` }), JSON.stringify(suffix)).toEqual([{ field: 'host', message: expect.stringContaining('host name') }]);
    }
    expect(checkSecretUrlValues(open, {}, { host: { toString: () => 'x' } })).toHaveLength(1);
    expect(checkSecretUrlValues('https://${connectionConfig.a.b}/token', {}, { a: { b: 'evil.example/' } })).toEqual([{ field: 'a.b', message: expect.any(String) }]);
  });
});

describe('renderSecretUrl', () => {
  const declared = zendesk.connectionConfig;
  const render = (template: string, connectionConfig: Record<string, unknown>, allowLoopbackHttp = false) => renderSecretUrl(template, { connectionConfig }, declared, { allowLoopbackHttp });

  it('renders a checked per-account URL, and leaves a URL written in code as it is', () => {
    expect(render('https://${connectionConfig.subdomain}.zendesk.com/oauth/tokens', { subdomain: 'acme' })).toEqual({ ok: true, url: 'https://acme.zendesk.com/oauth/tokens' });
    expect(render('http://127.0.0.1:9/oauth/token', { subdomain: 'evil.example/' })).toEqual({ ok: true, url: 'http://127.0.0.1:9/oauth/token' });
  });

  it('refuses a value that breaks its pattern, naming the field, never the value', () => {
    const refused = render('https://${connectionConfig.subdomain}.zendesk.com/oauth/tokens', { subdomain: 'evil.example/steal?' });
    expect(refused).toEqual({ ok: false, reason: expect.stringContaining('subdomain must match') });
    expect(JSON.stringify(refused)).not.toContain('evil.example');
  });

  it('wants https, or http to 127.0.0.1 only where loopback is allowed', () => {
    const open = { host: { title: 'Host', pattern: '^[a-z0-9.]+(:[0-9]+)?$', optional: false } };
    const renderOpen = (host: string, allow: boolean) => renderSecretUrl('http://${connectionConfig.host}/token', { connectionConfig: { host } }, open, { allowLoopbackHttp: allow });
    expect(renderOpen('127.0.0.1:8080', true)).toEqual({ ok: true, url: 'http://127.0.0.1:8080/token' });
    expect(renderOpen('127.0.0.1:8080', false)).toEqual({ ok: false, reason: expect.stringContaining('must use https') });
    expect(renderOpen('login.example.com', true)).toEqual({ ok: false, reason: expect.stringContaining('must use https (or http to 127.0.0.1)') });
    expect(renderSecretUrl('${connectionConfig.host}/token', { connectionConfig: { host: 'ftp' } }, {}, { allowLoopbackHttp: true })).toMatchObject({ ok: false });
  });
});

describe('the catalog', () => {
  it('declares a pattern for every config value a token, refresh or authorization URL uses, and no hostile suffix passes one', () => {
    const checked: string[] = [];
    for (const provider of listProviders()) {
      const auth = provider.auth;
      const urls = auth.mode === 'OAUTH2' ? [auth.tokenUrl, auth.refreshUrl, auth.authorizationUrl] : auth.mode === 'OAUTH2_CC' ? [auth.tokenUrl] : [];
      for (const name of urls.flatMap((url) => (url ? templateNames(url) : []))) {
        if (!name.startsWith('connectionConfig.')) continue;
        const field = name.slice('connectionConfig.'.length);
        const pattern = provider.connectionConfig[field]?.pattern;
        expect(pattern, `${provider.name}: ${field}`).toBeDefined();
        const example = provider.connectionConfig[field]?.example ?? 'a';
        expect(fullMatch(pattern!, example), `${provider.name}: ${field} example`).toBe(true);
        for (const suffix of HOSTILE_SUFFIXES) expect(fullMatch(pattern!, `${example}${suffix}`), `${provider.name}: ${field} + ${JSON.stringify(suffix)}`).toBe(false);
        checked.push(`${provider.name}.${field}`);
      }
    }
    expect([...new Set(checked)].sort()).toEqual(['netsuite.accountId', 'shopify.subdomain', 'zendesk.subdomain', 'zoho-crm.accounts_domain']);
  });

  it('parses an inline provider with its declared fields', () => {
    const inline = parseProvider({ baseUrl: 'https://x.example', auth: { mode: 'NONE' }, connectionConfig: { region: { title: 'Region', pattern: '^[a-z]{2}$' } } });
    expect(checkConnectionConfig(inline.connectionConfig, { region: 'eu' })).toEqual([]);
    expect(checkConnectionConfig(inline.connectionConfig, { region: 'eu.evil' })).toHaveLength(1);
  });
});
