/**
 * A million records in one run: an initial sync of N contacts, then a full refresh with 1%
 * of them changed, each driven as Lambda + SQS drive it — one invocation per fresh process,
 * and while the run is still RUNNING, the continuation message it queued on the run queue is
 * received and becomes the next invocation. The same sequence at a smaller size shows whether
 * the executor's memory stays flat: peak RSS at the biggest size ≤ 1.3 × at the smallest.
 *
 * The sandbox generates its contacts from their id when it serves them (nothing of a million
 * is held in this process); changing 1% holds only the changed ones. (The record store reads a
 * partition in pages of 2,000 items: without a `Limit`, DynamoDB Local reads a partition in
 * O(n²) time and a refresh of a million took hours here — see `pages` in record-store.ts.)
 */
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { ConnectionSyncKey, RunMessage } from '../../functions/engine/ports.js';
import { RunMessageSchema } from '../../functions/handlers/queue/executor-handler.js';
import type { Sandbox } from '../../integrations/demo-crm/sandbox/server.js';
import { unitsFor, type CapacityTotals } from '../lib/capacity.js';
import { TABLES } from '../lib/common.js';
import { addConnection, type BenchEnv } from '../lib/env.js';
import type { ChildResult } from '../lib/executor-child.js';
import { runExecutorProcess } from '../lib/executor-process.js';
import { FULL } from '../lib/integrations.js';
import { LAMBDA_TIMEOUT_MS, newRunMessage } from '../lib/run-executor.js';
import { perSecond, round } from '../lib/stats.js';
import { recordsUnits } from './ingest.js';

/** Size of each contact's `about` text, so a contact's JSON is about 1 KB (as in bench/run.ts). */
const DEFAULT_ABOUT_BYTES = 820;
const DEFAULT_CHANGED_SHARE = 0.01;
/** Peak RSS at the biggest size may be at most this many times the smallest size's. */
export const MEMORY_RATIO_LIMIT = 1.3;
/** Above the engine's own `maxInvocations` (20): the engine ends a run first; this only stops a loop gone wrong. */
const MAX_INVOCATIONS = 25;
const CONTINUATION_WAIT_S = 5;

export interface MillionOptions {
  /** Dataset sizes, smallest first; the memory ratio compares the last to the first. E.g. `[100_000, 1_000_000]`. */
  sizes: number[];
  /** Remaining time each invocation starts with; default Lambda's 15 minutes. Shorter ones exercise continuations. */
  invocationMs?: number;
  /** Size of each contact's `about` text; default 820 (≈ 1 KB of JSON per contact). */
  aboutBytes?: number;
  /** Share of the contacts changed before the refresh; default 0.01. */
  changedShare?: number;
  /** Progress lines (the runs take minutes). */
  log?: (line: string) => void;
}

export interface RunCounts {
  added: number;
  updated: number;
  deleted: number;
}

/** One run (initial sync or refresh), over all its invocations. */
export interface MillionRun {
  records: number;
  /** Asserted equal to `expected`: the scenario throws otherwise. */
  counts: RunCounts;
  expected: RunCounts;
  /** From the first invocation's start to the last one's end: process start-ups, hand-overs and queue receives included. */
  wallMs: number;
  /** Dataset records per second of wall time. */
  recordsPerSecond: number;
  /** Time spent inside the executor handler, summed over the invocations. */
  handlerMs: number;
  invocations: number;
  /** Max over the invocations of each child's `maxRSS`. */
  peakRssBytes: number;
  /** Max over the invocations of the sampled heapUsed, and of heapUsed after major GCs. */
  peakHeapBytes: number;
  peakLiveHeapBytes: number;
  /** Records table (with its index) per dataset record, and per changed record when some changed. */
  perRecord: { wcu: number; rcu: number };
  perChangedRecord: { wcu: number; rcu: number } | null;
  recordsTable: { rcu: number; wcu: number; indexWcu: number };
  /** Whole run's units on the state table (leases, run record, logs). */
  stateTable: { rcu: number; wcu: number };
  /** DynamoDB calls by operation, over all the invocations. */
  calls: Record<string, number>;
  perInvocation: { ms: number; status: string; maxRssBytes: number }[];
}

export interface MillionPoint {
  records: number;
  connectionId: string;
  initial: MillionRun;
  refresh: MillionRun;
  /** Max of the two runs' peaks. */
  peakRssBytes: number;
}

export interface MillionResult {
  invocationMs: number;
  changedShare: number;
  aboutBytes: number;
  points: MillionPoint[];
  memory: {
    smallRecords: number;
    bigRecords: number;
    smallPeakRssBytes: number;
    bigPeakRssBytes: number;
    /** big / small peak RSS. */
    ratio: number;
    limit: number;
    met: boolean;
  };
  durationMs: number;
}

export async function measureMillion(env: BenchEnv, opts: MillionOptions): Promise<MillionResult> {
  if (opts.sizes.length === 0) throw new Error('measureMillion needs at least one size');
  const invocationMs = opts.invocationMs ?? LAMBDA_TIMEOUT_MS;
  const aboutBytes = opts.aboutBytes ?? DEFAULT_ABOUT_BYTES;
  const changedShare = opts.changedShare ?? DEFAULT_CHANGED_SHARE;
  const log = opts.log ?? (() => undefined);
  const started = performance.now();
  const points: MillionPoint[] = [];
  for (const records of opts.sizes) {
    const connectionId = `million-${records}`;
    const key: ConnectionSyncKey = { providerConfigKey: FULL.providerConfigKey, syncName: FULL.syncName, connectionId };
    const sandbox = await env.startDataset(records, aboutBytes, { onDemand: true });
    await addConnection(env, FULL.providerConfigKey, connectionId, sandbox);
    // A queue of its own: the continuations received here are this scenario's and no one else's.
    const queueUrl = await env.makeQueue(`bench-${connectionId}-runs`);

    log(`million: initial sync of ${records.toLocaleString('en-US')} records`);
    const initial = await driveRun(env, { key, queueUrl, invocationMs, records, expected: { added: records, updated: 0, deleted: 0 }, log });
    log(`  ${describe(initial)}`);
    const changed = changeContacts(sandbox, changedShare);
    log(`million: full refresh of ${records.toLocaleString('en-US')} records, ${changed.toLocaleString('en-US')} changed`);
    const refresh = await driveRun(env, { key, queueUrl, invocationMs, records, expected: { added: 0, updated: changed, deleted: 0 }, log });
    log(`  ${describe(refresh)}`);
    points.push({ records, connectionId, initial, refresh, peakRssBytes: Math.max(initial.peakRssBytes, refresh.peakRssBytes) });
    await sandbox.stop();
  }
  const small = points[0]!;
  const big = points[points.length - 1]!;
  const memoryRatio = round(big.peakRssBytes / small.peakRssBytes, 3);
  return {
    invocationMs,
    changedShare,
    aboutBytes,
    points,
    memory: {
      smallRecords: small.records,
      bigRecords: big.records,
      smallPeakRssBytes: small.peakRssBytes,
      bigPeakRssBytes: big.peakRssBytes,
      ratio: memoryRatio,
      limit: MEMORY_RATIO_LIMIT,
      met: memoryRatio <= MEMORY_RATIO_LIMIT,
    },
    durationMs: Math.round(performance.now() - started),
  };
}

interface DriveArgs {
  key: ConnectionSyncKey;
  queueUrl: string;
  invocationMs: number;
  records: number;
  expected: RunCounts;
  log: (line: string) => void;
}

/** One run, invocation after invocation, until it is no longer RUNNING; its counts must be `expected`. */
async function driveRun(env: BenchEnv, { key, queueUrl, invocationMs, records, expected, log }: DriveArgs): Promise<MillionRun> {
  let message: RunMessage = newRunMessage(env.syncline.executorDeps, key);
  const children: ChildResult[] = [];
  const started = performance.now();
  for (;;) {
    const child = await runExecutorProcess({
      dynamoEndpoint: env.dynamoEndpoint,
      sqsEndpoint: env.sqsEndpoint,
      runQueueUrl: queueUrl,
      ...key,
      message,
      invocationMs,
    });
    children.push(child);
    log(`    invocation ${children.length}: ${child.status} after ${Math.round(child.ms / 1000)} s, max RSS ${Math.round(child.peak.maxRssBytes / 1e6)} MB`);
    if (child.status !== 'RUNNING') break;
    if (children.length >= MAX_INVOCATIONS) throw new Error(`run ${message.runId} still RUNNING after ${children.length} invocations`);
    message = await receiveContinuation(env, queueUrl, message.runId!);
  }
  const wallMs = performance.now() - started;
  const last = children[children.length - 1]!;
  if (last.status !== 'SUCCESS')
    throw new Error(`run ${message.runId} of ${records} records ended ${last.status} after ${children.length} invocations${last.warnings.length ? `: ${last.warnings.join('; ')}` : ''}`);
  const counts = last.results[FULL.model] ?? { added: 0, updated: 0, deleted: 0 };
  const got = { added: counts.added, updated: counts.updated, deleted: counts.deleted };
  if (got.added !== expected.added || got.updated !== expected.updated || got.deleted !== expected.deleted) {
    throw new Error(`run ${message.runId} of ${records} records counted ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`);
  }

  const capacity = sumCapacity(children.map((c) => c.capacity));
  const recordsTable = recordsUnits(capacity);
  const changed = expected.added + expected.updated + expected.deleted;
  const per = (n: number) => ({ wcu: round(recordsTable.wcu / n, 3), rcu: round(recordsTable.rcu / n, 3) });
  return {
    records,
    counts: got,
    expected,
    wallMs: Math.round(wallMs),
    recordsPerSecond: perSecond(records, wallMs),
    handlerMs: Math.round(children.reduce((s, c) => s + c.ms, 0)),
    invocations: children.length,
    peakRssBytes: Math.max(...children.map((c) => c.peak.maxRssBytes)),
    peakHeapBytes: Math.max(...children.map((c) => c.peak.heapUsedBytes)),
    peakLiveHeapBytes: Math.max(...children.map((c) => c.peak.liveHeapAfterMajorGcBytes)),
    perRecord: per(records),
    perChangedRecord: changed > 0 && changed !== records ? per(changed) : null,
    recordsTable,
    stateTable: { rcu: unitsFor(capacity.read, TABLES.state), wcu: unitsFor(capacity.write, TABLES.state) },
    calls: capacity.calls,
    perInvocation: children.map((c) => ({ ms: Math.round(c.ms), status: c.status, maxRssBytes: c.peak.maxRssBytes })),
  };
}

/** What SQS would deliver to the next invocation: the continuation the last one queued for `runId`. */
async function receiveContinuation(env: BenchEnv, queueUrl: string, runId: string): Promise<RunMessage> {
  const { Messages } = await env.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: CONTINUATION_WAIT_S }));
  const received = Messages?.[0];
  if (!received?.Body || !received.ReceiptHandle) throw new Error(`run ${runId} is RUNNING but no continuation was queued within ${CONTINUATION_WAIT_S} s`);
  const parsed = RunMessageSchema.parse(JSON.parse(received.Body));
  if (parsed.runId !== runId || parsed.trigger !== 'CONTINUATION') throw new Error(`expected the continuation of run ${runId}, received ${received.Body}`);
  await env.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: received.ReceiptHandle }));
  return parsed;
}

/**
 * Changes every (1/share)-th contact the way a CRM user would. Each changed contact is set back
 * as a new object: the sandbox generates the others on demand and holds only these.
 */
function changeContacts(sandbox: Sandbox, share: number): number {
  const step = Math.round(1 / share);
  const at = new Date().toISOString();
  const contacts = sandbox.dataset.contacts;
  let changed = 0;
  for (let id = step; id <= contacts.size; id += step) {
    const contact = contacts.get(id);
    if (!contact) continue;
    const lifecyclestage = contact.properties.lifecyclestage === 'customer' ? 'lead' : 'customer';
    contacts.set(id, { ...contact, properties: { ...contact.properties, lifecyclestage, phone: `+351 21 ${900_000 + (id % 100_000)}` }, updatedAt: at });
    changed++;
  }
  return changed;
}

function sumCapacity(all: CapacityTotals[]): CapacityTotals {
  const total: CapacityTotals = { read: {}, write: {}, calls: {} };
  for (const c of all) {
    for (const bucket of ['read', 'write', 'calls'] as const) {
      for (const [k, v] of Object.entries(c[bucket])) total[bucket][k] = round((total[bucket][k] ?? 0) + v, 3);
    }
  }
  return total;
}

function describe(run: MillionRun): string {
  const mb = (b: number) => `${Math.round(b / 1e6)} MB`;
  const counts = `+${run.counts.added} ~${run.counts.updated} -${run.counts.deleted}`;
  return `${counts} in ${Math.round(run.wallMs / 1000)} s (${run.recordsPerSecond} records/s), ${run.invocations} invocation(s), peak RSS ${mb(run.peakRssBytes)}, ${run.perRecord.wcu} WCU + ${run.perRecord.rcu} RCU per record`;
}
