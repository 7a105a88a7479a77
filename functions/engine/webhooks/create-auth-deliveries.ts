/**
 * A connection newly marked with an auth error (its token refresh failed; DESIGN §8) → Nango's
 * auth webhook (`operation: 'refresh', success: false`) to every enabled subscription that
 * wants `auth.refresh_error`, and one published event.
 *
 * Same pipeline as run results (`ensureDelivery`: conditional create, queue, mark queued; then
 * signing, retries and the DLQ in `attemptDelivery`). The delivery id is derived from the
 * connection and the auth error's time, so a repeated stream record creates nothing new while a
 * later failure (after the connection was authorized again) is a new webhook.
 *
 * The caller hands over only what the webhook says — never the connection's credentials.
 */
import type { ConnectionAuthError } from '../connection.js';
import type { IntegrationRegistry } from '../integration.js';
import type { ProviderAuthMode } from '../providers/provider.js';
import type { ConnectionAuthEvent } from '../connection.js';
import type { AuthFailure } from '../connect/auth-failure.js';
import { buildAuthFailurePayload, buildAuthSuccessPayload, buildRefreshErrorPayload, type AuthSubject } from './auth-payload.js';
import { ensureDelivery, type CreateDeliveriesDeps, type PlannedDelivery, type RunResultOutcome } from './create-deliveries.js';
import { authDeliveryId } from './delivery-id.js';
import type { PublishedEvent } from './ports.js';

/** The auth events a webhook is published as. */
type AuthPublishedEvent = Exclude<PublishedEvent, { detailType: 'sync.success' | 'sync.error' | 'async_action' }>;

/** The environment name auth webhooks carry when the deployment names none. */
export const DEFAULT_ENVIRONMENT = 'prod';

export interface AuthDeliveriesDeps extends CreateDeliveriesDeps {
  /** Where the provider name and auth mode come from; without it they fall back (see `auth-payload.ts`). */
  integrations?: Pick<IntegrationRegistry, 'get'>;
  /** The deployment's name, Nango's `environment`; default `prod`. */
  environment?: string;
}

/** A connection whose auth error was just set, as the stream record shows it (secrets left out). */
export interface MarkedConnection {
  providerConfigKey: string;
  connectionId: string;
  /** The kind of credentials it holds (`OAUTH2`, …), when known. */
  credentialsType: ProviderAuthMode | null;
  tags: Record<string, string> | undefined;
  authError: ConnectionAuthError;
}

export async function handleConnectionAuthError(deps: AuthDeliveriesDeps, connection: MarkedConnection): Promise<RunResultOutcome> {
  const at = Date.parse(connection.authError.at);
  if (Number.isNaN(at)) throw new Error(`connection ${connection.connectionId}: the auth error's time "${connection.authError.at}" is not a date`);
  const payload = buildRefreshErrorPayload(describe(deps, connection), connection.authError);
  const about = { providerConfigKey: connection.providerConfigKey, connectionId: connection.connectionId, runId: connection.authError.runId ?? null };
  return deliverAuthWebhook(deps, { detailType: 'auth.refresh_error', detail: payload }, about, (subscriptionId) =>
    authDeliveryId(subscriptionId, { providerConfigKey: connection.providerConfigKey, connectionId: connection.connectionId, at }),
  );
}

/** A connection an end user just connected or re-authorized, as the stream record shows it (secrets left out). */
export interface ConnectedConnection {
  providerConfigKey: string;
  connectionId: string;
  credentialsType: ProviderAuthMode | null;
  tags: Record<string, string> | undefined;
  authEvent: ConnectionAuthEvent;
}

/**
 * A connect-flow event (`completeConnect` wrote the connection with a new `authEvent`) → Nango's
 * auth webhook (`operation: creation | override, success: true`) to every enabled subscription
 * that wants `auth.<operation>`, and one published event. Ids come from the connection and the
 * event's time, so a repeated stream record creates nothing new.
 */
export async function handleConnectionAuthEvent(deps: AuthDeliveriesDeps, connection: ConnectedConnection): Promise<RunResultOutcome> {
  const { operation } = connection.authEvent;
  const at = Date.parse(connection.authEvent.at);
  if (Number.isNaN(at)) throw new Error(`connection ${connection.connectionId}: the auth event's time "${connection.authEvent.at}" is not a date`);
  const event = `auth.${operation}` as const;
  const payload = buildAuthSuccessPayload(describe(deps, connection), operation);
  const about = { providerConfigKey: connection.providerConfigKey, connectionId: connection.connectionId, runId: null };
  return deliverAuthWebhook(deps, { detailType: event, detail: payload }, about, (subscriptionId) =>
    authDeliveryId(subscriptionId, { providerConfigKey: connection.providerConfigKey, connectionId: connection.connectionId, at, operation }),
  );
}

/**
 * A failed connect attempt (`AuthFailure`, written by the connect flow) → Nango's failed auth
 * webhook (`operation: 'creation', success: false`) to every enabled subscription that wants
 * `auth.creation` (Nango gates it on `on_auth_creation`), and one published event. Ids come from
 * the failure's id, so a repeated stream record creates nothing new.
 */
export async function handleAuthFailure(deps: AuthDeliveriesDeps, failure: AuthFailure): Promise<RunResultOutcome> {
  const at = Date.parse(failure.at);
  if (Number.isNaN(at)) throw new Error(`failed connect ${failure.id}: its time "${failure.at}" is not a date`);
  const event = 'auth.creation' as const;
  const payload = buildAuthFailurePayload(failure, deps.environment ?? DEFAULT_ENVIRONMENT);
  const about = { providerConfigKey: failure.providerConfigKey, connectionId: failure.connectionId, runId: null };
  return deliverAuthWebhook(deps, { detailType: event, detail: payload }, about, (subscriptionId) =>
    // The failure id keeps two failures of one connection id in one millisecond apart.
    authDeliveryId(subscriptionId, { providerConfigKey: failure.providerConfigKey, connectionId: `${failure.connectionId}#failure#${failure.id}`, at, operation: 'creation' }),
  );
}

/**
 * One auth webhook to every enabled subscription that wants its event (no settling: there are no
 * records to wait for), and the event published once. `idFor` gives each subscription's
 * deterministic delivery id.
 */
async function deliverAuthWebhook(
  deps: AuthDeliveriesDeps,
  published: AuthPublishedEvent,
  about: Pick<PlannedDelivery, 'providerConfigKey' | 'connectionId' | 'runId'>,
  idFor: (subscriptionId: string) => string,
): Promise<RunResultOutcome> {
  const outcome: RunResultOutcome = { created: [], existing: [], published: 0 };
  const subscriptions = (await deps.store.listSubscriptions()).filter((s) => s.enabled && s.events.includes(published.detailType));
  for (const subscription of subscriptions) {
    const item: PlannedDelivery = { id: idFor(subscription.id), subscription, event: published.detailType, ...about, syncName: null, model: null, payload: published.detail };
    const created = await ensureDelivery(deps, item, deps.clock.now());
    (created ? outcome.created : outcome.existing).push(item.id);
  }
  await deps.events.publish([published]);
  outcome.published = 1;
  return outcome;
}

function describe(deps: AuthDeliveriesDeps, connection: Pick<MarkedConnection, 'providerConfigKey' | 'connectionId' | 'credentialsType' | 'tags'>): AuthSubject {
  const integration = deps.integrations?.get(connection.providerConfigKey);
  return {
    providerConfigKey: connection.providerConfigKey,
    connectionId: connection.connectionId,
    authMode: integration?.provider.auth.mode ?? connection.credentialsType ?? 'OAUTH2',
    provider: integration?.providerName ?? 'unknown',
    environment: deps.environment ?? DEFAULT_ENVIRONMENT,
    tags: connection.tags,
  };
}
