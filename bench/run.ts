/**
 * `npm run bench [-- --quick]`: Syncline's benchmarks against their raw ceilings, on a local
 * system this script starts itself (DynamoDB Local in memory, the SQS emulator, the HTTP API,
 * demo CRM sandboxes — all on 127.0.0.1). Prints a table, writes bench/results.json; a full
 * run (or `--readme`) also rewrites the results section of bench/README.md and bench/plot.svg.
 *
 * Quick (~5 min on 2 cores): ingest 10k and 30k records, memory 10k vs 30k, the big run at 10k and 100k.
 * Full (~25 min): ingest 10k, 30k and 100k, memory 10k vs 100k, the big run at 100k and 1M. Method: bench/README.md.
 */
import { cpus, loadavg } from 'node:os';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { costLine, measureEngineCosts, measureNaiveCosts, type CostLine } from './scenarios/cost.js';
import { measureBundles, type BundleLine } from './scenarios/bundles.js';
import { measureColdStarts, type ColdStartLine } from './scenarios/cold-start.js';
import { measureFanOut, type FanOutPoint } from './scenarios/fan-out.js';
import { measureIngest, type IngestPoint } from './scenarios/ingest.js';
import { measureMillion, type MillionResult } from './scenarios/million.js';
import { measureRecordsApi, type RecordsApiPoint } from './scenarios/records-api.js';
import { measureWebhooks, type WebhookResult } from './scenarios/webhooks.js';
import { startBenchEnv } from './lib/env.js';
import { consoleTable, markdownSection, plotSvg } from './lib/report.js';
import { trackerBytesPerRecord } from './lib/tracker-memory.js';

/** Size of each contact's `about` text, so a contact's JSON is about 1 KB. */
const ABOUT_BYTES = 820;
const COST_RECORDS = 10_000;
const FAN_OUT_CONNECTIONS = 10_000;
const MEMORY_ALLOWANCE_BYTES_PER_RECORD = 100;

export interface BenchResults {
  meta: {
    mode: 'quick' | 'full';
    command: string;
    date: string;
    node: string;
    cpus: number;
    cpuModel: string;
    loadAverage: { start: number[]; end: number[] };
    durationMs: number;
    notes: string[];
    warnings: string[];
  };
  ingest: IngestPoint[];
  cost: { records: number; lines: CostLine[] };
  recordsApi: RecordsApiPoint[];
  memory: {
    small: { records: number; maxRssBytes: number; peakHeapBytes: number; peakLiveHeapBytes: number };
    big: { records: number; maxRssBytes: number; peakHeapBytes: number; peakLiveHeapBytes: number };
    limitBytes: number;
    heapGrowthBytesPerRecord: number;
    liveHeapGrowthBytesPerRecord: number;
    deletionTrackerBytesPerRecord: number;
    met: boolean;
  };
  fanOut: FanOutPoint;
  webhooks: WebhookResult;
  bundles: BundleLine[];
  coldStarts: ColdStartLine[];
  million: MillionResult;
}

const quick = process.argv.includes('--quick');
const sizes = quick ? [10_000, 30_000] : [10_000, 30_000, 100_000];
const MILLION_SIZES = quick ? [10_000, 100_000] : [100_000, 1_000_000];
const started = Date.now();
const load = () => loadavg().map((l) => Math.round(l * 100) / 100);
const step = (what: string) => console.log(`[${Math.round((Date.now() - started) / 1000)} s] ${what}`);

async function main(): Promise<void> {
  const loadAtStart = load();
  step(`starting DynamoDB Local, the SQS emulator and the HTTP API (${quick ? 'quick' : 'full'} run)`);
  const env = await startBenchEnv();
  try {
    // First, on fresh tables: a cold start does not depend on what the tables hold.
    step('cold starts: fresh processes loading the executor and API bundles');
    const coldStarts = await measureColdStarts(env, { runs: quick ? 5 : 9 });
    const ingest: IngestPoint[] = [];
    const recordsApi: RecordsApiPoint[] = [];
    const sandboxes = new Map<number, Awaited<ReturnType<typeof env.startDataset>>>();
    for (const records of sizes) {
      step(`ingest: ${records.toLocaleString('en-US')} records through the executor, then the PutItem ceiling`);
      const sandbox = await env.startDataset(records, ABOUT_BYTES);
      sandboxes.set(records, sandbox);
      const point = await measureIngest(env, records, sandbox);
      ingest.push(point);
      step(`  ${point.engine.recordsPerSecond} records/s vs ${point.ceiling.recordsPerSecond} (ratio ${point.ratio}); records API read next`);
      // Quick: the API is read at 10k only, to stay under 3 minutes.
      if (!quick || records === COST_RECORDS) recordsApi.push(await measureRecordsApi(env, point.connectionId, records));
    }

    step(`cost: full refreshes and an incremental run on ${COST_RECORDS.toLocaleString('en-US')} records, then the naive design`);
    const costPoint = ingest.find((p) => p.records === COST_RECORDS)!;
    const initial = costLine('initial load (full sync, new records)', COST_RECORDS, COST_RECORDS, costPoint.capacity);
    const engineCosts = await measureEngineCosts(env, costPoint.connectionId, sandboxes.get(COST_RECORDS)!);
    const naive = await measureNaiveCosts(env, costPoint.connectionId, quick ? 2_000 : COST_RECORDS);
    const costs = [initial, ...engineCosts, ...naive];
    judgeCosts(costs);

    step(`fan-out: ${FAN_OUT_CONNECTIONS.toLocaleString('en-US')} connections`);
    const fanOut = await measureFanOut(env, FAN_OUT_CONNECTIONS);
    step('webhooks, bundles');
    const webhooks = await measureWebhooks(env);
    const bundles = await measureBundles();
    // Last: it leaves ~2 × (1M + 100k) items in DynamoDB Local. Quick: 10k vs 100k, with 30 s
    // invocations so that the 100k run hands over to continuations as a long one does.
    step(`one big run: initial sync then a 1% full refresh, at ${MILLION_SIZES.map((x) => x.toLocaleString('en-US')).join(' and ')} records`);
    const million = await measureMillion(env, { sizes: MILLION_SIZES, ...(quick ? { invocationMs: 30_000 } : {}), log: (line) => step(line) });

    const small = ingest[0]!;
    const big = ingest[ingest.length - 1]!;
    const limitBytes = 1.5 * small.memory.maxRssBytes + MEMORY_ALLOWANCE_BYTES_PER_RECORD * big.records;
    const results: BenchResults = {
      meta: {
        mode: quick ? 'quick' : 'full',
        command: `npm run bench${quick ? ' -- --quick' : ''}`,
        date: new Date().toISOString(),
        node: process.version,
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model.trim() ?? '?',
        loadAverage: { start: loadAtStart, end: load() },
        durationMs: Date.now() - started,
        notes: [
          `contacts carry ${ABOUT_BYTES} bytes of "about" text so each record's JSON is ~1 KB; the text is made of repeated words and compresses well (see ingest[].item)`,
          'DynamoDB Local, the SQS emulator, the sandbox API and the benchmark share this machine: absolute rates are local ones, the ratios are the figures',
          'DynamoDB Local charges BatchGetItem only for keys it finds; AWS bills every requested key (0.5 RCU each, eventually consistent) — see SCALING.md',
        ],
        warnings: env.logger.errors.slice(0, 20),
      },
      ingest,
      cost: { records: COST_RECORDS, lines: costs },
      recordsApi,
      memory: {
        small: { records: small.records, maxRssBytes: small.memory.maxRssBytes, peakHeapBytes: small.memory.peakHeapBytes, peakLiveHeapBytes: small.memory.peakLiveHeapBytes },
        big: { records: big.records, maxRssBytes: big.memory.maxRssBytes, peakHeapBytes: big.memory.peakHeapBytes, peakLiveHeapBytes: big.memory.peakLiveHeapBytes },
        limitBytes,
        heapGrowthBytesPerRecord: (big.memory.peakHeapBytes - small.memory.peakHeapBytes) / (big.records - small.records),
        liveHeapGrowthBytesPerRecord: (big.memory.peakLiveHeapBytes - small.memory.peakLiveHeapBytes) / (big.records - small.records),
        deletionTrackerBytesPerRecord: trackerBytesPerRecord(big.records),
        met: big.memory.maxRssBytes <= limitBytes,
      },
      fanOut,
      webhooks,
      bundles,
      coldStarts,
      million,
    };
    const json = `${JSON.stringify(results, null, 2)}\n`;
    await writeFile(new URL('results.json', import.meta.url), json);
    // The full run's figures are also kept apart: they are the ones bench/README.md shows.
    if (!quick) await writeFile(new URL('results-full.json', import.meta.url), json);
    if (!quick || process.argv.includes('--readme')) await updateReadme(results);
    console.log(`\n${consoleTable(results)}\n`);
    console.log(
      `Load average ${results.meta.loadAverage.start.join(' / ')} → ${results.meta.loadAverage.end.join(' / ')} on ${results.meta.cpus} CPUs; ${Math.round(results.meta.durationMs / 1000)} s. Wrote bench/results.json${!quick ? ', bench/results-full.json' : ''}${!quick || process.argv.includes('--readme') ? ', bench/README.md (results) and bench/plot.svg' : ''}.`,
    );
  } finally {
    await env.stop();
  }
}

/** The targets, on the lines they apply to. */
function judgeCosts(lines: CostLine[]): void {
  for (const line of lines) {
    if (line.scenario.startsWith('initial load')) {
      line.target = 'new: ≤ 2 WCU';
      line.met = line.perRecord.wcu <= 2;
    } else if (line.scenario.includes('nothing changed')) {
      line.target = 'unchanged: 0 WCU, ≤ 0.5 RCU';
      line.met = line.perRecord.wcu === 0 && line.perRecord.rcu <= 0.5;
    } else if (line.scenario.includes('1% changed')) {
      line.target = 'changed: ≤ 3 WCU';
      line.met = (line.perChangedRecord?.wcu ?? Infinity) <= 3;
    }
  }
}

async function updateReadme(results: BenchResults): Promise<void> {
  const readme = fileURLToPath(new URL('README.md', import.meta.url));
  const text = await readFile(readme, 'utf8').catch(() => '');
  const [start, end] = ['<!-- results:start -->', '<!-- results:end -->'];
  if (!text.includes(start) || !text.includes(end)) throw new Error('bench/README.md has no results markers');
  await writeFile(readme, `${text.slice(0, text.indexOf(start) + start.length)}\n${markdownSection(results)}\n${text.slice(text.indexOf(end))}`);
  await writeFile(new URL('plot.svg', import.meta.url), plotSvg(results));
}

// The AWS SDK warns once that its 2027 releases need Node 22; the benchmark runs on 20 by design.
process.removeAllListeners('warning');
main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exit(1);
  },
);
