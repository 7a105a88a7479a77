/**
 * Routes as data: each route declares its method, path, input schemas (query, headers, path
 * parameters, body) and response schemas, and a handler that receives the parsed input. The app
 * mounts the same list it hands to the OpenAPI generator, so the documentation cannot drift
 * from what is validated.
 *
 * Leniency toward Nango's clients, which send more than any one route reads
 * (`refresh_github_app_jwt_token=false`, `format=nango`, a `page` the route does not page by):
 *   - Query parameters a route does not declare are ignored, never a 400; their names (not
 *     their values) go to the debug log. Declared ones are validated strictly.
 *   - Repeated parameters (`ids=a&ids=b`, `ids[]=a`) and comma lists are read by `listParam`;
 *     `tags[key]=value` (OpenAPI deepObject) by `deepObjectParam`; enum values in any case by
 *     `caseInsensitiveEnum`.
 *   - Bodies stay strict (`.strict()`: an unknown field is a 400, so a typo is not silently
 *     dropped), but each body schema takes every field Nango's spec or clients send, deprecated
 *     ones included.
 *   - Paths match with or without a trailing slash (the app's `strict: false`).
 */
import type { Context } from 'hono';
import * as z from 'zod';
import type { ConnectSession } from '../engine/connect/connect-session.js';
import type { ApiKeyInfo } from '../engine/ports.js';
import { ApiError, invalidRequest } from './errors.js';
import type { RouteScope } from './scopes.js';

export type RouteAuth = 'api_key' | 'connect_session' | 'public';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** Values the middleware puts on the context. */
export interface ApiEnv {
  Variables: {
    requestId: string;
    apiKey: ApiKeyInfo | undefined;
    /** The live connect session of a `connect_session` route (see `connectSessionOf`). */
    connectSession: ConnectSession | undefined;
    /** Query parameters the route does not declare, by name: ignored, and logged at debug by the access log. */
    ignoredQuery: string[] | undefined;
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
  /**
   * Who may call the route: an API key (the default, with its scope checked), the end user's
   * browser holding a connect session token (`connect_session`: the connect flow's routes; no
   * scopes), or anyone (`public`: the health check, the connect page's static assets).
   */
  auth?: RouteAuth;
  /** An older Nango path kept for its clients; marked deprecated in the OpenAPI document. */
  deprecated?: boolean;
  /**
   * The scope an API key needs, only where the rule in `scopes.ts` (the tag's area; GET reads,
   * anything else writes) is wrong for this route.
   */
  scope?: RouteScope;
  /**
   * Query parameters the route reads. Any other parameter is ignored before validation (see the
   * header), so a query schema is a plain object: `.strict()` would never see an unknown key.
   */
  query?: Q;
  /** Headers the route reads, with their canonical spelling (lookups ignore case). */
  headers?: H;
  params?: P;
  /** JSON request body; `.strict()` objects, so unknown fields are rejected. */
  body?: B;
  /**
   * A route that passes the request on rather than reading it (the proxy): its last path
   * parameter takes the rest of the path, slashes included, and may be absent (the route also
   * answers at the path without it: `/proxy`, `/proxy/`); the query is not parsed (the
   * handler reads it raw from `c.req.url`); the body is the handler's to read, raw, in any media
   * type, up to `maxBodyBytes` instead of the API's limit. Documented as any query and, unless
   * the method is GET, an optional body of any type.
   */
  passthrough?: { maxBodyBytes: number; bodyDescription: string };
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
      const { known, ignored } = spec.passthrough ? { known: {}, ignored: [] } : readQuery(c, spec.query);
      if (ignored.length > 0) c.set('ignoredQuery', ignored);
      const input = {
        query: parseWith(spec.query ?? NO_QUERY, known, 'query'),
        headers: parseWith(spec.headers, readHeaders(spec.headers, c), 'headers'),
        params: parseWith(spec.params, c.req.param() as Record<string, string>, 'path'),
        body: spec.body ? parseWith(spec.body, await readJsonBody(c), 'body') : undefined,
        c,
      } as RouteInput<Q, H, P, B>;
      return handler(input);
    },
  };
}

const NO_QUERY = z.object({});

function parseWith(schema: z.ZodType | undefined, value: unknown, location: string): unknown {
  if (!schema) return undefined;
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidRequest(location, parsed.error);
  return parsed.data;
}

type QueryValue = string | string[];

/**
 * The route's query parameters as clients send them: a parameter given once is a string; given
 * several times (`ids=a&ids=b`, or PHP/axios style `ids[]=a`) it is the list of its distinct
 * values. A scalar parameter repeated with one value is therefore accepted; with different
 * values it fails validation, instead of one silently winning. `name[key]=v` fills the object
 * `name` when the route declares `name` with `deepObjectParam`. Every other parameter is
 * returned by name in `ignored`.
 */
function readQuery(c: ApiContext, schema: ObjectSchema | undefined): { known: Record<string, QueryValue | Record<string, QueryValue>>; ignored: string[] } {
  const shape: Record<string, z.ZodType> = schema?.shape ?? {};
  const declared = (name: string) => Object.hasOwn(shape, name);
  const flat = new Map<string, string[]>();
  const members = new Map<string, Map<string, string[]>>();
  const ignored: string[] = [];
  for (const [rawKey, values] of Object.entries(c.req.queries())) {
    const key = rawKey.endsWith('[]') ? rawKey.slice(0, -2) : rawKey;
    const member = /^([^[\]]+)\[([^[\]]+)\]$/.exec(key);
    if (member && declared(member[1]!) && DEEP_OBJECTS.has(shape[member[1]!]!)) {
      const object = members.get(member[1]!) ?? new Map<string, string[]>();
      object.set(member[2]!, [...(object.get(member[2]!) ?? []), ...values]);
      members.set(member[1]!, object);
    } else if (declared(key)) {
      flat.set(key, [...(flat.get(key) ?? []), ...values]);
    } else {
      ignored.push(rawKey);
    }
  }
  // No prototype anywhere: a `__proto__` key stays an own key (and fails validation), never a prototype change.
  const known = Object.create(null) as Record<string, QueryValue | Record<string, QueryValue>>;
  for (const [key, values] of flat) known[key] = distinctValues(values);
  for (const [name, entries] of members) {
    const object = Object.create(null) as Record<string, QueryValue>;
    for (const [key, values] of entries) object[key] = distinctValues(values);
    // `tags=x&tags[a]=b` gives the parameter two shapes: keep the plain value, which fails validation.
    known[name] ??= object;
  }
  return { known, ignored };
}

function distinctValues(values: string[]): QueryValue {
  const distinct = [...new Set(values)];
  return distinct.length === 1 ? distinct[0]! : distinct;
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

/** Schemas declared with `deepObjectParam`: `readQuery` fills them from `name[key]=value`. */
const DEEP_OBJECTS = new WeakSet<z.ZodType>();

/**
 * An object-valued query parameter in OpenAPI's deepObject style, as Nango's clients send
 * `tags`: `tags[plan]=pro&tags[region]=eu` is `{plan: 'pro', region: 'eu'}`. Declare the
 * parameter with the returned schema itself (wrap it in nothing: the marker is on this schema).
 */
export function deepObjectParam<T extends z.ZodType>(schema: T): z.ZodOptional<T> {
  const param = schema.optional();
  DEEP_OBJECTS.add(param);
  return param;
}

/** True for a parameter declared with `deepObjectParam` (the OpenAPI document gives it `style: deepObject`). */
export function isDeepObjectParam(schema: z.ZodType): boolean {
  return DEEP_OBJECTS.has(schema);
}

/**
 * An enum whose values a client may send in any case (`filter=ADDED,updated`): the value is
 * mapped to the declared spelling before the enum checks it. Works as the item of `listParam`.
 */
export function caseInsensitiveEnum<const T extends readonly [string, ...string[]]>(values: T) {
  const canonical = new Map(values.map((value) => [value.toLowerCase(), value]));
  return z.preprocess((value) => (typeof value === 'string' ? (canonical.get(value.toLowerCase()) ?? value) : value), z.enum(values));
}

/** The token of an `Authorization: Bearer <token>` header (any case, surrounding spaces allowed), or undefined. */
export function bearerToken(c: ApiContext): string | undefined {
  return /^bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')?.[1];
}

/** The connect session a `connect_session` route was called with (the middleware has checked it). */
export function connectSessionOf(c: ApiContext): ConnectSession {
  const session = c.get('connectSession');
  // Only reachable by a route declared without `auth: 'connect_session'`: a programming error.
  if (!session) throw new Error('connectSessionOf called on a route that is not authenticated by a connect session');
  return session;
}

/** A JSON response with its status; handlers return through this so the status is explicit. */
export function json(c: ApiContext, status: 200 | 201, body: unknown): Response {
  return c.json(body as object, status);
}
