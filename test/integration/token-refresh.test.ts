/**
 * One token refresh per connection across processes, on DynamoDB Local: two executors (each
 * with its own in-process state, as two Lambdas have) find the same token expired at once; the
 * token endpoint, a local server, is called exactly once, and both carry on with its answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDynamoStateRepos } from '../../functions/adapters/dynamodb/state/index.js';
import type { Connection } from '../../functions/engine/connection.js';
import { makeCredentialsProvider } from '../../functions/engine/credentials.js';
import type { StateRepos } from '../../functions/engine/ports.js';
import { parseProvider } from '../../functions/engine/providers/provider.js';
import { useDynamo } from '../support/dynamo.js';
import { sendJson, startServer, type TestServer } from '../unit/http/test-server.js';

const dynamo = useDynamo();
let state: StateRepos;
let server: TestServer;
let issued = 0;

beforeAll(async () => {
  const tables = await dynamo.freshTables();
  state = makeDynamoStateRepos({ doc: dynamo.doc, tableName: tables.state });
  server = await startServer((req, res) => {
    // A slow, rotating token endpoint: each refresh token works once.
    const used = new URLSearchParams(req.body).get('refresh_token');
    if (used !== `rt-${issued}`) return sendJson(res, 400, { error: 'invalid_grant' });
    issued++;
    setTimeout(() => sendJson(res, 200, { access_token: `at-${issued}`, refresh_token: `rt-${issued}`, expires_in: 3600 }), 300);
  });
});
afterAll(() => server?.close());

describe('token refresh across executors', () => {
  it('makes exactly one token request when two executors refresh the same connection at once', async () => {
    const connection: Connection = {
      providerConfigKey: 'crm',
      connectionId: 'acme',
      metadata: {},
      connectionConfig: {},
      createdAt: '2026-01-01T00:00:00Z',
      updatedAt: '2026-01-01T00:00:00Z',
      credentials: { type: 'OAUTH2', accessToken: 'at-0', refreshToken: 'rt-0', expiresAt: new Date(Date.now() - 1_000).toISOString() },
    };
    await state.connections.put(connection);
    const provider = parseProvider({ baseUrl: 'https://api.example.com', auth: { mode: 'OAUTH2', tokenUrl: `${server.baseUrl}/oauth/token` } });
    const executor = () =>
      makeCredentialsProvider({
        connections: state.connections,
        connection,
        provider,
        client: { clientId: 'c', clientSecret: 's' },
        clock: { now: () => Date.now() },
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 50))),
      });

    // Metadata written while the refresh is under way is not overwritten by it.
    const [a, b] = await Promise.all([executor()(), executor()(), state.connections.updateMetadata('crm', 'acme', { cursor: 'c-9' })]);

    expect(server.requests).toHaveLength(1);
    expect(a).toMatchObject({ accessToken: 'at-1' });
    expect(b).toMatchObject({ accessToken: 'at-1' });
    const stored = await state.connections.getWithCredentials('crm', 'acme');
    expect(stored!.credentials).toMatchObject({ accessToken: 'at-1', refreshToken: 'rt-1' });
    expect(stored!.metadata).toEqual({ cursor: 'c-9' });
  });
});
