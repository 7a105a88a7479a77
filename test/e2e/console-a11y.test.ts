/**
 * The console's pages under axe-core (Deque's accessibility engine, run in the page): no
 * serious or critical violation on any page, at desktop and phone widths. With
 * `SYNCLINE_SCREENSHOTS=1` the run also saves each page's screenshot to `docs/screenshots/`
 * (the README shows them): `SYNCLINE_SCREENSHOTS=1 npx vitest run test/e2e/console-a11y.test.ts`.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BROWSER_STEP_TIMEOUT_MS } from '../support/browser.js';
import { type ConsoleStack, startConsoleStack } from '../support/console-kit.js';

const SCREENSHOTS = process.env['SYNCLINE_SCREENSHOTS'] === '1';
const SCREENSHOT_DIR = join(import.meta.dirname, '..', '..', 'docs', 'screenshots');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

let stack: ConsoleStack;
let axeSource = '';
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  stack = await startConsoleStack();
  // The demo's first runs, so the pages have executions and records to show.
  await vi.waitFor(
    async () => {
      const res = await fetch(`${stack.url}/sync/status?provider_config_key=demo-crm&syncs=*&connection_id=demo`, { headers: { Authorization: `Bearer ${stack.secretKey}` } });
      const { syncs } = (await res.json()) as { syncs: { latestExecutionStatus?: string | null }[] };
      if (!syncs.every((s) => s.latestExecutionStatus === 'SUCCESS')) throw new Error('the demo has not run yet');
    },
    { timeout: 60_000, interval: 250 },
  );
}, 120_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await stack?.stop();
});

/** A signed-in page whose context lets axe's script in past the console's CSP (the page's own code still runs under it). */
async function signedInPage(width: number, height: number): Promise<Page> {
  const context = await stack.browser.newContext({ bypassCSP: true, viewport: { width, height } });
  context.setDefaultTimeout(BROWSER_STEP_TIMEOUT_MS);
  contexts.push(context);
  const page = await context.newPage();
  await stack.signIn(page);
  return page;
}

async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  // These functions run in the page (the root tsconfig has no DOM types, hence the casts).
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async () => {
    const inPage = globalThis as unknown as { axe: { run(context: unknown): Promise<{ violations: AxeViolation[] }> }; document: unknown };
    return (await inPage.axe.run(inPage.document)).violations;
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

const PAGES: { name: string; hash: string; heading: RegExp }[] = [
  { name: 'overview', hash: '#/', heading: /overview/i },
  { name: 'connections', hash: '#/connections', heading: /connections/i },
  { name: 'connection', hash: '#/connections/demo-crm/demo', heading: /demo/i },
  { name: 'executions', hash: '#/executions?provider_config_key=demo-crm&connection_id=demo&sync_name=contacts', heading: /executions/i },
  { name: 'records', hash: '#/records?provider_config_key=demo-crm&connection_id=demo&model=Contact', heading: /records/i },
  { name: 'webhooks', hash: '#/webhooks', heading: /webhooks/i },
  { name: 'reference', hash: '#/reference', heading: /reference/i },
  { name: 'connect', hash: '#/connect', heading: /connect/i },
];

describe('console accessibility', () => {
  it('has no serious or critical axe violation on any page at 1280 px', async () => {
    const page = await signedInPage(1280, 800);
    const found: string[] = [];
    for (const target of PAGES) {
      await page.goto(`${stack.url}/${target.hash}`);
      await page.getByRole('heading', { level: 1, name: target.heading }).first().waitFor();
      // Let the page's data arrive before it is judged (and photographed).
      await page.waitForLoadState('networkidle');
      for (const v of await seriousViolations(page))
        found.push(
          `${target.name}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes
            .map((n) => n.target.join(' '))
            .slice(0, 3)
            .join(', ')}`,
        );
      if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOT_DIR, `${target.name}.png`), fullPage: false });
    }
    expect(found).toEqual([]);
  }, 120_000);

  it('has no serious or critical axe violation at a phone width, and nothing wider than the screen', async () => {
    const page = await signedInPage(375, 740);
    const found: string[] = [];
    for (const target of PAGES.filter((p) => ['overview', 'connection', 'records'].includes(p.name))) {
      await page.goto(`${stack.url}/${target.hash}`);
      await page.getByRole('heading', { level: 1, name: target.heading }).first().waitFor();
      await page.waitForLoadState('networkidle');
      for (const v of await seriousViolations(page)) found.push(`${target.name}: ${v.id} (${v.impact}) ${v.help}`);
      // The page itself never scrolls sideways (wide tables scroll inside their own box).
      const overflow = await page.evaluate(() => {
        const inPage = globalThis as unknown as { document: { documentElement: { scrollWidth: number } }; innerWidth: number };
        return inPage.document.documentElement.scrollWidth - inPage.innerWidth;
      });
      if (overflow > 1) found.push(`${target.name}: the page is ${overflow}px wider than the screen`);
      if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOT_DIR, `${target.name}-phone.png`) });
    }
    expect(found).toEqual([]);
  }, 120_000);

  it('signs in with the keyboard alone', async () => {
    const context = await stack.browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${stack.url}/`);
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOT_DIR, 'sign-in.png') });
    // Tab to the key field, type, Enter: no mouse.
    const onKeyField = () =>
      page.evaluate(() => (globalThis as unknown as { document: { activeElement: { getAttribute(name: string): string | null } | null } }).document.activeElement?.getAttribute('type') === 'password');
    for (let i = 0; i < 8 && !(await onKeyField()); i++) await page.keyboard.press('Tab');
    expect(await onKeyField()).toBe(true);
    await page.keyboard.type(stack.secretKey);
    await page.keyboard.press('Enter');
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
  }, 60_000);
});
