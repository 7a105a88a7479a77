/**
 * `npm run dryrun -- <integration> <sync> <connection> [--variant v]`: runs one sync (one variant
 * of it) for one connection against the local data and prints what it would add, update and
 * delete — saving nothing.
 * Uses the DynamoDB Local of a running `npm start`, or starts one on the data dir.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { LocalKeyFileCipher } from '../adapters/crypto/local-cipher.js';
import { makeDynamoClients, pingDynamo } from '../adapters/dynamodb/client.js';
import { DynamoRecordStore } from '../adapters/dynamodb/record-store.js';
import { makeDynamoStateRepos } from '../adapters/dynamodb/state/index.js';
import { makeConsoleLogger } from '../adapters/logging/console-logger.js';
import { IntegrationRegistry } from '../engine/integration.js';
import { systemClock } from '../engine/ports.js';
import { runInvocation } from '../engine/runner/run-invocation.js';
import { isValidVariantName, MAX_VARIANT_LENGTH, syncRefText } from '../engine/state-ports.js';
import { connectionSyncKey } from '../engine/sync-keys.js';
import { integrations } from '../discovery/project-integrations.js';
import { DryRunRecordStore, DryRunState } from './dry-run-stores.js';
import { startDynamoDbLocal } from './dynamodb-local.js';
import { LOCAL_TABLES } from './runtime.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const USAGE = 'usage: npm run dryrun -- <integration> <sync> <connection> [--variant base] [--data-dir .syncline] [--show 5]';

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { 'data-dir': { type: 'string' }, show: { type: 'string', default: '5' }, variant: { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help || positionals.length !== 3) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  const [providerConfigKey, syncName, connectionId] = positionals as [string, string, string];
  const variant = values.variant;
  if (variant !== undefined && !isValidVariantName(variant)) {
    console.error(`variant "${variant}" must be 1–${MAX_VARIANT_LENGTH} letters, digits, "_" or "-"`);
    return 2;
  }
  const show = Math.max(0, Number(values.show) || 0);
  const dataDir = resolve(values['data-dir'] ?? process.env['SYNCLINE_DATA_DIR'] ?? '.syncline');
  const registry = new IntegrationRegistry(integrations);
  if (!registry.getSync(providerConfigKey, syncName)) {
    console.error(
      `unknown sync ${providerConfigKey}/${syncName}; known: ${registry
        .all()
        .flatMap((i) => [...i.syncs.keys()].map((s) => `${i.providerConfigKey}/${s}`))
        .join(', ')}`,
    );
    return 2;
  }

  const { endpoint, stop } = await connectToDynamo(dataDir);
  try {
    const dynamo = makeDynamoClients({ endpoint });
    const cipher = await LocalKeyFileCipher.open(join(dataDir, 'master.key'));
    const records = new DryRunRecordStore(new DynamoRecordStore({ doc: dynamo.doc, tableName: LOCAL_TABLES.records, clock: systemClock }));
    const state = new DryRunState(makeDynamoStateRepos({ doc: dynamo.doc, tableName: LOCAL_TABLES.state, cipher }));
    const outcome = await runInvocation(
      { registry, records, state, clock: systemClock, logger: makeConsoleLogger({ minLevel: 'warn' }), newId: () => `dryrun-${randomUUID().slice(0, 8)}` },
      { ...connectionSyncKey(providerConfigKey, connectionId, syncName, variant), trigger: 'MANUAL', owner: 'dryrun' },
    );
    if (outcome.kind !== 'FINISHED') {
      console.error(`not run: ${JSON.stringify(outcome)}`);
      return 1;
    }
    const { run } = outcome;
    const label = syncRefText(syncName, variant);
    console.log(`Dry run of ${providerConfigKey}/${label} for connection "${connectionId}": ${run.status} in ${(run.finishedAt ?? 0) - run.startedAt} ms (${run.type}); nothing was saved.`);
    for (const [model, changes] of records.changes) {
      const counts = run.results[model] ?? { added: 0, updated: 0, deleted: 0 };
      console.log(`\n${model}: would add ${counts.added}, update ${counts.updated}, delete ${counts.deleted}`);
      for (const action of ['ADDED', 'UPDATED', 'DELETED'] as const) {
        const ids = [...changes].filter(([, c]) => c.action === action).map(([id]) => id);
        if (ids.length > 0 && show > 0) console.log(`  ${action.toLowerCase()}: ${ids.slice(0, show).join(', ')}${ids.length > show ? `, … (${ids.length - show} more)` : ''}`);
      }
    }
    if (run.error) console.log(`\nerror: ${run.error.type}: ${run.error.message}`);
    const notes = state.logs.filter((l) => l.level !== 'debug' && l.level !== 'info');
    if (notes.length > 0) console.log(`\nlog:\n${notes.map((l) => `  ${l.level}: ${l.message}`).join('\n')}`);
    return run.status === 'SUCCESS' ? 0 : 1;
  } finally {
    await stop();
  }
}

/** The running `npm start`'s DynamoDB Local if there is one, else our own on the data dir. */
async function connectToDynamo(dataDir: string): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  try {
    const { dynamoEndpoint } = JSON.parse(await readFile(join(dataDir, 'runtime.json'), 'utf8')) as { dynamoEndpoint: string };
    const probe = makeDynamoClients({ endpoint: dynamoEndpoint });
    await pingDynamo(probe.client);
    probe.client.destroy();
    return { endpoint: dynamoEndpoint, stop: async () => undefined };
  } catch {
    const dynamo = await startDynamoDbLocal({ dataDir: join(dataDir, 'dynamodb') });
    return { endpoint: dynamo.endpoint, stop: () => dynamo.stop() };
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
