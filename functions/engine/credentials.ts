/**
 * The credentials a run injects into provider calls, with OAuth2 access tokens refreshed
 * through the provider's token URL shortly before they expire (RFC 6749 §6), and the new
 * tokens saved on the connection.
 *
 * Invariants:
 *   - Concurrent callers share one refresh (single-flight per connection, per `inFlight` map).
 *   - Before refreshing, the connection is read again: another process (a run of another
 *     sync, another Lambda) may have refreshed it already, and providers that rotate refresh
 *     tokens reject the old one once used.
 *   - Error messages name the connection, the HTTP status and the OAuth error code, never a
 *     token, a client secret or the response body.
 *
 * Not covered: two processes refreshing the same connection in the same instant (no lock
 * across processes). With rotating refresh tokens one of them may fail; its run ends in
 * ERROR and the next run reads the tokens the other saved.
 */
import { z } from 'zod';
import type { Connection, Credentials, ProviderConfig } from './connection.js';
import type { Clock, ConnectionRepo } from './ports.js';

/** Refresh when the access token expires within this margin (or has expired). */
export const REFRESH_MARGIN_MS = 60_000;
const DEFAULT_TIMEOUT_MS = 30_000;

export type CredentialsProvider = () => Promise<Credentials>;

export interface CredentialsProviderDeps {
  connections: Pick<ConnectionRepo, 'getWithCredentials' | 'put'>;
  /** The connection as the caller read it; its credentials are used while they are fresh. */
  connection: Connection;
  provider: ProviderConfig;
  clock: Clock;
  fetch?: typeof fetch;
  /** Per-request timeout of the token call; default 30 s. */
  timeoutMs?: number;
  /**
   * Refreshes in progress, by connection. Pass one map to every provider of a process to
   * share a refresh across runs of different syncs; by default each provider has its own.
   */
  inFlight?: Map<string, Promise<Connection>>;
}

/** A token refresh failed; `status` is the token endpoint's HTTP status, if it answered. */
export class CredentialsRefreshError extends Error {
  override readonly name = 'CredentialsRefreshError';
  constructor(
    message: string,
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const TokenResponseSchema = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.coerce.number().positive().optional(),
});

/** OAuth error codes are short ASCII words (`invalid_grant`); anything else is not echoed. */
const OAUTH_ERROR_CODE = /^[A-Za-z0-9_.-]{1,64}$/;

export function makeCredentialsProvider(deps: CredentialsProviderDeps): CredentialsProvider {
  const fetchImpl = deps.fetch ?? globalThis.fetch;
  const inFlight = deps.inFlight ?? new Map<string, Promise<Connection>>();
  const { providerConfigKey, connectionId } = deps.connection;
  const flightKey = `${providerConfigKey}\n${connectionId}`;
  const label = `connection "${connectionId}" of "${providerConfigKey}"`;
  let current = deps.connection;

  const expiring = (credentials: Credentials): boolean => {
    if (credentials.type !== 'OAUTH2' || credentials.expiresAt === undefined) return false;
    const expiresAt = Date.parse(credentials.expiresAt);
    // An unreadable expiry is treated as expired: better one refresh than a run of 401s.
    return Number.isNaN(expiresAt) || expiresAt - deps.clock.now() <= REFRESH_MARGIN_MS;
  };

  async function refresh(): Promise<Connection> {
    const latest = await deps.connections.getWithCredentials(providerConfigKey, connectionId);
    if (!latest) throw new CredentialsRefreshError(`${label} no longer exists; its token was not refreshed`);
    const credentials = latest.credentials;
    if (credentials.type !== 'OAUTH2' || !expiring(credentials)) return latest;

    const auth = deps.provider.auth;
    const tokenUrl = auth.mode === 'OAUTH2' ? auth.tokenUrl : undefined;
    if (!tokenUrl) throw new CredentialsRefreshError(`the access token of ${label} has expired and the provider has no token URL to refresh it`);
    if (!credentials.refreshToken) throw new CredentialsRefreshError(`the access token of ${label} has expired and the connection has no refresh token`);

    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credentials.refreshToken });
    if (auth.mode === 'OAUTH2' && auth.clientId) form.set('client_id', auth.clientId);
    if (auth.mode === 'OAUTH2' && auth.clientSecret) form.set('client_secret', auth.clientSecret);

    let response: Response;
    try {
      response = await fetchImpl(tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        signal: AbortSignal.timeout(deps.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      });
    } catch (error) {
      const reason = error instanceof Error ? error.name : 'unknown';
      throw new CredentialsRefreshError(`refreshing the access token of ${label} failed: no answer from the token URL (${reason})`, undefined, { cause: error });
    }
    const body: unknown = await response.json().catch(() => undefined);
    if (!response.ok) {
      const code = (body as { error?: unknown } | undefined)?.error;
      const detail = typeof code === 'string' && OAUTH_ERROR_CODE.test(code) ? ` (${code})` : '';
      throw new CredentialsRefreshError(`refreshing the access token of ${label} failed with HTTP ${response.status}${detail}`, response.status);
    }
    const parsed = TokenResponseSchema.safeParse(body);
    if (!parsed.success) {
      // The issues name fields only; the body (which holds tokens) is never echoed.
      const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(body)').join(', ');
      throw new CredentialsRefreshError(`refreshing the access token of ${label} returned HTTP ${response.status} without a usable token (${fields})`, response.status);
    }

    const now = deps.clock.now();
    const tokens = parsed.data;
    const refreshed: Credentials = {
      type: 'OAUTH2',
      accessToken: tokens.access_token,
      // Providers that do not rotate refresh tokens omit it: the old one stays valid.
      refreshToken: tokens.refresh_token ?? credentials.refreshToken,
      expiresAt: tokens.expires_in === undefined ? undefined : new Date(now + tokens.expires_in * 1000).toISOString(),
    };
    const updated: Connection = { ...latest, credentials: refreshed, updatedAt: new Date(now).toISOString() };
    await deps.connections.put(updated);
    return updated;
  }

  return async () => {
    if (!expiring(current.credentials)) return current.credentials;
    let pending = inFlight.get(flightKey);
    if (!pending) {
      pending = refresh().finally(() => inFlight.delete(flightKey));
      inFlight.set(flightKey, pending);
    }
    current = await pending;
    return current.credentials;
  };
}
