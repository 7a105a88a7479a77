/**
 * The shapes the Overview, Connections and Connection pages read from the HTTP API. They mirror
 * the zod schemas in `functions/api/routes/*.schemas.ts` (the API's one source of truth), kept
 * by hand here because the console bundle must not pull zod or server code into the browser.
 * Only the fields these pages use are listed.
 */
import { pathOf } from '../router.js';

/** `functions/api/routes/syncs.schemas.ts` StatusName. */
export type SyncStatusName = 'RUNNING' | 'PAUSED' | 'STOPPED' | 'SUCCESS' | 'ERROR';

/** One entry of `GET /sync/status` (`SyncStatusSchema`). */
export interface SyncStatus {
  id: string;
  connection_id: string;
  name: string;
  variant: string;
  status: SyncStatusName;
  type: 'INITIAL' | 'INCREMENTAL' | null;
  finishedAt: string | null;
  nextScheduledSyncAt: string | null;
  frequency: string;
  latestExecutionStatus: SyncStatusName | null;
  recordCount: Record<string, number>;
  schedule: { name: string; enabled: boolean; rateExpression: string; changedInConsole: boolean } | null;
}

/** One entry of `GET /sync/executions` (`ExecutionSchema`), without the log lines these pages ignore. */
export interface ExecutionSummary {
  id: string;
  status: 'RUNNING' | 'SUCCESS' | 'ERROR' | 'CANCELLED';
  trigger: 'SCHEDULE' | 'MANUAL' | 'CONTINUATION';
  started_at: string;
  finished_at: string | null;
}

/** `ConnectionErrorSchema`: `type: 'auth'` means the end user must authorize again. */
export interface ConnectionError {
  type: string;
  log_id: string;
}

/** One entry of `GET /connections` (`ConnectionListItem`). */
export interface ConnectionListItem {
  id: number;
  connection_id: string;
  provider: string;
  provider_config_key: string;
  created: string;
  tags: Record<string, string>;
  errors: ConnectionError[];
}

/**
 * `GET /connections/{id}` (`ConnectionResponse`). `credentials` is deliberately typed as its
 * `type` alone: with a full key the answer carries secrets, and the console never renders them.
 */
export interface ConnectionDetail {
  connection_id: string;
  provider_config_key: string;
  provider: string;
  errors: ConnectionError[];
  metadata: Record<string, unknown>;
  connection_config: Record<string, unknown>;
  tags: Record<string, string>;
  created_at: string;
  updated_at: string;
  credentials: { type: string };
}

/** A sync of `GET /scripts/config` (`ScriptConfigSchema`), sync-only fields included. */
export interface SyncScriptConfig {
  name: string;
  returns: string[];
  description: string;
  sync_type?: 'full' | 'incremental';
  auto_start?: boolean;
  runs?: string;
}

/** One integration of `GET /scripts/config` (`IntegrationScriptsConfigSchema`). */
export interface IntegrationScripts {
  providerConfigKey: string;
  provider: string;
  syncs: SyncScriptConfig[];
}

/** Auth errors make a connection unusable until the end user authorizes again. */
export function hasAuthError(connection: { errors: ConnectionError[] }): boolean {
  return connection.errors.some((error) => error.type === 'auth');
}

/** A sync that failed last, or is stopped, needs attention. */
export function isFailingSync(sync: SyncStatus): boolean {
  return sync.status === 'ERROR' || sync.latestExecutionStatus === 'ERROR';
}

/** The `/connections/:providerConfigKey/:connectionId` path of a connection page. */
export function connectionPath(providerConfigKey: string, connectionId: string): string {
  return pathOf('/connections/:providerConfigKey/:connectionId', { providerConfigKey, connectionId });
}

/** `name` for the base variant, `name::variant` otherwise (Nango's way to name a variant). */
export function syncLabel(sync: { name: string; variant: string }): string {
  return sync.variant === 'base' ? sync.name : `${sync.name}::${sync.variant}`;
}
