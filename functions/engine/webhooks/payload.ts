/**
 * The sync webhook body, field for field Nango's (`NangoSyncWebhookBody` in @nangohq/types), so a
 * receiver written for Nango parses it unchanged. `from` says who sent it ("syncline" instead of
 * "nango"; receivers switch on `type`, not on `from`).
 *
 * Field choices:
 * - `syncType` is INITIAL for a first run (or after a reset) and INCREMENTAL otherwise — Nango's
 *   third value, WEBHOOK, has no counterpart here.
 * - `modifiedAfter` is the run's start time (ISO): every record the run wrote was stamped at or
 *   after it, so `GET /records?modified_after=<modifiedAfter>` returns what the run changed (plus
 *   anything a later run already changed again, which the receiver wants too).
 * - `queryTimeStamp` is Nango's deprecated alias: the same instant, null on an INITIAL run as in
 *   Nango, where it meant "fetch everything".
 * - An error webhook names all the sync's models in `model`, comma-separated, as Nango does:
 *   a failed run is one event, not one per model.
 */
import type { ChangeCounts, RunRecord } from '../ports.js';

interface SyncWebhookBase {
  from: string;
  type: 'sync';
  connectionId: string;
  providerConfigKey: string;
  syncName: string;
  model: string;
  syncType: 'INITIAL' | 'INCREMENTAL';
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

export function buildSuccessPayload(run: RunRecord, model: string): SyncWebhookSuccess {
  const counts = run.results[model] ?? { added: 0, updated: 0, deleted: 0 };
  const modifiedAfter = new Date(run.startedAt).toISOString();
  // Key order is fixed here and JSON.stringify keeps it: the body round-trips byte for byte.
  return {
    from: WEBHOOK_FROM,
    type: 'sync',
    connectionId: run.connectionId,
    providerConfigKey: run.providerConfigKey,
    syncName: run.syncName,
    model,
    syncType: run.type,
    success: true,
    responseResults: { added: counts.added, updated: counts.updated, deleted: counts.deleted },
    modifiedAfter,
    queryTimeStamp: run.type === 'INITIAL' ? null : modifiedAfter,
  };
}

export function buildErrorPayload(run: RunRecord): SyncWebhookError {
  return {
    from: WEBHOOK_FROM,
    type: 'sync',
    connectionId: run.connectionId,
    providerConfigKey: run.providerConfigKey,
    syncName: run.syncName,
    model: Object.keys(run.results).join(','),
    syncType: run.type,
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
 * re-serializing the parsed payload with `JSON.stringify` gets the same bytes. Payload values are
 * strings, booleans, safe integers and null only — nothing whose JSON changes on a round trip.
 */
export function serializePayload(payload: NangoSyncWebhookBody): string {
  return JSON.stringify(payload);
}
