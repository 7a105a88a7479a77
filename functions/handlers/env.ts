/** Environment of the Lambda functions, validated once per cold start; each function picks its part. */
import { z } from 'zod';

export const TablesEnv = z.object({
  RECORDS_TABLE: z.string().min(1),
  STATE_TABLE: z.string().min(1),
});

export const QueueEnv = z.object({
  RUN_QUEUE_URL: z.string().url(),
});

export function readEnv<T extends z.ZodObject>(schema: T, env: NodeJS.ProcessEnv = process.env): z.infer<T> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`environment is incomplete: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

export const KeyEnv = z.object({
  /** The KMS key that wraps the data keys of encrypted credentials. */
  KMS_KEY_ID: z.string().min(1),
});
