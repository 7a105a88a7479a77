/**
 * The ports the engine talks through. Adapters (DynamoDB, SQS, Scheduler, HTTP) implement
 * them; the engine never imports an AWS SDK.
 */
import type { ApiKeyScope } from './api-key-scopes.js';
import type { ChangeCounts, RunTrigger } from './model/run.js';
import type { ConnectionSyncKey } from './state-ports.js';

export type { ChangeCounts, RunError, RunRecord, RunStatus, RunSummary, RunTrigger, RunType } from './model/run.js';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
  /**
   * A logger whose every line carries `keys` as well (Powertools' persistent keys: `integration`,
   * `connection`, `sync`, `runId`), so the message need not repeat them. Absent on loggers that
   * have no structured keys; callers then keep this one.
   */
  withKeys?(keys: Record<string, string>): Logger;
}

/** `logger.withKeys(keys)`, or for a logger without keys, one that adds them to every line's fields. */
export function loggerWithKeys(logger: Logger, keys: Record<string, string>): Logger {
  if (logger.withKeys) return logger.withKeys(keys);
  return { log: (level, message, fields) => logger.log(level, message, { ...keys, ...fields }) };
}

/** One model of one connection: the unit records are stored, listed and counted by. */
export interface RecordPartition {
  providerConfigKey: string;
  connectionId: string;
  model: string;
  /** The sync variant whose records these are; absent (or `base`) for the base variant. */
  variant?: string;
}

export type RecordAction = 'ADDED' | 'UPDATED' | 'DELETED';

export interface StoredRecord {
  id: string;
  /** Parsed on first access from `payloadJson`. */
  readonly payload: Record<string, unknown>;
  /** The payload as stored JSON text: a reader that only passes it on need not parse it. */
  readonly payloadJson: string;
  firstSeenAt: number;
  lastModifiedAt: number;
  lastAction: RecordAction;
  deletedAt: number | null;
  /**
   * When `PATCH /records/prune` emptied the payload (it is then `{id}`), or null. Pruning keeps
   * the record's place in modification order; the next save of it puts the payload back.
   */
  prunedAt: number | null;
  /** Content hash of the payload as last saved, kept through pruning; absent where a store keeps none. */
  hash?: string;
  version: number;
  /** Position in modification order; opaque to callers. */
  cursor: string;
}

/** A validated record ready to store: id already a string, hash over its canonical JSON. */
export interface RecordInput {
  id: string;
  payload: Record<string, unknown>;
  hash: string;
}

/** Which run writes, so counts can be derived from the records themselves. */
export interface WriteContext {
  runId: string;
  runStartedAt: number;
}

/**
 * How a run's saves treat a stored record that someone else changed while the run was going
 * (Nango's `setMergingStrategy`): `override` writes over it; `ignore_if_modified_after` leaves
 * it as it is when it was last modified at or after the run started by a writer other than
 * the run itself (an API write, another sync sharing the model).
 */
export type MergingStrategy = 'override' | 'ignore_if_modified_after';

export interface SaveOptions {
  /** `override` unless given; see `MergingStrategy`. The run and its start come from the `WriteContext`. */
  merging?: MergingStrategy;
}

/** SKIPPED: left as stored by `ignore_if_modified_after` (never an error). */
export type SaveOutcome = { id: string; result: 'ADDED' | 'UPDATED' | 'UNCHANGED' | 'SKIPPED' } | { id: string; result: 'REJECTED'; reason: string };

export type DeleteOutcome = { id: string; result: 'DELETED' | 'UNCHANGED' };

export type RecordFilter = 'added' | 'updated' | 'deleted';

export interface ListQuery {
  limit: number;
  cursor?: string;
  /** Inclusive lower bound on last modification, ms since epoch. */
  modifiedAfter?: number;
  filter?: RecordFilter[];
  ids?: string[];
  /**
   * Exclusive upper bound on modification time: a reader lists only records older than the
   * writers' maximum skew, so a write stamped earlier but landing later is never skipped.
   */
  visibleBefore?: number;
}

export interface RecordPage {
  records: StoredRecord[];
  nextCursor: string | null;
}

export interface PruneQuery {
  /** A record's cursor (`_nango_metadata.cursor`, or a `next_cursor`): records up to and including it are pruned. */
  untilCursor: string;
  /** At most this many records are pruned by one call. */
  limit: number;
}

export interface PruneResult {
  /** Records whose payload this call emptied. */
  count: number;
  /** Unpruned records remain at or before the cursor: call again. */
  hasMore: boolean;
}

/**
 * Writes one run makes to one partition. The store decides how to avoid per-record reads; the
 * runner only saves, deletes and asks how much of the partition a full pass left unseen.
 */
export interface PartitionWriter {
  readonly partition: RecordPartition;
  /** Upserts a batch (ids unique within it); outcomes and options as `RecordStore.saveBatch`. */
  save(records: RecordInput[], options?: SaveOptions): Promise<SaveOutcome[]>;
  /** Soft-deletes live records; ids that are unknown or already deleted are UNCHANGED. */
  delete(ids: string[]): Promise<DeleteOutcome[]>;
  /**
   * The partition's live records when the writer was opened, and how many of them `isSeen`
   * (given each id's `idFingerprint`) does not contain. Records added since were seen anyway.
   */
  countUnseen(isSeen: (idFingerprint: number) => boolean): Promise<{ live: number; unseen: number }>;
}

export interface OpenWriterOptions {
  /**
   * Read the partition once up front (full refreshes, initial runs): unchanged records then
   * cost no read each, new ones skip the read, and `countUnseen` needs no second scan. Not for
   * incremental runs, which touch a small part of a large partition.
   */
  snapshot: boolean;
  /**
   * With a snapshot, records it shows absent may be written with BatchWriteItem, which cannot
   * be conditional, instead of one conditional put each. The fence makes that safe: the
   * writer confirms the run still holds its lease before each batch of such writes, and falls
   * back to conditional puts when it cannot send them right after a confirmation. Without a
   * fence every write stays conditional.
   */
  fence?: WriteFence;
}

/** Proof that the run still owns its partitions (its lease): `confirm` throws `LeaseLostError` when it does not. */
export interface WriteFence {
  confirm(): Promise<void>;
}

/**
 * The records cache. Writes are conditional: an unchanged record writes nothing, a changed
 * one bumps its version, and a concurrent writer cannot overwrite a newer version.
 */
export interface RecordStore {
  /**
   * Upserts a batch (ids unique within it). A deleted record saved again counts as ADDED. With
   * `merging: 'ignore_if_modified_after'` the decision to skip is made against the version the
   * write is conditioned on, so a concurrent change cannot slip in between check and write.
   */
  saveBatch(partition: RecordPartition, records: RecordInput[], ctx: WriteContext, options?: SaveOptions): Promise<SaveOutcome[]>;
  /** A writer for one run on one partition; it owns whatever it read up front. */
  openWriter(partition: RecordPartition, ctx: WriteContext, options: OpenWriterOptions): Promise<PartitionWriter>;
  /** Soft-deletes live records; ids that are unknown or already deleted are UNCHANGED. */
  deleteBatch(partition: RecordPartition, ids: string[], ctx: WriteContext): Promise<DeleteOutcome[]>;
  getByIds(partition: RecordPartition, ids: string[]): Promise<Map<string, StoredRecord>>;
  /** One page in ascending modification order; never skips a record written concurrently. */
  list(partition: RecordPartition, query: ListQuery): Promise<RecordPage>;
  /** Ids of live (not deleted) records, page by page, for deletion detection. */
  liveIds(partition: RecordPartition): AsyncIterable<string[]>;
  /** Exact changes a run made to a partition, read back from the records it wrote. */
  countRunChanges(partition: RecordPartition, ctx: WriteContext): Promise<ChangeCounts>;
  /** Removes every record of the partition (emptyCache); returns how many. */
  deleteAll(partition: RecordPartition): Promise<number>;
  /**
   * Empties the payload of the partition's oldest unpruned records up to and including
   * `untilCursor`, in the order `list` pages them (deleted ones too), at most `limit` of them:
   * each keeps its id, metadata, content hash and cursor (pruning is not a modification) and
   * gains `prunedAt`. Each write is conditioned on the version read, so a record a sync changes
   * meanwhile keeps the sync's version. A later save of a pruned record puts its payload back;
   * with unchanged content that is UNCHANGED and leaves its cursor where it was (as on Nango).
   * A cursor this store never issued throws `InvalidCursorError`.
   */
  prune(partition: RecordPartition, query: PruneQuery): Promise<PruneResult>;
}

export type * from './state-ports.js';

/** One execution to run (or continue): the body of an SQS message to the executor. */
export interface RunMessage extends ConnectionSyncKey {
  runId: string;
  trigger: RunTrigger;
  /** The scheduled time that produced a SCHEDULE run (ISO), for logs. */
  scheduledAt?: string;
  /** Lets this run's deletion detection through the mass-deletion guard, once (an operator's decision). */
  acceptMassDeletion?: boolean;
}

/** The executor's work queue (SQS). */
export interface RunQueue {
  /** Queues messages (SendMessageBatch, 10 per call, failed entries retried); throws if some could not be sent. */
  send(messages: RunMessage[]): Promise<void>;
}

/** What a schedule hands the fan-out when it fires. */
export interface FanOutEvent {
  integration: string;
  sync: string;
  connection?: string;
  /** The sync variant a per-connection schedule runs; absent for the base variant. */
  variant?: string;
  /** The time the schedule fired for (EventBridge's `<aws.scheduler.scheduled-time>`), ISO. */
  scheduledAt: string;
}

/** A schedule as Syncline wants it. */
export interface ScheduleSpec {
  /** `<integration>.<sync>` or `<integration>.<sync>.<connection>` (see `scheduleName`). */
  name: string;
  rateExpression: string;
  /** The fan-out input, without `scheduledAt` (the scheduler fills it in at each firing). */
  target: Omit<FanOutEvent, 'scheduledAt'>;
}

/** A schedule as it is now, including changes a person made in the console. */
export interface ScheduleInfo {
  name: string;
  rateExpression: string;
  enabled: boolean;
  /** The rate Syncline last set, recorded on the schedule; differs from `rateExpression` after a manual re-rate. */
  managedRateExpression: string | null;
  target: Omit<FanOutEvent, 'scheduledAt'>;
}

/** EventBridge Scheduler, or its local stand-in. */
export interface Scheduler {
  get(name: string): Promise<ScheduleInfo | null>;
  /** Every schedule in Syncline's group. */
  list(): Promise<ScheduleInfo[]>;
  /** Creates the schedule enabled, recording the managed rate. */
  create(spec: ScheduleSpec): Promise<void>;
  /** Changes the rate (and records it as managed), keeping the enabled/disabled state. */
  updateRate(spec: ScheduleSpec): Promise<void>;
  delete(name: string): Promise<void>;
}

/**
 * Envelope encryption of secrets at rest (connection credentials): KMS in AWS, a local key
 * file under the data dir locally. `context` is bound to the ciphertext (KMS encryption context /
 * AES-GCM additional data), so a ciphertext copied onto another connection fails to decrypt.
 */
export interface SecretCipher {
  encrypt(plaintext: Uint8Array, context: Record<string, string>): Promise<Uint8Array>;
  decrypt(ciphertext: Uint8Array, context: Record<string, string>): Promise<Uint8Array>;
}

export interface ApiKeyInfo {
  id: string;
  name: string;
  createdAt: string;
  /** The first characters of the key, to recognise it; never enough to use it. */
  prefix: string;
  /** What the key may do (`api-key-scopes.ts`); `['full']` for keys stored before scopes existed. */
  scopes: ApiKeyScope[];
}

/** API keys for the HTTP API, stored only as SHA-256 hashes. */
export interface ApiKeyStore {
  /** Creates a key with these scopes (default `['full']`); the secret is returned only here. */
  create(name: string, scopes?: ApiKeyScope[]): Promise<ApiKeyInfo & { secret: string }>;
  /** Registers a `full` key whose secret is supplied (the deploy-time or local bootstrap key). Idempotent. */
  importKey(name: string, secret: string): Promise<ApiKeyInfo>;
  list(): Promise<ApiKeyInfo[]>;
  revoke(id: string): Promise<boolean>;
  /** The key for a presented secret, or null; compares hashes in constant time. */
  verify(secret: string): Promise<ApiKeyInfo | null>;
}
