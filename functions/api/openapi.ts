/**
 * The OpenAPI 3.1 document, generated from the same route list the app mounts (their zod
 * schemas, through `z.toJSONSchema`) and from every sync's record models, so `GET /records` of
 * `Contact` is documented with Contact's fields.
 */
import * as z from 'zod';
import type { IntegrationRegistry } from '../engine/integration.js';
import { ErrorResponseSchema } from './errors.js';
import { API_KEY_SCOPES } from '../engine/api-key-scopes.js';
import { type ApiRoute, isDeepObjectParam, type ResponseSpec } from './route.js';
import { requiredScope } from './scopes.js';
import { NangoMetadataSchema } from './routes/records.schemas.js';

export type JsonSchema = Record<string, unknown>;

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers?: { url: string }[];
  security: Record<string, string[]>[];
  tags: { name: string }[];
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, JsonSchema>; responses: Record<string, unknown> };
}

export interface OpenApiParameter {
  name: string;
  in: 'query' | 'header' | 'path';
  required: boolean;
  description?: string;
  deprecated?: boolean;
  /** `deepObject` for `tags[key]=value` parameters (with `explode: true`); `form` for a passthrough route's free-form query. */
  style?: 'deepObject' | 'form';
  explode?: boolean;
  schema: JsonSchema;
}

export interface OpenApiOperation {
  operationId: string;
  tags: string[];
  summary: string;
  description?: string;
  deprecated?: boolean;
  security?: Record<string, string[]>[];
  /** The API-key scope the operation needs (`any`: every valid key). */
  'x-required-scope'?: string;
  parameters: OpenApiParameter[];
  requestBody?: { required: boolean; description?: string; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, unknown>;
}

const ERROR_RESPONSES = {
  BadRequest: { description: 'Invalid request (unknown or malformed parameters, fields, cursor or JSON)', status: 400 },
  Unauthorized: { description: 'Missing or wrong API key', status: 401 },
  Forbidden: { description: 'The API key lacks the scope this call needs', status: 403 },
  NotFound: { description: 'Unknown integration, connection, sync, model or route', status: 404 },
  Conflict: { description: 'The request conflicts with the current state', status: 409 },
  PayloadTooLarge: { description: 'The request body is too large', status: 413 },
  InternalError: { description: 'Unexpected server error (details are logged, never returned)', status: 500 },
} as const;

/** What a passthrough route (the proxy) documents beyond its declared parameters: any query, passed on. */
const PASSTHROUGH_PARAMETERS: OpenApiParameter[] = [
  {
    name: 'query',
    in: 'query',
    required: false,
    description: 'Any query parameters: passed on to the provider as sent.',
    style: 'form',
    explode: true,
    schema: { type: 'object', additionalProperties: { type: 'string' } },
  },
];

const SECURITY_DESCRIPTION = [
  'A Syncline secret key. Each key has scopes, and each operation names the one it needs in `x-required-scope`:',
  '`full` may do everything, including reading connection credentials and client secrets and managing API keys (what a Nango secret key does);',
  `restricted keys hold some of ${API_KEY_SCOPES.slice(1).join(', ')} — an area's \`write\` implies its \`read\`; GET operations of an area need \`read\`, the others \`write\` —`,
  "and never see a stored secret: a connection read with one has `credentials: {type}` only, and rotating a webhook subscription's signing secret needs `full`.",
  "The one secret a restricted key receives is that of a webhook subscription it creates (`webhooks:write`), which signs only that subscription's deliveries.",
  "A call outside the key's scopes answers 403 `forbidden`.",
].join(' ');

export function buildOpenApiDocument(routes: ApiRoute[], registry: IntegrationRegistry, options: { publicUrl?: string; version?: string } = {}): OpenApiDocument {
  const models = modelComponents(registry);
  const paths: OpenApiDocument['paths'] = {};
  for (const { spec } of routes) {
    const parameters = [...parametersOf(spec.params, 'path'), ...parametersOf(spec.query, 'query'), ...parametersOf(spec.headers, 'header'), ...(spec.passthrough ? PASSTHROUGH_PARAMETERS : [])];
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(spec.responses)) responses[status] = responseOf(response, models.recordRefs);
    const auth = spec.auth ?? 'api_key';
    if (auth !== 'public') {
      responses['400'] = { $ref: '#/components/responses/BadRequest' };
      responses['401'] = { $ref: '#/components/responses/Unauthorized' };
      responses['403'] ??= { $ref: '#/components/responses/Forbidden' };
      responses['404'] = { $ref: '#/components/responses/NotFound' };
    }
    if (spec.method !== 'get') responses['409'] = { $ref: '#/components/responses/Conflict' };
    const rawBody = spec.passthrough && spec.method !== 'get' ? spec.passthrough : undefined;
    if (spec.body || rawBody) responses['413'] = { $ref: '#/components/responses/PayloadTooLarge' };
    responses['500'] = { $ref: '#/components/responses/InternalError' };
    (paths[spec.path] ??= {})[spec.method] = {
      operationId: `${spec.method}${spec.path.replace(/[{}]/g, '').split(/[/_-]/).map(capitalize).join('')}`,
      tags: [spec.tag],
      summary: spec.summary,
      ...(spec.description ? { description: spec.description } : {}),
      ...(spec.deprecated ? { deprecated: true } : {}),
      ...(auth === 'public' ? { security: [] } : auth === 'connect_session' ? { security: [{ connectSessionToken: [] }, { bearerAuth: [] }] } : { 'x-required-scope': requiredScope(spec) }),
      parameters,
      ...(spec.body ? { requestBody: { required: true, content: { 'application/json': { schema: toJsonSchema(spec.body, 'input') } } } } : {}),
      // JSON first, as Nango's clients send it; any other media type is taken too.
      ...(rawBody
        ? { requestBody: { required: false, description: `${rawBody.bodyDescription} At most ${rawBody.maxBodyBytes} bytes.`, content: { 'application/json': { schema: {} }, '*/*': { schema: {} } } } }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Syncline API',
      version: options.version ?? '1.0.0',
      description: 'Nango-compatible records and sync controls, connections, API keys, and Syncline extras (cancel, executions). Authenticate with `Authorization: Bearer <secret key>`.',
    },
    ...(options.publicUrl ? { servers: [{ url: options.publicUrl }] } : {}),
    security: [{ bearerAuth: [] }],
    tags: [...new Set(routes.map((r) => r.spec.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: SECURITY_DESCRIPTION },
        connectSessionToken: {
          type: 'apiKey',
          in: 'query',
          name: 'connect_session_token',
          description: 'A connect session token (`nango_connect_session_…`, from `POST /connect/sessions`), as the query parameter or as `Authorization: Bearer <token>`.',
        },
      },
      schemas: {
        Error: toJsonSchema(ErrorResponseSchema, 'output'),
        NangoRecordMetadata: toJsonSchema(NangoMetadataSchema, 'output'),
        ...models.schemas,
      },
      responses: Object.fromEntries(
        Object.entries(ERROR_RESPONSES).map(([name, r]) => [name, { description: r.description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }]),
      ),
    },
  };
}

/**
 * JSON Schema of a zod schema, without its `$schema`: 2020-12 (the dialect of OpenAPI 3.1)
 * unless asked for draft 7 (what Nango's `json_schema` of a script holds). What cannot be
 * expressed becomes `{}`; a date is a date-time string, as it travels in JSON.
 */
export function toJsonSchema(schema: z.ZodType, io: 'input' | 'output', target: 'draft-2020-12' | 'draft-7' = 'draft-2020-12'): JsonSchema {
  const converted = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    target,
    override: (ctx) => {
      if (ctx.zodSchema instanceof z.ZodDate) Object.assign(ctx.jsonSchema, { type: 'string', format: 'date-time' });
    },
  }) as JsonSchema;
  const { $schema: _dialect, ...rest } = converted;
  return rest;
}

function parametersOf(schema: z.ZodObject | undefined, location: OpenApiParameter['in']): OpenApiParameter[] {
  if (!schema) return [];
  return Object.entries(schema.shape).map(([name, field]) => {
    const { description, deprecated, ...fieldSchema } = toJsonSchema(field as z.ZodType, 'output');
    return {
      name,
      in: location,
      required: location === 'path' || !(field as z.ZodType).safeParse(undefined).success,
      ...(typeof description === 'string' ? { description } : {}),
      ...(deprecated === true ? { deprecated: true } : {}),
      ...(isDeepObjectParam(field as z.ZodType) ? { style: 'deepObject' as const, explode: true } : {}),
      schema: fieldSchema,
    };
  });
}

function responseOf(response: ResponseSpec, recordRefs: JsonSchema[]): unknown {
  if (!response.schema) return { description: response.description };
  let schema = toJsonSchema(response.schema, 'output');
  if (response.listsRecordModels && recordRefs.length > 0) {
    schema = { ...schema, properties: { ...(schema['properties'] as JsonSchema), records: { type: 'array', items: { oneOf: recordRefs } } } };
  }
  return { description: response.description, content: { [response.contentType ?? 'application/json']: { schema } } };
}

/** `Contact` and `ContactRecord` (the model plus `id` and `_nango_metadata`) for every model of every sync. */
function modelComponents(registry: IntegrationRegistry): { schemas: Record<string, JsonSchema>; recordRefs: JsonSchema[] } {
  const owners = new Map<string, number>();
  for (const integration of registry.all()) for (const sync of integration.syncs.values()) for (const model of Object.keys(sync.models)) owners.set(model, (owners.get(model) ?? 0) + 1);
  const schemas: Record<string, JsonSchema> = {};
  const recordRefs: JsonSchema[] = [];
  for (const integration of registry.all()) {
    for (const sync of integration.syncs.values()) {
      for (const [model, zodSchema] of Object.entries(sync.models)) {
        // Two integrations may both declare `Contact`: then each gets a prefixed name.
        const name = owners.get(model) === 1 ? model : `${integration.providerConfigKey}.${model}`;
        const schema = toJsonSchema(zodSchema, 'output');
        schemas[name] = {
          ...schema,
          description: (schema['description'] as string | undefined) ?? `Model ${model} of sync "${sync.name}" (integration ${integration.providerConfigKey}); GET /records?model=${model}`,
        };
        schemas[`${name}Record`] = {
          allOf: [
            { $ref: `#/components/schemas/${name}` },
            {
              type: 'object',
              required: ['id', '_nango_metadata'],
              properties: { id: { type: 'string' }, _nango_metadata: { $ref: '#/components/schemas/NangoRecordMetadata' } },
            },
          ],
        };
        recordRefs.push({ $ref: `#/components/schemas/${name}Record` });
      }
    }
  }
  return { schemas, recordRefs };
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
