/**
 * What the API serves of the console, and the module that provides it: `syncline-console`
 * exports `loadConsoleAssets(): Promise<ConsoleAssets>`. Two modules implement it, like
 * `syncline-integrations`:
 *   - `assets-in-process.ts` (tsconfig path, vitest alias, `npm start`): builds with esbuild in
 *     this process on first use — a small bundle, well under a second;
 *   - `.syncline/build/console-assets.ts` (the Lambda bundles' alias): written at synth by
 *     `assets-static.ts` with the built files inline, so the Lambda never runs esbuild.
 * No esbuild here: the API's route imports this file, and so does the Lambda bundle.
 */

/** The URL prefix of the hashed files, served by `GET /console/assets/{file}`. */
export const CONSOLE_ASSETS_PATH = '/console/assets';

export interface ConsoleAsset {
  contentType: string;
  body: string;
  /** The same body gzipped once at build time, for `Accept-Encoding: gzip`. */
  gzip: Uint8Array;
}

export interface ConsoleAssets {
  indexHtml: ConsoleAsset;
  /** By file name (`app.3FJ2KQ.js`); names carry a content hash, so a file never changes. */
  assets: Record<string, ConsoleAsset>;
  /** What the browser downloads for each file, for the build report and the size budget. */
  sizes: { file: string; bytes: number; gzipBytes: number }[];
}
