/**
 * The actions Lambda's two triggers: an SQS batch (one attempt per message, partial batch
 * failures for infrastructure errors and malformed messages) and a direct invocation (validated,
 * answered with the outcome), each with a deadline inside the invocation's remaining time.
 */
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { ActionRunnerDeps } from '../../../functions/engine/actions/action-worker.js';
import type { ActionInvocation, ActionOutcome } from '../../../functions/engine/actions/ports.js';
import { InfrastructureError } from '../../../functions/engine/errors.js';
import { ActionsApiEnv, ActionQueueEnv, readEnv, WebhookDeliveryEnv } from '../../../functions/handlers/env.js';
import { makeActionsHandler, type ActionsEngine } from '../../../functions/handlers/queue/actions-handler.js';

const NOW = 1_700_000_000_000;
const context = (remainingMs: number) => ({ awsRequestId: 'req-1', getRemainingTimeInMillis: () => remainingMs });
const sqsEvent = (...bodies: string[]): SQSEvent => ({ Records: bodies.map((body, i) => ({ messageId: `m${i}`, body }) as SQSEvent['Records'][number]) });

function setup(behaviour: { message?: (id: string) => Promise<{ kind: 'FINISHED' | 'RETRYING' | 'DUPLICATE' | 'LEASED' | 'UNKNOWN' }>; invoke?: () => Promise<ActionOutcome> } = {}) {
  const messages: { executionId: string; deadline: number; leaseUntil: number }[] = [];
  const invocations: ActionInvocation[] = [];
  const logs: string[] = [];
  const engine: ActionsEngine = {
    handleActionMessage: async (_deps, message, deadline, leaseUntil) => {
      messages.push({ executionId: message.executionId, deadline, leaseUntil });
      return (behaviour.message ?? (async () => ({ kind: 'FINISHED' as const })))(message.executionId);
    },
    runInvokedAction: async (_deps, invocation) => {
      invocations.push(invocation);
      return (behaviour.invoke ?? (async () => ({ status: 'SUCCESS' as const, output: { ok: true } })))();
    },
  };
  const deps = { clock: { now: () => NOW }, logger: { log: (level: string, message: string) => void logs.push(`${level} ${message}`) } } as unknown as ActionRunnerDeps;
  return { handler: makeActionsHandler(deps, { engine, marginMs: 10_000 }), messages, invocations, logs };
}

describe('the actions handler, on the queue', () => {
  it('runs one attempt per message with the invocation’s time less the margin, holding it until the invocation’s end', async () => {
    const { handler, messages } = setup();

    const response = await handler(sqsEvent('{"executionId":"e-1"}'), context(900_000));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(messages).toEqual([{ executionId: 'e-1', deadline: NOW + 890_000, leaseUntil: NOW + 900_000 }]);
  });

  it('drops a duplicate message of an execution another attempt holds, saying so', async () => {
    const { handler, logs } = setup({ message: async () => ({ kind: 'LEASED' }) });

    expect(await handler(sqsEvent('{"executionId":"e-2"}'), context(900_000))).toEqual({ batchItemFailures: [] });
    expect(logs).toContain('info action execution e-2 is held by a running attempt; duplicate message dropped');
  });

  it('reports an infrastructure failure and a malformed message back to SQS, and only those', async () => {
    const { handler, messages, logs } = setup({
      message: async (id) => {
        if (id === 'broken') throw new InfrastructureError('DynamoDB is down');
        return { kind: id === 'dup' ? 'DUPLICATE' : 'RETRYING' };
      },
    });

    const response = await handler(sqsEvent('{"executionId":"broken"}', 'not json', '{"runId":"x"}', '{"executionId":"dup"}', '{"executionId":"retry"}'), context(60_000));

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm0' }, { itemIdentifier: 'm1' }, { itemIdentifier: 'm2' }] });
    expect(messages.map((m) => m.executionId)).toEqual(['broken', 'dup', 'retry']);
    expect(logs.filter((l) => l.startsWith('error'))).toHaveLength(3);
    expect(logs).toContain('info action execution dup already finished; duplicate message dropped');
  });
});

describe('the actions handler, invoked directly', () => {
  it('runs the execution and answers with its outcome', async () => {
    const error = { type: 'action_script_runtime_error', status: 400, message: 'nope', payload: {} };
    const { handler, invocations } = setup({ invoke: async () => ({ status: 'ERROR', error }) });

    expect(await handler({ executionId: 'e-9', deadline: NOW + 25_000 }, context(900_000))).toEqual({ status: 'ERROR', error });
    expect(invocations).toEqual([{ executionId: 'e-9', deadline: NOW + 25_000 }]);
  });

  it('never lets the action run past the function’s own end', async () => {
    const { handler, invocations } = setup();
    await handler({ executionId: 'e-9', deadline: NOW + 3_600_000 }, context(30_000));
    expect(invocations).toEqual([{ executionId: 'e-9', deadline: NOW + 20_000 }]);
  });

  it('refuses what is not an invocation, and lets an infrastructure failure surface as a function error', async () => {
    const { handler, invocations } = setup({ invoke: async () => Promise.reject(new InfrastructureError('KMS throttled')) });

    await expect(handler({ executionId: 'e-1' } as never, context(30_000))).rejects.toThrow(/not an action invocation/);
    await expect(handler({ executionId: 'e-1', deadline: 5, extra: true } as never, context(30_000))).rejects.toThrow(/not an action invocation/);
    expect(invocations).toEqual([]);
    await expect(handler({ executionId: 'e-1', deadline: NOW + 1_000 }, context(30_000))).rejects.toBeInstanceOf(InfrastructureError);
  });
});

describe('the actions environment', () => {
  it('needs the queue, and the delivery queue, DLQ and bus for webhooks', () => {
    const env = {
      ACTION_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/actions',
      DELIVERY_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/deliveries',
      DELIVERY_DLQ_URL: 'https://sqs.eu-west-1.amazonaws.com/1/dlq',
      EVENT_BUS_NAME: 'bus',
    };
    expect(readEnv(ActionQueueEnv.merge(WebhookDeliveryEnv), env)).toEqual({ ...env, SYNCLINE_ENVIRONMENT: 'prod' });
    expect(() => readEnv(WebhookDeliveryEnv, { ...env, EVENT_BUS_NAME: undefined })).toThrow(/EVENT_BUS_NAME/);
    expect(() => readEnv(ActionsApiEnv, { ACTION_QUEUE_URL: env.ACTION_QUEUE_URL })).toThrow(/ACTIONS_FUNCTION_NAME/);
  });
});
