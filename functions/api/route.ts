/**
 * Routes as data: each route declares its method, path, input schemas (query, headers, path
 * parameters, body) and response schemas, and a handler that receives the parsed input. The app
 * mounts the same list it hands to the OpenAPI generator, so the documentation cannot drift
 * from what is validated.
 */
import type { Context } from 'hono';
import { z } from 'zod';
import type { ApiKeyInfo } from '../engine/ports.js';
import { ApiError, invalidRequest } from './errors.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** Values the middleware puts on the context. */
export interface ApiEnv {
  Variables: {
    requestId: string;
    apiKey: ApiKeyInfo | undefined;
  };
}

export type ApiContext = Context<ApiEnv>;

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  /** Not JSON (e.g. the HTML reference page). */
  contentType?: string;
  /** The body lists records: the OpenAPI document types them with every sync's record models. */
  listsRecordModels?: boolean;
}

type ObjectSchema = z.ZodObject;
type Out<T> = T extends z.ZodType ? z.output<T> : undefined;

export interface RouteSpec<Q extends ObjectSchema | undefined, H extends ObjectSchema | undefined, P extends ObjectSchema | undefined, B extends z.ZodType | undefined> {
  method: HttpMethod;
  /** OpenAPI-style path, e.g. `/connections/{connectionId}`. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  /** Reachable without an API key (the health check only). */
  public?: boolean;
  /** Query parameters; `.strict()`, so unknown ones are rejected. */
  query?: Q;
  /** Headers the route reads, with their canonical spelling (lookups ignore case). */
  headers?: H;
  params?: P;
  /** JSON request body; `.strict()` objects, so unknown fields are rejected. */
  body?: B;
  responses: Record<number, ResponseSpec>;
}

export interface RouteInput<Q, H, P, B> {
  query: Out<Q>;
  headers: Out<H>;
  params: Out<P>;
  body: Out<B>;
  c: ApiContext;
}

export interface ApiRoute {
  spec: RouteSpec<ObjectSchema | undefined, ObjectSchema | undefined, ObjectSchema | undefined, z.ZodType | undefined>;
  handle(c: ApiContext): Promise<Response>;
}

export function defineRoute<
  Q extends ObjectSchema | undefined = undefined,
  H extends ObjectSchema | undefined = undefined,
  P extends ObjectSchema | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(spec: RouteSpec<Q, H, P, B>, handler: (input: RouteInput<Q, H, P, B>) => Promise<Response> | Response): ApiRoute {
  return {
    spec,
    async handle(c) {
      const input = {
        query: parseWith(spec.query ?? NO_QUERY, readQuery(c), 'query'),
        headers: parseWith(spec.headers, readHeaders(spec.headers, c), 'headers'),
        params: parseWith(spec.params, c.req.param() as Record<string, string>, 'path'),
        body: spec.body ? parseWith(spec.body, await readJsonBody(c), 'body') : undefined,
        c,
      } as RouteInput<Q, H, P, B>;
      return handler(input);
    },
  };
}

/** A route without query parameters still rejects any it is given. */
const NO_QUERY = z.object({}).strict();

function parseWith(schema: z.ZodType | undefined, value: unknown, location: string): unknown {
  if (!schema) return undefined;
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidRequest(location, parsed.error);
  return parsed.data;
}

/**
 * Query parameters as clients send them: a parameter given once is a string; given several
 * times (`ids=a&ids=b`, or PHP/axios style `ids[]=a`) it is the list of its distinct values. A
 * scalar parameter repeated with one value is therefore accepted; with different values it
 * fails validation, instead of one silently winning.
 */
function readQuery(c: ApiContext): Record<string, string | string[]> {
  // No prototype: `?__proto__=x` must become an own (unknown, so rejected) key, not a prototype change.
  const result: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  const all = new Map<string, string[]>();
  for (const [rawKey, values] of Object.entries(c.req.queries())) {
    const key = rawKey.endsWith('[]') ? rawKey.slice(0, -2) : rawKey;
    all.set(key, [...(all.get(key) ?? []), ...values]);
  }
  for (const [key, values] of all) {
    const distinct = [...new Set(values)];
    result[key] = distinct.length === 1 ? distinct[0]! : distinct;
  }
  return result;
}

function readHeaders(schema: ObjectSchema | undefined, c: ApiContext): Record<string, string | undefined> {
  const result: Record<string, string | undefined> = {};
  for (const name of Object.keys(schema?.shape ?? {})) {
    const value = c.req.header(name);
    if (value !== undefined) result[name] = value;
  }
  return result;
}

/** JSON body; a charset or other parameters on the content type are fine, another media type is not. */
async function readJsonBody(c: ApiContext): Promise<unknown> {
  const contentType = c.req.header('content-type');
  const text = await c.req.text();
  if (text.trim() === '') return undefined;
  if (contentType !== undefined) {
    const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
    if (mediaType !== 'application/json' && !mediaType.endsWith('+json')) {
      throw new ApiError(415, 'unsupported_media_type', `send the body as application/json, not ${mediaType || 'an empty media type'}`);
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(400, 'invalid_json', 'the request body is not valid JSON');
  }
}

/**
 * A list-valued query parameter: repeated (`ids=a&ids=b`) and, when `commaSeparated`, also a
 * comma list (`filter=added,deleted`), as Nango's clients send them.
 */
export function listParam<T extends z.ZodType>(item: T, options: { commaSeparated: boolean; max?: number }) {
  const split = (value: unknown): unknown => {
    if (value === undefined) return undefined;
    const values = Array.isArray(value) ? value : [value];
    if (!options.commaSeparated) return values;
    return values.flatMap((v) =>
      typeof v === 'string'
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== '')
        : [v],
    );
  };
  const array = z.array(item).min(1);
  return z.preprocess(split, options.max === undefined ? array : array.max(options.max));
}

/** A JSON response with its status; handlers return through this so the status is explicit. */
export function json(c: ApiContext, status: 200 | 201, body: unknown): Response {
  return c.json(body as object, status);
}
