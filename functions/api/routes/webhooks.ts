/**
 * Webhook subscriptions, their deliveries, and replay. Mounted only when the deployment wires
 * webhooks (`deps.webhooks`); without them the paths do not exist (404), rather than 501.
 */
import { FULL_SCOPE } from '../../engine/api-key-scopes.js';
import type { WebhookDelivery, WebhookSubscription } from '../../engine/webhooks/ports.js';
import { WebhookUrlError, type WebhookService } from '../../engine/webhooks/webhook-service.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { defineRoute, json, type ApiRoute } from '../route.js';
import { SuccessResponse } from '../schemas.js';
import {
  CreateSubscriptionBody,
  DeliveriesQuery,
  DeliveryPath,
  DeliverySchema,
  ListDeliveriesResponse,
  ListSubscriptionsResponse,
  SubscriptionPath,
  SubscriptionSchema,
  SubscriptionWithSecret,
} from './webhooks.schemas.js';

const TAG = 'Webhooks';

export function webhooksRoutes(deps: ApiDeps): ApiRoute[] {
  const webhooks = deps.webhooks;
  if (!webhooks) return [];
  return [
    defineRoute(
      {
        method: 'post',
        path: '/webhooks/subscriptions',
        tag: TAG,
        summary: 'Subscribe a URL to run results and auth errors',
        description:
          'Each finished run POSTs a Nango-compatible sync webhook, and each connection whose token refresh failed a Nango-compatible auth webhook, signed with the returned secret (X-Nango-Hmac-Sha256, X-Nango-Signature, Standard Webhooks). Without `events` and `always`, a subscription gets what Nango turns on for a new environment: every event, and success webhooks even for runs that changed nothing. The secret is in this answer only; it is the one secret a restricted (webhooks:write) key receives, and it signs only the deliveries of the subscription just created.',
        body: CreateSubscriptionBody,
        responses: { 201: { description: 'Created', schema: SubscriptionWithSecret } },
      },
      async ({ body, c }) => {
        const created = await refuseBadUrl(() =>
          webhooks.createSubscription({ url: body.url, ...(body.events ? { events: body.events } : {}), ...(body.always !== undefined ? { always: body.always } : {}) }),
        );
        return json(c, 201, { ...toSubscription(created), secret: created.secret });
      },
    ),

    defineRoute(
      {
        method: 'get',
        path: '/webhooks/subscriptions',
        tag: TAG,
        summary: 'List webhook subscriptions',
        responses: { 200: { description: 'Subscriptions, without secrets', schema: ListSubscriptionsResponse } },
      },
      async ({ c }) => json(c, 200, { subscriptions: (await webhooks.listSubscriptions()).map(toSubscription) }),
    ),

    defineRoute(
      {
        method: 'get',
        path: '/webhooks/subscriptions/{id}',
        tag: TAG,
        summary: 'Get a webhook subscription',
        params: SubscriptionPath,
        responses: { 200: { description: 'The subscription, without its secret', schema: SubscriptionSchema } },
      },
      async ({ params, c }) => json(c, 200, toSubscription(await webhooks.getSubscription(params.id))),
    ),

    defineRoute(
      {
        method: 'delete',
        path: '/webhooks/subscriptions/{id}',
        tag: TAG,
        summary: 'Delete a webhook subscription',
        description: 'Pending retries stop at their next attempt.',
        params: SubscriptionPath,
        responses: { 200: { description: 'Deleted', schema: SuccessResponse } },
      },
      async ({ params, c }) => {
        await webhooks.deleteSubscription(params.id);
        return json(c, 200, { success: true });
      },
    ),

    defineRoute(
      {
        method: 'post',
        path: '/webhooks/subscriptions/{id}/rotate-secret',
        tag: TAG,
        summary: 'Rotate the signing secret',
        description:
          "The new secret signs every attempt from now on, including retries of earlier deliveries. It is in this answer only. Needs a full key: the subscription may be another caller's, and restricted keys never see an existing subscription's secret.",
        // Unlike creating one (whose secret signs only the caller's own new subscription), rotating
        // hands out the secret of any subscription: a secret read, so full only.
        scope: FULL_SCOPE,
        params: SubscriptionPath,
        responses: { 200: { description: 'The subscription with its new secret', schema: SubscriptionWithSecret } },
      },
      async ({ params, c }) => {
        const rotated = await webhooks.rotateSecret(params.id);
        return json(c, 200, { ...toSubscription(rotated), secret: rotated.secret });
      },
    ),

    defineRoute(
      {
        method: 'get',
        path: '/webhooks/subscriptions/{id}/deliveries',
        tag: TAG,
        summary: 'List deliveries, newest first',
        params: SubscriptionPath,
        query: DeliveriesQuery,
        responses: { 200: { description: 'Deliveries with every attempt', schema: ListDeliveriesResponse } },
      },
      async ({ params, query, c }) => json(c, 200, { deliveries: (await webhooks.listDeliveries(params.id, query.limit)).map(toDelivery) }),
    ),

    defineRoute(
      {
        method: 'post',
        path: '/webhooks/deliveries/{deliveryId}/replay',
        tag: TAG,
        summary: 'Replay a finished delivery',
        description: 'Starts a new round of attempts with the same webhook-id and body. 409 while the delivery is still being retried.',
        params: DeliveryPath,
        responses: { 202: { description: 'Queued', schema: DeliverySchema } },
      },
      async ({ params, c }) => c.json(toDelivery(await webhooks.replay(params.deliveryId)), 202),
    ),
  ];
}

async function refuseBadUrl<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof WebhookUrlError) throw new ApiError(400, 'invalid_webhook_url', error.message, [{ path: 'body.url', message: error.message }]);
    throw error;
  }
}

function toSubscription(s: WebhookSubscription) {
  return { id: s.id, url: s.url, events: s.events, always: s.always, enabled: s.enabled, disabled_reason: s.disabledReason, created_at: new Date(s.createdAt).toISOString() };
}

function toDelivery(d: WebhookDelivery) {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: d.id,
    subscription_id: d.subscriptionId,
    event: d.event,
    status: d.status,
    provider_config_key: d.providerConfigKey,
    connection_id: d.connectionId,
    sync_name: d.syncName,
    run_id: d.runId,
    model: d.model,
    created_at: new Date(d.createdAt).toISOString(),
    attempts: d.attempts.map((a) => ({ at: new Date(a.at).toISOString(), status_code: a.statusCode, error: a.error, next_retry_at: iso(a.nextRetryAt) })),
  };
}

export type { WebhookService };
