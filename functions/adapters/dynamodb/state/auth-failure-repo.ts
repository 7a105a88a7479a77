/**
 * Failed connect attempts on the state table (`engine/connect/auth-failure.ts`): one item per
 * failure, written once, kind `AUTH_FAILURE`. Nothing reads it back: its INSERT on the table's
 * stream wakes the webhook function, and the table's `ttl` sweeps it a day later.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { AUTH_FAILURE_TTL_MS, type AuthFailure, type AuthFailureRepo, AuthFailureSchema } from '../../../engine/connect/auth-failure.js';
import { asInfrastructureError } from '../../../engine/errors.js';
import { STATE_KEYS } from '../table-schema.js';
import type { StateTable } from './keys.js';

/** The item kind the webhook stream filter matches (`run-result-filter.ts`). */
export const AUTH_FAILURE_KIND = 'AUTH_FAILURE';

export class DynamoAuthFailureRepo implements AuthFailureRepo {
  constructor(private readonly table: StateTable) {}

  async record(failure: AuthFailure): Promise<void> {
    const item = AuthFailureSchema.parse(failure);
    try {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.tableName,
          Item: { pk: `AUTHFAILURE#${item.id}`, sk: 'FAILURE', kind: AUTH_FAILURE_KIND, ...item, [STATE_KEYS.ttl]: Math.ceil((Date.parse(item.at) + AUTH_FAILURE_TTL_MS) / 1000) },
          // Ids are random: a second write with one would be a bug, never an overwrite (and a MODIFY would send nothing).
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      throw asInfrastructureError(error, 'recording a failed connect');
    }
  }
}
