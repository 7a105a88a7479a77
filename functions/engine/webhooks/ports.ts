/**
 * Webhook types and the ports the webhook engine talks through. The DynamoDB, SQS, EventBridge
 * and HTTP adapters implement them; the engine never imports an AWS SDK or opens a socket.
 */
import type { AsyncActionWebhookBody } from './action-payload.js';
import type { AuthWebhookError, AuthWebhookSuccess, NangoAuthWebhookBody } from './auth-payload.js';
import type { NangoSyncWebhookBody } from './payload.js';

/**
 * What a subscription can ask for: a run that succeeded or failed; a connection whose token
 * refresh failed (it must be authorized again: Nango's `auth` webhook with `operation: 'refresh'`,
 * which Nango only ever sends for a failure); an end user who connected an account through the
 * connect flow (`auth.creation`) or re-authorized one with a reconnect session (`auth.override`);
 * an asynchronous action that finished, successfully or after its last attempt (`async_action`,
 * Nango's `on_async_action_completion`).
 */
export const WEBHOOK_EVENTS = ['sync.success', 'sync.error', 'auth.refresh_error', 'auth.creation', 'auth.override', 'async_action'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/**
 * A subscription created without saying otherwise gets what Nango turns on for a new
 * environment (`environment.service.ts`: `on_sync_completion_always`, `on_sync_error`,
 * `on_auth_refresh_error`, `on_auth_creation`; `on_async_action_completion` defaults to true; Nango
 * sends overrides whenever a webhook URL is set, `webhooks/lib/utils.ts` `shouldSend`): every event, and a success webhook even for a model
 * the run did not change. Stored subscriptions keep what they were created with, so one created
 * before the auth events existed gets them only when its events are edited.
 */
export const DEFAULT_SUBSCRIPTION: Readonly<{ events: readonly WebhookEvent[]; always: boolean }> = { events: WEBHOOK_EVENTS, always: true };

/** Every body Syncline POSTs. */
export type WebhookBody = NangoSyncWebhookBody | NangoAuthWebhookBody | AsyncActionWebhookBody;

export interface WebhookSubscription {
  id: string;
  url: string;
  events: WebhookEvent[];
  /** Also send a success webhook for a model the run did not change. */
  always: boolean;
  /** False after the endpoint answered 410 Gone (or an operator disabled it). */
  enabled: boolean;
  disabledReason: string | null;
  createdAt: number;
}

export const DELIVERY_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One POST to the endpoint: what it answered, or why there was no answer. */
export interface DeliveryAttempt {
  at: number;
  statusCode: number | null;
  error: string | null;
  /** When the next attempt is due; null when this attempt was the last. */
  nextRetryAt: number | null;
}

/**
 * One webhook (one subscription × one run × one model, one error per run, or one auth error per
 * marking of a connection) and its attempts.
 */
export interface WebhookDelivery {
  /** Deterministic from what it reports (see `delivery-id.ts`); sent as `webhook-id` on every attempt. */
  id: string;
  subscriptionId: string;
  event: WebhookEvent;
  providerConfigKey: string;
  connectionId: string;
  /** The sync; null for an auth or action webhook. */
  syncName: string | null;
  /**
   * The run reported on (for an auth webhook: the run that met the failure, when one did; for an
   * `async_action` webhook: the action execution's id).
   */
  runId: string | null;
  /** The model, or null for an error delivery. */
  model: string | null;
  /** The exact bytes POSTed (compact JSON); signed as they are. */
  body: string;
  status: DeliveryStatus;
  attempts: DeliveryAttempt[];
  /** Index into `attempts` where the current round began (0, or where a replay restarted it). */
  roundStart: number;
  /** When the current round's first attempt was due: the retry span counts from here. */
  roundStartedAt: number;
  /** Set once the first message for the round is on the queue (see `createDeliveries`). */
  queued: boolean;
  createdAt: number;
  updatedAt: number;
}

/** Subscriptions and deliveries (the state table in AWS and locally). */
export interface WebhookStore {
  /** Stores a subscription with its signing secret (encrypted at rest). */
  createSubscription(subscription: WebhookSubscription, secret: string): Promise<void>;
  getSubscription(id: string): Promise<WebhookSubscription | null>;
  listSubscriptions(): Promise<WebhookSubscription[]>;
  /** The decrypted signing secret, or null for an unknown subscription. */
  getSecret(id: string): Promise<string | null>;
  /** Replaces the signing secret; false for an unknown subscription. */
  rotateSecret(id: string, secret: string): Promise<boolean>;
  disableSubscription(id: string, reason: string): Promise<void>;
  deleteSubscription(id: string): Promise<boolean>;

  /** Conditional put: false (and nothing written) when the delivery already exists. */
  createDelivery(delivery: WebhookDelivery): Promise<boolean>;
  getDelivery(id: string): Promise<WebhookDelivery | null>;
  /** Newest first. */
  listDeliveries(subscriptionId: string, limit: number): Promise<WebhookDelivery[]>;
  markQueued(id: string): Promise<void>;
  /**
   * Appends an attempt and sets the status, only if the delivery still has `expectedAttempts`
   * attempts and is PENDING (a concurrent duplicate loses); false when the condition failed.
   */
  recordAttempt(id: string, expectedAttempts: number, attempt: DeliveryAttempt, status: DeliveryStatus): Promise<boolean>;
  /** Starts a new round of attempts for a finished delivery (replay); false if it is still PENDING or unknown. */
  restart(id: string, now: number): Promise<WebhookDelivery | null>;
}

/** The message that asks for one attempt of one delivery. */
export interface DeliveryMessage {
  deliveryId: string;
  /** 1-based number of the attempt this message is for; a stale duplicate is dropped. */
  attempt: number;
  /** Not before this time (ms): a message that arrives early is put back (SQS delays cap at 15 min). */
  dueAt: number;
}

/** The delivery queue (SQS) and its dead-letter queue. */
export interface DeliveryQueue {
  /** Sends with a delay; adapters cap it at their maximum (SQS: 900 s). */
  send(message: DeliveryMessage, delaySeconds: number): Promise<void>;
  /** Parks a copy of a delivery that ran out of attempts, for people and replay tooling. */
  sendToDeadLetter(message: DeliveryMessage & { reason: string }): Promise<void>;
}

/** One published event: detail-type is the webhook event, detail the webhook body. */
export type PublishedEvent =
  | { detailType: 'sync.success' | 'sync.error'; detail: NangoSyncWebhookBody }
  | { detailType: 'auth.refresh_error'; detail: AuthWebhookError }
  | { detailType: 'auth.creation' | 'auth.override'; detail: AuthWebhookSuccess }
  | { detailType: 'auth.creation'; detail: AuthWebhookError }
  | { detailType: 'async_action'; detail: AsyncActionWebhookBody };

/** Run results and auth errors for AWS-native consumers (EventBridge in AWS, the log locally). */
export interface EventPublisher {
  publish(events: PublishedEvent[]): Promise<void>;
}

/** The response of one POST, or a network failure (`statusCode` null). */
export interface SendResult {
  statusCode: number | null;
  /** `Retry-After` as sent, when present. */
  retryAfter: string | null;
  error: string | null;
}

export interface WebhookRequest {
  url: URL;
  /** The address the URL guard checked: the connection goes there and nowhere else. */
  address: string;
  family: 4 | 6;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

/** Sends one POST to a pinned address; never follows redirects; never throws for HTTP or network errors. */
export interface WebhookSender {
  send(request: WebhookRequest): Promise<SendResult>;
}

/** Resolves a host name to all its addresses (DNS), for the URL guard. */
export type HostResolver = (hostname: string) => Promise<{ address: string; family: 4 | 6 }[]>;
