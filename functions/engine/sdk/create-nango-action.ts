/**
 * Builds the `nango` object every script kind receives (Nango's `NangoAction`): the provider
 * HTTP client, the connection and its credentials, metadata, checkpoints, logs and locks, over a
 * `ScriptHost` (a sync's run session or one action execution). Every call that reaches the host
 * goes through its guard first, which is where a script stops at its deadline or when cancelled.
 * `createNangoSync` adds records and deletions on top.
 */
import type { Credentials } from '../connection.js';
import type { ProviderHttp } from '../http/provider-http.js';
import type { ProxyConfiguration } from '../http/proxy-config.js';
import type { Integration } from '../integration.js';
import { ActionError } from './action-error.js';
import { parseLogArguments } from './log-arguments.js';
import { type NangoConnection, toNangoConnection, toNangoCredentials } from './nango-connection.js';
import type { EnvironmentVariable, NangoAction, UncontrolledFetchOptions } from './nango-sync-types.js';
import type { ScriptHost } from './script-host.js';

/** Another connection a script names (`getConnection(key, id)`, `proxy({ connectionId })`). */
export interface ConnectionRef {
  providerConfigKey: string;
  connectionId: string;
}

export interface NangoActionArgs {
  host: ScriptHost;
  http: ProviderHttp;
  integration: Pick<Integration, 'providerConfigKey' | 'providerName' | 'provider'>;
  /** The connection's current credentials (refreshed when due), the same the HTTP client uses. */
  getCredentials: () => Promise<Credentials>;
  /** Reads another connection of this deployment, for the per-call overrides Nango allows. */
  otherConnection: (ref: ConnectionRef) => Promise<NangoConnection>;
  uncontrolledFetch: (options: UncontrolledFetchOptions) => Promise<Response>;
  /** Variables configured for scripts (`SYNCLINE_SCRIPT_ENV_*`). */
  environmentVariables: EnvironmentVariable[];
}

export function createNangoAction(args: NangoActionArgs): NangoAction {
  const { host, http, integration } = args;
  const connection = host.connection;
  const guarded =
    <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      await host.guard();
      return fn(...a);
    };
  const ownConnection = async (): Promise<NangoConnection> => toNangoConnection({ ...host.connection, credentials: await args.getCredentials() }, integration.providerName);
  const isSelf = (providerConfigKey?: string, connectionId?: string) =>
    (providerConfigKey ?? connection.providerConfigKey) === connection.providerConfigKey && (connectionId ?? connection.connectionId) === connection.connectionId;

  return {
    providerConfigKey: connection.providerConfigKey,
    connectionId: connection.connectionId,
    provider: integration.providerName,
    ActionError,

    getCheckpoint: guarded(async () => host.readCheckpoint() as any),
    saveCheckpoint: (checkpoint) => host.saveCheckpoint(checkpoint),
    clearCheckpoint: () => host.clearCheckpoint(),

    getMetadata: async <T>() => {
      await host.guard();
      return structuredClone(host.connection.metadata) as T;
    },
    setMetadata: (metadata) => host.setMetadata(metadata, false),
    updateMetadata: (metadata) => host.setMetadata(metadata, true),
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
      if (line) host.writeLog(line.level, line.message);
    },

    tryAcquireLock: (options) => host.tryAcquireLock(options),
    releaseLock: (options) => host.releaseLock(options),
    releaseAllLocks: () => host.releaseAllLocks(),

    zodValidateInput: async ({ zodSchema, input }) => {
      const parsed = zodSchema.safeParse(input);
      if (parsed.success) return parsed;
      for (const issue of parsed.error.issues) host.writeLog('error', `Invalid input provided: ${issue.message} at path ${issue.path.join('.')}`);
      throw new ActionError({ message: 'Invalid input provided' });
    },
  };
}
