/**
 * The run-results Lambda's logic, shared by AWS and the local stream poller: a batch of state
 * table stream records → webhook deliveries and events for each run that just finished.
 *
 * Records are handled in order. On the first failure the handler stops and reports that
 * record's sequence number in `batchItemFailures`: Lambda retries the batch from there (earlier
 * records are not redone; later ones were not done yet), and with bisect-on-error, a retry
 * limit, a maximum record age and an on-failure destination a poison record cannot block the
 * shard for 24 hours. Redoing a record is harmless (deterministic delivery ids).
 */
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { z } from 'zod';
import { unmarshallImage } from '../../adapters/dynamodb/stream-image.js';
import { RunSchema, type RunRecord } from '../../engine/model/run.js';
import { handleRunResult, type CreateDeliveriesDeps } from '../../engine/webhooks/create-deliveries.js';
import { matchesRunResultFilter } from './run-result-filter.js';

/** The run item as the run repository writes it: the shared run schema, tagged with its kind. */
export const RunImageSchema = RunSchema.extend({ kind: z.literal('RUN') });

export function makeRunResultsHandler(deps: CreateDeliveriesDeps) {
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    for (const record of event.Records) {
      // The event source filters already; this keeps the handler right without it (tests, replays).
      if (!matchesRunResultFilter(record)) continue;
      const run = parseRun(record);
      if (!run.success) {
        // A malformed run item will not get better: skip it loudly rather than block the shard.
        deps.logger.log('error', `unreadable run item in stream record ${record.eventID}: ${run.error}`);
        continue;
      }
      try {
        const outcome = await handleRunResult(deps, run.data);
        deps.logger.log(
          outcome.created.length + outcome.existing.length > 0 ? 'info' : 'debug',
          `run ${run.data.runId} ${run.data.status}: ${outcome.created.length} webhook(s) created, ${outcome.existing.length} already existed, ${outcome.published} event(s) published`,
          {
            runId: run.data.runId,
            providerConfigKey: run.data.providerConfigKey,
            connectionId: run.data.connectionId,
            syncName: run.data.syncName,
          },
        );
      } catch (error) {
        deps.logger.log('error', `run result ${run.data.runId} failed, will be retried: ${error instanceof Error ? error.message : String(error)}`);
        return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? record.eventID ?? '' }] };
      }
    }
    return { batchItemFailures: [] };
  };
}

function parseRun(record: DynamoDBRecord): { success: true; data: RunRecord } | { success: false; error: string } {
  try {
    const parsed = RunImageSchema.safeParse(unmarshallImage((record.dynamodb?.NewImage ?? {}) as Record<string, unknown>));
    if (!parsed.success) return { success: false, error: z.prettifyError(parsed.error) };
    const { kind: _kind, ...run } = parsed.data;
    return { success: true, data: run };
  } catch (error) {
    return { success: false, error: error instanceof Error ? error.message : String(error) };
  }
}
