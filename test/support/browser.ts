/**
 * Headless Chromium for the browser tests: Debian's `chromium` package (`.ci/run` installs it
 * when missing), driven by `playwright-core`, which never downloads a browser of its own. The
 * executable is `CHROMIUM_PATH` when set, else the first `chromium` / `chromium-browser` found.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Playwright's own default waits are 30 s; a browser step here takes well under a second, but a 2-core CI machine running the whole suite at once has been seen to need 8 s. */
export const BROWSER_STEP_TIMEOUT_MS = 15_000;

export function findChromium(): string {
  const fromEnv = process.env['CHROMIUM_PATH'];
  if (fromEnv) return fromEnv;
  for (const candidate of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) if (existsSync(candidate)) return candidate;
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      const found = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
      if (found) return found;
    } catch {
      // not on PATH
    }
  }
  throw new Error('Chromium not found: install Debian\'s "chromium" package (as .ci/run does) or set CHROMIUM_PATH');
}

export async function launchChromium(): Promise<Browser> {
  // --no-sandbox: CI runs as root in a container, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath: findChromium(), headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'], timeout: 20_000 });
}

/**
 * A fresh context (no shared cookies or storage between tests) whose pages collect console
 * errors, uncaught page errors and CSP violations, so a test can assert the page ran cleanly.
 */
export async function newTestContext(browser: Browser): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext();
  context.setDefaultTimeout(BROWSER_STEP_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(BROWSER_STEP_TIMEOUT_MS);
  const problems: string[] = [];
  const watch = (page: Page) => {
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });
  };
  context.on('page', watch);
  const page = await context.newPage();
  return { context, page, problems };
}
