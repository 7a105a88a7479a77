/**
 * The server side of an OAuth2 authorization-code flow in progress: what `/oauth/connect` knew
 * when it sent the end user to the provider, found again by `/oauth/callback` through the
 * `state` parameter the provider hands back (RFC 6749 §10.12). The state value is random, stored
 * only as its SHA-256 hash, single use (consuming it deletes it in the same write), and expires
 * after 10 minutes. A second, unguessable value goes to the browser that started the flow as a
 * cookie and must come back with the callback (`browserBindingHash`): a provider link started
 * by one person cannot be finished in another person's browser (login CSRF: the victim's account
 * would land in the attacker's session).
 */
import { createHash, randomBytes } from 'node:crypto';
import * as z from 'zod';

/** How long the end user has to consent at the provider. */
export const OAUTH_STATE_TTL_MS = 10 * 60_000;

/** The stored shape, one schema for the writer and the reader. */
export const OAuthStateSchema = z.object({
  /** SHA-256 (hex) of the `state` parameter. */
  stateHash: z.string().regex(/^[0-9a-f]{64}$/),
  /** SHA-256 (hex) of the cookie value set on the browser that started the flow. */
  browserBindingHash: z.string().regex(/^[0-9a-f]{64}$/),
  connectSessionId: z.string().min(1),
  /** The session's token hash, to check at the callback that the session is still live. */
  connectSessionTokenHash: z.string().regex(/^[0-9a-f]{64}$/),
  providerConfigKey: z.string().min(1),
  /** Checked against the provider's declared fields before it was stored. */
  connectionConfig: z.record(z.string(), z.string()),
  /** PKCE (RFC 7636) verifier, when the provider uses PKCE. */
  codeVerifier: z.string().optional(),
  /** Nango's frontend SDK waits for the outcome on this WebSocket client (local runtime only). */
  wsClientId: z.string().optional(),
  /** The redirect URI sent to the provider; the token request must repeat it exactly. */
  redirectUri: z.string().min(1),
  createdAt: z.number(),
  expiresAt: z.number(),
});

export type OAuthState = z.infer<typeof OAuthStateSchema>;

/** OAuth flows in progress, by state hash. */
export interface OAuthStateRepo {
  put(state: OAuthState): Promise<void>;
  /**
   * Removes and returns the flow for a state hash if it is live at `now`: one atomic write, so
   * two callbacks with one state cannot both get it. Null when unknown, used or expired.
   */
  consume(stateHash: string, now: number): Promise<OAuthState | null>;
}

/** A fresh random value for `state` or the browser-binding cookie (256 bits, URL-safe). */
export function newOAuthSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function hashOAuthSecret(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** RFC 7636 §4.1–4.2: a 43-character verifier and its S256 challenge. */
export function newPkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier, 'ascii').digest('base64url') };
}
