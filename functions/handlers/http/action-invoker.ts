/**
 * The API's invoker of the actions function, in its own module: only the API bundle imports it,
 * so the executor, fan-out and the others do not carry (or load) the Lambda client.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { LambdaActionInvoker } from '../../adapters/lambda/lambda-action-invoker.js';

/**
 * The synchronous actions' invoker. One attempt only: the SDK would otherwise retry an invocation
 * that failed in transit — possibly after the function had started running the action — and
 * the execution would run twice (the function refuses a second claim, but the caller would
 * see that refusal instead of the first run's outcome).
 */
export function makeLambdaActionInvoker(functionName: string): LambdaActionInvoker {
  return new LambdaActionInvoker({ lambda: new LambdaClient({ maxAttempts: 1 }), functionName });
}
