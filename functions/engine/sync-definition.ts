/**
 * How a sync is declared: Nango's current form (`createSync({...})`) and its older one
 * (`export default async function fetchData(nango)` with the config declared beside it, as
 * nango.yaml did). Both normalize to one `SyncDefinition` the engine runs.
 */
import type * as z from 'zod';
import { parseFrequency } from './frequency.js';
import type { MaybePromise, NangoSync, ZodCheckpoint, ZodMetadata } from './sdk/nango-sync-types.js';

export type ModelMap = Record<string, z.ZodType>;
export type SyncType = 'incremental' | 'full';
export type RecordValidation = 'warn' | 'reject';

/**
 * `createSync({...})`'s options: Nango's `CreateSyncProps`, in the same generic order
 * (`createSync<Models, Metadata, Checkpoint>`), plus Syncline's own `validation` and
 * `validateMetadata`.
 */
export interface CreateSyncConfig<Models extends ModelMap, Metadata extends ZodMetadata = undefined, Checkpoint extends ZodCheckpoint = undefined> {
  description?: string;
  version?: string;
  frequency: string;
  /** @deprecated in Nango; a sync with a `checkpoint` schema is incremental, one without is a full refresh. */
  syncType?: SyncType;
  /** @deprecated in Nango; prefer `trackDeletesStart`/`trackDeletesEnd` in the script. */
  trackDeletes?: boolean;
  /** Start the sync for each new connection; omitted = false, as Nango's CLI deploys it. */
  autoStart?: boolean;
  models: Models;
  metadata?: Metadata;
  /** A checkpoint schema; a sync that declares one is incremental, as in Nango. */
  checkpoint?: Checkpoint;
  endpoints?: { method?: string; path: string; group?: string }[];
  scopes?: string[];
  /** Provider webhook types `onWebhook` handles; accepted and listed, run by the real-time issue. */
  webhookSubscriptions?: string[];
  exec: (nango: NangoSync<Models, Metadata, Checkpoint>) => MaybePromise<void>;
  onWebhook?: (nango: NangoSync<Models, Metadata, Checkpoint>, payload: any) => MaybePromise<void>;
  /** Syncline: `warn` (default) stores records that do not match their model and logs why; `reject` keeps them out. */
  validation?: RecordValidation;
  /** Syncline: check the connection's metadata against `metadata` before each run (default false, as on Nango). */
  validateMetadata?: boolean;
}

/** The normalized, validated sync the engine runs. */
export interface SyncDefinition {
  name: string;
  description: string;
  frequencyMs: number;
  frequency: string;
  syncType: SyncType;
  trackDeletes: boolean;
  autoStart: boolean;
  models: ModelMap;
  metadata: z.ZodType | null;
  checkpoint: z.ZodType | null;
  /**
   * What a record that does not match its model does: `warn` stores it and logs each mismatch
   * with its path (Nango's behaviour in production), `reject` keeps it out. Undefined = the
   * runner's default (`SYNCLINE_RECORD_VALIDATION`, `warn` unless set).
   */
  validation: RecordValidation | undefined;
  /** Check the connection's metadata against `metadata` before each run (opt-in, as on Nango). */
  validateMetadata: boolean;
  webhookSubscriptions: string[];
  /** As declared; listed by `GET /scripts/config`, as Nango lists a deployed sync's. */
  version: string | null;
  scopes: string[];
  endpoints: { method?: string; path: string; group?: string }[];
  /** What the declaration says that Syncline ignores (unknown options), for start-up to log. */
  warnings: string[];
  exec: (nango: NangoSync) => MaybePromise<void>;
}

const SYNC_MARKER = Symbol.for('syncline.sync');

/** What `createSync` returns: the config as written with Nango's `type: 'sync'`, tagged so discovery recognises it. */
export type DeclaredSync<Models extends ModelMap = ModelMap, Metadata extends ZodMetadata = any, Checkpoint extends ZodCheckpoint = any> = CreateSyncConfig<Models, Metadata, Checkpoint> & {
  readonly type: 'sync';
  readonly [SYNC_MARKER]: true;
};

export function createSync<Models extends ModelMap, Metadata extends ZodMetadata = undefined, Checkpoint extends ZodCheckpoint = undefined>(
  config: CreateSyncConfig<Models, Metadata, Checkpoint>,
): DeclaredSync<Models, Metadata, Checkpoint> {
  return Object.assign(Object.create(null) as object, config, { type: 'sync' as const, [SYNC_MARKER]: true as const }) as DeclaredSync<Models, Metadata, Checkpoint>;
}

/** The config an older Nango script had in nango.yaml, in its own snake_case names. */
export interface LegacySyncConfig {
  description?: string;
  runs: string;
  sync_type?: SyncType;
  track_deletes?: boolean;
  auto_start?: boolean;
  /** Model names the script saves; each must be a key of `models`. */
  output: string | string[];
  models: ModelMap;
  input?: z.ZodType;
}

/** Adapts an older-form script: `legacySync(fetchData, { runs: 'every hour', output: 'Contact', models })`. */
export function legacySync(fetchData: (nango: NangoSync) => MaybePromise<void>, config: LegacySyncConfig): DeclaredSync {
  const outputs = Array.isArray(config.output) ? config.output : [config.output];
  const models: ModelMap = {};
  for (const name of outputs) {
    const schema = config.models[name];
    if (!schema) throw new SyncConfigError(`legacy sync output "${name}" has no model schema in "models"`);
    models[name] = schema;
  }
  return createSync<ModelMap, ZodMetadata>({
    description: config.description,
    frequency: config.runs,
    syncType: config.sync_type ?? 'incremental',
    trackDeletes: config.track_deletes ?? false,
    autoStart: config.auto_start ?? true,
    models,
    metadata: config.input,
    exec: fetchData as CreateSyncConfig<ModelMap, ZodMetadata>['exec'],
  });
}

export class SyncConfigError extends Error {
  override readonly name = 'SyncConfigError';
}

export function isDeclaredSync(value: unknown): value is DeclaredSync {
  return typeof value === 'object' && value !== null && SYNC_MARKER in value;
}

const MODEL_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

const KNOWN_OPTIONS = new Set([
  'type',
  'description',
  'version',
  'frequency',
  'syncType',
  'trackDeletes',
  'autoStart',
  'models',
  'metadata',
  'checkpoint',
  'endpoints',
  'scopes',
  'webhookSubscriptions',
  'exec',
  'onWebhook',
  'validation',
  'validateMetadata',
]);

/** Validates a declared sync and fills in Nango's defaults; errors name the sync. */
export function normalizeSync(name: string, declared: DeclaredSync): SyncDefinition {
  const context = `sync "${name}"`;
  if (!/^[a-z0-9][a-z0-9_-]{0,63}$/i.test(name)) throw new SyncConfigError(`${context}: name must be 1–64 letters, digits, "-" or "_"`);
  // Nango ignores options it does not know; Syncline too, but says so (start-up logs, `npm run compat`).
  const unknown = Object.keys(declared).filter((option) => !KNOWN_OPTIONS.has(option));
  const warnings = unknown.length > 0 ? [`${context}: ignores unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((o) => `"${o}"`).join(', ')}`] : [];
  if (typeof declared.exec !== 'function') throw new SyncConfigError(`${context}: exec must be a function`);
  if (typeof declared.frequency !== 'string') throw new SyncConfigError(`${context}: frequency must be a string such as "every hour"`);
  const modelNames = Object.keys(declared.models ?? {});
  if (modelNames.length === 0) throw new SyncConfigError(`${context}: declares no models`);
  for (const model of modelNames) {
    if (!MODEL_NAME.test(model)) throw new SyncConfigError(`${context}: model name "${model}" must start with a letter and use letters, digits or "_"`);
  }
  const syncType: SyncType = declared.syncType ?? (declared.checkpoint ? 'incremental' : 'full');
  if (syncType !== 'incremental' && syncType !== 'full') throw new SyncConfigError(`${context}: syncType must be "incremental" or "full"`);
  if (declared.validation !== undefined && declared.validation !== 'warn' && declared.validation !== 'reject') {
    throw new SyncConfigError(`${context}: validation must be "warn" or "reject"`);
  }
  return {
    name,
    description: declared.description ?? '',
    frequency: declared.frequency,
    frequencyMs: parseFrequency(declared.frequency, context),
    syncType,
    trackDeletes: declared.trackDeletes ?? false,
    // Nango's CLI deploys `autoStart: params.autoStart === true`: omitted means a sync started by hand.
    autoStart: declared.autoStart === true,
    models: declared.models,
    metadata: declared.metadata ?? null,
    checkpoint: declared.checkpoint ?? null,
    validation: declared.validation,
    validateMetadata: declared.validateMetadata === true,
    webhookSubscriptions: declared.webhookSubscriptions ?? [],
    version: declared.version ?? null,
    scopes: declared.scopes ?? [],
    endpoints: declared.endpoints ?? [],
    warnings,
    exec: declared.exec as SyncDefinition['exec'],
  };
}
