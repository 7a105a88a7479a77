/**
 * The console's Overview, Connections and Connection pages in headless Chromium, against the
 * local runtime with its demo connection (`demo` of `demo-crm`). Every action is checked twice:
 * on the page, and through the HTTP API the page uses, so a page that only pretends fails.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type ConsoleStack, startConsoleStack } from '../support/console-kit.js';

const PCK = 'demo-crm';
const CONNECTION = 'demo';
const UI_WAIT_MS = 30_000;

interface Execution {
  id: string;
  status: string;
  trigger: string;
}

let stack: ConsoleStack;

beforeAll(async () => {
  stack = await startConsoleStack();
  // The demo's auto-start syncs run once at start; wait for contacts' first run so the pages have something to show.
  await vi.waitFor(async () => expect((await contactsStatus()).latestExecutionStatus).toBe('SUCCESS'), { timeout: 60_000, interval: 250 });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

const api = <T>(method: string, path: string, body?: unknown) => stack.api<T>(method, path, body);
const contactsStatus = () => stack.demoSyncStatus('contacts');

async function contactsExecutions(): Promise<Execution[]> {
  const { body } = await api<{ executions: Execution[] }>('GET', `/sync/executions?provider_config_key=${PCK}&connection_id=${CONNECTION}&sync_name=contacts&limit=10`);
  return body.executions;
}

/** Waits until contacts is idle (a scheduled or earlier run finished), so an action starts from a known state. */
async function contactsIdle(): Promise<void> {
  await vi.waitFor(
    async () => {
      const status = await contactsStatus();
      expect(status.status).not.toBe('RUNNING');
      expect(status.latestExecutionStatus).not.toBe('RUNNING');
    },
    { timeout: 60_000, interval: 250 },
  );
}

async function openConnection(page: Page): Promise<void> {
  await page.getByRole('link', { name: 'Connections', exact: true }).click();
  await page.getByRole('link', { name: CONNECTION, exact: true }).click();
  await page.getByRole('heading', { name: `Connection ${CONNECTION}` }).waitFor();
}

/** Console errors, page errors and CSP violations, minus the refusals a test provoked on purpose (Chromium logs each non-2xx fetch). */
function unexpectedProblems(page: Page, ...expectedStatuses: number[]): string[] {
  return stack.problemsOf(page).filter((problem) => !expectedStatuses.some((status) => problem.includes(`status of ${status}`)));
}

const contactsCard = (page: Page) => page.getByRole('region', { name: 'contacts', exact: true });

describe('console: overview, connections, connection page', () => {
  it('lists the demo connection on Connections (with working filters) and the demo integration on Overview', async () => {
    const page = await stack.newPage();
    await stack.signIn(page);

    await page.getByRole('link', { name: 'Connections', exact: true }).click();
    await page.getByRole('heading', { name: 'Connections', level: 1 }).waitFor();
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: CONNECTION, exact: true }) });
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.textContent()).toContain(PCK);

    // A search that matches nothing, then the integration filter; both land in the URL.
    await page.getByLabel('Search by connection id or tag value').fill('no-such-connection');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No connection matches these filters.').waitFor();
    expect(new URL(page.url()).hash).toBe('#/connections?search=no-such-connection');
    await page.getByLabel('Search by connection id or tag value').fill('');
    await page.getByLabel('Integration').selectOption(PCK);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByRole('link', { name: CONNECTION, exact: true }).waitFor();
    expect(new URL(page.url()).hash).toBe(`#/connections?integration=${PCK}`);
    // A malformed tag filter is explained, not sent.
    await page.getByLabel('Tag (key:value)').fill('no-colon');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('The tag filter must be written key:value').waitFor();

    await page.getByRole('link', { name: 'Overview', exact: true }).click();
    const integration = page.getByRole('region', { name: PCK, exact: true });
    await integration.getByRole('rowheader', { name: 'contacts' }).waitFor();
    await integration.getByRole('rowheader', { name: 'notes' }).waitFor();
    expect(await integration.getByRole('link', { name: '1 connection' }).count()).toBe(1);
    const contactsRow = integration.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'contacts' }) });
    expect(await contactsRow.textContent()).toMatch(/Contact.*every minute.*full.*yes.*rate\(1 minute\)/);
    // At least the demo's first contacts run, counted from GET /sync/executions.
    await expect.poll(async () => Number.parseInt((await page.getByTestId('runs-success').textContent()) ?? '0', 10)).toBeGreaterThanOrEqual(1);
    await page.getByText('No connection has an auth error or a failing sync.').waitFor();
    expect(unexpectedProblems(page)).toEqual([]);
  });

  it('triggers a run and shows it, pauses and starts the sync, and cancels a running execution', async () => {
    await contactsIdle();
    const page = await stack.newPage();
    await stack.signIn(page);
    await openConnection(page);
    const card = contactsCard(page);
    const lastRun = card.getByTestId('last-run-contacts-base');
    await expect.poll(() => lastRun.textContent()).not.toBe('never');
    const before = await lastRun.textContent();
    const [newestBefore] = await contactsExecutions();

    // Trigger: a new execution, and the page's "last run" moves on by itself (it polls while running).
    await card.getByRole('button', { name: 'Trigger' }).click();
    await card.getByText('Run queued.').waitFor();
    await expect.poll(() => lastRun.textContent(), { timeout: UI_WAIT_MS }).not.toBe(before);
    const [newest] = await contactsExecutions();
    expect(newest!.id).not.toBe(newestBefore!.id);
    expect(newest!.trigger).toBe('MANUAL');

    // Pause, then start: the badge follows, and the API agrees.
    await contactsIdle();
    const badge = card.getByTestId('status-contacts-base');
    await card.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(() => badge.textContent(), { timeout: UI_WAIT_MS }).toBe('PAUSED');
    expect((await contactsStatus()).status).toBe('PAUSED');
    expect(await card.getByRole('button', { name: 'Trigger' }).isDisabled()).toBe(true);
    await card.getByRole('button', { name: 'Start' }).click();
    await expect.poll(() => badge.textContent(), { timeout: UI_WAIT_MS }).not.toBe('PAUSED');
    expect((await contactsStatus()).status).not.toBe('PAUSED');

    // Cancel right after a trigger: the run is either stopped or already done, and the page says which.
    await contactsIdle();
    await card.getByRole('button', { name: 'Trigger' }).click();
    await card.getByText('Run queued.').waitFor();
    await card.getByRole('button', { name: 'Cancel running' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain('Cancel the running execution of contacts?');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    const outcome = card.getByText(/^(The running execution was cancelled\.|Nothing was running\.)$/);
    await outcome.waitFor();
    await contactsIdle();
    const [afterCancel] = await contactsExecutions();
    if ((await outcome.textContent())!.startsWith('The running')) expect(afterCancel!.status).toBe('CANCELLED');
    else expect(['SUCCESS', 'CANCELLED']).toContain(afterCancel!.status);
    expect(unexpectedProblems(page)).toEqual([]);
  });

  it('changes the frequency, showing a refused one readably', async () => {
    const page = await stack.newPage();
    await stack.signIn(page);
    await openConnection(page);
    const card = contactsCard(page);
    await card.getByLabel('New frequency').fill('every 30 seconds');
    await card.getByRole('button', { name: 'Change frequency' }).click();
    await card.getByRole('alert').filter({ hasText: 'The request was refused.' }).waitFor();
    expect((await contactsStatus()).frequency).toBe('every minute');

    await card.getByLabel('New frequency').fill('every 2 hours');
    await card.getByRole('button', { name: 'Change frequency' }).click();
    await card.getByText('Frequency set to every 2 hours.').waitFor();
    expect((await contactsStatus()).frequency).toBe('every 2 hours');
    await card.getByRole('button', { name: "Use the sync's frequency" }).click();
    await card.getByText(/^Back to the sync's own frequency/).waitFor();
    expect((await contactsStatus()).frequency).toBe('every minute');
    expect(unexpectedProblems(page, 400)).toEqual([]);
  });

  it('edits metadata: invalid JSON and a refused save keep the text, a valid object is saved', async () => {
    const page = await stack.newPage();
    await stack.signIn(page);
    await openConnection(page);
    const editor = page.getByLabel('Metadata (JSON object)');
    const save = page.getByRole('button', { name: 'Save metadata' });

    const broken = '{"region": "eu",';
    await editor.fill(broken);
    await save.click();
    await page.getByText(/^Not valid JSON/).waitFor();
    expect(await editor.inputValue()).toBe(broken);

    await editor.fill('["not", "an", "object"]');
    await save.click();
    await page.getByText('Metadata must be a JSON object').waitFor();

    // Valid JSON the API refuses (the body is over its 256 KB limit): the error shows, the edit stays.
    const tooBig = JSON.stringify({ blob: 'x'.repeat(300_000) });
    await editor.fill(tooBig);
    await save.click();
    await page.getByRole('alert').filter({ hasText: 'The request was refused.' }).waitFor();
    expect(await editor.inputValue()).toBe(tooBig);

    await editor.fill('{"region": "eu", "plan": {"tier": 2}}');
    await save.click();
    await page.getByText('Metadata saved.').waitFor();
    const { body } = await api<{ metadata: unknown }>('GET', `/connections/${CONNECTION}?provider_config_key=${PCK}`);
    expect(body.metadata).toEqual({ region: 'eu', plan: { tier: 2 } });
    expect(unexpectedProblems(page, 413)).toEqual([]);
  });

  it('shows a read-only page, without write controls, to a key without write scopes', async () => {
    const { status, body } = await api<{ secret: string }>('POST', '/api-keys', { name: 'console read-only', scopes: ['connections:read', 'syncs:read', 'integrations:read'] });
    expect(status).toBe(201);
    const page = await stack.newPage();
    await stack.signIn(page, body.secret);
    await openConnection(page);
    const card = contactsCard(page);
    await card.getByTestId('last-run-contacts-base').waitFor();
    for (const name of ['Trigger', 'Pause', 'Start', 'Full refresh', 'Empty cache', 'Cancel running', 'Change frequency']) expect(await card.getByRole('button', { name }).count()).toBe(0);
    expect(await page.getByLabel('Metadata (JSON object)').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Save metadata' }).count()).toBe(0);
    // The metadata is still readable, and the syncs link to their executions and records.
    await page.getByRole('heading', { name: 'Metadata' }).waitFor();
    await card.getByRole('link', { name: 'Executions of contacts' }).waitFor();
    expect(await card.getByRole('link', { name: /^Contact: / }).getAttribute('href')).toBe(`#/records?provider_config_key=${PCK}&connection_id=${CONNECTION}&model=Contact`);
    expect(unexpectedProblems(page)).toEqual([]);
  });
});
