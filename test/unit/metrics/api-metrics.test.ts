/**
 * The API's request metrics: `ApiRequests` by route pattern (the OpenAPI path, never the raw path
 * with its ids) and status class, as the detail blob CloudWatch sees; the aggregate unchanged.
 */
import { describe, expect, it } from 'vitest';
import { makeEmfMetrics } from '../../../functions/adapters/metrics/emf-metrics.js';
import { createApiApp, type ApiDeps } from '../../../functions/api/app.js';
import { IntegrationRegistry } from '../../../functions/engine/integration.js';
import { statusClassOf } from '../../../functions/engine/metrics.js';
import { MemoryMetrics } from '../../support/memory-metrics.js';

const KEY = 'sk_test_valid';

/** Only what the requests below reach: the key check (which fails on infrastructure for `boom`), a registry. */
function makeApp(metrics: MemoryMetrics | ReturnType<typeof makeEmfMetrics>) {
  const deps = {
    logger: { log: () => undefined },
    clock: { now: () => 0 },
    apiKeys: {
      verify: async (secret: string) => {
        if (secret === 'boom') throw new Error('key store unavailable');
        return secret === KEY ? { id: 'test', scopes: ['*'] } : null;
      },
    },
    syncline: { registry: new IntegrationRegistry([]) },
  } as unknown as ApiDeps;
  return createApiApp({ ...deps, metrics });
}

const auth = { Authorization: `Bearer ${KEY}` };

describe('API request metrics', () => {
  it('counts each request under its route pattern and status class, never its raw path', async () => {
    const metrics = new MemoryMetrics();
    const app = makeApp(metrics);

    await app.request('/health');
    await app.request('/connections/customer-4711', { headers: { Authorization: 'Bearer wrong' } });
    await app.request('/no/such/path', { headers: auth });
    await app.request('/connections/customer-4711', { headers: { Authorization: 'Bearer boom' } });

    expect(metrics.named('ApiRequests').map((m) => m.detail)).toEqual([
      { route: '/health', statusClass: '2xx' },
      { route: '/connections/{connectionId}', statusClass: '4xx' },
      { route: 'unmatched', statusClass: '4xx' },
      { route: '/connections/{connectionId}', statusClass: '5xx' },
    ]);
    // The server error stays an aggregate count; one flush per request.
    expect(metrics.named('ApiServerErrors')).toEqual([{ name: 'ApiServerErrors', unit: 'Count', value: 1 }]);
    expect(metrics.flushes).toBe(4);
    expect(JSON.stringify(metrics.recorded)).not.toContain('customer-4711');
  });

  it('publishes ApiRequests under {service} and under {service, route, statusClass} in EMF', async () => {
    const lines: string[] = [];
    const app = makeApp(makeEmfMetrics({ service: 'syncline-api', write: (line) => lines.push(line) }));

    await app.request('/connections/customer-4711', { headers: { Authorization: 'Bearer wrong' } });

    const blobs = lines.map((line) => JSON.parse(line) as { _aws: { CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] } } & Record<string, unknown>);
    expect(blobs.map((b) => b._aws.CloudWatchMetrics[0]!.Dimensions)).toEqual([[['service']], [['service', 'route', 'statusClass']]]);
    expect(blobs[0]).toMatchObject({ service: 'syncline-api', ApiRequests: 1 });
    expect(blobs[1]).toMatchObject({ service: 'syncline-api', route: '/connections/{connectionId}', statusClass: '4xx', ApiRequests: 1 });
    expect(blobs[1]!._aws.CloudWatchMetrics[0]!.Metrics).toEqual([{ Name: 'ApiRequests', Unit: 'Count' }]);
    expect(lines.join('\n')).not.toContain('customer-4711');
  });

  it('knows five status classes at most', () => {
    expect([100, 200, 204, 301, 404, 429, 500, 503, 600].map(statusClassOf)).toEqual(['1xx', '2xx', '2xx', '3xx', '4xx', '4xx', '5xx', '5xx', '5xx']);
  });
});
