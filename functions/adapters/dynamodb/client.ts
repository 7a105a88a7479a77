/**
 * Builds the DynamoDB clients once per cold start (or once per local process) so the
 * composition root can inject them into the adapters.
 *
 * Keep-alive: SDK v3's Node HTTP handler reuses connections by default, so the old v2
 * `AWS_NODEJS_CONNECTION_REUSE_ENABLED` switch is not needed.
 */
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface DynamoClientOptions {
  /** DynamoDB Local or another emulator; when set, dummy credentials and `us-east-1` are used. */
  endpoint?: string;
  /** Ignored when `endpoint` is set; otherwise falls back to the SDK's default region chain. */
  region?: string;
  /**
   * Total attempts per call, first try included. 3 (the SDK's standard mode) rides out
   * throttling and transient 5xx without stretching a Lambda invocation for long.
   */
  maxAttempts?: number;
  /** Per-attempt timeout in ms, enforced as an error; unset = the SDK default (none). */
  requestTimeoutMs?: number;
}

export interface DynamoClients {
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
}

/** Region DynamoDB Local is addressed with; it keeps one database per region unless `-sharedDb`. */
export const LOCAL_REGION = 'us-east-1';

// DynamoDB Local accepts any credentials; static ones stop the SDK from probing the
// default provider chain (env, ~/.aws, IMDS) on a developer machine or in CI.
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export function makeDynamoClients(options: DynamoClientOptions = {}): DynamoClients {
  const { endpoint, region, maxAttempts = 3, requestTimeoutMs } = options;
  const client = new DynamoDBClient({
    maxAttempts,
    ...(endpoint !== undefined ? { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS } : region !== undefined ? { region } : {}),
    ...(requestTimeoutMs !== undefined ? { requestHandler: { requestTimeout: requestTimeoutMs, throwOnRequestTimeout: true } } : {}),
  });
  const doc = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  return { client, doc };
}

/**
 * One cheap call; resolves when the endpoint answers like DynamoDB, rejects otherwise or
 * after `timeoutMs` (a listener that accepts but never answers must not hang the caller).
 */
export async function pingDynamo(client: DynamoDBClient, timeoutMs = 2_000): Promise<void> {
  await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(timeoutMs) });
}
