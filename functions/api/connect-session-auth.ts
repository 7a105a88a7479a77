/**
 * Authentication of the connect flow's routes by connect session token, as Nango's frontend SDK
 * and connect UI send it: the `connect_session_token` query parameter, or
 * `Authorization: Bearer nango_connect_session_…`. Only the token's hash is looked up.
 *
 * Each session is also rate-limited here (a token bucket per session id, per process): an end
 * user clicks a few times a minute; a script hammering the flow with a leaked token does not
 * get far. In AWS the bucket lives per Lambda instance, so the effective limit is a multiple of
 * it under concurrency — a brake, not an accounting.
 */
import { CONNECT_SESSION_TOKEN_PREFIX, type ConnectSession, hashConnectSessionToken } from '../engine/connect/connect-session.js';
import type { ApiDeps } from './deps.js';
import { type ApiContext, bearerToken } from './route.js';

/** Requests a session may make in a burst, and how many it regains per minute. */
export const CONNECT_SESSION_RATE_LIMIT = { burst: 30, perMinute: 30 } as const;

const TOKEN_PATTERN = new RegExp(`^${CONNECT_SESSION_TOKEN_PREFIX}[0-9a-f]{16,128}$`);

/** The token a request carries, if it looks like one (anything else is never looked up). */
export function connectSessionTokenOf(c: ApiContext): string | null {
  const fromQuery = c.req.query('connect_session_token');
  const bearer = bearerToken(c);
  const token = fromQuery ?? bearer;
  return token !== undefined && TOKEN_PATTERN.test(token) ? token : null;
}

/** The live session of the request's token, or null (none, malformed, unknown or expired). */
export async function findConnectSession(deps: Pick<ApiDeps, 'syncline' | 'clock'>, c: ApiContext): Promise<ConnectSession | null> {
  const token = connectSessionTokenOf(c);
  if (!token) return null;
  return deps.syncline.state.connectSessions.findByTokenHash(hashConnectSessionToken(token), deps.clock.now());
}

/** A token bucket per session id; sessions live 30 minutes, so the map is pruned as it grows. */
export class SessionRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly limit: { burst: number; perMinute: number } = CONNECT_SESSION_RATE_LIMIT,
    private readonly maxSessions = 10_000,
  ) {}

  /** Takes one request from the session's bucket; false when it is empty. */
  take(sessionId: string, now: number): boolean {
    const bucket = this.buckets.get(sessionId) ?? { tokens: this.limit.burst, at: now };
    const refilled = Math.min(this.limit.burst, bucket.tokens + ((now - bucket.at) / 60_000) * this.limit.perMinute);
    const allowed = refilled >= 1;
    this.buckets.delete(sessionId); // re-inserted last: the map's order is least recently used first
    this.buckets.set(sessionId, { tokens: allowed ? refilled - 1 : refilled, at: now });
    if (this.buckets.size > this.maxSessions) this.buckets.delete(this.buckets.keys().next().value!);
    return allowed;
  }
}
