/**
 * 1,000 malformed or hostile requests against the HTTP API on 127.0.0.1, generated from a seeded
 * PRNG over every route `/openapi.json` lists: bad or missing keys, unknown body fields, missing
 * required fields, wrong types, huge and deeply nested bodies, invalid JSON, wrong content types,
 * bad and forged cursors, path and header tricks, out-of-range limits, injection-looking
 * identifiers, and unknown query parameters — which the API ignores (Nango's clients send extra
 * ones), so on a read they must change nothing about the answer.
 *
 * Requests go out through `node:http` as written (no URL normalisation on the client, duplicate
 * headers kept, chunked bodies), so the server sees the tricks themselves. Every request is one
 * that must be rejected, except read-only probes: forged cursors and far-future `modified_after`
 * on `GET /records`, path and header tricks that land on a read, and reads with unknown query
 * parameters (answered exactly as without them). Those may answer 200 and must never fail.
 * Hostile reads go out with a key holding every restricted scope (no `full`): a full key is
 * allowed to read connection credentials, and would rightly get them.
 *
 * Asserted: no 5xx at all; every 4xx body is `{"error": {"code", "message", "errors"}}`; no
 * secret (API keys, connection credentials, the credentials hostile requests tried to plant) in
 * any response body or any captured log line; the data (connections, records, sync status,
 * executions, API keys, queued runs, schedules) is the same before and after.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, SANDBOX_KEY, startApiKit, VISIBILITY_LAG_MS, type ApiKit } from '../support/api-kit.js';

const SEED = 0x5eed_0004;
const COUNT = 1_500;
const MAX_BODY_BYTES = 64 * 1024;
const PCK = 'demo-crm';
const CONN = 'acme';
const OTHER = 'globex';
const OTHER_SECRET = 'globex-connection-secret-7f3a9c21';
/** Credentials hostile requests try to plant: must never be stored, echoed or logged. */
const PLANTED_SECRET = 'planted-secret-must-not-be-stored-91b2e4';

let kit: ApiKit;
let spare: { id: string; secret: string };
let revokedSecret: string;
/** A key with every restricted scope: may read and change everything but never sees a secret. */
let restrictedSecret: string;

// ---------------------------------------------------------------------------------------------
// Seeded PRNG

function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
type Rng = ReturnType<typeof mulberry32>;
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;
const int = (rng: Rng, min: number, max: number) => min + Math.floor(rng() * (max - min + 1));
const hex = (rng: Rng, n: number) => Array.from({ length: n }, () => Math.floor(rng() * 16).toString(16)).join('');
const b64url = (s: string) => Buffer.from(s, 'utf8').toString('base64url');

// ---------------------------------------------------------------------------------------------
// Raw HTTP: the request exactly as generated

interface Hostile {
  category: string;
  /** `METHOD /openapi/path` of the route it aims at (coverage). */
  route: string;
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
  body?: string;
  /** Send the body in several chunks without a Content-Length. */
  chunked?: boolean;
  /** `reject`: must be a 4xx. `no5xx`: a read-only probe that may succeed. `sameAsControl`: the status `control` gets. */
  expect: 'reject' | 'no5xx' | 'sameAsControl';
  /** The same request without what the category added (an unknown query parameter). */
  control?: Hostile;
}

interface RawAnswer {
  status: number;
  text: string;
  headers: http.IncomingHttpHeaders;
}

// A fresh connection per request: the server may close one after refusing a body unread.
const agent = new http.Agent({ keepAlive: false });

function send(request: Hostile): Promise<RawAnswer> {
  const base = new URL(kit.server.url);
  return new Promise((resolve, reject) => {
    // Frame the body explicitly: Node does not add Content-Length to a GET/DELETE/OPTIONS body by itself.
    const framing = request.body === undefined ? {} : request.chunked ? { 'Transfer-Encoding': 'chunked' } : { 'Content-Length': String(Buffer.byteLength(request.body)) };
    const req = http.request({ host: base.hostname, port: base.port, method: request.method, path: request.path, headers: { ...request.headers, ...framing }, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(15_000, () => req.destroy(new Error('request timed out')));
    if (request.body === undefined) {
      req.end();
    } else if (request.chunked) {
      const size = Math.max(1, Math.ceil(request.body.length / 4));
      for (let i = 0; i < request.body.length; i += size) req.write(request.body.slice(i, i + size));
      req.end();
    } else {
      req.end(request.body);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Routes from /openapi.json and a valid base request for each

type JsonSchema = Record<string, any>;
interface Param {
  in: 'query' | 'header' | 'path';
  name: string;
  required: boolean;
  schema: JsonSchema;
}
interface Route {
  method: string;
  path: string;
  key: string;
  params: Param[];
  body: JsonSchema | undefined;
  public: boolean;
}

/** A valid value for every parameter the routes take (pointing at real data, so a wrongly accepted request would show). */
const baseParam = (name: string): string | undefined =>
  (
    ({
      model: 'Contact',
      provider_config_key: PCK,
      'Provider-Config-Key': PCK,
      connection_id: CONN,
      'Connection-Id': CONN,
      connectionId: CONN,
      syncs: 'contacts',
      sync_name: 'contacts',
      id: spare.id,
    }) as Record<string, string>
  )[name];

/** A valid body for every route that takes one: each would change data if it were accepted. */
const baseBody = (route: string): Record<string, unknown> => {
  const control = { syncs: ['contacts'], provider_config_key: PCK, connection_id: CONN };
  const bodies: Record<string, Record<string, unknown>> = {
    'POST /sync/trigger': { ...control, opts: { reset: true } },
    'POST /sync/start': control,
    'POST /sync/pause': control,
    'PUT /sync/update-connection-frequency': { provider_config_key: PCK, connection_id: CONN, sync_name: 'contacts', frequency: 'every 2 hours' },
    'POST /sync/cancel': { provider_config_key: PCK, connection_id: CONN, sync_name: 'contacts' },
    'POST /connections': {
      provider_config_key: PCK,
      connection_id: CONN,
      credentials: { type: 'API_KEY', apiKey: PLANTED_SECRET },
      connection_config: { baseUrl: 'http://127.0.0.1:9' },
      metadata: { hijacked: true },
    },
    'POST /connections/metadata': { connection_id: CONN, provider_config_key: PCK, metadata: { hijacked: true } },
    'PATCH /connections/metadata': { connection_id: [CONN, OTHER], provider_config_key: PCK, metadata: { hijacked: true } },
    'POST /api-keys': { name: 'hostile' },
    'PATCH /connections/{connectionId}': { tags: { hijacked: 'yes' } },
    'POST /connection/metadata': { connection_id: CONN, provider_config_key: PCK, metadata: { hijacked: true } },
    'PATCH /connection/metadata': { connection_id: [CONN, OTHER], provider_config_key: PCK, metadata: { hijacked: true } },
    'POST /connection/{connectionId}/metadata': { hijacked: true },
    'PATCH /connection/{connectionId}/metadata': { hijacked: true },
  };
  // A route added later without a base here still gets attacked, from an empty body.
  return structuredClone(bodies[route] ?? {});
};

function routesOf(doc: any): Route[] {
  const resolve = (schema: JsonSchema): JsonSchema =>
    schema?.$ref
      ? resolve(
          schema.$ref
            .slice(2)
            .split('/')
            .reduce((n: any, p: string) => n[p], doc),
        )
      : schema;
  const routes: Route[] = [];
  for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
    for (const [method, op] of Object.entries(methods)) {
      const body = op.requestBody ? resolve(op.requestBody.content['application/json'].schema) : undefined;
      routes.push({
        method: method.toUpperCase(),
        path,
        key: `${method.toUpperCase()} ${path}`,
        params: (op.parameters ?? []).map((p: any) => ({ in: p.in, name: p.name, required: p.required, schema: resolve(p.schema) })),
        body,
        public: Array.isArray(op.security) && op.security.length === 0,
      });
    }
  }
  return routes;
}

interface Draft {
  path: Record<string, string>;
  query: [string, string][];
  headers: Record<string, string | string[]>;
  body: unknown;
  rawBody?: string;
}

function baseDraft(route: Route): Draft {
  const draft: Draft = { path: {}, query: [], headers: { Authorization: `Bearer ${API_KEY}` }, body: undefined };
  for (const p of route.params) {
    if (!p.required) continue;
    const value = baseParam(p.name) ?? 'hostile-unknown';
    if (p.in === 'path') draft.path[p.name] = value;
    else if (p.in === 'query') draft.query.push([p.name, value]);
    else draft.headers[p.name] = value;
  }
  if (route.body) draft.body = baseBody(route.key);
  return draft;
}

function build(route: Route, draft: Draft, category: string, expect: Hostile['expect'] = 'reject', extra: Partial<Hostile> = {}): Hostile {
  const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(draft.path[name] ?? ''));
  const query = draft.query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  const headers = { ...draft.headers };
  let body = draft.rawBody;
  if (body === undefined && draft.body !== undefined) body = JSON.stringify(draft.body);
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
  return { category, route: route.key, method: route.method, path: query ? `${path}?${query}` : path, headers, ...(body !== undefined ? { body } : {}), expect, ...extra };
}

// ---------------------------------------------------------------------------------------------
// Invalid values from a parameter's or field's schema

/** JSON types a schema accepts; `any` for a free-form one. */
function acceptedTypes(schema: JsonSchema): Set<string> {
  const types = new Set<string>();
  const visit = (s: JsonSchema) => {
    const branches = s.anyOf ?? s.oneOf;
    if (branches) return branches.forEach(visit);
    if (s.type === undefined) return void types.add('any');
    for (const t of [s.type].flat()) types.add(t === 'integer' ? 'number' : t);
  };
  visit(schema);
  return types;
}

/** Values of a wrong JSON type, or strings a string schema refuses (too long, empty, not in the enum, not a date). */
function invalidJsonValues(schema: JsonSchema): unknown[] {
  const types = acceptedTypes(schema);
  if (types.has('any')) return [];
  const samples: Record<string, unknown[]> = {
    string: ['hostile', "' OR '1'='1"],
    number: [42, -1.5, 1e308],
    boolean: [true, false],
    null: [null],
    array: [['x'], [], [[[]]]],
    object: [{ $ne: null }, { $gt: '' }, {}],
  };
  const out: unknown[] = [];
  for (const [type, values] of Object.entries(samples)) if (!types.has(type)) out.push(...values);
  if (types.has('array') && !types.has('string') && schema.items) out.push([42], [null], [{ $ne: null }]);
  if (types.has('array') && schema.maxItems) out.push(Array.from({ length: schema.maxItems + 1 }, (_, i) => `contacts-${i}`));
  out.push(...invalidStrings(schema));
  return out;
}

function invalidStrings(schema: JsonSchema): string[] {
  const branches: JsonSchema[] = schema.anyOf ?? schema.oneOf ?? [schema];
  const string = branches.find((b) => b.type === 'string');
  if (!string) return [];
  const out: string[] = [];
  if (string.maxLength !== undefined) out.push('x'.repeat(string.maxLength + 1));
  if (string.minLength >= 1 && !branches.some((b) => b.type === 'array')) out.push('');
  if (string.enum || string.const !== undefined) out.push('NOT_AN_OPTION', `${String(string.enum?.[0] ?? string.const).toUpperCase()}X`);
  if (string.format === 'date-time') out.push('yesterday', '2024-13-01T00:00:00Z', '2024-02-30T00:00:00Z', '2024-01-01', '2024-01-01T00:00:00', '1700000000', "' OR 1=1 --", '{"$gt":""}');
  return out;
}

/** Query strings a query parameter must refuse. */
function invalidQueryValues(param: Param): string[] {
  const s = param.schema;
  if (s.type === 'integer') return [`${(s.minimum ?? 1) - 1}`, '-1', `${s.maximum + 1}`, 'abc', '1.5', 'NaN', 'Infinity', '1e10', '', ' ', '10 0', '0x', '[1]', '{"$gt":0}'];
  if (s.type === 'array') {
    const item = s.items ?? {};
    const out = item.enum ? ['removed', 'REMOVED', ',', ' , '] : [''];
    if (item.maxLength) out.push('x'.repeat(item.maxLength + 1));
    return out;
  }
  if (s.enum) return ['yes', 'TRUE', '1', ''];
  return invalidStrings(s);
}

// ---------------------------------------------------------------------------------------------
// The generators: each returns a request that must be rejected (or a read-only probe)

const UNKNOWN_PARAMS = [
  'foo',
  'hostile_probe',
  '__proto__',
  'constructor',
  'prototype',
  '$where',
  'Model',
  'LIMIT',
  'callback',
  '_',
  'filter[0]',
  'a.b',
  'ids[][]',
  'api_key',
  'connection-id',
  '%00',
  'sort',
  'offset',
  'debug',
];
const INJECTIONS = [
  "' OR '1'='1",
  "'; DROP TABLE records; --",
  '" OR ""="',
  '{"$ne": null}',
  '{"$gt": ""}',
  '$where: 1 == 1',
  '*',
  '%',
  '.*',
  '||',
  'acme|Contact',
  '../acme',
  'acme\\',
  '${jndi:ldap://127.0.0.1/x}',
  '<script>alert(1)</script>',
  '1; SELECT * FROM api_keys',
  'ACME',
  'acme%00',
  '{{7*7}}',
  '__proto__',
];
const INVALID_JSON = [
  '{',
  '{"syncs": [',
  '{"a":1,}',
  "{'syncs': ['contacts']}",
  '{"a": NaN}',
  '{"a": undefined}',
  '{"a":1}{"b":2}',
  '// comment\n{}',
  '{"a": 01}',
  '{"a": "\\x41"}',
  '[1, 2',
  'nul',
  'tru',
  '"unterminated',
  '{"a":"\u0000"',
  '\u00ff\u00fe{}',
  '{"a": .5}',
  '{"a": +1}',
  '{"a": 0x10}',
  '{"a": Infinity}',
];
const WRONG_CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'text/json',
  'application/jsonx',
  'application/javascript',
  '*/*',
  'application/octet-stream',
  ';',
];

function badAuth(rng: Rng): string | string[] | null {
  return pick(rng, [
    null,
    '',
    'Bearer',
    'Bearer ',
    `Bearer ${API_KEY}x`,
    `Bearer ${API_KEY.slice(0, -1)}`,
    `Bearer ${API_KEY.toUpperCase()}`,
    `Basic ${Buffer.from(`user:${API_KEY}`).toString('base64')}`,
    `Token ${API_KEY}`,
    API_KEY,
    `Bearer ${revokedSecret}`,
    `Bearer sk_test_${hex(rng, 26)}`,
    `Bearer ${'A'.repeat(int(rng, 100, 8_000))}`,
    `Bearer ${API_KEY} ${API_KEY}`,
    `Bearer ${API_KEY},Bearer x`,
    `Bearer ${API_KEY}\u00e9`,
    `Bearer "${API_KEY}"`,
    `Bearer ${b64url(API_KEY)}`,
    ['Bearer wrong-key', `Bearer ${API_KEY}`],
  ]);
}

function pathTricks(rng: Rng, route: Route): string[] {
  const routePath = route.path.replace(/\{(\w+)\}/g, CONN);
  return [
    `/x/..${routePath}`,
    `/x/%2e%2e${routePath}`,
    `/${routePath}`,
    `${routePath}//`,
    `/.${routePath}`,
    routePath.toUpperCase(),
    `${routePath};jsessionid=1`,
    `${routePath}%00`,
    `${routePath}%2f`,
    '/records/../connections',
    '/records/%2e%2e/connections',
    '/records/%2E%2E/api-keys',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/..%2f..%2fetc%2fpasswd',
    '//connections',
    '///api-keys',
    '/connections//acme',
    '/./connections',
    '/connections/acme/..',
    '/connections/%2e%2e%2fapi-keys',
    '/Records',
    '/api-keys/%2e%2e',
    '/sync/status/../../api-keys',
    '/health/../api-keys',
    '/docs/..;/api-keys',
    '/openapi.json%23',
    '/records%5c..%5cconnections',
    `/${'a/'.repeat(int(rng, 100, 3_000))}`,
    `/connections/${'x'.repeat(int(rng, 256, 8_000))}`,
    '/connections/%F0%9F%92%A9',
    '/connections/%C0%AE%C0%AE',
    '/connections/%E0%A4%A',
    '/connections/%',
    '/%ff%fe',
    '/connections/%ED%A0%80',
    '/%E2%80%AE/records',
    '/records/%u002e%u002e/connections',
    '/connections/acme%2F..%2F..%2Fapi-keys',
    '/connections/.%2e/.%2e/api-keys',
  ];
}

type Generator = (rng: Rng, route: Route, routes: Route[]) => Hostile | null;

const generators: Record<string, Generator> = {
  /** No key, a wrong, revoked, truncated, overlong or badly formatted one. */
  auth(rng, route) {
    if (route.public) return null;
    const draft = baseDraft(route);
    const auth = badAuth(rng);
    if (auth === null) delete draft.headers.Authorization;
    else draft.headers.Authorization = auth;
    if (rng() < 0.2) draft.query.push(['api_key', API_KEY]); // a key in the query string is no key
    return build(route, draft, 'auth');
  },

  /** An unknown query parameter on a read: ignored, so the answer's status is the one without it. */
  unknownQuery(rng, route) {
    if (route.method !== 'GET') return null;
    const draft = baseDraft(route);
    draft.headers.Authorization = `Bearer ${restrictedSecret}`;
    const control = build(route, structuredClone(draft), 'unknown query parameter (control)', 'no5xx');
    draft.query.push([pick(rng, UNKNOWN_PARAMS), pick(rng, ['1', 'true', '', API_KEY.slice(0, 8), '{"$ne":null}', 'x'.repeat(500)])]);
    return build(route, draft, 'unknown query parameter', 'sameAsControl', { control });
  },

  /** A scalar parameter given twice with different values. */
  repeatedQuery(rng, route) {
    const scalars = route.params.filter((p) => p.in === 'query' && p.required && p.schema.type === 'string');
    if (scalars.length === 0) return null;
    const draft = baseDraft(route);
    const param = pick(rng, scalars);
    draft.query.push([rng() < 0.5 ? param.name : `${param.name}[]`, `${baseParam(param.name)}-other`]);
    return build(route, draft, 'repeated scalar parameter');
  },

  missingRequired(rng, route) {
    const draft = baseDraft(route);
    const options: (() => void)[] = [];
    for (const p of route.params.filter((x) => x.required && x.in !== 'path')) {
      options.push(() => {
        if (p.in === 'query') draft.query = draft.query.filter(([k]) => k !== p.name);
        else delete draft.headers[p.name];
      });
    }
    for (const field of (route.body?.required ?? []) as string[]) options.push(() => void delete (draft.body as Record<string, unknown>)[field]);
    if (route.body) {
      options.push(() => {
        draft.body = undefined;
        draft.rawBody = '';
      });
      // `{}` misses something only where a field is required (every field of an edit may be left out).
      const empty = route.body.required?.length ? ['{}'] : [];
      options.push(() => {
        draft.body = undefined;
        draft.rawBody = pick(rng, ['null', '   ', '[]', '""', '0', 'true', ...empty]);
      });
    }
    if (options.length === 0) return null;
    pick(rng, options)();
    return build(route, draft, 'missing required');
  },

  wrongTypeBody(rng, route) {
    if (!route.body) return null;
    const draft = baseDraft(route);
    const body = draft.body as Record<string, any>;
    const nested: [string, () => void][] = [
      [
        'credentials',
        () => {
          body.credentials = { ...body.credentials, [pick(rng, ['type', 'apiKey'])]: pick(rng, [42, null, { $ne: null }, '', 'api_key', 'OAUTH1', []]) };
        },
      ],
      [
        'credentials',
        () => {
          body.credentials = { ...body.credentials, token: PLANTED_SECRET };
        },
      ],
      [
        'credentials',
        () => {
          body.credentials = { type: 'OAUTH2', access_token: PLANTED_SECRET, expires_at: 'soon' };
        },
      ],
      [
        'opts',
        () => {
          body.opts = { reset: pick(rng, ['true', 1, null, { $ne: false }]) };
        },
      ],
      [
        'opts',
        () => {
          body.opts = { reset: true, wipeEverything: true };
        },
      ],
      [
        'syncs',
        () => {
          body.syncs = [{ name: 'contacts', variant: '' }];
        },
      ],
      [
        'syncs',
        () => {
          body.syncs = [{ name: 'contacts', force: true }];
        },
      ],
    ];
    const mutations: (() => void)[] = nested.filter(([field]) => field in body).map(([, mutate]) => mutate);
    for (const [field, schema] of Object.entries((route.body.properties ?? {}) as Record<string, JsonSchema>)) {
      for (const value of invalidJsonValues(schema))
        mutations.push(() => {
          body[field] = value;
        });
    }
    // Unknown fields, also where a client might hope they are ignored.
    // (`__proto__` cannot be set by assignment: it is written into the raw body below.)
    mutations.push(() => {
      body[pick(rng, ['force', 'end_user', 'constructor', 'admin', 'Syncs', 'provider_config_key '])] = pick(rng, [true, { isAdmin: true }, 'x']);
    });
    if (mutations.length === 0) return null;
    pick(rng, mutations)();
    // `JSON.stringify` drops a `__proto__` key set by assignment: write such bodies by hand.
    draft.rawBody = JSON.stringify(body).replace(/^\{/, rng() < 0.1 ? '{"__proto__":{"admin":true},' : '{');
    return build(route, draft, 'wrong type or unknown field');
  },

  wrongTypeQuery(rng, route) {
    const params = route.params.filter((p) => p.in === 'query' && invalidQueryValues(p).length > 0);
    if (params.length === 0) return null;
    const draft = baseDraft(route);
    const param = pick(rng, params);
    draft.query = draft.query.filter(([k]) => k !== param.name);
    draft.query.push([param.name, pick(rng, invalidQueryValues(param))]);
    return build(route, draft, 'invalid query value');
  },

  hugeBody(rng, route) {
    if (!['POST', 'PUT', 'PATCH', 'DELETE'].includes(route.method)) return null;
    const draft = baseDraft(route);
    const padding = 'x'.repeat(int(rng, MAX_BODY_BYTES + 1, 4 * MAX_BODY_BYTES));
    const body = (draft.body ?? {}) as Record<string, unknown>;
    if ('metadata' in body) body.metadata = { blob: padding };
    else body.padding = padding;
    draft.body = body;
    return build(route, draft, 'huge body', 'reject', { chunked: rng() < 0.4 });
  },

  deepJson(rng, route) {
    if (!route.body) return null;
    const draft = baseDraft(route);
    const depth = int(rng, 500, 25_000);
    const arrays = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const objects = `${'{"a":'.repeat(Math.min(depth, 6_000))}1${'}'.repeat(Math.min(depth, 6_000))}`;
    const body = JSON.stringify(draft.body);
    draft.rawBody = pick(rng, [
      arrays,
      objects,
      body.replace(/^\{/, `{"nested":${arrays},`),
      body.replace(/^\{/, `{"nested":${objects},`),
      'metadata' in (draft.body as object) ? JSON.stringify({ ...(draft.body as object), metadata: 0 }).replace('"metadata":0', `"metadata":{"deep":${objects}},"unknown":1`) : arrays,
    ]);
    return build(route, draft, 'deep JSON');
  },

  invalidJson(rng, route) {
    if (!route.body) return null;
    const draft = baseDraft(route);
    draft.rawBody = pick(rng, INVALID_JSON);
    draft.headers['Content-Type'] = pick(rng, ['application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON']);
    return build(route, draft, 'invalid JSON');
  },

  contentType(rng, route) {
    if (!route.body) return null;
    const draft = baseDraft(route);
    draft.headers['Content-Type'] = pick(rng, WRONG_CONTENT_TYPES);
    return build(route, draft, 'wrong content type');
  },

  cursor(rng, route) {
    if (route.key !== 'GET /records') return null;
    const draft = baseDraft(route);
    const forged = rng() < 0.35;
    const cursor = forged
      ? pick(rng, [
          b64url(`zzzzzzzzz${hex(rng, 8)}`), // far future
          b64url(`${(Date.now() + int(rng, 1, 86_400_000)).toString(36).padStart(9, '0')}x`), // slightly ahead of the visibility bound
          b64url(`000000000${'x'.repeat(int(rng, 1_000, 1_490))}`), // an id longer than a key may be
          b64url(`000000000${hex(rng, 6)}`), // from the beginning
          b64url(`${'0'.repeat(9)}\u{10ffff}`),
          b64url(`000000000${"' OR '1'='1"}`),
        ])
      : pick(rng, [
          'not-a-cursor',
          '!!',
          'abc=',
          '../..',
          'a b',
          '%00',
          b64url('abc'),
          b64url('ZZZZZZZZZx'),
          b64url('12345678'),
          'x'.repeat(2_049),
          '{"$gt":""}',
          Buffer.from(hex(rng, 40), 'hex').toString('base64'),
          `${b64url('000000000x')}==`,
          b64url(`${'0'.repeat(9)}`),
          '\u00e9\u00e9',
        ]);
    draft.query.push(['cursor', cursor]);
    return build(route, draft, forged ? 'forged cursor' : 'bad cursor', forged ? 'no5xx' : 'reject');
  },

  recordsParams(rng, route) {
    if (route.key !== 'GET /records') return null;
    const draft = baseDraft(route);
    const options: [Hostile['expect'], () => void][] = [
      [
        'reject',
        () => {
          for (let i = 0; i < int(rng, 101, 300); i++) draft.query.push(['ids', `c-${i}`]);
        },
      ],
      [
        'reject',
        () => {
          draft.query.push(['ids', 'x'.repeat(256)]);
        },
      ],
      [
        'reject',
        () => {
          draft.query.push(['ids', '']);
        },
      ],
      [
        'reject',
        () => {
          draft.query.push(['limit', pick(rng, ['0', '10001', '-1', 'abc', '1.5', '', 'NaN', '99999999999999999999'])]);
        },
      ],
      [
        'reject',
        () => {
          draft.query.push(['limit', '10'], ['limit', '20']);
        },
      ],
      [
        'reject',
        () => {
          draft.query.push(['filter', pick(rng, ['removed', 'REMOVED', ',', 'added;deleted', 'all'])]);
        },
      ],
      [
        'reject',
        () => {
          draft.query.push(['modified_after', pick(rng, invalidStrings({ type: 'string', format: 'date-time' }))]);
        },
      ],
      [
        'reject',
        () => {
          draft.query.push(['variant', pick(rng, ['v2', 'x'.repeat(256), ''])]);
        },
      ],
      [
        'reject',
        () => {
          draft.query = draft.query.map(([k, v]) => [k, k === 'model' ? pick(rng, ['Invoice', '', 'x'.repeat(65), 'contact', 'Contact ']) : v]);
        },
      ],
      [
        'reject',
        () => {
          draft.query.push(['model', 'Note']);
        },
      ],
      // Valid but far in the future: nothing to list yet, and must not fail.
      [
        'no5xx',
        () => {
          draft.query.push(['modified_after', pick(rng, ['2999-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', new Date(Date.now() + 3_600_000).toISOString()])]);
        },
      ],
    ];
    const [expectation, mutate] = pick(rng, options);
    mutate();
    return build(route, draft, 'records parameters', expectation);
  },

  /**
   * Path tricks. Wherever one resolves to a route, it names an integration that does not exist
   * and carries an unknown body field (bodies are strict), so no change is accepted; a read that
   * resolves (a list, the catalog) may answer 200, without a secret.
   */
  pathTrick(rng, route) {
    const draft = baseDraft(route);
    const raw = pick(rng, pathTricks(rng, route));
    const method = pick(rng, ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
    const headers: Record<string, string> = rng() < 0.3 ? {} : { Authorization: `Bearer ${pick(rng, [API_KEY, restrictedSecret])}` };
    if (rng() < 0.5) Object.assign(headers, { 'Connection-Id': CONN, 'Provider-Config-Key': PCK });
    const query = 'hostile_probe=1&provider_config_key=hostile-unknown-integration';
    const path = raw.includes('?') ? `${raw}&${query}` : `${raw}?${query}`;
    const body = method === 'GET' || method === 'OPTIONS' ? undefined : JSON.stringify({ ...(draft.body ?? baseBody('POST /connections/metadata')), hostile_probe: 1 });
    const expectation = method === 'GET' ? 'no5xx' : 'reject';
    return { category: 'path trick', route: route.key, method, path, headers: body ? { ...headers, 'Content-Type': 'application/json' } : headers, ...(body ? { body } : {}), expect: expectation };
  },

  headerTrick(rng, route) {
    const draft = baseDraft(route);
    const hasConnectionHeaders = route.params.some((p) => p.in === 'header');
    let readOnly = false;
    const options: (() => void)[] = [
      // A huge irrelevant header (within Node's 16 KiB header limit) on an otherwise rejected request (or a read).
      () => {
        draft.headers['X-Padding'] = 'p'.repeat(int(rng, 1_000, 12_000));
        draft.headers.Authorization = `Bearer ${restrictedSecret}`;
        readOnly = !spoil(route, draft) && route.method === 'GET';
      },
      () => {
        for (let i = 0; i < 200; i++) draft.headers[`X-Junk-${i}`] = hex(rng, 16);
        delete draft.headers.Authorization;
      },
      () => {
        draft.headers.Authorization = ['Bearer wrong-key', `Bearer ${API_KEY}`];
      },
      () => {
        draft.headers['X-Api-Key'] = API_KEY;
        delete draft.headers.Authorization;
      },
    ];
    if (route.key === 'GET /records') {
      options.push(
        () => {
          draft.headers['Connection-Id'] = [CONN, pick(rng, [OTHER, 'ghost', CONN])];
        },
        () => {
          draft.headers['Provider-Config-Key'] = [PCK, 'ghost'];
        },
        () => {
          draft.headers['Connection-Id'] = 'c'.repeat(int(rng, 256, 12_000));
        },
        () => {
          draft.headers['Connection-Id'] = pick(rng, ['', 'caf\u00e9', '\u00ff\u00fe', 'acme, globex']);
        },
        () => {
          draft.headers['Provider-Config-Key'] = pick(rng, ['', 'DEMO-CRM', 'demo-crm\u00a0', 'p'.repeat(65)]);
        },
      );
    } else if (hasConnectionHeaders && route.body) {
      // The body names one integration/connection and the header another.
      options.push(
        () => {
          draft.headers['Provider-Config-Key'] = 'ghost';
        },
        () => {
          draft.headers['Connection-Id'] = OTHER;
        },
        () => {
          draft.headers['Connection-Id'] = 'c'.repeat(300);
        },
      );
    }
    pick(rng, options)();
    // The health check needs no key and reads nothing: it may answer whatever the headers.
    return build(route, draft, 'header trick', route.public || readOnly ? 'no5xx' : 'reject');
  },

  /** SQL/NoSQL-looking identifiers where the API looks things up: each must find nothing. */
  injection(rng, route) {
    const draft = baseDraft(route);
    const value = pick(rng, INJECTIONS);
    const lookups = [
      ...route.params.filter((p) => p.required && ['connectionId', 'id', 'provider_config_key', 'connection_id', 'sync_name', 'Connection-Id', 'Provider-Config-Key', 'model'].includes(p.name)),
    ];
    const fields = route.body ? ['provider_config_key', 'connection_id', 'sync_name'].filter((f) => f in (draft.body as object)) : [];
    if (route.key === 'POST /connections') fields.splice(0, fields.length, 'provider_config_key'); // a new connection id is legitimate there
    if (lookups.length + fields.length === 0) return null;
    const choice = int(rng, 0, lookups.length + fields.length - 1);
    if (choice < lookups.length) {
      const p = lookups[choice]!;
      if (p.in === 'path') draft.path[p.name] = value;
      else if (p.in === 'query') draft.query = draft.query.map(([k, v]) => [k, k === p.name ? value : v]);
      else draft.headers[p.name] = value;
    } else {
      const field = fields[choice - lookups.length]!;
      (draft.body as Record<string, unknown>)[field] = field === 'connection_id' && rng() < 0.3 ? [CONN, value] : value;
    }
    if (route.key === 'POST /sync/trigger' || route.key === 'POST /sync/pause' || route.key === 'POST /sync/start') {
      if (rng() < 0.3) (draft.body as Record<string, unknown>).syncs = [value];
    }
    return build(route, draft, 'injection');
  },

  /** A method the path does not have. */
  wrongMethod(rng, route, routes) {
    const taken = new Set(routes.filter((r) => r.path === route.path).map((r) => r.method));
    const free = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE'].filter((m) => !taken.has(m) && !(m === 'TRACE' && route.body));
    if (free.length === 0) return null;
    const draft = baseDraft(route);
    const request = build(route, draft, 'wrong method');
    return { ...request, method: pick(rng, free) };
  },
};

/**
 * Makes a valid request one its route must refuse, now that an unknown query parameter no longer
 * does: an unknown field in a strict body, and every identifier it looks up pointing at nothing.
 * False when there is nothing to spoil (a list or the catalog: reads without parameters).
 */
function spoil(route: Route, draft: Draft): boolean {
  let spoiled = false;
  if (route.body?.additionalProperties === false && draft.body && typeof draft.body === 'object') {
    (draft.body as Record<string, unknown>).hostile_probe = 1;
    spoiled = true;
  }
  for (const p of route.params.filter((x) => x.required)) {
    if (p.in === 'path') draft.path[p.name] = 'hostile-unknown';
    else if (p.in === 'query') draft.query = draft.query.map(([k, v]) => [k, k === p.name ? 'hostile-unknown' : v]);
    else draft.headers[p.name] = 'hostile-unknown';
    spoiled = true;
  }
  return spoiled;
}

function generate(rng: Rng, routes: Route[], count: number): Hostile[] {
  const out: Hostile[] = [];
  const names = Object.keys(generators);
  const records = routes.find((r) => r.key === 'GET /records')!;
  const recordsFocused = ['cursor', 'recordsParams', 'cursor', 'recordsParams', 'headerTrick', 'wrongTypeQuery', 'injection'];
  // Round-robin over routes so every route gets its share, with the category random; every
  // fifth request aims at GET /records, whose cursor and parameters have the most to get wrong.
  for (let i = 0, next = 0; out.length < count; i++) {
    const focused = i % 5 === 4;
    const route = focused ? records : routes[next++ % routes.length]!;
    for (let attempt = 0; attempt < 20; attempt++) {
      const request = generators[pick(rng, focused ? recordsFocused : names)]!(rng, route, routes);
      if (request) {
        out.push(request);
        break;
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The data a hostile request must not change

async function snapshot() {
  kit.clock.advance(VISIBILITY_LAG_MS * 2); // anything written so far is listed
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const answer = await kit.call('GET', path, { headers });
    expect(answer.status, path).toBe(200);
    return answer.body;
  };
  const listAll = async (model: string) => {
    const all: unknown[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await get(`/records?model=${model}&limit=1000${cursor ? `&cursor=${cursor}` : ''}`, { 'Connection-Id': CONN, 'Provider-Config-Key': PCK });
      all.push(...page.records);
      cursor = page.next_cursor;
    } while (cursor);
    return all;
  };
  return {
    connections: await get('/connections'),
    acme: await get(`/connections/${CONN}?provider_config_key=${PCK}`),
    globex: await get(`/connections/${OTHER}?provider_config_key=${PCK}`),
    contacts: await listAll('Contact'),
    notes: await listAll('Note'),
    status: await get(`/sync/status?provider_config_key=${PCK}&syncs=*`),
    executions: await get(`/sync/executions?provider_config_key=${PCK}&connection_id=${CONN}&sync_name=contacts&limit=100`),
    apiKeys: await get('/api-keys'),
    queued: JSON.parse(JSON.stringify(kit.queue.messages)),
    schedules: [...kit.scheduler.schedules.entries()],
    storedConnections: await Promise.all([CONN, OTHER].map(async (id) => JSON.stringify(await kit.state.connections.getWithCredentials(PCK, id)))),
  };
}

// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  kit = await startApiKit({ maxBodyBytes: MAX_BODY_BYTES, initialContacts: 60 });
  const acme = await kit.call('POST', '/connections', {
    body: { provider_config_key: PCK, connection_id: CONN, credentials: { type: 'API_KEY', apiKey: SANDBOX_KEY }, connection_config: { baseUrl: kit.sandbox.url }, metadata: { plan: 'pro' } },
  });
  expect(acme.status).toBe(201);
  await kit.drain();
  const globex = await kit.call('POST', '/connections', {
    body: { provider_config_key: PCK, connection_id: OTHER, credentials: { type: 'API_KEY', apiKey: OTHER_SECRET }, connection_config: { baseUrl: kit.sandbox.url } },
  });
  expect(globex.status).toBe(201);
  const created = await kit.call('POST', '/api-keys', { body: { name: 'spare' } });
  spare = { id: created.body.id, secret: created.body.secret };
  const restricted = await kit.call('POST', '/api-keys', {
    body: { name: 'restricted', scopes: ['records:write', 'syncs:write', 'connections:write', 'integrations:write', 'webhooks:write'] },
  });
  expect(restricted.status).toBe(201);
  restrictedSecret = restricted.body.secret;
  const revoked = await kit.call('POST', '/api-keys', { body: { name: 'revoked' } });
  revokedSecret = revoked.body.secret;
  expect((await kit.call('DELETE', `/api-keys/${revoked.body.id}`)).status).toBe(200);
}, 60_000);

afterAll(async () => {
  agent.destroy();
  await kit?.stop();
});

describe(`${COUNT} hostile requests (seed ${SEED.toString(16)})`, () => {
  /** Routes whose errors are HTML pages (the OAuth flow, in the end user's browser), not the JSON error shape. */
  const OAUTH_PAGE_ROUTES = /^GET \/oauth\/(callback|connect\/)/;

  it('answer 4xx in the error shape, never 5xx, leak no secret and change no data', async () => {
    const started = Date.now();
    const { body: doc } = await kit.call('GET', '/openapi.json');
    const routes = routesOf(doc);
    expect(routes.length).toBeGreaterThanOrEqual(20);
    const requests = generate(mulberry32(SEED), routes, COUNT);
    expect(requests).toHaveLength(COUNT);

    const before = await snapshot();
    const logsBefore = kit.logs.length;
    const secrets = [API_KEY, SANDBOX_KEY, OTHER_SECRET, spare.secret, revokedSecret, restrictedSecret, PLANTED_SECRET];
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    const perRoute = new Map<string, number>();
    const perCategory = new Map<string, number>();

    for (const [i, request] of requests.entries()) {
      const describeIt = () =>
        `#${i} [${request.category}] ${request.method} ${request.path.slice(0, 160)}${request.path.length > 160 ? '…' : ''} ${request.body !== undefined ? `body ${request.body.slice(0, 80)}…(${request.body.length} B)` : ''}`;
      let answer: RawAnswer;
      let control: RawAnswer | undefined;
      try {
        if (request.control) control = await send(request.control);
        answer = await send(request);
      } catch (error) {
        failures.push(`${describeIt()}: request failed: ${String(error)}`);
        continue;
      }
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      perRoute.set(request.route, (perRoute.get(request.route) ?? 0) + 1);
      perCategory.set(request.category, (perCategory.get(request.category) ?? 0) + 1);
      const problems: string[] = [];
      if (answer.status >= 500) problems.push('5xx');
      if (request.expect === 'reject' && (answer.status < 400 || answer.status >= 500)) problems.push('not rejected');
      if (request.expect === 'sameAsControl' && answer.status !== control?.status) problems.push(`answered ${answer.status}, ${control?.status} without the parameter`);
      if (answer.status >= 400 && answer.status < 500) {
        let body: any;
        try {
          body = JSON.parse(answer.text);
        } catch {
          body = undefined;
        }
        const shaped = body && typeof body.error?.code === 'string' && typeof body.error?.message === 'string' && Array.isArray(body.error?.errors) && Object.keys(body).length === 1;
        // The OAuth flow's steps run in the end user's browser: their errors are a page, under a strict CSP.
        const page =
          OAUTH_PAGE_ROUTES.test(request.route) &&
          String(answer.headers['content-type'] ?? '').startsWith('text/html') &&
          /default-src 'none'/.test(String(answer.headers['content-security-policy'] ?? ''));
        if (!shaped && !page) problems.push('4xx body not {error:{code,message,errors}}');
      }
      for (const secret of secrets) if (answer.text.includes(secret)) problems.push(`secret ${secret.slice(0, 6)}… in the response`);
      if (problems.length > 0) failures.push(`${describeIt()} → ${answer.status} ${answer.text.slice(0, 200)}: ${problems.join(', ')}`);
    }
    const elapsed = Date.now() - started;

    if (failures.length > 0) console.log(`${failures.length} failures:\n${failures.slice(0, 40).join('\n')}`);
    const after = await snapshot();
    const runLogs = kit.logs.slice(logsBefore);
    console.log(`${requests.length} hostile requests in ${elapsed} ms; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
    console.log(`per category ${JSON.stringify(Object.fromEntries(perCategory))}`);

    expect(failures.slice(0, 25), `${failures.length} of ${COUNT} requests misbehaved`).toEqual([]);
    // Every route of the document was attacked.
    for (const route of routes) expect(perRoute.get(route.key) ?? 0, route.key).toBeGreaterThanOrEqual(20);
    expect([...statuses.keys()].filter((s) => s >= 500)).toEqual([]);
    // Nothing changed: connections, credentials, records, sync state, executions, keys, queue, schedules.
    expect(after).toEqual(before);
    // One access line per request, none of them an error, and no secret anywhere in the logs.
    expect(runLogs.filter((l) => l.level === 'error')).toEqual([]);
    const logged = JSON.stringify(kit.logs);
    for (const secret of secrets) expect(logged.includes(secret), `secret ${secret.slice(0, 6)}… logged`).toBe(false);
    expect(elapsed).toBeLessThan(60_000);
  }, 120_000);
});
