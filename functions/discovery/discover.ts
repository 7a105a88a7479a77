/**
 * Start-up discovery: scans the project's integration folders, imports every script (through the
 * resolve hook, so a Nango folder's `import … from 'nango'` is Syncline's SDK) and assembles the
 * declarations. Used by `npm start`, the tests, `cdk synth` and `npm run compat`.
 */
import { register } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type AssembledProject, assembleIntegrations, declarationsOrThrow, type LoadedModule } from './assemble.js';
import { type ProjectPlan, scanProject } from './scan.js';
import type { IntegrationDeclaration } from '../engine/integration.js';

/** The repository root (this file is functions/discovery/discover.ts). */
export const PROJECT_ROOT = resolve(import.meta.dirname, '../..');
export const DEFAULT_NANGO_DIR = 'nango-integrations';

/** The folders integrations are found in: `integrations/` and the Nango-layout folder (`SYNCLINE_NANGO_DIR`). */
export function projectRoots(nangoDir: string = process.env['SYNCLINE_NANGO_DIR'] || DEFAULT_NANGO_DIR): string[] {
  return [join(PROJECT_ROOT, 'integrations'), resolve(PROJECT_ROOT, nangoDir)];
}

let hookRegistered = false;

/** Maps `nango` to Syncline's SDK for modules loaded from anywhere (idempotent). */
export function registerNangoResolution(): void {
  if (hookRegistered) return;
  hookRegistered = true;
  register(pathToFileURL(join(PROJECT_ROOT, 'functions/discovery/resolve-hook.mjs')).href, {
    data: {
      nangoUrl: pathToFileURL(join(PROJECT_ROOT, 'functions/engine/sdk/nango-module.ts')).href,
      projectPackageJsonUrl: pathToFileURL(join(PROJECT_ROOT, 'package.json')).href,
    },
  });
}

/** Imports every module the plan names; a failure is kept per file, never thrown. */
export async function loadPlan(plan: ProjectPlan): Promise<Map<string, LoadedModule>> {
  registerNangoResolution();
  const files = plan.integrations.flatMap((integration) => (integration.indexFile ? [integration.indexFile] : integration.scripts.map((script) => script.file)));
  const modules = new Map<string, LoadedModule>();
  for (const file of files) {
    try {
      modules.set(file, { ok: true, exports: (await import(pathToFileURL(file).href)) as Record<string, unknown> });
    } catch (error) {
      modules.set(file, { ok: false, error });
    }
  }
  return modules;
}

export async function discoverProject(roots: string[] = projectRoots()): Promise<AssembledProject> {
  const plan = scanProject(roots);
  return assembleIntegrations(plan, await loadPlan(plan));
}

/** The project's integrations; throws one `DiscoveryError` naming every bad file. */
export async function discoverIntegrations(roots: string[] = projectRoots()): Promise<IntegrationDeclaration[]> {
  return declarationsOrThrow(await discoverProject(roots));
}
