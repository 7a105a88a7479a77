/**
 * A connect attempt that failed where Nango sends a failed `auth` webhook (its
 * `connectionCreationFailed` hook, `operation: 'creation'`, gated on the subscription's
 * `auth.creation`): the provider sent the end user back without a code (denied consent) or the
 * token request failed — in the authorization-code callback and for client credentials. Refusals
 * before the flow is known to be genuine (a replayed or unknown `state`, another browser, an
 * expired session) and the connect step's own refusals (API key, basic, invalid config) send
 * nothing on Nango, and nothing here.
 *
 * The failure is written as a short-lived item of the state table; its INSERT on the table's
 * stream is what the webhook function turns into deliveries (`run-result-filter.ts`), so a failed
 * connect goes through the same signing, retries and DLQ as every webhook. The item holds only
 * what the webhook says: never a token, a code or a client secret.
 */
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import type { Logger } from '../ports.js';

/** How long the item stays for the stream to pick up (the table's TTL sweeps it later). */
export const AUTH_FAILURE_TTL_MS = 24 * 60 * 60 * 1000;

export const AuthFailureSchema = z.object({
  id: z.string().min(1).max(64),
  at: z.string().refine((at) => !Number.isNaN(Date.parse(at)), 'not a date'),
  providerConfigKey: z.string().min(1),
  /** The connection being re-authorized, or a generated id as Nango's is (no connection has it). */
  connectionId: z.string().min(1),
  authMode: z.enum(['OAUTH2', 'OAUTH2_CC', 'API_KEY', 'BASIC', 'NONE']),
  provider: z.string(),
  operation: z.literal('creation'),
  tags: z.record(z.string(), z.string()),
  error: z.object({ type: z.string().min(1), description: z.string() }),
});
export type AuthFailure = z.infer<typeof AuthFailureSchema>;

/** Where failed connect attempts are written for the webhook function to find. */
export interface AuthFailureRepo {
  /** Writes the failure once; the store expires it after `AUTH_FAILURE_TTL_MS`. */
  record(failure: AuthFailure): Promise<void>;
}

export interface RecordAuthFailureDeps {
  authFailures?: AuthFailureRepo | undefined;
  logger?: Pick<Logger, 'log'> | undefined;
}

/**
 * Records the failure; a store error is logged, not thrown, so the end user still gets the error
 * page (Nango fires its hook without awaiting it, for the same reason).
 */
export async function recordAuthFailure(
  deps: RecordAuthFailureDeps,
  now: number,
  failure: Omit<AuthFailure, 'id' | 'at' | 'operation' | 'connectionId'> & { connectionId?: string | undefined },
): Promise<void> {
  if (!deps.authFailures) return;
  const id = randomUUID();
  try {
    await deps.authFailures.record(AuthFailureSchema.parse({ ...failure, id, at: new Date(now).toISOString(), operation: 'creation', connectionId: failure.connectionId ?? randomUUID() }));
  } catch (error) {
    deps.logger?.log('error', `recording the failed connect ${id} failed: ${error instanceof Error ? error.message : String(error)}`, { providerConfigKey: failure.providerConfigKey });
  }
}
