/**
 * Runs on the state table. Each status change is one conditional write naming the status it
 * leaves (`model/run.ts` has the table of allowed changes): a run is created only where none
 * exists, resumed only while RUNNING, and ended only from RUNNING — so a cancel that lands
 * between a runner's read and its write is never undone, and a final run never changes again.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { asInfrastructureError, LeaseLostError } from '../../../engine/errors.js';
import { canTransition, RunSchema, summarizeRun, type RunRecord, type RunStatus } from '../../../engine/model/run.js';
import type { ConnectionSyncKey, FinishUpdate, Lease, RunRepo } from '../../../engine/ports.js';
import { getItemConsistent, withInfrastructureErrors } from '../dynamo-calls.js';
import { stateKeys, type StateTable } from './keys.js';

const RUNNING: RunStatus = 'RUNNING';
const CONFLICT_ATTEMPTS = 5;

/** A transaction refused because another write to one of its items was in progress. */
function isConflict(error: TransactionCanceledException): boolean {
  return (error.CancellationReasons ?? []).some((reason) => reason.Code === 'TransactionConflict');
}

/** A short, growing, jittered wait before trying a conflicting transaction again. */
function pause(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * 25 * 2 ** attempt));
}

/** How long a finished run stays readable (`GET /sync/executions`) before DynamoDB's TTL removes it. */
export const DEFAULT_RUN_RETENTION_DAYS = 90;

export class DynamoRunRepo implements RunRepo {
  private readonly retentionS: number;

  /** `retentionDays`: finished runs expire this long after they finish (`SYNCLINE_RUN_RETENTION_DAYS`). */
  constructor(
    private readonly table: StateTable,
    options: { retentionDays?: number } = {},
  ) {
    this.retentionS = Math.round((options.retentionDays ?? DEFAULT_RUN_RETENTION_DAYS) * 86_400);
  }

  /** The stored item: a finished run carries its expiry (`ttl`); a running one never expires. */
  private item(run: RunRecord): Record<string, unknown> {
    const item = runItem(run);
    if (run.status !== RUNNING && run.finishedAt !== null) item['ttl'] = Math.floor(run.finishedAt / 1000) + this.retentionS;
    return item;
  }

  async create(run: RunRecord): Promise<RunRecord> {
    assertTransition(null, run.status);
    try {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.tableName,
          Item: this.item(run),
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return run;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException && error.Item) return toRun(unmarshall(error.Item));
      throw asInfrastructureError(error, 'creating a run');
    }
  }

  async resume(key: ConnectionSyncKey, runId: string): Promise<RunRecord | null> {
    try {
      const response = await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: stateKeys.run(key, runId),
          UpdateExpression: 'SET invocations = if_not_exists(invocations, :zero) + :one',
          ConditionExpression: '#status = :running',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':running': RUNNING },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return toRun(response.Attributes!);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return error.Item ? toRun(unmarshall(error.Item)) : null;
      throw asInfrastructureError(error, 'resuming a run');
    }
  }

  async recordHandOver(key: ConnectionSyncKey, runId: string, stalled: boolean): Promise<void> {
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: stateKeys.run(key, runId),
          UpdateExpression: stalled ? 'SET stalledHandOvers = if_not_exists(stalledHandOvers, :zero) + :one' : 'SET stalledHandOvers = :zero',
          ConditionExpression: '#status = :running',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':zero': 0, ':running': RUNNING, ...(stalled ? { ':one': 1 } : {}) },
        }),
      );
    } catch (error) {
      // A run that ended meanwhile (cancelled) keeps its final state; its continuation stops.
      if (error instanceof ConditionalCheckFailedException) return;
      throw asInfrastructureError(error, 'recording a hand-over');
    }
  }

  async endAbandoned(run: RunRecord): Promise<boolean> {
    assertTransition(RUNNING, run.status);
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: stateKeys.run(run, run.runId),
          UpdateExpression: 'SET #status = :status, #error = :error, finishedAt = :finishedAt, #ttl = :ttl',
          ConditionExpression: '#status = :running',
          ExpressionAttributeNames: { '#status': 'status', '#error': 'error', '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':status': run.status, ':error': run.error, ':finishedAt': run.finishedAt, ':running': RUNNING, ':ttl': this.item(run)['ttl'] ?? null },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw asInfrastructureError(error, 'ending an abandoned run');
    }
  }

  async finish(run: RunRecord, update: FinishUpdate, lease: Lease): Promise<void> {
    assertTransition(RUNNING, run.status);
    const counts = Object.entries(update.recordCountDelta);
    const countUpdates = counts.map((_, i) => `recordCounts.#m${i} = if_not_exists(recordCounts.#m${i}, :zero) + :d${i}`);
    // A transaction collides with any concurrent write to its items (a lease renewal, a control):
    // such a conflict is retried here rather than failing the run on infrastructure.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.table.doc.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: this.putIfStatus(run, RUNNING) },
              {
                Update: {
                  TableName: this.table.tableName,
                  Key: stateKeys.connectionSync(run),
                  UpdateExpression: `SET ${['lastSyncDate = :lsd', 'checkpoint = :c', 'passId = :p', 'lastRun = :lr', 'updatedAt = :now', ...countUpdates].join(', ')} REMOVE lease`,
                  ConditionExpression: 'lease.runId = :run AND lease.#owner = :owner',
                  ExpressionAttributeNames: { '#owner': 'owner', ...Object.fromEntries(counts.map(([model], i) => [`#m${i}`, model])) },
                  ExpressionAttributeValues: {
                    ':lsd': update.lastSyncDate,
                    ':c': update.checkpoint,
                    ':p': update.passId,
                    ':lr': summarizeRun(run),
                    ':now': this.table.now(),
                    ':run': lease.runId,
                    ':owner': lease.owner,
                    ...(counts.length > 0 ? { ':zero': 0 } : {}),
                    ...Object.fromEntries(counts.map(([, delta], i) => [`:d${i}`, delta])),
                  },
                },
              },
            ],
          }),
        );
        return;
      } catch (error) {
        if (error instanceof TransactionCanceledException) {
          const [runReason, leaseReason] = error.CancellationReasons ?? [];
          if (leaseReason?.Code === 'ConditionalCheckFailed') throw new LeaseLostError('the run result was not saved: the run no longer holds its lease');
          if (runReason?.Code === 'ConditionalCheckFailed') throw new LeaseLostError('the run result was not saved: the run had already ended');
          if (isConflict(error) && attempt < CONFLICT_ATTEMPTS) {
            await pause(attempt);
            continue;
          }
        }
        throw asInfrastructureError(error, 'finishing a run');
      }
    }
  }

  async cancel(key: ConnectionSyncKey, runId: string, reason: string, now: number): Promise<boolean> {
    // The run item may appear (the runner creating it) or end between the read and the write:
    // read again and decide again, a few times, rather than report a running run as not running.
    for (let attempt = 1; attempt <= CONFLICT_ATTEMPTS; attempt++) {
      const run = await this.get(key, runId);
      if (run && run.status !== RUNNING) return false;
      const outcome = await this.tryCancel(key, runId, run, reason, now);
      if (outcome !== 'RUN_CHANGED') return outcome === 'CANCELLED';
      await pause(attempt);
    }
    return false;
  }

  private async tryCancel(key: ConnectionSyncKey, runId: string, run: RunRecord | null, reason: string, now: number): Promise<'CANCELLED' | 'RUN_CHANGED' | 'NOT_RUNNING'> {
    // The lease is taken before the run item is written: a run cancelled in between gets its item here.
    const cancelled: RunRecord = {
      ...(run ?? { ...key, runId, trigger: 'MANUAL', type: 'INCREMENTAL', startedAt: now, results: {}, invocations: 0, stalledHandOvers: 0 }),
      status: 'CANCELLED',
      finishedAt: now,
      error: { type: 'cancelled', message: reason },
    };
    assertTransition(run?.status ?? null, cancelled.status);
    try {
      await this.table.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: this.putIfStatus(cancelled, run ? RUNNING : null) },
            {
              // The running invocation notices the missing lease at its next check and stops.
              Update: {
                TableName: this.table.tableName,
                Key: stateKeys.connectionSync(key),
                UpdateExpression: 'REMOVE lease SET updatedAt = :now, lastRun = :lr',
                // attribute_exists: a connection deleted meanwhile must not come back as a stub item.
                ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(lease) OR lease.runId = :run)',
                ExpressionAttributeValues: { ':run': runId, ':now': now, ':lr': summarizeRun(cancelled) },
              },
            },
          ],
        }),
      );
      return 'CANCELLED';
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw asInfrastructureError(error, 'cancelling a run');
      const [runReason, leaseReason] = error.CancellationReasons ?? [];
      if (leaseReason?.Code === 'ConditionalCheckFailed') return 'NOT_RUNNING'; // another run holds the lease, or the connection is gone
      // The run item changed in between, or a concurrent write (the runner renewing its lease) collided: decide again.
      return runReason?.Code === 'ConditionalCheckFailed' || isConflict(error) ? 'RUN_CHANGED' : 'NOT_RUNNING';
    }
  }

  /** A transaction's Put of a run that applies only while the stored run is in `expected` (null: no item yet). */
  private putIfStatus(run: RunRecord, expected: RunStatus | null) {
    return expected === null
      ? { TableName: this.table.tableName, Item: this.item(run), ConditionExpression: 'attribute_not_exists(pk)' }
      : {
          TableName: this.table.tableName,
          Item: this.item(run),
          ConditionExpression: '#status = :expected',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':expected': expected },
        };
  }

  async get(key: ConnectionSyncKey, runId: string): Promise<RunRecord | null> {
    const item = await getItemConsistent(this.table.doc, this.table.tableName, stateKeys.run(key, runId), 'reading a run');
    return item ? toRun(item) : null;
  }

  async list(key: ConnectionSyncKey, limit: number): Promise<RunRecord[]> {
    const response = await withInfrastructureErrors('listing runs', () =>
      this.table.doc.send(
        new QueryCommand({
          TableName: this.table.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': stateKeys.run(key, '').pk },
          ScanIndexForward: false,
          Limit: limit,
        }),
      ),
    );
    return (response.Items ?? []).map(toRun);
  }
}

function runItem(run: RunRecord): Record<string, unknown> {
  return { ...stateKeys.run(run, run.runId), kind: 'RUN', ...RunSchema.parse(run) };
}

function toRun(item: Record<string, unknown>): RunRecord {
  const { pk: _pk, sk: _sk, kind: _kind, ...run } = item;
  return RunSchema.parse(run);
}

/** A change the lifecycle does not allow is a bug in the caller, never a race: fail loudly. */
function assertTransition(from: RunStatus | null, to: RunStatus): void {
  if (!canTransition(from, to)) throw new Error(`a run cannot go from ${from ?? 'nothing'} to ${to}`);
}
