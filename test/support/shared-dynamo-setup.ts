/**
 * globalSetup for the Vitest projects that need DynamoDB Local (integration, e2e).
 *
 * Vitest runs a project's globalSetup once per project, so `vitest run` with both projects would
 * start two JVMs. All global setups run in the main Vitest process, one after the other, before
 * any test: the first project starts DynamoDB Local through `global-setup.ts`, later projects get
 * the same endpoint, and the last teardown stops it. Tests still isolate by table name.
 */
import type { TestProject } from 'vitest/node';
import startDynamoDbLocal from './global-setup.js';

interface SharedDynamo {
  started: Promise<{ endpoint: string; stop: () => Promise<void> }>;
  users: number;
}

// Each project loads this module through its own module runner, so the state lives on globalThis.
const KEY = Symbol.for('syncline.test.sharedDynamoDbLocal');
const registry = globalThis as { [KEY]?: SharedDynamo };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const shared = (registry[KEY] ??= {
    started: startDynamoDbLocal(project).then((stop) => ({ endpoint: project.getProvidedContext().dynamoEndpoint, stop })),
    users: 0,
  });
  shared.users++;
  const { endpoint, stop } = await shared.started;
  project.provide('dynamoEndpoint', endpoint);
  return async () => {
    if (--shared.users > 0) return;
    delete registry[KEY];
    await stop();
  };
}
