/**
 * 3. Records API: read all N records of a connection through `GET /records?limit=1000` over
 * HTTP (API key, connection-sync read, zod, decoding, Nango's shape), following `next_cursor`,
 * versus a fair ceiling: a bare `node:http` server that makes the same `Query` pages and sends
 * the same bytes with nothing else (see `lib/ceiling-child.ts`). Both servers run in child
 * processes of their own, as the API does in Lambda; this process is only their client, and it
 * reads both the same way (fetch, `Accept-Encoding: identity`, the body parsed as JSON). Then
 * 200 sequential 100-record pages from each for p50/p99. The bare `Query` loop without HTTP
 * (the old ceiling) is measured too, for what HTTP and JSON cost on their own.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { recordPartitionKey } from '../../functions/adapters/dynamodb/record-store.js';
import { RECORDS_KEYS } from '../../functions/adapters/dynamodb/table-schema.js';
import { API_KEY, TABLES, VISIBILITY_LAG_MS } from '../lib/common.js';
import type { BenchEnv } from '../lib/env.js';
import { FULL } from '../lib/integrations.js';
import { type ServerChild, startServerChild } from '../lib/server-child.js';
import { percentile, perSecond, ratio, round } from '../lib/stats.js';

interface PageLatency {
  p50Ms: number;
  p99Ms: number;
  /** 100 × requests / the time they took in all. */
  recordsPerSecond: number;
}

export interface RecordsApiPoint {
  records: number;
  /** `GET /records?limit=1000` on the API in its own process, all N records. */
  engine: { ms: number; recordsPerSecond: number; pages: number };
  /** The same pages, same bytes, from the minimal `node:http` server in its own process. */
  ceiling: { ms: number; recordsPerSecond: number; pages: number };
  /** engine / ceiling records per second at limit 1000. */
  ratio: number;
  /** The same pages read with `Query` straight through the SDK in this process: no HTTP, no JSON. */
  bareQuery: { ms: number; recordsPerSecond: number; pages: number };
  /** Bytes of the last full 1000-record page (identical from both servers; checked). */
  pageBytes: number;
  page100: {
    requests: number;
    engine: PageLatency;
    ceiling: PageLatency;
    /** ceiling p50 / engine p50: the 100-record-page figure against the ceiling. */
    ratio: number;
  };
}

const LATENCY_REQUESTS = 200;

type Pager<C> = (limit: number, cursor: C | null) => Promise<{ count: number; next: C | null; bytes: number }>;

export async function measureRecordsApi(env: BenchEnv, connectionId: string, records: number): Promise<RecordsApiPoint> {
  await new Promise((resolve) => setTimeout(resolve, VISIBILITY_LAG_MS + 100)); // everything written is visible
  const childArgs = { dynamoEndpoint: env.dynamoEndpoint, sqsEndpoint: env.sqsEndpoint, runQueueUrl: env.runQueueUrl };
  const servers: ServerChild[] = [];
  try {
    const [apiServer, ceilingServer] = await Promise.all([startServerChild('./api-child.ts', childArgs), startServerChild('./ceiling-child.ts', childArgs)]);
    servers.push(apiServer, ceilingServer);
    const api: Pager<string> = (limit, cursor) => httpPage(apiServer.url, connectionId, limit, cursor);
    const ceil: Pager<string> = (limit, cursor) => httpPage(ceilingServer.url, connectionId, limit, cursor);
    const pk = recordPartitionKey({ providerConfigKey: FULL.providerConfigKey, connectionId, model: FULL.model });
    const raw: Pager<Record<string, unknown>> = (limit, cursor) => rawPage(env, pk, limit, cursor);
    await assertSameBytes(apiServer.url, ceilingServer.url, connectionId);
    for (let i = 0; i < 3; i++) await Promise.all([api(1000, null), ceil(1000, null), raw(1000, null)]); // warm all paths

    // Page by page side by side — an API page, then the ceiling's, then the bare Query's — each
    // timed alone, so a burst of load on the shared machine hits all three alike; the best of
    // two rounds below 30k records is kept.
    const rounds = records <= 30_000 ? 2 : 1;
    let reads = await readAllSideBySide([api, ceil, raw], 1000);
    for (let r = 1; r < rounds; r++) {
      const next = await readAllSideBySide([api, ceil, raw], 1000);
      reads = reads.map((read, i) => (next[i]!.ms < read.ms ? next[i]! : read));
    }
    const [engine, ceiling, bare] = reads as [ReadAll, ReadAll, ReadAll];
    for (const [what, read] of [
      ['API', engine],
      ['ceiling', ceiling],
      ['Query', bare],
    ] as const) {
      if (read.count !== records) throw new Error(`read ${read.count} of ${records} records through the ${what}`);
    }

    const [engineLatency, ceilingLatency] = (await pageLatencies([api, ceil])) as [PageLatency, PageLatency];
    const engineRate = perSecond(records, engine.ms);
    const ceilingRate = perSecond(records, ceiling.ms);
    return {
      records,
      engine: { ms: round(engine.ms, 0), recordsPerSecond: engineRate, pages: engine.pages },
      ceiling: { ms: round(ceiling.ms, 0), recordsPerSecond: ceilingRate, pages: ceiling.pages },
      ratio: ratio(engineRate, ceilingRate),
      bareQuery: { ms: round(bare.ms, 0), recordsPerSecond: perSecond(records, bare.ms), pages: bare.pages },
      pageBytes: engine.bytes,
      page100: {
        requests: LATENCY_REQUESTS,
        engine: engineLatency,
        ceiling: ceilingLatency,
        ratio: ratio(ceilingLatency.p50Ms, engineLatency.p50Ms),
      },
    };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

interface ReadAll {
  ms: number;
  pages: number;
  count: number;
  /** Bytes of the last full page. */
  bytes: number;
}

/** Reads everything through each pager, taking a page from each in turn; each one's time is its own pages' time. */
// biome-ignore lint/suspicious/noExplicitAny: each pager has its own cursor type
async function readAllSideBySide(pagers: Pager<any>[], limit: number): Promise<ReadAll[]> {
  const reads = pagers.map(() => ({ ms: 0, pages: 0, count: 0, bytes: 0, cursor: null as unknown, done: false }));
  while (reads.some((r) => !r.done)) {
    for (const [i, read] of reads.entries()) {
      if (read.done) continue;
      const started = performance.now();
      const answer = await pagers[i]!(limit, read.cursor);
      read.ms += performance.now() - started;
      read.count += answer.count;
      read.pages++;
      if (answer.count === limit) read.bytes = answer.bytes;
      read.cursor = answer.next;
      read.done = answer.next === null;
    }
  }
  return reads.map(({ ms, pages, count, bytes }) => ({ ms, pages, count, bytes }));
}

/**
 * 200 100-record pages from each pager, one after the other in turn, walking the dataset from
 * the start again when a pager reaches its end.
 */
async function pageLatencies(pagers: Pager<string>[]): Promise<PageLatency[]> {
  const times = pagers.map(() => [] as number[]);
  const cursors: (string | null)[] = pagers.map(() => null);
  for (let i = 0; i < LATENCY_REQUESTS; i++) {
    for (const [p, page] of pagers.entries()) {
      const started = performance.now();
      const answer = await page(100, cursors[p]!);
      times[p]!.push(performance.now() - started);
      cursors[p] = answer.next;
    }
  }
  return times.map((t) => ({
    p50Ms: round(percentile(t, 50)),
    p99Ms: round(percentile(t, 99)),
    recordsPerSecond: perSecond(
      100 * LATENCY_REQUESTS,
      t.reduce((sum, ms) => sum + ms, 0),
    ),
  }));
}

function pageRequest(baseUrl: string, connectionId: string, limit: number, cursor: string | null): Promise<Response> {
  const url = new URL('/records', baseUrl);
  url.searchParams.set('model', FULL.model);
  url.searchParams.set('limit', String(limit));
  if (cursor) url.searchParams.set('cursor', cursor);
  // identity: fetch would ask for gzip otherwise, and compressing on loopback only costs CPU.
  return fetch(url, {
    headers: { Authorization: `Bearer ${API_KEY}`, 'Connection-Id': connectionId, 'Provider-Config-Key': FULL.providerConfigKey, 'Accept-Encoding': 'identity' },
  });
}

async function httpPage(baseUrl: string, connectionId: string, limit: number, cursor: string | null): Promise<{ count: number; next: string | null; bytes: number }> {
  const response = await pageRequest(baseUrl, connectionId, limit, cursor);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET ${baseUrl}/records answered ${response.status}: ${text.slice(0, 500)}`);
  const body = JSON.parse(text) as { records: unknown[]; next_cursor: string | null };
  return { count: body.records.length, next: body.next_cursor, bytes: Buffer.byteLength(text) };
}

/** The ceiling is only fair if it sends what the API sends: the first pages must match byte for byte. */
async function assertSameBytes(apiUrl: string, ceilingUrl: string, connectionId: string): Promise<void> {
  let cursor: string | null = null;
  for (const limit of [1000, 100, 1]) {
    const answers: Response[] = await Promise.all([pageRequest(apiUrl, connectionId, limit, cursor), pageRequest(ceilingUrl, connectionId, limit, cursor)]);
    const [apiText = '', ceilingText = '']: string[] = await Promise.all(answers.map((answer) => answer.text()));
    if (apiText !== ceilingText) throw new Error(`the ceiling's page (limit ${limit}) differs from the API's:\n${apiText.slice(0, 300)}\n${ceilingText.slice(0, 300)}`);
    cursor = (JSON.parse(apiText) as { next_cursor: string | null }).next_cursor;
  }
}

async function rawPage(env: BenchEnv, pk: string, limit: number, cursor: Record<string, unknown> | null): Promise<{ count: number; next: Record<string, unknown> | null; bytes: number }> {
  const response = await env.dynamo.doc.send(
    new QueryCommand({
      TableName: TABLES.records,
      IndexName: RECORDS_KEYS.cursorIndex,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      Limit: limit,
      ...(cursor ? { ExclusiveStartKey: cursor } : {}),
    }),
  );
  return { count: response.Items?.length ?? 0, next: response.LastEvaluatedKey ?? null, bytes: 0 };
}
