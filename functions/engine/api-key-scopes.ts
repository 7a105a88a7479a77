/**
 * What an API key may do. `full` is Nango's secret-key behaviour: everything, connection
 * credentials and client secrets included, and managing API keys. A restricted key holds
 * `<area>:read` / `<area>:write` scopes and never sees a stored secret (connection credentials,
 * client secrets, an existing webhook subscription's signing secret: rotating one needs `full`);
 * the one secret it receives is that of a webhook subscription it creates with `webhooks:write`,
 * which signs only that subscription's deliveries. `<area>:write` implies `<area>:read`. Keys
 * stored before scopes existed are `full` (they could do everything then); a key without scopes
 * may do nothing.
 */
import * as z from 'zod';

/** The parts of the API a restricted scope opens, one per route tag that holds data. */
export const API_KEY_AREAS = ['records', 'syncs', 'connections', 'integrations', 'webhooks', 'proxy', 'actions'] as const;
export type ApiKeyArea = (typeof API_KEY_AREAS)[number];

export const FULL_SCOPE = 'full';
export type RestrictedScope = `${ApiKeyArea}:${'read' | 'write'}`;
export type ApiKeyScope = typeof FULL_SCOPE | RestrictedScope;

export const API_KEY_SCOPES = [FULL_SCOPE, ...API_KEY_AREAS.flatMap((area) => [`${area}:read`, `${area}:write`] as const)] as readonly [ApiKeyScope, ...ApiKeyScope[]];

export const ApiKeyScopeSchema = z.enum(API_KEY_SCOPES);

/** A key's scopes as stored and as `POST /api-keys` takes them: at least one, no repeats. */
export const ApiKeyScopesSchema = z
  .array(ApiKeyScopeSchema)
  .min(1)
  .max(API_KEY_SCOPES.length)
  .transform((scopes) => [...new Set(scopes)]);

/** Whether `granted` allows `required`: `full` allows everything, `x:write` implies `x:read`. */
export function scopesAllow(granted: readonly ApiKeyScope[], required: ApiKeyScope): boolean {
  if (granted.includes(FULL_SCOPE)) return true;
  if (required === FULL_SCOPE) return false;
  if (granted.includes(required)) return true;
  const [area, access] = required.split(':') as [ApiKeyArea, 'read' | 'write'];
  return access === 'read' && granted.includes(`${area}:write`);
}
