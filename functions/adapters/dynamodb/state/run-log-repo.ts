/** Run log lines on the state table, packed 100 to an item, expiring after 30 days. */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ConnectionSyncKey, RunLogLine, RunLogRepo } from '../../../engine/ports.js';
import { withInfrastructureErrors } from '../dynamo-calls.js';
import { queryAll, stateKeys, type StateTable } from './keys.js';

const LOG_TTL_S = 30 * 86_400;
const LINES_PER_ITEM = 100;

export class DynamoRunLogRepo implements RunLogRepo {
  constructor(private readonly table: StateTable) {}

  async append(key: ConnectionSyncKey, runId: string, lines: RunLogLine[]): Promise<void> {
    const pk = stateKeys.runLog(key, runId);
    const ttl = Math.floor(this.table.now() / 1000) + LOG_TTL_S;
    // Items are keyed by their first line's time and a random tail: concurrent appends never collide.
    for (let start = 0; start < lines.length; start += LINES_PER_ITEM) {
      const chunk = lines.slice(start, start + LINES_PER_ITEM);
      const sk = `${String(chunk[0]!.at).padStart(15, '0')}#${Math.random().toString(36).slice(2, 10)}`;
      await withInfrastructureErrors('saving run logs', () => this.table.doc.send(new PutCommand({ TableName: this.table.tableName, Item: { pk, sk, kind: 'LOG', lines: chunk, ttl } })));
    }
  }

  async list(key: ConnectionSyncKey, runId: string): Promise<RunLogLine[]> {
    const items = await queryAll(this.table, stateKeys.runLog(key, runId), 'reading run logs');
    return items.flatMap((item) => item['lines'] as RunLogLine[]);
  }
}
