/**
 * The key design of Syncline's two DynamoDB tables, shared by the adapters, the CDK constructs
 * and the local runtime so the three can never disagree.
 *
 * Records table — one item per (connection, model, record id):
 *   pk  = partition of one model of one connection (see `recordPartitionKey`)
 *   sk  = record id (≤ 255 chars)
 *   GSI `byCursor`: pk + cu, where cu = fixed-width base-36 modification time + record id, so a
 *   Query on the index lists one model in modification order and the sort key is unique.
 *   Projection ALL: a records page is one Query, no second read per item.
 *
 * State table — everything else, keyed by kind prefixes (connections, connection-syncs, runs,
 *   run logs, seen-id chunks). Streams (NEW_AND_OLD_IMAGES) carry run results to webhooks.
 *   Attribute `ttl` expires run logs and scratch items.
 *
 * Attribute names on record items are one or two letters on purpose: they are stored in every
 * item and count towards its size, and item size is what a write is billed by (1 WCU per KB).
 */
export const RECORDS_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  cursorIndex: 'byCursor',
  cursorKey: 'cu',
} as const;

export const STATE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttl: 'ttl',
} as const;

/** Logical table names; the deployed names come from the environment. */
export interface TableNames {
  records: string;
  state: string;
}
