/**
 * The HTTP API on 127.0.0.1 for a test, wired as the composition root wires it but with the
 * in-memory run queue and scheduler: real DynamoDB adapters on fresh tables in DynamoDB Local,
 * the demo CRM integration and its sandbox API, a clock the test moves, and an executor the
 * test drains by hand. Every log line is captured, to check no secret reaches the logs.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalKeyFileCipher } from '../../functions/adapters/crypto/local-cipher.js';
import { DynamoApiKeyStore } from '../../functions/adapters/dynamodb/api-key-store.js';
import { DynamoRecordStore } from '../../functions/adapters/dynamodb/record-store.js';
import { makeDynamoStateRepos } from '../../functions/adapters/dynamodb/state/index.js';
import { createApiApp } from '../../functions/api/app.js';
import type { ApiSyncline } from '../../functions/api/deps.js';
import type { OAuthOutcomePublisher } from '../../functions/engine/connect/oauth-outcome.js';
import { ConnectionService } from '../../functions/engine/connection-service.js';
import { SyncControls } from '../../functions/engine/controls.js';
import { type IntegrationDeclaration, IntegrationRegistry } from '../../functions/engine/integration.js';
import { handleRunMessage } from '../../functions/engine/orchestration/handle-run-message.js';
import type { Logger, LogLevel } from '../../functions/engine/ports.js';
import { startApiServer } from '../../functions/local/api-server.js';
import demoCrm from '../../integrations/demo-crm/index.js';
import { startSandbox } from '../../integrations/demo-crm/sandbox/server.js';
import { useDynamo } from './dynamo.js';
import { TestClock } from './engine-kit.js';
import { MemoryRunQueue } from './memory-queue.js';
import { MemoryScheduler } from './memory-scheduler.js';

export const API_KEY = 'sk_test_0123456789abcdef0123456789';
export const SANDBOX_KEY = 'sandbox-secret-key-4242';
/** Twice the record store's default maximum write skew (1 s), as in production. */
export const VISIBILITY_LAG_MS = 2_000;

export interface ApiAnswer<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface CallOptions {
  query?: Record<string, string | number | string[]>;
  headers?: Record<string, string>;
  body?: unknown;
  /** Sent as is, instead of JSON of `body`. */
  rawBody?: string;
  /** `null` sends no Authorization header. */
  key?: string | null;
}

export async function startApiKit(
  options: {
    maxBodyBytes?: number;
    initialContacts?: number;
    integrations?: IntegrationDeclaration[];
    /** Authorization and token URLs rendered from a connection's config may be http://127.0.0.1 (fake providers). */
    allowLoopbackTokenUrl?: boolean;
    /** Where OAuth outcomes go for Nango's frontend SDK (the local runtime's WebSocket). */
    oauthPublisher?: OAuthOutcomePublisher;
  } = {},
) {
  const { doc, freshTables } = useDynamo();
  const tables = await freshTables();
  const clock = new TestClock();
  const logs: { level: LogLevel; message: string; fields?: Record<string, unknown> }[] = [];
  const logger: Logger = { log: (level, message, fields) => void logs.push({ level, message, ...(fields ? { fields } : {}) }) };
  const registry = new IntegrationRegistry([demoCrm, ...(options.integrations ?? [])]);
  const records = new DynamoRecordStore({ doc, tableName: tables.records, clock });
  const cipher = await LocalKeyFileCipher.open(join(await mkdtemp(join(tmpdir(), 'syncline-kit-')), 'master.key'));
  const state = makeDynamoStateRepos({ doc, tableName: tables.state, now: () => clock.now(), cipher });
  const queue = new MemoryRunQueue();
  const scheduler = new MemoryScheduler();
  const newId = () => `run-${randomUUID()}`;
  const syncline: ApiSyncline = {
    registry,
    records,
    state,
    connections: new ConnectionService({ registry, state, records, queue, scheduler, clock, newId }),
    controls: () => new SyncControls({ registry, state, records, queue, scheduler, clock, newId }),
  };
  const apiKeys = new DynamoApiKeyStore({ doc, tableName: tables.state, now: () => clock.now() });
  await apiKeys.importKey('test', API_KEY);

  const sandbox = await startSandbox({ apiKey: SANDBOX_KEY, now: () => clock.now(), initialContacts: options.initialContacts ?? 250 });
  // Built once the server listens: its address is the public URL (connect links, the OAuth redirect URI).
  const server = await startApiServer({
    app: (url) =>
      createApiApp({
        syncline,
        apiKeys,
        clock,
        visibilityLagMs: VISIBILITY_LAG_MS,
        logger,
        publicUrl: url,
        ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}),
        ...(options.allowLoopbackTokenUrl ? { allowLoopbackTokenUrl: true } : {}),
        ...(options.oauthPublisher ? { oauthPublisher: options.oauthPublisher } : {}),
      }),
    port: 0,
  });

  /** Runs every queued execution like the executor would, until the queue is empty. */
  const drain = async () => {
    const deps = { registry, records, state, queue, clock, logger, newId };
    for (let messages = queue.take(); messages.length > 0; messages = queue.take()) {
      for (const message of messages) await handleRunMessage(deps, message, { owner: `test-${randomUUID()}`, deadline: null });
    }
  };

  const call = async <T = any>(method: string, path: string, opts: CallOptions = {}): Promise<ApiAnswer<T>> => {
    const url = new URL(path, server.url);
    for (const [name, value] of Object.entries(opts.query ?? {})) {
      for (const v of [value].flat()) url.searchParams.append(name, String(v));
    }
    const headers: Record<string, string> = { ...opts.headers };
    const key = opts.key === undefined ? API_KEY : opts.key;
    if (key !== null) headers['Authorization'] = `Bearer ${key}`;
    let body: string | undefined = opts.rawBody;
    if (body === undefined && opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['Content-Type'] ??= 'application/json';
    }
    const response = await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON (the docs page)
    }
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  };

  const stop = async () => {
    await server.stop();
    await sandbox.stop();
  };

  return { doc, tables, clock, logs, registry, records, state, queue, scheduler, syncline, apiKeys, sandbox, server, drain, call, stop };
}

export type ApiKit = Awaited<ReturnType<typeof startApiKit>>;
