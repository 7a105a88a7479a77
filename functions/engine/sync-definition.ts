/**
 * How a sync is declared: Nango's current form (`createSync({...})`) and its older one
 * (`export default async function fetchData(nango)` with the config declared beside it, as
 * nango.yaml did). Both normalize to one `SyncDefinition` the engine runs.
 */
import type { z } from 'zod';
import { parseFrequency } from './frequency.js';
import type { NangoSync } from './sdk/nango-sync-types.js';

export type ModelMap = Record<string, z.ZodType>;
export type SyncType = 'incremental' | 'full';

export interface CreateSyncConfig<Models extends ModelMap, Metadata extends z.ZodType | undefined = undefined> {
  description?: string;
  version?: string;
  frequency: string;
  syncType?: SyncType;
  trackDeletes?: boolean;
  autoStart?: boolean;
  models: Models;
  metadata?: Metadata;
  /** A checkpoint schema; a sync that declares one is incremental, as in Nango. */
  checkpoint?: z.ZodType;
  endpoints?: { method?: string; path: string; group?: string }[];
  scopes?: string[];
  exec: (nango: NangoSync<Models, Metadata extends z.ZodType ? z.infer<Metadata> : Record<string, unknown>>) => Promise<void>;
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
  exec: (nango: NangoSync<ModelMap, Record<string, unknown>>) => Promise<void>;
}

const SYNC_MARKER = Symbol.for('syncline.sync');

/** What `createSync` returns: the config as written, tagged so the registry recognises it. */
export type DeclaredSync<Models extends ModelMap = ModelMap, Metadata extends z.ZodType | undefined = z.ZodType | undefined> = CreateSyncConfig<Models, Metadata> & { readonly [SYNC_MARKER]: true };

export function createSync<Models extends ModelMap, Metadata extends z.ZodType | undefined = undefined>(config: CreateSyncConfig<Models, Metadata>): DeclaredSync<Models, Metadata> {
  return Object.assign(Object.create(null) as object, config, { [SYNC_MARKER]: true as const }) as DeclaredSync<Models, Metadata>;
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
export function legacySync(fetchData: (nango: NangoSync<ModelMap, Record<string, unknown>>) => Promise<void>, config: LegacySyncConfig): DeclaredSync {
  const outputs = Array.isArray(config.output) ? config.output : [config.output];
  const models: ModelMap = {};
  for (const name of outputs) {
    const schema = config.models[name];
    if (!schema) throw new SyncConfigError(`legacy sync output "${name}" has no model schema in "models"`);
    models[name] = schema;
  }
  return createSync({
    description: config.description,
    frequency: config.runs,
    syncType: config.sync_type ?? 'incremental',
    trackDeletes: config.track_deletes ?? false,
    autoStart: config.auto_start ?? true,
    models,
    metadata: config.input,
    exec: fetchData,
  });
}

export class SyncConfigError extends Error {
  override readonly name = 'SyncConfigError';
}

export function isDeclaredSync(value: unknown): value is DeclaredSync {
  return typeof value === 'object' && value !== null && SYNC_MARKER in value;
}

const MODEL_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** Validates a declared sync and fills in Nango's defaults; errors name the sync. */
export function normalizeSync(name: string, declared: DeclaredSync<any, any>): SyncDefinition {
  const context = `sync "${name}"`;
  if (!/^[a-z0-9][a-z0-9_-]{0,63}$/i.test(name)) throw new SyncConfigError(`${context}: name must be 1–64 letters, digits, "-" or "_"`);
  if (typeof declared.exec !== 'function') throw new SyncConfigError(`${context}: exec must be a function`);
  const modelNames = Object.keys(declared.models ?? {});
  if (modelNames.length === 0) throw new SyncConfigError(`${context}: declares no models`);
  for (const model of modelNames) {
    if (!MODEL_NAME.test(model)) throw new SyncConfigError(`${context}: model name "${model}" must start with a letter and use letters, digits or "_"`);
  }
  const syncType: SyncType = declared.syncType ?? (declared.checkpoint ? 'incremental' : 'full');
  if (syncType !== 'incremental' && syncType !== 'full') throw new SyncConfigError(`${context}: syncType must be "incremental" or "full"`);
  return {
    name,
    description: declared.description ?? '',
    frequency: declared.frequency,
    frequencyMs: parseFrequency(declared.frequency, context),
    syncType,
    trackDeletes: declared.trackDeletes ?? false,
    autoStart: declared.autoStart ?? true,
    models: declared.models,
    metadata: declared.metadata ?? null,
    checkpoint: declared.checkpoint ?? null,
    exec: declared.exec as SyncDefinition['exec'],
  };
}
