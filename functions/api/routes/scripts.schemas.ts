/**
 * `GET /scripts/config`: Nango's `StandardNangoConfig[]` (packages/types `flow/index.ts`, as the
 * server fills it in `convertSyncConfigToStandardConfig`), or its OpenAI function list.
 */
import * as z from 'zod';
import { caseInsensitiveEnum } from '../route.js';

export const ScriptsConfigQuery = z.object({
  format: caseInsensitiveEnum(['nango', 'openai']).default('nango').meta({ description: 'nango (default): the scripts of every integration; openai: one OpenAI function definition per script' }),
});

const JsonSchemaObject = z.record(z.string(), z.unknown());

const Endpoint = z.object({ method: z.string(), path: z.string(), group: z.string().nullable() });

/** One script (sync or action), with Nango's field names; the sync-only fields come last. */
export const ScriptConfigSchema = z.object({
  name: z.string(),
  type: z.enum(['sync', 'action']),
  returns: z.array(z.string()).meta({ description: "Model names: a sync's record models, an action's output model" }),
  description: z.string(),
  attributes: z.record(z.string(), z.unknown()),
  scopes: z.array(z.string()),
  version: z.string().nullable(),
  endpoints: z.array(Endpoint),
  input: z.string().optional().meta({ description: 'Name of the metadata (sync) or input (action) model in json_schema' }),
  enabled: z.boolean(),
  webhookSubscriptions: z.array(z.string()),
  json_schema: z.object({ definitions: z.record(z.string(), JsonSchemaObject) }).meta({ description: 'JSON Schema (draft 7) of every model the script uses, under definitions' }),
  sdk_version: z.string().nullable(),
  models: z.array(z.object({ name: z.string(), fields: z.array(z.unknown()) })).meta({ description: 'Deprecated on Nango: the model names of json_schema, without fields' }),
  features: z.array(z.string()),
  sync_type: z.enum(['full', 'incremental']).optional(),
  auto_start: z.boolean().optional(),
  runs: z.string().optional(),
  track_deletes: z.boolean().optional(),
});

export const IntegrationScriptsConfigSchema = z.object({
  providerConfigKey: z.string(),
  provider: z.string(),
  syncs: z.array(ScriptConfigSchema),
  actions: z.array(ScriptConfigSchema),
  'on-events': z.array(ScriptConfigSchema).meta({ description: 'Always empty, as on Nango (on-event scripts are not part of this list)' }),
});

export const OpenAiFunctionSchema = z.object({
  name: z.string(),
  description: z.string(),
  parameters: z.object({ type: z.literal('object'), properties: z.record(z.string(), z.unknown()), required: z.array(z.string()) }),
});

export const ScriptsConfigResponse = z.union([z.array(IntegrationScriptsConfigSchema), z.object({ data: z.array(OpenAiFunctionSchema) })]);

export type ScriptConfig = z.infer<typeof ScriptConfigSchema>;
export type IntegrationScriptsConfig = z.infer<typeof IntegrationScriptsConfigSchema>;
export type OpenAiFunction = z.infer<typeof OpenAiFunctionSchema>;
