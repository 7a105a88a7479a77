/**
 * The sync webhook body, field for field and in Nango's key order its current
 * `NangoSyncWebhookBody` (@nangohq/types, `webhooks/api.ts`), so a receiver written for Nango
 * parses it unchanged.
 *
 * Field choices:
 * - `from` is "syncline". Nango's docs tell receivers to switch on `type` and never to check
 *   `from` (their payload examples leave it out, and Nango itself puts a provider's name there
 *   on forwarded webhooks), so the field says truthfully who sent the webhook.
 * - `syncVariant` is the run's variant, `base` for a sync without variants.
 * - `syncType` (deprecated by Nango in favour of `checkpoints`) is INITIAL for a first run (or
 *   after a reset) and INCREMENTAL otherwise — Nango's third value, WEBHOOK, has no counterpart.
 * - `checkpoints` is present only when the run's script read, saved or cleared its checkpoint,
 *   as in Nango: `from` the checkpoint the run started from (null: a full pass — first run,
 *   reset, or a full sync starting over), `to` the last one saved (null after a clear). A
 *   continued run keeps the `from` of its first invocation.
 * - `modifiedAfter` is the run's start time (ISO): every record the run wrote was stamped at or
 *   after it, so `GET /records?modified_after=<modifiedAfter>` returns what the run changed (plus
 *   anything a later run already changed again, which the receiver wants too).
 * - `queryTimeStamp` is Nango's deprecated alias: the same instant, as Nango sends it today.
 * - An error webhook names all the sync's models in `model`, comma-separated, as Nango does:
 *   a failed run is one event, not one per model. Its `error` is `{type, description}`; Nango's
 *   optional `payload` and `additional_properties` are left out because a run error has none.
 */
import { variantOf } from '../state-ports.js';
import type { ChangeCounts, RunRecord } from '../ports.js';
import type { CheckpointRange } from '../model/run.js';

interface SyncWebhookBase {
  from: string;
  type: 'sync';
  connectionId: string;
  providerConfigKey: string;
  syncName: string;
  syncVariant: string;
  model: string;
  syncType: 'INITIAL' | 'INCREMENTAL';
  checkpoints?: CheckpointRange;
}

export interface SyncWebhookSuccess extends SyncWebhookBase {
  success: true;
  responseResults: ChangeCounts;
  modifiedAfter: string;
  queryTimeStamp: string | null;
}

export interface SyncWebhookError extends SyncWebhookBase {
  success: false;
  error: { type: string; description: string };
  startedAt: string;
  failedAt: string;
}

export type NangoSyncWebhookBody = SyncWebhookSuccess | SyncWebhookError;

export const WEBHOOK_FROM = 'syncline';

/** The fields every sync body starts with, in Nango's order (`checkpoints` last, and only when the run used them). */
function syncBase(run: RunRecord, model: string): SyncWebhookBase {
  return {
    from: WEBHOOK_FROM,
    type: 'sync',
    connectionId: run.connectionId,
    providerConfigKey: run.providerConfigKey,
    syncName: run.syncName,
    syncVariant: variantOf(run),
    model,
    syncType: run.type,
    ...(run.checkpoints ? { checkpoints: { from: run.checkpoints.from, to: run.checkpoints.to } } : {}),
  };
}

export function buildSuccessPayload(run: RunRecord, model: string): SyncWebhookSuccess {
  const counts = run.results[model] ?? { added: 0, updated: 0, deleted: 0 };
  const modifiedAfter = new Date(run.startedAt).toISOString();
  // Key order is fixed here and JSON.stringify keeps it: the body round-trips byte for byte.
  return {
    ...syncBase(run, model),
    success: true,
    responseResults: { added: counts.added, updated: counts.updated, deleted: counts.deleted },
    modifiedAfter,
    queryTimeStamp: modifiedAfter,
  };
}

export function buildErrorPayload(run: RunRecord): SyncWebhookError {
  return {
    ...syncBase(run, Object.keys(run.results).join(',')),
    success: false,
    error: { type: run.error?.type ?? 'unknown_error', description: run.error?.message ?? 'the run failed' },
    startedAt: new Date(run.startedAt).toISOString(),
    failedAt: new Date(run.finishedAt ?? run.startedAt).toISOString(),
  };
}

export function hasChanges(counts: ChangeCounts | undefined): boolean {
  return counts !== undefined && counts.added + counts.updated + counts.deleted > 0;
}

/**
 * The body as sent: compact JSON (no spaces), so a receiver that verifies `X-Nango-Signature` by
 * re-serializing the parsed payload with `JSON.stringify` gets the same bytes. That holds for
 * any JSON that `JSON.stringify` wrote: strings, booleans, numbers (a checkpoint's included —
 * JavaScript prints the shortest form that parses back to the same number) and null, with
 * integer-like keys already first, as a parsed object orders them.
 */
export function serializePayload(payload: object): string {
  return JSON.stringify(payload);
}
