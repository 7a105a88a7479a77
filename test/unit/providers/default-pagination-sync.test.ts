/**
 * A sync script written against a catalog provider pages with the provider's default pagination
 * when it gives no `paginate` block, as on Nango: GitHub's Link header, against a local server
 * standing in for api.github.com (the integration overrides the base URL).
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { IntegrationRegistry } from '../../../functions/engine/integration.js';
import { runInvocation } from '../../../functions/engine/runner/run-invocation.js';
import { createSync } from '../../../functions/engine/sync-definition.js';
import { ManualClock } from '../../support/memory-engine.js';
import { MemoryRecordStore } from '../../support/memory-record-store.js';
import { makeMemoryState } from '../../support/memory-state.js';
import { sendJson, startServer, type TestServer } from '../http/test-server.js';

let server: TestServer | undefined;
afterEach(() => server?.close());

describe('a sync over a catalog provider', () => {
  it('pages with the provider default when nango.paginate gets only an endpoint', async () => {
    server = await startServer((req, res) => {
      const page = Number(req.query.get('page') ?? 1);
      const link: Record<string, string> = page < 3 ? { link: `<${server!.baseUrl}/repos/acme/app/issues?page=${page + 1}>; rel="next"` } : {};
      sendJson(
        res,
        200,
        [
          { id: page * 10 + 1, title: `issue ${page}a` },
          { id: page * 10 + 2, title: `issue ${page}b` },
        ],
        link,
      );
    });
    const clock = new ManualClock();
    const state = makeMemoryState(clock);
    const registry = new IntegrationRegistry([
      {
        providerConfigKey: 'github',
        provider: 'github',
        overrides: { baseUrl: server.baseUrl },
        syncs: {
          issues: createSync({
            autoStart: true,
            frequency: 'every hour',
            syncType: 'incremental',
            models: { Issue: z.object({ id: z.string(), title: z.string() }) },
            exec: async (nango) => {
              for await (const page of nango.paginate<{ id: number; title: string }>({ endpoint: '/repos/acme/app/issues' })) {
                await nango.batchSave(
                  page.map((issue) => ({ id: String(issue.id), title: issue.title })),
                  'Issue',
                );
              }
            },
          }),
        },
      },
    ]);
    const now = new Date(clock.now()).toISOString();
    await state.connections.put({
      providerConfigKey: 'github',
      connectionId: 'acme',
      credentials: { type: 'OAUTH2', accessToken: 'gho_x' },
      metadata: {},
      connectionConfig: {},
      createdAt: now,
      updatedAt: now,
    });

    const outcome = await runInvocation(
      { registry, records: new MemoryRecordStore(() => clock.now()), state, clock, newId: () => 'run-1', logger: { log: () => undefined } },
      { providerConfigKey: 'github', connectionId: 'acme', syncName: 'issues', trigger: 'MANUAL', owner: 'o' },
    );

    expect(outcome).toMatchObject({ kind: 'FINISHED', run: { status: 'SUCCESS', results: { Issue: { added: 6 } } } });
    expect(server.requests.map((r) => r.query.get('page'))).toEqual([null, '2', '3']);
    expect(server.requests.every((r) => r.headers.authorization === 'Bearer gho_x')).toBe(true);
  });
});
