/**
 * The demo CRM's API, served on 127.0.0.1 for `npm start`, the tests and the benchmarks.
 * It follows the shape of HubSpot's contacts API (cursor paging under `paging.next.after`)
 * and a simple notes API (offset paging, `updated_since` filter), behind a bearer API key.
 * Contacts can also be created (`POST`, HubSpot's body `{properties}`; 409 when the email exists).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SandboxDataset, type DatasetOptions, type SandboxContact } from './dataset.js';

export interface SandboxOptions extends Partial<DatasetOptions> {
  apiKey: string;
  port?: number;
  now?: () => number;
  /** Every n-th request answers 429 with `Retry-After: 1`, to show retries; 0 = never. */
  rateLimitEvery?: number;
}

export interface Sandbox {
  url: string;
  dataset: SandboxDataset;
  requests: () => number;
  stop(): Promise<void>;
}

export const SANDBOX_DEFAULTS: DatasetOptions = {
  seed: 42,
  epoch: 0,
  tickMs: 20_000,
  initialContacts: 120,
  aboutBytes: 0,
  onDemand: false,
  adds: 2,
  updates: 3,
  deletes: 1,
};

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const now = options.now ?? Date.now;
  const dataset = new SandboxDataset({ ...SANDBOX_DEFAULTS, epoch: now(), ...definedOnly(options) });
  let requests = 0;

  const server = createServer(async (req, res) => {
    requests++;
    try {
      if (req.headers.authorization !== `Bearer ${options.apiKey}`) return send(res, 401, { message: 'missing or wrong API key' });
      if (options.rateLimitEvery && requests % options.rateLimitEvery === 0) return send(res, 429, { message: 'slow down' }, { 'retry-after': '1' });
      dataset.advanceTo(now());
      const url = new URL(req.url ?? '/', 'http://sandbox');
      if (req.method === 'GET' && url.pathname === '/crm/v3/objects/contacts') return listContacts(dataset, url, res);
      if (req.method === 'POST' && url.pathname === '/crm/v3/objects/contacts') return createContact(dataset, await readJson(req), new Date(now()).toISOString(), res);
      if (req.method === 'GET' && url.pathname === '/notes') return listNotes(dataset, url, res);
      return send(res, 404, { message: `no route ${req.method} ${url.pathname}` });
    } catch (error) {
      return send(res, 500, { message: error instanceof Error ? error.message : 'error' });
    }
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    dataset,
    requests: () => requests,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function listContacts(dataset: SandboxDataset, url: URL, res: ServerResponse): void {
  const limit = clamp(Number(url.searchParams.get('limit') ?? 100), 1, 100);
  const after = Number(url.searchParams.get('after') ?? 0);
  // One more than asked, to know whether there is a next page. Starts at `after`, not at the
  // first contact, so paging through a million stays linear.
  const page = dataset.contacts.page(after, limit + 1);
  const hasMore = page.length > limit;
  const results = page.slice(0, limit);
  send(res, 200, { results, ...(hasMore ? { paging: { next: { after: String(results[results.length - 1]!.id) } } } : {}) });
}

const STAGES = new Set(['subscriber', 'lead', 'opportunity', 'customer']);

function createContact(dataset: SandboxDataset, body: unknown, at: string, res: ServerResponse): void {
  const p = (body as { properties?: Record<string, unknown> } | null)?.properties;
  const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value : null);
  const [firstname, lastname, email] = [text(p?.['firstname']), text(p?.['lastname']), text(p?.['email'])];
  if (!firstname || !lastname || !email || !/^[^@\s]+@[^@\s]+$/.test(email)) {
    send(res, 400, { status: 'error', category: 'VALIDATION_ERROR', message: 'properties.firstname, lastname and a valid email are required' });
    return;
  }
  const stage = STAGES.has(String(p?.['lifecyclestage'])) ? (p?.['lifecyclestage'] as SandboxContact['properties']['lifecyclestage']) : 'lead';
  const created = dataset.createContact({ firstname, lastname, email, company: text(p?.['company']), phone: text(p?.['phone']), lifecyclestage: stage }, at);
  if (created) send(res, 201, created);
  else send(res, 409, { status: 'error', category: 'CONFLICT', message: `Contact already exists. Existing email: ${email}` });
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return null;
  }
}

function listNotes(dataset: SandboxDataset, url: URL, res: ServerResponse): void {
  const limit = clamp(Number(url.searchParams.get('limit') ?? 100), 1, 100);
  const offset = Math.max(0, Number(url.searchParams.get('offset') ?? 0));
  const since = url.searchParams.get('updated_since');
  const notes = [...dataset.notes.values()].filter((n) => !since || n.updatedAt >= since).sort((a, b) => (a.updatedAt === b.updatedAt ? a.id.localeCompare(b.id) : a.updatedAt < b.updatedAt ? -1 : 1));
  send(res, 200, { data: notes.slice(offset, offset + limit) });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json), ...headers });
  res.end(json);
}

function clamp(n: number, min: number, max: number): number {
  return Number.isFinite(n) ? Math.min(max, Math.max(min, Math.floor(n))) : max;
}

function definedOnly(options: SandboxOptions): Partial<DatasetOptions> {
  return Object.fromEntries(Object.entries(options).filter(([k, v]) => v !== undefined && k in SANDBOX_DEFAULTS)) as Partial<DatasetOptions>;
}
