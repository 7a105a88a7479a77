/**
 * Builds the `nango` object a script receives: a facade over the run session (records,
 * checkpoints, metadata, logs, locks) and the provider HTTP client. Every call goes through the
 * session's guard first, which is where a run stops at its deadline or when cancelled.
 */
import type { Credentials } from '../connection.js';
import type { ProviderHttp } from '../http/provider-http.js';
import type { ProxyConfiguration } from '../http/proxy-config.js';
import type { Integration } from '../integration.js';
import type { RunSession } from '../runner/run-session.js';
import { ActionError } from './action-error.js';
import { parseLogArguments } from './log-arguments.js';
import { type NangoConnection, toNangoConnection, toNangoCredentials } from './nango-connection.js';
import type { EnvironmentVariable, NangoSync, UncontrolledFetchOptions } from './nango-sync-types.js';

/** Another connection a script names (`getConnection(key, id)`, `proxy({ connectionId })`). */
export interface ConnectionRef {
  providerConfigKey: string;
  connectionId: string;
}

export interface NangoSyncArgs {
  session: RunSession;
  http: ProviderHttp;
  integration: Pick<Integration, 'providerConfigKey' | 'providerName' | 'provider'>;
  /** The connection's current credentials (refreshed when due), the same the HTTP client uses. */
  getCredentials: () => Promise<Credentials>;
  /** Reads another connection of this deployment, for the per-call overrides Nango allows. */
  otherConnection: (ref: ConnectionRef) => Promise<NangoConnection>;
  uncontrolledFetch: (options: UncontrolledFetchOptions) => Promise<Response>;
  /** Variables configured for scripts (`SYNCLINE_SCRIPT_ENV_*`). */
  environmentVariables: EnvironmentVariable[];
  syncName: string;
  /** The sync variant the run is for (`base` unless the variant was created through the API). */
  variant: string;
  runId: string;
  lastSyncDate: Date | undefined;
}

export function createNangoSync(args: NangoSyncArgs): NangoSync {
  const { session, http, integration } = args;
  const connection = session.connection;
  const guarded =
    <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      await session.guard();
      return fn(...a);
    };
  const ownConnection = async (): Promise<NangoConnection> => toNangoConnection({ ...session.connection, credentials: await args.getCredentials() }, integration.providerName);
  const isSelf = (providerConfigKey?: string, connectionId?: string) =>
    (providerConfigKey ?? connection.providerConfigKey) === connection.providerConfigKey && (connectionId ?? connection.connectionId) === connection.connectionId;

  const nango: NangoSync = {
    providerConfigKey: connection.providerConfigKey,
    connectionId: connection.connectionId,
    provider: integration.providerName,
    lastSyncDate: args.lastSyncDate,
    variant: args.variant,
    syncName: args.syncName,
    runId: args.runId,
    ActionError,

    batchSave: (records, model) => session.batchSave(records, model),
    batchSend: (records, model) => session.batchSave(records, model),
    batchUpdate: (records, model) => session.batchUpdate(records, model),
    batchDelete: (records, model) => session.batchDelete(records, model),
    getRecordsByIds: (ids, model) => session.getRecordsByIds(ids, model) as Promise<Map<any, any>>,
    listRecords: (model, options) => session.listRecords(model, options) as AsyncGenerator<any>,
    setMergingStrategy: (merging, model) => session.setMergingStrategy(merging, model),
    trackDeletesStart: (model) => session.trackDeletesStart(model),
    trackDeletesEnd: (model) => session.trackDeletesEnd(model),
    // Full syncs track every model from the run's start, so this is the end of that tracking.
    deleteRecordsFromPreviousExecutions: (model) => session.trackDeletesEnd(model),

    getCheckpoint: guarded(async () => session.readCheckpoint() as any),
    saveCheckpoint: (checkpoint) => session.saveCheckpoint(checkpoint),
    clearCheckpoint: () => session.clearCheckpoint(),

    getMetadata: async <T>() => {
      await session.guard();
      return structuredClone(session.connection.metadata) as T;
    },
    setMetadata: (metadata) => session.setMetadata(metadata, false),
    updateMetadata: (metadata) => session.setMetadata(metadata, true),
    getConnection: guarded(async (providerConfigKey?: string, connectionId?: string) =>
      isSelf(providerConfigKey, connectionId)
        ? ownConnection()
        : args.otherConnection({ providerConfigKey: providerConfigKey ?? connection.providerConfigKey, connectionId: connectionId ?? connection.connectionId }),
    ),
    getToken: guarded(async () => {
      const credentials = toNangoCredentials(await args.getCredentials());
      // Nango's getToken: the access token for OAuth, the credentials object otherwise.
      return credentials.type === 'OAUTH2' ? credentials.access_token : credentials;
    }),
    getIntegration: guarded(async () => ({
      unique_key: integration.providerConfigKey,
      provider: integration.providerName,
      display_name: integration.provider.displayName ?? integration.providerName,
      // Provider webhooks are not received yet (the real-time issue), so there is no URL to give.
      webhook_url: null,
    })),
    getWebhookURL: guarded(async () => null),
    getEnvironmentVariables: guarded(async () => (args.environmentVariables.length === 0 ? null : args.environmentVariables.map((variable) => ({ ...variable })))),

    proxy: (config) => http.proxy(config),
    get: (config) => http.get(config),
    post: (config) => http.post(config),
    put: (config) => http.put(config),
    patch: (config) => http.patch(config),
    delete: (config) => http.delete(config),
    paginate: (config: ProxyConfiguration) => http.paginate(config),
    uncontrolledFetch: guarded((options: UncontrolledFetchOptions) => args.uncontrolledFetch(options)),

    log: async (...logArgs: unknown[]) => {
      const line = parseLogArguments(logArgs);
      if (line) session.writeLog(line.level, line.message);
    },

    tryAcquireLock: (options) => session.tryAcquireLock(options),
    releaseLock: (options) => session.releaseLock(options),
    releaseAllLocks: () => session.releaseAllLocks(),

    zodValidateInput: async ({ zodSchema, input }) => {
      const parsed = zodSchema.safeParse(input);
      if (parsed.success) return parsed;
      for (const issue of parsed.error.issues) session.writeLog('error', `Invalid input provided: ${issue.message} at path ${issue.path.join('.')}`);
      throw new ActionError({ message: 'Invalid input provided' });
    },
  };
  return nango;
}
