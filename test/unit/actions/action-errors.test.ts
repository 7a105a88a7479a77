/**
 * How a failed action answers, as Nango answers: an ActionError's payload, a provider's refusal
 * (with its upstream answer), a network failure, anything else without Syncline's internals,
 * an output too large, an output that does not match its schema (warn or reject).
 */
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { ActionError } from '../../../functions/engine/sdk/action-error.js';
import { createAction } from '../../../functions/engine/script-definition.js';
import { makeActionWorld } from './action-world.js';

const failing = (exec: () => Promise<unknown>) => createAction({ description: 'fails', input: z.void(), output: z.unknown(), exec });

describe('a failed action', () => {
  it('passes an ActionError payload through with action_script_runtime_error and 500', async () => {
    const world = await makeActionWorld({
      refuse: failing(async () => {
        throw new ActionError({ message: 'quota exceeded', code: 'QUOTA', details: { left: 0 } });
      }),
      says: failing(async () => {
        throw new ActionError('just a string' as never);
      }),
    });

    expect(await world.trigger('refuse', undefined)).toMatchObject({
      kind: 'completed',
      outcome: { status: 'ERROR', error: { type: 'action_script_runtime_error', status: 500, payload: { message: 'quota exceeded', code: 'QUOTA', details: { left: 0 } } } },
    });
    expect(await world.trigger('says', undefined)).toMatchObject({ outcome: { error: { type: 'action_script_runtime_error', payload: { message: 'just a string' } } } });
    // Recorded on the execution too, and logged.
    expect(await world.service.get('exec-1')).toMatchObject({ status: 'ERROR', error: { type: 'action_script_runtime_error' } });
    expect(await world.service.logs('exec-1')).toEqual([expect.objectContaining({ level: 'error', message: expect.stringMatching(/action_script_runtime_error/) })]);
  });

  it('answers a provider 4xx with script_http_error 424, its body as payload and its upstream answer', async () => {
    const lookup = createAction({
      description: 'reads a contact',
      input: z.object({ id: z.string() }),
      output: z.unknown(),
      exec: async (nango, input) => (await nango.get({ endpoint: `/contacts/${input.id}` })).data,
    });
    const world = await makeActionWorld(
      { lookup },
      {
        provider: () => Response.json({ error: 'no such contact' }, { status: 404, headers: { 'X-RateLimit-Remaining': '41', 'x-request-id': 'secretish', 'content-type': 'application/json' } }),
      },
    );

    const result = await world.trigger('lookup', { id: 'c-9' });

    expect(result).toMatchObject({
      outcome: {
        status: 'ERROR',
        error: {
          type: 'script_http_error',
          status: 424,
          payload: { error: 'no such contact' },
          upstream: { status: 404, headers: { 'content-type': 'application/json', 'x-ratelimit-remaining': '41' }, body: { error: 'no such contact' } },
        },
      },
    });
    expect((result as { outcome: { error: { upstream: { headers: object } } } }).outcome.error.upstream.headers).not.toHaveProperty('x-request-id');
  });

  it('answers a network failure with script_network_error and anything else with script_internal_error, without a stack', async () => {
    const world = await makeActionWorld(
      {
        offline: createAction({ description: 'x', input: z.void(), output: z.unknown(), exec: async (nango) => nango.get({ endpoint: '/x', retries: 0 }) }),
        broken: failing(async () => {
          throw new TypeError('cannot read properties of undefined');
        }),
      },
      {
        provider: () => {
          throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
        },
      },
    );

    expect(await world.trigger('offline', undefined)).toMatchObject({ outcome: { error: { type: 'script_network_error', status: 500 } } });
    const broken = await world.trigger('broken', undefined);
    expect(broken).toMatchObject({ outcome: { error: { type: 'script_internal_error', status: 500, payload: { name: 'TypeError', message: 'cannot read properties of undefined' } } } });
    expect(JSON.stringify(broken)).not.toMatch(/stack|functions\/engine/);
  });

  it('refuses an output larger than the limit with script_output_too_large', async () => {
    const world = await makeActionWorld({ big: failing(async () => ({ blob: 'x'.repeat(200) })) }, { config: { maxOutputBytes: 100 } });
    expect(await world.trigger('big', undefined)).toMatchObject({ outcome: { status: 'ERROR', error: { type: 'script_output_too_large', payload: { maxBytes: 100 } } } });
  });
});

describe('an output that does not match the output schema', () => {
  const wrong = createAction({ description: 'x', input: z.void(), output: z.object({ id: z.string() }), exec: async () => ({ id: 42 }) as never });

  it('is returned and logged as a warning by default (warn)', async () => {
    const world = await makeActionWorld({ wrong });
    expect(await world.trigger('wrong', undefined)).toMatchObject({ outcome: { status: 'SUCCESS', output: { id: 42 } } });
    expect(await world.service.logs('exec-1')).toEqual([expect.objectContaining({ level: 'warn', message: expect.stringMatching(/output schema at output\.id/) })]);
  });

  it('fails with invalid_action_output under reject', async () => {
    const world = await makeActionWorld({ wrong }, { config: { outputValidation: 'reject' } });
    expect(await world.trigger('wrong', undefined)).toMatchObject({
      outcome: { status: 'ERROR', error: { type: 'invalid_action_output', status: 400, payload: { errors: [expect.objectContaining({ path: 'output.id' })] } } },
    });
  });
});
