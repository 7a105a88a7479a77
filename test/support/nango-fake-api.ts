/**
 * One local server (127.0.0.1, a free port) standing in for every API the Nango-layout fixture
 * (`test/fixtures/nango-project`) calls. Each API lives under its own path prefix, so a
 * connection's `connection_config.baseUrl` picks it (`baseUrl('linear')` → `http://127.0.0.1:…/linear`):
 *
 * - `helpdesk`: tickets filtered by `updated_after` and paged by `page`, agents, `me`, closing a ticket (API key, Bearer).
 * - `slack`: `users.list` with Slack's cursor (`response_metadata.next_cursor`, blank at the end) (OAuth token).
 * - `linear`: `POST /graphql`, issues paged by `variables.first`/`variables.after`; like Linear, the
 *   last page still carries its `endCursor`, so a client asks once more and gets an empty page.
 * - `ledger`: invoices per tenant at `/v1/tenants/{tenantId}/invoices`, next page in `links.next` (Basic auth).
 * - `crm-lite`: companies paged by `page` (from 1) and `per_page` (`x-api-key`).
 *
 * The datasets are small and deterministic; a test changes `data` between runs (drop a member,
 * touch a ticket) and reads `requests` to see what the scripts asked for.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeApiName = 'helpdesk' | 'slack' | 'linear' | 'ledger' | 'crm-lite';

export const FAKE_CREDENTIALS = {
  helpdeskApiKey: 'hd_live_4f0c1e',
  slackToken: 'xoxb-fake-0001',
  linearToken: 'lin_oauth_fake_0001',
  ledger: { username: 'ledger-api', password: 'ledger-secret' },
  crmApiKey: 'crm_fake_key_01',
} as const;

/** Two organisations of the ledger API, as uuids like Xero's tenant ids. */
export const LEDGER_TENANTS = { acme: '0b5e2c1a-7d4f-4e8a-9c3b-1f2a3b4c5d6e', globex: 'c7d8e9f0-1a2b-4c3d-8e4f-5a6b7c8d9e0f' } as const;

export interface FakeTicket {
  id: number;
  subject: string;
  status: 'open' | 'pending' | 'closed';
  requester: { email: string };
  updated_at: string;
}
export interface FakeAgent {
  id: number;
  first_name: string;
  last_name: string;
  email: string;
  role: 'admin' | 'agent';
}
export interface FakeSlackMember {
  id: string;
  name: string;
  deleted: boolean;
  is_bot: boolean;
  tz: string;
  profile: { real_name: string; email?: string };
}
export interface FakeLinearIssue {
  id: string;
  identifier: string;
  title: string;
  priority: number;
  state: { name: string };
  updatedAt: string;
}
export interface FakeInvoice {
  InvoiceID: string;
  InvoiceNumber: string;
  Total: number;
  CurrencyCode: string;
  Status: 'DRAFT' | 'AUTHORISED' | 'PAID';
}
export interface FakeCompany {
  id: number;
  name: string;
  domain: string;
}

export interface FakeData {
  tickets: FakeTicket[];
  agents: FakeAgent[];
  slackMembers: FakeSlackMember[];
  linearIssues: FakeLinearIssue[];
  invoices: Record<string, FakeInvoice[]>;
  companies: FakeCompany[];
}

export interface FakeRequest {
  api: string;
  method: string;
  /** The path below the API's prefix, e.g. `/api/v2/tickets`. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: any;
}

export interface NangoFakeApi {
  url: string;
  /** Change between runs; the next request sees the change. */
  data: FakeData;
  requests: FakeRequest[];
  baseUrl(api: FakeApiName): string;
  requestsTo(api: FakeApiName): FakeRequest[];
  close(): Promise<void>;
}

const minute = (n: number) => new Date(Date.UTC(2025, 0, 6, 9, n)).toISOString();

export function initialData(): FakeData {
  const emails = ['ada@example.com', 'grace@example.com', 'linus@example.com', 'margaret@example.com', 'ken@example.com'];
  return {
    tickets: emails.map((email, i) => ({ id: 101 + i, subject: `Ticket ${101 + i}`, status: 'open' as const, requester: { email }, updated_at: minute(i) })),
    agents: [
      { id: 1, first_name: 'Alice', last_name: 'Moreau', email: 'Alice@Helpdesk.example', role: 'admin' },
      { id: 2, first_name: 'Bruno', last_name: 'Silva', email: 'bruno@helpdesk.example', role: 'agent' },
      { id: 3, first_name: 'Chen', last_name: 'Wei', email: 'chen@helpdesk.example', role: 'agent' },
    ],
    slackMembers: [
      { id: 'U001', name: 'ada', deleted: false, is_bot: false, tz: 'Europe/London', profile: { real_name: 'Ada Lovelace', email: 'ada@example.com' } },
      { id: 'U002', name: 'grace', deleted: false, is_bot: false, tz: 'America/New_York', profile: { real_name: 'Grace Hopper', email: 'grace@example.com' } },
      { id: 'U003', name: 'linus', deleted: false, is_bot: false, tz: 'Europe/Helsinki', profile: { real_name: 'Linus Torvalds', email: 'linus@example.com' } },
      { id: 'U004', name: 'deploybot', deleted: false, is_bot: true, tz: 'UTC', profile: { real_name: 'Deploy Bot' } },
      { id: 'U005', name: 'ken', deleted: false, is_bot: false, tz: 'America/Los_Angeles', profile: { real_name: 'Ken Thompson', email: 'ken@example.com' } },
    ],
    linearIssues: ['Fix login', 'Dark mode', 'Export CSV', 'Rate limits', 'Onboarding'].map((title, i) => ({
      id: `iss-${i + 1}`,
      identifier: `ENG-${i + 1}`,
      title,
      priority: (i % 4) + 1,
      state: { name: i % 2 === 0 ? 'Todo' : 'In Progress' },
      updatedAt: minute(10 + i),
    })),
    invoices: {
      [LEDGER_TENANTS.acme]: [1, 2, 3].map((n) => ({ InvoiceID: `acme-inv-${n}`, InvoiceNumber: `INV-A${n}`, Total: 100 * n, CurrencyCode: 'EUR', Status: n === 1 ? 'PAID' : 'AUTHORISED' })),
      [LEDGER_TENANTS.globex]: [1, 2].map((n) => ({ InvoiceID: `globex-inv-${n}`, InvoiceNumber: `INV-G${n}`, Total: 250 * n, CurrencyCode: 'USD', Status: 'DRAFT' })),
    },
    companies: ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli'].map((name, i) => ({ id: 501 + i, name, domain: `${name.toLowerCase()}.example` })),
  };
}

type Answer = { status: number; body: unknown };
type Handler = (request: FakeRequest, data: FakeData, params: string[]) => Answer;
interface Route {
  api: FakeApiName;
  method: string;
  path: RegExp;
  authorized: (headers: IncomingHttpHeaders) => boolean;
  handle: Handler;
}

const bearer = (token: string) => (headers: IncomingHttpHeaders) => headers.authorization === `Bearer ${token}`;
const basic = (username: string, password: string) => (headers: IncomingHttpHeaders) => headers.authorization === `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
const ok = (body: unknown): Answer => ({ status: 200, body });
const LEDGER_PAGE_SIZE = 2;

const ROUTES: Route[] = [
  {
    api: 'helpdesk',
    method: 'GET',
    path: /^\/api\/v2\/tickets$/,
    authorized: bearer(FAKE_CREDENTIALS.helpdeskApiKey),
    handle: ({ query }, data) => {
      const after = query.get('updated_after');
      const perPage = Number(query.get('per_page') ?? 100);
      const page = Number(query.get('page') ?? 1);
      const matching = data.tickets.filter((ticket) => after === null || ticket.updated_at > after).sort((a, b) => a.updated_at.localeCompare(b.updated_at) || a.id - b.id);
      const tickets = matching.slice((page - 1) * perPage, page * perPage);
      return ok({ tickets, next_page: page * perPage < matching.length ? page + 1 : null });
    },
  },
  { api: 'helpdesk', method: 'GET', path: /^\/api\/v2\/agents$/, authorized: bearer(FAKE_CREDENTIALS.helpdeskApiKey), handle: (_, data) => ok({ agents: data.agents }) },
  { api: 'helpdesk', method: 'GET', path: /^\/api\/v2\/me$/, authorized: bearer(FAKE_CREDENTIALS.helpdeskApiKey), handle: (_, data) => ok({ agent: data.agents[0] }) },
  {
    api: 'helpdesk',
    method: 'POST',
    path: /^\/api\/v2\/tickets\/(\d+)\/close$/,
    authorized: bearer(FAKE_CREDENTIALS.helpdeskApiKey),
    handle: (_, data, [id]) => {
      const ticket = data.tickets.find((t) => t.id === Number(id));
      if (!ticket) return { status: 404, body: { error: 'ticket not found' } };
      ticket.status = 'closed';
      return ok({ ticket });
    },
  },
  {
    api: 'slack',
    method: 'GET',
    path: /^\/users\.list$/,
    authorized: bearer(FAKE_CREDENTIALS.slackToken),
    handle: ({ query }, data) => {
      const limit = Number(query.get('limit') ?? 100);
      const start = query.get('cursor') ? Number(Buffer.from(query.get('cursor')!, 'base64').toString().replace('next:', '')) : 0;
      const members = data.slackMembers.slice(start, start + limit);
      const next = start + limit < data.slackMembers.length ? Buffer.from(`next:${start + limit}`).toString('base64') : '';
      return ok({ ok: true, members, response_metadata: { next_cursor: next } });
    },
  },
  {
    api: 'linear',
    method: 'POST',
    path: /^\/graphql$/,
    authorized: bearer(FAKE_CREDENTIALS.linearToken),
    handle: ({ body }, data) => {
      const variables = body?.variables ?? {};
      if (typeof body?.query !== 'string' || !body.query.includes('items: issues')) return { status: 400, body: { errors: [{ message: 'unknown query' }] } };
      const first = Number(variables.first ?? 50);
      const start = typeof variables.after === 'string' ? data.linearIssues.findIndex((issue) => issue.id === variables.after) + 1 : 0;
      const nodes = data.linearIssues.slice(start, start + first);
      const endCursor = nodes.at(-1)?.id ?? null;
      return ok({ data: { items: { nodes, pageInfo: { hasNextPage: start + first < data.linearIssues.length, endCursor } } } });
    },
  },
  {
    api: 'ledger',
    method: 'GET',
    path: /^\/v1\/tenants\/([^/]+)\/invoices$/,
    authorized: basic(FAKE_CREDENTIALS.ledger.username, FAKE_CREDENTIALS.ledger.password),
    handle: ({ query }, data, [tenant]) => {
      const invoices = data.invoices[decodeURIComponent(tenant!)];
      if (!invoices) return { status: 404, body: { Message: `no organisation ${tenant}` } };
      const page = Number(query.get('page') ?? 1);
      const slice = invoices.slice((page - 1) * LEDGER_PAGE_SIZE, page * LEDGER_PAGE_SIZE);
      const next = page * LEDGER_PAGE_SIZE < invoices.length ? `/ledger/v1/tenants/${tenant}/invoices?page=${page + 1}` : null;
      return ok({ invoices: slice, links: { next } });
    },
  },
  {
    api: 'crm-lite',
    method: 'GET',
    path: /^\/v2\/companies$/,
    authorized: (headers) => headers['x-api-key'] === FAKE_CREDENTIALS.crmApiKey,
    handle: ({ query }, data) => {
      const perPage = Number(query.get('per_page') ?? 100);
      const page = Number(query.get('page') ?? 1);
      return ok({ data: data.companies.slice((page - 1) * perPage, page * perPage), meta: { page, per_page: perPage, total: data.companies.length } });
    },
  },
];

export async function startNangoFakeApi(): Promise<NangoFakeApi> {
  const requests: FakeRequest[] = [];
  const fake = { data: initialData() };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const [, api = '', ...rest] = url.pathname.split('/');
      const text = Buffer.concat(chunks).toString('utf8');
      const request: FakeRequest = { api, method: req.method ?? 'GET', path: `/${rest.join('/')}`, query: url.searchParams, headers: req.headers, body: parseBody(text) };
      requests.push(request);
      answer(res, route(request, fake.data));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    get data() {
      return fake.data;
    },
    set data(next: FakeData) {
      fake.data = next;
    },
    requests,
    baseUrl: (api) => `${url}/${api}`,
    requestsTo: (api) => requests.filter((request) => request.api === api),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function route(request: FakeRequest, data: FakeData): Answer {
  for (const candidate of ROUTES) {
    if (candidate.api !== request.api || candidate.method !== request.method) continue;
    const match = candidate.path.exec(request.path);
    if (!match) continue;
    if (!candidate.authorized(request.headers)) return { status: 401, body: { error: 'unauthorized' } };
    return candidate.handle(request, data, match.slice(1));
  }
  return { status: 404, body: { error: `no route ${request.method} /${request.api}${request.path}` } };
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function answer(res: ServerResponse, { status, body }: Answer): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
