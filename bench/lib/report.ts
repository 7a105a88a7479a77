/**
 * Turns the benchmark results into the console table, the Markdown results section of
 * bench/README.md and the SVG plot of records/s against dataset size (drawn by hand: a few
 * polylines on log-scaled axes, no plotting library).
 */
import type { BenchResults } from '../run.js';

export interface Row {
  figure: string;
  engine: string;
  ceiling: string;
  ratio: string;
  target: string;
  met: boolean | null;
}

const n = (x: number) => x.toLocaleString('en-US');
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

export function rows(r: BenchResults): Row[] {
  const out: Row[] = [];
  for (const p of r.ingest) {
    out.push({
      figure: `1. ingest ${n(p.records)} × ~${p.item.avgJsonBytes} B (records/s)`,
      engine: n(p.engine.recordsPerSecond),
      ceiling: `${n(p.ceiling.recordsPerSecond)} (conditional PutItem, ${p.ceiling.concurrency} in flight)`,
      ratio: p.ratio.toFixed(2),
      target: '≥ 1.50',
      met: p.ratio >= 1.5,
    });
    out.push({
      figure: `1. … against BatchWriteItem alone, ${n(p.records)} records`,
      engine: n(p.engine.recordsPerSecond),
      ceiling: `${n(p.batchCeiling.recordsPerSecond)} (BatchWriteItem, ${p.batchCeiling.concurrency} in flight)`,
      ratio: p.batchRatio.toFixed(2),
      target: '',
      met: null,
    });
  }
  for (const c of r.cost.lines) {
    const per = c.perChangedRecord && c.changed !== c.records ? ` (per changed: ${c.perChangedRecord.wcu} WCU, ${c.perChangedRecord.rcu} RCU)` : '';
    out.push({ figure: `2. ${c.scenario}`, engine: `${c.perRecord.wcu} WCU, ${c.perRecord.rcu} RCU / record${per}`, ceiling: '', ratio: '', target: c.target ?? '', met: c.met ?? null });
  }
  for (const p of r.recordsApi) {
    out.push({
      figure: `3. GET /records limit=1000, ${n(p.records)} records (records/s)`,
      engine: n(p.engine.recordsPerSecond),
      ceiling: `${n(p.ceiling.recordsPerSecond)} (node:http + Query, own process)`,
      ratio: p.ratio.toFixed(2),
      target: '≥ 0.70',
      met: p.ratio >= 0.7,
    });
    out.push({
      figure: `3. 100-record page latency p50 / p99 (${p.page100.requests} requests)`,
      engine: `${p.page100.engine.p50Ms} / ${p.page100.engine.p99Ms} ms`,
      ceiling: `${p.page100.ceiling.p50Ms} / ${p.page100.ceiling.p99Ms} ms`,
      ratio: p.page100.ratio.toFixed(2),
      target: '≥ 0.70 (p50)',
      met: p.page100.ratio >= 0.7,
    });
    out.push({
      figure: '3. … the same pages by Query alone (no HTTP, no JSON)',
      engine: '',
      ceiling: `${n(p.bareQuery.recordsPerSecond)} records/s; ${kb(p.pageBytes)} per 1,000-record page`,
      ratio: '',
      target: '',
      met: null,
    });
  }
  const m = r.memory;
  out.push({
    figure: `4. executor peak RSS ${n(m.small.records)} vs ${n(m.big.records)} records`,
    engine: `${mb(m.small.maxRssBytes)} → ${mb(m.big.maxRssBytes)}`,
    ceiling: `limit ${mb(m.limitBytes)}`,
    ratio: (m.big.maxRssBytes / m.small.maxRssBytes).toFixed(2),
    target: '≤ 1.5× + 100 B/record',
    met: m.met,
  });
  out.push({
    figure: '4. executor peak heapUsed (sampled, garbage included)',
    engine: `${mb(m.small.peakHeapBytes)} → ${mb(m.big.peakHeapBytes)}`,
    ceiling: `growth ${Math.round(m.heapGrowthBytesPerRecord)} B/record`,
    ratio: '',
    target: '',
    met: null,
  });
  out.push({
    figure: '4. executor live heap (after major GCs)',
    engine: `${mb(m.small.peakLiveHeapBytes)} → ${mb(m.big.peakLiveHeapBytes)}`,
    ceiling: `growth ${Math.round(m.liveHeapGrowthBytesPerRecord)} B/record`,
    ratio: '',
    target: '',
    met: null,
  });
  out.push({
    figure: '4. deletion tracking alone (DeletionTracker, forced GC)',
    engine: `${m.deletionTrackerBytesPerRecord} B/record`,
    ceiling: '',
    ratio: '',
    target: '≤ 100 B/record',
    met: m.deletionTrackerBytesPerRecord <= 100,
  });
  const f = r.fanOut;
  out.push({
    figure: `5. fan-out ${n(f.connections)} connections (messages/s)`,
    engine: `${n(f.engine.messagesPerSecond)} (listing ${f.engine.listingMs} ms)`,
    ceiling: `${n(f.ceiling.messagesPerSecond)} (${f.ceiling.concurrency} batches in flight)`,
    ratio: f.ratio.toFixed(2),
    target: '≥ 0.80',
    met: f.ratio >= 0.8,
  });
  const w = r.webhooks;
  out.push({
    figure: '6. webhook latency p50 / p99',
    engine: w.p50Ms !== undefined ? `${w.p50Ms} / ${w.p99Ms} ms (${w.runs} runs, max ${w.maxMs} ms)` : w.status,
    ceiling: w.p50Ms !== undefined ? 'run finishedAt → POST received, default poll intervals' : '',
    ratio: '',
    target: '',
    met: null,
  });
  for (const b of r.bundles) {
    out.push({
      figure: `7. bundle ${b.entry.replace('functions/handlers/', '')}`,
      engine: `${kb(b.minifiedBytes)} min, ${kb(b.gzipBytes)} gz`,
      ceiling: b.topPackages
        .slice(0, 3)
        .map((p) => `${p.name} ${kb(p.bytes)}`)
        .join(', '),
      ratio: '',
      target: '',
      met: null,
    });
  }
  for (const c of r.coldStarts) {
    const executorTarget = c.entry.includes('executor') && c.event.includes('missing');
    out.push({
      figure: `8. cold start ${c.entry.replace('functions/handlers/', '')}: ${c.event}`,
      engine: `${c.totalMs.median} ms (min ${c.totalMs.min}; import ${c.importMs.median}, event ${c.firstEventMs.median})`,
      ceiling: `${kb(c.minifiedBytes)} min, ${kb(c.gzipBytes)} gz; CPU ${c.cpuMs.total.median} ms`,
      ratio: '',
      target: executorTarget ? '< 300 ms' : '',
      met: executorTarget ? c.totalMs.median < 300 : null,
    });
  }
  const big = r.million;
  for (const point of big.points) {
    for (const [label, run] of [
      ['initial sync', point.initial],
      [`full refresh, ${Math.round(big.changedShare * 100)}% changed`, point.refresh],
    ] as const) {
      const per = run.perChangedRecord ? ` (per changed: ${run.perChangedRecord.wcu} WCU)` : '';
      out.push({
        figure: `9. ${label}, ${n(point.records)} records (records/s)`,
        engine: `${n(run.recordsPerSecond)} in ${Math.round(run.wallMs / 1000)} s, ${run.invocations} invocation${run.invocations === 1 ? '' : 's'}`,
        ceiling: `+${n(run.counts.added)} ~${n(run.counts.updated)} -${n(run.counts.deleted)}; ${run.perRecord.wcu} WCU, ${run.perRecord.rcu} RCU / record${per}; peak RSS ${mb(run.peakRssBytes)}`,
        ratio: '',
        target: 'exact counts',
        met: run.counts.added === run.expected.added && run.counts.updated === run.expected.updated && run.counts.deleted === run.expected.deleted,
      });
    }
  }
  out.push({
    figure: `9. executor peak RSS ${n(big.memory.smallRecords)} vs ${n(big.memory.bigRecords)} records`,
    engine: `${mb(big.memory.smallPeakRssBytes)} → ${mb(big.memory.bigPeakRssBytes)}`,
    ceiling: '',
    ratio: big.memory.ratio.toFixed(2),
    target: `≤ ${big.memory.limit}×`,
    met: big.memory.met,
  });
  return out;
}

export function consoleTable(r: BenchResults): string {
  const header: Row = { figure: 'figure', engine: 'Syncline', ceiling: 'raw ceiling / detail', ratio: 'ratio', target: 'target', met: null };
  const all = [header, ...rows(r)];
  const cells = all.map((row) => [row.figure, row.engine, row.ceiling, row.ratio, row.target, row === header ? 'met' : row.met === null ? '' : row.met ? 'yes' : 'NO']);
  const widths = cells[0]!.map((_, i) => Math.min(i === 1 || i === 2 ? 60 : 70, Math.max(...cells.map((c) => c[i]!.length))));
  const line = (c: string[]) => c.map((v, i) => v.slice(0, widths[i]).padEnd(widths[i]!)).join(' │ ');
  return [line(cells[0]!), widths.map((w) => '─'.repeat(w)).join('─┼─'), ...cells.slice(1).map(line)].join('\n');
}

export function markdownSection(r: BenchResults): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const table = [
    '| figure | Syncline | raw ceiling / detail | ratio | target | met |',
    '|---|---|---|---|---|---|',
    ...rows(r).map((row) => `| ${esc(row.figure)} | ${esc(row.engine)} | ${esc(row.ceiling)} | ${row.ratio} | ${esc(row.target)} | ${row.met === null ? '' : row.met ? 'yes' : '**no**'} |`),
  ];
  return [
    `Run: \`${r.meta.command}\` on ${r.meta.date} — ${r.meta.cpus} CPUs (${r.meta.cpuModel}), Node ${r.meta.node}; load average ${r.meta.loadAverage.start.join(' / ')} at start, ${r.meta.loadAverage.end.join(' / ')} at the end; ${Math.round(r.meta.durationMs / 1000)} s in all.`,
    '',
    ...table,
    '',
    '![records/s against dataset size](plot.svg)',
  ].join('\n');
}

/** Two panels (ingest, records API), log x axis, Syncline and its ceiling in each. */
export function plotSvg(r: BenchResults): string {
  const W = 880;
  const H = 360;
  const panels = [
    {
      title: 'Ingest: initial sync into DynamoDB Local',
      points: r.ingest.map((p) => ({ x: p.records, engine: p.engine.recordsPerSecond, ceiling: p.ceiling.recordsPerSecond })),
      ceilingName: 'conditional PutItem, same items, 100 in flight',
    },
    {
      title: 'Records API: reading every record, limit=1000',
      points: r.recordsApi.map((p) => ({ x: p.records, engine: p.engine.recordsPerSecond, ceiling: p.ceiling.recordsPerSecond })),
      ceilingName: 'node:http + Query, same bytes',
    },
  ];
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
  ];
  panels.forEach((panel, index) => {
    const left = 70 + index * (W / 2);
    const top = 40;
    const width = W / 2 - 100;
    const height = H - 120;
    const xs = panel.points.map((p) => p.x);
    const ys = panel.points.flatMap((p) => [p.engine, p.ceiling]);
    const [x0, x1] = [Math.min(...xs) / 1.5, Math.max(...xs) * 1.5];
    const yMax = niceCeil(Math.max(...ys) * 1.1);
    const px = (x: number) => left + ((Math.log10(x) - Math.log10(x0)) / (Math.log10(x1) - Math.log10(x0))) * width;
    const py = (y: number) => top + height - (y / yMax) * height;
    parts.push(`<text x="${left}" y="${top - 16}" font-weight="bold">${panel.title}</text>`);
    parts.push(`<line x1="${left}" y1="${top + height}" x2="${left + width}" y2="${top + height}" stroke="#333"/><line x1="${left}" y1="${top}" x2="${left}" y2="${top + height}" stroke="#333"/>`);
    for (let i = 0; i <= 4; i++) {
      const y = (yMax * i) / 4;
      parts.push(`<line x1="${left}" y1="${py(y)}" x2="${left + width}" y2="${py(y)}" stroke="#ddd"/><text x="${left - 6}" y="${py(y) + 4}" text-anchor="end">${n(Math.round(y))}</text>`);
    }
    for (const x of xs) parts.push(`<text x="${px(x)}" y="${top + height + 16}" text-anchor="middle">${n(x)}</text>`);
    parts.push(`<text x="${left + width / 2}" y="${top + height + 34}" text-anchor="middle">records in the dataset (log scale)</text>`);
    parts.push(`<text x="${left - 52}" y="${top + height / 2}" text-anchor="middle" transform="rotate(-90 ${left - 52} ${top + height / 2})">records/s</text>`);
    const series = [
      { name: 'Syncline', color: '#1f77b4', dash: '', values: panel.points.map((p) => [p.x, p.engine] as const) },
      { name: `raw ceiling (${panel.ceilingName})`, color: '#d62728', dash: ' stroke-dasharray="6 4"', values: panel.points.map((p) => [p.x, p.ceiling] as const) },
    ];
    series.forEach((s, i) => {
      parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dash} points="${s.values.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>`);
      for (const [x, y] of s.values) parts.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3.5" fill="${s.color}"/>`);
      const ly = top + height + 52 + i * 16;
      parts.push(`<line x1="${left}" y1="${ly - 4}" x2="${left + 24}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dash}/><text x="${left + 30}" y="${ly}">${s.name}</text>`);
    });
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function niceCeil(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].find((s) => s * magnitude >= value) ?? 10;
  return step * magnitude;
}
