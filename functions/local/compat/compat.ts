/**
 * `npm run compat -- <folder> [--all] [--no-typecheck]`: how much of a Nango project runs on
 * Syncline as it is. Loads every script of a Nango-layout folder the way start-up does, validates
 * each sync (frequency, models, options), type-checks every script against Syncline's `nango`
 * module, and prints a table of the scripts that are not clean (all of them with `--all`), then
 * a line for syncs, one for actions and one summary line:
 *
 *   <a> loaded, <b> with type errors, <c> rejected, <d> skipped of <n>
 *
 * Syncs and actions that load run; "skipped" are on-event scripts: loaded and type-checked, not
 * run yet. Exit code 1 when any script is rejected or has type errors.
 */
import { resolve } from 'node:path';
import { assembleIntegrations, type ScriptReport } from '../../discovery/assemble.js';
import { loadPlan, PROJECT_ROOT } from '../../discovery/discover.js';
import { displayPath, scanProject } from '../../discovery/scan.js';
import { type ScriptTypeError, typeCheckScripts } from './typecheck.js';

interface Row extends ScriptReport {
  typeErrors: ScriptTypeError[];
}

/** How many scripts of one kind there are, load, and type-check clean. */
export interface ScriptKindSummary {
  total: number;
  loaded: number;
  typeClean: number;
}

export interface CompatResult {
  rows: Row[];
  summary: { loaded: number; typeErrors: number; rejected: number; skipped: number; total: number };
  syncs: ScriptKindSummary;
  actions: ScriptKindSummary;
  /** Problems that are not a script's: provider mappings, nango.yaml. */
  notes: string[];
}

export async function runCompat(folder: string, { typecheck = true } = {}): Promise<CompatResult> {
  const plan = scanProject([folder]);
  const assembled = assembleIntegrations(plan, await loadPlan(plan));
  const reports = assembled.reports.filter((report) => report.kind !== 'integration');
  const typeErrors = new Map<string, ScriptTypeError[]>();
  // One program per few hundred scripts: a single program over thousands runs out of heap.
  if (typecheck) for (const chunk of chunksByIntegration(reports, 400)) for (const [file, errors] of typeCheckScripts(folder, chunk, PROJECT_ROOT)) typeErrors.set(file, errors);
  const rows: Row[] = reports.map((report) => ({ ...report, typeErrors: typeErrors.get(resolve(report.file)) ?? [] }));
  const scriptFiles = new Set(rows.map((row) => row.file));
  const notes = assembled.problems.filter((problem) => !scriptFiles.has(problem.file)).map((problem) => `${displayPath(problem.file)}: ${problem.reason}`);
  return {
    rows,
    summary: {
      loaded: rows.filter((row) => row.status === 'loaded').length,
      typeErrors: rows.filter((row) => row.status !== 'rejected' && row.typeErrors.length > 0).length,
      rejected: rows.filter((row) => row.status === 'rejected').length,
      skipped: rows.filter((row) => row.status === 'skipped').length,
      total: rows.length,
    },
    syncs: summarizeKind(rows, 'sync'),
    actions: summarizeKind(rows, 'action'),
    notes,
  };
}

function summarizeKind(rows: Row[], kind: Row['kind']): ScriptKindSummary {
  const ofKind = rows.filter((row) => row.kind === kind);
  return {
    total: ofKind.length,
    loaded: ofKind.filter((row) => row.status === 'loaded').length,
    typeClean: ofKind.filter((row) => row.status === 'loaded' && row.typeErrors.length === 0).length,
  };
}

/** Script files in groups of about `size`, an integration's scripts kept together (they share helpers). */
function chunksByIntegration(reports: ScriptReport[], size: number): string[][] {
  const chunks: string[][] = [[]];
  let integration = '';
  for (const report of reports) {
    const current = chunks[chunks.length - 1] as string[];
    if (current.length >= size && report.integration !== integration) chunks.push([report.file]);
    else current.push(report.file);
    integration = report.integration;
  }
  return chunks.filter((chunk) => chunk.length > 0);
}

export function formatCompat(result: CompatResult, { all = false } = {}): string {
  const lines: string[] = [];
  const shown = result.rows.filter((row) => all || row.status === 'rejected' || row.typeErrors.length > 0);
  if (shown.length > 0) {
    lines.push(['status', 'type errors', 'script', 'reason'].join('\t'));
    for (const row of shown) {
      const first = row.typeErrors[0];
      const reason = row.reason && row.status === 'rejected' ? row.reason : first ? `${displayPath(first.file)}:${first.line} ${first.message}` : (row.reason ?? '');
      lines.push(
        [row.status, String(row.typeErrors.length), `${row.integration}/${row.kind === 'sync' ? 'syncs' : row.kind === 'action' ? 'actions' : 'on-events'}/${row.name}`, oneLine(reason)].join('\t'),
      );
    }
    lines.push('');
  }
  for (const note of result.notes) lines.push(`note: ${note}`);
  const { syncs, actions, summary } = result;
  lines.push(kindLine('syncs', syncs));
  if (actions.total > 0) lines.push(kindLine('actions', actions));
  lines.push(`${summary.loaded} loaded, ${summary.typeErrors} with type errors, ${summary.rejected} rejected, ${summary.skipped} skipped of ${summary.total}`);
  return lines.join('\n');
}

function kindLine(label: string, { loaded, total, typeClean }: ScriptKindSummary): string {
  return `${label}: ${loaded} of ${total} loaded (${percent(loaded, total)}), ${typeClean} type-clean (${percent(typeClean, total)})`;
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '–' : `${((100 * part) / whole).toFixed(1)} %`;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 240 ? `${flat.slice(0, 237)}...` : flat;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const folder = args.find((arg) => !arg.startsWith('--'));
  if (!folder) {
    console.error('usage: npm run compat -- <nango-integrations folder> [--all] [--no-typecheck]');
    process.exit(2);
  }
  const started = Date.now();
  const result = await runCompat(resolve(folder), { typecheck: !args.includes('--no-typecheck') });
  console.log(formatCompat(result, { all: args.includes('--all') }));
  console.error(`(${((Date.now() - started) / 1000).toFixed(1)} s)`);
  process.exit(result.summary.rejected > 0 || result.summary.typeErrors > 0 ? 1 : 0);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
