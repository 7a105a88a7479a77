/**
 * The credentials a run injects into provider calls, with OAuth2 access tokens refreshed through
 * the provider's token endpoint (RFC 6749 §6) shortly before they expire, when they are old
 * enough for a provider that issues them without an expiry, or when the provider answered 401
 * to the current one. Client credentials (`OAUTH2_CC`) tokens are fetched the same way.
 *
 * Invariants:
 *   - One refresh per connection at a time: concurrent callers in a process share one
 *     (`inFlight`), and processes (Lambdas) take a short lock on the connection item first;
 *     a process that finds it taken waits for the new tokens instead of refreshing again.
 *   - Before refreshing, the connection is read again: another process may have refreshed it
 *     already, and providers that rotate refresh tokens reject the old one once used. The new
 *     tokens are saved before they are used.
 *   - Fields the provider says to keep from the token response (`instance_url`, `api_domain`)
 *     go into the connection's config.
 *   - The client secret goes only to a token URL written in code, or to a per-account one whose
 *     config values pass their declared patterns (host-safe values where none is declared) and
 *     which renders to https (`renderSecretUrl`).
 *   - Error messages name the connection, the HTTP status and the OAuth error code, never a
 *     token, a client secret or the response body.
 */
import * as z from 'zod';
import type { Connection, Credentials } from './connection.js';
import type { Integration, OAuthClient } from './integration.js';
import { renderSecretUrl } from './providers/connection-config.js';
import type { Provider } from './providers/provider.js';
import type { Clock, ConnectionRepo, IntegrationConfigRepo } from './ports.js';
import type { Metrics } from './metrics.js';

/** Refresh when the access token expires within this margin (or has expired). */
export const REFRESH_MARGIN_MS = 60_000;
const DEFAULT_TIMEOUT_MS = 30_000;
/** How long a refresh lock lasts: longer than the token call may take, so a live holder never loses it. */
const REFRESH_LOCK_MS = 45_000;
const WAIT_POLL_MS = 250;

export interface CredentialsRequest {
  /** The provider answered 401 to this access token: refresh unless it was replaced already. */
  rejectedAccessToken?: string;
}

export type CredentialsProvider = (request?: CredentialsRequest) => Promise<Credentials>;

export interface CredentialsProviderDeps {
  /** `lockRefresh` keeps processes from refreshing one connection at once; without it, only this process's callers share a refresh. */
  connections: Pick<ConnectionRepo, 'getWithCredentials' | 'find' | 'saveRefreshedCredentials'> & Partial<Pick<ConnectionRepo, 'lockRefresh' | 'unlockRefresh'>>;
  /** The connection as the caller read it; its credentials are used while they are fresh. */
  connection: Connection;
  /** `connectionConfig`: the declared fields whose patterns a per-account token URL's values must match (none declared: host-safe values only). */
  provider: Pick<Provider, 'auth'> & Partial<Pick<Provider, 'connectionConfig'>>;
  /** The integration's OAuth app; needed to refresh. */
  client?: OAuthClient;
  /** Or where to read it when a refresh needs it (its secret is opened only then). */
  getClient?: () => Promise<OAuthClient | undefined>;
  clock: Clock;
  fetch?: typeof fetch;
  /** Per-request timeout of the token call; default 30 s. */
  timeoutMs?: number;
  /** A token URL rendered from the connection's config may be http://127.0.0.1 (local development, where private fetches are allowed); otherwise https only. */
  allowLoopbackHttp?: boolean;
  sleep?: (ms: number) => Promise<void>;
  /**
   * Refreshes in progress, by connection. Pass one map to every provider of a process to
   * share a refresh across runs of different syncs; by default each provider has its own.
   */
  inFlight?: Map<string, Promise<Connection>>;
  /** Counts failed token refreshes (`TokenRefreshFailures`); none when absent. */
  metrics?: Pick<Metrics, 'count'>;
}

/**
 * Why a refresh failed: `revoked` — the provider refused the grant (`invalid_grant`) or there is
 * nothing to refresh with, or the connection's config cannot be trusted with the client secret,
 * so only new credentials (an import with a valid config) help; `other` — anything that may pass
 * (a timeout, a 5xx, a 429, a wrong client secret, which is the integration's problem).
 */
export type RefreshFailure = 'revoked' | 'other';

/** A token refresh failed; `status` is the token endpoint's HTTP status, if it answered. */
export class CredentialsRefreshError extends Error {
  override readonly name = 'CredentialsRefreshError';
  /** `updatedAt` of the connection the refresh started from: an auth error is recorded only if it is still that one. */
  connectionUpdatedAt?: string;
  constructor(
    message: string,
    readonly failure: RefreshFailure,
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  /** True when trying again will not help until the end user authorizes the connection again. */
  get needsReauthorization(): boolean {
    return this.failure === 'revoked';
  }
}

const TokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  /** 0 or absent: the provider gives no expiry (Mailchimp's tokens never expire). */
  expires_in: z.coerce.number().min(0).optional(),
});

/** OAuth error codes are short ASCII words (`invalid_grant`); anything else is not echoed. */
const OAUTH_ERROR_CODE = /^[A-Za-z0-9_.-]{1,64}$/;

export function makeCredentialsProvider(deps: CredentialsProviderDeps): CredentialsProvider {
  const inFlight = deps.inFlight ?? new Map<string, Promise<Connection>>();
  const { providerConfigKey, connectionId } = deps.connection;
  const flightKey = `${providerConfigKey}\n${connectionId}`;
  const label = `connection "${connectionId}" of "${providerConfigKey}"`;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let current = deps.connection;

  const needsRefresh = (credentials: Credentials, rejected?: string): boolean => {
    if (credentials.type !== 'OAUTH2') return false;
    if (rejected !== undefined) return credentials.accessToken === rejected;
    return isStale(credentials, deps.provider, deps.clock.now());
  };

  /**
   * One refresh per connection across processes: take the lock and refresh, or wait while another
   * process holds it — polling without decrypting — until it saved new tokens; if its lock lapses
   * without new tokens (that process died, or its refresh failed), try for the lock again.
   */
  async function refresh(rejected?: string): Promise<Connection> {
    for (;;) {
      const latest = await deps.connections.getWithCredentials(providerConfigKey, connectionId);
      if (!latest) throw new CredentialsRefreshError(`${label} no longer exists; its token was not refreshed`, 'other');
      if (!needsRefresh(latest.credentials, rejected)) return latest;
      if (!deps.connections.lockRefresh) return refreshHolding(latest, null);
      const until = deps.clock.now() + REFRESH_LOCK_MS;
      if (await deps.connections.lockRefresh(providerConfigKey, connectionId, until, deps.clock.now())) return refreshHolding(latest, until);
      await waitForChange(latest.updatedAt);
    }
  }

  async function waitForChange(seen: string): Promise<void> {
    const until = deps.clock.now() + REFRESH_LOCK_MS;
    while (deps.clock.now() < until) {
      await sleep(WAIT_POLL_MS);
      const info = await deps.connections.find(providerConfigKey, connectionId);
      if (!info || info.updatedAt !== seen) return;
    }
  }

  /** Holding the lock (or without cross-process locking): refresh, save, and give the lock back on failure. */
  async function refreshHolding(latest: Connection, lockUntil: number | null): Promise<Connection> {
    const credentials = latest.credentials as Extract<Credentials, { type: 'OAUTH2' }>;
    const now = deps.clock.now();
    let tokens: z.infer<typeof TokenResponseSchema>;
    try {
      tokens = await requestTokens(deps, credentials, latest, label);
    } catch (error) {
      if (lockUntil !== null) await deps.connections.unlockRefresh?.(providerConfigKey, connectionId, lockUntil).catch(() => undefined);
      if (error instanceof CredentialsRefreshError) error.connectionUpdatedAt = latest.updatedAt;
      deps.metrics?.count('TokenRefreshFailures', 1);
      throw error;
    }
    // Providers that do not rotate refresh tokens omit it: the old one stays valid.
    const refreshed = oauth2Credentials(tokens, now, credentials.refreshToken);
    const connectionConfig = { ...latest.connectionConfig, ...keptConfig(deps.provider, tokens) };
    const updatedAt = new Date(now).toISOString();
    // Saved before use: a provider that rotates refresh tokens has already invalidated the old one.
    // Only the credentials and the kept config are written: metadata saved meanwhile stays.
    await deps.connections.saveRefreshedCredentials(providerConfigKey, connectionId, { credentials: refreshed, connectionConfig, updatedAt });
    const { authError: _cleared, ...unmarked } = latest;
    return { ...unmarked, credentials: refreshed, connectionConfig, updatedAt };
  }

  return async (request = {}) => {
    if (!needsRefresh(current.credentials, request.rejectedAccessToken)) return current.credentials;
    let pending = inFlight.get(flightKey);
    if (!pending) {
      pending = refresh(request.rejectedAccessToken).finally(() => inFlight.delete(flightKey));
      inFlight.set(flightKey, pending);
    }
    current = await pending;
    return current.credentials;
  };
}

export interface CurrentCredentialsDeps {
  connections: Pick<ConnectionRepo, 'getWithCredentials' | 'find' | 'saveRefreshedCredentials' | 'lockRefresh' | 'unlockRefresh' | 'recordAuthError'>;
  integrations: Pick<IntegrationConfigRepo, 'getWithSecrets'>;
  clock: Clock;
  fetch?: typeof fetch;
  allowLoopbackHttp?: boolean;
}

/**
 * A connection with its credentials as of now, for a caller allowed to read them (Nango's
 * `GET /connections/{id}` with a secret key): an OAuth2 token is refreshed first when it is
 * stale, or in any case with `force` (Nango's `force_refresh`), through the same one-refresh-
 * per-connection path runs use. A refresh the provider refused marks the connection as a run
 * would (its syncs stop until it is authorized again); the `CredentialsRefreshError` is thrown.
 * Null when the connection does not exist.
 */
export async function currentCredentials(
  deps: CurrentCredentialsDeps,
  integration: Pick<Integration, 'providerConfigKey' | 'provider' | 'oauthClient'>,
  connectionId: string,
  options: { force: boolean },
): Promise<Connection | null> {
  const { providerConfigKey } = integration;
  const connection = await deps.connections.getWithCredentials(providerConfigKey, connectionId);
  if (!connection) return null;
  const credentialsOf = makeCredentialsProvider({
    connections: deps.connections,
    connection,
    provider: integration.provider,
    clock: deps.clock,
    // The OAuth app configured through the integrations API wins over one declared in code.
    getClient: async () => (await deps.integrations.getWithSecrets(providerConfigKey))?.credentials ?? integration.oauthClient,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    ...(deps.allowLoopbackHttp ? { allowLoopbackHttp: true } : {}),
  });
  // Forcing means "newer than the token read here": if another process replaced it meanwhile, that one is fresh.
  const request = options.force && connection.credentials.type === 'OAUTH2' ? { rejectedAccessToken: connection.credentials.accessToken } : {};
  let credentials: Credentials;
  try {
    credentials = await credentialsOf(request);
  } catch (error) {
    if (error instanceof CredentialsRefreshError && error.needsReauthorization && error.connectionUpdatedAt !== undefined) {
      const at = new Date(deps.clock.now()).toISOString();
      await deps.connections.recordAuthError(providerConfigKey, connectionId, { type: 'auth', message: error.message, at }, error.connectionUpdatedAt);
    }
    throw error;
  }
  if (credentials === connection.credentials) return connection;
  // Refreshed: the token response may have changed the config, and the auth error is cleared.
  const latest = await deps.connections.find(providerConfigKey, connectionId);
  if (!latest) return null;
  const { credentialsType: _type, ...info } = latest;
  return { ...info, credentials };
}

/** True when an access token should be replaced before it is used. */
export function isStale(credentials: Extract<Credentials, { type: 'OAUTH2' }>, provider: Pick<Provider, 'auth'>, now: number): boolean {
  if (credentials.expiresAt !== undefined) {
    const expiresAt = Date.parse(credentials.expiresAt);
    // An unreadable expiry is treated as expired: better one refresh than a run of 401s.
    return Number.isNaN(expiresAt) || expiresAt - now <= REFRESH_MARGIN_MS;
  }
  const maxAge = provider.auth.mode === 'OAUTH2' ? provider.auth.refreshWithoutExpiryAfterMs : undefined;
  if (maxAge === undefined) return false;
  const obtainedAt = credentials.obtainedAt === undefined ? Number.NaN : Date.parse(credentials.obtainedAt);
  return Number.isNaN(obtainedAt) || now - obtainedAt >= maxAge - REFRESH_MARGIN_MS;
}

async function requestTokens(
  deps: CredentialsProviderDeps,
  credentials: Extract<Credentials, { type: 'OAUTH2' }>,
  connection: Connection,
  label: string,
): Promise<z.infer<typeof TokenResponseSchema>> {
  const auth = deps.provider.auth;
  if (auth.mode !== 'OAUTH2' && auth.mode !== 'OAUTH2_CC') throw new CredentialsRefreshError(`${label} does not use OAuth2; there is no token to refresh`, 'other');
  const tokenUrlTemplate = (auth.mode === 'OAUTH2' ? auth.refreshUrl : undefined) ?? auth.tokenUrl;
  if (!tokenUrlTemplate) throw new CredentialsRefreshError(`the access token of ${label} needs a refresh and the provider has no token URL`, 'other');
  // Per-account token endpoints (a shop's subdomain, a region) come from the connection's config,
  // checked (`renderSecretUrl`) before the client secret is even read.
  const values = { connectionConfig: connection.connectionConfig, credentials: { raw: credentials.raw ?? {} } };
  const rendered = renderSecretUrl(tokenUrlTemplate, values, deps.provider.connectionConfig ?? {}, { allowLoopbackHttp: deps.allowLoopbackHttp ?? false });
  if (!rendered.ok) {
    throw new CredentialsRefreshError(`the access token of ${label} was not refreshed: ${rendered.reason}; import the connection again with a valid connection_config`, 'revoked');
  }
  const tokenUrl = rendered.url;
  const form = new URLSearchParams(auth.tokenParams);
  if (auth.mode === 'OAUTH2_CC') {
    form.set('grant_type', 'client_credentials');
    if (auth.defaultScopes.length > 0) form.set('scope', auth.defaultScopes.join(auth.scopeSeparator));
  } else {
    if (!credentials.refreshToken) throw new CredentialsRefreshError(`the access token of ${label} needs a refresh and the connection has no refresh token`, 'revoked');
    form.set('grant_type', 'refresh_token');
    form.set('refresh_token', credentials.refreshToken);
  }
  const client = deps.client ?? (await deps.getClient?.());
  const result = await callTokenEndpoint({ url: tokenUrl, form, client, auth: auth.tokenRequestAuth, fetch: deps.fetch, timeoutMs: deps.timeoutMs });
  if (result.ok) return result.tokens;
  switch (result.failure) {
    case 'no_answer':
      throw new CredentialsRefreshError(`refreshing the access token of ${label} failed: no answer from the token URL (${result.reason})`, 'other', undefined, { cause: result.cause });
    case 'refused':
      // Only a refused grant means the end user must authorize again (RFC 6749 §5.2).
      throw new CredentialsRefreshError(
        `refreshing the access token of ${label} failed with HTTP ${result.status}${result.code ? ` (${result.code})` : ''}`,
        result.code === 'invalid_grant' ? 'revoked' : 'other',
        result.status,
      );
    case 'unusable':
      throw new CredentialsRefreshError(`refreshing the access token of ${label} returned HTTP ${result.status} without a usable token (${result.fields})`, 'other', result.status);
  }
}

export type TokenResponse = z.infer<typeof TokenResponseSchema>;

/**
 * What a token endpoint answered: tokens, or why not — `no_answer` (network error, timeout;
 * `reason` is the error's name), `refused` (an HTTP error; `code` is the OAuth error code when it
 * is a short ASCII word, never anything else of the body), `unusable` (2xx without an access
 * token; `fields` names the fields at fault, never their values).
 */
export type TokenEndpointResult =
  | { ok: true; tokens: TokenResponse }
  | { ok: false; failure: 'no_answer'; reason: string; cause: unknown }
  | { ok: false; failure: 'refused'; status: number; code?: string }
  | { ok: false; failure: 'unusable'; status: number; fields: string };

/**
 * One token request (RFC 6749 §4.1.3, §4.4, §6): a form POST authenticated with the client id and
 * secret in the body or as HTTP Basic, as the provider says. Used for refreshes, client
 * credentials and the authorization-code exchange alike. The caller has checked `url` (see
 * `renderSecretUrl`): the client secret goes to it.
 */
export async function callTokenEndpoint(request: {
  url: string;
  form: URLSearchParams;
  client: OAuthClient | undefined;
  auth: 'body' | 'basic';
  fetch?: typeof fetch | undefined;
  timeoutMs?: number | undefined;
}): Promise<TokenEndpointResult> {
  const { client, form } = request;
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (client && request.auth === 'basic') {
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64')}`;
  } else if (client) {
    form.set('client_id', client.clientId);
    form.set('client_secret', client.clientSecret);
  }

  let response: Response;
  try {
    response = await (request.fetch ?? globalThis.fetch)(request.url, {
      method: 'POST',
      headers,
      body: form.toString(),
      signal: AbortSignal.timeout(request.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
  } catch (error) {
    return { ok: false, failure: 'no_answer', reason: error instanceof Error ? error.name : 'unknown', cause: error };
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const code = (body as { error?: unknown } | undefined)?.error;
    return { ok: false, failure: 'refused', status: response.status, ...(typeof code === 'string' && OAUTH_ERROR_CODE.test(code) ? { code } : {}) };
  }
  const parsed = TokenResponseSchema.safeParse(body);
  if (!parsed.success) {
    // The issues name fields only; the body (which holds tokens) is never echoed.
    const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(body)').join(', ');
    return { ok: false, failure: 'unusable', status: response.status, fields };
  }
  return { ok: true, tokens: parsed.data };
}

/** The token-response fields the provider keeps in connection config (`instance_url`, …). */
/**
 * A token response as stored OAuth2 credentials; `raw` keeps it whole for `${credentials.raw.*}`
 * templates. `previousRefreshToken` stays when the response brings none (no rotation).
 */
export function oauth2Credentials(tokens: TokenResponse, now: number, previousRefreshToken?: string): Credentials {
  const refreshToken = tokens.refresh_token ?? previousRefreshToken;
  return {
    type: 'OAUTH2',
    accessToken: tokens.access_token,
    ...(refreshToken ? { refreshToken } : {}),
    ...(tokens.expires_in ? { expiresAt: new Date(now + tokens.expires_in * 1000).toISOString() } : {}),
    obtainedAt: new Date(now).toISOString(),
    raw: tokens,
  };
}

export function keptConfig(provider: Pick<Provider, 'auth'>, tokens: Record<string, unknown>): Record<string, unknown> {
  if (provider.auth.mode !== 'OAUTH2') return {};
  const kept: Record<string, unknown> = {};
  for (const [name, path] of Object.entries(provider.auth.tokenResponseToConnectionConfig)) {
    let value: unknown = tokens;
    for (const key of path.split('.')) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
    if (value !== undefined && value !== null && value !== '') kept[name] = value;
  }
  return kept;
}
