/**
 * Starts one in-memory DynamoDB Local for the whole test run and hands its endpoint to every
 * test file through `inject('dynamoEndpoint')`. Isolation comes from per-file table names
 * (see `useDynamo`), not from separate emulators: one JVM start costs a few seconds.
 */
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../functions/local/dynamodb-local.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}

// The main vitest process makes AWS SDK clients too (the readiness check): same switch as in vitest.config.ts.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const startedAt = Date.now();
  const dynamo = await startDynamoDbLocal({});
  console.log(`DynamoDB Local ready at ${dynamo.endpoint} in ${Date.now() - startedAt} ms`);
  project.provide('dynamoEndpoint', dynamo.endpoint);
  return () => dynamo.stop();
}
