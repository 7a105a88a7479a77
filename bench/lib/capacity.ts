/**
 * Counts DynamoDB capacity for every call a client makes, without touching the engine: a
 * middleware asks for `ReturnConsumedCapacity: INDEXES` on each data-plane call and adds up
 * what comes back, per table and per index. Snapshots let a scenario take the difference.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

const READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

export interface CapacityTotals {
  /** Read units per table, index writes/reads counted under `<table>/<index>`. */
  read: Record<string, number>;
  write: Record<string, number>;
  calls: Record<string, number>;
}

interface Consumed {
  TableName?: string;
  CapacityUnits?: number;
  Table?: { CapacityUnits?: number };
  GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
  LocalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
}

export class CapacityMeter {
  private totals: CapacityTotals = { read: {}, write: {}, calls: {} };

  attach(client: DynamoDBClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = String(context.commandName ?? '').replace(/Command$/, '');
        const counted = READS.has(operation) || WRITES.has(operation);
        if (counted) (args.input as Record<string, unknown>)['ReturnConsumedCapacity'] = 'INDEXES';
        const result = await next(args);
        if (counted) this.add(operation, (result.output as { ConsumedCapacity?: Consumed | Consumed[] }).ConsumedCapacity);
        return result;
      },
      { step: 'initialize', name: 'benchCapacityMeter', override: true },
    );
  }

  snapshot(): CapacityTotals {
    return structuredClone(this.totals);
  }

  /** What was consumed since `before`. */
  since(before: CapacityTotals): CapacityTotals {
    const diff = (now: Record<string, number>, then: Record<string, number>) =>
      Object.fromEntries(
        Object.entries(now)
          .map(([k, v]) => [k, round(v - (then[k] ?? 0))])
          .filter(([, v]) => v !== 0),
      );
    return { read: diff(this.totals.read, before.read), write: diff(this.totals.write, before.write), calls: diff(this.totals.calls, before.calls) };
  }

  private add(operation: string, consumed: Consumed | Consumed[] | undefined): void {
    this.totals.calls[operation] = (this.totals.calls[operation] ?? 0) + 1;
    const bucket = WRITES.has(operation) ? this.totals.write : this.totals.read;
    for (const c of [consumed ?? []].flat()) {
      const table = c.TableName ?? '?';
      const indexes = { ...c.GlobalSecondaryIndexes, ...c.LocalSecondaryIndexes };
      const indexUnits = Object.values(indexes).reduce((sum, i) => sum + (i.CapacityUnits ?? 0), 0);
      const tableUnits = c.Table?.CapacityUnits ?? (c.CapacityUnits ?? 0) - indexUnits;
      bucket[table] = (bucket[table] ?? 0) + tableUnits;
      for (const [name, i] of Object.entries(indexes)) bucket[`${table}/${name}`] = (bucket[`${table}/${name}`] ?? 0) + (i.CapacityUnits ?? 0);
    }
  }
}

/** Sum of units for tables whose name starts with `prefix` (the table and its indexes). */
export function unitsFor(units: Record<string, number>, table: string): number {
  return round(
    Object.entries(units)
      .filter(([k]) => k === table || k.startsWith(`${table}/`))
      .reduce((s, [, v]) => s + v, 0),
  );
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
