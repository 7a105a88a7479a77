/**
 * The one way a connect flow ends (API key, basic auth, client credentials, the OAuth callback):
 * the session allows the integration, the session's fixed connection-config values are applied
 * over what the end user typed, the config is checked against the provider's fields, and the
 * connection is created (a generated id, the session's tags) or — for a reconnect session —
 * overridden (its id, metadata and tags kept; new credentials, its auth error cleared).
 *
 * `ConnectionService.upsert` queues a new connection's auto-start syncs at once (not at the next
 * fan-out tick). The connection is written with `authEvent` in the same put, so the state
 * table's stream sends the `auth` webhook (`creation` / `override`) exactly when the connection
 * exists: no second write that could be lost between the two.
 *
 * Sessions stay usable until they expire: Nango's controllers never delete a session after a
 * connection is made (only `DELETE /connect/session` does), so one session may connect several
 * integrations, as its connect UI allows.
 */
import { randomUUID } from 'node:crypto';
import type { Connection, Credentials } from '../connection.js';
import type { ConnectionService } from '../connection-service.js';
import { NotFoundError } from '../errors.js';
import type { IntegrationRegistry } from '../integration.js';
import type { Clock, StateRepos } from '../ports.js';
import { checkConnectionConfig, type ConnectionConfigProblem } from '../providers/connection-config.js';
import { type ConnectSession, sessionAllowsIntegration } from './connect-session.js';

export interface CompleteConnectDeps {
  registry: Pick<IntegrationRegistry, 'get'>;
  state: Pick<StateRepos, 'connections'>;
  connections: Pick<ConnectionService, 'upsert'>;
  clock: Clock;
  /** New connection ids; default a UUID (Nango generates UUIDs too). */
  newConnectionId?: () => string;
}

export interface CompleteConnectInput {
  providerConfigKey: string;
  credentials: Credentials;
  /** What the end user (or the provider's token response) gave; the session's defaults win. */
  connectionConfig: Record<string, unknown>;
}

export interface CompletedConnect {
  providerConfigKey: string;
  connectionId: string;
  operation: 'creation' | 'override';
}

export type ConnectRefusal =
  | 'integration_not_allowed'
  | 'invalid_connection_config'
  | 'invalid_connection'
  | 'invalid_auth_mode'
  | 'missing_client_credentials'
  | 'invalid_client_credentials'
  | 'token_request_failed';

/** Why a connect attempt is refused; `code` is the API's error code (Nango's where it has one). */
export class ConnectRefusedError extends Error {
  override readonly name = 'ConnectRefusedError';
  constructor(
    readonly code: ConnectRefusal,
    message: string,
    readonly problems: ConnectionConfigProblem[] = [],
  ) {
    super(message);
  }
}

/** The connection config a connect attempt stores: the end user's values under the session's fixed ones. */
export function sessionConnectionConfig(session: ConnectSession, providerConfigKey: string, given: Record<string, unknown>): Record<string, unknown> {
  return { ...given, ...(session.integrationsConfigDefaults[providerConfigKey]?.connectionConfig ?? {}) };
}

/** Checks what a connect attempt may do before any credential is asked for (a token endpoint, the provider's consent). */
export function assertConnectAllowed(deps: Pick<CompleteConnectDeps, 'registry'>, session: ConnectSession, providerConfigKey: string, connectionConfig?: Record<string, unknown>): void {
  const integration = deps.registry.get(providerConfigKey);
  if (!integration) throw new NotFoundError(`unknown integration "${providerConfigKey}"`);
  if (!sessionAllowsIntegration(session, providerConfigKey)) {
    throw new ConnectRefusedError('integration_not_allowed', `this connect session does not allow the integration "${providerConfigKey}"`);
  }
  if (connectionConfig === undefined) return;
  const problems = [...missingFields(integration.provider.connectionConfig, connectionConfig), ...checkConnectionConfig(integration.provider.connectionConfig, connectionConfig)];
  if (problems.length > 0) {
    throw new ConnectRefusedError('invalid_connection_config', `invalid connection config: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`, problems);
  }
}

export async function completeConnect(deps: CompleteConnectDeps, session: ConnectSession, input: CompleteConnectInput): Promise<CompletedConnect> {
  const { providerConfigKey } = input;
  const connectionConfig = sessionConnectionConfig(session, providerConfigKey, input.connectionConfig);
  assertConnectAllowed(deps, session, providerConfigKey, connectionConfig);
  const now = new Date(deps.clock.now()).toISOString();

  let existing: Pick<Connection, 'connectionId' | 'metadata' | 'tags' | 'connectionConfig'> | null = null;
  if (session.reconnect) {
    existing = await deps.state.connections.find(providerConfigKey, session.reconnect.connectionId);
    // Deleted since the session was made: Nango answers `invalid_connection` and creates nothing.
    if (!existing) throw new ConnectRefusedError('invalid_connection', `the connection "${session.reconnect.connectionId}" to re-authorize no longer exists`);
  }
  const connectionId = existing?.connectionId ?? (deps.newConnectionId ?? randomUUID)();
  const operation = existing ? 'override' : 'creation';
  const connection: Connection = {
    providerConfigKey,
    connectionId,
    credentials: input.credentials,
    metadata: existing?.metadata ?? {},
    // A re-authorization keeps what the connection had and takes what the new attempt brought.
    connectionConfig: { ...(existing?.connectionConfig ?? {}), ...connectionConfig },
    // A new connection takes the session's tags; an override brings none, so `upsert` keeps the connection's.
    ...(!existing && Object.keys(session.tags).length > 0 ? { tags: session.tags } : {}),
    createdAt: now,
    updatedAt: now,
    authEvent: { operation, at: now },
  };
  await deps.connections.upsert(connection);
  return { providerConfigKey, connectionId, operation };
}

/** Declared fields that are not optional and have no value (the end user must fill them in). */
function missingFields(declared: Record<string, { optional: boolean; title: string }>, config: Record<string, unknown>): ConnectionConfigProblem[] {
  return Object.entries(declared)
    .filter(([field, spec]) => !spec.optional && !isFilled(Object.hasOwn(config, field) ? config[field] : undefined))
    .map(([field, spec]) => ({ field, message: `is required (${spec.title})` }));
}

function isFilled(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}
