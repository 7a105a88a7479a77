/** The fan-out Lambda's logic: validate the schedule's input, fan out, log what happened. */
import * as z from 'zod';
import { fanOut, type FanOutDeps, type FanOutResult } from '../../engine/orchestration/fan-out.js';
import type { Logger } from '../../engine/ports.js';
import { syncRefText, VariantNameSchema } from '../../engine/state-ports.js';

export const FanOutEventSchema = z.object({
  integration: z.string().min(1),
  sync: z.string().min(1),
  connection: z.string().min(1).optional(),
  /** A per-connection schedule of a sync variant other than `base`. */
  variant: VariantNameSchema.optional(),
  scheduledAt: z.string().datetime({ offset: true }),
});

export function makeFanOutHandler(deps: FanOutDeps & { logger: Logger }) {
  return async (event: unknown): Promise<FanOutResult> => {
    const parsed = FanOutEventSchema.safeParse(event);
    if (!parsed.success) {
      // Thrown, so EventBridge Scheduler's retry policy and DLQ see it; a bad input is a deploy bug.
      throw new Error(`fan-out input is invalid: ${z.prettifyError(parsed.error)}`);
    }
    // One flush per invocation, also when the fan-out failed part-way (what it measured still counts).
    const result = await fanOut(deps, parsed.data).finally(() => deps.metrics?.flush());
    const { integration, sync, connection, variant, scheduledAt } = parsed.data;
    deps.logger.log(
      'info',
      `fan-out ${integration}/${syncRefText(sync, variant)}${connection ? `/${connection}` : ''} @ ${scheduledAt}: queued ${result.queued}, skipped ${JSON.stringify(result.skipped)}`,
    );
    return result;
  };
}
