/**
 * `ActionService.trigger`: what it refuses before anything runs (Nango's codes), and a
 * synchronous trigger that runs the action at once and answers with its output.
 */
import { describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import { ActionRequestError, DEFAULT_SYNC_TIMEOUT_MS, SYNC_RESULT_GRACE_MS } from '../../../functions/engine/actions/action-service.js';
import { runInvokedAction } from '../../../functions/engine/actions/action-worker.js';
import type { ActionExecution } from '../../../functions/engine/actions/ports.js';
import { ConflictError } from '../../../functions/engine/errors.js';
import { createAction } from '../../../functions/engine/script-definition.js';
import { CONNECTION, makeActionWorld, PROVIDER } from './action-world.js';

const createContact = createAction({
  description: 'Creates a contact',
  input: z.object({ name: z.string(), address: z.object({ city: z.string() }) }),
  output: z.object({ id: z.string(), name: z.string() }),
  exec: async (nango, input) => {
    const { data } = await nango.post<{ id: string }>({ endpoint: '/contacts', data: { name: input.name, city: input.address.city } });
    return { id: data.id, name: input.name };
  },
});
const ping = createAction({ description: 'No input', input: z.void(), output: z.object({ pong: z.boolean() }), exec: async () => ({ pong: true }) });

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.unreachable('the trigger was not refused'),
    (error: unknown) => error as ActionRequestError,
  );

describe('a synchronous trigger', () => {
  it('runs the action with the parsed input and answers with its output, recording SUCCESS without the output', async () => {
    const world = await makeActionWorld({ createContact }, { provider: async (req) => Response.json({ id: 'c-1', echo: await req.json() }, { status: 201 }) });

    const result = await world.trigger('createContact', { name: 'Ada', address: { city: 'London', extra: 1 } });

    expect(result).toEqual({ kind: 'completed', executionId: 'exec-1', outcome: { status: 'SUCCESS', output: { id: 'c-1', name: 'Ada' } } });
    expect(world.providerRequests).toHaveLength(1);
    expect(world.providerRequests[0]!.url).toBe('https://api.crm.example/contacts');
    const execution = await world.service.get('exec-1');
    expect(execution).toMatchObject({ mode: 'sync', status: 'SUCCESS', attempts: 1, maxRetries: 0, input: { name: 'Ada', address: { city: 'London', extra: 1 } } });
    expect(execution).not.toHaveProperty('output');
    expect(world.sent).toEqual([]);
  });

  it('runs once when the same execution is invoked twice (a retried invoke): the second invocation refuses to run it', async () => {
    let runs = 0;
    let release!: () => void;
    const world = await makeActionWorld({
      slow: createAction({
        description: 'waits',
        input: z.void(),
        output: z.object({ runs: z.number() }),
        exec: async () => {
          // Only the first run waits: a second one (the bug) returns at once, so the test fails fast.
          if (++runs > 1) return { runs };
          await new Promise<void>((resolve) => (release = resolve));
          return { runs };
        },
      }),
    });
    await world.executions.create(syncExecution(world.clock.now(), 'slow'));
    const invocation = { executionId: 'sync-1', deadline: world.clock.now() + DEFAULT_SYNC_TIMEOUT_MS };

    const first = runInvokedAction(world.deps, invocation);
    await vi.waitFor(() => expect(runs).toBe(1));
    await expect(runInvokedAction(world.deps, invocation)).rejects.toBeInstanceOf(ConflictError);
    release();

    expect(await first).toEqual({ status: 'SUCCESS', output: { runs: 1 } });
    expect(runs).toBe(1);
    expect(await world.service.get('sync-1')).toMatchObject({ status: 'SUCCESS', attempts: 1 });
  });

  it('reads as ERROR action_timeout once RUNNING past its deadline and the grace (its runner died), and stays so', async () => {
    const world = await makeActionWorld({ ping });
    const created = world.clock.now();
    await world.executions.create({ ...syncExecution(created, 'ping'), attempts: 1 });
    const filter = { providerConfigKey: PROVIDER, connectionId: CONNECTION, limit: 10 };

    world.clock.advance(DEFAULT_SYNC_TIMEOUT_MS + SYNC_RESULT_GRACE_MS);
    expect(await world.service.get('sync-1')).toMatchObject({ status: 'RUNNING' });
    world.clock.advance(1);
    const listed = await world.service.list(filter);

    expect(listed).toEqual([expect.objectContaining({ id: 'sync-1', status: 'ERROR', finishedAt: world.clock.now(), error: expect.objectContaining({ type: 'action_timeout', status: 504 }) })]);
    expect(await world.service.get('sync-1')).toMatchObject({ status: 'ERROR', error: { type: 'action_timeout', payload: { timeoutMs: DEFAULT_SYNC_TIMEOUT_MS } } });
    // A runner that comes back late cannot overwrite what readers were told.
    expect(await world.executions.finish('sync-1', { status: 'SUCCESS', output: undefined }, world.clock.now())).toBe(false);
  });

  it('takes {} or no input for an action whose input is z.void(), as Nango does for old scripts', async () => {
    const world = await makeActionWorld({ ping });
    for (const input of [{}, undefined, null]) {
      expect(await world.trigger('ping', input)).toMatchObject({ kind: 'completed', outcome: { status: 'SUCCESS', output: { pong: true } } });
    }
  });
});

describe('a refused trigger', () => {
  it('names each invalid input field as input.<path>, before any execution exists', async () => {
    const world = await makeActionWorld({ createContact });

    const error = await refusal(world.trigger('createContact', { name: 'Ada', address: { city: 3 } }));

    expect(error).toBeInstanceOf(ActionRequestError);
    expect(error).toMatchObject({ status: 400, code: 'invalid_action_input' });
    expect(error.errors).toEqual([{ path: 'input.address.city', message: expect.stringMatching(/expected string/i), code: 'invalid_type' }]);
    expect(world.executions.items.size).toBe(0);
    expect(world.providerRequests).toHaveLength(0);
  });

  it('answers an unknown integration, connection or action with Nango codes', async () => {
    const world = await makeActionWorld({ createContact });
    const base = { connectionId: CONNECTION, actionName: 'createContact', input: {}, async: false, maxRetries: 0 };

    expect(await refusal(world.service.trigger({ ...base, providerConfigKey: 'nope' }))).toMatchObject({ status: 400, code: 'unknown_provider' });
    expect(await refusal(world.service.trigger({ ...base, providerConfigKey: PROVIDER, connectionId: 'nobody' }))).toMatchObject({ status: 400, code: 'unknown_connection' });
    expect(await refusal(world.service.trigger({ ...base, providerConfigKey: PROVIDER, actionName: 'missing' }))).toMatchObject({ status: 404, code: 'not_found' });
    expect(world.executions.items.size).toBe(0);
  });

  it('refuses a connection that must be authorized again, and retries outside 0–5', async () => {
    const world = await makeActionWorld({ ping });
    await expect(world.trigger('ping', {}, { async: true, maxRetries: 6 })).rejects.toMatchObject({ status: 400, code: 'invalid_headers' });
    const connection = (await world.state.connections.getWithCredentials(PROVIDER, CONNECTION))!;
    await world.state.connections.put({ ...connection, authError: { type: 'auth', message: 'invalid_grant', at: new Date(world.clock.now()).toISOString() } });

    const error = await refusal(world.trigger('ping', {}));

    expect(error).toMatchObject({ status: 400, code: 'connection_auth_error', message: expect.stringMatching(/authorized again: invalid_grant/) });
    expect(world.executions.items.size).toBe(0);
  });
});

/** A synchronous execution as the service creates it: RUNNING, not claimed yet, its deadline as its lease. */
function syncExecution(now: number, actionName: string): ActionExecution {
  return {
    id: 'sync-1',
    providerConfigKey: PROVIDER,
    connectionId: CONNECTION,
    actionName,
    mode: 'sync',
    status: 'RUNNING',
    createdAt: now,
    startedAt: now,
    finishedAt: null,
    attempts: 0,
    maxRetries: 0,
    input: null,
    error: null,
    checkpoint: null,
    leaseUntil: now + DEFAULT_SYNC_TIMEOUT_MS,
  };
}
