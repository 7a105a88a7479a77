/** Names and small pieces shared by the benchmark's parent process and its executor children. */
import type { TableNames } from '../../functions/adapters/dynamodb/table-schema.js';
import type { Logger } from '../../functions/engine/ports.js';

export const TABLES: TableNames = { records: 'bench-records', state: 'bench-state' };
/** Same key design as the records table: the raw ceilings write here. */
export const RAW_TABLES: TableNames = { records: 'bench-raw-records', state: 'bench-raw-state' };
export const API_KEY = 'sk_bench_0123456789abcdef0123456789';
export const SANDBOX_KEY = 'bench-sandbox-key-4242';
/** How far `GET /records` trails the clock, as in `npm start`. */
export const VISIBILITY_LAG_MS = 2_000;
/** PutItem calls in flight per `saveBatch` (DynamoRecordStore's default `writeConcurrency`). */
export const STORE_WRITE_CONCURRENCY = 25;

/** Keeps warnings and errors (reported at the end), drops the per-run info lines. */
export function makeQuietLogger(): Logger & { errors: string[] } {
  const errors: string[] = [];
  return { errors, log: (level, message) => void (level === 'error' || level === 'warn' ? errors.push(`${level}: ${message}`) : undefined) };
}
