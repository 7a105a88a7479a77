/**
 * Where a connection's credentials go on a provider call, as the provider's `proxy` templates
 * say: `Authorization: Bearer ${accessToken}` by default, `X-Shopify-Access-Token: ${accessToken}`
 * for Shopify, `?hapikey=${apiKey}` for an API that wants the key in the query. A provider whose
 * templates place the credential themselves gets no default `Authorization` header beside them.
 */
import type { Credentials } from '../connection.js';
import { defaultProxy, type Provider } from '../providers/provider.js';
import { renderTemplate, templateNames } from '../providers/template.js';
import { ProxyConfigError } from './errors.js';

export interface InjectedCredentials {
  headers: Record<string, string>;
  query: Record<string, string>;
  /** Every credential value sent, for redaction. */
  secrets: string[];
  /** Query parameters that carry a credential. */
  secretParams: string[];
}

const CREDENTIAL_NAMES = new Set(['accessToken', 'apiKey', 'password', 'basicAuth']);
const EXPECTED_CREDENTIALS = { OAUTH2: 'OAUTH2', OAUTH2_CC: 'OAUTH2', API_KEY: 'API_KEY', BASIC: 'BASIC' } as const;

export function injectCredentials(provider: Pick<Provider, 'auth' | 'proxy'>, creds: Credentials, connectionConfig: Record<string, unknown>): InjectedCredentials {
  const mode = provider.auth.mode;
  if (mode !== 'NONE' && creds.type !== EXPECTED_CREDENTIALS[mode]) {
    throw new ProxyConfigError(`Connection credentials of type ${creds.type} do not match provider auth mode ${mode}`);
  }
  const { values, secrets } = credentialValues(creds);
  const own = provider.proxy ?? { headers: {}, query: {} };
  const placesCredential = [...Object.values(own.headers), ...Object.values(own.query)].some(usesCredential);
  const defaults = defaultProxy(mode);
  const templates = placesCredential ? own : { headers: { ...defaults.headers, ...own.headers }, query: { ...defaults.query, ...own.query } };
  const vars = { ...values, connectionConfig };
  const render = (entries: Record<string, string>, what: string) => Object.fromEntries(Object.entries(entries).map(([name, template]) => [name, renderTemplate(template, vars, `${what} ${name}`)]));
  return {
    headers: Object.fromEntries(Object.entries(render(templates.headers, 'the provider header')).map(([name, value]) => [name.toLowerCase(), value])),
    query: render(templates.query, 'the provider query parameter'),
    secrets,
    secretParams: Object.entries(templates.query)
      .filter(([, template]) => usesCredential(template))
      .map(([name]) => name),
  };
}

function usesCredential(template: string): boolean {
  return templateNames(template).some((name) => CREDENTIAL_NAMES.has(name) || name.startsWith('credentials.'));
}

function credentialValues(creds: Credentials): { values: Record<string, unknown>; secrets: string[] } {
  switch (creds.type) {
    case 'OAUTH2':
      return { values: { accessToken: creds.accessToken, credentials: { raw: creds.raw ?? {} } }, secrets: [creds.accessToken] };
    case 'API_KEY':
      return { values: { apiKey: creds.apiKey }, secrets: [creds.apiKey] };
    case 'BASIC': {
      const basicAuth = Buffer.from(`${creds.username}:${creds.password}`).toString('base64');
      // Some APIs take the key as the username (Freshdesk: key + "X"): both halves are redacted,
      // except values too short to be a secret, which would only blank out random letters.
      const secrets = [creds.username, creds.password, basicAuth].filter((value) => value.length >= 4);
      return { values: { username: creds.username, password: creds.password, basicAuth }, secrets };
    }
    case 'NONE':
      return { values: {}, secrets: [] };
  }
}
