/**
 * The console's Executions, Records, Webhooks, API reference and Connect pages in headless
 * Chromium, against the local runtime and its demo connection (`demo` of `demo-crm`, a sandbox
 * that adds, changes and deletes contacts every second). What a page shows is checked against
 * what the HTTP API says, and what a page does (a replay, a connect link) against its effect.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type ConsoleStack, type DemoSyncStatus, startConsoleStack } from '../support/console-kit.js';
import { startReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const PCK = 'demo-crm';
const CONNECTION = 'demo';
const UI_WAIT_MS = 15_000;

interface Delivery {
  id: string;
  status: string;
  model: string | null;
  attempts: { status_code: number | null }[];
}

let stack: ConsoleStack;
/** The second contacts run: it saw the sandbox's deletions, so it has deleted records and log lines. */
let second: DemoSyncStatus;

beforeAll(async () => {
  stack = await startConsoleStack({ demo: { tickMs: 1_000 } });
  const first = await vi.waitFor(
    async () => {
      const status = await contactsStatus();
      if (status.latestExecutionStatus !== 'SUCCESS') throw new Error(`contacts' first run has not succeeded yet: ${JSON.stringify(status)}`);
      return status;
    },
    { timeout: 60_000, interval: 250 },
  );
  // A few sandbox ticks later (each deletes a contact), the next scheduled run marks them deleted.
  await new Promise((resolve) => setTimeout(resolve, 2_500));
  await stack.runtime.scheduler.tick(Date.now() + 120_000);
  second = await vi.waitFor(
    async () => {
      const status = await contactsStatus();
      if (status.finishedAt === first.finishedAt || status.latestExecutionStatus !== 'SUCCESS') throw new Error('the second contacts run has not finished yet');
      return status;
    },
    { timeout: 60_000, interval: 250 },
  );
  // The records API trails the writes by its visibility lag (2 s).
  await new Promise((resolve) => setTimeout(resolve, 2_100));
}, 150_000);
afterAll(async () => {
  await stack?.stop();
});

const api = <T>(method: string, path: string, body?: unknown) => stack.api<T>(method, path, body);
const contactsStatus = () => stack.demoSyncStatus('contacts');

/** Opens a console page by its hash, signed in with the runtime's full key unless another is given. */
async function openPage(hash: string, key?: string): Promise<Page> {
  const page = await stack.newPage();
  await stack.signIn(page, key);
  await page.goto(`${stack.url}/${hash}`);
  return page;
}

describe('console: executions, records, webhooks, reference, connect', () => {
  it('Executions shows the contacts runs with their counts, and a run’s log lines', async () => {
    const page = await openPage(`#/executions?provider_config_key=${PCK}&connection_id=${CONNECTION}&sync_name=contacts`);
    const rows = page
      .getByRole('table')
      .getByRole('row')
      .filter({ has: page.getByRole('button', { name: /^Logs of the run/ }) });
    await rows.first().waitFor({ timeout: UI_WAIT_MS });
    expect(await rows.count()).toBeGreaterThanOrEqual(2);
    // Newest first: the second run, with the counts the API reports.
    const newest = rows.first();
    const counts = second.latestResult!['Contact']!;
    expect(counts.deleted).toBeGreaterThan(0);
    expect(await newest.textContent()).toContain('SUCCESS');
    expect(await newest.textContent()).toContain(`Contact: +${counts.added} / ~${counts.updated} / −${counts.deleted}`);

    await newest.getByRole('button', { name: /^Logs of the run/ }).click();
    await page.getByRole('heading', { name: /^Logs of the run started/ }).waitFor();
    const lines = page.getByRole('list', { name: /^Log lines of run/ }).getByRole('listitem');
    expect(await lines.allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/deletion detection: \d+ of \d+ Contact records were not seen/)]));
    expect(await page.getByRole('status').filter({ hasText: 'Run success' }).count()).toBe(1);
    expect(stack.problemsOf(page)).toEqual([]);
  });

  it('Executions follows a running run’s new log lines every 2 s and stops once it has finished', async () => {
    // A demo run lasts a few seconds, too short to watch reliably, so this one endpoint is played
    // by the test (for a connection id no other page uses): a run that grows from 150 to 250
    // lines, moved on by the test, then succeeds.
    const page = await stack.newPage();
    await stack.signIn(page);
    const startedAt = new Date(Date.now() - 60_000).toISOString();
    const stages = [
      { status: 'RUNNING', finished_at: null as string | null, count: 150 },
      { status: 'RUNNING', finished_at: null, count: 200 },
      { status: 'RUNNING', finished_at: null, count: 250 },
      { status: 'SUCCESS', finished_at: new Date().toISOString(), count: 250 },
    ];
    let stage = 0;
    let polls = 0;
    await page.route('**/sync/executions?*', async (route) => {
      if (new URL(route.request().url()).searchParams.get('connection_id') !== 'live-run') return route.continue();
      polls++;
      const { count, ...now } = stages[stage]!;
      const logs = Array.from({ length: count }, (_, i) => ({ at: startedAt, level: 'info', message: `line ${i + 1}` }));
      await route.fulfill({ json: { executions: [{ id: 'run_live', type: 'INCREMENTAL', trigger: 'MANUAL', started_at: startedAt, invocations: 1, results: {}, error: null, ...now, logs }] } });
    });
    // The test moves the page's clock on to the next poll instead of waiting 2 s each time.
    await page.clock.install();
    await page.goto(`${stack.url}/#/executions?provider_config_key=${PCK}&connection_id=live-run&sync_name=contacts`);
    await page.getByRole('button', { name: /^Logs of the run/ }).click();
    const lines = page.getByRole('list', { name: 'Log lines of run run_live' }).getByRole('listitem');
    const position = (text: string) => vi.waitFor(async () => expect(await page.getByTestId('log-position').textContent()).toBe(text), { timeout: UI_WAIT_MS });
    const nextStage = async () => {
      stage++;
      await page.clock.runFor(2_000);
    };

    // Opened on the last page, following: each poll's new lines appear without a click.
    await page.getByRole('status').filter({ hasText: 'Following live' }).waitFor();
    await position('Lines 101–150 of 150 · page 2 of 2');
    await nextStage();
    await position('Lines 101–200 of 200 · page 2 of 2');
    await nextStage();
    await position('Lines 201–250 of 250 · page 3 of 3');
    expect(await lines.last().textContent()).toContain('line 250');
    await nextStage();
    await page.getByRole('status').filter({ hasText: 'Run success' }).waitFor({ timeout: UI_WAIT_MS });
    // Finished: no more polling, however much time passes (a poll would be sent before the page's next request).
    const settled = polls;
    await page.clock.runFor(60_000);
    await page.evaluate(() => fetch('/health').then((r) => r.status));
    expect(polls).toBe(settled);
    // Paging back works on the finished run.
    await page.getByRole('button', { name: 'First lines' }).click();
    expect(await lines.first().textContent()).toContain('line 1');
    expect(stack.problemsOf(page)).toEqual([]);
  });

  it('Records pages through Contact with a cursor, filters deleted ones and shows a record’s JSON with _nango_metadata', async () => {
    const page = await openPage(`#/records?provider_config_key=${PCK}&connection_id=${CONNECTION}&model=Contact`);
    const table = page.getByRole('table');
    const bodyRows = table.getByRole('row').filter({ has: page.getByRole('button', { name: /^JSON of record/ }) });
    await bodyRows.first().waitFor({ timeout: UI_WAIT_MS });
    // 120 contacts to start with, 50 a page.
    expect(await bodyRows.count()).toBe(50);
    const firstPageIds = await table.locator('tbody tr td:first-child code').allTextContents();

    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByText('Page 2', { exact: true }).waitFor();
    await vi.waitFor(async () => expect(await table.locator('tbody tr td:first-child code').first().textContent()).not.toBe(firstPageIds[0]), { timeout: UI_WAIT_MS });
    const secondPageIds = await table.locator('tbody tr td:first-child code').allTextContents();
    expect(secondPageIds.filter((id) => firstPageIds.includes(id))).toEqual([]);
    await page.getByRole('button', { name: 'First page' }).click();
    await page.getByText('Page 1', { exact: true }).waitFor();

    await page.getByRole('checkbox', { name: 'deleted' }).check();
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const deleted = second.latestResult!['Contact']!.deleted;
    await vi.waitFor(async () => expect(await bodyRows.count()).toBe(deleted), { timeout: UI_WAIT_MS });
    expect(await table.locator('tbody .badge').allTextContents()).toEqual(Array(deleted).fill('DELETED'));
    expect(await page.getByRole('button', { name: 'Next page' }).isDisabled()).toBe(true);

    const jsonButton = bodyRows.first().getByRole('button', { name: /^JSON of record/ });
    await jsonButton.click();
    expect(await jsonButton.getAttribute('aria-expanded')).toBe('true');
    const json = JSON.parse((await table.locator('pre.json').textContent())!) as { id: string; _nango_metadata: { last_action: string; deleted_at: string | null } };
    expect(json._nango_metadata).toMatchObject({ last_action: 'DELETED', deleted_at: expect.any(String) });
    expect(stack.problemsOf(page)).toEqual([]);
  });

  it('Webhooks creates a subscription (secret shown once), lists its failed delivery with the attempt, and replays it', async () => {
    // A receiver that refuses with 400: a 4xx other than 408/429/410 fails the delivery at once, so
    // the test meets a FAILED delivery through the real path; a 5xx would be retried for a day
    // (the local runtime has no setting for a faster retry policy).
    const receiver: WebhookReceiver = await startReceiver(() => ({ status: 400 }));
    try {
      const page = await openPage('#/webhooks');
      await page.getByLabel('Endpoint URL').fill(receiver.url);
      for (const event of ['sync.error', 'auth.refresh_error', 'auth.creation', 'auth.override', 'async_action']) await page.getByRole('checkbox', { name: event }).uncheck();
      await page.getByRole('button', { name: 'Create subscription' }).click();

      const secretPanel = page.getByRole('region', { name: 'New signing secret' });
      await secretPanel.waitFor();
      const secret = (await secretPanel.getByTestId('webhook-secret').textContent())!;
      expect(secret).toMatch(/^whsec_/);
      await secretPanel.getByRole('button', { name: /hide/ }).click();
      await secretPanel.waitFor({ state: 'detached' });

      const card = page.getByRole('region', { name: receiver.url });
      await card.waitFor();
      expect(await card.textContent()).toContain('sync.success');
      const { body: listed } = await api<{ subscriptions: { id: string; url: string; events: string[] }[] }>('GET', '/webhooks/subscriptions');
      const subscription = listed.subscriptions.find((s) => s.url === receiver.url)!;
      expect(subscription.events).toEqual(['sync.success']);
      // The secret appears nowhere once dismissed.
      expect(await page.content()).not.toContain(secret);

      // A manual contacts run: its Contact webhook is refused, and the delivery fails.
      expect((await api('POST', '/sync/trigger', { syncs: ['contacts'], provider_config_key: PCK, connection_id: CONNECTION })).status).toBe(200);
      const failed = await vi.waitFor(
        async () => {
          const { body } = await api<{ deliveries: Delivery[] }>('GET', `/webhooks/subscriptions/${subscription.id}/deliveries`);
          const found = body.deliveries.find((d) => d.model === 'Contact' && d.status === 'FAILED');
          if (!found) throw new Error('no failed Contact delivery yet');
          return found;
        },
        { timeout: 45_000, interval: 250 },
      );
      const before = receiver.received.length;

      await card.getByRole('button', { name: 'Show deliveries' }).click();
      const row = card.getByTestId(`delivery-${failed.id}`);
      await row.waitFor();
      expect(await row.textContent()).toMatch(/FAILED.*HTTP 400/s);
      await row.getByRole('button', { name: `Replay delivery ${failed.id}` }).click();

      // The replay reaches the receiver again, with the same webhook-id.
      await receiver.waitFor(before + 1, 15_000);
      expect(receiver.received.at(-1)!.headers['webhook-id']).toBe(failed.id);
      // And the page shows the new round's attempt once refreshed.
      await vi.waitFor(
        async () => {
          await card.getByRole('button', { name: 'Refresh deliveries' }).click();
          expect(await row.getByRole('listitem').count()).toBe(2);
        },
        { timeout: UI_WAIT_MS, interval: 300 },
      );
      expect(stack.problemsOf(page)).toEqual([]);
    } finally {
      await receiver.stop();
    }
  });

  it('Webhooks is read-only for a key without webhooks:write', async () => {
    const { status, body } = await api<{ secret: string }>('POST', '/api-keys', { name: 'webhooks reader', scopes: ['webhooks:read'] });
    expect(status).toBe(201);
    const page = await openPage('#/webhooks', body.secret);
    await page.getByText(/may read webhooks but not change them/).waitFor();
    await page.getByRole('button', { name: 'Show deliveries' }).first().waitFor();
    expect(await page.getByRole('button', { name: /Create subscription|Delete subscription|Rotate secret|Replay/ }).count()).toBe(0);
    expect(stack.problemsOf(page)).toEqual([]);
  });

  it('API reference shows the operations by tag and the Contact model’s properties', async () => {
    const page = await openPage('#/reference');
    await page.getByRole('heading', { name: 'Records', exact: true }).waitFor({ timeout: UI_WAIT_MS });
    const records = page.getByRole('article', { name: 'GET /records' });
    expect(await records.textContent()).toContain('records:read');
    expect(await records.getByRole('cell', { name: 'Connection-Id', exact: true }).count()).toBe(1);
    expect(await records.textContent()).toMatch(/ContactRecord/);

    const contact = page.getByRole('region', { name: 'Contact', exact: true });
    await contact.waitFor();
    const emailRow = contact.getByRole('row').filter({ has: page.getByRole('cell', { name: 'email', exact: true }) });
    expect(await emailRow.textContent()).toMatch(/email\s*string \(email\)\s*yes/);
    expect(stack.problemsOf(page)).toEqual([]);
  });

  it('Connect creates a connect link that opens the hosted connect page in a new tab', async () => {
    const page = await openPage('#/connect');
    await page.getByLabel('Integration').selectOption(PCK);
    await page.getByLabel(/^Tags/).fill('end_user_id=console-e2e');
    await page.getByRole('button', { name: 'Create connect link' }).click();
    const link = page.getByRole('link', { name: /\/connect\?session_token=/ });
    await link.waitFor({ timeout: UI_WAIT_MS });
    expect(await link.getAttribute('href')).toMatch(new RegExp(`^${stack.url}/connect\\?session_token=nango_connect_session_`));
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await page.getByText(/^Opens in a new tab\. Expires /).count()).toBe(1);

    const [opened] = await Promise.all([page.context().waitForEvent('page'), link.click()]);
    await opened.waitForLoadState();
    expect(new URL(opened.url()).pathname).toBe('/connect');
    await opened.getByRole('heading', { name: /Demo CRM/ }).waitFor({ timeout: UI_WAIT_MS });
    expect(stack.problemsOf(page)).toEqual([]);
  });
});
