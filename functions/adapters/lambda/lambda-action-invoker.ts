/**
 * Runs a synchronous action in the actions Lambda (the `ActionInvoker` port): one
 * RequestResponse invocation with `{executionId, deadline}`, answered with the `ActionOutcome`.
 *
 * A script's failure is a value in the answer (`status: 'ERROR'`); a `FunctionError` means the
 * function itself failed (crash, timeout, out of memory, a thrown infrastructure error), which
 * is Syncline's problem, not the script's: it becomes an `InfrastructureError`.
 */
import { InvokeCommand, type InvokeCommandOutput, type LambdaClient } from '@aws-sdk/client-lambda';
import * as z from 'zod';
import type { ActionInvocation, ActionInvoker, ActionOutcome } from '../../engine/actions/ports.js';
import { asInfrastructureError, InfrastructureError } from '../../engine/errors.js';

export interface LambdaActionInvokerOptions {
  lambda: LambdaClient;
  /** The actions function's name or ARN. */
  functionName: string;
}

const ActionFailureSchema = z.object({
  type: z.string(),
  status: z.number().int(),
  message: z.string(),
  payload: z.record(z.string(), z.unknown()),
  upstream: z.object({ status: z.number().int(), headers: z.record(z.string(), z.string()), body: z.unknown() }).optional(),
});

/** What the actions function answers a direct invocation with (see `handlers/queue/actions-handler.ts`). */
export const ActionOutcomeSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('SUCCESS'), output: z.unknown() }),
  z.object({ status: z.literal('ERROR'), error: ActionFailureSchema }),
]);

export class LambdaActionInvoker implements ActionInvoker {
  constructor(readonly options: LambdaActionInvokerOptions) {}

  async invoke(invocation: ActionInvocation): Promise<ActionOutcome> {
    const payload: ActionInvocation = { executionId: invocation.executionId, deadline: invocation.deadline };
    let response: InvokeCommandOutput;
    try {
      response = await this.options.lambda.send(
        new InvokeCommand({ FunctionName: this.options.functionName, InvocationType: 'RequestResponse', Payload: new TextEncoder().encode(JSON.stringify(payload)) }),
      );
    } catch (error) {
      throw asInfrastructureError(error, `invoking the actions function for execution ${invocation.executionId}`);
    }
    const text = response.Payload ? new TextDecoder().decode(response.Payload) : '';
    if (response.FunctionError) {
      throw new InfrastructureError(`the actions function failed running execution ${invocation.executionId} (${response.FunctionError}): ${describeFunctionError(text)}`);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new InfrastructureError(`the actions function answered execution ${invocation.executionId} with something that is not JSON`);
    }
    const parsed = ActionOutcomeSchema.safeParse(body);
    if (!parsed.success) throw new InfrastructureError(`the actions function's answer for execution ${invocation.executionId} is not an outcome: ${z.prettifyError(parsed.error)}`);
    return parsed.data as ActionOutcome;
  }
}

/** Lambda's error payload is `{errorType, errorMessage, trace}`; only the first two are worth a log line. */
function describeFunctionError(text: string): string {
  try {
    const { errorType, errorMessage } = JSON.parse(text) as { errorType?: unknown; errorMessage?: unknown };
    return `${String(errorType ?? 'Error')}: ${String(errorMessage ?? '')}`;
  } catch {
    return text.slice(0, 500);
  }
}
