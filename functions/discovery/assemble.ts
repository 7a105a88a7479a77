/**
 * Turns a scanned project and its loaded modules into integration declarations. The same code
 * runs on modules imported at start-up (`discover.ts`) and on the static imports of a Lambda
 * bundle (`static-registry.ts`), so both see the same integrations and the same errors.
 */
import { catalogProvider } from '../engine/providers/catalog.js';
import type { IntegrationDeclaration } from '../engine/integration.js';
import { type DeclaredAction, isDeclaredAction, isDeclaredOnEvent } from '../engine/script-definition.js';
import { type DeclaredSync, isDeclaredSync, normalizeSync } from '../engine/sync-definition.js';
import { displayPath, type PlannedIntegration, type ProjectPlan, type ScanProblem } from './scan.js';

/** A module as `import()` gives it, or why it could not be loaded. */
export type LoadedModule = { ok: true; exports: Record<string, unknown> } | { ok: false; error: unknown };

export interface ScriptReport {
  integration: string;
  kind: 'sync' | 'action' | 'onEvent' | 'integration';
  name: string;
  file: string;
  status: 'loaded' | 'skipped' | 'rejected';
  reason?: string;
}

export interface AssembledProject {
  declarations: IntegrationDeclaration[];
  reports: ScriptReport[];
  problems: ScanProblem[];
}

const ON_EVENT_NOT_RUN = 'loaded; on-event scripts are listed but not run yet';

export function assembleIntegrations(plan: ProjectPlan, modules: ReadonlyMap<string, LoadedModule>): AssembledProject {
  const result: AssembledProject = { declarations: [], reports: [], problems: [...plan.problems] };
  for (const planned of plan.integrations) {
    if (planned.form === 'syncline') assembleSynclineForm(planned, modules, result);
    else assembleNangoLayout(planned, modules, result);
  }
  for (const report of result.reports) {
    if (report.status === 'rejected') result.problems.push({ file: report.file, reason: report.reason ?? 'rejected' });
  }
  return result;
}

function assembleSynclineForm(planned: PlannedIntegration, modules: ReadonlyMap<string, LoadedModule>, result: AssembledProject): void {
  const file = planned.indexFile as string;
  const report: ScriptReport = { integration: planned.key, kind: 'integration', name: 'index', file, status: 'loaded' };
  result.reports.push(report);
  const exported = defaultExport(modules.get(file));
  if (!exported.ok) {
    reject(report, exported.reason);
    return;
  }
  const declaration = exported.value as IntegrationDeclaration;
  if (typeof declaration !== 'object' || declaration === null || typeof declaration.providerConfigKey !== 'string' || typeof declaration.syncs !== 'object') {
    reject(report, 'the default export is not defineIntegration({ providerConfigKey, provider, syncs })');
    return;
  }
  result.declarations.push(declaration);
}

function assembleNangoLayout(planned: PlannedIntegration, modules: ReadonlyMap<string, LoadedModule>, result: AssembledProject): void {
  const syncs: Record<string, DeclaredSync> = {};
  const actions: Record<string, DeclaredAction> = {};
  for (const script of planned.scripts) {
    const report: ScriptReport = { integration: planned.key, kind: script.kind, name: script.name, file: script.file, status: 'loaded' };
    result.reports.push(report);
    const exported = defaultExport(modules.get(script.file));
    if (!exported.ok) {
      reject(report, exported.reason);
      continue;
    }
    const value = exported.value;
    if (script.kind === 'sync') {
      const declared = asDeclaredSync(value);
      if (typeof declared === 'string') {
        reject(report, declared);
        continue;
      }
      try {
        const { warnings } = normalizeSync(script.name, declared);
        if (warnings.length > 0) report.reason = warnings.join('; ');
        syncs[script.name] = declared;
      } catch (error) {
        reject(report, (error as Error).message);
      }
    } else if (script.kind === 'action' && isDeclaredAction(value)) {
      // Run on demand (`POST /action/trigger`) and listed by `GET /scripts/config`, as on Nango.
      actions[script.name] = value;
    } else if (script.kind === 'onEvent' && isDeclaredOnEvent(value)) {
      report.status = 'skipped';
      report.reason = ON_EVENT_NOT_RUN;
    } else {
      reject(report, `the default export is not ${script.kind === 'action' ? 'createAction' : 'createOnEvent'}({...})`);
    }
  }
  // A folder of on-event scripts alone (or of rejected scripts) declares no integration unless mapped.
  if (Object.keys(syncs).length === 0 && Object.keys(actions).length === 0 && !planned.mapping) return;
  const provider = planned.mapping?.provider ?? planned.key;
  if (typeof provider === 'string' && !isCatalogProvider(provider)) {
    result.problems.push({
      file: planned.dir,
      reason: `integration "${planned.key}": no provider "${provider}" in the catalog (GET /providers lists them); map the folder to one in ${displayPath(`${planned.dir}/../syncline.json`)}, e.g. {"integrations": {"${planned.key}": {"provider": "<catalog name>"}}}`,
    });
    return;
  }
  result.declarations.push({
    providerConfigKey: planned.key,
    provider,
    ...(planned.mapping?.overrides ? { overrides: planned.mapping.overrides } : {}),
    syncs,
    ...(Object.keys(actions).length > 0 ? { actions } : {}),
  });
}

/** A sync from Nango's current form; a message for the older form and anything else. */
function asDeclaredSync(value: unknown): DeclaredSync | string {
  if (isDeclaredSync(value)) return value;
  if (typeof value === 'function') {
    return "the default export is a function: Nango's older script form, whose config lived in nango.yaml; convert it with `npx nango migrate-to-zero-yaml`, or wrap it with legacySync in a Syncline-form integration";
  }
  // `createSync` from another copy of Nango's SDK gives the same shape without Syncline's tag.
  if (typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'sync') return value as DeclaredSync;
  return 'the default export is not createSync({...})';
}

function defaultExport(loaded: LoadedModule | undefined): { ok: true; value: unknown } | { ok: false; reason: string } {
  if (!loaded) return { ok: false, reason: 'not loaded' };
  if (!loaded.ok) return { ok: false, reason: loadErrorReason(loaded.error) };
  if (!('default' in loaded.exports)) return { ok: false, reason: 'the file has no default export (scripts `export default createSync({...})`)' };
  return { ok: true, value: loaded.exports['default'] };
}

/** Why a module failed to load, in one line: a missing package says what to install. */
export function loadErrorReason(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ERR_MODULE_NOT_FOUND') {
    const pkg = /Cannot find package '([^']+)'/.exec(message)?.[1];
    if (pkg) return `imports the package "${pkg}", which is not installed: add it to Syncline's package.json (npm install ${pkg})`;
  }
  return message.split('\n')[0] ?? message;
}

function reject(report: ScriptReport, reason: string): void {
  report.status = 'rejected';
  report.reason = reason;
}

function isCatalogProvider(name: string): boolean {
  try {
    catalogProvider(name);
    return true;
  } catch {
    return false;
  }
}

/** One error listing every problem, each with its file: start-up and synth stop on it. */
export class DiscoveryError extends Error {
  override readonly name = 'DiscoveryError';
  constructor(readonly problems: ScanProblem[]) {
    super(`${problems.length} integration problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  ${displayPath(p.file)}: ${p.reason}`).join('\n')}`);
  }
}

/** The declarations, or a `DiscoveryError` when anything was rejected. */
export function declarationsOrThrow(project: AssembledProject): IntegrationDeclaration[] {
  if (project.problems.length > 0) throw new DiscoveryError(project.problems);
  return project.declarations;
}
