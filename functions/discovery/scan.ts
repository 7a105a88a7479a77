/**
 * Finds a project's integrations from its folders — no list to edit. Two forms sit side by side:
 *
 * - Syncline form: `<root>/<folder>/index.ts` default-exports `defineIntegration({...})`.
 * - Nango layout: `<root>/<integration-id>/syncs/<sync-name>.ts` (`createSync`), `actions/*.ts`
 *   (`createAction`) and `on-events/*.ts` (`createOnEvent`); the folder name is the integration id
 *   (`providerConfigKey`), the file name the script's name. Other folders (helpers, mappers,
 *   tests, .nango) are the scripts' own business.
 *
 * The provider of a Nango-layout integration is the catalog entry named like the folder, unless
 * `<root>/syncline.json` maps it (`{"integrations": {"hubspot-sandbox": {"provider": "hubspot"}}}`).
 * Scanning reads only the file system; loading the modules is `discover.ts`'s job.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import * as z from 'zod';
import type { ProviderOverrides } from '../engine/integration.js';
import type { ProviderInput } from '../engine/providers/provider.js';

export type ScriptKind = 'sync' | 'action' | 'onEvent';

export interface PlannedScript {
  kind: ScriptKind;
  name: string;
  /** Absolute path. */
  file: string;
}

export interface PlannedIntegration {
  key: string;
  dir: string;
  form: 'syncline' | 'nango';
  /** The Syncline-form module (`index.ts`). */
  indexFile?: string;
  scripts: PlannedScript[];
  /** The provider and overrides from `syncline.json`; unset = the catalog entry named like the folder. */
  mapping?: IntegrationMapping;
}

export interface ScanProblem {
  file: string;
  reason: string;
}

export interface ProjectPlan {
  integrations: PlannedIntegration[];
  problems: ScanProblem[];
}

const IntegrationMappingSchema = z.strictObject({
  provider: z.union([z.string().min(1), z.record(z.string(), z.unknown())]).optional(),
  overrides: z.strictObject({ baseUrl: z.string().optional(), authorizationUrl: z.string().optional(), tokenUrl: z.string().optional() }).optional(),
});
const MappingFileSchema = z.strictObject({ integrations: z.record(z.string(), IntegrationMappingSchema) });

export interface IntegrationMapping {
  provider?: string | ProviderInput;
  overrides?: ProviderOverrides;
}

export const MAPPING_FILE = 'syncline.json';
const SCRIPT_FOLDERS: Record<string, ScriptKind> = { syncs: 'sync', actions: 'action', 'on-events': 'onEvent' };

/** Scans each root that exists; a missing root is simply empty. */
export function scanProject(roots: string[]): ProjectPlan {
  const plan: ProjectPlan = { integrations: [], problems: [] };
  for (const root of roots) {
    if (!existsSync(root) || !statSync(root).isDirectory()) continue;
    scanRoot(root, plan);
  }
  return plan;
}

function scanRoot(root: string, plan: ProjectPlan): void {
  const yaml = join(root, 'nango.yaml');
  if (existsSync(yaml)) {
    plan.problems.push({
      file: yaml,
      reason:
        "this folder uses Nango's older nango.yaml layout; convert it with Nango's own converter (`npx nango migrate-to-zero-yaml`, scripts then use createSync), or wrap each script with legacySync in a Syncline-form integration",
    });
    return;
  }
  const mappings = readMappings(root, plan);
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const dir = join(root, entry.name);
    const indexFile = join(dir, 'index.ts');
    if (existsSync(indexFile)) {
      plan.integrations.push({ key: entry.name, dir, form: 'syncline', indexFile, scripts: [] });
      continue;
    }
    const scripts = scanScripts(dir);
    if (scripts.length === 0) continue;
    const mapping = mappings[entry.name];
    plan.integrations.push({ key: entry.name, dir, form: 'nango', scripts, ...(mapping ? { mapping } : {}) });
  }
  for (const key of Object.keys(mappings)) {
    if (!plan.integrations.some((integration) => integration.key === key && integration.dir.startsWith(root))) {
      plan.problems.push({ file: join(root, MAPPING_FILE), reason: `maps integration "${key}", but there is no folder ${join(root, key)} with syncs, actions or on-events` });
    }
  }
}

function scanScripts(dir: string): PlannedScript[] {
  const scripts: PlannedScript[] = [];
  for (const [folder, kind] of Object.entries(SCRIPT_FOLDERS)) {
    const scriptDir = join(dir, folder);
    if (!existsSync(scriptDir) || !statSync(scriptDir).isDirectory()) continue;
    for (const file of readdirSync(scriptDir).sort()) {
      if (!isScriptFile(file)) continue;
      scripts.push({ kind, name: basename(file, '.ts'), file: join(scriptDir, file) });
    }
  }
  return scripts;
}

function isScriptFile(file: string): boolean {
  return file.endsWith('.ts') && !file.endsWith('.d.ts') && !file.endsWith('.test.ts') && !file.endsWith('.spec.ts');
}

function readMappings(root: string, plan: ProjectPlan): Record<string, IntegrationMapping> {
  const file = join(root, MAPPING_FILE);
  if (!existsSync(file)) return {};
  try {
    const parsed = MappingFileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (parsed.success) return parsed.data.integrations as Record<string, IntegrationMapping>;
    plan.problems.push({ file, reason: z.prettifyError(parsed.error) });
  } catch (error) {
    plan.problems.push({ file, reason: `not valid JSON: ${(error as Error).message}` });
  }
  return {};
}

/** A path as people read it in a message: relative to the working directory when inside it. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}
