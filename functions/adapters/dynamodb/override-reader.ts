/**
 * Per-connection frequency overrides, read from the connection-sync items of the state table
 * (pk `CSYNC#<providerConfigKey>#<syncName>`, sk = connection id, number `frequencyOverrideMs`;
 * other sync variants under `CSYNCV#…`, naming their `connectionId` and `variant`).
 * The deploy step feeds them to `reconcileSchedules`.
 *
 * Two Queries per known sync (its base items, its other variants) rather than a Scan: the state
 * table also holds runs, logs and seen-id chunks, so a Scan would read (and pay for) far more
 * than the overrides. The filter still reads every connection-sync of the sync; at deploy time
 * that is acceptable.
 */
import { paginateQuery, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { IntegrationRegistry } from '../../engine/integration.js';
import type { FrequencyOverride } from '../../engine/schedules.js';
import { stateKeys } from './state/keys.js';

export interface OverrideReaderOptions {
  doc: DynamoDBDocumentClient;
  tableName: string;
  registry: IntegrationRegistry;
}

/** Returns the `overrides` dependency of `reconcileSchedules`. */
export function makeOverrideReader(options: OverrideReaderOptions): () => AsyncIterable<FrequencyOverride> {
  return () => readOverrides(options);
}

async function* readOverrides({ doc, tableName, registry }: OverrideReaderOptions): AsyncIterable<FrequencyOverride> {
  for (const integration of registry.all()) {
    for (const syncName of integration.syncs.keys()) {
      const providerConfigKey = integration.providerConfigKey;
      for (const pk of [stateKeys.baseSyncs(providerConfigKey, syncName), stateKeys.variantSyncs(providerConfigKey, syncName)]) {
        const pages = paginateQuery(
          { client: doc },
          {
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk',
            FilterExpression: 'attribute_exists(frequencyOverrideMs)',
            // A variant's item names its connection and variant; a base item's sort key is its connection id.
            ProjectionExpression: 'sk, connectionId, variant, frequencyOverrideMs',
            ExpressionAttributeValues: { ':pk': pk },
          },
        );
        for await (const page of pages) {
          for (const item of page.Items ?? []) {
            const frequencyMs = item['frequencyOverrideMs'];
            const variant = item['variant'];
            const connectionId = typeof variant === 'string' ? item['connectionId'] : item['sk'];
            // A removed override may have been written as NULL rather than deleted: not an override.
            if (typeof frequencyMs !== 'number' || typeof connectionId !== 'string') continue;
            yield { providerConfigKey, syncName, connectionId, frequencyMs, ...(typeof variant === 'string' ? { variant } : {}) };
          }
        }
      }
    }
  }
}
