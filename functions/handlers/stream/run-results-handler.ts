/**
 * The run-results Lambda's logic, shared by AWS and the local stream poller: a batch of state
 * table stream records → webhook deliveries and events, for each run that just finished and
 * each connection that was just marked with an auth error, and each connection an end user just
 * connected or re-authorized through the connect flow, and each failed connect attempt (see
 * `run-result-filter.ts`).
 *
 * Records are handled in order. On the first failure the handler stops and reports that
 * record's sequence number in `batchItemFailures`: Lambda retries the batch from there (earlier
 * records are not redone; later ones were not done yet), and with bisect-on-error, a retry
 * limit, a maximum record age and an on-failure destination a poison record cannot block the
 * shard for 24 hours. Redoing a record is harmless (deterministic delivery ids).
 *
 * A connection item holds its sealed credentials: only the attributes an auth webhook needs are
 * taken from its image (`pickAttributes`), and nothing from the image is logged.
 */
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import * as z from 'zod';
import { stateKeys } from '../../adapters/dynamodb/state/keys.js';
import { pickAttributes, unmarshallImage } from '../../adapters/dynamodb/stream-image.js';
import { type AuthFailure, AuthFailureSchema } from '../../engine/connect/auth-failure.js';
import { RunSchema, type RunRecord } from '../../engine/model/run.js';
import {
  type AuthDeliveriesDeps,
  type ConnectedConnection,
  handleAuthFailure,
  handleConnectionAuthError,
  handleConnectionAuthEvent,
  type MarkedConnection,
} from '../../engine/webhooks/create-auth-deliveries.js';
import { handleRunResult, type RunResultOutcome } from '../../engine/webhooks/create-deliveries.js';
import { matchesAuthErrorFilter, matchesAuthEventFilter, matchesAuthFailureFilter, matchesRunResultFilter } from './run-result-filter.js';

/** The run item as the run repository writes it: the shared run schema, tagged with its kind. */
export const RunImageSchema = RunSchema.extend({ kind: z.literal('RUN') });

/** The attributes of a connection item an auth webhook reads; everything else (credentials) is never unmarshalled. */
const CONNECTION_ATTRIBUTES = ['pk', 'sk', 'kind', 'credentialsType', 'tags', 'authError', 'authEvent'] as const;
const CONNECTION_PK_PREFIX = stateKeys.connection('', '').pk;

export const MarkedConnectionImageSchema = z.object({
  kind: z.literal('CONNECTION'),
  pk: z.string().startsWith(CONNECTION_PK_PREFIX),
  sk: z.string().min(1),
  credentialsType: z.enum(['OAUTH2', 'OAUTH2_CC', 'API_KEY', 'BASIC', 'NONE']).optional().catch(undefined),
  // Tags that do not read as string pairs are left out rather than holding the webhook back.
  tags: z.record(z.string(), z.string()).optional().catch(undefined),
  authError: z.object({
    type: z.literal('auth'),
    message: z.string(),
    at: z.string().refine((at) => !Number.isNaN(Date.parse(at)), 'not a date'),
    runId: z.string().optional(),
  }),
});

/** A connection item the connect flow wrote (`completeConnect`). */
export const ConnectedConnectionImageSchema = MarkedConnectionImageSchema.omit({ authError: true }).extend({
  authEvent: z.object({
    operation: z.enum(['creation', 'override']),
    at: z.string().refine((at) => !Number.isNaN(Date.parse(at)), 'not a date'),
  }),
});

type Parsed<T> = { success: true; data: T } | { success: false; error: string };
type Work = { label: string; fields: Record<string, string>; run: () => Promise<RunResultOutcome> };

export function makeRunResultsHandler(deps: AuthDeliveriesDeps) {
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    for (const record of event.Records) {
      // The event source filters already; this keeps the handler right without it (tests, replays).
      const work = describeWork(deps, record);
      if (!work) continue;
      if (!work.success) {
        // A malformed item will not get better: skip it loudly rather than block the shard.
        deps.logger.log('error', `unreadable item in stream record ${record.eventID}: ${work.error}`);
        continue;
      }
      try {
        const outcome = await work.data.run();
        deps.logger.log(
          outcome.created.length + outcome.existing.length > 0 ? 'info' : 'debug',
          `${work.data.label}: ${outcome.created.length} webhook(s) created, ${outcome.existing.length} already existed, ${outcome.published} event(s) published`,
          work.data.fields,
        );
      } catch (error) {
        deps.logger.log('error', `${work.data.label} failed, will be retried: ${error instanceof Error ? error.message : String(error)}`, work.data.fields);
        return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? record.eventID ?? '' }] };
      }
    }
    return { batchItemFailures: [] };
  };
}

/** What a stream record asks for, null when it is not for the webhook function. */
function describeWork(deps: AuthDeliveriesDeps, record: DynamoDBRecord): Parsed<Work> | null {
  if (matchesRunResultFilter(record)) {
    const run = parseRun(record);
    if (!run.success) return run;
    const { runId, status, providerConfigKey, connectionId, syncName } = run.data;
    return { success: true, data: { label: `run ${runId} ${status}`, fields: { runId, providerConfigKey, connectionId, syncName }, run: () => handleRunResult(deps, run.data) } };
  }
  if (matchesAuthErrorFilter(record)) {
    const connection = parseMarkedConnection(record);
    if (!connection.success) return connection;
    const { providerConfigKey, connectionId } = connection.data;
    return {
      success: true,
      data: { label: `auth error on connection ${connectionId}`, fields: { providerConfigKey, connectionId }, run: () => handleConnectionAuthError(deps, connection.data) },
    };
  }
  if (matchesAuthEventFilter(record)) {
    const connection = parseConnectedConnection(record);
    if (!connection.success) return connection;
    const { providerConfigKey, connectionId, authEvent } = connection.data;
    return {
      success: true,
      data: {
        label: `auth ${authEvent.operation} of connection ${connectionId}`,
        fields: { providerConfigKey, connectionId },
        run: () => handleConnectionAuthEvent(deps, connection.data),
      },
    };
  }
  if (matchesAuthFailureFilter(record)) {
    const failure = parseAuthFailure(record);
    if (!failure.success) return failure;
    const { id, providerConfigKey, connectionId } = failure.data;
    return {
      success: true,
      data: { label: `failed connect ${id}`, fields: { providerConfigKey, connectionId }, run: () => handleAuthFailure(deps, failure.data) },
    };
  }
  return null;
}

/** The failed connect as written (its own schema, `engine/connect/auth-failure.ts`); the keys, kind and ttl are dropped. */
export function parseAuthFailure(record: DynamoDBRecord): Parsed<AuthFailure> {
  return parseNewImage(record, AuthFailureSchema, (failure) => failure);
}

/**
 * A stream record's new image through `schema` (keeping only `attributes` first, when given, so
 * what is left out — sealed credentials — is never decoded), then `map`; never throws.
 */
function parseNewImage<S extends z.ZodType, T>(record: DynamoDBRecord, schema: S, map: (image: z.output<S>) => T, attributes?: readonly string[]): Parsed<T> {
  try {
    const image = (record.dynamodb?.NewImage ?? {}) as Record<string, unknown>;
    const parsed = schema.safeParse(unmarshallImage(attributes ? pickAttributes(image, attributes) : image));
    if (!parsed.success) return { success: false, error: z.prettifyError(parsed.error) };
    return { success: true, data: map(parsed.data) };
  } catch (error) {
    return { success: false, error: error instanceof Error ? error.message : String(error) };
  }
}

function parseRun(record: DynamoDBRecord): Parsed<RunRecord> {
  return parseNewImage(record, RunImageSchema, ({ kind: _kind, ...run }) => run);
}

export function parseMarkedConnection(record: DynamoDBRecord): Parsed<MarkedConnection> {
  return parseNewImage(
    record,
    MarkedConnectionImageSchema,
    ({ pk, sk, credentialsType, tags, authError }) => ({
      providerConfigKey: pk.slice(CONNECTION_PK_PREFIX.length),
      connectionId: sk,
      credentialsType: credentialsType ?? null,
      tags,
      authError: { type: authError.type, message: authError.message, at: authError.at, ...(authError.runId !== undefined ? { runId: authError.runId } : {}) },
    }),
    CONNECTION_ATTRIBUTES,
  );
}

export function parseConnectedConnection(record: DynamoDBRecord): Parsed<ConnectedConnection> {
  return parseNewImage(
    record,
    ConnectedConnectionImageSchema,
    ({ pk, sk, credentialsType, tags, authEvent }) => ({
      providerConfigKey: pk.slice(CONNECTION_PK_PREFIX.length),
      connectionId: sk,
      credentialsType: credentialsType ?? null,
      tags,
      authEvent: { operation: authEvent.operation, at: authEvent.at },
    }),
    CONNECTION_ATTRIBUTES,
  );
}
