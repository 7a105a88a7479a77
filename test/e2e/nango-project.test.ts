/**
 * A Nango project folder as a user has it (`test/fixtures/nango-project`), run as it is: discovery
 * takes integration ids from folder names and sync names from file names, then every sync runs on
 * the local runtime (DynamoDB Local, the SQS emulator, the executor poller) against a fake of the
 * APIs it calls, driven only through the HTTP API — connections imported with their
 * `connection_config`, syncs started and triggered, records read back with `GET /records`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AssembledProject } from '../../functions/discovery/assemble.js';
import { discoverIntegrations, discoverProject } from '../../functions/discovery/discover.js';
import { startLocalRuntime, type LocalRuntime } from '../../functions/local/runtime.js';
import { FAKE_CREDENTIALS, LEDGER_TENANTS, startNangoFakeApi, type NangoFakeApi } from '../support/nango-fake-api.js';

const FIXTURE_DIR = fileURLToPath(new URL('../fixtures/nango-project', import.meta.url));
const SECRET_KEY = 'sk_local_nango_project_0123456789';
const WAIT_MS = 30_000;

interface Status {
  status: string;
  latestExecutionStatus: string | null;
  finishedAt: string | null;
  latestResult: Record<string, { added: number; updated: number; deleted: number }> | null;
  checkpoint: Record<string, unknown> | null;
}
interface StoredRecord {
  id: string;
  [field: string]: any;
  _nango_metadata: { last_action: string; deleted_at: string | null };
}
interface SyncRef {
  integration: string;
  connection: string;
  sync: string;
}

let fake: NangoFakeApi;
let project: AssembledProject;
let runtime: LocalRuntime | null = null;
let dataDir = '';

beforeAll(async () => {
  fake = await startNangoFakeApi();
  project = await discoverProject([FIXTURE_DIR]);
  dataDir = await mkdtemp(join(tmpdir(), 'syncline-nango-project-'));
  runtime = await startLocalRuntime({
    dataDir,
    integrations: await discoverIntegrations([FIXTURE_DIR]),
    logger: { log: () => undefined },
    demo: false,
    apiPort: 0,
    secretKey: SECRET_KEY,
    executorConcurrency: 2,
  });
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
  await fake?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function api(path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<{ status: number; json: any }> {
  const response = await fetch(`${runtime!.api!.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { Authorization: `Bearer ${SECRET_KEY}`, 'Content-Type': 'application/json', ...init.headers },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return { status: response.status, json: await response.json() };
}

async function createConnection(body: Record<string, unknown>): Promise<void> {
  const { status, json } = await api('/connections', { method: 'POST', body });
  expect(status, JSON.stringify(json)).toBe(201);
}

async function syncStatus({ integration, connection, sync }: SyncRef): Promise<Status> {
  const { status, json } = await api(`/sync/status?provider_config_key=${integration}&syncs=${sync}&connection_id=${connection}`);
  expect(status, JSON.stringify(json)).toBe(200);
  return json.syncs[0] as Status;
}

async function startAndTrigger(ref: SyncRef, path: '/sync/start' | '/sync/trigger' = '/sync/trigger'): Promise<void> {
  const { status, json } = await api(path, { method: 'POST', body: { provider_config_key: ref.integration, connection_id: ref.connection, syncs: [ref.sync] } });
  expect(status, JSON.stringify(json)).toBe(200);
}

/** Waits for a run that finished after `after` (any finished run when null) and expects it to have succeeded. */
async function waitForRun(ref: SyncRef, after: string | null = null): Promise<Status> {
  const finished = await vi.waitFor(
    async () => {
      const status = await syncStatus(ref);
      const done = status.finishedAt !== null && status.finishedAt !== after && (status.latestExecutionStatus === 'SUCCESS' || status.latestExecutionStatus === 'ERROR');
      if (!done) throw new Error(`${ref.integration}/${ref.sync} has not finished a run yet: ${JSON.stringify(status)}`);
      return status;
    },
    { timeout: WAIT_MS, interval: 200 },
  );
  if (finished.latestExecutionStatus !== 'SUCCESS') expect.fail(`${ref.integration}/${ref.sync} failed: ${JSON.stringify((await executions(ref))[0]?.error)}`);
  return finished;
}

async function executions(ref: SyncRef): Promise<{ status: string; error: unknown; logs: { level: string; message: string }[] }[]> {
  const { json } = await api(`/sync/executions?provider_config_key=${ref.integration}&connection_id=${ref.connection}&sync_name=${ref.sync}`);
  return json.executions;
}

async function listRecords(ref: SyncRef, model: string, query = ''): Promise<StoredRecord[]> {
  const records: StoredRecord[] = [];
  let cursor: string | null = null;
  do {
    const { status, json } = await api(`/records?model=${model}&limit=2${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, {
      headers: { 'Connection-Id': ref.connection, 'Provider-Config-Key': ref.integration },
    });
    expect(status, JSON.stringify(json)).toBe(200);
    records.push(...json.records);
    cursor = json.next_cursor;
  } while (cursor);
  return records;
}

/** `GET /records` trails a run's end by the visibility lag: wait until the page shows what the run wrote. */
function recordsOnceVisible(ref: SyncRef, model: string, count: number, query = ''): Promise<StoredRecord[]> {
  return vi.waitFor(
    async () => {
      const records = await listRecords(ref, model, query);
      if (records.length !== count) throw new Error(`${records.length} ${model} records visible, expecting ${count}`);
      return records;
    },
    { timeout: WAIT_MS, interval: 250 },
  );
}

const byId = (records: StoredRecord[]) => [...records].sort((a, b) => a.id.localeCompare(b.id));

describe('discovery of a Nango project folder', () => {
  it('takes integration ids from folder names, sync names from file names, loads actions to run, and lists on-event scripts as skipped', async () => {
    expect(project.problems).toEqual([]);
    const declarations = Object.fromEntries(project.declarations.map((declaration) => [declaration.providerConfigKey, declaration]));
    expect(Object.keys(declarations).sort()).toEqual(['crm-lite', 'helpdesk', 'ledger', 'linear', 'slack-workspace']);
    expect(Object.keys(declarations['helpdesk']!.syncs).sort()).toEqual(['agents', 'tickets']);
    expect(Object.keys(declarations['slack-workspace']!.syncs)).toEqual(['users']);
    // Mapped in syncline.json to a catalog entry; `linear` is the catalog entry of its folder's name.
    expect(declarations['slack-workspace']!.provider).toBe('slack');
    expect(declarations['linear']!.provider).toBe('linear');
    expect(declarations['linear']!.overrides).toEqual({ baseUrl: '${connectionConfig.baseUrl}' });
    expect(declarations['crm-lite']!.provider).toMatchObject({ name: 'crm-lite', pagination: { type: 'offset' } });

    expect(Object.keys(declarations['helpdesk']!.actions ?? {})).toEqual(['close-ticket']);
    expect(project.reports.find((report) => report.kind === 'action')).toMatchObject({ integration: 'helpdesk', name: 'close-ticket', status: 'loaded' });
    const skipped = project.reports.filter((report) => report.status === 'skipped');
    expect(skipped.map(({ integration, kind, name }) => ({ integration, kind, name }))).toEqual([{ integration: 'helpdesk', kind: 'onEvent', name: 'validate-api-key' }]);
    expect(skipped.every((report) => report.file.startsWith(FIXTURE_DIR) && report.reason?.includes('not run yet'))).toBe(true);
    expect(project.reports.filter((report) => report.kind === 'sync').every((report) => report.status === 'loaded' && report.reason === undefined)).toBe(true);
    // Only the script folders count: helpers/ and mappers/ are the scripts' own business.
    expect(project.reports.some((report) => report.file.includes('/helpers/') || report.file.includes('/mappers/'))).toBe(false);
  });
});

describe('the Nango project on the local runtime', () => {
  it('runs an incremental sync from its checkpoint: the second run asks only for what changed', async () => {
    const tickets = { integration: 'helpdesk', connection: 'hd-1', sync: 'tickets' };
    await createConnection({
      provider_config_key: 'helpdesk',
      connection_id: 'hd-1',
      credentials: { type: 'API_KEY', apiKey: FAKE_CREDENTIALS.helpdeskApiKey },
      connection_config: { baseUrl: fake.baseUrl('helpdesk') },
    });

    // autoStart: the first run follows the connection's creation.
    const first = await waitForRun(tickets);
    expect(first.latestResult).toEqual({ Ticket: { added: 5, updated: 0, deleted: 0 } });
    expect(first.checkpoint).toEqual({ updatedAfter: '2025-01-06T09:04:00.000Z' });
    const firstRequests = fake.requestsTo('helpdesk').filter((r) => r.path === '/api/v2/tickets');
    expect(firstRequests.map((r) => [r.query.get('page'), r.query.get('updated_after')])).toEqual([
      ['1', null],
      ['2', null],
      ['3', null],
    ]);
    await recordsOnceVisible(tickets, 'Ticket', 5);

    fake.data.tickets[1]!.status = 'closed';
    fake.data.tickets[1]!.updated_at = '2025-01-06T10:00:00.000Z';
    fake.data.tickets.push({ id: 106, subject: 'Ticket 106', status: 'open', requester: { email: 'barbara@example.com' }, updated_at: '2025-01-06T10:05:00.000Z' });
    const requestsBefore = fake.requests.length;
    await startAndTrigger(tickets);
    const second = await waitForRun(tickets, first.finishedAt);

    expect(second.latestResult).toEqual({ Ticket: { added: 1, updated: 1, deleted: 0 } });
    expect(second.checkpoint).toEqual({ updatedAfter: '2025-01-06T10:05:00.000Z' });
    const secondRequests = fake.requests.slice(requestsBefore).filter((r) => r.api === 'helpdesk' && r.path === '/api/v2/tickets');
    expect(secondRequests.map((r) => [r.query.get('page'), r.query.get('updated_after')])).toEqual([['1', '2025-01-06T09:04:00.000Z']]);
    const records = byId(await recordsOnceVisible(tickets, 'Ticket', 6));
    expect(records.find((r) => r.id === '102')).toMatchObject({ status: 'closed', updatedAt: '2025-01-06T10:00:00.000Z', _nango_metadata: { last_action: 'UPDATED' } });
    expect(records.find((r) => r.id === '106')).toMatchObject({ requesterEmail: 'barbara@example.com', _nango_metadata: { last_action: 'ADDED' } });
  }, 60_000);

  it('runs a sync with metadata z.void(): its log payload is kept, a log at level off is not', async () => {
    const agents = { integration: 'helpdesk', connection: 'hd-1', sync: 'agents' };
    // Started with the connection of the previous test (autoStart).
    await waitForRun(agents);
    const records = byId(await recordsOnceVisible(agents, 'Agent', 3));
    // The shared mapper joined the names and lower-cased the email.
    expect(records[0]).toMatchObject({ id: '1', fullName: 'Alice Moreau', email: 'alice@helpdesk.example', role: 'admin' });

    const [latest] = await executions(agents);
    const messages = latest!.logs.map((line) => `${line.level} ${line.message}`);
    expect(messages).toContain('info Saved help desk agents {"agents":3,"admins":1}');
    expect(latest!.logs.some((line) => line.message === 'x' || line.message.startsWith('x '))).toBe(false);
  }, 60_000);

  it('runs a full refresh with trackDeletesStart/End: a member the API drops is marked deleted', async () => {
    const users = { integration: 'slack-workspace', connection: 'acme-workspace', sync: 'users' };
    await createConnection({
      provider_config_key: 'slack-workspace',
      connection_id: 'acme-workspace',
      credentials: { type: 'OAUTH2', access_token: FAKE_CREDENTIALS.slackToken },
      connection_config: { baseUrl: fake.baseUrl('slack') },
    });
    // No autoStart in the script: the sync waits to be started, as Nango's CLI deploys it.
    expect((await syncStatus(users)).status).toBe('PAUSED');
    await startAndTrigger(users, '/sync/start');
    await startAndTrigger(users);
    const first = await waitForRun(users);
    expect(first.latestResult).toEqual({ SlackUser: { added: 5, updated: 0, deleted: 0 } });
    // The provider's cursor pagination with the script's page size: 5 members in pages of 2.
    expect(fake.requestsTo('slack').map((r) => r.query.get('limit'))).toEqual(['2', '2', '2']);
    await recordsOnceVisible(users, 'SlackUser', 5);

    fake.data.slackMembers = fake.data.slackMembers.filter((member) => member.id !== 'U003');
    await startAndTrigger(users);
    const second = await waitForRun(users, first.finishedAt);

    expect(second.latestResult).toEqual({ SlackUser: { added: 0, updated: 0, deleted: 1 } });
    const deleted = await recordsOnceVisible(users, 'SlackUser', 1, '&filter=deleted');
    expect(deleted[0]).toMatchObject({ id: 'U003', _nango_metadata: { last_action: 'DELETED' } });
    expect(deleted[0]!._nango_metadata.deleted_at).not.toBeNull();
    const [latest] = await executions(users);
    expect(latest!.logs.map((line) => line.message)).toContain('Members no longer in the workspace: U003');
  }, 60_000);

  it('pages a GraphQL query with the cursor in the body until the last page', async () => {
    const issues = { integration: 'linear', connection: 'eng', sync: 'issues' };
    await createConnection({
      provider_config_key: 'linear',
      connection_id: 'eng',
      credentials: { type: 'OAUTH2', access_token: FAKE_CREDENTIALS.linearToken },
      connection_config: { baseUrl: fake.baseUrl('linear') },
    });
    const run = await waitForRun(issues);

    expect(run.latestResult).toEqual({ Issue: { added: 5, updated: 0, deleted: 0 } });
    const calls = fake.requestsTo('linear');
    expect(calls.every((call) => call.method === 'POST' && call.path === '/graphql' && call.body.query.includes('items: issues'))).toBe(true);
    // The script's own variables are kept; `first` and `after` are set inside them. Like Linear, the
    // last page still names its end cursor, so one more (empty) page ends the walk.
    expect(calls.map((call) => call.body.variables)).toEqual([
      { includeArchived: false, first: 2 },
      { includeArchived: false, first: 2, after: 'iss-2' },
      { includeArchived: false, first: 2, after: 'iss-4' },
      { includeArchived: false, first: 2, after: 'iss-5' },
    ]);
    const records = byId(await recordsOnceVisible(issues, 'Issue', 5));
    expect(records.map((r) => r.identifier)).toEqual(['ENG-1', 'ENG-2', 'ENG-3', 'ENG-4', 'ENG-5']);
    expect(records[1]).toMatchObject({ title: 'Dark mode', state: 'In Progress', priority: 2 });
  }, 60_000);

  it("puts each connection's connection_config.tenant_id in the endpoint path", async () => {
    const refs = Object.entries(LEDGER_TENANTS).map(([name, tenantId]) => ({ ref: { integration: 'ledger', connection: name, sync: 'invoices' }, tenantId }));
    for (const { ref, tenantId } of refs) {
      await createConnection({
        provider_config_key: 'ledger',
        connection_id: ref.connection,
        credentials: { type: 'BASIC', username: FAKE_CREDENTIALS.ledger.username, password: FAKE_CREDENTIALS.ledger.password },
        connection_config: { baseUrl: fake.baseUrl('ledger'), tenant_id: tenantId },
      });
      await startAndTrigger(ref, '/sync/start');
      await startAndTrigger(ref);
    }
    const [acme, globex] = refs;
    await waitForRun(acme!.ref);
    await waitForRun(globex!.ref);

    const acmeInvoices = byId(await recordsOnceVisible(acme!.ref, 'Invoice', 3));
    expect(acmeInvoices.map((r) => [r.id, r.tenantId])).toEqual([
      ['acme-inv-1', LEDGER_TENANTS.acme],
      ['acme-inv-2', LEDGER_TENANTS.acme],
      ['acme-inv-3', LEDGER_TENANTS.acme],
    ]);
    const globexInvoices = byId(await recordsOnceVisible(globex!.ref, 'Invoice', 2));
    expect(globexInvoices.map((r) => r.number)).toEqual(['INV-G1', 'INV-G2']);
    // Two pages for acme (next link in the body), one for globex; never a path without a tenant.
    const paths = fake.requestsTo('ledger').map((r) => `${r.path}?${r.query}`);
    expect(paths.sort()).toEqual([`/v1/tenants/${LEDGER_TENANTS.acme}/invoices?`, `/v1/tenants/${LEDGER_TENANTS.acme}/invoices?page=2`, `/v1/tenants/${LEDGER_TENANTS.globex}/invoices?`]);
  }, 60_000);

  it("completes a partial paginate block ({ limit: 2 }) with the provider's default pagination", async () => {
    const companies = { integration: 'crm-lite', connection: 'sales', sync: 'companies' };
    await createConnection({
      provider_config_key: 'crm-lite',
      connection_id: 'sales',
      credentials: { type: 'API_KEY', apiKey: FAKE_CREDENTIALS.crmApiKey },
      connection_config: { baseUrl: fake.baseUrl('crm-lite') },
    });
    const run = await waitForRun(companies);

    expect(run.latestResult).toEqual({ Company: { added: 5, updated: 0, deleted: 0 } });
    // Page numbers from 1, the script's page size, the provider's x-api-key header; a short page ends it.
    const calls = fake.requestsTo('crm-lite');
    expect(calls.map((r) => [r.query.get('page'), r.query.get('per_page')])).toEqual([
      ['1', '2'],
      ['2', '2'],
      ['3', '2'],
    ]);
    expect(calls.every((r) => r.headers['x-api-key'] === FAKE_CREDENTIALS.crmApiKey && r.headers.authorization === undefined)).toBe(true);
    const records = byId(await recordsOnceVisible(companies, 'Company', 5));
    expect(records.map((r) => r.name)).toEqual(['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli']);
  }, 60_000);
});
