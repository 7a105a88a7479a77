/**
 * `ActionService.trigger`: what it refuses before anything runs (Nango's codes), and a
 * synchronous trigger that runs the action at once and answers with its output.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ActionRequestError } from '../../../functions/engine/actions/action-service.js';
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
