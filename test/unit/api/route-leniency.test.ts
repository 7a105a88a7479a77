/**
 * How a route reads its query: unknown parameters ignored (never a 400) and reported by name,
 * known ones validated strictly, repeated and comma lists, `tags[key]=value` deep objects,
 * enums in any case, and no prototype pollution whatever the parameter names.
 */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { apiRoutes, type ApiDeps } from '../../../functions/api/app.js';
import { toErrorResponse } from '../../../functions/api/errors.js';
import type { OpenApiDocument } from '../../../functions/api/openapi.js';
import { caseInsensitiveEnum, deepObjectParam, defineRoute, json, listParam, type ApiEnv, type ApiRoute } from '../../../functions/api/route.js';
import { IntegrationRegistry } from '../../../functions/engine/integration.js';
import type { WebhookService } from '../../../functions/engine/webhooks/webhook-service.js';

const Query = z.object({
  limit: z.coerce.number().int().min(1).max(100).optional(),
  filter: listParam(caseInsensitiveEnum(['added', 'updated', 'deleted']), { commaSeparated: true }).optional(),
  tags: deepObjectParam(z.record(z.string().regex(/^[a-z]+$/), z.string().min(1))),
  flag: z.enum(['true', 'false']).optional(),
});

function appWith(route: ApiRoute) {
  const app = new Hono<ApiEnv>();
  const seen: { ignored?: string[] } = {};
  app.get('/probe', async (c) => {
    const response = await route.handle(c);
    seen.ignored = c.get('ignoredQuery');
    return response;
  });
  app.onError((error, c) => {
    const { status, body } = toErrorResponse(error, { log: () => undefined }, 'req');
    return c.json(body, status);
  });
  return { app, seen };
}

const probe = defineRoute({ method: 'get', path: '/probe', tag: 'Meta', summary: 'probe', query: Query, responses: { 200: { description: 'echo' } } }, ({ query, c }) =>
  json(c, 200, { query, protoIntact: Object.getPrototypeOf({}) === Object.prototype && ({} as Record<string, unknown>)['polluted'] === undefined }),
);

async function get(path: string) {
  const { app, seen } = appWith(probe);
  const response = await app.request(path);
  return { status: response.status, body: (await response.json()) as any, ignored: seen.ignored };
}

describe('query leniency', () => {
  it('ignores unknown parameters, reporting their names, and still validates the known ones', async () => {
    const answer = await get('/probe?limit=5&refresh_github_app_jwt_token=false&format=nango&Limit=7');
    expect(answer.status).toBe(200);
    expect(answer.body.query).toEqual({ limit: 5 });
    expect(answer.ignored).toEqual(['refresh_github_app_jwt_token', 'format', 'Limit']);

    const bad = await get('/probe?limit=0&whatever=1');
    expect(bad.status).toBe(400);
    expect(bad.body.error.errors).toEqual([expect.objectContaining({ path: 'query.limit' })]);
  });

  it('reports nothing when every parameter is known', async () => {
    expect((await get('/probe?limit=1')).ignored).toBeUndefined();
  });

  it('reads repeated and comma lists, and enum values in any case', async () => {
    expect((await get('/probe?filter=ADDED,updated')).body.query).toEqual({ filter: ['added', 'updated'] });
    expect((await get('/probe?filter=Deleted&filter[]=added')).body.query).toEqual({ filter: ['deleted', 'added'] });
    expect((await get('/probe?filter=removed')).status).toBe(400);
    // A scalar given twice with different values is an error, not a silent pick.
    expect((await get('/probe?limit=1&limit=2')).status).toBe(400);
    expect((await get('/probe?limit=1&limit=1')).body.query).toEqual({ limit: 1 });
  });

  it('reads deepObject parameters (tags[key]=value) and validates their keys and values', async () => {
    expect((await get('/probe?tags[plan]=pro&tags[region]=eu')).body.query).toEqual({ tags: { plan: 'pro', region: 'eu' } });
    expect((await get('/probe?tags[Plan]=pro')).status).toBe(400);
    expect((await get('/probe?tags[plan]=')).status).toBe(400);
    expect((await get('/probe?tags=plain')).status).toBe(400);
    expect((await get('/probe?tags[plan]=a&tags[plan]=b')).status).toBe(400);
    // A bracketed name of a parameter that is not a deep object is just an unknown name.
    const unknown = await get('/probe?limit[0]=1&filter[x]=added');
    expect(unknown.status).toBe(200);
    expect(unknown.ignored).toEqual(['limit[0]', 'filter[x]']);
  });

  it('never lets a parameter name reach a prototype', async () => {
    for (const path of ['/probe?__proto__[polluted]=1', '/probe?constructor[prototype][polluted]=1', '/probe?__proto__=x', '/probe?tags[__proto__]=x', '/probe?tags[constructor]=x']) {
      const answer = await get(path);
      expect(answer.status, path).toBeLessThan(500);
      expect(({} as Record<string, unknown>)['polluted'], path).toBeUndefined();
      if (answer.status === 200) expect(answer.body.protoIntact, path).toBe(true);
    }
    // zod drops a `__proto__` key from a record instead of assigning it.
    expect((await get('/probe?tags[__proto__]=x')).body.query).toEqual({ tags: {} });
    expect((await get('/probe?__proto__=x')).ignored).toEqual(['__proto__']);
  });
});

describe('caseInsensitiveEnum', () => {
  it('maps any case to the declared spelling, whatever case the values are declared in', () => {
    const upper = caseInsensitiveEnum(['ADDED', 'DELETED']);
    expect(upper.parse('added')).toBe('ADDED');
    expect(upper.parse('DeLeTeD')).toBe('DELETED');
    expect(upper.safeParse('removed').success).toBe(false);
    expect(upper.safeParse(1).success).toBe(false);
  });
});

describe("the API's query schemas", () => {
  it('are plain objects, none `.strict()`: unknown parameters are dropped before a schema sees the query', () => {
    // Built as the app builds them, the /webhooks routes included (they mount with a WebhookService); no handler runs.
    const deps = { syncline: { registry: new IntegrationRegistry([]) }, webhooks: {} as WebhookService } as unknown as ApiDeps;
    const routes = apiRoutes(deps, () => ({}) as OpenApiDocument);
    expect(routes.filter((route) => route.spec.query).length).toBeGreaterThan(5);

    const strict = routes.filter((route) => route.spec.query?.def.catchall?._zod.def.type === 'never').map((route) => `${route.spec.method} ${route.spec.path}`);

    expect(strict).toEqual([]);
  });
});
