/**
 * Connection lifecycle as the engine sees it: a new connection gets a connection-sync per
 * sync and its auto-start syncs run at once; a deleted one stops its syncs and loses its records.
 */
import type { Connection } from './connection.js';
import { NotFoundError } from './errors.js';
import type { IntegrationRegistry } from './integration.js';
import type { RecordStore, RunQueue, StateRepos } from './ports.js';

export interface ConnectionsDeps {
  registry: IntegrationRegistry;
  state: Pick<StateRepos, 'connections' | 'connectionSyncs'>;
  records: RecordStore;
  queue: RunQueue;
  newId: () => string;
}

export class ConnectionService {
  constructor(private readonly deps: ConnectionsDeps) {}

  /**
   * Creates or replaces a connection; a new one starts its auto-start syncs. A replacement keeps
   * the creation time, and the tags unless it brings its own (tags say whom the connection
   * belongs to, which new credentials do not change).
   */
  async upsert(connection: Connection): Promise<{ created: boolean }> {
    const integration = this.deps.registry.get(connection.providerConfigKey);
    if (!integration) throw new NotFoundError(`unknown integration "${connection.providerConfigKey}"`);
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

  /** Deletes a connection, its sync states and its records. Running executions stop at their next lease check. */
  async delete(providerConfigKey: string, connectionId: string): Promise<void> {
    const integration = this.deps.registry.get(providerConfigKey);
    if (!integration) throw new NotFoundError(`unknown integration "${providerConfigKey}"`);
    if (!(await this.deps.state.connections.find(providerConfigKey, connectionId))) throw new NotFoundError(`unknown connection "${connectionId}" for integration "${providerConfigKey}"`);
    await this.deps.state.connections.delete(providerConfigKey, connectionId);
    for (const sync of integration.syncs.values()) {
      await this.deps.state.connectionSyncs.delete({ providerConfigKey, connectionId, syncName: sync.name });
      for (const model of Object.keys(sync.models)) await this.deps.records.deleteAll({ providerConfigKey, connectionId, model });
    }
  }
}
