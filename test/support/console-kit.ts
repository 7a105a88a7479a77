/**
 * What the console's browser tests share: `npm start`'s runtime (DynamoDB Local, the queue
 * poller, the demo CRM sandbox with its `demo` connection, the API and console on 127.0.0.1)
 * with the project's integrations, and headless Chromium. Each `newPage()` is a fresh context
 * (its own sessionStorage) whose console errors, page errors and CSP violations are collected:
 * `problemsOf(page)`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { integrations } from '../../functions/discovery/project-integrations.js';
import { type LocalRuntime, type LocalRuntimeOptions, startLocalRuntime } from '../../functions/local/runtime.js';
import { launchChromium, newTestContext } from './browser.js';

export const CONSOLE_SECRET_KEY = 'sk_console_e2e_0123456789abcdef';

export interface ConsoleStackOptions {
  /** The demo sandbox's settings (e.g. `{ tickMs: 1_000 }` for data that changes quickly). @default {} */
  demo?: LocalRuntimeOptions['demo'];
}

export interface ConsoleStack {
  runtime: LocalRuntime;
  browser: Browser;
  /** The API's (and console's) address, `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  /** The runtime's full-scope key. */
  secretKey: string;
  /** A page in a fresh browser context, closed by `stop()`. */
  newPage(): Promise<Page>;
  /** Console errors, page errors and CSP violations seen on the page so far. */
  problemsOf(page: Page): string[];
  /** Opens the console, signs in with `key` (default: the full key) and waits for the navigation. */
  signIn(page: Page, key?: string): Promise<void>;
  /** The HTTP API the pages use, called with the full key: to check what a page did. */
  api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** `GET /sync/status` of one of the demo connection's syncs. */
  demoSyncStatus(sync: string): Promise<DemoSyncStatus>;
  stop(): Promise<void>;
}

export interface DemoSyncStatus {
  name: string;
  status: string;
  frequency: string;
  finishedAt: string | null;
  latestExecutionStatus: string | null;
  latestResult: Record<string, { added: number; updated: number; deleted: number }> | null;
}

/** The runtime's demo connection. */
export const DEMO = { providerConfigKey: 'demo-crm', connectionId: 'demo' };

export async function startConsoleStack(options: ConsoleStackOptions = {}): Promise<ConsoleStack> {
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const fn of stops.splice(0).reverse()) await fn().catch(() => undefined);
  };
  try {
    const dataDir = await mkdtemp(join(tmpdir(), 'syncline-console-'));
    stops.push(() => rm(dataDir, { recursive: true, force: true }));
    const runtime = await startLocalRuntime({
      dataDir,
      integrations,
      logger: { log: () => undefined },
      demo: options.demo ?? {},
      apiPort: 0,
      secretKey: CONSOLE_SECRET_KEY,
    });
    stops.push(() => runtime.stop());
    const browser = await launchChromium();
    stops.push(() => browser.close());

    const url = runtime.api!.url.replace(/\/+$/, '');
    const contexts: BrowserContext[] = [];
    stops.push(async () => Promise.all(contexts.splice(0).map((context) => context.close().catch(() => undefined))));
    const problems = new WeakMap<Page, string[]>();

    const api = async <T>(method: string, path: string, body?: unknown) => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { Authorization: `Bearer ${CONSOLE_SECRET_KEY}`, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as T };
    };
    return {
      runtime,
      browser,
      url,
      secretKey: CONSOLE_SECRET_KEY,
      api,
      async demoSyncStatus(sync) {
        const { body } = await api<{ syncs: DemoSyncStatus[] }>('GET', `/sync/status?provider_config_key=${DEMO.providerConfigKey}&connection_id=${DEMO.connectionId}&syncs=${sync}`);
        return body.syncs[0]!;
      },
      async newPage() {
        const { context, page, problems: seen } = await newTestContext(browser);
        contexts.push(context);
        problems.set(page, seen);
        return page;
      },
      problemsOf: (page) => problems.get(page) ?? [],
      async signIn(page, key = CONSOLE_SECRET_KEY) {
        await page.goto(`${url}/`);
        await page.getByLabel('API key').fill(key);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('navigation', { name: 'Main' }).waitFor();
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
