/**
 * `npm start`: runs Syncline locally with the demo, prints where everything is, and stops
 * cleanly on Ctrl-C. Environment: PORT (HTTP API, default 3003), SYNCLINE_DATA_DIR (default
 * .syncline), SYNCLINE_DYNAMODB_PORT (default: a free port), SYNCLINE_PUBLIC_URL (where browsers
 * reach the API — the OAuth redirect URI is `<it>/oauth/callback`; default http://127.0.0.1:PORT).
 */
import { resolve } from 'node:path';
import { loadConsoleAssets } from 'syncline-console';
import * as z from 'zod';
import { makeConsoleLogger } from '../adapters/logging/console-logger.js';
import { integrations } from '../discovery/project-integrations.js';
import { describeSizes } from '../console/build.js';
import { RunnerEnv, runnerConfigFrom } from '../handlers/env.js';
import { startLocalRuntime } from './runtime.js';

const Env = RunnerEnv.extend({
  PORT: z.coerce.number().int().min(1).max(65_535).default(3003),
  SYNCLINE_DATA_DIR: z.string().min(1).default('.syncline'),
  SYNCLINE_DYNAMODB_PORT: z.coerce.number().int().min(0).max(65_535).default(0),
  SYNCLINE_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  SYNCLINE_SECRET_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  SYNCLINE_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Locally on by default, so a webhook receiver on 127.0.0.1 (and plain http) works. */
  SYNCLINE_WEBHOOK_ALLOW_PRIVATE: z.enum(['true', 'false']).default('true'),
});

// The AWS SDK warns that its 2027 releases need Node 22; the local runtime runs on 20 by design.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

async function main(): Promise<void> {
  const parsed = Env.safeParse(process.env);
  if (!parsed.success) {
    console.error(`Bad environment: ${z.prettifyError(parsed.error)}`);
    process.exit(2);
  }
  const env = parsed.data;
  const logger = makeConsoleLogger({ minLevel: env.SYNCLINE_LOG_LEVEL });
  const dataDir = resolve(env.SYNCLINE_DATA_DIR);
  console.log(`Starting Syncline locally (data in ${dataDir}) …`);
  // Built before anything starts rather than on the first visit: a broken console fails the
  // start loudly, with nothing left running. (esbuild, well under a second.)
  const consoleAssets = await loadConsoleAssets();

  const runtime = await startLocalRuntime({
    dataDir,
    integrations,
    logger,
    dynamoPort: env.SYNCLINE_DYNAMODB_PORT,
    apiPort: env.PORT,
    webhookAllowPrivate: env.SYNCLINE_WEBHOOK_ALLOW_PRIVATE === 'true',
    runner: runnerConfigFrom(env),
    // The EMF lines CloudWatch would turn into metrics, one batch per finished run or tick.
    emf: (line) => process.stdout.write(`${line}\n`),
    ...(env.SYNCLINE_SECRET_KEY ? { secretKey: env.SYNCLINE_SECRET_KEY } : {}),
    ...(env.SYNCLINE_PUBLIC_URL ? { publicUrl: env.SYNCLINE_PUBLIC_URL } : {}),
  });
  const api = runtime.api!;
  const auth = `-H "Authorization: Bearer ${api.secretKey}"`;
  const schedules = await runtime.scheduler.list();
  console.log(
    [
      '',
      'Syncline is running:',
      `  DynamoDB Local     ${runtime.dynamo.endpoint}  (tables ${runtime.tables.records}, ${runtime.tables.state}; data in ${dataDir}/dynamodb)`,
      `  SQS emulator       ${runtime.sqs.endpoint}  (queue syncline-runs, DLQ syncline-runs-dlq)`,
      `  Local scheduler    ${schedules.map((s) => `${s.name} ${s.rateExpression}${s.enabled ? '' : ' (disabled)'}`).join(', ')}`,
      runtime.sandbox ? `  Demo CRM sandbox   ${runtime.sandbox.url}  (contacts and notes change every 20 s; connection "demo")` : '',
      `  Web console        ${api.url}/  (sign in with the API key below; ${describeSizes(consoleAssets.sizes)})`,
      `  HTTP API           ${api.url}  (reference: ${api.url}/docs, OpenAPI: ${api.url}/openapi.json)`,
      `  OAuth redirect URI ${(env.SYNCLINE_PUBLIC_URL ?? api.url).replace(/\/+$/, '')}/oauth/callback  (register it with each provider's OAuth app)`,
      `  API key            ${api.secretKey}${api.secretKeyGenerated ? `  (generated and kept in ${dataDir}/secret-key; set SYNCLINE_SECRET_KEY to choose one)` : '  (from SYNCLINE_SECRET_KEY)'}`,
      '',
      'Look at the data:',
      `  curl ${auth} -H "Connection-Id: demo" -H "Provider-Config-Key: demo-crm" "${api.url}/records?model=Contact&limit=5"`,
      `  curl ${auth} -H "Connection-Id: demo" -H "Provider-Config-Key: demo-crm" "${api.url}/records?model=Contact&filter=deleted"`,
      `  curl ${auth} "${api.url}/sync/status?provider_config_key=demo-crm&syncs=*&connection_id=demo"`,
      `  curl ${auth} -X POST -H "Content-Type: application/json" -d '{"provider_config_key":"demo-crm","syncs":["contacts"],"connection_id":"demo"}' ${api.url}/sync/trigger`,
      '',
      'Run an action (add -H "X-Async: true" to queue it) and call the sandbox through the proxy:',
      `  curl ${auth} -H "Connection-Id: demo" -H "Provider-Config-Key: demo-crm" -H "Content-Type: application/json" -d '{"action_name":"create-contact","input":{"first_name":"Ada","last_name":"Lovelace","email":"ada@example.com"}}' ${api.url}/action/trigger`,
      `  curl ${auth} -H "Connection-Id: demo" -H "Provider-Config-Key: demo-crm" "${api.url}/proxy/crm/v3/objects/contacts?limit=2"`,
      '',
      `Webhooks: subscribe a receiver (private addresses ${env.SYNCLINE_WEBHOOK_ALLOW_PRIVATE === 'true' ? 'allowed' : 'refused'}; deliveries are logged below):`,
      `  curl ${auth} -X POST -H "Content-Type: application/json" -d '{"url":"http://127.0.0.1:4000/webhooks"}' ${api.url}/webhooks/subscriptions`,
      '',
      'Runs are logged below as they finish. Press Ctrl-C to stop; data is kept for the next start.',
      '',
    ]
      .filter((line) => line !== null)
      .join('\n'),
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping …`);
    await runtime.stop();
    console.log('Stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
