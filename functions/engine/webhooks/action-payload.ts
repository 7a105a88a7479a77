/**
 * The `async_action` webhook body, field for field and in the key order Nango's server writes
 * it (`webhooks/lib/asyncAction.ts`: `type`, `from`, `connectionId`, `providerConfigKey`,
 * `payload`; its type is `NangoAsyncActionWebhookBody` in @nangohq/types `webhooks/api.ts`).
 *
 * Nango sends it once an asynchronous action is done either way: after a success, and after the
 * last attempt of a failure (not after a failed attempt that will be retried). It carries no
 * outcome, only where to read it: `payload.id` is the execution id and `payload.statusUrl` the
 * path of `GET /action/{id}`, relative as Nango's is. `from` is Syncline's name, as on every
 * Syncline webhook (`WEBHOOK_FROM`).
 */
import type { ActionExecution } from '../actions/ports.js';
import { WEBHOOK_FROM } from './payload.js';

export interface AsyncActionWebhookBody {
  type: 'async_action';
  from: string;
  connectionId: string;
  providerConfigKey: string;
  payload: { id: string; statusUrl: string };
}

/** Where an execution's result is read: the path of `GET /action/{id}`. */
export function actionStatusPath(executionId: string): string {
  return `/action/${encodeURIComponent(executionId)}`;
}

export function buildAsyncActionPayload(execution: Pick<ActionExecution, 'id' | 'connectionId' | 'providerConfigKey'>): AsyncActionWebhookBody {
  // Key order is Nango's and JSON.stringify keeps it: the body round-trips byte for byte.
  return {
    type: 'async_action',
    from: WEBHOOK_FROM,
    connectionId: execution.connectionId,
    providerConfigKey: execution.providerConfigKey,
    payload: { id: execution.id, statusUrl: actionStatusPath(execution.id) },
  };
}
