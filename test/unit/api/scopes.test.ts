/**
 * API-key scopes: what a scope grants, and the scope every route of the API needs, derived in
 * one place from its tag and method.
 */
import { describe, expect, it } from 'vitest';
import { apiRoutes } from '../../../functions/api/app.js';
import type { ApiDeps } from '../../../functions/api/deps.js';
import { buildOpenApiDocument } from '../../../functions/api/openapi.js';
import { assertScope, canReadSecrets, requiredScope } from '../../../functions/api/scopes.js';
import { API_KEY_SCOPES, ApiKeyScopesSchema, type ApiKeyScope, scopesAllow } from '../../../functions/engine/api-key-scopes.js';
import { IntegrationRegistry } from '../../../functions/engine/integration.js';
import type { ApiKeyInfo } from '../../../functions/engine/ports.js';
import type { WebhookService } from '../../../functions/engine/webhooks/webhook-service.js';

const key = (scopes: ApiKeyScope[]): ApiKeyInfo => ({ id: 'key_1', name: 'k', createdAt: '', prefix: 'sk_', scopes });

describe('scopesAllow', () => {
  it('lets full do everything, write imply read, and nothing else leak', () => {
    for (const scope of API_KEY_SCOPES) expect(scopesAllow(['full'], scope)).toBe(true);
    expect(scopesAllow(['records:write'], 'records:read')).toBe(true);
    expect(scopesAllow(['records:read'], 'records:write')).toBe(false);
    expect(scopesAllow(['records:write'], 'syncs:read')).toBe(false);
    expect(scopesAllow(['connections:read', 'connections:write', 'records:write'], 'full')).toBe(false);
    expect(scopesAllow([], 'records:read')).toBe(false);
  });

  it('validates scopes as POST /api-keys takes them', () => {
    expect(ApiKeyScopesSchema.parse(['records:read', 'records:read'])).toEqual(['records:read']);
    for (const bad of [[], ['admin'], ['records:delete'], ['Full'], 'full', [1]]) expect(ApiKeyScopesSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
  });
});

describe('requiredScope', () => {
  it('derives the scope from the tag and method, with an override where a route names its own', () => {
    expect(requiredScope({ tag: 'Records', method: 'get' })).toBe('records:read');
    expect(requiredScope({ tag: 'Syncs', method: 'post' })).toBe('syncs:write');
    expect(requiredScope({ tag: 'Connections', method: 'delete' })).toBe('connections:write');
    expect(requiredScope({ tag: 'Webhooks', method: 'patch' })).toBe('webhooks:write');
    expect(requiredScope({ tag: 'API keys', method: 'get' })).toBe('full');
    expect(requiredScope({ tag: 'Providers', method: 'get' })).toBe('any');
    expect(requiredScope({ tag: 'Meta', method: 'get' })).toBe('any');
    expect(requiredScope({ tag: 'Syncs', method: 'get', scope: 'records:read' })).toBe('records:read');
    // A tag nobody mapped stays closed to restricted keys.
    expect(requiredScope({ tag: 'Something new', method: 'get' })).toBe('full');
  });

  it('gives every route of the API a scope, and documents it in the OpenAPI document', () => {
    // With webhooks wired, so their routes are mounted and their scopes asserted too.
    const deps = { syncline: { registry: new IntegrationRegistry([]) }, webhooks: {} as WebhookService } as unknown as ApiDeps;
    const routes = apiRoutes(deps, () => {
      throw new Error('not needed');
    });
    const scopes = new Map(routes.map((r) => [`${r.spec.method.toUpperCase()} ${r.spec.path}`, (r.spec.auth ?? 'api_key') === 'api_key' ? requiredScope(r.spec) : (r.spec.auth as string)]));
    expect(scopes.get('GET /records')).toBe('records:read');
    expect(scopes.get('POST /sync/trigger')).toBe('syncs:write');
    expect(scopes.get('GET /connections/{connectionId}')).toBe('connections:read');
    expect(scopes.get('GET /connection/{connectionId}')).toBe('connections:read');
    expect(scopes.get('PATCH /connections/{connectionId}')).toBe('connections:write');
    expect(scopes.get('POST /connection/{connectionId}/metadata')).toBe('connections:write');
    expect(scopes.get('POST /api-keys')).toBe('full');
    expect(scopes.get('GET /integrations')).toBe('integrations:read');
    expect(scopes.get('GET /health')).toBe('public');
    // Connect sessions are made with a key that may create connections; the end user's steps carry the session token instead.
    expect(scopes.get('POST /connect/sessions')).toBe('connections:write');
    expect(scopes.get('POST /connect/sessions/reconnect')).toBe('connections:write');
    for (const route of [
      'GET /connect/session',
      'DELETE /connect/session',
      'POST /api-auth/api-key/{providerConfigKey}',
      'POST /api-auth/basic/{providerConfigKey}',
      'POST /oauth2/auth/{providerConfigKey}',
    ]) {
      expect(scopes.get(route), route).toBe('connect_session');
    }
    expect(scopes.get('GET /webhooks/subscriptions')).toBe('webhooks:read');
    expect(scopes.get('GET /webhooks/subscriptions/{id}/deliveries')).toBe('webhooks:read');
    expect(scopes.get('DELETE /webhooks/subscriptions/{id}')).toBe('webhooks:write');
    expect(scopes.get('POST /webhooks/deliveries/{deliveryId}/replay')).toBe('webhooks:write');
    // Creating hands the caller only its own new subscription's secret; rotating hands out any subscription's.
    expect(scopes.get('POST /webhooks/subscriptions')).toBe('webhooks:write');
    expect(scopes.get('POST /webhooks/subscriptions/{id}/rotate-secret')).toBe('full');
    // Full only: managing keys and reading a stored secret.
    const fullOnly = [...scopes].filter(([, s]) => s === 'full').map(([route]) => route);
    expect(fullOnly.sort()).toEqual(
      [...routes.filter((r) => r.spec.tag === 'API keys').map((r) => `${r.spec.method.toUpperCase()} ${r.spec.path}`), 'POST /webhooks/subscriptions/{id}/rotate-secret'].sort(),
    );

    const doc = buildOpenApiDocument(routes, deps.syncline.registry);
    expect(doc.paths['/connections/{connectionId}']!['get']!['x-required-scope']).toBe('connections:read');
    expect(doc.paths['/webhooks/subscriptions/{id}/rotate-secret']!['post']!['x-required-scope']).toBe('full');
    expect(doc.paths['/connection/{connectionId}']!['get']!.deprecated).toBe(true);
    expect(doc.paths['/connections/{connectionId}']!['get']!.deprecated).toBeUndefined();
    expect(doc.paths['/connections']!['get']!.parameters.find((p) => p.name === 'tags')).toMatchObject({ style: 'deepObject', explode: true });
  });
});

describe('assertScope', () => {
  it('answers 403 forbidden naming the missing scope', () => {
    expect(() => assertScope(key(['records:read']), 'records:read')).not.toThrow();
    expect(() => assertScope(key(['records:read']), 'any')).not.toThrow();
    expect(() => assertScope(key(['records:read']), 'syncs:write')).toThrow(expect.objectContaining({ status: 403, code: 'forbidden', message: 'this API key lacks the syncs:write scope' }));
    expect(() => assertScope(undefined, 'records:read')).toThrow(expect.objectContaining({ status: 403 }));
  });

  it('fails closed for a key object without scopes: nothing but public routes', () => {
    const scopeless = { id: 'key_1', name: 'k', createdAt: '', prefix: 'sk_' } as ApiKeyInfo;
    for (const scope of API_KEY_SCOPES) expect(() => assertScope(scopeless, scope), scope).toThrow(expect.objectContaining({ status: 403 }));
    expect(() => assertScope(scopeless, 'any')).not.toThrow();
    expect(canReadSecrets(scopeless)).toBe(false);
  });

  it('lets only full keys read secrets', () => {
    expect(canReadSecrets(key(['full']))).toBe(true);
    expect(canReadSecrets(key([...API_KEY_SCOPES.filter((s) => s !== 'full')]))).toBe(false);
    expect(canReadSecrets(undefined)).toBe(false);
  });
});
