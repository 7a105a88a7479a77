/**
 * Connection lifecycle as the engine sees it: a new connection gets a connection-sync per
 * sync and its auto-start syncs run at once; a deleted one stops its syncs (every variant) and
 * loses their schedules, state and records.
 */
import type { Connection } from './connection.js';
import { NotFoundError } from './errors.js';
import type { IntegrationRegistry } from './integration.js';
import type { Clock, RecordStore, RunQueue, Scheduler, StateRepos } from './ports.js';
import { checkConnectionConfig, InvalidConnectionConfigError } from './providers/connection-config.js';
import { removeConnectionSyncs } from './remove-syncs.js';

export interface ConnectionsDeps {
  registry: IntegrationRegistry;
  state: Pick<StateRepos, 'connections' | 'connectionSyncs' | 'runs'>;
  records: RecordStore;
  queue: RunQueue;
  /**
   * Needed by `delete`, which removes the connection's per-connection schedules; a function that
   * never deletes a connection (the executor, the fan-out) builds the service without one.
   */
  scheduler?: Scheduler;
  clock: Clock;
  newId: () => string;
}

export class ConnectionService {
  constructor(private readonly deps: ConnectionsDeps) {}

  /**
   * Creates or replaces a connection; a new one starts its auto-start syncs. A replacement keeps
   * the creation time, and the tags unless it brings its own (tags say whom the connection
   * belongs to, which new credentials do not change). Its config must pass the provider's field
   * declarations (`InvalidConnectionConfigError` otherwise): templates put those values into URLs.
   */
  async upsert(connection: Connection): Promise<{ created: boolean }> {
    const integration = this.deps.registry.get(connection.providerConfigKey);
    if (!integration) throw new NotFoundError(`unknown integration "${connection.providerConfigKey}"`);
    const problems = checkConnectionConfig(integration.provider.connectionConfig, connection.connectionConfig);
    if (problems.length > 0) throw new InvalidConnectionConfigError(problems);
    const existing = await this.deps.state.connections.find(connection.providerConfigKey, connection.connectionId);
    const tags = connection.tags ?? existing?.tags;
    await this.deps.state.connections.put({ ...connection, ...(existing ? { createdAt: existing.createdAt } : {}), ...(tags ? { tags } : {}) });
    if (existing) return { created: false };
    for (const sync of integration.syncs.values()) {
      const key = { providerConfigKey: connection.providerConfigKey, connectionId: connection.connectionId, syncName: sync.name };
      const state = await this.deps.state.connectionSyncs.ensure(key, { enabled: sync.autoStart });
      if (state.enabled) await this.deps.queue.send([{ ...key, runId: this.deps.newId(), trigger: 'MANUAL' }]);
    }
    return { created: true };
  }

  /**
   * Deletes a connection and everything its syncs hold: every sync and sync variant's running
   * execution is cancelled (it stops at its next lease check), its per-connection schedule, state
   * and records removed (`removeConnectionSyncs`). The connection goes first, so a variant being
   * created meanwhile cannot outlive it: `createSyncVariant` checks the connection again once its
   * state exists. Runs and their logs stay, as history.
   */
  async delete(providerConfigKey: string, connectionId: string): Promise<void> {
    const { registry, state, records, scheduler, clock } = this.deps;
    if (!registry.get(providerConfigKey)) throw new NotFoundError(`unknown integration "${providerConfigKey}"`);
    if (!scheduler) throw new Error('deleting a connection needs a scheduler (its per-connection schedules): this ConnectionService was built without one');
    if (!(await state.connections.find(providerConfigKey, connectionId))) throw new NotFoundError(`unknown connection "${connectionId}" for integration "${providerConfigKey}"`);
    await state.connections.delete(providerConfigKey, connectionId);
    await removeConnectionSyncs({ registry, state, records, scheduler, clock }, providerConfigKey, connectionId);
  }
}
