/**
 * What a script's `nango` object needs from the runner besides the run session: the provider
 * HTTP client of its connection (and of another connection a call names, as Nango allows), that
 * connection's current credentials, plain HTTP (`uncontrolledFetch`) and the variables
 * configured for scripts.
 */
import { interpolateBaseUrl, type Connection, type Credentials } from '../connection.js';
import { CredentialsRefreshError, makeCredentialsProvider } from '../credentials.js';
import { SdkUsageError } from '../errors.js';
import { createProviderHttp, type ProviderHttp } from '../http/provider-http.js';
import { uncontrolledFetch } from '../http/uncontrolled-fetch.js';
import type { Integration } from '../integration.js';
import type { ConnectionRef, NangoActionArgs } from '../sdk/create-nango-action.js';
import { toNangoConnection } from '../sdk/nango-connection.js';
import type { ScriptHost } from '../sdk/script-host.js';
import type { RunnerDeps } from './run-invocation.js';

/** What the services of a script need from the runner: the same for a sync run and an action. */
export type ScriptServiceDeps = Pick<RunnerDeps, 'registry' | 'clock' | 'http' | 'allowPrivateFetch' | 'environmentVariables' | 'metrics'> & {
  state: Pick<RunnerDeps['state'], 'connections' | 'integrations'>;
};

/** The part of the script's host the services use: its guard (deadline, cancel) and its log. */
type ServiceHost = Pick<ScriptHost, 'guard' | 'writeLog'>;

export interface ConnectionClient {
  http: ProviderHttp;
  /** Current credentials, refreshed when due (the same the HTTP client injects). */
  getCredentials: () => Promise<Credentials>;
}

/** The HTTP client and credentials of one connection; calls naming another connection get that one's client. */
export function connectionClient(deps: ScriptServiceDeps, session: ServiceHost, integration: Integration, connection: Connection, { other = false } = {}): ConnectionClient {
  const ownCredentials = makeCredentialsProvider({
    connections: deps.state.connections,
    connection,
    provider: integration.provider,
    clock: deps.clock,
    // The OAuth app configured through the integrations API wins over one declared in code.
    getClient: async () => (await deps.state.integrations.getWithSecrets(integration.providerConfigKey))?.credentials ?? integration.oauthClient,
    ...(deps.http?.fetch ? { fetch: deps.http.fetch } : {}),
    allowLoopbackHttp: deps.allowPrivateFetch ?? false,
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
  });
  // Another connection's failed refresh is the script's error, not an auth error of the run's own connection.
  const getCredentials: typeof ownCredentials = other
    ? async (request) => {
        try {
          return await ownCredentials(request);
        } catch (error) {
          if (!(error instanceof CredentialsRefreshError)) throw error;
          throw new SdkUsageError(`the credentials of connection "${connection.connectionId}" (integration "${connection.providerConfigKey}") could not be refreshed: ${error.message}`);
        }
      }
    : ownCredentials;
  const http = createProviderHttp({
    ...deps.http,
    provider: { ...integration.provider, baseUrl: interpolateBaseUrl(integration.provider.baseUrl, connection) },
    connectionConfig: connection.connectionConfig,
    getCredentials,
    beforeCall: () => session.guard(),
    log: (message, level) => session.writeLog(level, message),
    self: { providerConfigKey: connection.providerConfigKey, connectionId: connection.connectionId },
    forConnection: async (ref) => (await otherClient(deps, session, ref)).client.http,
  });
  return { http, getCredentials };
}

async function otherClient(
  deps: ScriptServiceDeps,
  session: ServiceHost,
  { providerConfigKey, connectionId }: ConnectionRef,
): Promise<{ client: ConnectionClient; connection: Connection; integration: Integration }> {
  const integration = deps.registry.get(providerConfigKey);
  const connection = integration ? await deps.state.connections.getWithCredentials(providerConfigKey, connectionId) : null;
  if (!integration || !connection) throw new SdkUsageError(`there is no connection "${connectionId}" for integration "${providerConfigKey}"`);
  return { client: connectionClient(deps, session, integration, connection, { other: true }), connection, integration };
}

export function scriptServices(deps: ScriptServiceDeps, session: ServiceHost): Pick<NangoActionArgs, 'otherConnection' | 'uncontrolledFetch' | 'environmentVariables'> {
  return {
    otherConnection: async (ref: ConnectionRef) => {
      const { client, connection, integration } = await otherClient(deps, session, ref);
      return toNangoConnection({ ...connection, credentials: await client.getCredentials() }, integration.providerName);
    },
    uncontrolledFetch: (options) =>
      uncontrolledFetch(options, { ...(deps.http?.fetch ? { fetch: deps.http.fetch } : {}), beforeCall: () => session.guard(), allowPrivate: deps.allowPrivateFetch ?? false }),
    environmentVariables: deps.environmentVariables ?? [],
  };
}
