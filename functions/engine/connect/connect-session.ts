/**
 * Connect sessions (Nango's): the app's backend creates a short-lived session with an API key;
 * the end user's browser then proves it may create one connection by presenting the session
 * token — to the hosted connect page, the OAuth flow, and the API-key / basic-auth endpoints.
 * The token is random, stored only as its SHA-256 hash, and expires (30 minutes, as Nango).
 */
import { createHash, randomBytes } from 'node:crypto';
import * as z from 'zod';

/** How long a session lives, as on Nango. */
export const CONNECT_SESSION_TTL_MS = 30 * 60_000;

/** Nango's prefix, kept so tools that recognise Nango session tokens recognise these. */
export const CONNECT_SESSION_TOKEN_PREFIX = 'nango_connect_session_';

/** Per-integration defaults a session sets for the connections made with it. */
export interface IntegrationConfigDefaults {
  /** Scopes asked for instead of the integration's. */
  userScopes?: string[];
  /** Extra query parameters of the provider's authorization URL. */
  authorizationParams?: Record<string, string>;
  /** Connection-config values fixed by the backend (the end user is not asked for them). */
  connectionConfig?: Record<string, string>;
}

export interface ConnectSession {
  id: string;
  /** SHA-256 (hex) of the token; the token itself is never stored. */
  tokenHash: string;
  /** Connection tags the created connection gets (Nango's `tags`, or mapped from `end_user`). */
  tags: Record<string, string>;
  /** Integrations the end user may pick; null allows every configured one. */
  allowedIntegrations: string[] | null;
  integrationsConfigDefaults: Record<string, IntegrationConfigDefaults>;
  /** A reconnect session re-authorizes this one connection instead of creating a new one. */
  reconnect: { providerConfigKey: string; connectionId: string } | null;
  /** Per integration, the documentation link the connect page shows instead of the provider's (Nango's `overrides.docs_connect`). */
  docsOverrides?: Record<string, string>;
  createdAt: number;
  expiresAt: number;
}

/** Sessions, keyed by token hash; expired ones are gone (TTL) or refused on read. */
export interface ConnectSessionRepo {
  put(session: ConnectSession): Promise<void>;
  /** The live session for a token hash at `now`, or null (unknown or expired). */
  findByTokenHash(tokenHash: string, now: number): Promise<ConnectSession | null>;
  /** Ends the session now (`DELETE /connect/session`); an unknown hash is not an error. */
  deleteByTokenHash(tokenHash: string): Promise<void>;
}

/** The stored shape (what the repository writes and reads back), one schema for both. */
export const ConnectSessionSchema = z.object({
  id: z.string().min(1),
  tokenHash: z.string().regex(/^[0-9a-f]{64}$/),
  tags: z.record(z.string(), z.string()),
  allowedIntegrations: z.array(z.string()).nullable(),
  integrationsConfigDefaults: z.record(
    z.string(),
    z.object({
      userScopes: z.array(z.string()).optional(),
      authorizationParams: z.record(z.string(), z.string()).optional(),
      connectionConfig: z.record(z.string(), z.string()).optional(),
    }),
  ),
  reconnect: z.object({ providerConfigKey: z.string(), connectionId: z.string() }).nullable(),
  docsOverrides: z.record(z.string(), z.string()).optional(),
  createdAt: z.number(),
  expiresAt: z.number(),
}) satisfies z.ZodType<ConnectSession>;

/** Whether the session lets the end user connect this integration. */
export function sessionAllowsIntegration(session: ConnectSession, providerConfigKey: string): boolean {
  if (session.reconnect) return session.reconnect.providerConfigKey === providerConfigKey;
  return session.allowedIntegrations === null || session.allowedIntegrations.includes(providerConfigKey);
}

export function newConnectSessionToken(): string {
  return `${CONNECT_SESSION_TOKEN_PREFIX}${randomBytes(32).toString('hex')}`;
}

export function hashConnectSessionToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
