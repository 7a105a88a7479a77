/**
 * Reads a Secrets Manager secret through the AWS Parameters and Secrets Lambda Extension (a
 * layer serving a local HTTP endpoint on port 2773), so the function needs no Secrets Manager
 * SDK client in its bundle. The extension authenticates the call with the function's session
 * token and caches the value.
 */
import * as z from 'zod';

const SecretValue = z.object({ SecretString: z.string().min(1) });

export interface SecretsExtensionOptions {
  /** @default process.env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? 2773 */
  port?: number;
  /** The function's session token (`AWS_SESSION_TOKEN`). */
  sessionToken: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export async function readSecretString(secretId: string, options: SecretsExtensionOptions): Promise<string> {
  const port = options.port ?? 2773;
  const url = `http://localhost:${port}/secretsmanager/get?secretId=${encodeURIComponent(secretId)}`;
  const response = await (options.fetch ?? fetch)(url, {
    headers: { 'X-Aws-Parameters-Secrets-Token': options.sessionToken },
    signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
  });
  // The body of a failed call may echo request details; only the status is reported.
  if (!response.ok) throw new Error(`reading secret ${secretId} through the Lambda extension failed with HTTP ${response.status}`);
  return SecretValue.parse(await response.json()).SecretString;
}
