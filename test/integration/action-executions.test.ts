/**
 * Action executions on DynamoDB Local: a round trip, an output far above DynamoDB's item limit,
 * the conditional status changes, listing per connection and logs.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoActionExecutionRepo, MAX_ACTION_INPUT_BYTES } from '../../functions/adapters/dynamodb/state/action-execution-repo.js';
import { stateKeys } from '../../functions/adapters/dynamodb/state/keys.js';
import type { ActionExecution } from '../../functions/engine/actions/ports.js';
import { ConflictError } from '../../functions/engine/errors.js';
import { useDynamo } from '../support/dynamo.js';

const NOW = Date.UTC(2026, 10, 30, 12);
/** An attempt's lease: the invocation's end (15 minutes in AWS). */
const LEASE = 15 * 60_000;

function execution(overrides: Partial<ActionExecution> = {}): ActionExecution {
  return {
    id: randomUUID(),
    providerConfigKey: 'crm',
    connectionId: 'conn#1',
    actionName: 'create-contact',
    mode: 'async',
    status: 'QUEUED',
    createdAt: NOW,
    startedAt: null,
    finishedAt: null,
    attempts: 0,
    maxRetries: 2,
    input: { name: 'Ada', tags: ['a', 'b'], nested: { n: 1.5, empty: '' } },
    error: null,
    checkpoint: null,
    leaseUntil: null,
    ...overrides,
  };
}

describe('DynamoActionExecutionRepo', () => {
  const dynamo = useDynamo();
  let repo: DynamoActionExecutionRepo;
  let tableName: string;

  beforeAll(async () => {
    tableName = (await dynamo.freshTables()).state;
    repo = new DynamoActionExecutionRepo({ doc: dynamo.doc, tableName, now: () => NOW });
  });

  it('round-trips an execution through its attempt, checkpoint and success', async () => {
    const created = execution();
    await repo.create(created);
    expect(await repo.get(created.id)).toEqual(created);

    const started = await repo.startAttempt(created.id, NOW + 10, NOW + 10 + LEASE);
    expect(started).toMatchObject({ status: 'RUNNING', attempts: 1, startedAt: NOW + 10, leaseUntil: NOW + 10 + LEASE, input: created.input });
    await repo.saveCheckpoint(created.id, { page: 3, done: false });
    expect(await repo.finish(created.id, { status: 'SUCCESS', output: { id: 'c-1', ok: true } }, NOW + 20)).toBe(true);

    expect(await repo.get(created.id)).toEqual({
      ...created,
      status: 'SUCCESS',
      attempts: 1,
      startedAt: NOW + 10,
      finishedAt: NOW + 20,
      leaseUntil: NOW + 10 + LEASE,
      checkpoint: { page: 3, done: false },
      output: { id: 'c-1', ok: true },
    });
    const item = await dynamo.doc.send(new GetCommand({ TableName: tableName, Key: stateKeys.actionExecution(created.id) }));
    expect(item.Item).toMatchObject({ kind: 'ACTION_EXECUTION', ttl: Math.floor(NOW / 1000) + 30 * 86_400 });
  });

  it('keeps a null output, and no output when none is given (a synchronous trigger’s)', async () => {
    const withNull = execution({ status: 'RUNNING', attempts: 1, startedAt: NOW });
    const without = execution({ status: 'RUNNING', mode: 'sync', attempts: 1, startedAt: NOW });
    await repo.create(withNull);
    await repo.create(without);

    expect(await repo.finish(withNull.id, { status: 'SUCCESS', output: null }, NOW + 1)).toBe(true);
    expect(await repo.finish(without.id, { status: 'SUCCESS', output: undefined }, NOW + 1)).toBe(true);

    expect(await repo.get(withNull.id)).toMatchObject({ status: 'SUCCESS', output: null });
    const read = await repo.get(without.id);
    expect(read).toMatchObject({ status: 'SUCCESS', finishedAt: NOW + 1 });
    expect(read).not.toHaveProperty('output');
  });

  it('round-trips a 1.5 MB incompressible output in parts', async () => {
    const created = execution({ status: 'RUNNING', attempts: 1, startedAt: NOW });
    await repo.create(created);
    const output = { blob: randomBytes(1_125_000).toString('base64'), n: 42 };
    expect(JSON.stringify(output).length).toBeGreaterThan(1_500_000);

    expect(await repo.finish(created.id, { status: 'SUCCESS', output }, NOW + 5)).toBe(true);

    const read = await repo.get(created.id);
    expect(read?.output).toEqual(output);
    const part = await dynamo.doc.send(new GetCommand({ TableName: tableName, Key: stateKeys.actionOutputPart(created.id, 3) }));
    expect(part.Item).toMatchObject({ kind: 'ACTION_OUTPUT' });
  });

  it('finishes only from RUNNING, once', async () => {
    const created = execution();
    await repo.create(created);
    // Not started: nothing to finish.
    expect(await repo.finish(created.id, { status: 'SUCCESS', output: 1 }, NOW)).toBe(false);
    await repo.startAttempt(created.id, NOW, NOW + LEASE);
    const error = { type: 'action_script_runtime_error', status: 500, message: 'boom', payload: { reason: 'x' } };
    expect(await repo.finish(created.id, { status: 'ERROR', error }, NOW + 1)).toBe(true);
    expect(await repo.finish(created.id, { status: 'SUCCESS', output: 2 }, NOW + 2)).toBe(false);

    expect(await repo.startAttempt(created.id, NOW + 2 * LEASE, NOW + 3 * LEASE)).toBeNull();
    expect(await repo.get(created.id)).toMatchObject({ status: 'ERROR', error, finishedAt: NOW + 1, attempts: 1 });
    expect((await repo.get(created.id))?.output).toBeUndefined();
  });

  it('takes a RUNNING attempt again only once its lease has expired, requeues with the error kept, and refuses what it must', async () => {
    const created = execution();
    await repo.create(created);
    await expect(repo.create(created)).rejects.toBeInstanceOf(ConflictError);
    await expect(repo.requeue(created.id, { type: 'x', status: 500, message: 'm', payload: {} })).rejects.toBeInstanceOf(ConflictError);
    expect(await repo.startAttempt(randomUUID(), NOW, NOW + LEASE)).toBeNull();

    await repo.startAttempt(created.id, NOW, NOW + LEASE);
    // A duplicate message while the attempt may still run: refused, up to the lease's last ms.
    expect(await repo.startAttempt(created.id, NOW + 1, NOW + 1 + LEASE)).toBeNull();
    expect(await repo.startAttempt(created.id, NOW + LEASE, NOW + 2 * LEASE)).toBeNull();
    expect(await repo.get(created.id)).toMatchObject({ status: 'RUNNING', attempts: 1, leaseUntil: NOW + LEASE });
    expect(await repo.startAttempt(created.id, NOW + LEASE + 1, NOW + 2 * LEASE)).toMatchObject({ status: 'RUNNING', attempts: 2, leaseUntil: NOW + 2 * LEASE });
    const error = { type: 'script_network_error', status: 503, message: 'reset', payload: {} };
    await repo.requeue(created.id, error);
    expect(await repo.get(created.id)).toMatchObject({ status: 'QUEUED', attempts: 2, error, leaseUntil: null });
    // QUEUED is taken at once, whatever the time.
    expect(await repo.startAttempt(created.id, NOW + 2, NOW + 2 + LEASE)).toMatchObject({ status: 'RUNNING', attempts: 3 });
    await expect(repo.saveCheckpoint(randomUUID(), { a: 1 })).rejects.toBeInstanceOf(ConflictError);
  });

  it('refuses an input too large for the item, and keeps the gist of a huge error', async () => {
    await expect(repo.create(execution({ input: { blob: 'x'.repeat(MAX_ACTION_INPUT_BYTES) } }))).rejects.toThrow(/input is too large/);

    const created = execution({ status: 'RUNNING', attempts: 1, startedAt: NOW });
    await repo.create(created);
    const huge = {
      type: 'script_http_error',
      status: 502,
      message: 'upstream failed',
      payload: { body: 'y'.repeat(500_000) },
      upstream: { status: 502, headers: { 'content-type': 'text/html' }, body: 'z'.repeat(500_000) },
    };
    expect(await repo.finish(created.id, { status: 'ERROR', error: huge }, NOW + 1)).toBe(true);
    expect((await repo.get(created.id))?.error).toEqual({
      type: 'script_http_error',
      status: 502,
      message: 'upstream failed',
      payload: { truncated: true },
      upstream: { status: 502, headers: { 'content-type': 'text/html' }, body: '[too large to keep]' },
    });
  });

  it('lists a connection’s executions newest first, filtered by action and limited', async () => {
    const connectionId = `list-${randomUUID()}`;
    const made = [
      execution({ connectionId, actionName: 'a', createdAt: NOW + 1 }),
      execution({ connectionId, actionName: 'b', createdAt: NOW + 2 }),
      execution({ connectionId, actionName: 'a', createdAt: NOW + 3 }),
      execution({ connectionId, actionName: 'a', createdAt: NOW + 4 }),
    ];
    for (const e of made) await repo.create(e);
    // Another connection whose id begins the same way shares nothing.
    await repo.create(execution({ connectionId: `${connectionId}#x`, actionName: 'a', createdAt: NOW + 5 }));

    const all = await repo.list({ providerConfigKey: 'crm', connectionId, limit: 10 });
    expect(all.map((e) => e.id)).toEqual([made[3]!.id, made[2]!.id, made[1]!.id, made[0]!.id]);
    const onlyA = await repo.list({ providerConfigKey: 'crm', connectionId, actionName: 'a', limit: 2 });
    expect(onlyA.map((e) => e.id)).toEqual([made[3]!.id, made[2]!.id]);
    expect(onlyA[0]).toEqual(made[3]);
    expect(await repo.list({ providerConfigKey: 'other', connectionId, limit: 10 })).toEqual([]);
  });

  it('appends and reads logs in order', async () => {
    const id = randomUUID();
    const lines = Array.from({ length: 150 }, (_, i) => ({ at: NOW + i, level: 'info' as const, message: `line ${i}` }));
    await repo.appendLogs(id, lines.slice(0, 120));
    await repo.appendLogs(id, lines.slice(120));
    expect(await repo.logs(id)).toEqual(lines);
    expect(await repo.logs(randomUUID())).toEqual([]);
  });

  it('reads only the last lines of a long log when asked', async () => {
    const id = randomUUID();
    const lines = Array.from({ length: 1_000 }, (_, i) => ({ at: NOW + i, level: 'info' as const, message: `line ${i}` }));
    await repo.appendLogs(id, lines);

    expect(await repo.logs(id, { last: 200 })).toEqual(lines.slice(800));
    expect(await repo.logs(id, { last: 150 })).toEqual(lines.slice(850));
    expect(await repo.logs(id, { last: 5_000 })).toEqual(lines);
  });

  it('lets one invocation claim a sync execution, once, and never an async or finished one', async () => {
    const sync = execution({ mode: 'sync', status: 'RUNNING', attempts: 0, maxRetries: 0, startedAt: NOW, leaseUntil: NOW + 25_000 });
    await repo.create(sync);

    expect(await repo.claimInvocation(sync.id)).toMatchObject({ id: sync.id, status: 'RUNNING', attempts: 1 });
    expect(await repo.claimInvocation(sync.id)).toBeNull();
    // Nor does an async attempt take it, whatever its lease says.
    expect(await repo.startAttempt(sync.id, NOW + 60 * LEASE, NOW + 61 * LEASE)).toBeNull();
    const queued = execution();
    await repo.create(queued);
    expect(await repo.claimInvocation(queued.id)).toBeNull();
    expect(await repo.claimInvocation(randomUUID())).toBeNull();
    expect(await repo.get(sync.id)).toMatchObject({ status: 'RUNNING', attempts: 1 });
  });
});
