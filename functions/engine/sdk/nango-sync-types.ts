/**
 * The `nango` object a script receives, typed the way Nango's own SDK types it (`NangoSyncBase`
 * and `NangoActionBase` in Nango's runner SDK): the same generics in the same order, so a script
 * or helper written against Nango's types compiles here. Where Nango's types are stricter than
 * its runtime (a sync without a metadata or checkpoint schema gets `never`), these are lenient:
 * an object instead, so a script that type-checked on Nango also type-checks here.
 */
import type * as z from 'zod';
import type { ProxyConfiguration, ProxyResponse } from '../http/proxy-config.js';
import type { ActionError } from './action-error.js';
import type { NangoConnection, NangoCredentials } from './nango-connection.js';

export type { ProxyResponse };
export type MaybePromise<T> = T | Promise<T>;

/** A sync's models: model name → zod schema (Nango wants objects with a string `id`; Syncline also takes numeric ids). */
export type ZodModels = Record<string, z.ZodType>;
/** A metadata schema: usually an object, `z.void()` (Nango's default) or none. */
export type ZodMetadata = z.ZodType | undefined;
/** A checkpoint schema: a flat object of string, number or boolean fields, or none. */
export type ZodCheckpoint = z.ZodType | undefined;

export type CheckpointValue = Record<string, string | number | boolean>;
/** What a bare `NangoSync` (a helper's parameter) assumes of the checkpoint: any flat checkpoint. */
export type AnyCheckpoint = z.ZodType<CheckpointValue> | undefined;

/** What a schema parameter means for the script: its output type, or a loose object when there is no schema. */
type InferOr<S, Otherwise> = [S] extends [never] ? Otherwise : [S] extends [undefined] ? Otherwise : S extends z.ZodType ? z.output<S> : Otherwise;
export type MetadataOf<S> = InferOr<S, Record<string, any>>;
export type CheckpointOf<S> = InferOr<S, CheckpointValue>;
/** A stored record as `getRecordsByIds` and `listRecords` give it. */
type ModelOf<Models, Name> = [Models] extends [never]
  ? Record<string, any>
  : Name extends keyof Models
    ? Models[Name] extends z.ZodType
      ? z.output<Models[Name]>
      : Record<string, any>
    : Record<string, any>;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'off';
export interface LogOptions {
  level?: LogLevel;
}

export interface UncontrolledFetchOptions {
  url: URL;
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  headers?: Record<string, string> | undefined;
  body?: string | null;
}

/** `getIntegration()`: the integration as Nango's API returns it. */
export interface NangoIntegration {
  unique_key: string;
  provider: string;
  display_name: string;
  logo?: string;
  webhook_url?: string | null;
  created_at?: string;
  updated_at?: string;
}

export interface EnvironmentVariable {
  name: string;
  value: string;
}

/** What a script can do whatever its kind (sync, action, on-event script). */
/**
 * Bare `NangoAction`/`NangoSync` (as helpers type their parameter) take any metadata and
 * checkpoint schema, so a script's own `nango` can be passed to them.
 */
export interface NangoAction<TMetadata extends ZodMetadata = ZodMetadata, TCheckpoint extends ZodCheckpoint = AnyCheckpoint> {
  readonly connectionId: string;
  readonly providerConfigKey: string;
  /** The provider's catalog name. */
  readonly provider?: string;
  /** `throw new nango.ActionError({ message })`: a failure with a payload for the caller. */
  readonly ActionError: typeof ActionError;

  proxy<T = any>(config: ProxyConfiguration): Promise<ProxyResponse<T>>;
  get<T = any>(config: Omit<ProxyConfiguration, 'method'>): Promise<ProxyResponse<T>>;
  post<T = any>(config: Omit<ProxyConfiguration, 'method'>): Promise<ProxyResponse<T>>;
  put<T = any>(config: Omit<ProxyConfiguration, 'method'>): Promise<ProxyResponse<T>>;
  patch<T = any>(config: Omit<ProxyConfiguration, 'method'>): Promise<ProxyResponse<T>>;
  delete<T = any>(config: Omit<ProxyConfiguration, 'method'>): Promise<ProxyResponse<T>>;
  /** Pages through a list; a partial `paginate` block is merged over the provider's default pagination. */
  paginate<T = any>(config: ProxyConfiguration): AsyncGenerator<T[], undefined, void>;
  /** A plain `fetch` (no credentials injected) for URLs outside the provider's API; cloud metadata addresses are refused. */
  uncontrolledFetch(options: UncontrolledFetchOptions): Promise<Response>;

  /** The access token (OAuth), or the credentials object for other auth modes, as Nango's `getToken()`. */
  getToken(): Promise<string | NangoCredentials>;
  getConnection(providerConfigKeyOverride?: string, connectionIdOverride?: string, options?: { refreshToken?: boolean; forceRefresh?: boolean }): Promise<NangoConnection>;
  getIntegration(queries?: { include?: string[] }): Promise<NangoIntegration>;
  /** The URL the provider should send webhooks to for this integration, when configured. */
  getWebhookURL(): Promise<string | null | undefined>;
  /** Variables configured for scripts (`SYNCLINE_SCRIPT_ENV_*`); null when there are none. */
  getEnvironmentVariables(): Promise<EnvironmentVariable[] | null>;

  getMetadata<T = MetadataOf<TMetadata>>(): Promise<T>;
  setMetadata(metadata: MetadataOf<TMetadata>): Promise<void>;
  updateMetadata(metadata: Partial<MetadataOf<TMetadata>>): Promise<void>;

  getCheckpoint(): Promise<CheckpointOf<TCheckpoint> | null>;
  saveCheckpoint(checkpoint: CheckpointOf<TCheckpoint>): Promise<void>;
  clearCheckpoint(): Promise<void>;

  /** `log(message)`, `log(message, { level })`, `log(message, payload)` or `log(message, payload, { level })`; level `off` logs nothing. */
  log(message: any, options?: LogOptions | Record<string, any>): Promise<void>;
  log(message: string, payload: any, options: LogOptions): Promise<void>;
  log(...args: any[]): Promise<void>;

  /** A named lock for this connection, held until released or `ttlMs` passes; false when someone else holds it. */
  tryAcquireLock(options: { key: string; ttlMs: number }): Promise<boolean>;
  releaseLock(options: { key: string }): Promise<boolean>;
  releaseAllLocks(): Promise<void>;

  /** Validates an action's input with a zod schema; logs each issue and throws an `ActionError` when invalid. */
  zodValidateInput<T = any, Z = any>(args: { zodSchema: z.ZodType<Z>; input: T }): Promise<z.ZodSafeParseSuccess<Z>>;
}

/** The sync script's `nango`: everything a script can do, plus records, deletions and checkpoints. */
export interface NangoSync<
  TModels extends ZodModels = ZodModels,
  TMetadata extends ZodMetadata = ZodMetadata,
  TCheckpoint extends ZodCheckpoint = AnyCheckpoint,
  TModelName extends keyof TModels = keyof TModels,
> extends NangoAction<TMetadata, TCheckpoint> {
  /** Start time of the last successful run; undefined on an INITIAL run. */
  readonly lastSyncDate?: Date | undefined;
  /**
   * The sync variant this run is for: `base`, or the name a variant was created with
   * (`POST /sync/{name}/variant/{variant}`), so one script can sync one mailbox, channel… per variant.
   */
  readonly variant: string;
  readonly syncName: string;
  readonly runId: string;

  /**
   * Saves records (upsert by id). Records that do not match the model are stored and logged
   * (`warn`, the default, as on Nango) or rejected one by one (`reject`).
   */
  batchSave<TModel = ModelOf<TModels, TModelName>>(results: TModel[], model: TModelName): Promise<boolean>;
  /** @deprecated Nango's older name of `batchSave`. */
  batchSend<TModel = ModelOf<TModels, TModelName>>(results: TModel[], model: TModelName): Promise<boolean | null>;
  /** Deep-merges partial records into stored ones (arrays replaced); unknown ids are ignored. */
  batchUpdate<TModel = ModelOf<TModels, TModelName>>(results: Partial<TModel>[], model: TModelName): Promise<boolean>;
  /** Marks records deleted (soft delete); only `id` is needed. */
  batchDelete<TModel = ModelOf<TModels, TModelName>>(results: Partial<TModel>[], model: TModelName): Promise<boolean>;
  getRecordsByIds<TKey = string | number, TModel = ModelOf<TModels, TModelName>>(ids: TKey[], model: TModelName): Promise<Map<TKey, TModel>>;
  /** The model's stored records of this connection, page by page, each with `_nango_metadata`. */
  listRecords<TModel = ModelOf<TModels, TModelName>>(model: TModelName, options?: { cursor?: string }): AsyncGenerator<TModel>;
  /** `ignore_if_modified_after`: this run does not overwrite records changed elsewhere after it started. */
  setMergingStrategy(merging: { strategy: 'ignore_if_modified_after' | 'override' }, model: TModelName): Promise<void>;

  /** Starts tracking which records of a model this run saves. */
  trackDeletesStart(model: TModelName): Promise<void>;
  /** Marks records of the model not saved since `trackDeletesStart` as deleted and returns their ids. */
  trackDeletesEnd(model: TModelName): Promise<{ deletedKeys: string[] }>;
  /** @deprecated Nango's older name for the end of a whole-run deletion tracking (use trackDeletesStart/End). */
  deleteRecordsFromPreviousExecutions(model: TModelName): Promise<{ deletedKeys: string[] }>;
}
