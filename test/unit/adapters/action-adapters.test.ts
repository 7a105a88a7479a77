import { InvokeCommand, LambdaClient, TooManyRequestsException } from '@aws-sdk/client-lambda';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { LambdaActionInvoker } from '../../../functions/adapters/lambda/lambda-action-invoker.js';
import { SqsActionQueue } from '../../../functions/adapters/sqs/action-queue.js';
import { InfrastructureError } from '../../../functions/engine/errors.js';

const lambda = mockClient(LambdaClient);
const sqs = mockClient(SQSClient);
const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/actions';

// The SDK's payload type is a Uint8Array with helpers; the invoker reads it as bytes.
const bytes = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value)) as never;
const invoker = () => new LambdaActionInvoker({ lambda: new LambdaClient({ region: 'eu-west-1' }), functionName: 'syncline-actions' });

beforeEach(() => {
  lambda.reset();
  sqs.reset();
});

describe('LambdaActionInvoker', () => {
  it('invokes the function synchronously with the invocation and returns its outcome', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: bytes({ status: 'SUCCESS', output: { id: 7 } }) });

    const outcome = await invoker().invoke({ executionId: 'e-1', deadline: 1_000 });

    expect(outcome).toEqual({ status: 'SUCCESS', output: { id: 7 } });
    const [call] = lambda.commandCalls(InvokeCommand);
    expect(call!.args[0].input).toMatchObject({ FunctionName: 'syncline-actions', InvocationType: 'RequestResponse' });
    expect(JSON.parse(new TextDecoder().decode(call!.args[0].input.Payload as Uint8Array))).toEqual({ executionId: 'e-1', deadline: 1_000 });
  });

  it('returns a script error as a value', async () => {
    const error = { type: 'action_script_runtime_error', status: 400, message: 'bad', payload: { field: 'x' } };
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: bytes({ status: 'ERROR', error }) });
    expect(await invoker().invoke({ executionId: 'e-2', deadline: 1 })).toEqual({ status: 'ERROR', error });
  });

  it('turns a function error, a malformed answer and a failed call into infrastructure errors', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, FunctionError: 'Unhandled', Payload: bytes({ errorType: 'Error', errorMessage: 'Task timed out' }) });
    await expect(invoker().invoke({ executionId: 'e-3', deadline: 1 })).rejects.toThrow(/Unhandled.*Task timed out/);

    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: bytes({ status: 'MAYBE' }) });
    await expect(invoker().invoke({ executionId: 'e-3', deadline: 1 })).rejects.toBeInstanceOf(InfrastructureError);

    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: bytes('not json') });
    await expect(invoker().invoke({ executionId: 'e-3', deadline: 1 })).rejects.toBeInstanceOf(InfrastructureError);

    lambda.on(InvokeCommand).rejects(new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} }));
    await expect(invoker().invoke({ executionId: 'e-3', deadline: 1 })).rejects.toThrow(InfrastructureError);
  });
});

describe('SqsActionQueue', () => {
  const queue = () => new SqsActionQueue({ sqs: new SQSClient({ region: 'eu-west-1' }), queueUrl: QUEUE_URL });

  it('sends one message per execution, delayed when asked and capped at 15 minutes', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm' });

    await queue().send({ executionId: 'e-1' });
    await queue().send({ executionId: 'e-2' }, 30.2);
    await queue().send({ executionId: 'e-3' }, 3_600);

    const inputs = sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
    expect(inputs).toEqual([
      { QueueUrl: QUEUE_URL, MessageBody: '{"executionId":"e-1"}' },
      { QueueUrl: QUEUE_URL, MessageBody: '{"executionId":"e-2"}', DelaySeconds: 31 },
      { QueueUrl: QUEUE_URL, MessageBody: '{"executionId":"e-3"}', DelaySeconds: 900 },
    ]);
  });

  it('reports a failed send as an infrastructure error', async () => {
    sqs.on(SendMessageCommand).rejects(new Error('throttled'));
    await expect(queue().send({ executionId: 'e-1' })).rejects.toBeInstanceOf(InfrastructureError);
  });
});
