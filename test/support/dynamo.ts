/**
 * Test access to the run's DynamoDB Local (started in `global-setup.ts`).
 *
 * Call `useDynamo()` at the top level of a test file or `describe` block: it registers an
 * `afterAll` that deletes the tables it created and closes the clients.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, inject } from 'vitest';
import { makeDynamoClients, type DynamoClients } from '../../functions/adapters/dynamodb/client.js';
import { createTables, deleteTables } from '../../functions/adapters/dynamodb/create-tables.js';
import type { TableNames } from '../../functions/adapters/dynamodb/table-schema.js';

export interface TestDynamo extends DynamoClients {
  endpoint: string;
  /** Creates both tables under fresh random names, so files running in parallel never share data. */
  freshTables(): Promise<TableNames>;
}

export function useDynamo(): TestDynamo {
  const endpoint = inject('dynamoEndpoint');
  const clients = makeDynamoClients({ endpoint });
  const created: TableNames[] = [];

  afterAll(async () => {
    await Promise.all(created.map((names) => deleteTables(clients.client, names)));
    clients.client.destroy();
  });

  return {
    ...clients,
    endpoint,
    async freshTables() {
      const suffix = randomBytes(6).toString('hex');
      const names: TableNames = { records: `test-records-${suffix}`, state: `test-state-${suffix}` };
      created.push(names);
      await createTables(clients.client, names);
      return names;
    },
  };
}
