/**
 * BatchWriteItem for any number of puts or deletes on one table.
 *
 * DynamoDB takes at most 25 requests per call and may hand some back as `UnprocessedItems`
 * (throttling, a hot partition) without failing the call. Re-sending them at once mostly gets
 * them refused again, so each retry waits: exponential backoff with full jitter, so that
 * writers throttled together do not come back in lockstep. After a bounded number of attempts
 * the write fails as an `InfrastructureError`, leaving the caller's own retry to take over.
 */
import { BatchWriteCommand, type BatchWriteCommandInput, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mapWithConcurrency } from '../../engine/concurrency.js';
import { asInfrastructureError } from '../../engine/errors.js';
import { withInfrastructureErrors } from './dynamo-calls.js';

/** One put or delete, in the document client's (unmarshalled) form. */
export type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];

export interface BatchWriteOptions {
  /** Calls per chunk, the first included; default 8. */
  maxAttempts?: number;
  /** Ceiling of the first retry's wait, doubled on each further retry; default 50 ms. */
  baseDelayMs?: number;
  /** The largest wait before a retry; default 2 s. */
  maxDelayMs?: number;
  /** Chunks of 25 in flight at once; default 1. */
  concurrency?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** The DynamoDB limit on requests per BatchWriteItem call. */
const BATCH_WRITE_LIMIT = 25;

/**
 * Writes every request to `tableName`, in chunks of 25, retrying unprocessed ones with backoff.
 * `what` names the work in the error ("emptying records failed: …").
 */
export async function batchWriteAll(doc: DynamoDBDocumentClient, tableName: string, requests: readonly WriteRequest[], what: string, options: BatchWriteOptions = {}): Promise<void> {
  const chunks: WriteRequest[][] = [];
  for (let start = 0; start < requests.length; start += BATCH_WRITE_LIMIT) chunks.push(requests.slice(start, start + BATCH_WRITE_LIMIT));
  await mapWithConcurrency(chunks, options.concurrency ?? 1, (chunk) => writeChunk(doc, tableName, chunk, what, options));
}

async function writeChunk(doc: DynamoDBDocumentClient, tableName: string, chunk: WriteRequest[], what: string, options: BatchWriteOptions): Promise<void> {
  const { maxAttempts = 8, baseDelayMs = 50, maxDelayMs = 2_000, sleep = defaultSleep, random = Math.random } = options;
  let pending = chunk;
  for (let attempt = 1; ; attempt++) {
    const response = await withInfrastructureErrors(what, () => doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } })));
    pending = response.UnprocessedItems?.[tableName] ?? [];
    if (pending.length === 0) return;
    if (attempt >= maxAttempts) {
      throw asInfrastructureError(new Error(`${pending.length} of ${chunk.length} write requests stayed unprocessed after ${maxAttempts} attempts`), what);
    }
    await sleep(Math.floor(random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1))));
  }
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
