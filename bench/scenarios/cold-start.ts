/**
 * 8. Cold starts of the executor and API bundles, as Lambda starts them: each bundle built with
 * the construct's options (`bundleLambda`), written with its source map to a scratch directory,
 * then loaded by a fresh `node` process with the function's environment variables — tables,
 * queues, Node's flags — pointed at the benchmark's DynamoDB Local and SQS emulator through the
 * AWS SDK's own `AWS_ENDPOINT_URL_<SERVICE>` variables (the Lambda entries read no endpoint of
 * their own). The process imports the bundle, handles one event and reports; the total runs from
 * `spawn` to that report, so it includes Node's start-up, which Lambda's runtime also pays.
 *
 * Events, each case in its own processes: the executor runs a real, tiny initial sync (10 demo
 * CRM contacts from a sandbox API, a fresh connection each time, so every repetition does the
 * same work: ~15 sequential DynamoDB calls) and a run message for a connection that does not
 * exist (the cold start with almost no work after it); the API answers `GET /health` (no AWS
 * call) and an authenticated `GET /records` (API key, connection-sync read, a page of 10 records).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { newRunId } from '../../functions/composition.js';
import type { RunMessage } from '../../functions/engine/ports.js';
import { LAMBDA_NODE_OPTIONS } from '../../infra/bundling-options.js';
import { API_KEY, TABLES, VISIBILITY_LAG_MS } from '../lib/common.js';
import { addConnection, type BenchEnv } from '../lib/env.js';
import { FULL } from '../lib/integrations.js';
import { runThroughExecutor } from '../lib/run-executor.js';
import { round } from '../lib/stats.js';
import { bundleLambda, withGeneratedModules } from './bundles.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CONTACTS = 10;
const CHILD_TIMEOUT_MS = 60_000;

export interface ColdStartLine {
  /** The Lambda entry, relative to the repository root. */
  entry: string;
  /** The one event each fresh process handles. */
  event: string;
  /** `NODE_OPTIONS` of the process, as the construct sets it. */
  nodeOptions: string;
  minifiedBytes: number;
  gzipBytes: number;
  /** Beside the bundle; read by Node only with `--enable-source-maps`. */
  sourceMapBytes: number;
  /** Fresh processes measured. */
  runs: number;
  /** `import()` of the bundle: parsing, compiling and running its top level (the composition root). */
  importMs: Stat;
  /** The handler's first invocation, from the call to its return. */
  firstEventMs: Stat;
  /** From `spawn` to the handler's return: Node's start-up + import + first event. */
  totalMs: Stat;
  /**
   * The process's CPU time (user + system, all threads) for the same phases; `total` counts from
   * the process's start. Steadier than wall-clock time on a machine shared with other work.
   */
  cpuMs: { import: Stat; firstEvent: Stat; total: Stat };
}

export interface Stat {
  median: number;
  min: number;
}

export interface ColdStartOptions {
  /** Fresh processes per case; 7 by default. */
  runs?: number;
  /** Overrides the construct's `NODE_OPTIONS` (e.g. `''` to see what source maps cost). */
  nodeOptions?: string;
  /** Extra flags for each fresh `node`, e.g. `['--cpu-prof', '--cpu-prof-dir=/tmp/cold']` to see where the time goes. */
  execArgv?: string[];
}

interface Case {
  entry: string;
  event: string;
  bundle: string;
  env: Record<string, string>;
  /** A fresh event per run, and the check that the handler did the work. */
  makeEvent(): Promise<{ event: unknown; check(response: unknown): Promise<void> }>;
}

interface ChildReport {
  importMs: number;
  eventMs: number;
  cpu: { importMs: number; eventMs: number; totalMs: number };
  response: unknown;
}

type Sample = Pick<ChildReport, 'importMs' | 'eventMs' | 'cpu'> & { totalMs: number };

export async function measureColdStarts(env: BenchEnv, options: ColdStartOptions = {}): Promise<ColdStartLine[]> {
  const runs = options.runs ?? 7;
  const nodeOptions = options.nodeOptions ?? LAMBDA_NODE_OPTIONS;
  const sandbox = await env.startDataset(CONTACTS, 200);
  const actionQueueUrl = await env.makeQueue('cold-start-actions');
  const deliveryQueueUrl = await env.makeQueue('cold-start-deliveries');

  // The records the API reads: one connection synced once, in process.
  const apiConnection = 'cold-start-api';
  await addConnection(env, FULL.providerConfigKey, apiConnection, sandbox);
  await runThroughExecutor(env.syncline.executorDeps, { providerConfigKey: FULL.providerConfigKey, connectionId: apiConnection, syncName: FULL.syncName });

  return withGeneratedModules(async (generated, dir) => {
    const driver = join(dir, 'cold-driver.mjs');
    await writeFile(driver, DRIVER);
    type Sizes = Pick<ColdStartLine, 'minifiedBytes' | 'gzipBytes' | 'sourceMapBytes'>;
    const sizes = new Map<string, Sizes>();
    const write = async (entry: string) => {
      const outDir = join(dir, entry.replace(/[^a-z0-9]+/gi, '-'));
      await mkdir(outDir, { recursive: true });
      const { code, sourceMap } = await bundleLambda(join(ROOT, entry), generated, outDir);
      await writeFile(code.path, code.contents);
      if (sourceMap) await writeFile(sourceMap.path, sourceMap.contents);
      sizes.set(entry, { minifiedBytes: code.contents.byteLength, gzipBytes: gzipSync(code.contents).byteLength, sourceMapBytes: sourceMap?.contents.byteLength ?? 0 });
      return code.path;
    };

    // What Lambda sets, and what the stack sets for each function (infra/constructs/*.ts).
    const lambdaEnv = {
      NODE_OPTIONS: nodeOptions,
      // Keeps a developer's ~/.aws out of the SDK's config chain, as in Lambda.
      HOME: dir,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: env.dynamoEndpoint,
      AWS_ENDPOINT_URL_SQS: env.sqsEndpoint,
      // Node 20 here; Lambda runs Node 22, where the SDK prints no such notice.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      RECORDS_TABLE: TABLES.records,
      STATE_TABLE: TABLES.state,
      RUN_QUEUE_URL: env.runQueueUrl,
      // Never called: the benchmark's connections hold plain credentials (read as such).
      KMS_KEY_ID: 'alias/cold-start-unused',
    };

    const executorEntry = 'functions/handlers/queue/executor.lambda.ts';
    const apiEntry = 'functions/handlers/http/api.lambda.ts';
    const executorBundle = await write(executorEntry);
    const apiBundle = await write(apiEntry);
    const apiEnv = {
      ...lambdaEnv,
      POWERTOOLS_SERVICE_NAME: 'syncline-api',
      ACTION_QUEUE_URL: actionQueueUrl,
      ACTIONS_FUNCTION_NAME: 'syncline-actions',
      DELIVERY_QUEUE_URL: deliveryQueueUrl,
      DELIVERY_DLQ_URL: `${deliveryQueueUrl}-dlq`,
      SCHEDULE_GROUP: 'syncline',
      FAN_OUT_ARN: 'arn:aws:lambda:us-east-1:000000000000:function:syncline-fan-out',
      SCHEDULER_ROLE_ARN: 'arn:aws:iam::000000000000:role/syncline-scheduler',
      VISIBILITY_LAG_MS: String(VISIBILITY_LAG_MS),
    };
    const executorEnv = { ...lambdaEnv, POWERTOOLS_SERVICE_NAME: 'syncline-executor' };
    const expectNoFailure = async (response: unknown) => {
      if ((response as { batchItemFailures: unknown[] }).batchItemFailures.length > 0) throw new Error('the executor reported the message as failed');
    };
    const expectStatus = (status: number, records?: number) => async (response: unknown) => {
      const { statusCode, body } = response as { statusCode: number; body: string };
      if (statusCode !== status) throw new Error(`API answered ${statusCode}: ${body.slice(0, 300)}`);
      const listed = records === undefined ? undefined : (JSON.parse(body) as { records: unknown[] }).records.length;
      if (listed !== records) throw new Error(`GET /records listed ${listed} records, not ${records}: ${body.slice(0, 200)}`);
    };

    const cases: Case[] = [
      {
        entry: executorEntry,
        event: `SQS, one run message: initial sync of ${CONTACTS} demo CRM contacts`,
        bundle: executorBundle,
        env: executorEnv,
        makeEvent: async () => {
          const key = { providerConfigKey: FULL.providerConfigKey, connectionId: `cold-start-${randomUUID()}`, syncName: FULL.syncName };
          await addConnection(env, key.providerConfigKey, key.connectionId, sandbox);
          const message: RunMessage = { ...key, runId: newRunId(env.syncline.clock), trigger: 'MANUAL' };
          return {
            event: sqsEvent(message),
            check: async (response) => {
              await expectNoFailure(response);
              const run = await env.syncline.state.runs.get(key, message.runId!);
              const added = run?.results[FULL.model]?.added;
              if (run?.status !== 'SUCCESS' || added !== CONTACTS) throw new Error(`run ended ${run?.status ?? 'missing'} with ${added} added: ${run?.error?.message ?? ''}`);
            },
          };
        },
      },
      {
        entry: executorEntry,
        event: 'SQS, one run message for a connection that does not exist',
        bundle: executorBundle,
        env: executorEnv,
        makeEvent: async () => {
          const key = { providerConfigKey: FULL.providerConfigKey, connectionId: `cold-start-missing-${randomUUID()}`, syncName: FULL.syncName };
          return { event: sqsEvent({ ...key, runId: newRunId(env.syncline.clock), trigger: 'MANUAL' }), check: expectNoFailure };
        },
      },
      {
        entry: apiEntry,
        event: 'HTTP API v2: GET /health',
        bundle: apiBundle,
        env: apiEnv,
        makeEvent: async () => ({ event: httpEvent('/health', '', {}), check: expectStatus(200) }),
      },
      {
        entry: apiEntry,
        event: `HTTP API v2: GET /records (API key, ${CONTACTS} records)`,
        bundle: apiBundle,
        env: apiEnv,
        makeEvent: async () => ({
          event: httpEvent('/records', `model=${FULL.model}&limit=100`, {
            authorization: `Bearer ${API_KEY}`,
            'provider-config-key': FULL.providerConfigKey,
            'connection-id': apiConnection,
          }),
          check: expectStatus(200, CONTACTS),
        }),
      },
    ];

    const samples = cases.map(() => [] as Sample[]);
    // Round-robin, so a burst of load on the machine spreads over every case.
    for (let run = 0; run < runs; run++) {
      for (const [index, c] of cases.entries()) {
        const { event, check } = await c.makeEvent();
        const { report, totalMs } = await runFresh([...(options.execArgv ?? []), driver], c.bundle, event, c.env);
        await check(report.response);
        samples[index]!.push({ importMs: report.importMs, eventMs: report.eventMs, cpu: report.cpu, totalMs });
      }
    }
    return cases.map((c, index) => {
      const s = samples[index]!;
      return {
        entry: c.entry,
        event: c.event,
        nodeOptions,
        ...sizes.get(c.entry)!,
        runs,
        importMs: stat(s.map((x) => x.importMs)),
        firstEventMs: stat(s.map((x) => x.eventMs)),
        totalMs: stat(s.map((x) => x.totalMs)),
        cpuMs: { import: stat(s.map((x) => x.cpu.importMs)), firstEvent: stat(s.map((x) => x.cpu.eventMs)), total: stat(s.map((x) => x.cpu.totalMs)) },
      };
    });
  });
}

/**
 * The fresh process: imports the bundle, calls its handler once with the event, prints the
 * timings. Timed inside from the first line of this script, and from `spawn` by the parent.
 */
const DRIVER = `import { pathToFileURL } from 'node:url';
const [bundle, eventJson] = process.argv.slice(2);
const event = JSON.parse(eventJson);
const deadline = Date.now() + 900000;
const context = { awsRequestId: 'cold-' + process.pid, functionName: 'cold-start', getRemainingTimeInMillis: () => deadline - Date.now() };
const ms = ({ user, system }) => (user + system) / 1000;
const cpuStarted = process.cpuUsage();
const started = performance.now();
const { handler } = await import(pathToFileURL(bundle).href);
const imported = performance.now();
const cpuImported = process.cpuUsage();
const response = await handler(event, context);
const handled = performance.now();
const cpuHandled = process.cpuUsage();
const cpu = { importMs: ms(cpuImported) - ms(cpuStarted), eventMs: ms(cpuHandled) - ms(cpuImported), totalMs: ms(cpuHandled) };
const report = { importMs: imported - started, eventMs: handled - imported, cpu, response };
process.stdout.write('\\n@@cold ' + JSON.stringify(report) + '\\n', () => process.exit(0));
`;

function runFresh(args: string[], bundle: string, event: unknown, env: Record<string, string>): Promise<{ report: ChildReport; totalMs: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...args, bundle, JSON.stringify(event)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let settled = false;
    const timer = setTimeout(() => finish(new Error(`cold start of ${bundle} took over ${CHILD_TIMEOUT_MS} ms`)), CHILD_TIMEOUT_MS);
    const finish = (error: Error | null, value?: { report: ChildReport; totalMs: number }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        child.kill();
        reject(error);
      } else resolve(value!);
    };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const line = /\n@@cold (.*)\n/.exec(stdout);
      // Timed at the report's arrival: the handler has returned; the process's exit is not Lambda's concern.
      if (line) finish(null, { report: JSON.parse(line[1]!) as ChildReport, totalMs: performance.now() - started });
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => void (stderr += chunk));
    child.on('error', (error) => finish(error));
    child.on('exit', (code) => finish(new Error(`cold start of ${bundle} exited ${code} without a report: ${stderr.slice(-2000)}${stdout.slice(-1000)}`)));
  });
}

function sqsEvent(message: RunMessage) {
  const messageId = randomUUID();
  return {
    Records: [
      {
        messageId,
        receiptHandle: messageId,
        body: JSON.stringify(message),
        attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()), SenderId: 'bench', ApproximateFirstReceiveTimestamp: String(Date.now()) },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:syncline-runs',
        awsRegion: 'us-east-1',
      },
    ],
  };
}

function httpEvent(path: string, rawQueryString: string, headers: Record<string, string>) {
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString,
    headers: { host: 'api.example.com', 'user-agent': 'syncline-bench', accept: 'application/json', ...headers },
    ...(rawQueryString ? { queryStringParameters: Object.fromEntries(new URLSearchParams(rawQueryString)) } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'bench',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'syncline-bench' },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    isBase64Encoded: false,
  };
}

function stat(values: number[]): Stat {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median: round(median, 1), min: round(sorted[0]!, 1) };
}
