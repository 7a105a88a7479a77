/**
 * Action executions on the state table (the `ActionExecutionRepo` port).
 *
 * Layout (keys in `keys.ts`), every item with `kind` and a 30-day `ttl`:
 * - `AEXEC#<id>` / `EXEC`: the execution. Found by its id alone, as `GET /action/{id}` asks.
 *   Input and error are stored as JSON text, so what comes back is exactly what went in.
 * - `AEXEC#<id>` / `OUT#000…`: the output of a SUCCESS (when one is given: a synchronous
 *   trigger's is not kept, its caller got it in the answer), gzipped JSON cut into parts of at most
 *   300 KB. Nango allows 2 MB of output and DynamoDB 400 KB per item; parts live under the
 *   execution's partition, so one consistent Query reads an execution with its output.
 * - `AEXECS#<integration>#<connection>` / `<createdAt>#<id>`: one index item per execution,
 *   written in the same transaction as it, so a connection's executions list newest first.
 *   Integration keys contain no `#`, so the partition cannot be confused between connections.
 * - `AEXECLOG#<id>`: log lines, 100 to an item, as run logs are.
 *
 * Every status change is a conditional write naming the statuses it leaves, built from the table in
 * `execution-states.ts`: an attempt starts from QUEUED, or from RUNNING once the running attempt's
 * lease has expired (its invocation ended without a result); a sync execution is claimed once
 * (attempts 0 → 1); a finish leaves only RUNNING (so a finished execution never changes again),
 * and so does a requeue.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { ActionExecution, ActionExecutionFilter, ActionExecutionRepo, ActionFailure } from '../../../engine/actions/ports.js';
import { ACTION_EXECUTION_STATUSES } from '../../../engine/actions/ports.js';
import { ACTION_EXECUTION_WRITES, type ActionExecutionWrite } from '../../../engine/actions/execution-states.js';
import { asInfrastructureError, ConflictError } from '../../../engine/errors.js';
import type { Checkpoint, RunLogLine } from '../../../engine/state-ports.js';
import { queryPages, withInfrastructureErrors } from '../dynamo-calls.js';
import { queryAll, stateKeys, type StateTable } from './keys.js';

export const ACTION_EXECUTION_KIND = 'ACTION_EXECUTION';
const INDEX_KIND = 'ACTION_EXECUTION_INDEX';
const OUTPUT_KIND = 'ACTION_OUTPUT';
const LOG_KIND = 'ACTION_LOG';

const TTL_S = 30 * 86_400;
/** Under DynamoDB's 400 KB item limit with room for the keys and attributes. */
export const OUTPUT_PART_BYTES = 300 * 1024;
/** A transaction carries at most 4 MB; beyond this the output cannot be stored in one. */
const MAX_COMPRESSED_OUTPUT = 3 * 1024 * 1024;
const LOG_LINES_PER_ITEM = 100;
/**
 * The input is kept on the execution item as JSON text: beyond this it cannot fit beside the rest
 * under DynamoDB's 400 KB. The API should refuse a larger body before an execution is created.
 */
export const MAX_ACTION_INPUT_BYTES = 300 * 1024;
/** An error's JSON beyond this keeps its type, status and message only (payload and provider body are dropped). */
const MAX_ERROR_BYTES = 32 * 1024;

/** The execution item as stored (keys and `ttl` aside). */
const ExecutionItemSchema = z.object({
  id: z.string(),
  providerConfigKey: z.string(),
  connectionId: z.string(),
  actionName: z.string(),
  mode: z.enum(['sync', 'async']),
  status: z.enum(ACTION_EXECUTION_STATUSES),
  createdAt: z.number(),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  attempts: z.number().int(),
  maxRetries: z.number().int(),
  /** JSON text of the input. */
  input: z.string(),
  /** JSON text of the `ActionFailure`, when there is one. */
  error: z.string().nullable().optional(),
  checkpoint: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).nullable(),
  /** How many `OUT#` parts hold the output (SUCCESS only). */
  outputParts: z.number().int().optional(),
  leaseUntil: z.number().nullable().default(null),
});

/**
 * `#status IN (:from0, …)` with its values: the statuses `write` may leave, from the transition
 * table. Every status-changing write's condition starts with it.
 */
export function statusCondition(write: ActionExecutionWrite): { expression: string; values: Record<string, string> } {
  const from = ACTION_EXECUTION_WRITES[write].from;
  const values = Object.fromEntries(from.map((status, i) => [`:from${i}`, status]));
  return { expression: `#status IN (${Object.keys(values).join(', ')})`, values };
}

export class DynamoActionExecutionRepo implements ActionExecutionRepo {
  constructor(private readonly table: StateTable) {}

  async create(execution: ActionExecution): Promise<void> {
    const ttl = this.ttl();
    const index = stateKeys.actionExecutionIndex(execution.providerConfigKey, execution.connectionId, execution.createdAt, execution.id);
    const parts = execution.status === 'SUCCESS' && execution.output !== undefined ? outputParts(execution.id, execution.output, ttl) : [];
    try {
      await this.table.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.table.tableName, Item: { ...executionItem(execution, parts.length), ttl }, ConditionExpression: 'attribute_not_exists(pk)' } },
            { Put: { TableName: this.table.tableName, Item: { ...index, kind: INDEX_KIND, id: execution.id, actionName: execution.actionName, ttl } } },
            ...parts.map((Item) => ({ Put: { TableName: this.table.tableName, Item } })),
          ],
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') {
        throw new ConflictError(`action execution ${execution.id} exists already`, { cause: error });
      }
      throw asInfrastructureError(error, 'creating an action execution');
    }
  }

  async get(id: string): Promise<ActionExecution | null> {
    const items = await queryAll(this.table, stateKeys.actionExecution(id).pk, 'reading an action execution');
    const item = items.find((i) => i['sk'] === 'EXEC');
    if (!item) return null;
    const parts = items.filter((i) => i['kind'] === OUTPUT_KIND).sort((a, b) => String(a['sk']).localeCompare(String(b['sk'])));
    return toExecution(item, parts);
  }

  async startAttempt(id: string, at: number, leaseUntil: number): Promise<ActionExecution | null> {
    const status = statusCondition('startAttempt');
    try {
      const response = await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: stateKeys.actionExecution(id),
          UpdateExpression: 'SET #status = :running, attempts = attempts + :one, startedAt = :at, leaseUntil = :lease',
          // A RUNNING execution only once its attempt's lease has expired (a null lease compares false).
          ConditionExpression: `${status.expression} AND (#status <> :running OR (#mode = :async AND leaseUntil < :at))`,
          ExpressionAttributeNames: { '#status': 'status', '#mode': 'mode' },
          ExpressionAttributeValues: { ...status.values, ':running': 'RUNNING', ':async': 'async', ':one': 1, ':at': at, ':lease': leaseUntil },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toExecution(response.Attributes!, []);
    } catch (error) {
      // Finished (a duplicate message), held by a running attempt, or unknown.
      if (error instanceof ConditionalCheckFailedException) return null;
      throw asInfrastructureError(error, 'starting an action attempt');
    }
  }

  async claimInvocation(id: string): Promise<ActionExecution | null> {
    const status = statusCondition('claimInvocation');
    try {
      const response = await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: stateKeys.actionExecution(id),
          UpdateExpression: 'SET attempts = :one',
          ConditionExpression: `${status.expression} AND #mode = :sync AND attempts = :zero`,
          ExpressionAttributeNames: { '#status': 'status', '#mode': 'mode' },
          ExpressionAttributeValues: { ...status.values, ':sync': 'sync', ':zero': 0, ':one': 1 },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toExecution(response.Attributes!, []);
    } catch (error) {
      // Claimed already (a repeated invocation), finished, not a sync execution, or unknown.
      if (error instanceof ConditionalCheckFailedException) return null;
      throw asInfrastructureError(error, 'claiming a synchronous action execution');
    }
  }

  async requeue(id: string, error: ActionFailure): Promise<void> {
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: stateKeys.actionExecution(id),
          UpdateExpression: 'SET #status = :queued, #error = :error, leaseUntil = :null',
          ConditionExpression: statusCondition('requeue').expression,
          ExpressionAttributeNames: { '#status': 'status', '#error': 'error' },
          ExpressionAttributeValues: { ...statusCondition('requeue').values, ':queued': 'QUEUED', ':error': errorText(error), ':null': null },
        }),
      );
    } catch (caught) {
      if (caught instanceof ConditionalCheckFailedException) throw new ConflictError(`action execution ${id} is not running: it cannot be queued again`, { cause: caught });
      throw asInfrastructureError(caught, 'queueing an action execution again');
    }
  }

  async finish(id: string, result: { status: 'SUCCESS'; output: unknown } | { status: 'ERROR'; error: ActionFailure }, at: number): Promise<boolean> {
    const ttl = this.ttl();
    // An output left undefined is not kept (a synchronous trigger's: its caller got it in the answer).
    const parts = result.status === 'SUCCESS' && result.output !== undefined ? outputParts(id, result.output, ttl) : [];
    const update = {
      TableName: this.table.tableName,
      Key: stateKeys.actionExecution(id),
      UpdateExpression: 'SET #status = :status, finishedAt = :at, #error = :error, outputParts = :parts, #ttl = :ttl',
      ConditionExpression: statusCondition('finish').expression,
      ExpressionAttributeNames: { '#status': 'status', '#error': 'error', '#ttl': 'ttl' },
      ExpressionAttributeValues: {
        ...statusCondition('finish').values,
        ':status': result.status,
        ':at': at,
        ':error': result.status === 'ERROR' ? errorText(result.error) : null,
        ':parts': parts.length,
        ':ttl': ttl,
      },
    };
    try {
      // The parts and the status change land together: a reader never sees SUCCESS without its output.
      await this.table.doc.send(new TransactWriteCommand({ TransactItems: [{ Update: update }, ...parts.map((Item) => ({ Put: { TableName: this.table.tableName, Item } }))] }));
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') return false;
      throw asInfrastructureError(error, 'finishing an action execution');
    }
  }

  async saveCheckpoint(id: string, checkpoint: Checkpoint | null): Promise<void> {
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: stateKeys.actionExecution(id),
          UpdateExpression: 'SET checkpoint = :checkpoint',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':checkpoint': checkpoint },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new ConflictError(`action execution ${id} does not exist`, { cause: error });
      throw asInfrastructureError(error, 'saving an action checkpoint');
    }
  }

  /** Newest first, without their outputs (an output can be megabytes: read one with `get`). */
  async list(filter: ActionExecutionFilter): Promise<ActionExecution[]> {
    if (filter.limit <= 0) return [];
    const ids: string[] = [];
    const input = {
      TableName: this.table.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': stateKeys.actionExecutionIndex(filter.providerConfigKey, filter.connectionId).pk },
      ScanIndexForward: false,
      ConsistentRead: true,
    };
    // Index items are small: a page holds thousands, and a filter by action name is applied here.
    for await (const page of queryPages(this.table.doc, input, 'listing action executions')) {
      for (const item of page.Items ?? []) if (filter.actionName === undefined || item['actionName'] === filter.actionName) ids.push(String(item['id']));
      if (ids.length >= filter.limit) break;
    }
    const wanted = ids.slice(0, filter.limit);
    const found = await this.batchGet(wanted);
    // An execution whose item expired before its index item is left out.
    return wanted.flatMap((id) => {
      const item = found.get(id);
      return item ? [toExecution(item, [])] : [];
    });
  }

  async appendLogs(id: string, lines: RunLogLine[]): Promise<void> {
    const pk = stateKeys.actionLog(id);
    const ttl = this.ttl();
    // Keyed by the first line's time and a random tail: concurrent appends never collide.
    for (let start = 0; start < lines.length; start += LOG_LINES_PER_ITEM) {
      const chunk = lines.slice(start, start + LOG_LINES_PER_ITEM);
      const sk = `${String(chunk[0]!.at).padStart(15, '0')}#${Math.random().toString(36).slice(2, 10)}`;
      await withInfrastructureErrors('saving action logs', () => this.table.doc.send(new PutCommand({ TableName: this.table.tableName, Item: { pk, sk, kind: LOG_KIND, lines: chunk, ttl } })));
    }
  }

  async logs(id: string, options: { last?: number } = {}): Promise<RunLogLine[]> {
    if (options.last === undefined) {
      const items = await queryAll(this.table, stateKeys.actionLog(id), 'reading action logs');
      return items.flatMap((item) => item['lines'] as RunLogLine[]);
    }
    // Newest items first, until they hold enough lines: a long log costs a read or two, not all of it.
    const newestFirst: RunLogLine[][] = [];
    let count = 0;
    const input = {
      TableName: this.table.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': stateKeys.actionLog(id) },
      ScanIndexForward: false,
      ConsistentRead: true,
      Limit: Math.max(1, Math.ceil(options.last / LOG_LINES_PER_ITEM) + 1),
    };
    for await (const page of queryPages(this.table.doc, input, 'reading action logs')) {
      for (const item of page.Items ?? []) {
        newestFirst.push(item['lines'] as RunLogLine[]);
        count += newestFirst.at(-1)!.length;
      }
      if (count >= options.last) break;
    }
    const lines = newestFirst.reverse().flat();
    return lines.slice(Math.max(0, lines.length - options.last));
  }

  private ttl(): number {
    return Math.floor(this.table.now() / 1000) + TTL_S;
  }

  /** The execution items of these ids (strongly consistent), 100 keys a call, unprocessed keys retried. */
  private async batchGet(ids: string[]): Promise<Map<string, Record<string, unknown>>> {
    const found = new Map<string, Record<string, unknown>>();
    for (let start = 0; start < ids.length; start += 100) {
      let keys: Record<string, unknown>[] = ids.slice(start, start + 100).map((id) => stateKeys.actionExecution(id));
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt > 8) throw asInfrastructureError(new Error(`${keys.length} reads stayed unprocessed after retries`), 'listing action executions');
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(2_000, 25 * 2 ** attempt)));
        const response = await withInfrastructureErrors('listing action executions', () =>
          this.table.doc.send(new BatchGetCommand({ RequestItems: { [this.table.tableName]: { Keys: keys, ConsistentRead: true } } })),
        );
        for (const item of response.Responses?.[this.table.tableName] ?? []) found.set(String(item['id']), item);
        keys = response.UnprocessedKeys?.[this.table.tableName]?.Keys ?? [];
      }
    }
    return found;
  }
}

function executionItem(execution: ActionExecution, outputPartCount: number): Record<string, unknown> {
  const item: z.input<typeof ExecutionItemSchema> = {
    id: execution.id,
    providerConfigKey: execution.providerConfigKey,
    connectionId: execution.connectionId,
    actionName: execution.actionName,
    mode: execution.mode,
    status: execution.status,
    createdAt: execution.createdAt,
    startedAt: execution.startedAt,
    finishedAt: execution.finishedAt,
    attempts: execution.attempts,
    maxRetries: execution.maxRetries,
    input: inputText(execution),
    error: execution.error ? errorText(execution.error) : null,
    checkpoint: execution.checkpoint,
    outputParts: outputPartCount,
    leaseUntil: execution.leaseUntil,
  };
  return { ...stateKeys.actionExecution(execution.id), kind: ACTION_EXECUTION_KIND, ...ExecutionItemSchema.parse(item) };
}

function inputText(execution: ActionExecution): string {
  const text = JSON.stringify(execution.input ?? null);
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_ACTION_INPUT_BYTES) throw new Error(`action execution ${execution.id}: the input is too large to store (${bytes} bytes of JSON, at most ${MAX_ACTION_INPUT_BYTES})`);
  return text;
}

function errorText(error: ActionFailure): string {
  const text = JSON.stringify(error);
  if (Buffer.byteLength(text) <= MAX_ERROR_BYTES) return text;
  // Keeps what a reader acts on (type, status, message); the bulky parts are replaced by a marker.
  return JSON.stringify({
    type: error.type,
    status: error.status,
    message: error.message.slice(0, 4_096),
    payload: { truncated: true },
    ...(error.upstream ? { upstream: { status: error.upstream.status, headers: error.upstream.headers, body: '[too large to keep]' } } : {}),
  } satisfies ActionFailure);
}

/** The output as gzipped JSON in parts of at most `OUTPUT_PART_BYTES`. */
function outputParts(id: string, output: unknown, ttl: number): Record<string, unknown>[] {
  const compressed = gzipSync(JSON.stringify(output));
  if (compressed.length > MAX_COMPRESSED_OUTPUT) throw new Error(`action execution ${id}: the output is too large to store (${compressed.length} bytes compressed)`);
  const parts: Record<string, unknown>[] = [];
  for (let offset = 0, index = 0; offset < compressed.length; offset += OUTPUT_PART_BYTES, index++) {
    parts.push({ ...stateKeys.actionOutputPart(id, index), kind: OUTPUT_KIND, data: compressed.subarray(offset, offset + OUTPUT_PART_BYTES), ttl });
  }
  return parts;
}

function toExecution(item: Record<string, unknown>, parts: Record<string, unknown>[]): ActionExecution {
  const stored = ExecutionItemSchema.parse(item);
  const execution: ActionExecution = {
    id: stored.id,
    providerConfigKey: stored.providerConfigKey,
    connectionId: stored.connectionId,
    actionName: stored.actionName,
    mode: stored.mode,
    status: stored.status,
    createdAt: stored.createdAt,
    startedAt: stored.startedAt,
    finishedAt: stored.finishedAt,
    attempts: stored.attempts,
    maxRetries: stored.maxRetries,
    input: JSON.parse(stored.input) as unknown,
    error: stored.error ? (JSON.parse(stored.error) as ActionFailure) : null,
    checkpoint: stored.checkpoint,
    leaseUntil: stored.leaseUntil,
  };
  if (stored.status === 'SUCCESS' && parts.length > 0) {
    // Parts are written in one transaction with the status: a partial set is a bug, not a race.
    if (parts.length !== stored.outputParts) throw asInfrastructureError(new Error(`expected ${stored.outputParts} output parts, found ${parts.length}`), `reading action execution ${stored.id}`);
    execution.output = JSON.parse(gunzipSync(Buffer.concat(parts.map((part) => part['data'] as Uint8Array))).toString('utf8')) as unknown;
  }
  return execution;
}
