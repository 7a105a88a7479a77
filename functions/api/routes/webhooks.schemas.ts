/** Webhook subscriptions and deliveries (an extra; Nango configures its webhook URLs in its dashboard). */
import * as z from 'zod';
import { WEBHOOK_EVENTS } from '../../engine/webhooks/ports.js';

const Event = z.enum(WEBHOOK_EVENTS);

export const CreateSubscriptionBody = z
  .object({
    url: z.string().min(1).max(2048).meta({ description: 'https URL receiving the POSTs; must not resolve to a private, loopback, link-local or metadata address' }),
    events: z.array(Event).min(1).optional().meta({
      description:
        'What to send: sync.success, sync.error (run results), auth.refresh_error (a connection whose token refresh failed), auth.creation and auth.override (an end user connected or re-authorized an account through the connect flow), async_action (an asynchronous action finished); default all',
    }),
    always: z.boolean().optional().meta({ description: "Also send a success webhook for a model the run did not change (Nango's on_sync_completion_always); default true" }),
  })
  .strict();

export const SubscriptionSchema = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(Event),
  always: z.boolean(),
  enabled: z.boolean().meta({ description: 'False after the endpoint answered 410 Gone' }),
  disabled_reason: z.string().nullable(),
  created_at: z.string(),
});

export const SubscriptionWithSecret = SubscriptionSchema.extend({
  secret: z.string().meta({ description: 'Signing secret (whsec_…): shown only here and on rotation' }),
});

export const ListSubscriptionsResponse = z.object({ subscriptions: z.array(SubscriptionSchema) });
export const SubscriptionPath = z.object({ id: z.string().min(1).max(64) }).strict();
export const DeliveryPath = z.object({ deliveryId: z.string().min(1).max(128) }).strict();
export const DeliveriesQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) });

export const DeliverySchema = z.object({
  id: z.string().meta({ description: 'Also the webhook-id header, the same on every attempt' }),
  subscription_id: z.string(),
  event: Event,
  status: z.enum(['PENDING', 'SUCCEEDED', 'FAILED']),
  provider_config_key: z.string(),
  connection_id: z.string(),
  sync_name: z.string().nullable().meta({ description: 'Null for an auth webhook' }),
  run_id: z.string().nullable().meta({ description: 'The run reported on; for an auth webhook the run that met the failure, or null' }),
  model: z.string().nullable(),
  created_at: z.string(),
  attempts: z.array(
    z.object({
      at: z.string(),
      status_code: z.number().nullable(),
      error: z.string().nullable(),
      next_retry_at: z.string().nullable(),
    }),
  ),
});

export const ListDeliveriesResponse = z.object({ deliveries: z.array(DeliverySchema) });
