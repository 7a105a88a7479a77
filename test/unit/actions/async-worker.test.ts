/**
 * Asynchronous actions (`X-Async: true`): queued, run by the worker, retried with growing delays
 * up to `maxRetries`, finished once with one `async_action` webhook — also when a message is
 * delivered again after the finish, which re-sends the webhook a crash may have lost.
 */
import { describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import { handleActionMessage, retryDelaySeconds } from '../../../functions/engine/actions/action-worker.js';
import { InfrastructureError } from '../../../functions/engine/errors.js';
import { createAction } from '../../../functions/engine/script-definition.js';
import { makeActionWorld } from './action-world.js';

describe('an asynchronous trigger', () => {
  it('is queued, then run by the worker, which stores the output and sends the webhook once', async () => {
    const world = await makeActionWorld({
      sum: createAction({ description: 'adds', input: z.object({ a: z.number(), b: z.number() }), output: z.object({ sum: z.number() }), exec: async (_nango, { a, b }) => ({ sum: a + b }) }),
    });

    const queued = await world.trigger('sum', { a: 2, b: 3 }, { async: true, maxRetries: 0 });

    expect(queued).toEqual({ kind: 'queued', id: 'exec-1', statusUrl: '/action/exec-1' });
    expect(await world.service.get('exec-1')).toMatchObject({ mode: 'async', status: 'QUEUED', attempts: 0 });
    expect(await world.work()).toEqual(['FINISHED']);
    const finished = await world.service.get('exec-1');
    expect(finished).toMatchObject({ status: 'SUCCESS', output: { sum: 5 }, attempts: 1 });
    expect(world.deps.webhooks!.asyncActionFinished).toHaveBeenCalledTimes(1);
    expect(world.webhooks[0]).toMatchObject({ id: 'exec-1', status: 'SUCCESS', output: { sum: 5 } });
    expect(await world.service.list({ providerConfigKey: 'crm', connectionId: 'acme', limit: 10 })).toEqual([finished]);
  });

  it('retries a failed attempt up to maxRetries with growing delays, then finishes', async () => {
    let calls = 0;
    const world = await makeActionWorld({
      flaky: createAction({
        description: 'fails twice',
        input: z.void(),
        output: z.object({ calls: z.number() }),
        exec: async () => {
          if (++calls < 3) throw new Error(`attempt ${calls} failed`);
          return { calls };
        },
      }),
    });

    await world.trigger('flaky', undefined, { async: true, maxRetries: 2 });
    const delays: (number | undefined)[] = [];
    const results: string[] = [];
    while (world.sent.length > 0) {
      const next = world.sent.shift()!;
      delays.push(next.delaySeconds);
      world.clock.advance((next.delaySeconds ?? 0) * 1000);
      results.push((await handleActionMessage(world.deps, next.message, world.clock.now() + 60_000, world.clock.now() + 60_000)).kind);
      if (results.length === 1) expect(await world.service.get('exec-1')).toMatchObject({ status: 'QUEUED', error: { type: 'script_internal_error', payload: { message: 'attempt 1 failed' } } });
    }

    expect(results).toEqual(['RETRYING', 'RETRYING', 'FINISHED']);
    expect(delays).toEqual([undefined, 5, 10]);
    expect(await world.service.get('exec-1')).toMatchObject({ status: 'SUCCESS', attempts: 3, output: { calls: 3 }, error: null });
    expect(world.webhooks).toHaveLength(1);
  });

  it('finishes in ERROR once the retries are used up', async () => {
    const world = await makeActionWorld({
      broken: createAction({
        description: 'always fails',
        input: z.void(),
        output: z.void(),
        exec: async () => {
          throw new Error('no');
        },
      }),
    });
    await world.trigger('broken', undefined, { async: true, maxRetries: 1 });
    expect(await world.work()).toEqual(['RETRYING', 'FINISHED']);
    expect(await world.service.get('exec-1')).toMatchObject({ status: 'ERROR', attempts: 2, error: { type: 'script_internal_error' } });
    expect(world.webhooks).toEqual([expect.objectContaining({ status: 'ERROR' })]);
  });

  it('answers a message delivered again after the finish with DUPLICATE and re-sends the webhook, and an unknown id with UNKNOWN', async () => {
    let runs = 0;
    const world = await makeActionWorld({ once: createAction({ description: 'x', input: z.void(), output: z.void(), exec: async () => void runs++ }) });
    await world.trigger('once', undefined, { async: true, maxRetries: 0 });
    const message = { ...world.sent[0]!.message };
    await world.work();

    expect(await handleActionMessage(world.deps, message, world.clock.now() + 60_000, world.clock.now() + 60_000)).toEqual({ kind: 'DUPLICATE' });
    expect(runs).toBe(1);
    expect(world.deps.webhooks!.asyncActionFinished).toHaveBeenCalledTimes(2);
    expect(world.webhooks[1]).toEqual(world.webhooks[0]);
    expect(await handleActionMessage(world.deps, { executionId: 'nope' }, world.clock.now() + 60_000, world.clock.now() + 60_000)).toEqual({ kind: 'UNKNOWN' });
  });

  it('rethrows an infrastructure failure so the queue redelivers, and the redelivered message runs the attempt again once the lease has expired', async () => {
    const world = await makeActionWorld({ ok: createAction({ description: 'x', input: z.void(), output: z.object({ ok: z.boolean() }), exec: async () => ({ ok: true }) }) });
    await world.trigger('ok', undefined, { async: true, maxRetries: 1 });
    const message = world.sent.shift()!.message;
    const finish = world.executions.finish.bind(world.executions);
    world.executions.finish = async () => {
      throw new InfrastructureError('DynamoDB throttled');
    };

    await expect(handleActionMessage(world.deps, message, world.clock.now() + 60_000, world.clock.now() + 60_000)).rejects.toBeInstanceOf(InfrastructureError);
    world.executions.finish = finish;
    // SQS redelivers after its visibility timeout, long after the failed invocation's end.
    world.clock.advance(90 * 60_000);
    expect(await handleActionMessage(world.deps, message, world.clock.now() + 60_000, world.clock.now() + 60_000)).toEqual({ kind: 'FINISHED' });
    expect(await world.service.get('exec-1')).toMatchObject({ status: 'SUCCESS', attempts: 2 });
  });

  it('never runs a second attempt while one holds the lease: a duplicate message is dropped as LEASED', async () => {
    let runs = 0;
    let release!: () => void;
    const world = await makeActionWorld({
      slow: createAction({
        description: 'waits',
        input: z.void(),
        output: z.void(),
        exec: async () => {
          // Only the first run waits: a second one (the bug) returns at once, so the test fails fast.
          if (++runs > 1) return;
          await new Promise<void>((resolve) => (release = resolve));
        },
      }),
    });
    await world.trigger('slow', undefined, { async: true, maxRetries: 2 });
    const message = world.sent.shift()!.message;
    const leaseUntil = world.clock.now() + 15 * 60_000;

    const first = handleActionMessage(world.deps, message, leaseUntil - 10_000, leaseUntil);
    await vi.waitFor(() => expect(runs).toBe(1));
    world.clock.advance(5 * 60_000);
    const duplicate = await handleActionMessage(world.deps, message, world.clock.now() + 60_000, world.clock.now() + 15 * 60_000);
    release();

    expect(duplicate).toEqual({ kind: 'LEASED' });
    expect(await first).toEqual({ kind: 'FINISHED' });
    expect(runs).toBe(1);
    expect(await world.service.get('exec-1')).toMatchObject({ status: 'SUCCESS', attempts: 1 });
    expect(world.webhooks).toHaveLength(1);
  });

  it('takes over an attempt that crashed once its lease expired, counting the crash, and finishes in ERROR with the webhook when no attempt is left', async () => {
    let runs = 0;
    const world = await makeActionWorld({ once: createAction({ description: 'x', input: z.void(), output: z.void(), exec: async () => void runs++ }) });
    await world.trigger('once', undefined, { async: true, maxRetries: 1 });
    const message = world.sent.shift()!.message;
    // Two attempts, each crashed mid-run: taken (RUNNING, lease held) and never finished.
    await world.executions.startAttempt(message.executionId, world.clock.now(), world.clock.now() + 15 * 60_000);
    expect(await handleActionMessage(world.deps, message, world.clock.now() + 60_000, world.clock.now() + 60_000)).toEqual({ kind: 'LEASED' });
    world.clock.advance(16 * 60_000);
    await world.executions.startAttempt(message.executionId, world.clock.now(), world.clock.now() + 15 * 60_000);
    expect(await world.service.get('exec-1')).toMatchObject({ status: 'RUNNING', attempts: 2 });

    world.clock.advance(90 * 60_000);
    expect(await handleActionMessage(world.deps, message, world.clock.now() + 60_000, world.clock.now() + 60_000)).toEqual({ kind: 'FINISHED' });

    expect(runs).toBe(0);
    const finished = await world.service.get('exec-1');
    expect(finished).toMatchObject({ status: 'ERROR', attempts: 3, error: { type: 'script_internal_error', status: 500, payload: { attempts: 2, maxRetries: 1 } } });
    expect(finished?.error?.message).toMatch(/attempt 2 of 2 ended without recording a result/);
    expect(world.webhooks).toEqual([expect.objectContaining({ id: 'exec-1', status: 'ERROR' })]);
  });

  it('waits 5 s before the first retry, doubling up to 15 minutes', () => {
    expect([1, 2, 3, 4, 8, 9, 20].map(retryDelaySeconds)).toEqual([5, 10, 20, 40, 640, 900, 900]);
  });
});
