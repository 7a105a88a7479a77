/**
 * The scripts of every integration in Nango's `GET /scripts/config` shape, built from the
 * registry: what Nango's server lists from its deployed sync configs, filled in from the
 * declarations themselves. Model schemas are converted with the OpenAPI document's converter, in
 * draft 7 and named as Nango's CLI names them (`SyncMetadata_<integration>_<sync>`,
 * `ActionInput_…`, `ActionOutput_…`), so a tool that reads Nango's `json_schema` reads these.
 *
 * Where Syncline has no value: no numeric `id`, `last_deployed` or `source` (Nango's deployment
 * records), `sdk_version` is null, `enabled` is true (every discovered script is deployed).
 * Nango groups entries by provider (two integrations of one provider share an entry there);
 * here there is one entry per integration. `on-events` is always empty, as on Nango.
 */
import type * as z from 'zod';
import type { Integration, IntegrationRegistry } from '../../engine/integration.js';
import type { DeclaredAction } from '../../engine/script-definition.js';
import type { SyncDefinition } from '../../engine/sync-definition.js';
import { type JsonSchema, toJsonSchema } from '../openapi.js';
import type { IntegrationScriptsConfig, OpenAiFunction, ScriptConfig } from './scripts.schemas.js';

export function buildScriptsConfig(registry: IntegrationRegistry): IntegrationScriptsConfig[] {
  return registry
    .all()
    .filter((integration) => integration.syncs.size > 0 || integration.actions.size > 0)
    .sort((a, b) => compare(a.providerConfigKey, b.providerConfigKey))
    .map((integration) => ({
      providerConfigKey: integration.providerConfigKey,
      provider: integration.providerName,
      syncs: [...integration.syncs.values()].sort((a, b) => compare(a.name, b.name)).map((sync) => syncConfig(integration, sync)),
      actions: [...integration.actions].sort(([a], [b]) => compare(a, b)).map(([name, action]) => actionConfig(integration, name, action)),
      'on-events': [],
    }));
}

function syncConfig(integration: Integration, sync: SyncDefinition): ScriptConfig {
  const models: Record<string, z.ZodType> = { ...sync.models };
  const input = sync.metadata ? `SyncMetadata_${cleanKey(integration.providerConfigKey)}_${cleanName(sync.name)}` : undefined;
  if (input && sync.metadata) models[input] = sync.metadata;
  return {
    ...common(sync.name, 'sync', Object.keys(sync.models), definitions(models, 'output'), input),
    description: sync.description,
    scopes: sync.scopes,
    version: sync.version,
    endpoints: sync.endpoints.map((e) => ({ method: (e.method ?? 'GET').toUpperCase(), path: e.path, group: e.group ?? null })),
    webhookSubscriptions: sync.webhookSubscriptions,
    features: sync.checkpoint ? ['checkpoints'] : [],
    sync_type: sync.syncType,
    auto_start: sync.autoStart,
    runs: sync.frequency,
    track_deletes: sync.trackDeletes,
  };
}

function actionConfig(integration: Integration, name: string, action: DeclaredAction): ScriptConfig {
  const suffix = `${cleanKey(integration.providerConfigKey)}_${cleanName(name)}`;
  const input = `ActionInput_${suffix}`;
  const output = `ActionOutput_${suffix}`;
  const schemas: JsonSchema = {
    ...(isZod(action.input) ? { [input]: toJsonSchema(action.input, 'input', 'draft-7') } : {}),
    ...(isZod(action.output) ? { [output]: toJsonSchema(action.output, 'output', 'draft-7') } : {}),
  };
  return {
    ...common(name, 'action', [output], schemas as Record<string, JsonSchema>, input),
    description: typeof action.description === 'string' ? action.description : '',
    scopes: action.scopes ?? [],
    version: action.version ?? null,
    endpoints: action.endpoint ? [{ method: (action.endpoint.method ?? 'POST').toUpperCase(), path: action.endpoint.path, group: action.endpoint.group ?? null }] : [],
    webhookSubscriptions: [],
    features: action.checkpoint ? ['checkpoints'] : [],
  };
}

/** The fields every script has, in Nango's order; the caller fills in the declared ones. */
function common(name: string, type: 'sync' | 'action', returns: string[], schemas: Record<string, JsonSchema>, input: string | undefined): ScriptConfig {
  return {
    name,
    type,
    returns,
    description: '',
    attributes: {},
    scopes: [],
    version: null,
    endpoints: [],
    ...(input ? { input } : {}),
    enabled: true,
    webhookSubscriptions: [],
    json_schema: { definitions: schemas },
    sdk_version: null,
    models: Object.keys(schemas).map((model) => ({ name: model, fields: [] })),
    features: [],
  };
}

function definitions(models: Record<string, z.ZodType>, io: 'input' | 'output'): Record<string, JsonSchema> {
  return Object.fromEntries(Object.entries(models).map(([name, schema]) => [name, toJsonSchema(schema, io, 'draft-7')]));
}

/**
 * Nango's `format=openai`: one function per script. A sync takes no parameters; an action takes
 * its input model's properties, each described by a `- name: description` line of the action's
 * description when it has one.
 */
export function toOpenAiFunctions(configs: IntegrationScriptsConfig[]): OpenAiFunction[] {
  const functions: OpenAiFunction[] = [];
  for (const config of configs) {
    for (const sync of config.syncs) {
      functions.push({ name: sync.name, description: sync.description || `Execute the ${sync.name} sync for ${config.provider}`, parameters: { type: 'object', properties: {}, required: [] } });
    }
    for (const action of config.actions) {
      const input = action.input ? action.json_schema.definitions[action.input] : undefined;
      const described = parameterDescriptions(action.description);
      const properties: Record<string, unknown> = {};
      for (const [param, schema] of Object.entries((input?.['properties'] as Record<string, JsonSchema> | undefined) ?? {})) {
        properties[param] = described.has(param) ? { ...schema, description: described.get(param) } : schema;
      }
      const required = Array.isArray(input?.['required']) ? (input['required'] as string[]) : [];
      functions.push({ name: action.name, description: action.description || `Execute the ${action.name} action for ${config.provider}`, parameters: { type: 'object', properties, required } });
    }
  }
  return functions;
}

/** `- name: what it is` lines of a description, by name. */
function parameterDescriptions(description: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const line of description.split('\n')) {
    const match = /^\s*-\s*([^:]+?)\s*:\s*(.*?)\s*$/.exec(line);
    if (match) found.set(match[1]!, match[2]!);
  }
  return found;
}

/** Nango's CLI: non-alphanumerics become `_` in the integration id and are dropped from the script name. */
const cleanKey = (key: string) => key.replace(/[^a-zA-Z0-9]/g, '_');
const cleanName = (name: string) => name.replace(/[^a-zA-Z0-9]/g, '');

const isZod = (value: unknown): value is z.ZodType => typeof value === 'object' && value !== null && '_zod' in value;

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
