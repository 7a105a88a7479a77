/**
 * The `nango` object a sync script receives, with Nango's method names and semantics.
 */
import type { z } from 'zod';
import type { NangoConnection } from './nango-connection.js';
import type { Checkpoint, LogLevel } from '../ports.js';
import type { PaginationConfig, ProxyConfiguration } from '../http/proxy-config.js';

export interface ProxyResponse<T = any> {
  data: T;
  status: number;
  headers: Record<string, string>;
}

/** A model's input type; an untyped model (`z.ZodType`) accepts any object. */
type ModelInput<S> = S extends z.ZodType ? (unknown extends z.input<S> ? Record<string, any> : z.input<S>) : never;

export interface NangoSync<Models extends Record<string, z.ZodType> = Record<string, z.ZodType>, Metadata = Record<string, unknown>> {
  readonly providerConfigKey: string;
  readonly connectionId: string;
  /** Start time of the last successful run; undefined on an INITIAL run. */
  readonly lastSyncDate: Date | undefined;
  readonly syncName: string;
  readonly runId: string;

  /** Saves records (upsert by id). Invalid records are rejected one by one and logged; returns true. */
  batchSave<K extends keyof Models & string>(records: ModelInput<Models[K]>[], model: K): Promise<boolean>;
  /** Deep-merges partial records into stored ones (arrays replaced); unknown ids are ignored. */
  batchUpdate<K extends keyof Models & string>(records: (Partial<ModelInput<Models[K]>> & { id: string | number })[], model: K): Promise<boolean>;
  /** Marks records deleted (soft delete); only `id` is needed. */
  batchDelete<K extends keyof Models & string>(records: { id: string | number }[], model: K): Promise<boolean>;
  getRecordsByIds<K extends keyof Models & string>(ids: (string | number)[], model: K): Promise<Map<string, z.infer<Models[K]>>>;

  getCheckpoint(): Promise<Checkpoint | null>;
  saveCheckpoint(checkpoint: Checkpoint): Promise<void>;
  clearCheckpoint(): Promise<void>;

  getMetadata<T = Metadata>(): Promise<T>;
  setMetadata(metadata: Record<string, unknown>): Promise<void>;
  updateMetadata(metadata: Record<string, unknown>): Promise<void>;
  /** The connection in Nango's public shape: `connection_config`, `credentials.access_token`, … */
  getConnection(): Promise<NangoConnection>;

  proxy<T = any>(config: ProxyConfiguration): Promise<ProxyResponse<T>>;
  get<T = any>(config: ProxyConfiguration): Promise<ProxyResponse<T>>;
  post<T = any>(config: ProxyConfiguration): Promise<ProxyResponse<T>>;
  put<T = any>(config: ProxyConfiguration): Promise<ProxyResponse<T>>;
  patch<T = any>(config: ProxyConfiguration): Promise<ProxyResponse<T>>;
  delete<T = any>(config: ProxyConfiguration): Promise<ProxyResponse<T>>;
  paginate<T = any>(config: ProxyConfiguration & { paginate?: Partial<PaginationConfig> }): AsyncGenerator<T[], undefined, void>;

  log(message: unknown, options?: { level?: LogLevel }): Promise<void>;
  /** Starts tracking which records of a model this run saves. */
  trackDeletesStart<K extends keyof Models & string>(model: K): Promise<void>;
  /** Marks records of the model not saved since `trackDeletesStart` as deleted. */
  trackDeletesEnd<K extends keyof Models & string>(model: K): Promise<void>;
  /** Nango's newer name for a whole-run trackDeletesStart/End. */
  deleteRecordsFromPreviousExecutions<K extends keyof Models & string>(model: K): Promise<void>;
}
