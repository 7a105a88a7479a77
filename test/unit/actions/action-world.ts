/**
 * The actions engine over in-memory ports for a test: one integration with the test's actions,
 * a connection, a provider answered by an injected `fetch`, a recorded queue and webhook sender,
 * a manual clock and deadline timers that fire only when the test says so.
 */
import { vi } from 'vitest';
import { ActionService } from '../../../functions/engine/actions/action-service.js';
import { type ActionRunnerDeps, handleActionMessage, runInvokedAction } from '../../../functions/engine/actions/action-worker.js';
import type { ActionExecution } from '../../../functions/engine/actions/ports.js';
import type { ActionTimers } from '../../../functions/engine/actions/run-action.js';
import { defineIntegration, IntegrationRegistry } from '../../../functions/engine/integration.js';
import type { LogLevel } from '../../../functions/engine/ports.js';
import type { DeclaredAction } from '../../../functions/engine/script-definition.js';
import { MemoryActionExecutions } from '../../support/memory-action-executions.js';
import { ManualClock } from '../../support/memory-engine.js';
import { makeMemoryState } from '../../support/memory-state.js';

export const PROVIDER = 'crm';
export const CONNECTION = 'acme';

/** One-shot timers that fire only when the test says so. */
export class ManualActionTimers implements ActionTimers {
  readonly active = new Map<number, () => void>();
  private next = 0;
  setTimeout(callback: () => void): unknown {
    this.active.set(++this.next, callback);
    return this.next;
  }
  clearTimeout(handle: unknown): void {
    this.active.delete(handle as number);
  }
  fire(): void {
    for (const [handle, callback] of [...this.active]) {
      this.active.delete(handle);
      callback();
    }
  }
}

export interface ActionWorldOptions {
  /** The provider's answer to each request. */
  provider?: (request: Request) => Response | Promise<Response>;
  config?: ActionRunnerDeps['config'];
  /** An OAuth2 provider (token URL https://auth.crm.example/token) and a connection whose access token has expired. */
  oauth?: boolean;
}

export async function makeActionWorld(actions: Record<string, DeclaredAction>, options: ActionWorldOptions = {}) {
  const clock = new ManualClock();
  const timers = new ManualActionTimers();
  const state = makeMemoryState(clock);
  const executions = new MemoryActionExecutions();
  const providerRequests: Request[] = [];
  const sent: { message: { executionId: string }; delaySeconds: number | undefined }[] = [];
  const webhooks: ActionExecution[] = [];
  const logs: { level: LogLevel; message: string }[] = [];
  const registry = new IntegrationRegistry([
    defineIntegration({
      providerConfigKey: PROVIDER,
      provider: { baseUrl: 'https://api.crm.example', auth: options.oauth ? { mode: 'OAUTH2', tokenUrl: 'https://auth.crm.example/token' } : { mode: 'NONE' } },
      ...(options.oauth ? { oauthClient: { clientId: 'c', clientSecret: 's' } } : {}),
      syncs: {},
      actions,
    }),
  ]);
  const queue = { send: vi.fn(async (message: { executionId: string }, delaySeconds?: number) => void sent.push({ message, delaySeconds })) };
  const deps: ActionRunnerDeps = {
    registry,
    clock,
    state,
    executions,
    queue,
    timers,
    logger: { log: (level, message) => void logs.push({ level, message }) },
    webhooks: { asyncActionFinished: vi.fn(async (execution: ActionExecution) => void webhooks.push(execution)) },
    http: {
      sleep: async () => undefined,
      fetch: async (input, init) => {
        const request = new Request(input, init);
        providerRequests.push(request);
        if (!options.provider) throw new Error('no provider in this test');
        return options.provider(request);
      },
    },
    ...(options.config ? { config: options.config } : {}),
  };
  let ids = 0;
  const service = new ActionService({
    registry,
    state,
    executions,
    queue,
    clock,
    invoker: { invoke: (invocation) => runInvokedAction(deps, invocation) },
    newId: () => `exec-${++ids}`,
  });
  const now = new Date(clock.now()).toISOString();
  await state.connections.put({
    providerConfigKey: PROVIDER,
    connectionId: CONNECTION,
    credentials: options.oauth ? { type: 'OAUTH2', accessToken: 'at-old', refreshToken: 'rt', expiresAt: new Date(clock.now() - 1_000).toISOString() } : { type: 'NONE' },
    metadata: { region: 'eu' },
    connectionConfig: {},
    createdAt: now,
    updatedAt: now,
  });

  const trigger = (actionName: string, input: unknown, extra: { async?: boolean; maxRetries?: number } = {}) =>
    service.trigger({ providerConfigKey: PROVIDER, connectionId: CONNECTION, actionName, input, async: extra.async ?? false, maxRetries: extra.maxRetries ?? 0 });

  /** Works the queue like the async worker until it is empty, each message with 60 s to run; the clock moves by each delay. */
  const work = async () => {
    const results: string[] = [];
    while (sent.length > 0) {
      const next = sent.shift()!;
      clock.advance((next.delaySeconds ?? 0) * 1000);
      results.push((await handleActionMessage(deps, next.message, clock.now() + 60_000, clock.now() + 60_000)).kind);
    }
    return results;
  };

  return { clock, timers, state, executions, deps, service, sent, webhooks, logs, providerRequests, trigger, work };
}
