/**
 * Builds the `nango` object a script receives: a facade over the run session (records,
 * checkpoints, metadata, logs) and the provider HTTP client. Every call goes through the
 * session's guard first, which is where a run stops at its deadline or when cancelled.
 */
import type { Credentials } from '../connection.js';
import type { ProviderHttp } from '../http/provider-http.js';
import type { RunSession } from '../runner/run-session.js';
import { toNangoConnection } from './nango-connection.js';
import type { NangoSync } from './nango-sync-types.js';

export interface NangoSyncArgs {
  session: RunSession;
  http: ProviderHttp;
  /** The provider's catalog name, as `getConnection().provider`. */
  providerName: string;
  /** The connection's current credentials (refreshed when due), the same the HTTP client uses. */
  getCredentials: () => Promise<Credentials>;
  syncName: string;
  runId: string;
  lastSyncDate: Date | undefined;
}

export function createNangoSync({ session, http, providerName, getCredentials, syncName, runId, lastSyncDate }: NangoSyncArgs): NangoSync {
  const connection = session.connection;
  const nango: NangoSync = {
    providerConfigKey: connection.providerConfigKey,
    connectionId: connection.connectionId,
    lastSyncDate,
    syncName,
    runId,
    batchSave: (records, model) => session.batchSave(records, model),
    batchUpdate: (records, model) => session.batchUpdate(records, model),
    batchDelete: (records, model) => session.batchDelete(records, model),
    getRecordsByIds: (ids, model) => session.getRecordsByIds(ids, model) as Promise<Map<string, any>>,
    getCheckpoint: async () => {
      await session.guard();
      return session.checkpoint === null ? null : { ...session.checkpoint };
    },
    saveCheckpoint: (checkpoint) => session.saveCheckpoint(checkpoint),
    clearCheckpoint: () => session.clearCheckpoint(),
    getMetadata: async <T>() => {
      await session.guard();
      return structuredClone(session.connection.metadata) as T;
    },
    setMetadata: (metadata) => session.setMetadata(metadata, false),
    updateMetadata: (metadata) => session.setMetadata(metadata, true),
    getConnection: async () => {
      await session.guard();
      return toNangoConnection({ ...session.connection, credentials: await getCredentials() }, providerName);
    },
    proxy: (config) => http.proxy(config),
    get: (config) => http.get(config),
    post: (config) => http.post(config),
    put: (config) => http.put(config),
    patch: (config) => http.patch(config),
    delete: (config) => http.delete(config),
    paginate: (config) => http.paginate(config),
    log: async (message, options) => {
      session.writeLog(options?.level ?? 'info', typeof message === 'string' ? message : safeStringify(message));
    },
    trackDeletesStart: (model) => session.trackDeletesStart(model),
    trackDeletesEnd: (model) => session.trackDeletesEnd(model),
    deleteRecordsFromPreviousExecutions: async (model) => {
      // Full syncs track every model from the run's start, so this is the end of that tracking.
      await session.trackDeletesEnd(model);
    },
  };
  return nango;
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
