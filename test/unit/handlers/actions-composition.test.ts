/** The composition's actions side: what the runner and the service are given, and what each refuses to run without. */
import { SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { makeDynamoClients } from '../../../functions/adapters/dynamodb/client.js';
import { SqsActionQueue } from '../../../functions/adapters/sqs/action-queue.js';
import { makeSyncline, type SynclineConfig } from '../../../functions/composition.js';
import { ActionService } from '../../../functions/engine/actions/action-service.js';
import type { ActionWebhookSender } from '../../../functions/engine/actions/ports.js';
import { IntegrationRegistry } from '../../../functions/engine/integration.js';
import { makeLambdaActionInvoker } from '../../../functions/handlers/http/action-invoker.js';

const config = (extra: Partial<SynclineConfig> = {}): SynclineConfig => ({
  dynamo: makeDynamoClients({ endpoint: 'http://127.0.0.1:9' }),
  sqs: new SQSClient({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
  tables: { records: 'records', state: 'state' },
  registry: new IntegrationRegistry([]),
  logger: { log: () => undefined },
  ...extra,
});

describe('the actions in the composition', () => {
  it('gives the runner the executions, the action queue, the script settings and the webhook sender', () => {
    const webhooks: ActionWebhookSender = { asyncActionFinished: async () => undefined };
    const syncline = makeSyncline(config({ actionQueueUrl: 'http://127.0.0.1:9/queue/actions', actionRunner: { outputValidation: 'reject' }, scriptEnvironment: [{ name: 'A', value: '1' }] }));

    const deps = syncline.actionRunnerDeps(webhooks);

    expect(deps.executions).toBe(syncline.state.actionExecutions);
    expect(deps.queue).toBeInstanceOf(SqsActionQueue);
    expect(deps.webhooks).toBe(webhooks);
    expect(deps.config).toEqual({ outputValidation: 'reject' });
    expect(deps.environmentVariables).toEqual([{ name: 'A', value: '1' }]);
    expect(deps.state.locks).toBe(syncline.state.locks);
    expect(syncline.actionRunnerDeps()).not.toHaveProperty('webhooks');
  });

  it('builds the service only with an invoker and a queue, as the controls need a scheduler', () => {
    const invoker = { invoke: async () => ({ status: 'SUCCESS' as const, output: null }) };
    expect(makeSyncline(config({ actionQueueUrl: 'http://127.0.0.1:9/queue/actions', actionInvoker: invoker })).actions()).toBeInstanceOf(ActionService);
    expect(() => makeSyncline(config({ actionQueueUrl: 'http://127.0.0.1:9/queue/actions' })).actions()).toThrow(/invoker/);
    expect(() => makeSyncline(config({ actionInvoker: invoker })).actions()).toThrow(/queue/);
    expect(() => makeSyncline(config()).actionRunnerDeps()).toThrow(/queue/);
  });

  it('invokes the actions function once per trigger: the Lambda client never retries an invocation', async () => {
    const invoker = makeLambdaActionInvoker('syncline-actions');

    expect(invoker.options.functionName).toBe('syncline-actions');
    expect(await invoker.options.lambda.config.maxAttempts()).toBe(1);
  });

  it('fails loudly when a function without a run queue queues a run', async () => {
    await expect(makeSyncline(config()).queue.send([])).rejects.toThrow(/no run queue/);
  });
});
