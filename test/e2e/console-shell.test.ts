/**
 * The console's shell in headless Chromium against `npm start`'s runtime: the sign-in page at
 * `/`, a refused key, signing in (the key kept in sessionStorage, never in a URL), a restricted
 * key marked read-only, a revoked key explained rather than a blank page, the CSP and a clean
 * browser console on every page, the layout at 375 px, and the size and first paint budget.
 */
import { request } from 'node:http';
import type { Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_SECRET_KEY, type ConsoleStack, startConsoleStack } from '../support/console-kit.js';

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const NAV = ['Overview', 'Connections', 'Webhooks', 'API reference', 'Connect'];
const READ_ONLY_SCOPES = ['syncs:read', 'connections:read', 'records:read', 'webhooks:read', 'integrations:read'];
const JS_BUDGET_GZIP_BYTES = 200 * 1024;

let stack: ConsoleStack;

beforeAll(async () => {
  stack = await startConsoleStack();
}, 90_000);
afterAll(async () => {
  await stack?.stop();
});

async function createKey(name: string, scopes: string[]): Promise<{ id: string; secret: string }> {
  const response = await fetch(`${stack.url}/api-keys`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${CONSOLE_SECRET_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name, scopes }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; secret: string };
}

/** In browser code as strings: this project's tsconfig has no DOM types. */
const storedKey = (page: Page) => page.evaluate<string | null>("sessionStorage.getItem('syncline.apiKey')");

/** Every URL the page asks for (documents, scripts, API calls), to prove the key is in none. */
function recordUrls(page: Page): string[] {
  const urls: string[] = [];
  page.on('request', (r: Request) => urls.push(r.url()));
  page.on('framenavigated', (frame) => urls.push(frame.url()));
  return urls;
}

/** The bytes the server sends for `path` when the browser accepts gzip, as on the wire. */
function wireSize(path: string): Promise<{ bytes: number; encoding: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(`${stack.url}${path}`, { headers: { 'Accept-Encoding': 'gzip, deflate, br' } }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => resolve({ bytes, encoding: res.headers['content-encoding'] }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('console shell', () => {
  it('serves the sign-in page at / with the strict CSP; a wrong key gets a readable error and is not kept', async () => {
    const page = await stack.newPage();
    const response = await page.goto(`${stack.url}/`);
    expect(response!.status()).toBe(200);
    expect(response!.headers()['content-security-policy']).toBe(CSP);
    expect(response!.headers()['x-content-type-options']).toBe('nosniff');

    await page.getByRole('heading', { level: 1, name: 'Sign in to Syncline' }).waitFor();
    expect(await page.getByLabel('API key').getAttribute('type')).toBe('password');
    expect(await page.getByRole('navigation', { name: 'Main' }).count()).toBe(0);

    await page.getByLabel('API key').fill('sk_not_a_real_key_0000000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/not accepted/);
    expect(await storedKey(page)).toBeNull();
    expect(page.url()).not.toContain('sk_not_a_real_key');
    expect(stack.problemsOf(page).filter((p) => !/401/.test(p))).toEqual([]);
  });

  it('signs in: the nav, the key’s name and the Overview; the key in sessionStorage and in no URL; every page loads cleanly; sign out forgets it', async () => {
    const page = await stack.newPage();
    const urls = recordUrls(page);
    await stack.signIn(page);

    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link').allTextContents()).toEqual(NAV);
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    expect(await page.getByRole('main').count()).toBe(1);
    expect(await page.getByTestId('key-name').textContent()).toBe('local (SYNCLINE_SECRET_KEY)');
    expect(await nav.getByRole('link', { name: 'Overview', exact: true }).getAttribute('aria-current')).toBe('page');
    expect(await storedKey(page)).toBe(CONSOLE_SECRET_KEY);

    // Each page of the navigation renders its heading under the same CSP, without a console error.
    const headings: Record<string, string> = { Connections: 'Connections', Webhooks: 'Webhooks', 'API reference': 'API reference', Connect: 'Connect', Overview: 'Overview' };
    for (const [link, heading] of Object.entries(headings)) {
      await nav.getByRole('link', { name: link, exact: true }).click();
      await page.getByRole('heading', { level: 1, name: heading, exact: true }).waitFor();
      expect(await nav.getByRole('link', { name: link, exact: true }).getAttribute('aria-current')).toBe('page');
    }
    await page.goto(`${stack.url}/#/nowhere`);
    await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();

    expect(urls.length).toBeGreaterThan(5);
    expect(urls.filter((url) => url.includes(CONSOLE_SECRET_KEY))).toEqual([]);
    expect(stack.problemsOf(page)).toEqual([]);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    expect(await storedKey(page)).toBeNull();
  });

  it('marks a restricted key read-only, and explains a key revoked mid-session instead of a blank page', async () => {
    const viewer = await createKey('viewer', READ_ONLY_SCOPES);
    const page = await stack.newPage();
    await stack.signIn(page, viewer.secret);
    expect(await page.getByTestId('key-name').textContent()).toBe('viewer');
    await page.getByText('read-only', { exact: true }).waitFor();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();

    const revoked = await fetch(`${stack.url}/api-keys/${viewer.id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${CONSOLE_SECRET_KEY}` } });
    expect(revoked.status).toBe(200);
    await page.reload();
    const alert = page.getByRole('alert').first();
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/The API key was refused — sign in again/);
    await page.getByRole('button', { name: 'Sign in again' }).click();
    await page.getByLabel('API key').waitFor();
  }, 60_000);

  it('fits a 375 px screen, shows focus on keyboard navigation, stays under the JS budget, and paints fast', async () => {
    const page = await stack.newPage();
    await page.setViewportSize({ width: 375, height: 740 });
    await stack.signIn(page);
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);

    // The first Tab lands on the skip link, and the focused element has a visible outline.
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string | undefined>('document.activeElement?.textContent')).toBe('Skip to content');
    const outline = await page.evaluate<string>('getComputedStyle(document.activeElement).outlineStyle');
    expect(outline).not.toBe('none');

    const html = await (await fetch(`${stack.url}/`)).text();
    const script = /src="(\/console\/assets\/app\.\w+\.js)"/.exec(html)![1]!;
    const stylesheet = /href="(\/console\/assets\/app\.\w+\.css)"/.exec(html)![1]!;
    const js = await wireSize(script);
    const css = await wireSize(stylesheet);
    expect(js.encoding).toBe('gzip');
    expect(js.bytes).toBeLessThan(JS_BUDGET_GZIP_BYTES);

    // First contentful paint of a fresh load of the sign-in page (no key: nothing to fetch first).
    const fresh = await stack.newPage();
    await fresh.goto(`${stack.url}/`);
    await fresh.getByLabel('API key').waitFor();
    const fcp = await fresh.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null);
    expect(fcp).not.toBeNull();
    console.log(`console: JS ${(js.bytes / 1024).toFixed(1)} kB gzip, CSS ${(css.bytes / 1024).toFixed(1)} kB gzip; first contentful paint ${fcp!.toFixed(0)} ms`);
    expect(stack.problemsOf(page)).toEqual([]);
    expect(stack.problemsOf(fresh)).toEqual([]);
  });
});
