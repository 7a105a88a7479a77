/**
 * `syncline-console` for `npm start` and the tests: the console built by esbuild in this process,
 * once, on first use (see `assets-contract.ts`).
 */
import type { ConsoleAssets } from './assets-contract.js';
import { buildConsole } from './build.js';

let built: Promise<ConsoleAssets> | undefined;

export function loadConsoleAssets(): Promise<ConsoleAssets> {
  built ??= Promise.resolve().then(buildConsole);
  // A failed build is retried on the next request rather than remembered.
  built.catch(() => {
    built = undefined;
  });
  return built;
}
